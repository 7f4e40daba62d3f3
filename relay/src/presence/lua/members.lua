-- Distinct users with an unexpired entry in a room, with their names.
-- KEYS[1] the room's entries, KEYS[2] the room's names
-- Returns a flat list: userId, name (nil when none), ...
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. string.format('%d', now), '+inf')
local seen = {}
local out = {}
for _, entry in ipairs(live) do
  local user = string.match(entry, '^(.*)%z')
  if user and not seen[user] then
    seen[user] = true
    out[#out + 1] = user
    out[#out + 1] = redis.call('HGET', KEYS[2], user)
  end
end
return out
