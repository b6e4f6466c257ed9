-- CreateRoom. ARGV 5...: field, value pairs of the :room hash.
if room_exists() then
  return {EXISTS}
end
-- A fresh room: drop anything left under the code.
redis.call('DEL', K_SEQ, K_LOG, K_COMMENTS, K_CIDS, K_BANNED, K_REACTIONS, K_IDS,
  K_QUESTIONS, K_QCIDS, K_QTEXTS, K_QVOTES, K_VOTERS, K_UPVOTED, K_QCHANGED, K_QA)
redis.call('HSET', K_ROOM, unpack(ARGV, 5))
return {OK}
