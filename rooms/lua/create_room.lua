-- CreateRoom. ARGV 5...: field, value pairs of the :room hash.
if room_exists() then
  return {EXISTS}
end
-- A fresh room: drop anything left under the code.
-- (Every key after :room, also those of lua/poll_common.lua.)
redis.call('DEL', unpack(KEYS, 2))
redis.call('HSET', K_ROOM, unpack(ARGV, 5))
return {OK}
