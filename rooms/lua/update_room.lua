-- UpdateRoom. ARGV 5: n, the number of changed fields; 6 .. 5+2n: field,
-- JSON value pairs; then the names of the Room's JSON fields in order.
-- Returns {OK, seq, data}.
if not room_exists() then
  return {NOT_FOUND}
end
local n = tonumber(ARGV[5])
if n > 0 then
  redis.call('HSET', K_ROOM, unpack(ARGV, 6, 5 + 2 * n))
end
local names = {}
for i = 6 + 2 * n, #ARGV do
  names[#names + 1] = ARGV[i]
end
local vals = redis.call('HMGET', K_ROOM, unpack(names))
-- Settings added after a room was made have their Go default (NewRoom).
local defaults = {filter = '"mask"', retention_days = '0'}
local parts = {}
for i, name in ipairs(names) do
  parts[i] = '"' .. name .. '":' .. (vals[i] or defaults[name] or 'null')
end
local body = table.concat(parts, ',')
local data
local seq = append('room', function(seq)
  data = '{"type":"room","seq":' .. seq .. ',' .. body .. '}'
  return data
end)
return {OK, seq, data}
