-- Extends existing entries of one room; never re-creates a removed one.
-- KEYS[1] the room's entries; ARGV: ttlMs, entry, entry, ...
-- Returns the entries that were gone.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expiry = now + tonumber(ARGV[1])
local missing = {}
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], expiry, ARGV[i])
  else
    missing[#missing + 1] = ARGV[i]
  end
end
return missing
