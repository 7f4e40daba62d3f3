-- Number of unexpired connections of one user.
-- KEYS[1] the user's connections (ZSET conn -> expiry ms)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%d', now), '+inf')
