-- Full registration of a node: writes the TypeScript wire format and our indexes atomically,
-- and publishes NODE_REGISTERED / NODE_UPDATED only when what others see changed.
-- KEYS[1] node hash   KEYS[2] heartbeat   KEYS[3] index:nodes   KEYS[4] index:deadlines
-- KEYS[5] index:version
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

-- leave the indexes of services no longer offered; the old names come from the hash, else from
-- what was kept when the node was about to expire. When neither says, its stale entries stay
-- (never a scan of every name): lookups filter by the node's services, and remove them once the
-- node is gone.
local fresh, names = {}, {}
for i = 7, #ARGV do fresh[ARGV[i]] = true; names[#names + 1] = ARGV[i] end
local oldNames = oldSvc and namesOf(oldSvc)
if not oldNames then
  local okD, kept = pcall(redis.call, 'HGET', prefix .. ':index:departing', id)
  local nl = okD and kept and string.find(kept, '\n', 1, true)
  if nl then oldNames = namesOf(string.sub(kept, nl + 1)) end
end
unindex(prefix, id, oldNames, fresh)

redis.call('HSET', KEYS[1], 'address', addr, 'services', svc, 'timestamp', nowS)
redis.call('EXPIRE', KEYS[1], math.ceil(ttl / 1000))
redis.call('SET', KEYS[2], nowS, 'PX', ttl)
write('SADD', KEYS[3], id)
write('ZADD', KEYS[4], now + ttl, id)
index(prefix, id, names)
pcall(redis.call, 'SREM', prefix .. ':index:foreign', id)
pcall(redis.call, 'HDEL', prefix .. ':index:departing', id)

if changed then
  local v = bump(KEYS[5], now)
  if channel ~= '' then
    sequence(channel, v, id)
    local kind = existed and 'NODE_UPDATED' or 'NODE_REGISTERED'
    redis.call('PUBLISH', channel, '{"type":"' .. kind .. '","nodeId":' .. cjson.encode(id)
      .. ',"address":' .. cjson.encode(addr) .. ',"services":' .. svc .. ',"timestamp":' .. nowS .. '}')
  end
end
return {existed and 1 or 0, changed and 1 or 0, nowS}
