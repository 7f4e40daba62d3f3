-- Registers (or keeps) connections of one user online.
-- KEYS[1] the user's connections (ZSET conn -> expiry ms); ARGV: ttlMs, conn, conn, ...
-- Drops expired connections, and lets the key expire with its last entry, so a dead relay's
-- registrations vanish without any sweep.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expiry = now + tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now))
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], expiry, ARGV[i])
end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', KEYS[1], last[2]) end
return 0
