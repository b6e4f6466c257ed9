-- Poll. ARGV 5: poll id. Returns {OK, record}.
if not room_exists() then
  return {NOT_FOUND}
end
local rec = redis.call('HGET', K_POLLS, ARGV[5])
if not rec then
  return {NO_POLL}
end
return {OK, rec}
