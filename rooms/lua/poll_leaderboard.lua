-- Leaderboard. ARGV 5: quiz id ('' for the closed quiz with the highest
-- number), 6: how many entries per list (at least 1), 7…: participants
-- whose standing is asked. Returns {OK} when there is no such quiz, else
-- {OK, id, record, question, room, you} where question and room are flat
-- lists of participant, points, name ('' when anonymous), in leaderboard
-- order, and you a flat list of rank, points for each participant asked,
-- in order (0, 0 without points; rank: 1 + how many have more points).
if not room_exists() then
  return {NOT_FOUND}
end
local id, limit = ARGV[5], tonumber(ARGV[6])
local rec
if id == '' then
  local best = -1
  local all = redis.call('HGETALL', K_POLLS)
  for i = 1, #all, 2 do
    local p = p_parse(all[i + 1])
    local k = tonumber(string.sub(all[i], 2))
    if p.kind == 'quiz' and p.state == 'closed' and k > best then
      best, id, rec = k, all[i], all[i + 1]
    end
  end
else
  rec = redis.call('HGET', K_POLLS, id)
end
if not rec or p_parse(rec).kind ~= 'quiz' then
  return {OK}
end
local function named(list)
  if #list == 0 then
    return list
  end
  local who = {}
  for i = 1, #list, 2 do
    who[#who + 1] = list[i]
  end
  local names = redis.call('HMGET', K_QZNAMES, unpack(who))
  local out = {}
  for i, participant in ipairs(who) do
    out[#out + 1] = participant
    out[#out + 1] = list[2 * i]
    out[#out + 1] = names[i] or ''
  end
  return out
end
local lo, hi = p_lex(string.sub(id, 2))
local question = {}
for _, m in ipairs(redis.call('ZRANGEBYLEX', K_QZBOARD, lo, hi, 'LIMIT', 0, limit)) do
  local pad, participant = string.match(m, '^%d+|(%d+)|(.*)$')
  question[#question + 1] = participant
  question[#question + 1] = 9999 - tonumber(pad)
end
local room = {}
local totals = redis.call('ZRANGE', K_QZTOTAL, 0, limit - 1, 'WITHSCORES')
for i = 1, #totals, 2 do
  room[#room + 1] = totals[i]
  room[#room + 1] = -tonumber(totals[i + 1])
end
local you = {}
for i = 7, #ARGV do
  local score = redis.call('ZSCORE', K_QZTOTAL, ARGV[i])
  if score and tonumber(score) < 0 then
    -- Totals are stored as -points: those with more points score lower.
    you[#you + 1] = 1 + redis.call('ZCOUNT', K_QZTOTAL, '-inf', '(' .. score)
    you[#you + 1] = -tonumber(score)
  else
    you[#you + 1] = 0
    you[#you + 1] = 0
  end
end
return {OK, id, rec, named(question), named(room), you}
