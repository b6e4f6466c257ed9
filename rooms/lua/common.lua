-- Prelude of every script of the Redis store (store_redis.go prepends it).
--
-- KEYS: every key of one room, all under the hash tag {room:CODE} so that a
-- room lives on one Redis Cluster slot:
--   1 :room       hash   the settings, each field JSON-encoded as Go encodes
--                        it; hk, mk: the raw key hashes
--   2 :seq        string the room's current seq (INCR)
--   3 :log        stream the newest `retained` events, entry id "<seq>-0",
--                        field e = the event envelope
--   4 :comments   zset   score n, member the comment's JSON, for comment "c<n>"
--   5 :cids       hash   participant "|" cid -> comment id
--   6 :banned     set    participants
--   7 :reactions  hash   kind -> total
--   8 :ids        string the last comment number (INCR)
-- Q&A (lua/question_common.lua describes the question record):
--   9 :questions  hash   question id "q<n>" -> its record
--  10 :qcids      hash   participant "|" cid -> question id
--  11 :qtexts     hash   the question's text as JSON -> question id (exact
--                        duplicates; deleted questions are removed)
--  12 :qvotes     hash   question id -> upvotes (HINCRBY, never negative)
--  13 :voters     zset   score n, member participant "|" n: who upvoted q<n>
--  14 :upvoted    zset   score 0, member participant "|" n: the same pairs,
--                        by participant (ZRANGEBYLEX)
--  15 :qchanged   zset   member question id, score the vote version of the
--                        last change of its count
--  16 :qa         hash   n: the last question number; ver: the room's vote
--                        version (HINCRBY); pinned: the pinned question's id
-- Polls: 17... (lua/poll_common.lua).
-- ARGV: 1 at (Unix ns, for envelopes), 2 retained, 3 PUBLISH or SPUBLISH,
--       4 the room's channel, 5... the script's own arguments.
local K_ROOM, K_SEQ, K_LOG, K_COMMENTS = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local K_CIDS, K_BANNED, K_REACTIONS, K_IDS = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local K_QUESTIONS, K_QCIDS, K_QTEXTS, K_QVOTES = KEYS[9], KEYS[10], KEYS[11], KEYS[12]
local K_VOTERS, K_UPVOTED, K_QCHANGED, K_QA = KEYS[13], KEYS[14], KEYS[15], KEYS[16]

-- Statuses, mapped to refusals by redisStatus in store_redis.go.
local OK, NOT_FOUND, EXISTS, BANNED, CLOSED = 0, 1, 2, 3, 4
local COMMENTS_OFF, NO_COMMENT, NOT_AUTHOR, DUPLICATE = 5, 6, 7, 8
local NO_QUESTION, QA_OFF, DUPLICATE_TEXT, BAD_MOVE, PIN_INVISIBLE = 9, 10, 11, 12, 13

local function room_exists()
  return redis.call('EXISTS', K_ROOM) == 1
end

-- append_event makes the room's next durable event, in this one script: the
-- next seq, the entry in the log (trimmed to exactly `retained` entries) and
-- the publication. build(seq) returns the event's data and, optionally, its
-- staff version; owner ('' for none) receives the staff version too.
-- Returns the seq and the envelope. Scripts run one at a time, so seq order
-- is log order is publish order.
local function append_event(typ, owner, build)
  local seq = redis.call('INCR', K_SEQ)
  local data, staff = build(seq)
  staff = staff or ''
  if owner == '' then
    owner = '-'
  end
  local env = 'hb1 ' .. seq .. ' ' .. typ .. ' ' .. owner .. ' - ' .. ARGV[1] .. ' ' .. #data .. ' ' .. #staff .. '\n' .. data .. staff
  redis.call('XADD', K_LOG, 'MAXLEN', ARGV[2], seq .. '-0', 'e', env)
  redis.call(ARGV[3], ARGV[4], env)
  return seq, env
end

-- append is append_event of an event everyone receives alike; it returns the seq.
local function append(typ, build)
  local seq = append_event(typ, '', build)
  return seq
end
