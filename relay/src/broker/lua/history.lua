#!lua flags=no-writes
-- Reads a slice of one destination's history with its epoch and retained range, atomically.
--
-- KEYS[1] stream, KEYS[2] meta (see publish.lua)
-- ARGV[1] after   offset, or "" (only larger offsets)
-- ARGV[2] before  offset, or "" (only smaller offsets)
-- ARGV[3] limit   most entries returned: the oldest after `after` when it is given, else the
--                 newest (before `before`, if given)
-- ARGV[4] max count, ARGV[5] max age ms: the retention, applied exactly here (publish trims
--         approximately and lazily)
--
-- Returns { epoch, first, last, offset1, timestamp1, content1, offset2, ... }, epoch "" when
-- the destination has no history.

local log, meta = KEYS[1], KEYS[2]
local after, before, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local maxCount, maxAge = tonumber(ARGV[4]), tonumber(ARGV[5])

local m = redis.call('HMGET', meta, 'epoch', 'last')
if not m[1] then return { '', 0, 0 } end
local epoch, last = m[1], tonumber(m[2]) or 0

local function offsetOf(entry) return tonumber(string.match(entry[1], '^(%d+)')) end
local function stampOf(entry)
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == 't' then return tonumber(fields[i + 1]) end
  end
  return 0
end
local function at(offset)
  local id = string.format('%d-0', offset)
  return redis.call('XRANGE', log, id, id)[1]
end

local oldest = redis.call('XRANGE', log, '-', '+', 'COUNT', 1)[1]
local newest = redis.call('XREVRANGE', log, '+', '-', 'COUNT', 1)[1]
if not oldest or not newest then return { epoch, 0, last } end
local first, top = offsetOf(oldest), offsetOf(newest)
if first < last - maxCount + 1 then first = last - maxCount + 1 end

local time = redis.call('TIME')
local minTs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - maxAge
if stampOf(newest) < minTs then return { epoch, 0, last } end
local entry = at(first)
if entry == nil or stampOf(entry) < minTs then
  local lo, hi = first, top
  while lo + 1 < hi do
    local mid = math.floor((lo + hi) / 2)
    local probe = at(mid)
    if probe == nil or stampOf(probe) < minTs then lo = mid else hi = mid end
  end
  first = hi
end

local lo, hi = first, top
if after and after + 1 > lo then lo = after + 1 end
if before and before - 1 < hi then hi = before - 1 end
local reply = { epoch, first, last }
if lo > hi or limit < 1 then return reply end
local function push(e)
  reply[#reply + 1] = offsetOf(e)
  reply[#reply + 1] = stampOf(e)
  local fields = e[2]
  for j = 1, #fields, 2 do
    if fields[j] == 'c' then reply[#reply + 1] = fields[j + 1] end
  end
end
local from, to = string.format('%d-0', lo), string.format('%d-0', hi)
if not after then
  local entries = redis.call('XREVRANGE', log, to, from, 'COUNT', limit)
  for i = #entries, 1, -1 do push(entries[i]) end
else
  local entries = redis.call('XRANGE', log, from, to, 'COUNT', limit)
  for i = 1, #entries do push(entries[i]) end
end
return reply
