-- AddQuestion. ARGV 5: participant, 6: cid ('' for none), 7: the text as
-- JSON, 8: the author as JSON, 9: at (Unix ms), 10: '1' when the question
-- must start pending whatever the room's moderation.
-- Returns {OK, seq, n, envelope} for the new question "q<n>";
-- {DUPLICATE, id, record or false when deleted, votes} when the cid was
-- seen; {DUPLICATE_TEXT, id} when a question has exactly this text.
if not room_exists() then
  return {NOT_FOUND}
end
local participant, cid, text = ARGV[5], ARGV[6], ARGV[7]
if redis.call('SISMEMBER', K_BANNED, participant) == 1 then
  return {BANNED}
end
local st = redis.call('HMGET', K_ROOM, 'closed', 'qa', 'moderation')
if st[1] == 'true' then
  return {CLOSED}
end
if st[2] ~= 'true' then
  return {QA_OFF}
end
local cidf
if cid ~= '' then
  cidf = participant .. '|' .. cid
  local id = redis.call('HGET', K_QCIDS, cidf)
  if id then
    return {DUPLICATE, id, redis.call('HGET', K_QUESTIONS, id) or false, q_votes(id)}
  end
end
local dup = redis.call('HGET', K_QTEXTS, text)
if dup then
  return {DUPLICATE_TEXT, dup}
end
local n = redis.call('HINCRBY', K_QA, 'n', 1)
local id = 'q' .. n
local status = 'live'
if ARGV[10] == '1' or st[3] == 'true' then
  status = 'pending'
end
local q = {status = status, pinned = false, at = ARGV[9], participant = participant,
  answer = '""', text = text, author = ARGV[8]}
redis.call('HSET', K_QUESTIONS, id, q_record(q))
redis.call('HSET', K_QTEXTS, text, id)
if cidf then
  redis.call('HSET', K_QCIDS, cidf, id)
end
local seq, env = q_append(id, q)
return {OK, seq, n, env}
