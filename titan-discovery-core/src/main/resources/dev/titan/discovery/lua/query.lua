-- Reads nodes in one round trip. Read-only.
-- KEYS[1] the set to read ids from (index:nodes, or index:services:{name})
-- KEYS[2] index:nodes   KEYS[3] index:deadlines   KEYS[4] index:version (optional)
-- ARGV[1] prefix   ARGV[2] 'active' (heartbeat must exist) or 'all'
-- ARGV[3] '1' to add nodes that our service indexes do not cover (written by the TypeScript
--         implementation): those in index:foreign (adopted by the sweeper) and, while some are
--         not adopted yet (index:nodes larger than index:deadlines), those without a deadline.
-- Returns {{id, address, services, timestamp, status, metadata, ...}, {ids whose heartbeat is
-- gone}, n} (status and metadata '' when absent) where n
-- counts our nodes whose deadline has passed (in active mode), so the caller knows to sweep,
-- followed by the change counter (0 when absent) when KEYS[4] is given: the version this
-- answer reflects, read in the same atomic step (local views resynchronise from it).
-- Wrong key types and hashes with missing fields are skipped.
local prefix, active, foreign = ARGV[1], ARGV[2] == 'active', ARGV[3] == '1'
local ids = {}
local ok, members = pcall(redis.call, 'SMEMBERS', KEYS[1])
if ok then
  ids = members
elseif foreign then
  -- the service index is unusable (wrong type): read every node instead
  local okAll, all = pcall(redis.call, 'SMEMBERS', KEYS[2])
  if okAll then ids = all end
  foreign = false
end
if foreign then
  local seen = {}
  for _, id in ipairs(ids) do seen[id] = true end
  local function add(id)
    if not seen[id] then seen[id] = true; ids[#ids + 1] = id end
  end
  local okF, adopted = pcall(redis.call, 'SMEMBERS', prefix .. ':index:foreign')
  if okF then for _, id in ipairs(adopted) do add(id) end end
  local okN, n = pcall(redis.call, 'SCARD', KEYS[2])
  local okZ, z = pcall(redis.call, 'ZCARD', KEYS[3])
  if okN and (not okZ or n > z) then
    for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
      if not seen[id] and (not okZ or not redis.call('ZSCORE', KEYS[3], id)) then add(id) end
    end
  end
end

local out, dead = {}, {}
for _, id in ipairs(ids) do
  if active and redis.call('EXISTS', prefix .. ':heartbeat:' .. id) == 0 then
    dead[#dead + 1] = id
  else
    local okH, h = pcall(redis.call, 'HMGET', prefix .. ':nodes:' .. id, 'address', 'services', 'timestamp', 'status', 'metadata')
    if okH and h[1] and h[2] and h[3] then
      out[#out + 1] = id
      out[#out + 1] = h[1]
      out[#out + 1] = h[2]
      out[#out + 1] = h[3]
      out[#out + 1] = h[4] or ''
      out[#out + 1] = h[5] or ''
    end
  end
end
local due = 0
if active then
  local t = redis.call('TIME')
  local okZ, z = pcall(redis.call, 'ZCOUNT', KEYS[3], '-inf', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
  if okZ then due = z end
end
if KEYS[4] then
  local okV, v = pcall(redis.call, 'GET', KEYS[4])
  return {out, dead, due, okV and v or '0'}
end
return {out, dead, due}
