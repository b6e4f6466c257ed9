-- Prelude of the insight scripts (store_redis_insight.go prepends it; not
-- common.lua). KEYS (insightKeys), all under the room's hash tag:
--   1 :room      hash   the room's settings (existence, expiry)
--   2 :ins       hash   connected, peak, peak_at (Unix ms); closed_at,
--                       delete_at (Unix ms) while a deletion is scheduled
--   3 :insmin    hash   "<unix minute>|<k>" -> count, k: q questions,
--                       u upvotes, b ballots, r reactions, c comments,
--                       j participants seen first that minute, n the most
--                       connected at once
--   4 :insseen   set    participants ever seen (unique participants)
--   5 :insactive set    participants who interacted
--   6 :insreact  hash   unix second -> reactions (reaction bursts)
--   7 :inspoll   hash   poll id -> the most connected while it was open
--   8 :insopen   set    poll ids open, as the Service reported them
--   9 :polls     hash   the poll records (lua/poll_common.lua)
-- Schedule and delete get every key of the room: these nine, then the rest
-- of redisKeys.
local K_ROOM, K_INS, K_MIN, K_SEEN, K_ACTIVE = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local K_REACT, K_PPRES, K_OPEN, K_POLLS = KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local INSIGHT_KEYS = 8

-- ins_keep_expiry gives the insight keys that have no expiry the room's
-- scheduled deletion time (delete_at, which ScheduleDeletion gave every key
-- of the room), so that keys made after a room was closed go with it.
local function ins_keep_expiry()
  local t = tonumber(redis.call('HGET', K_INS, 'delete_at') or '0')
  if t > 0 then
    for i = 2, INSIGHT_KEYS do
      if redis.call('PTTL', KEYS[i]) == -1 then
        redis.call('PEXPIREAT', KEYS[i], t)
      end
    end
  end
end

-- ins_max sets field of hash key to v when v is above it (absent: -1).
local function ins_max(key, field, v)
  local cur = tonumber(redis.call('HGET', key, field) or '-1')
  if v > cur then
    redis.call('HSET', key, field, v)
    return true
  end
  return false
end
