-- Prelude of the poll scripts (store_redis_polls.go prepends it, after
-- common.lua). Keys 17... of the room (redisKeys):
--  17 :polls     hash   poll id "p<n>" -> its record (below)
--  18 :ballots   hash   participant "|" n -> the ballot (below) for poll p<n>
--  19 :pvoters   zset   score n, member participant "|" n: who voted in p<n>
--  20 :pmine     zset   score 0, member participant "|" n: the same pairs,
--                       by participant (ZRANGEBYLEX)
--  21 :tally     hash   n "|t": ballots of p<n>; n "|s": sum of its ratings;
--                       n "|c|" i: ballots choosing option i (rating: rating
--                       i+1); n "|w|" word: wordcloud ballots with the word
--                       (HINCRBY only, from these scripts; removed at 0)
--  22 :pwords    zset   score 0, member n "|" word: the words of p<n> with a
--                       count above 0, in byte order (ZRANGEBYLEX)
--  23 :panswers  zset   score 0, member n "|" <version, 16 digits> "|"
--                       participant: text ballots in the order cast
--  24 :pchanged  zset   member poll id, score the results version of the
--                       last change of its tally
--  25 :pmeta     hash   n: the last poll number; ver: the room's results
--                       version (HINCRBY)
-- Quizzes (rooms/quiz.go):
--  26 :qzcast    hash   participant "|" n -> "<at> <left>": when its quiz
--                       ballot for p<n> was cast and the ms its timer had
--                       left then (0 without timer), Unix ms
--  27 :qzboard   zset   score 0, member n "|" <9999 - points, 4 digits> "|"
--                       participant: the points above 0 of quiz p<n> at
--                       its latest close, in leaderboard order by
--                       ZRANGEBYLEX (most points first, ties by participant)
--  28 :qztotal   zset   member participant, score minus its points across
--                       the quizzes (only participants with points): ZRANGE
--                       is leaderboard order
--  29 :qznames   hash   participant -> the display name of its latest quiz
--                       ballot (absent: anonymous)
--
-- A poll's record is
--
--   <state> <reveal 0|1> <kind> <#options> <max> <#head> <closes_at> <speed_bonus 0|1> <seconds>\n<head><correct>
--
-- where head is PollHead and correct PollCorrect (polls.go), made by Go at
-- creation and never re-encoded here: events are spliced from them, byte
-- for byte pollEvent's. Records written before quizzes had timers lack the
-- last three fields (read as 0).
--
-- A ballot is a letter and its value: "c" and the option indexes separated
-- by spaces (single, multi, quiz); "r" and the rating; "w" and the words
-- separated by spaces (CloudWords makes words of letters, digits and marks
-- only); "t" <version> " " and the text as JSON (text).
local K_POLLS, K_BALLOTS, K_PVOTERS, K_PMINE = KEYS[17], KEYS[18], KEYS[19], KEYS[20]
local K_TALLY, K_PWORDS, K_PANSWERS, K_PCHANGED, K_PMETA = KEYS[21], KEYS[22], KEYS[23], KEYS[24], KEYS[25]
local K_QZCAST, K_QZBOARD, K_QZTOTAL, K_QZNAMES = KEYS[26], KEYS[27], KEYS[28], KEYS[29]

-- Statuses past common.lua's (store_redis.go).
local NO_POLL, POLL_NOT_OPEN, BALLOT_KIND, BALLOT_CHOICES, QUIZ_TIME_UP = 14, 15, 16, 17, 18

local MAX_RATING, MAX_CLOUD_WORDS, MAX_TEXT_ANSWERS = 5, 100, 100
-- QuizBasePoints, QuizSpeedBonus (quiz.go).
local QUIZ_BASE, QUIZ_BONUS = 1000, 500

local function p_parse(rec)
  local state, reveal, kind, nopts, max, hlen, extra, pos =
    string.match(rec, '^(%a+) ([01]) (%a+) (%d+) (%d+) (%d+)([^\n]*)\n()')
  hlen = tonumber(hlen)
  local closes_at, speed, seconds = string.match(extra, '^ (%d+) ([01]) (%d+)$')
  local head = string.sub(rec, pos, pos + hlen - 1)
  if not closes_at then
    -- An older record: its head ended with the closes_at it never set,
    -- and a quiz's had no seconds.
    head = string.gsub(head, ',"closes_at":%d+$', '')
    if kind == 'quiz' then
      head = head .. ',"seconds":0'
    end
  end
  return {
    state = state, reveal = reveal == '1', kind = kind, nopts = tonumber(nopts), max = tonumber(max),
    head = head, correct = string.sub(rec, pos + hlen),
    closes_at = closes_at or '0', speed = speed == '1', seconds = tonumber(seconds or '0'),
  }
