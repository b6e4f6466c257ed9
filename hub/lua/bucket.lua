-- A token bucket shared by every instance, as GCRA: the key holds the
-- bucket's theoretical arrival time (Unix ms on Redis's clock) and expires
-- when the bucket is full again.
-- KEYS[1]: the bucket. ARGV[1]: ms per token; ARGV[2]: burst;
-- ARGV[3]: '1' takes a token, '0' only looks.
-- Returns 0 when a token is (or was taken) available, else the ms to wait.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then
  tat = now
end
local allowAt = tat + interval - tonumber(ARGV[2]) * interval
if now < allowAt then
  return allowAt - now
end
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], tat + interval, 'PX', tat + interval - now)
end
return 0
