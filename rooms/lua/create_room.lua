-- CreateRoom. ARGV 5...: field, value pairs of the :room hash.
if room_exists() then
  return {EXISTS}
end
-- A fresh room: drop anything left under the code.
redis.call('DEL', K_SEQ, K_LOG, K_COMMENTS, K_CIDS, K_BANNED, K_REACTIONS, K_IDS)
redis.call('HSET', K_ROOM, unpack(ARGV, 5))
return {OK}
