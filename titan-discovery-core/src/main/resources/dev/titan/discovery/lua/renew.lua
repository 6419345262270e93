-- Lean heartbeat of an unchanged node: refreshes TTLs, timestamp and deadline; sends no data.
-- Returns 0 when the node is not (or no longer) fully registered: the caller then registers it.
-- KEYS[1] node hash   ARGV[1] node id   ARGV[2] heartbeat TTL ms
-- The other keys are derived from KEYS[1]; they share its hash tag, so this is cluster-safe.
-- Five commands, the existence check folded into EXPIRE (0 = no such key), to cost Redis no
-- more CPU than the reference's heartbeat.
local id, ttl = ARGV[1], tonumber(ARGV[2])
if redis.call('EXPIRE', KEYS[1], math.ceil(ttl / 1000)) == 0 then return 0 end
local prefix = string.sub(KEYS[1], 1, #KEYS[1] - #id - 7)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local deadlines = prefix .. ':index:deadlines'
if redis.call('ZADD', deadlines, 'XX', 'CH', now + ttl, id) == 0 then
  if not redis.call('ZSCORE', deadlines, id) then return 0 end
end
local nowS = string.format('%d', now)
-- a value of another type squatting the node key: the caller's full registration replaces it
if not pcall(redis.call, 'HSET', KEYS[1], 'timestamp', nowS) then return 0 end
redis.call('SET', prefix .. ':heartbeat:' .. id, nowS, 'PX', ttl)
return 1
