-- The most recently advanced readers of one destination, with their positions.
--
-- KEYS[1] hash  <prefix>{reads:<destination>}:pos
-- KEYS[2] zset  <prefix>{reads:<destination>}:at
-- ARGV[1] most readers to return
--
-- Returns a flat list { user, position text, user, position text, ... }, newest first.

local users = redis.call('ZREVRANGE', KEYS[2], 0, tonumber(ARGV[1]) - 1)
local out = {}
if #users == 0 then return out end
local texts = redis.call('HMGET', KEYS[1], unpack(users))
for i = 1, #users do
  if texts[i] then
    out[#out + 1] = users[i]
    out[#out + 1] = texts[i]
  end
end
return out
