-- Removes nodes atomically and publishes NODE_DEREGISTERED once per node actually removed.
-- Mode 'deregister' removes the given ids unconditionally (graceful stop, deregisterNode).
-- Mode 'expire' removes only nodes whose heartbeat key is gone, checked inside this script, so a
-- node that renews at any moment is never removed; it also takes up to ARGV[4] ids whose
-- deadline passes within ARGV[5] ms (the look-ahead) from index:deadlines. A live node found
-- there gets its deadline set to its heartbeat's expiry, and when that is within the look-ahead
-- its address and services are kept in index:departing: its hash expires with its heartbeat,
-- and its departure event and the cleanup of its service indexes need them.
-- Mode 'sweep' is 'expire' run by the sweeper: only the holder of the lease KEYS[4] (taken or
-- renewed here for ARGV[7] ms by node ARGV[6]) does the work, and it first adopts into
-- index:deadlines (and index:foreign) the nodes that are missing there (written by the
-- TypeScript implementation), with the deadline their heartbeat key's PTTL gives, so that they
-- too expire without a query, and announces each live one to the local views with a version
-- bump and a sequence message alone (no event: the node's own NODE_REGISTERED, if its writer
-- publishes, is its one join; a view reads the node again, so it learns of nodes whose writer
-- publishes nothing).
-- A node someone else already removed (no hash, no heartbeat key, not in index:nodes: the
-- TypeScript deregisterNode leaves our index entries behind) is not removed again: its leftover
-- entries go silently (no second NODE_DEREGISTERED), with a version bump and a sequence message
-- alone when a view may still hold it.
-- KEYS[1] index:nodes   KEYS[2] index:deadlines   KEYS[3] index:version
-- KEYS[4] index:sweeper (sweep mode only)
-- ARGV[1] prefix   ARGV[2] channel ('' = do not publish)   ARGV[3] mode   ARGV[4] max expired
-- ARGV[5] look-ahead ms   ARGV[6] sweeping node ('' unless sweep)   ARGV[7] lease ms
-- ARGV[8] a service name ('' for none): a lookup of that service found the given ids in its index
--         without a heartbeat; each one removed here also leaves that index (a node whose
--         services are unknown leaves its other service indexes to the lookups that meet them)
-- ARGV[9..] node ids
-- Returns the ids removed.
local prefix, channel, mode, limit = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local lookahead, hint = tonumber(ARGV[5]), ARGV[8]
local foreignKey, departingKey = prefix .. ':index:foreign', prefix .. ':index:departing'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nowS = string.format('%d', now)

local candidates, seen = {}, {}
if mode == 'sweep' then
  local holder = redis.call('GET', KEYS[4])
  if holder and holder ~= ARGV[6] then return {} end
  redis.call('SET', KEYS[4], ARGV[6], 'PX', tonumber(ARGV[7]))
  mode = 'expire'
  local okN, n = pcall(redis.call, 'SCARD', KEYS[1])
  local okZ, z = pcall(redis.call, 'ZCARD', KEYS[2])
  if okN and okZ and n > z then
    for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
      if not redis.call('ZSCORE', KEYS[2], id) then
        local pttl = redis.call('PTTL', prefix .. ':heartbeat:' .. id)
        redis.call('ZADD', KEYS[2], now + math.max(pttl, 0), id)
        write('SADD', foreignKey, id)
        if pttl > 0 or pttl == -1 then
          -- a live node written without our indexes: announce it (with a version), so local
          -- views learn of it although its writer published nothing
          local okH, h = pcall(redis.call, 'HMGET', prefix .. ':nodes:' .. id, 'address', 'services')
          if okH and type(h[1]) == 'string' and decodeServices(h[2]) then
            local v = bump(KEYS[3], now, id)
            if channel ~= '' then announce(channel, v, id) end
          end
        end
      end
    end
  end
