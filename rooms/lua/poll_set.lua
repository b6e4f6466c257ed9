-- SetPoll. ARGV 5: poll id, 6: '=' and the new state ('' to keep it), 7:
-- reveal ('1', '0', or '' to keep it). The rules are PollPatch.Apply's
-- (polls.go). Returns {OK, record, envelope} (no envelope when nothing
-- changed), or {BAD_MOVE, record}.
if not room_exists() then
  return {NOT_FOUND}
end
local id = ARGV[5]
local rec = redis.call('HGET', K_POLLS, id)
if not rec then
  return {NO_POLL}
end
local p = p_parse(rec)
if ARGV[6] ~= '' then
  local to = string.sub(ARGV[6], 2)
  if not p_valid_transition(p.state, to) then
    return {BAD_MOVE, rec}
  end
  p.state = to
end
if ARGV[7] ~= '' then
  p.reveal = ARGV[7] == '1'
end
local new = p_record(p)
if new == rec then
  return {OK, rec}
end
redis.call('HSET', K_POLLS, id, new)
local _, env = p_append(id, p)
return {OK, new, env}
