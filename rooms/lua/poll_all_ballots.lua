-- AllBallots. No arguments past the common ones. Returns {OK, polls,
-- ballots}: HGETALL of the room's polls (id, record, ...) and of its
-- ballots (participant "|" n, ballot, ...), read together so the ballots
-- are those of the polls returned (a deleted poll's ballots are gone).
-- One HGETALL of every ballot is O(ballots): an export reads a room of
-- 10,000 ballots in a few milliseconds.
if not room_exists() then
  return {NOT_FOUND}
end
return {OK, redis.call('HGETALL', K_POLLS), redis.call('HGETALL', K_BALLOTS)}
