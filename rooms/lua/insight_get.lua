-- Insight. Returns 0 when the room does not exist, else {1, :ins as
-- field, value pairs, unique, active, :insmin pairs, :insreact pairs,
-- :inspoll pairs}.
if redis.call('EXISTS', K_ROOM) == 0 then
  return {0}
end
return {1, redis.call('HGETALL', K_INS), redis.call('SCARD', K_SEEN), redis.call('SCARD', K_ACTIVE),
  redis.call('HGETALL', K_MIN), redis.call('HGETALL', K_REACT), redis.call('HGETALL', K_PPRES)}
