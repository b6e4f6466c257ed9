-- State, StateWithQuestions and Seq. ARGV 5: how many of the newest
-- comments (-1: only the seq), 6: '1' to add the questions, 7...: the
-- reaction kinds.
-- Returns {OK, seq, room hash as field, value pairs, comments oldest first,
-- totals per kind}, and with questions also the :questions and :qvotes
-- hashes as field, value pairs.
if not room_exists() then
  return {NOT_FOUND}
end
local seq = tonumber(redis.call('GET', K_SEQ) or '0')
local n = tonumber(ARGV[5])
if n < 0 then
  return {OK, seq}
end
local comments = {}
if n > 0 then
  comments = redis.call('ZRANGE', K_COMMENTS, -n, -1)
end
local out = {OK, seq, redis.call('HGETALL', K_ROOM), comments,
  redis.call('HMGET', K_REACTIONS, unpack(ARGV, 7))}
if ARGV[6] == '1' then
  out[6] = redis.call('HGETALL', K_QUESTIONS)
  out[7] = redis.call('HGETALL', K_QVOTES)
end
return out
