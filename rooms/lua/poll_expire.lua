-- ExpirePoll. ARGV 5: poll id, 6: the closes_at the caller's timer was set
-- for (Unix ms). Closes the quiz, scoring it, only when it is open with
-- that closes_at; returns {OK, envelope}, or {OK} when it changed nothing.
if not room_exists() then
  return {NOT_FOUND}
end
local id = ARGV[5]
local rec = redis.call('HGET', K_POLLS, id)
if not rec then
  return {NO_POLL}
end
local p = p_parse(rec)
if p.state ~= 'open' or p.closes_at ~= ARGV[6] then
  return {OK}
end
p.state = 'closed'
redis.call('HSET', K_POLLS, id, p_record(p))
p_score(id, p)
local _, env = p_append(id, p)
return {OK, env}
