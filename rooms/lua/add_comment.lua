-- AddComment. ARGV 5: participant, 6: cid ('' for none), 7: the comment's
-- JSON after its id field (Go encodes it: `"text":...,"at":N}`).
-- Returns {OK, seq, n} for the new comment "c<n>", or {DUPLICATE, id,
-- comment JSON or nil when deleted} when the cid was seen.
if not room_exists() then
  return {NOT_FOUND}
end
local participant, cid, rest = ARGV[5], ARGV[6], ARGV[7]
if redis.call('SISMEMBER', K_BANNED, participant) == 1 then
  return {BANNED}
end
local st = redis.call('HMGET', K_ROOM, 'closed', 'comments')
if st[1] == 'true' then
  return {CLOSED}
end
if st[2] ~= 'true' then
  return {COMMENTS_OFF}
end
local cidf
if cid ~= '' then
  cidf = participant .. '|' .. cid
  local id = redis.call('HGET', K_CIDS, cidf)
  if id then
    local n = string.sub(id, 2)
    local m = redis.call('ZRANGEBYSCORE', K_COMMENTS, n, n)
    return {DUPLICATE, id, m[1] or false}
  end
end
local n = redis.call('INCR', K_IDS)
local id = 'c' .. n
if cidf then
  redis.call('HSET', K_CIDS, cidf, id)
end
local fields = '"id":"' .. id .. '",' .. rest
redis.call('ZADD', K_COMMENTS, n, '{' .. fields)
local seq = append('comment', function(seq)
  return '{"type":"comment","seq":' .. seq .. ',' .. fields
end)
return {OK, seq, n}
