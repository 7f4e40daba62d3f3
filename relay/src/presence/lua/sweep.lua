-- Removes a room's expired entries and reports the users who thereby left it entirely. Scripts
-- run one at a time, so when several relays sweep the same room each removal (and so each
-- departure) happens in exactly one of them.
-- KEYS: rooms index, entries, users, names (as in join.lua)
-- ARGV: room, most entries to remove
-- Returns a flat list: userId, name (nil when none), userId, name, ...
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', string.format('%d', now), 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, entry in ipairs(expired) do
  redis.call('ZREM', KEYS[2], entry)
  local user = string.match(entry, '^(.*)%z')
  if user and redis.call('HINCRBY', KEYS[3], user, -1) <= 0 then
    out[#out + 1] = user
    out[#out + 1] = redis.call('HGET', KEYS[4], user)
    redis.call('HDEL', KEYS[3], user)
    redis.call('HDEL', KEYS[4], user)
  end
end
-- The room is due again when its earliest entry expires (now, if the limit left some).
local head = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if head[2] then
  redis.call('ZADD', KEYS[1], head[2], ARGV[1])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('DEL', KEYS[3], KEYS[4])
end
return out
