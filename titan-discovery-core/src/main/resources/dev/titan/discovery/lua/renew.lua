-- Lean heartbeats of unchanged nodes, one or many in one call (a writer batches the renewals
-- that are due together): refreshes TTLs and timestamp; sends no data.
-- KEYS[i] node hash of node i (all sharing one prefix, and so one hash tag in a cluster)
-- ARGV[1] heartbeat TTL ms   ARGV[1 + i] '+' or '-' then the id of node i: '+' also moves the
-- node's deadline in index:deadlines to the new heartbeat expiry. The writer moves it only when
-- the old deadline would pass before its next heartbeat (every other beat with the default
-- TTL = 3 x interval): a node found due but alive is set right by the sweeper, so skipping is safe,
-- and a deadline is never later than the heartbeat's real expiry.
-- Returns, per node, 1 when renewed, 0 when it is not (or no longer) fully registered: its writer
-- then registers it in full.
local ttl = tonumber(ARGV[1])
local secs = math.ceil(ttl / 1000)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nowS = string.format('%d', now)
local out = {}
for i, key in ipairs(KEYS) do
  local arg = ARGV[i + 1]
  local id = string.sub(arg, 2)
  local r = 0
  -- the existence check folded into EXPIRE (0 = no such key); a value of another type squatting
  -- the node key fails HSET: the full registration replaces it
  if redis.call('EXPIRE', key, secs) == 1 and pcall(redis.call, 'HSET', key, 'timestamp', nowS) then
    local prefix = string.sub(key, 1, #key - #id - 7)
    local indexed = true
    if string.byte(arg, 1) == 43 then -- '+'
      local deadlines = prefix .. ':index:deadlines'
      local okZ, z = pcall(redis.call, 'ZADD', deadlines, 'XX', 'CH', now + ttl, id)
      indexed = okZ and (z == 1 or redis.call('ZSCORE', deadlines, id) ~= false)
    end
    if indexed then
      redis.call('SET', prefix .. ':heartbeat:' .. id, nowS, 'PX', ttl)
      r = 1
    end
  end
  out[i] = r
end
return out
