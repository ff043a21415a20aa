-- A script of the shared Redis layout: resocket-axum's RedisStore and resocket/server's
-- (which the npm package ships a copy of) both run this file.
-- KEYS: the hash, :out, :in. ARGV: term.
local term = redis.call('HGET', KEYS[1], 'term')
if term and term == ARGV[1] then redis.call('DEL', KEYS[1], KEYS[2], KEYS[3]) end
return 1
