-- Lean heartbeats of unchanged nodes, one or many in one call (a writer batches the renewals
-- that are due together): refreshes TTLs and timestamp; sends no data.
-- KEYS[i] node hash of node i (all under one prefix, and so one hash tag in a cluster)
-- ARGV[1] heartbeat TTL ms   ARGV[2] node hash TTL s (ceil of ARGV[1] / 1000)
-- ARGV[3] timestamp (the writer's epoch ms, as the reference writes it)   ARGV[4] key prefix
-- ARGV[5] one character per node, '+' to also move the node's deadline in index:deadlines to the
-- new heartbeat expiry (Redis server time), '-' not to   ARGV[5 + i] id of node i
-- The writer moves a deadline only when it would pass before the node's next heartbeat (every
-- other beat with the default TTL = 3 x interval): a node found due but alive is set right by
-- the sweeper, so skipping is safe, and a deadline is never later than the heartbeat's expiry.
-- Kept to the fewest Redis calls and Lua operations, because a lone heartbeat is mostly script
-- overhead: Redis server time is read only for a move, and one node's answer is a plain integer
-- (a table costs Redis more to turn into a reply; BENCHMARKS.md has what this saves).
-- Returns, per node, 1 when renewed, 0 when it is not (or no longer) fully registered: its writer
-- then registers it in full. One node: that integer; several: an array of them.
local ttl, secs, ts, prefix, moves = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local deadlines, deadline = false, false
local out = {}
for i = 1, #KEYS do
  local key, id, r = KEYS[i], ARGV[5 + i], 0
  -- the existence check folded into EXPIRE (0 = no such key); a value of another type squatting
  -- the node key fails HSET: the full registration replaces it
  if redis.call('EXPIRE', key, secs) == 1 and pcall(redis.call, 'HSET', key, 'timestamp', ts) then
    local indexed = true
    if string.byte(moves, i) == 43 then -- '+'
      if not deadline then
        local t = redis.call('TIME')
        deadline = t[1] * 1000 + math.floor(t[2] / 1000) + ttl
        deadlines = prefix .. ':index:deadlines'
      end
      local okZ, z = pcall(redis.call, 'ZADD', deadlines, 'XX', 'CH', deadline, id)
      indexed = okZ and (z == 1 or redis.call('ZSCORE', deadlines, id) ~= false)
    end
    if indexed then
      redis.call('SET', prefix .. ':heartbeat:' .. id, ts, 'PX', ttl)
      r = 1
    end
  end
  out[i] = r
end
if #out == 1 then
  return out[1]
end
return out
