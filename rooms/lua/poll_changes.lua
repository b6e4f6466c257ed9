-- ResultsChanges of one room (the store pipelines it over rooms). ARGV 5:
-- the results version the caller has. An unchanged room costs one HGET.
-- Returns {OK, version} when the version is not past it, else {OK, version,
-- polls...} with, for each poll whose tally changed after it (and is not
-- deleted), p_reply's.
local ver = tonumber(redis.call('HGET', K_PMETA, 'ver') or '0')
if ver <= tonumber(ARGV[5]) then
  return {OK, ver}
end
local out = {OK, ver}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K_PCHANGED, '(' .. ARGV[5], '+inf')) do
  local rec = redis.call('HGET', K_POLLS, id)
  if rec then
    out[#out + 1] = p_reply(id, rec)
  end
end
return out
