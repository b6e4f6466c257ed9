-- AddInsight, pipelined per room. ARGV: n, then n field, increment pairs
-- of :insmin; m, then m participant, unix minute pairs (seen); a, then a
-- participants (active); s, then s unix second, reactions pairs.
-- Returns 1, or 0 when the room does not exist.
if redis.call('EXISTS', K_ROOM) == 0 then
  return 0
end
local i = 1
local function count()
  local n = tonumber(ARGV[i])
  i = i + 1
  return n
end
for _ = 1, count() do
  redis.call('HINCRBY', K_MIN, ARGV[i], ARGV[i + 1])
  i = i + 2
end
for _ = 1, count() do
  if redis.call('SADD', K_SEEN, ARGV[i]) == 1 then
    redis.call('HINCRBY', K_MIN, ARGV[i + 1] .. '|j', 1)
  end
  i = i + 2
end
local a = count()
while a > 0 do
  local n = math.min(a, 1000)
  redis.call('SADD', K_ACTIVE, unpack(ARGV, i, i + n - 1))
  i, a = i + n, a - n
end
for _ = 1, count() do
  redis.call('HINCRBY', K_REACT, ARGV[i], ARGV[i + 1])
  i = i + 2
end
ins_keep_expiry()
return 1
