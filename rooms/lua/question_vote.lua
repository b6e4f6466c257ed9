-- Vote. ARGV 5: question id, 6: participant, 7: '1' upvote, '0' unvote.
-- Returns {OK, votes, 1 when the count changed}. One upvote per participant
-- per question: the pair participant "|" n is in :upvoted (and :voters) at
-- most once, and the count moves only when the pair was added or removed,
-- so it equals the number of pairs and is never negative.
if not room_exists() then
  return {NOT_FOUND}
end
local id, participant, up = ARGV[5], ARGV[6], ARGV[7] == '1'
if redis.call('SISMEMBER', K_BANNED, participant) == 1 then
  return {BANNED}
end
local st = redis.call('HMGET', K_ROOM, 'closed', 'qa')
if st[1] == 'true' then
  return {CLOSED}
end
if st[2] ~= 'true' then
  return {QA_OFF}
end
local rec = redis.call('HGET', K_QUESTIONS, id)
if not rec then
  return {NO_QUESTION}
end
local status, author = string.match(rec, '^(%a+) [01] %S+ (%S+) ')
if not q_visible(status) and (participant == '' or author ~= participant) then
  return {NO_QUESTION}
end
local n = string.sub(id, 2)
local pair = participant .. '|' .. n
local changed
if up then
  changed = redis.call('ZADD', K_UPVOTED, 'NX', 0, pair) == 1
  if changed then
    redis.call('ZADD', K_VOTERS, n, pair)
  end
else
  changed = redis.call('ZREM', K_UPVOTED, pair) == 1
  if changed then
    redis.call('ZREM', K_VOTERS, pair)
  end
end
if not changed then
  return {OK, tonumber(q_votes(id)), 0}
end
local votes = redis.call('HINCRBY', K_QVOTES, id, up and 1 or -1)
if votes < 0 then -- cannot happen (see above); never let it show
  redis.call('HSET', K_QVOTES, id, 0)
  votes = 0
end
local ver = redis.call('HINCRBY', K_QA, 'ver', 1)
redis.call('ZADD', K_QCHANGED, ver, id)
return {OK, votes, 1}
