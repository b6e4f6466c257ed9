-- Prelude of the Q&A scripts (store_redis_qa.go prepends it, after
-- common.lua).
--
-- A question's record in :questions is
--
--   <status> <pinned 0|1> <at> <participant or -> <#answer> <#text>\n<answer><text><author>
--
-- where answer, text and author are JSON values as Go's encoding/json
-- writes them (store_redis_qa.go encodes them), at is Unix milliseconds, and
-- #x is the length of x in bytes. Scripts never re-encode JSON: they splice
-- these pieces, so events are byte for byte those of questionEvent (qa.go).

local function q_parse(rec)
  local status, pinned, at, participant, alen, tlen, pos =
    string.match(rec, '^(%a+) ([01]) (%-?%d+) (%S+) (%d+) (%d+)\n()')
  alen, tlen = tonumber(alen), tonumber(tlen)
  if participant == '-' then
    participant = ''
  end
  return {
    status = status, pinned = pinned == '1', at = at, participant = participant,
    answer = string.sub(rec, pos, pos + alen - 1),
    text = string.sub(rec, pos + alen, pos + alen + tlen - 1),
    author = string.sub(rec, pos + alen + tlen),
  }
end

local function q_record(q)
  local participant = q.participant
  if participant == '' then
    participant = '-'
  end
  return q.status .. ' ' .. (q.pinned and '1' or '0') .. ' ' .. q.at .. ' ' .. participant .. ' ' ..
    #q.answer .. ' ' .. #q.text .. '\n' .. q.answer .. q.text .. q.author
end

-- q_visible mirrors VisibleStatus (qa.go).
local function q_visible(status)
  return status == 'live' or status == 'answered'
end

-- q_valid_transition mirrors ValidTransition (qa.go).
local VALID_STATUS = {pending = true, live = true, answered = true, hidden = true}
local function q_valid_transition(from, to)
  if from == to or to == 'hidden' or from == 'hidden' then
    return VALID_STATUS[to] == true
  end
  return (from == 'pending' and to == 'live') or (from == 'live' and to == 'answered') or
    (from == 'answered' and to == 'live')
end

local function q_votes(id)
  return redis.call('HGET', K_QVOTES, id) or '0'
end

-- q_append makes the durable `question` event of question id's state q
-- (questionEvent in qa.go): Staff is the whole question with its
-- participant, Data the same without it when the question is visible, else
-- `question_deleted`; Owner is the author. Returns the seq and the envelope.
local function q_append(id, q)
  return append_event('question', q.participant, function(seq)
    local body = '{"type":"question","seq":' .. seq .. ',"id":"' .. id .. '","text":' .. q.text ..
      ',"author":' .. q.author .. ',"votes":' .. q_votes(id) .. ',"status":"' .. q.status ..
      '","pinned":' .. tostring(q.pinned) .. ',"answer":' .. q.answer .. ',"at":' .. q.at
    local staff = body .. '}'
    if q.participant ~= '' then
      staff = body .. ',"participant":"' .. q.participant .. '"}'
    end
    local data
    if q_visible(q.status) then
      data = body .. '}'
    else
      data = '{"type":"question_deleted","seq":' .. seq .. ',"id":"' .. id .. '"}'
    end
    return data, staff
  end)
end
