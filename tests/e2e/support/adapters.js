// The server adapters the session e2e files run every test against, so that both faces
// are checked against both implementations of the protocol's server side, each with its
// sessions in memory and in Redis: resocket-axum (the Rust test server's /session,
// `suite.server`, and a second Rust test server with `--session-store`) and resocket/server,
// the package's Node adapter (node-session-server.js, with and without its RedisStore). Both
// Redis-backed servers use one Redis of the file's own, with the same layout and prefix, as
// servers of one application do (each test talks to one of them): every change is written
// before the client hears of it. The extra servers start and stop with the file.

import { after, before } from 'node:test';
import { startNodeSessionServer } from './node-session-server.js';
import { startRedis } from './redis.js';
import { startServer } from './server.js';

/**
 * Registers the hooks that start and stop the extra servers, and returns one entry per adapter:
 * `name`, `server` (the server its tests talk to: `control`, `received`, `client`, `opened`)
 * and `test(name, fn, options)`, `suite.test` with the harness page pointed at that server
 * and the adapter named in the test's name.
 */
export function sessionAdapters(suite) {
  let node;
  let redis;
  let axumOnRedis;
  let nodeOnRedis;
  before(async () => {
    redis = await startRedis();
    [node, axumOnRedis, nodeOnRedis] = await Promise.all([
      startNodeSessionServer(),
      startServer({ args: ['--session-store', redis.url] }),
      startNodeSessionServer({ redisPath: redis.path }),
    ]);
  });
  after(async () => {
    await Promise.all([node?.stop(), axumOnRedis?.stop(), nodeOnRedis?.stop()]);
    await redis?.stop();
  });
  const adapter = (name, server) => ({
    name,
    get server() {
      return server();
    },
    test(title, fn, options = {}) {
      suite.test(`${name}: ${title}`, fn, { ...options, server });
    },
  });
  return [
    adapter('resocket-axum', () => suite.server),
    adapter('resocket-axum on Redis', () => axumOnRedis),
    adapter('resocket/server', () => node),
    adapter('resocket/server on Redis', () => nodeOnRedis),
  ];
}

/** Polls `server`'s `/received` until it lists `count` messages of `client` (at most 30 s). */
export async function serverGot(server, client, count) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const records = await server.received(client);
    if (records.length >= count || Date.now() > deadline) return records;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