end
for i = 9, #ARGV do
  if not seen[ARGV[i]] then seen[ARGV[i]] = true; candidates[#candidates + 1] = ARGV[i] end
end
if mode == 'expire' and limit > 0 then
  local okZ, due = pcall(redis.call, 'ZRANGEBYSCORE', KEYS[2], '-inf', now + lookahead, 'LIMIT', 0, limit)
  if okZ then
    for _, id in ipairs(due) do
      if not seen[id] then seen[id] = true; candidates[#candidates + 1] = id end
    end
  end
end

local removed, cleaned = {}, false
for _, id in ipairs(candidates) do
  local hb, node = prefix .. ':heartbeat:' .. id, prefix .. ':nodes:' .. id
  local alive = mode == 'expire' and redis.call('EXISTS', hb) == 1
  if alive then
    local pttl = redis.call('PTTL', hb)
    local okS, score = pcall(redis.call, 'ZSCORE', KEYS[2], id)
    if pttl > 0 and okS and score then
      redis.call('ZADD', KEYS[2], now + pttl, id)
      if pttl <= lookahead then
        local okH, h = pcall(redis.call, 'HMGET', node, 'address', 'services')
        if okH and type(h[1]) == 'string' and decodeServices(h[2]) then
          write('HSET', departingKey, id, h[1] .. '\n' .. h[2])
        end
      end
    end
  else
    -- what the node offered: from its hash, else from what was kept when it was about to expire
    local addr, svc = nil, nil
    local okH, h = pcall(redis.call, 'HMGET', node, 'address', 'services')
    if okH and type(h[1]) == 'string' and decodeServices(h[2]) then
      addr, svc = h[1], h[2]
    else
      local okD, kept = pcall(redis.call, 'HGET', departingKey, id)
      local nl = okD and kept and string.find(kept, '\n', 1, true)
      if nl and decodeServices(string.sub(kept, nl + 1)) then
        addr, svc = string.sub(kept, 1, nl - 1), string.sub(kept, nl + 1)
      end
    end
    -- n > 0: the node was here (hash, heartbeat or index:nodes); else only leftovers of ours
    local n = redis.call('DEL', node, hb)
    local okS, s = pcall(redis.call, 'SREM', KEYS[1], id)
    if okS then n = n + s end
    local okZ, z = pcall(redis.call, 'ZREM', KEYS[2], id)
    if not okZ then z = 0 end
    pcall(redis.call, 'HDEL', departingKey, id)
    local okF, f = pcall(redis.call, 'SREM', foreignKey, id)
    if not okF then f = 0 end
    if z == 1 and f == 0 then
      -- one of our indexed nodes: leave its service indexes (those known from its services)
      unindex(prefix, id, svc and namesOf(svc), nil)
    end
    if hint ~= '' then unindex(prefix, id, {[hint] = true}, nil) end
    if n > 0 then
      removed[#removed + 1] = id
      local v = bump(KEYS[3], now, id)
      if channel ~= '' then
        sequence(channel, v, id)
        redis.call('PUBLISH', channel, '{"type":"NODE_DEREGISTERED","nodeId":' .. cjson.encode(id)
          .. ',"address":' .. cjson.encode(addr or '') .. ',"services":' .. (svc or '[]') .. ',"timestamp":' .. nowS .. '}')
      end
    elseif z + f > 0 then
      -- removed by someone else, who announced it: a view that missed that still learns of it
      cleaned = true
      local v = bump(KEYS[3], now, id)
      if channel ~= '' then announce(channel, v, id) end
    end
  end
end
-- an empty registry leaves no keys behind; the counter restarts from the clock, so a reader
-- that remembers an old value still sees a difference
if #removed > 0 or cleaned then
  local okC, left = pcall(redis.call, 'SCARD', KEYS[1])
  if okC and left == 0 then redis.call('DEL', KEYS[3], KEYS[3] .. ':log', departingKey, foreignKey) end
end
return removed
