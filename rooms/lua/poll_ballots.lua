-- Ballots. ARGV 5: participant. Returns {OK, n, ballot, ...}: the poll
-- numbers and ballots of participant (deleted polls' ballots are gone).
if not room_exists() then
  return {NOT_FOUND}
end
local p = ARGV[5]
local lo, hi = p_lex(p)
local members = redis.call('ZRANGEBYLEX', K_PMINE, lo, hi)
local out = {OK}
if #members == 0 then
  return out
end
local ballots = redis.call('HMGET', K_BALLOTS, unpack(members))
for i, m in ipairs(members) do
  out[#out + 1] = string.sub(m, #p + 2)
  out[#out + 1] = ballots[i] or ''
end
return out
