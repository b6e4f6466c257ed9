-- SetPoll. ARGV 5: poll id, 6: '=' and the new state ('' to keep it), 7:
-- reveal ('1', '0', or '' to keep it), 8: speed bonus ('1', '0', or ''
-- to keep it), 9: the time of the change (Unix ms). The rules are
-- PollPatch.Apply's (polls.go): a timed quiz that opens gets closes_at =
-- time + seconds; a quiz that closes is scored (p_score) in this script.
-- Returns {OK, record, envelope} (no envelope when nothing changed), or
-- {BAD_MOVE, record}.
if not room_exists() then
  return {NOT_FOUND}
end
local id = ARGV[5]
local rec = redis.call('HGET', K_POLLS, id)
if not rec then
  return {NO_POLL}
end
local p = p_parse(rec)
local was = p.state
if ARGV[6] ~= '' then
  local to = string.sub(ARGV[6], 2)
  if not p_valid_transition(p.state, to) then
    return {BAD_MOVE, rec}
  end
  if to == 'open' and p.state ~= 'open' and p.seconds > 0 then
    p.closes_at = string.format('%d', tonumber(ARGV[9]) + p.seconds * 1000)
  end
  p.state = to
end
if ARGV[7] ~= '' then
  p.reveal = ARGV[7] == '1'
end
if ARGV[8] ~= '' then
  p.speed = ARGV[8] == '1' and p.kind == 'quiz' and p.seconds > 0
end
local new = p_record(p)
if new == rec then
  return {OK, rec}
end
redis.call('HSET', K_POLLS, id, new)
if p.state == 'closed' and was ~= 'closed' then
  p_score(id, p)
end
local _, env = p_append(id, p)
return {OK, new, env}
