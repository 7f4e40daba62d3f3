-- Moves one reader's position in one destination forward (or to a new epoch), atomically.
--
-- KEYS[1] hash  <prefix>{reads:<destination>}:pos   user -> "epoch\toffset\tat\ttimestamp"
-- KEYS[2] zset  <prefix>{reads:<destination>}:at    user -> at (ms; least recently advanced first)
-- ARGV[1] user
-- ARGV[2] epoch
-- ARGV[3] offset
-- ARGV[4] at, ms
-- ARGV[5] timestamp of the message at offset, ms ('' when unknown)
-- ARGV[6] TTL, ms: both keys expire this long after the last mark
-- ARGV[7] most readers kept; past it the least recently advanced are dropped
--
-- Returns { advanced (0|1), stored position text }.

local pos, at = KEYS[1], KEYS[2]
local user, epoch, offset = ARGV[1], ARGV[2], tonumber(ARGV[3])

local old = redis.call('HGET', pos, user)
local advanced = 1
if old then
  local e, o = string.match(old, '^([^\t]*)\t(%d+)\t')
  if e == epoch and o and offset <= tonumber(o) then advanced = 0 end
end

local stored = old
if advanced == 1 then
  stored = epoch .. '\t' .. ARGV[3] .. '\t' .. ARGV[4] .. '\t' .. ARGV[5]
  redis.call('HSET', pos, user, stored)
  redis.call('ZADD', at, tonumber(ARGV[4]), user)
  local extra = redis.call('ZCARD', at) - tonumber(ARGV[7])
  if extra > 0 then
    local gone = redis.call('ZPOPMIN', at, extra)
    for i = 1, #gone, 2 do redis.call('HDEL', pos, gone[i]) end
  end
end

redis.call('PEXPIRE', pos, ARGV[6])
redis.call('PEXPIRE', at, ARGV[6])
return { advanced, stored }
