-- Gives up the sweeper lease if this node holds it.
-- KEYS[1] index:sweeper   ARGV[1] node id
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
