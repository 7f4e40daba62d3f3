-- Competing consumers of one /queue/ destination: a consumer group on the destination's stream
-- (the history written by publish.lua), one consumer per relay. Every operation of a queue feed
-- is one call of this script, so it runs atomically and touches only the destination's slot.
--
-- KEYS[1] stream (history)    <prefix>{<destination>}:log   entry ids <offset>-0
-- KEYS[2] hash (meta)         <prefix>{<destination>}:meta  field epoch
-- ARGV[1] operation           read | claim | ack | touch | release | reap
-- ARGV[2] group               "parley"
-- ARGV[3] consumer            this relay's consumer name
--
-- read     ARGV[4] count
--          Creates the group at id 0 when the stream exists without it (so whatever the stream
--          retains, published before any consumer existed, is backlog), then
--          XREADGROUP ... COUNT count STREAMS log > (never blocking).
--          Returns { epoch, "0-0", offset1, timestamp1, content1, offset2, ... }.
-- claim    ARGV[4] count, ARGV[5] min idle ms, ARGV[6] cursor
--          XAUTOCLAIM: takes over entries that nobody touched for min idle ms (a dead relay's,
--          or released ones). Entries trimmed meanwhile leave the PEL without being returned.
--          Returns { epoch, next cursor, offset1, timestamp1, content1, ... }.
-- ack      ARGV[4] epoch, ARGV[5..] entry ids
--          XACK, unless the destination started a new epoch (its offsets, and so the ids, now
--          name other messages). Returns how many were pending.
-- touch    ARGV[4] epoch, ARGV[5..] entry ids
--          Resets the idle time of the entries still pending for this consumer, so no other
--          relay takes them over. Returns the ids that are not (trimmed, taken over, new epoch).
-- release  ARGV[4] epoch, ARGV[5] placeholder consumer, ARGV[6..] entry ids
--          Moves the entries still pending for this consumer to the placeholder with a delivery
--          time of 1970, so the next XAUTOCLAIM of any relay takes them. Returns the ids that
--          were not pending for this consumer.
-- reap     ARGV[4] min idle ms
--          Deletes the consumers (other than this one) that hold nothing and were idle that long:
--          relays that stopped. Returns how many.

local log, meta = KEYS[1], KEYS[2]
local op, group, me = ARGV[1], ARGV[2], ARGV[3]

local function isError(reply) return type(reply) == 'table' and reply.err ~= nil end

local function entries(out, list)
  for i = 1, #list do
    local entry = list[i]
    local fields = entry[2]
    if fields then
      local ts, content = 0, nil
      for j = 1, #fields, 2 do
        if fields[j] == 't' then ts = tonumber(fields[j + 1]) or 0
        elseif fields[j] == 'c' then content = fields[j + 1] end
      end
      if content then
        out[#out + 1] = tonumber(string.match(entry[1], '^(%d+)'))
        out[#out + 1] = ts
        out[#out + 1] = content
      end
    else
      -- Redis 6.2 returns entries deleted while pending with no fields: nothing to deliver.
      redis.call('XACK', log, group, entry[1])
    end
  end
  return out
end

if op == 'read' or op == 'claim' then
  local epoch = redis.call('HGET', meta, 'epoch')
  if not epoch or redis.call('EXISTS', log) == 0 then return { '', '0-0' } end
  local created = redis.pcall('XGROUP', 'CREATE', log, group, '0')
  if isError(created) and not string.find(created.err, 'BUSYGROUP', 1, true) then
    return created
  end
  if op == 'read' then
    local reply =
      redis.call('XREADGROUP', 'GROUP', group, me, 'COUNT', ARGV[4], 'STREAMS', log, '>')
    local out = { epoch, '0-0' }
    if reply and reply[1] then entries(out, reply[1][2]) end
    return out
  end
  local reply = redis.call('XAUTOCLAIM', log, group, me, ARGV[5], ARGV[6], 'COUNT', ARGV[4])
  return entries({ epoch, reply[1] }, reply[2])
end

if op == 'reap' then
  local consumers = redis.pcall('XINFO', 'CONSUMERS', log, group)
  if isError(consumers) then return 0 end
  local minIdle, reaped = tonumber(ARGV[4]), 0
  for i = 1, #consumers do
    local c, info = consumers[i], {}
    for j = 1, #c, 2 do info[c[j]] = c[j + 1] end
    if info.name ~= me and tonumber(info.pending) == 0 and tonumber(info.idle) >= minIdle then
      redis.call('XGROUP', 'DELCONSUMER', log, group, info.name)
      reaped = reaped + 1
    end
  end
  return reaped
end

local epoch = ARGV[4]
local current = redis.call('HGET', meta, 'epoch')

if op == 'ack' then
  if current ~= epoch then return 0 end
  return redis.call('XACK', log, group, unpack(ARGV, 5))
end

if op == 'touch' or op == 'release' then
  local first, to, claim = 5, me, { 'XCLAIM', log, group, me, 0, '', 'JUSTID' }
  if op == 'release' then
    first, to = 6, ARGV[5]
    claim = { 'XCLAIM', log, group, to, 0, '', 'TIME', 0, 'JUSTID' }
  end
  local lost = {}
  for i = first, #ARGV do
    local id = ARGV[i]
    local mine = false
    if current == epoch then
      local pending = redis.pcall('XPENDING', log, group, id, id, 1, me)
      if not isError(pending) and #pending == 1 then
        claim[6] = id
        -- XCLAIM leaves out (and drops from the PEL) an entry trimmed from the stream.
        mine = #redis.call(unpack(claim)) == 1
      end
    end
    if not mine then lost[#lost + 1] = id end
  end
  return lost
end

return redis.error_reply('ERR unknown queue operation ' .. tostring(op))
