-- Removes one connection's presence in a room; decides atomically whether it was the user's last.
-- KEYS: rooms index, entries, users, names (as in join.lua)
-- ARGV: room, userId, entry
-- Returns 1 when the user has no entry left in the room (a leave), 0 otherwise, including when
-- the entry was already gone (a sweep removed it and reported the leave).
if redis.call('ZREM', KEYS[2], ARGV[3]) == 0 then return 0 end
local last = 0
if redis.call('HINCRBY', KEYS[3], ARGV[2], -1) <= 0 then
  redis.call('HDEL', KEYS[3], ARGV[2])
  redis.call('HDEL', KEYS[4], ARGV[2])
  last = 1
end
if redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('DEL', KEYS[3], KEYS[4])
end
return last
