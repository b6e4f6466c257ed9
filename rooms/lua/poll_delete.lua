-- DeletePoll. ARGV 5: poll id. Returns {OK, seq}. The poll goes with its
-- ballots (from both indexes) and every field of its tally; a quiz's
-- points leave the room totals.
if not room_exists() then
  return {NOT_FOUND}
end
local id = ARGV[5]
local rec = redis.call('HGET', K_POLLS, id)
if not rec then
  return {NO_POLL}
end
local p = p_parse(rec)
local n = string.sub(id, 2)
redis.call('HDEL', K_POLLS, id)
local voters = redis.call('ZRANGEBYSCORE', K_PVOTERS, n, n)
for i = 1, #voters, 1000 do
  local chunk = {unpack(voters, i, math.min(i + 999, #voters))}
  redis.call('ZREM', K_PMINE, unpack(chunk))
  redis.call('HDEL', K_BALLOTS, unpack(chunk))
  redis.call('HDEL', K_QZCAST, unpack(chunk))
end
if p.kind == 'quiz' then
  p_unscore(n)
end
redis.call('ZREMRANGEBYSCORE', K_PVOTERS, n, n)
local fields = {n .. '|t', n .. '|s'}
for i = 0, p_ncounts(p) - 1 do
  fields[#fields + 1] = n .. '|c|' .. i
end
redis.call('HDEL', K_TALLY, unpack(fields))
local lo, hi = p_lex(n)
local words = redis.call('ZRANGEBYLEX', K_PWORDS, lo, hi)
local skip = #n + 2
for i = 1, #words, 1000 do
  local chunk = {}
  for j = i, math.min(i + 999, #words) do
    chunk[#chunk + 1] = n .. '|w|' .. string.sub(words[j], skip)
  end
  redis.call('HDEL', K_TALLY, unpack(chunk))
end
redis.call('ZREMRANGEBYLEX', K_PWORDS, lo, hi)
redis.call('ZREMRANGEBYLEX', K_PANSWERS, lo, hi)
redis.call('ZREM', K_PCHANGED, id)
local seq = append('poll_deleted', function(seq)
  return '{"type":"poll_deleted","seq":' .. seq .. ',"id":"' .. id .. '"}'
end)
return {OK, seq}
