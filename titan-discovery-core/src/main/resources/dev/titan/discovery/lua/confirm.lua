-- Confirms that a local view at a known version still equals the registry, without reading a
-- single node: cost O(due), independent of the number of nodes. Read-only.
-- A view at version V has seen every change our scripts made up to V; what changes without a
-- version bump is a heartbeat expiring by TTL, and such a node's deadline is never later than its
-- heartbeat key's expiry, so it is among the ids due here. Nodes written by the TypeScript
-- implementation change without a version bump too: while any exist, nothing is confirmed.
-- KEYS[1] index:version   KEYS[2] index:deadlines   KEYS[3] index:nodes   KEYS[4] index:foreign
-- ARGV[1] prefix   ARGV[2] most due ids to check
-- Returns {version ('0' when absent), flags, gone ids...}. flags is 0 when the answer can be
-- confirmed; otherwise a sum of: 1 more than ARGV[2] ids are due, 2 index:nodes and
-- index:deadlines differ in size (nodes not yet adopted), 4 adopted TypeScript nodes exist,
-- 8 a key holds a value of the wrong type. Gone ids (due, heartbeat key absent) follow only
-- when flags is 0.
local prefix, limit = ARGV[1], tonumber(ARGV[2])
local flags = 0
local okV, version = pcall(redis.call, 'GET', KEYS[1])
if not okV then flags, version = 8, false end
local okN, n = pcall(redis.call, 'SCARD', KEYS[3])
local okZ, z = pcall(redis.call, 'ZCARD', KEYS[2])
local okF, f = pcall(redis.call, 'SCARD', KEYS[4])
if not (okN and okZ and okF) then
  flags = 8
else
  if n ~= z then flags = flags + 2 end
  if f > 0 then flags = flags + 4 end
end
version = version or '0'
if flags ~= 0 then return {version, flags} end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit + 1)
if #due > limit then return {version, 1} end
local out = {version, 0}
for _, id in ipairs(due) do
  if redis.call('EXISTS', prefix .. ':heartbeat:' .. id) == 0 then out[#out + 1] = id end
end
return out
