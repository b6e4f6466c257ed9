-- DeleteComment. ARGV 5: comment id, 6: author ('' for staff).
-- Returns {OK, seq}.
if not room_exists() then
  return {NOT_FOUND}
end
local id, author = ARGV[5], ARGV[6]
if #id > 16 or not string.match(id, '^c[1-9]%d*$') then
  return {NO_COMMENT}
end
local n = string.sub(id, 2)
local m = redis.call('ZRANGEBYSCORE', K_COMMENTS, n, n)
if #m == 0 then
  return {NO_COMMENT}
end
if author ~= '' and cjson.decode(m[1]).participant ~= author then
  return {NOT_AUTHOR}
end
redis.call('ZREMRANGEBYSCORE', K_COMMENTS, n, n)
local seq = append('comment_deleted', function(seq)
  return '{"type":"comment_deleted","seq":' .. seq .. ',"id":"' .. id .. '"}'
end)
return {OK, seq}
