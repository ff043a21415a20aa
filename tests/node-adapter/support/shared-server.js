// A SessionServer on a Redis of the test's own (resocket/server's RedisStore), behind a `ws`
// server on a free loopback port, as an application writes one: a `redis` client connected
// to the Unix socket of support/redis.js, and a handler that echoes each message it reads
// from the session's async iterator. `slowWritesMs` delays every store write, and `paceMs`
// every message the handler reads: a server that acted before its write landed would show
// when it is killed. `store` wraps the store; without `reading` the handler reads nothing. Used in process by the tests, and in a child process the tests kill
// (doomed-server.js).

import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { WebSocketServer } from 'ws';

const adapter = new URL('../../../pkg/server/index.js', import.meta.url);
export const { RedisStore, SessionEndedError, SessionServer } = await import(adapter.href);

/** The store's keys in every test: what resocket-axum's tests use too. */
export const PREFIX = 'test:';

/** A connected client of the `redis` package on the Redis whose socket is `path`. */
export async function redisClient(path) {
  const client = createClient({ socket: { path } });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** A store whose writes each take `ms` longer. */
function slowed(store, ms) {
  return {
    epoch: () => store.epoch(),
    create: (...args) => store.create(...args),
    load: (...args) => store.load(...args),
    claim: (...args) => store.claim(...args),
    async write(...args) {
      await sleep(ms);
      return store.write(...args);
    },
    remove: (...args) => store.remove(...args),
  };
}

/**
 * Starts the server; resolves with `{ url, sessions, handled, stop }`: `handled` counts the
 * messages its handlers read, `sessions` is the SessionServer.
 */
export async function serveShared(redisPath, { slowWritesMs = 0, paceMs = 0, store: wrap = (store) => store, reading = true, ...options } = {}) {
  const client = await redisClient(redisPath);
  const redisStore = new RedisStore(client, { prefix: PREFIX });
  const store = wrap(slowWritesMs > 0 ? slowed(redisStore, slowWritesMs) : redisStore);
  const sessions = new SessionServer({
    store,
    // The test's user, as an application would authenticate it.
    owner: (request) => String(request.headers['x-user'] ?? ''),
    ...options,
  });
  await sessions.ready();
  const node = { sessions, handled: 0, closes: [] };
  sessions.on('session', async (session) => {
    session.on('close', (cause) => node.closes.push(cause));
    if (!reading) {
      // A handler that never gets to its messages: they stay unhandled in the store.
      session[Symbol.asyncIterator]();
      return;
    }
    try {
      for await (const message of session) {
        node.handled += 1;
        if (paceMs > 0) await sleep(paceMs);
        await session.sendWhenReady(message);
      }
    } catch (error) {
      if (!(error instanceof SessionEndedError)) throw error;
    }
  });
  const http = createServer((_, response) => response.end());
  const wss = new WebSocketServer({ server: http, handleProtocols: sessions.handleProtocols, verifyClient: sessions.verifyClient });
  wss.on('connection', (ws, request) => sessions.handle(ws, request));
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  node.url = `ws://127.0.0.1:${http.address().port}/`;
  node.stop = async () => {
    sessions.close();
    for (const ws of wss.clients) ws.terminate();
    await new Promise((resolve) => http.close(resolve));
    await client.close();
  };
  return node;
}
