-- Adds one connection's presence in a room; decides atomically whether it is the user's first.
-- KEYS[1] rooms index of the bucket (ZSET room -> earliest expiry that may be due)
-- KEYS[2] the room's entries (ZSET "<userId>\0<conn>" -> expiry ms)
-- KEYS[3] the room's users (HASH userId -> number of entries, expired ones included until swept)
-- KEYS[4] the room's names (HASH userId -> display name)
-- ARGV: room, userId, entry, ttlMs, hasName ('1'/'0'), name
-- Returns 1 when the user had no entry in the room before (a join), else 0.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expiry = now + tonumber(ARGV[4])
local first = 0
if redis.call('ZADD', KEYS[2], expiry, ARGV[3]) == 1 then
  if redis.call('HINCRBY', KEYS[3], ARGV[2], 1) == 1 then first = 1 end
end
if ARGV[5] == '1' then redis.call('HSET', KEYS[4], ARGV[2], ARGV[6]) end
-- LT keeps an earlier due time (and adds the room when it is not indexed yet).
redis.call('ZADD', KEYS[1], 'LT', expiry, ARGV[1])
return first
