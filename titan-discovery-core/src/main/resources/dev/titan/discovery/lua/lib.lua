-- Helpers shared by register.lua, remove.lua and update.lua. Scripts.java puts this file in
-- front of each of them when it loads them (Redis scripts cannot include one another).
local function bump(key, nowMs)
  local ok, v = false, nil
  if redis.call('EXISTS', key) == 1 then ok, v = pcall(redis.call, 'INCR', key) end
  if not ok then -- absent, or not a number: restart from the clock, so readers still see a change
    v = nowMs * 1000 + 1
    redis.call('SET', key, string.format('%d', v))
  end
  return v
end
-- '{version} {id}' on channel ..':seq' right before the event: local views pair the two messages
-- (a script's publishes are adjacent on every subscriber connection) and see gaps in versions
local function sequence(channel, v, id)
  redis.call('PUBLISH', channel .. ':seq', string.format('%d', v) .. ' ' .. id)
end
-- a registry key holding a value of the wrong type is corruption: replace it rather than fail forever
local function write(cmd, key, ...)
  if not pcall(redis.call, cmd, key, ...) then
    redis.call('DEL', key)
    redis.call(cmd, key, ...)
  end
end
-- a services JSON array decoded, or nil when the text is not one
local function decodeServices(raw)
  if type(raw) ~= 'string' or not string.match(raw, '^%s*%[') then return nil end
  local ok, list = pcall(cjson.decode, raw)
  if ok and type(list) == 'table' then return list end
  return nil
end
