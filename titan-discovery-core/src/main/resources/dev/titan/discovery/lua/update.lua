-- Changes one field (address, services, status or metadata) of an existing node, never creating
-- keys: an unknown node id leaves Redis untouched. Keeps our indexes in step and publishes
-- NODE_UPDATED, only when the value really changes.
-- KEYS[1] node hash   KEYS[2] index:version
-- ARGV[1] node id   ARGV[2] field ('address', 'services', 'status' or 'metadata')   ARGV[3] value
-- ('UP' or '' removes the status field, '' the metadata field: absent means UP, no metadata)
-- ARGV[4] prefix   ARGV[5] channel ('' = do not publish)   ARGV[6..] service names (services only)
-- Returns 1 when the node existed and was updated, 2 when it existed with that value already,
-- 0 when there is no such node.
local id, field, value, prefix, channel = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return 0 end
local cur = redis.call('HMGET', KEYS[1], 'address', 'services', 'status', 'metadata')
if cur[1] == false and cur[2] == false then return 0 end
local absent = (field == 'status' and value == 'UP') or (field == 'metadata' and value == '')
local slot = ({address = 1, services = 2, status = 3, metadata = 4})[field]
if (absent and cur[slot] == false) or cur[slot] == value then return 2 end
if absent then redis.call('HDEL', KEYS[1], field) else redis.call('HSET', KEYS[1], field, value) end
local addr = field == 'address' and value or (cur[1] or '')
local svc = field == 'services' and value or (cur[2] or '[]')
if not string.match(svc, '^%s*%[') or not pcall(cjson.decode, svc) then svc = '[]' end
local status = field == 'status' and value or cur[3]
local meta = field == 'metadata' and value or cur[4]
if meta and not (string.match(meta, '^%s*{') and pcall(cjson.decode, meta)) then meta = false end

if field == 'services' then
  -- only nodes we index (in index:deadlines, not adopted from the TypeScript implementation)
  local okZ, z = pcall(redis.call, 'ZSCORE', prefix .. ':index:deadlines', id)
  local okF, f = pcall(redis.call, 'SISMEMBER', prefix .. ':index:foreign', id)
  if okZ and z and not (okF and f == 1) then
    local fresh, names = {}, {}
    for i = 6, #ARGV do fresh[ARGV[i]] = true; names[#names + 1] = ARGV[i] end
    unindex(prefix, id, cur[2] and namesOf(cur[2]), fresh)
    index(prefix, id, names)
  end
end
-- a node about to expire keeps what it offers in index:departing: keep that current
local departing = prefix .. ':index:departing'
local okD, kept = pcall(redis.call, 'HEXISTS', departing, id)
if okD and kept == 1 then redis.call('HSET', departing, id, addr .. '\n' .. svc) end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nowS = string.format('%d', now)
local v = bump(KEYS[2], now, id)
if channel ~= '' then
  sequence(channel, v, id)
  redis.call('PUBLISH', channel, '{"type":"NODE_UPDATED","nodeId":' .. cjson.encode(id)
    .. ',"address":' .. cjson.encode(addr) .. ',"services":' .. svc .. ',"timestamp":' .. nowS
    .. stateMembers(status, meta) .. '}')
end
return 1
