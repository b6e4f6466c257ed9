-- SetQuestion. ARGV 5: question id, 6: '=' and the new status ('' to keep it),
-- 7: pinned ('1', '0', or '' to keep it), 8: the new answer as JSON ('' to
-- keep it). The rules are QuestionPatch.Apply's (qa.go).
-- Returns {OK, record, votes, envelopes...}: the question's record after the
-- change and the events made, in seq order (none when nothing changed; the
-- previously pinned question's event first when this one is pinned);
-- {BAD_MOVE, record, votes}; {PIN_INVISIBLE, record, votes}.
if not room_exists() then
  return {NOT_FOUND}
end
local id = ARGV[5]
local rec = redis.call('HGET', K_QUESTIONS, id)
if not rec then
  return {NO_QUESTION}
end
local q = q_parse(rec)
if ARGV[6] ~= '' then
  local to = string.sub(ARGV[6], 2)
  if not q_valid_transition(q.status, to) then
    return {BAD_MOVE, rec, q_votes(id)}
  end
  q.status = to
end
if ARGV[8] ~= '' then
  q.answer = ARGV[8]
end
if ARGV[7] ~= '' then
  if ARGV[7] == '1' and not q_visible(q.status) then
    return {PIN_INVISIBLE, rec, q_votes(id)}
  end
  q.pinned = ARGV[7] == '1'
end
if not q_visible(q.status) then
  q.pinned = false
end
local new = q_record(q)
if new == rec then
  return {OK, rec, q_votes(id)}
end
local out = {OK, new, q_votes(id)}
local pinned = redis.call('HGET', K_QA, 'pinned')
if q.pinned and pinned and pinned ~= id then
  -- At most one pinned question: unpin the previous one, with its own event.
  local prev = redis.call('HGET', K_QUESTIONS, pinned)
  if prev then
    local p = q_parse(prev)
    p.pinned = false
    redis.call('HSET', K_QUESTIONS, pinned, q_record(p))
    local _, env = q_append(pinned, p)
    out[#out + 1] = env
  end
end
if q.pinned then
  redis.call('HSET', K_QA, 'pinned', id)
elseif pinned == id then
  redis.call('HDEL', K_QA, 'pinned')
end
redis.call('HSET', K_QUESTIONS, id, new)
local _, env = q_append(id, q)
out[#out + 1] = env
return out
