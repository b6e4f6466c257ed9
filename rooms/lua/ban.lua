-- Ban (ARGV 6 = '1') or Banned (ARGV 6 = '0'). ARGV 5: participant.
-- Returns {OK, 1 when banned}.
if not room_exists() then
  return {NOT_FOUND}
end
if ARGV[6] == '1' then
  redis.call('SADD', K_BANNED, ARGV[5])
  return {OK, 1}
end
return {OK, redis.call('SISMEMBER', K_BANNED, ARGV[5])}
