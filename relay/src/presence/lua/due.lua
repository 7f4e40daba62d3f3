-- Rooms of one bucket that may hold expired entries.
-- KEYS[1] rooms index of the bucket; ARGV[1] most rooms to return
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now), 'LIMIT', 0, tonumber(ARGV[1]))
