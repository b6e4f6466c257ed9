-- Upvoted. ARGV 5: participant. Returns {OK, n...}: the numbers of the
-- questions participant upvoted (deleted ones are no longer in :upvoted).
if not room_exists() then
  return {NOT_FOUND}
end
local p = ARGV[5]
local members = redis.call('ZRANGEBYLEX', K_UPVOTED, '(' .. p .. '|', '(' .. p .. '}')
local out = {OK}
for i, m in ipairs(members) do
  out[i + 1] = string.sub(m, #p + 2)
end
return out
