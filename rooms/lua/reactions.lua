-- AddReactions, and FlushReactions pipelines it per room. ARGV 5...: the
-- kinds, then a delta per kind. Returns {OK, totals per kind}.
if not room_exists() then
  return {NOT_FOUND}
end
local k = (#ARGV - 4) / 2
local kinds = {}
for i = 1, k do
  kinds[i] = ARGV[4 + i]
  local d = ARGV[4 + k + i]
  if d ~= '0' then
    redis.call('HINCRBY', K_REACTIONS, kinds[i], d)
  end
end
return {OK, redis.call('HMGET', K_REACTIONS, unpack(kinds))}
