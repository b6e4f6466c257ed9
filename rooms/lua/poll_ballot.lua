-- CastBallot. ARGV 5: poll id, 6: participant, 7: when the ballot is cast
-- (Unix ms), 8: the participant's display name ('' anonymous), 9: the
-- ballot's letter ('c', 'r', 'w', 't', or 'x' when the ballot has no field
-- or several), 10...: its values (option indexes; the rating; the words;
-- the text as JSON). Returns {OK, 1 when the tally changed}. A quiz ballot
-- that changes also records its time and time left (:qzcast) and the name
-- (:qznames).
--
-- One ballot per participant per poll: a new ballot takes the old one's
-- counts off and adds its own in this one script, so the counts always
-- equal the sum of the standing ballots and Total counts people.
if not room_exists() then
  return {NOT_FOUND}
end
local id, participant, at, name, letter = ARGV[5], ARGV[6], tonumber(ARGV[7]), ARGV[8], ARGV[9]
if redis.call('SISMEMBER', K_BANNED, participant) == 1 then
  return {BANNED}
end
if redis.call('HGET', K_ROOM, 'closed') == 'true' then
  return {CLOSED}
end
local rec = redis.call('HGET', K_POLLS, id)
if not rec then
  return {NO_POLL}
end
local p = p_parse(rec)
if p.state ~= 'open' then
  return {POLL_NOT_OPEN}
end
local closes_at = tonumber(p.closes_at)
if closes_at > 0 and at >= closes_at then
  return {QUIZ_TIME_UP}
end
-- CheckBallot (polls.go), in its order.
local values = {unpack(ARGV, 10)}
local fits
if p_has_options(p.kind) then
  fits = letter == 'c' and #values > 0
elseif p.kind == 'rating' then
  local r = tonumber(values[1])
  fits = letter == 'r' and r ~= nil and r >= 1 and r <= MAX_RATING
elseif p.kind == 'wordcloud' then
  fits = letter == 'w' and #values > 0
elseif p.kind == 'text' then
  fits = letter == 't' and #values == 1
end
if not fits then
  return {BALLOT_KIND}
end
if letter == 'c' then
  if #values > p.max then
    return {BALLOT_CHOICES}
  end
  for _, c in ipairs(values) do
    local i = tonumber(c)
    if not i or i < 0 or i >= p.nopts then
      return {BALLOT_CHOICES}
    end
  end
end

local n = string.sub(id, 2)
local pair = participant .. '|' .. n
local value = table.concat(values, ' ')
local old = redis.call('HGET', K_BALLOTS, pair)
if old then
  local same
  if letter == 't' then
    same = string.sub(old, 1, 1) == 't' and string.match(old, '^t%d+ (.*)$') == value
  else
    same = old == letter .. value
  end
  if same then
    return {OK, 0}
  end
end

local ver = redis.call('HINCRBY', K_PMETA, 'ver', 1)

-- count moves the counts of ballot b (its letter and value) by d.
local function count(b, d, version)
  local l, v = string.sub(b, 1, 1), string.sub(b, 2)
  if l == 'c' then
    for c in string.gmatch(v, '%d+') do
      redis.call('HINCRBY', K_TALLY, n .. '|c|' .. c, d)
    end
  elseif l == 'r' then
    redis.call('HINCRBY', K_TALLY, n .. '|c|' .. (tonumber(v) - 1), d)
    redis.call('HINCRBY', K_TALLY, n .. '|s', d * tonumber(v))
  elseif l == 'w' then
    for w in string.gmatch(v, '%S+') do
      local c = redis.call('HINCRBY', K_TALLY, n .. '|w|' .. w, d)
      if c <= 0 then
        redis.call('HDEL', K_TALLY, n .. '|w|' .. w)
        redis.call('ZREM', K_PWORDS, n .. '|' .. w)
      else
        redis.call('ZADD', K_PWORDS, 0, n .. '|' .. w)
      end
    end
  elseif l == 't' then
    local m = n .. '|' .. string.format('%016d', version) .. '|' .. participant
    if d < 0 then
      redis.call('ZREM', K_PANSWERS, m)
    else
      redis.call('ZADD', K_PANSWERS, 0, m)
    end
  end
end

local new = letter .. value
if letter == 't' then
  new = 't' .. ver .. ' ' .. value
end
if old then
  count(old, -1, tonumber(string.match(old, '^t(%d+) ') or '0'))
else
  redis.call('HINCRBY', K_TALLY, n .. '|t', 1)
  redis.call('ZADD', K_PVOTERS, n, pair)
  redis.call('ZADD', K_PMINE, 0, pair)
end
count(new, 1, ver)
redis.call('HSET', K_BALLOTS, pair, new)
if p.kind == 'quiz' then
  local left = 0
  if closes_at > 0 then
    left = closes_at - at
  end
  redis.call('HSET', K_QZCAST, pair, string.format('%d %d', at, left))
  if name == '' then
    redis.call('HDEL', K_QZNAMES, participant)
  else
    redis.call('HSET', K_QZNAMES, participant, name)
  end
end
redis.call('ZADD', K_PCHANGED, ver, id)
return {OK, 1}
