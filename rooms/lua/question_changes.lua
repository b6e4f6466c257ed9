-- VoteChanges of one room (the store pipelines it over rooms). ARGV 5: the
-- vote version the caller has. An unchanged room costs one HGET.
-- Returns {OK, version} when the version is not past it, else {OK, version,
-- ids, counts, visible (1/0)} of the questions whose count changed after it.
local ver = tonumber(redis.call('HGET', K_QA, 'ver') or '0')
if ver <= tonumber(ARGV[5]) then
  return {OK, ver}
end
local ids = redis.call('ZRANGEBYSCORE', K_QCHANGED, '(' .. ARGV[5], '+inf')
local counts, visible = {}, {}
for i, id in ipairs(ids) do
  counts[i] = tonumber(q_votes(id))
  local rec = redis.call('HGET', K_QUESTIONS, id)
  visible[i] = (rec and q_visible(string.match(rec, '^(%a+)'))) and 1 or 0
end
return {OK, ver, ids, counts, visible}
