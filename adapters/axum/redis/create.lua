-- A script of the shared Redis layout: resocket-axum's RedisStore and resocket/server's
-- (which the npm package ships a copy of) both run this file.
-- KEYS: the hash, :out, :in. ARGV: key, owner, lifetime (ms).
redis.call('HSET', KEYS[1], 'key', ARGV[1], 'owner', ARGV[2], 'term', 0, 'acked', 0, 'handled', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
