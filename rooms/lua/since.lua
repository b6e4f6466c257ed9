-- Since. ARGV 5: the seq the caller has. Returns {OK, 1, envelopes...} with
-- every event after it, or {OK, 0} when the log no longer holds them all
-- (or the seq is from the future).
if not room_exists() then
  return {NOT_FOUND}
end
local cur = tonumber(redis.call('GET', K_SEQ) or '0')
local from = tonumber(ARGV[5])
if from > cur then
  return {OK, 0}
end
if from == cur then
  return {OK, 1}
end
local first = (from + 1) .. '-0'
local entries = redis.call('XRANGE', K_LOG, first, '+')
if #entries ~= cur - from or entries[1][1] ~= first then
  return {OK, 0}
end
local out = {OK, 1}
for i, e in ipairs(entries) do
  out[i + 2] = e[2][2]
end
return out
