-- DeleteRoom. KEYS: every key of the room. ARGV 1: due by (Unix ms; 0:
-- delete now). With due by, a room whose deletion is not scheduled at or
-- before it stays (it was reopened, or its code made again); keys left by a
-- room that is already gone are deleted either way. Returns 1 when the
-- room was deleted, 0 when it did not exist, 2 when it is not due.
local exists = redis.call('EXISTS', K_ROOM) == 1
local due = tonumber(ARGV[1])
if exists and due > 0 then
  local at = tonumber(redis.call('HGET', K_INS, 'delete_at') or '0')
  if at <= 0 or at > due then
    return 2
  end
end
redis.call('DEL', unpack(KEYS))
if exists then
  return 1
end
return 0
