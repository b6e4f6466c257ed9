-- StateWithPolls. ARGV 5: how many of the newest comments, 6...: the
-- reaction kinds. Returns state.lua's reply with the questions, then the
-- polls: {p_reply...}, every poll of the room.
if not room_exists() then
  return {NOT_FOUND}
end
local seq = tonumber(redis.call('GET', K_SEQ) or '0')
local n = tonumber(ARGV[5])
local comments = {}
if n > 0 then
  comments = redis.call('ZRANGE', K_COMMENTS, -n, -1)
end
local polls = {}
local all = redis.call('HGETALL', K_POLLS)
for i = 1, #all, 2 do
  polls[#polls + 1] = p_reply(all[i], all[i + 1])
end
return {OK, seq, redis.call('HGETALL', K_ROOM), comments, redis.call('HMGET', K_REACTIONS, unpack(ARGV, 6)),
  redis.call('HGETALL', K_QUESTIONS), redis.call('HGETALL', K_QVOTES), polls}
