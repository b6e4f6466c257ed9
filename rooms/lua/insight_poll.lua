-- PollOpened and PollClosed. ARGV 1: poll id, 2: open, close or delete.
-- Returns 1, or 0 when the room does not exist.
if redis.call('EXISTS', K_ROOM) == 0 then
  return 0
end
local id, op = ARGV[1], ARGV[2]
if op == 'open' then
  redis.call('SADD', K_OPEN, id)
  ins_max(K_PPRES, id, tonumber(redis.call('HGET', K_INS, 'connected') or '0'))
else
  redis.call('SREM', K_OPEN, id)
  if op == 'delete' then
    redis.call('HDEL', K_PPRES, id)
  end
end
ins_keep_expiry()
return 1
