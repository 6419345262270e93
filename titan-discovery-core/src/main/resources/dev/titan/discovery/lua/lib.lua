-- Helpers shared by register.lua, remove.lua and update.lua. Scripts.java puts this file in
-- front of each of them when it loads them (Redis scripts cannot include one another).
-- a registry key holding a value of the wrong type is corruption: replace it rather than fail forever
local function write(cmd, key, ...)
  if not pcall(redis.call, cmd, key, ...) then
    redis.call('DEL', key)
    redis.call(cmd, key, ...)
  end
end
-- The change log, {version key}:log: a sorted set of the ids changed last, each scored with the
-- version of its latest change, the newest 1,000 ids. A reader holding node data read at version w
-- re-reads only the ids scored above w, and only when the log answers for all of (w, counter]:
-- its newest score is the counter and its lowest is at most w + 1 (what was trimmed is older).
local function logChange(key, v, id)
  local log = key .. ':log'
  write('ZADD', log, v, id)
  local n = redis.call('ZCARD', log)
  -- at most 1,000 trimmed per change (unpack has a stack limit): a log grown by hand shrinks over time
  if n > 1000 then redis.call('ZREM', log, unpack(redis.call('ZRANGE', log, 0, math.min(n - 1001, 999)))) end
end
-- the next value of the change counter, the change of node id logged under it
local function bump(key, nowMs, id)
  local ok, v = false, nil
  if redis.call('EXISTS', key) == 1 then ok, v = pcall(redis.call, 'INCR', key) end
  if not ok then -- absent, or not a number: restart from the clock, so readers still see a change
    v = nowMs * 1000 + 1
    redis.call('SET', key, string.format('%d', v))
  end
  logChange(key, v, id)
  return v
end
-- '{version} {id}' on channel ..':seq' right before the event: local views pair the two messages
-- (a script's publishes are adjacent on every subscriber connection) and see gaps in versions
local function sequence(channel, v, id)
  redis.call('PUBLISH', channel .. ':seq', string.format('%d', v) .. ' ' .. id)
end
-- '{version}* {id}' on channel ..':seq' with no event after it: a change local views must know of
-- (they read the node again) but that is no join or departure of its own for listeners
local function announce(channel, v, id)
  redis.call('PUBLISH', channel .. ':seq', string.format('%d', v) .. '* ' .. id)
end
-- a services JSON array decoded, or nil when the text is not one
local function decodeServices(raw)
  if type(raw) ~= 'string' or not string.match(raw, '^%s*%[') then return nil end
  local ok, list = pcall(cjson.decode, raw)
  if ok and type(list) == 'table' then return list end
  return nil
end
-- the set of service names in a services JSON array, or nil when the text is not one
local function namesOf(raw)
  local list = decodeServices(raw)
  if not list then return nil end
  local names = {}
  for _, s in ipairs(list) do
    if type(s) == 'table' and type(s.name) == 'string' then names[s.name] = true end
  end
  return names
end
-- takes id out of the service index of each name in the set names, except those in keep. A
-- service index left empty leaves index:names too. nil names (a node's services unknown: no hash,
-- nothing kept in index:departing) does nothing: scanning every name would make one removal
-- O(names) and a mass expiry block Redis. Such stale entries are removed by the lookups that meet
-- them (remove.lua's service hint), O(1) each.
local function unindex(prefix, id, names, keep)
  if not names then return end
  local namesKey = prefix .. ':index:names'
  for name in pairs(names) do
    if not (keep and keep[name]) then
      local key = prefix .. ':index:services:' .. name
      local ok, r = pcall(redis.call, 'SREM', key, id)
      if ok and r == 1 and redis.call('SCARD', key) == 0 then pcall(redis.call, 'SREM', namesKey, name) end
    end
  end
end
-- puts id into the service index of each name in the list names
local function index(prefix, id, names)
  for _, name in ipairs(names) do
    write('SADD', prefix .. ':index:services:' .. name, id)
    write('SADD', prefix .. ':index:names', name)
  end
end
-- the extra event members of a node's state: '' for an UP node without metadata (the event is
-- then byte for byte the TypeScript implementation's), else ',"status":"..."' and/or
-- ',"metadata":{...}' (meta is the stored JSON object text)
local function stateMembers(status, meta)
  local out = ''
  if status and status ~= false and status ~= '' and status ~= 'UP' then out = ',"status":' .. cjson.encode(status) end
  if meta and meta ~= false and meta ~= '' then out = out .. ',"metadata":' .. meta end
  return out
end
