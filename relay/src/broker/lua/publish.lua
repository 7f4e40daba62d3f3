-- Stamps and publishes one message of one destination, atomically, so that the order of
-- offsets, of the stream and of pub/sub delivery is the same on every relay.
--
-- KEYS[1] stream (history)    <prefix>{<destination>}:log
-- KEYS[2] hash (meta)         <prefix>{<destination>}:meta   fields: epoch, last
-- ARGV[1] channel             <prefix>{<destination>}
-- ARGV[2] content             <header JSON> "\n" <body bytes>
-- ARGV[3] epoch candidate     random, used when the destination starts a new epoch
-- ARGV[4] "1" when ephemeral  (published only, offset 0, not stored)
-- ARGV[5] max count           retained entries (approximate MAXLEN; readers clamp)
-- ARGV[6] max age, ms         entries older are trimmed; idle history expires whole
-- ARGV[7] publish command     PUBLISH, or SPUBLISH in cluster mode
-- KEYS[3] client id (optional) <prefix>{<destination>}:cid:<sender length>:<sender>:<client id>
-- ARGV[8] de-dup window, ms    how long KEYS[3] remembers the stamp (with KEYS[3] only)
--
-- Publishes "<offset>,<epoch>,<timestamp>\n<content>" and returns { offset, epoch, timestamp }.
-- With KEYS[3] (idempotent SEND): when that key already holds a stamp, nothing is stored or
-- published and the script returns { offset, epoch, timestamp, 1 }, the first publication's stamp.

local log, meta = KEYS[1], KEYS[2]
local channel, content, candidate = ARGV[1], ARGV[2], ARGV[3]
local maxCount, maxAge, publish = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ts = time[1] .. string.format('%03d', math.floor(tonumber(time[2]) / 1000))

local dedup = KEYS[3]
if dedup then
  local seen = redis.call('GET', dedup)
  if seen then
    local o, e, t = string.match(seen, '^(%d+),([^,]*),(%d+)$')
    if o then return { tonumber(o), e, t, 1 } end
  end
end

if ARGV[4] == '1' then
  local epoch = redis.call('HGET', meta, 'epoch') or ''
  redis.call(publish, channel, '0,' .. epoch .. ',' .. ts .. '\n' .. content)
  return { 0, epoch, ts }
end

if redis.call('HSETNX', meta, 'epoch', candidate) == 1 then
  -- A new epoch: whatever is left of an older stream (evicted meta) must go.
  redis.call('DEL', log)
end
local epoch = redis.call('HGET', meta, 'epoch')
local offset = redis.call('HINCRBY', meta, 'last', 1)
local id = string.format('%d-0', offset)
redis.call('XADD', log, 'MAXLEN', '~', maxCount, id, 't', ts, 'c', content)

-- Age: offsets are contiguous and timestamps grow with them, so the first unexpired entry is
-- found by binary search between the oldest entry (expired) and the new one (not expired).
local function stampOf(entry)
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == 't' then return tonumber(fields[i + 1]) end
  end
  return 0
end
local minTs = now - maxAge
local oldest = redis.call('XRANGE', log, '-', '+', 'COUNT', 1)[1]
if oldest and stampOf(oldest) < minTs then
  local lo = tonumber(string.match(oldest[1], '^(%d+)'))
  local hi = offset
  while lo + 1 < hi do
    local mid = math.floor((lo + hi) / 2)
    local probe = string.format('%d-0', mid)
    local entry = redis.call('XRANGE', log, probe, probe)[1]
    if entry == nil or stampOf(entry) < minTs then lo = mid else hi = mid end
  end
  redis.call('XTRIM', log, 'MINID', string.format('%d-0', hi))
end

redis.call('PEXPIRE', log, maxAge)
redis.call('PEXPIRE', meta, maxAge)
local stamp = string.format('%d', offset) .. ',' .. epoch .. ',' .. ts
if dedup then redis.call('SET', dedup, stamp, 'PX', tonumber(ARGV[8])) end
redis.call(publish, channel, stamp .. '\n' .. content)
return { offset, epoch, ts }
