-- A script of the shared Redis layout: resocket-axum's RedisStore and resocket/server's
-- (which the npm package ships a copy of) both run this file.
-- KEYS: the hash, :out, :in. ARGV: term. Returns whether the claim held.
local term = redis.call('HGET', KEYS[1], 'term')
if not term or term ~= ARGV[1] then return 0 end
redis.call('HINCRBY', KEYS[1], 'term', 1)
return 1
