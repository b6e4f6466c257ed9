-- Drops a room's entries up to ARGV[1], never past the kept snapshot.
-- KEYS[1] meta hash, KEYS[2] snapshot hash, KEYS[3] entries stream.
-- Returns 1, or -1 when there is no room.
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local kept = redis.call('HGET', KEYS[2], 'pos')
if not kept then return 1 end
local through = math.min(tonumber(ARGV[1]), tonumber(kept))
local first = tonumber(redis.call('HGET', KEYS[1], 'first'))
if through < first then return 1 end
local next = string.format('%.0f', through + 1)
redis.call('XTRIM', KEYS[3], 'MINID', next)
redis.call('HSET', KEYS[1], 'first', next)
return 1
