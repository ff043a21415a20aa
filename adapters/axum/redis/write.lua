-- A script of the shared Redis layout: resocket-axum's RedisStore and resocket/server's
-- (which the npm package ships a copy of) both run this file.
-- KEYS: the hash, :out, :in. ARGV: term, lifetime (ms), messages received (count), sent
-- (count), acknowledged ('' for no change), handled (''), then the received messages, then
-- the sent ones. Returns whether the write held.
local term = redis.call('HGET', KEYS[1], 'term')
if not term or term ~= ARGV[1] then return 0 end
local received = tonumber(ARGV[3])
local sent = tonumber(ARGV[4])
local first = 7
if received > 0 then
  redis.call('RPUSH', KEYS[3], unpack(ARGV, first, first + received - 1))
end
first = first + received
if sent > 0 then
  redis.call('RPUSH', KEYS[2], unpack(ARGV, first, first + sent - 1))
end
local function advance(field, list, count)
  if count == '' then return end
  local was = tonumber(redis.call('HGET', KEYS[1], field))
  local now = tonumber(count)
  if now > was then
    redis.call('LTRIM', list, now - was, -1)
    redis.call('HSET', KEYS[1], field, now)
  end
end
advance('acked', KEYS[2], ARGV[5])
advance('handled', KEYS[3], ARGV[6])
for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ARGV[2]) end
return 1
