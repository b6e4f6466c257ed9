-- Keeps a room's snapshot when it is newer than the kept one and no newer
-- than the log. KEYS[1] meta hash, KEYS[2] snapshot hash.
-- ARGV: pos, epoch, rules, data. Returns 1 saved, 0 not, -1 no room.
local last = redis.call('HGET', KEYS[1], 'last')
if not last then return -1 end
local pos, epoch = tonumber(ARGV[1]), tonumber(ARGV[2])
if pos == 0 or pos > tonumber(last) then return 0 end
local kept = redis.call('HMGET', KEYS[2], 'pos', 'epoch')
if kept[1] then
  local kp, ke = tonumber(kept[1]), tonumber(kept[2])
  if not (epoch > ke or (epoch == ke and pos > kp)) then return 0 end
end
redis.call('HSET', KEYS[2], 'pos', ARGV[1], 'epoch', ARGV[2], 'rules', ARGV[3], 'data', ARGV[4])
local ttl = redis.call('PTTL', KEYS[1]) -- a room due for deletion: the snapshot goes with it
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