end

local function p_record(p)
  return p.state .. ' ' .. (p.reveal and '1' or '0') .. ' ' .. p.kind .. ' ' .. p.nopts .. ' ' .. p.max ..
    ' ' .. #p.head .. ' ' .. p.closes_at .. ' ' .. (p.speed and '1' or '0') .. ' ' .. p.seconds ..
    '\n' .. p.head .. p.correct
end

local function p_has_options(kind)
  return kind == 'single' or kind == 'multi' or kind == 'quiz'
end

-- p_valid_transition mirrors ValidPollTransition (polls.go).
local function p_valid_transition(from, to)
  if from == to then
    return to == 'draft' or to == 'open' or to == 'closed'
  end
  return (from == 'draft' and to == 'open') or (from == 'open' and to == 'closed') or
    (from == 'closed' and to == 'open')
end

-- p_lex returns the ZRANGEBYLEX bounds of the members that start with prefix "|".
local function p_lex(prefix)
  return '(' .. prefix .. '|', '(' .. prefix .. '}'
end

-- p_counted returns how many counts a poll's tally has (options, or ratings).
local function p_ncounts(p)
  if p_has_options(p.kind) then
    return p.nopts
  elseif p.kind == 'rating' then
    return MAX_RATING
  end
  return 0
end

-- p_tally reads poll p<n>'s tally: {counts = {decimal strings}, total, sum,
-- words = {{word, count}...} (most first, ties in byte order, at most
-- MAX_CLOUD_WORDS), answers = {text JSON...} (the newest MAX_TEXT_ANSWERS,
-- oldest first)}, as Tally (polls.go) holds it.
local function p_tally(n, p)
  local t = {counts = {}, words = {}, answers = {}}
  local k = p_ncounts(p)
  local fields = {n .. '|t', n .. '|s'}
  for i = 0, k - 1 do
    fields[#fields + 1] = n .. '|c|' .. i
  end
  local v = redis.call('HMGET', K_TALLY, unpack(fields))
  t.total, t.sum = v[1] or '0', v[2] or '0'
  for i = 1, k do
    t.counts[i] = v[i + 2] or '0'
  end
  if p.kind == 'wordcloud' then
    local lo, hi = p_lex(n)
    local members = redis.call('ZRANGEBYLEX', K_PWORDS, lo, hi)
    if #members > 0 then
      -- Members come in byte order; bucket them by count, keeping that order.
      local skip = #tostring(n) + 2
      local buckets, order = {}, {}
      for i = 1, #members, 1000 do
        local chunk = {}
        for j = i, math.min(i + 999, #members) do
          chunk[#chunk + 1] = n .. '|w|' .. string.sub(members[j], skip)
        end
        local counts = redis.call('HMGET', K_TALLY, unpack(chunk))
        for j, c in ipairs(counts) do
          c = tonumber(c or '0')
          if c > 0 then
            local b = buckets[c]
            if not b then
              b = {}
              buckets[c] = b
              order[#order + 1] = c
            end
            b[#b + 1] = string.sub(members[i + j - 1], skip)
          end
        end
      end
      table.sort(order, function(a, b) return a > b end)
      for _, c in ipairs(order) do
        for _, w in ipairs(buckets[c]) do
          if #t.words == MAX_CLOUD_WORDS then
            break
          end
          t.words[#t.words + 1] = {w, c}
        end
      end
    end
  elseif p.kind == 'text' then
    local lo, hi = p_lex(n)
    local members = redis.call('ZREVRANGEBYLEX', K_PANSWERS, hi, lo, 'LIMIT', 0, MAX_TEXT_ANSWERS)
    if #members > 0 then
      local fields = {}
      for i = #members, 1, -1 do
        local participant = string.match(members[i], '^%d+|%d+|(.*)$')
        fields[#fields + 1] = participant .. '|' .. n
      end
      local ballots = redis.call('HMGET', K_BALLOTS, unpack(fields))
      for i, b in ipairs(ballots) do
        t.answers[i] = string.match(b, '^t%d+ (.*)$')
      end
    end
  end
  return t
end

-- p_results is appendResults (polls.go) of kind's tally t.
local function p_results(kind, t)
  local out = '{"counts":[' .. table.concat(t.counts, ',') .. '],"total":' .. t.total
  if kind == 'rating' then
    local total, sum, h = tonumber(t.total), tonumber(t.sum), 0
    if total > 0 then
      h = math.floor((sum * 200 + total) / (2 * total))
    end
    out = out .. ',"average":' .. string.format('%d.%02d', math.floor(h / 100), h % 100)
  elseif kind == 'wordcloud' then
    local parts = {}
    for i, wc in ipairs(t.words) do
      parts[i] = '"' .. wc[1] .. '":' .. wc[2]
    end
    out = out .. ',"words":{' .. table.concat(parts, ',') .. '}'
  elseif kind == 'text' then
    out = out .. ',"answers":[' .. table.concat(t.answers, ',') .. ']'
  end
  return out .. '}'
end

-- p_append makes the durable `poll` event of poll id's state p with its
-- tally at this seq (pollEvent in polls.go): Staff has the quiz's correct
-- options and the results; Data has correct when revealed and closed,
-- results when revealed, and is `poll_deleted` for a draft. Returns the seq
-- and the envelope.
local function p_append(id, p)
  local n = string.sub(id, 2)
  local results = p_results(p.kind, p_tally(n, p))
  return append_event('poll', '', function(seq)
    local body = '{"type":"poll","seq":' .. seq .. ',"id":"' .. id .. '",' .. p.head .. ',"closes_at":' ..
      p.closes_at .. ',"state":"' .. p.state .. '","reveal":' .. tostring(p.reveal)
    if p.kind == 'quiz' then
      body = body .. ',"speed_bonus":' .. tostring(p.speed)
    end
    local correct = ''
    if p.kind == 'quiz' then
      correct = ',"correct":' .. p.correct
    end
    local staff = body .. correct .. ',"results":' .. results .. '}'
    local data
    if p.state == 'draft' then
      data = '{"type":"poll_deleted","seq":' .. seq .. ',"id":"' .. id .. '"}'
    else
      data = body
      if p.reveal and p.state == 'closed' then
        data = data .. correct
      end
      if p.reveal then
        data = data .. ',"results":' .. results
      end
      data = data .. '}'
    end
    return data, staff
  end)
end

-- p_reply returns poll id (record rec) with its tally as the store reads
-- them: {id, record, total, sum, counts, words (word, count, ...), answers}.
local function p_reply(id, rec)
  local t = p_tally(string.sub(id, 2), p_parse(rec))
  local words = {}
  for _, wc in ipairs(t.words) do
    words[#words + 1] = wc[1]
    words[#words + 1] = wc[2]
  end
  return {id, rec, t.total, t.sum, t.counts, words, t.answers}
end

-- p_unscore takes quiz p<n>'s points off the room totals and forgets them.
local function p_unscore(n)
  local lo, hi = p_lex(n)
  for _, m in ipairs(redis.call('ZRANGEBYLEX', K_QZBOARD, lo, hi)) do
    local pad, participant = string.match(m, '^%d+|(%d+)|(.*)$')
    local total = tonumber(redis.call('ZINCRBY', K_QZTOTAL, 9999 - tonumber(pad), participant))
    if total >= 0 then
      redis.call('ZREM', K_QZTOTAL, participant)
    end
  end
  redis.call('ZREMRANGEBYLEX', K_QZBOARD, lo, hi)
end

-- p_score replaces quiz id's points (p is its record) by QuizPoints
-- (quiz.go) of its ballots now, and adds them to the room totals.
local function p_score(id, p)
  if p.kind ~= 'quiz' then
    return
  end
  local n = string.sub(id, 2)
  p_unscore(n)
  local want = 'c' .. (string.gsub(string.sub(p.correct, 2, -2), ',', ' '))
  local span = p.seconds * 1000
  local voters = redis.call('ZRANGEBYSCORE', K_PVOTERS, n, n)
  for i = 1, #voters, 1000 do
    local chunk = {unpack(voters, i, math.min(i + 999, #voters))}
    local ballots = redis.call('HMGET', K_BALLOTS, unpack(chunk))
    local casts = redis.call('HMGET', K_QZCAST, unpack(chunk))
    local board = {}
    for j, pair in ipairs(chunk) do
      if ballots[j] == want then
        local points = QUIZ_BASE
        if span > 0 and p.speed then
          local left = tonumber(string.match(casts[j] or '', ' (%-?%d+)$') or '0')
          left = math.min(math.max(left, 0), span)
          points = points + math.floor(QUIZ_BONUS * left / span)
        end
        local participant = string.sub(pair, 1, #pair - #n - 1)
        board[#board + 1] = 0
        board[#board + 1] = n .. '|' .. string.format('%04d', 9999 - points) .. '|' .. participant
        redis.call('ZINCRBY', K_QZTOTAL, -points, participant)
      end
    end
    if #board > 0 then
      redis.call('ZADD', K_QZBOARD, unpack(board))
    end
  end
end
