-- DeleteQuestion. ARGV 5: question id, 6: author ('' for staff).
-- Returns {OK, seq}. The question goes with its upvotes, its count and its
-- text (no longer a duplicate); its cids stay, so a resent ask returns its id.
if not room_exists() then
  return {NOT_FOUND}
end
local id, author = ARGV[5], ARGV[6]
local rec = redis.call('HGET', K_QUESTIONS, id)
if not rec then
  return {NO_QUESTION}
end
local q = q_parse(rec)
if author ~= '' and q.participant ~= author then
  return {NOT_AUTHOR}
end
redis.call('HDEL', K_QUESTIONS, id)
if redis.call('HGET', K_QTEXTS, q.text) == id then
  redis.call('HDEL', K_QTEXTS, q.text)
end
redis.call('HDEL', K_QVOTES, id)
redis.call('ZREM', K_QCHANGED, id)
if redis.call('HGET', K_QA, 'pinned') == id then
  redis.call('HDEL', K_QA, 'pinned')
end
local n = string.sub(id, 2)
local voters = redis.call('ZRANGEBYSCORE', K_VOTERS, n, n)
for i = 1, #voters, 1000 do
  redis.call('ZREM', K_UPVOTED, unpack(voters, i, math.min(i + 999, #voters)))
end
redis.call('ZREMRANGEBYSCORE', K_VOTERS, n, n)
local seq = append('question_deleted', function(seq)
  return '{"type":"question_deleted","seq":' .. seq .. ',"id":"' .. id .. '"}'
end)
return {OK, seq}
