-- Appends one entry to a room's log, stamped with Redis TIME, the room's
-- epoch and the caller's rules version, and publishes it.
-- KEYS[1] meta hash (epoch, first, last, t), KEYS[2] the entries stream.
-- ARGV: mode ('create' or 'append'), rules, data, epoch, known, channel,
-- publish command (PUBLISH or SPUBLISH).
-- Returns {'ok', pos, time, epoch}, {'exists'} or {'missing'}.
local function int(n) return string.format('%.0f', n) end

local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])

local epoch, last, last_t
if ARGV[1] == 'create' then
  if redis.call('EXISTS', KEYS[1]) == 1 then return {'exists'} end
  epoch, last, last_t = now_us, 0, 0
  redis.call('HSET', KEYS[1], 'first', '1')
else
  local m = redis.call('HMGET', KEYS[1], 'epoch', 'last', 't')
  if not m[1] then return {'missing'} end
  epoch, last, last_t = tonumber(m[1]), tonumber(m[2]), tonumber(m[3])
  -- The caller applied more than the log holds in the same epoch: Redis
  -- lost acknowledged entries. A new epoch tells every replica.
  if ARGV[4] == m[1] and tonumber(ARGV[5]) > last then
    epoch = math.max(now_us, epoch + 1)
  end
end

local pos, e, t = int(last + 1), int(epoch), int(math.max(now_ms, last_t))
redis.call('XADD', KEYS[2], pos .. '-0', 't', t, 'e', e, 'r', ARGV[2], 'd', ARGV[3])
redis.call('HSET', KEYS[1], 'epoch', e, 'last', pos, 't', t)
redis.call(ARGV[7], ARGV[6], pos .. ' ' .. t .. ' ' .. e .. ' ' .. ARGV[2] .. ' ' .. ARGV[3])
return {'ok', pos, t, e}
