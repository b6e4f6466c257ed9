-- ScheduleDeletion. KEYS: every key of the room. ARGV 1: closed at, 2:
-- delete at (Unix ms; 0 cancels). Every key of the room expires at delete
-- at, so the room goes even when no instance runs; cancelling makes them
-- persist again. Returns 1, or 0 when the room does not exist.
if redis.call('EXISTS', K_ROOM) == 0 then
  return 0
end
local at = tonumber(ARGV[2])
if at > 0 then
  redis.call('HSET', K_INS, 'closed_at', ARGV[1], 'delete_at', ARGV[2])
  for _, k in ipairs(KEYS) do
    redis.call('PEXPIREAT', k, at)
  end
else
  redis.call('HDEL', K_INS, 'closed_at', 'delete_at')
  for _, k in ipairs(KEYS) do
    redis.call('PERSIST', k)
  end
end
return 1
