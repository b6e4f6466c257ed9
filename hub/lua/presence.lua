-- Presence of one room across instances.
-- KEYS[1]: the room's presence hash, field instance id -> "count expiryUnixMs"
-- ARGV[1]: this instance's id
-- ARGV[2]: its local count ("" to only read; "0" removes its field)
-- ARGV[3]: how long its count stays valid, in milliseconds
-- Returns the sum of the counts that have not expired; expired fields are
-- deleted. Expiry is on Redis's clock, so instances' clocks need not agree.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
if ARGV[2] ~= '' then
  local n = tonumber(ARGV[2])
  if n > 0 then
    redis.call('HSET', KEYS[1], ARGV[1], n .. ' ' .. (now + ttl))
  else
    redis.call('HDEL', KEYS[1], ARGV[1])
  end
end
local all = redis.call('HGETALL', KEYS[1])
local sum = 0
local live = 0
for i = 1, #all, 2 do
  local n, exp = string.match(all[i + 1], '^(%d+) (%d+)$')
  if n and tonumber(exp) > now then
    sum = sum + tonumber(n)
    live = live + 1
  else
    redis.call('HDEL', KEYS[1], all[i])
  end
end
if live > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return sum
