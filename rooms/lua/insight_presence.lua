-- RecordPresence, pipelined per room. ARGV 1: connected, 2: now (Unix ms).
-- Returns 1, or 0 when the room does not exist.
if redis.call('EXISTS', K_ROOM) == 0 then
  return 0
end
local c, now = tonumber(ARGV[1]), ARGV[2]
redis.call('HSET', K_INS, 'connected', c)
local peak = tonumber(redis.call('HGET', K_INS, 'peak') or '0')
if c > peak then
  redis.call('HSET', K_INS, 'peak', c, 'peak_at', now)
end
ins_max(K_MIN, math.floor(tonumber(now) / 60000) .. '|n', c)
for _, id in ipairs(redis.call('SMEMBERS', K_OPEN)) do
  local rec = redis.call('HGET', K_POLLS, id)
  if not rec or string.sub(rec, 1, 5) ~= 'open ' then
    redis.call('SREM', K_OPEN, id) -- closed or deleted without PollClosed
  else
    ins_max(K_PPRES, id, c)
  end
end
ins_keep_expiry()
return 1
