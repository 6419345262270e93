-- Removes nodes atomically and publishes NODE_DEREGISTERED once per node actually removed.
-- Mode 'deregister' removes the given ids unconditionally (graceful stop, deregisterNode).
-- Mode 'expire' removes only nodes whose heartbeat key is gone, checked inside this script, so a
-- node that renews at any moment is never removed; it also takes up to ARGV[4] ids whose
-- deadline passed from index:deadlines. A live node found there gets its deadline corrected.
-- Mode 'sweep' is 'expire' run by the sweeper: only the holder of the lease KEYS[5] (taken or
-- renewed here for ARGV[6] ms by node ARGV[5]) does the work, and it first adopts into
-- index:deadlines the nodes that are missing there (written by the TypeScript implementation),
-- with the deadline their heartbeat key's PTTL gives, so that they too expire without a query,
-- and announces each live one (version bump, NODE_REGISTERED) for the local views.
-- KEYS[1] index:nodes   KEYS[2] index:deadlines   KEYS[3] index:meta   KEYS[4] index:version
-- KEYS[5] index:sweeper (sweep mode only)
-- ARGV[1] prefix   ARGV[2] channel ('' = do not publish)   ARGV[3] mode   ARGV[4] max expired
-- ARGV[5..] node ids; in sweep mode ARGV[5] is the sweeping node and ARGV[6] the lease in ms
-- Returns the ids removed.
local prefix, channel, mode, limit = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nowS = string.format('%d', now)


local candidates, seen = {}, {}
local first = 5
if mode == 'sweep' then
  local holder = redis.call('GET', KEYS[5])
  if holder and holder ~= ARGV[5] then return {} end
  redis.call('SET', KEYS[5], ARGV[5], 'PX', tonumber(ARGV[6]))
  first = 7
  mode = 'expire'
  local okN, n = pcall(redis.call, 'SCARD', KEYS[1])
  local okZ, z = pcall(redis.call, 'ZCARD', KEYS[2])
  if okN and okZ and n > z then
    for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
      if not redis.call('ZSCORE', KEYS[2], id) then
        local pttl = redis.call('PTTL', prefix .. ':heartbeat:' .. id)
        redis.call('ZADD', KEYS[2], now + math.max(pttl, 0), id)
        if pttl > 0 or pttl == -1 then
          -- a live node written without our indexes: announce it (with a version), so local
          -- views learn of it although its writer published nothing
          local okH, h = pcall(redis.call, 'HMGET', prefix .. ':nodes:' .. id, 'address', 'services')
          if okH and type(h[1]) == 'string' and decodeServices(h[2]) then
            local v = bump(KEYS[4], now)
            if channel ~= '' then
              sequence(channel, v, id)
              redis.call('PUBLISH', channel, '{"type":"NODE_REGISTERED","nodeId":' .. cjson.encode(id)
                .. ',"address":' .. cjson.encode(h[1]) .. ',"services":' .. h[2] .. ',"timestamp":' .. nowS .. '}')
            end
          end
        end
      end
    end
  end
end
for i = first, #ARGV do
  if not seen[ARGV[i]] then seen[ARGV[i]] = true; candidates[#candidates + 1] = ARGV[i] end
end
if mode == 'expire' and limit > 0 then
  local okZ, due = pcall(redis.call, 'ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)
  if okZ then
    for _, id in ipairs(due) do
      if not seen[id] then seen[id] = true; candidates[#candidates + 1] = id end
    end
  end
end

local removed = {}
for _, id in ipairs(candidates) do
  local hb = prefix .. ':heartbeat:' .. id
  local alive = mode == 'expire' and redis.call('EXISTS', hb) == 1
  if alive then
    local pttl = redis.call('PTTL', hb)
    if pttl > 0 and redis.call('ZSCORE', KEYS[2], id) then
      redis.call('ZADD', KEYS[2], now + pttl, id)
    end
  else
    local node = prefix .. ':nodes:' .. id
    local addr, svc = '', '[]'
    local okH, h = pcall(redis.call, 'HMGET', node, 'address', 'services')
    local okM, meta = pcall(redis.call, 'HGET', KEYS[3], id)
    if not okM then meta = false end
    if okH and type(h[1]) == 'string' and decodeServices(h[2]) then
      addr, svc = h[1], h[2]
    elseif meta then
      local nl = string.find(meta, '\n', 1, true)
      if nl and decodeServices(string.sub(meta, nl + 1)) then
        addr, svc = string.sub(meta, 1, nl - 1), string.sub(meta, nl + 1)
      end
    end
    local n = redis.call('DEL', node, hb)
    local okS, s = pcall(redis.call, 'SREM', KEYS[1], id)
    if okS then n = n + s end
    local okZ, z = pcall(redis.call, 'ZREM', KEYS[2], id)
    if okZ then n = n + z end
    if meta then
      redis.call('HDEL', KEYS[3], id)
      n = n + 1
      local nl = string.find(meta, '\n', 1, true)
      local list = nl and decodeServices(string.sub(meta, nl + 1))
      if list then
        for _, sv in ipairs(list) do
          if type(sv) == 'table' and type(sv.name) == 'string' then
            redis.call('SREM', prefix .. ':index:services:' .. sv.name, id)
          end
        end
      end
    end
    if n > 0 then
      removed[#removed + 1] = id
      local v = bump(KEYS[4], now)
      if channel ~= '' then
        sequence(channel, v, id)
        redis.call('PUBLISH', channel, '{"type":"NODE_DEREGISTERED","nodeId":' .. cjson.encode(id)
          .. ',"address":' .. cjson.encode(addr) .. ',"services":' .. svc .. ',"timestamp":' .. nowS .. '}')
      end
    end
  end
end
-- an empty registry leaves no keys behind; the counter restarts from the clock, so a reader
-- that remembers an old value still sees a difference
if #removed > 0 then
  local okC, left = pcall(redis.call, 'SCARD', KEYS[1])
  if okC and left == 0 then redis.call('DEL', KEYS[4]) end
end
return removed
