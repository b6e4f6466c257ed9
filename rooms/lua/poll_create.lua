-- CreatePoll. ARGV 5: state, 6: reveal ('1'/'0'), 7: kind, 8: number of
-- options, 9: max, 10: head (PollHead), 11: correct (PollCorrect, '' when
-- not a quiz), 12: closes_at (Unix ms, 0: none), 13: speed bonus ('1'/'0'),
-- 14: seconds. Returns {OK, n, envelope} for the new poll "p<n>".
if not room_exists() then
  return {NOT_FOUND}
end
local n = redis.call('HINCRBY', K_PMETA, 'n', 1)
local id = 'p' .. n
local p = {state = ARGV[5], reveal = ARGV[6] == '1', kind = ARGV[7], nopts = tonumber(ARGV[8]),
  max = tonumber(ARGV[9]), head = ARGV[10], correct = ARGV[11], closes_at = ARGV[12], speed = ARGV[13] == '1',
  seconds = tonumber(ARGV[14])}
redis.call('HSET', K_POLLS, id, p_record(p))
local _, env = p_append(id, p)
return {OK, n, env}
