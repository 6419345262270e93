-- Full registration of a node: writes the TypeScript wire format and our indexes atomically,
-- and publishes NODE_REGISTERED / NODE_UPDATED only when what others see changed.
-- KEYS[1] node hash   KEYS[2] heartbeat   KEYS[3] index:nodes   KEYS[4] index:deadlines
-- KEYS[5] index:version
-- ARGV[1] node id   ARGV[2] address   ARGV[3] services JSON   ARGV[4] heartbeat TTL ms
-- ARGV[5] key prefix   ARGV[6] pub/sub channel ('' = do not publish)
-- ARGV[7] status (UP, DRAINING, OUT_OF_SERVICE)   ARGV[8] '1' = keep the status stored in the
-- hash when there is one (set by an operator meanwhile), '0' = write ARGV[7]
-- ARGV[9] metadata JSON object ('' = none)   ARGV[10..] service names
-- status and metadata are extra hash fields, absent for UP and no metadata (as every node the
-- TypeScript implementation writes reads); events carry them as extra members after timestamp.
-- Returns {existed (0/1), changed (0/1), timestamp, status written}
local id, addr, svc, ttl, prefix, channel = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6]
local status, keepStatus, meta = ARGV[7], ARGV[8] == '1', ARGV[9]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nowS = string.format('%d', now)

local oldAddr, oldSvc, oldStatus, oldMeta = false, false, false, false
local ok, old = pcall(redis.call, 'HMGET', KEYS[1], 'address', 'services', 'status', 'metadata')
if ok then
  oldAddr, oldSvc, oldStatus, oldMeta = old[1], old[2], old[3], old[4]
else
  redis.call('DEL', KEYS[1]) -- a value of the wrong type squats the key: replace it
end
local existed = oldAddr ~= false and oldSvc ~= false
if keepStatus and existed then status = oldStatus or 'UP' end
local changed = (not existed) or oldAddr ~= addr or oldSvc ~= svc or (oldStatus or 'UP') ~= status
  or (oldMeta or '') ~= meta

-- leave the indexes of services no longer offered; the old names come from the hash, else from
-- what was kept when the node was about to expire. When neither says, its stale entries stay
-- (never a scan of every name): lookups filter by the node's services, and remove them once the
-- node is gone.
local fresh, names = {}, {}
for i = 10, #ARGV do fresh[ARGV[i]] = true; names[#names + 1] = ARGV[i] end
local oldNames = oldSvc and namesOf(oldSvc)
if not oldNames then
  local okD, kept = pcall(redis.call, 'HGET', prefix .. ':index:departing', id)
  local nl = okD and kept and string.find(kept, '\n', 1, true)
  if nl then oldNames = namesOf(string.sub(kept, nl + 1)) end
end
unindex(prefix, id, oldNames, fresh)

redis.call('HSET', KEYS[1], 'address', addr, 'services', svc, 'timestamp', nowS)
if status ~= 'UP' then redis.call('HSET', KEYS[1], 'status', status) elseif oldStatus then redis.call('HDEL', KEYS[1], 'status') end
if meta ~= '' then redis.call('HSET', KEYS[1], 'metadata', meta) elseif oldMeta then redis.call('HDEL', KEYS[1], 'metadata') end
redis.call('EXPIRE', KEYS[1], math.ceil(ttl / 1000))
redis.call('SET', KEYS[2], nowS, 'PX', ttl)
write('SADD', KEYS[3], id)
write('ZADD', KEYS[4], now + ttl, id)
index(prefix, id, names)
pcall(redis.call, 'SREM', prefix .. ':index:foreign', id)
pcall(redis.call, 'HDEL', prefix .. ':index:departing', id)

if changed then
  local v = bump(KEYS[5], now, id)
  if channel ~= '' then
    sequence(channel, v, id)
    local kind = existed and 'NODE_UPDATED' or 'NODE_REGISTERED'
    redis.call('PUBLISH', channel, '{"type":"' .. kind .. '","nodeId":' .. cjson.encode(id)
      .. ',"address":' .. cjson.encode(addr) .. ',"services":' .. svc .. ',"timestamp":' .. nowS
      .. stateMembers(status, meta) .. '}')
  end
end
return {existed and 1 or 0, changed and 1 or 0, nowS, status}
