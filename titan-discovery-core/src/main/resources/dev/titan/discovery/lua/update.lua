-- Changes one field (address or services) of an existing node, never creating keys: an unknown
-- node id leaves Redis untouched. Keeps our indexes in step and publishes NODE_UPDATED.
-- KEYS[1] node hash   KEYS[2] index:meta   KEYS[3] index:version
-- ARGV[1] node id   ARGV[2] field ('address' or 'services')   ARGV[3] value
-- ARGV[4] prefix   ARGV[5] channel ('' = do not publish)   ARGV[6..] service names (services only)
-- Returns 1 when the node existed and was updated, 0 otherwise.
local id, field, value, prefix, channel = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return 0 end
local cur = redis.call('HMGET', KEYS[1], 'address', 'services')
if cur[1] == false and cur[2] == false then return 0 end
redis.call('HSET', KEYS[1], field, value)
local addr = field == 'address' and value or (cur[1] or '')
local svc = field == 'services' and value or (cur[2] or '[]')
if not string.match(svc, '^%s*%[') or not pcall(cjson.decode, svc) then svc = '[]' end

local okM, meta = pcall(redis.call, 'HGET', KEYS[2], id)
if okM and meta then
  if field == 'services' then
    local fresh = {}
    for i = 6, #ARGV do fresh[ARGV[i]] = true end
    local nl = string.find(meta, '\n', 1, true)
    if nl then
      local ok, list = pcall(cjson.decode, string.sub(meta, nl + 1))
      if ok and type(list) == 'table' then
        for _, s in ipairs(list) do
          if type(s) == 'table' and type(s.name) == 'string' and not fresh[s.name] then
            redis.call('SREM', prefix .. ':index:services:' .. s.name, id)
          end
        end
      end
    end
    for i = 6, #ARGV do redis.call('SADD', prefix .. ':index:services:' .. ARGV[i], id) end
  end
  redis.call('HSET', KEYS[2], id, addr .. '\n' .. svc)
end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nowS = string.format('%d', now)
local v = bump(KEYS[3], now)
if channel ~= '' then
  sequence(channel, v, id)
  redis.call('PUBLISH', channel, '{"type":"NODE_UPDATED","nodeId":' .. cjson.encode(id)
    .. ',"address":' .. cjson.encode(addr) .. ',"services":' .. svc .. ',"timestamp":' .. nowS .. '}')
end
return 1
