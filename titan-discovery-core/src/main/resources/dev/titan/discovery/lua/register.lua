-- Full registration of a node: writes the TypeScript wire format and our indexes atomically,
-- and publishes NODE_REGISTERED / NODE_UPDATED only when what others see changed.
-- KEYS[1] node hash   KEYS[2] heartbeat   KEYS[3] index:nodes
-- KEYS[4] index:deadlines   KEYS[5] index:meta   KEYS[6] index:version
-- ARGV[1] node id   ARGV[2] address   ARGV[3] services JSON   ARGV[4] heartbeat TTL ms
-- ARGV[5] key prefix   ARGV[6] pub/sub channel ('' = do not publish)   ARGV[7..] service names
-- Returns {existed (0/1), changed (0/1), timestamp}
local id, addr, svc, ttl, prefix, channel = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nowS = string.format('%d', now)

local oldAddr, oldSvc = false, false
local ok, old = pcall(redis.call, 'HMGET', KEYS[1], 'address', 'services')
if ok then
  oldAddr, oldSvc = old[1], old[2]
else
  redis.call('DEL', KEYS[1]) -- a value of the wrong type squats the key: replace it
end
local existed = oldAddr ~= false and oldSvc ~= false
local changed = (not existed) or oldAddr ~= addr or oldSvc ~= svc

local fresh = {}
for i = 7, #ARGV do fresh[ARGV[i]] = true end
local okMeta, meta = pcall(redis.call, 'HGET', KEYS[5], id)
if okMeta and meta then
  local nl = string.find(meta, '\n', 1, true)
  if nl then
    local okDec, list = pcall(cjson.decode, string.sub(meta, nl + 1))
    if okDec and type(list) == 'table' then
      for _, s in ipairs(list) do
        if type(s) == 'table' and type(s.name) == 'string' and not fresh[s.name] then
          pcall(redis.call, 'SREM', prefix .. ':index:services:' .. s.name, id)
        end
      end
    end
  end
end

redis.call('HSET', KEYS[1], 'address', addr, 'services', svc, 'timestamp', nowS)
redis.call('EXPIRE', KEYS[1], math.ceil(ttl / 1000))
redis.call('SET', KEYS[2], nowS, 'PX', ttl)
write('SADD', KEYS[3], id)
write('ZADD', KEYS[4], now + ttl, id)
write('HSET', KEYS[5], id, addr .. '\n' .. svc)
for i = 7, #ARGV do
  write('SADD', prefix .. ':index:services:' .. ARGV[i], id)
end

if changed then
  local v = bump(KEYS[6], now)
  if channel ~= '' then
    sequence(channel, v, id)
    local kind = existed and 'NODE_UPDATED' or 'NODE_REGISTERED'
    redis.call('PUBLISH', channel, '{"type":"' .. kind .. '","nodeId":' .. cjson.encode(id)
      .. ',"address":' .. cjson.encode(addr) .. ',"services":' .. svc .. ',"timestamp":' .. nowS .. '}')
  end
end
return {existed and 1 or 0, changed and 1 or 0, nowS}
