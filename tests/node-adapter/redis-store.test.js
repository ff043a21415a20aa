// resocket/server's sessions shared through Redis (RedisStore, `store`): SessionServers on one
// Redis of the test's own (redis-server on a Unix socket), each an echo server as an
// application writes it, against a client of the protocol's frames (support/session-client.js).
// What resocket-axum's tests/redis_store.rs checks, the same way:
// - a session resumes on the other server with every echo once and in order, and the server
//   that held it can no longer change it: its late send never reaches the client, and its
//   copy of the session ends ('moved');
// - a busy server killed (a child process, SIGKILL) mid-burst, its store writes slowed so that
//   acting before a write lands would show: the client resumes on the other with every echo
//   once and in order, and the other's handler handles the rest;
// - the server that takes a session over hands its handler the messages not handled yet;
// - a takeover that races another is refused (1013);
// - a stolen session id without the key is refused (1008) on the other server too;
// - a store that lost its data: the client gets a new session, and exactly its message the
//   server never acknowledged is of unknown fate;
// - a client's close (1000) removes the session from the store, the application's end() too;
// - expiry is the store's: a session nobody carries goes a lifetime after its last write; one
//   a connection carries is kept alive; a store that cannot be reached closes with 1011;
// - the RedisStore keeps messages as resocket-axum's does (`t`/`b` then the message).
// Needs the package built (`make package`) and redis-server (scripts/setup.sh).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../e2e/support/redis.js';
import { SessionClient, numbered } from './support/session-client.js';
import { PREFIX, RedisStore, SessionServer, redisClient, serveShared } from './support/shared-server.js';

let redis;
let client;
const nodes = [];
before(async () => {
  redis = await startRedis();
  client = await redisClient(redis.path);
});
after(async () => {
  await Promise.all(nodes.map((node) => node.stop()));
  await client?.close();
  await redis?.stop();
});

async function node(options) {
  const started = await serveShared(redis.path, options);
  nodes.push(started);
  return started;
}

/** The session's three keys that exist in Redis. */
async function keysOf(id) {
  const session = `${PREFIX}session:${id}`;
  return (await Promise.all([session, `${session}:out`, `${session}:in`].map(async (key) => (await client.exists(key)) ? [key] : []))).flat();
}

async function eventually(what, predicate, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a session resumes on the other server, and the first can no longer change it', async () => {
  const a = await node();
  const b = await node();
  const ada = new SessionClient();
  await ada.connect(a.url);
  for (const text of numbered(0, 50)) ada.send(text);
  await ada.receive(20);
  ada.drop();
  const heldByA = a.sessions.get(ada.identity.id);
  assert.ok(heldByA, 'a holds the session');

  const welcome = await ada.connect(b.url);
  assert.equal(welcome.resumed, '1');
  for (const text of numbered(50, 100)) ada.send(text);
  await ada.receive(100);
  assert.deepEqual(ada.got, numbered(0, 100), 'every echo once, in order');
  assert.ok(b.sessions.get(ada.identity.id), 'b holds it now');

  // The server that held it sends late: the write is refused, nothing reaches the client,
  // and its copy ends.
  const closed = once(heldByA, 'close');
  heldByA.send('late');
  assert.deepEqual(await closed, ['moved']);
  assert.equal(a.sessions.get(ada.identity.id), undefined);
  ada.send('after');
  await ada.receive(101);
  assert.equal(ada.got.at(-1), 'after');
  assert.ok(a.handled + b.handled >= 101, `every message was handled: ${a.handled + b.handled}`);
});

/** support/doomed-server.js in a child process; resolves with its URL and the child. */
async function doomedNode() {
  const script = fileURLToPath(new URL('./support/doomed-server.js', import.meta.url));
  const child = spawn(process.execPath, [script, redis.path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(child.stdout.setEncoding('utf8'), 'data');
  return { url: line.trim(), child };
}

test('a server killed while busy loses nothing and doubles nothing', async (t) => {
  const { url, child } = await doomedNode();
  // A failure must not leave the child running: the test process would wait for it.
  t.after(() => child.kill('SIGKILL'));
  const b = await node();
  const ada = new SessionClient();
  await ada.connect(url);
  // All at once: the server is still reading, writing and echoing them when it dies.
  for (const text of numbered(0, 2000)) ada.send(text);
  await ada.receive(200);
  child.kill('SIGKILL');
  await once(child, 'exit');
  const echoedBeforeKill = ada.got.length;
  assert.ok(echoedBeforeKill < 2000, `the server died mid-burst (${echoedBeforeKill} echoes back)`);

  const welcome = await ada.connect(b.url);
  assert.equal(welcome.resumed, '1');
  await ada.receive(2000);
  // Anything doubled would come after the 2000th.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(ada.got, numbered(0, 2000), 'every echo once, in order');
  assert.ok(b.handled >= 1 && b.handled <= 1800, `b handled the rest: ${b.handled}`);
  t.diagnostic(`echoes before the kill: ${echoedBeforeKill}, handled by b: ${b.handled}`);
});

test('the server that takes a session over hands its handler the messages the last one had not handled', async () => {
  const a = await node({ reading: false });
  const b = await node();
  const ada = new SessionClient();
  await ada.connect(a.url);
  for (const text of numbered(0, 5)) ada.send(text);
  // Acknowledged once written: a's handler never read them.
  await eventually('the ack', () => ada.acknowledged === 5);
  ada.drop();
  const welcome = await ada.connect(b.url);
  assert.deepEqual([welcome.resumed, welcome.next], ['1', '5']);
  await ada.receive(5);
  assert.deepEqual(ada.got, numbered(0, 5));
  assert.equal(b.handled, 5);
});

test('a takeover that races another server\'s is refused with 1013, the session left to the winner', async () => {
  const a = await node();
  const racing = await node({ store: (store) => ({ ...bound(store), claim: async () => false }) });
  const ada = new SessionClient();
  await ada.connect(a.url);
  ada.send('one');
  await ada.receive(1);
  ada.drop();
  await assert.rejects(ada.connect(racing.url), { code: 1013, reason: 'the session is moving between servers: try again' });
  assert.equal((await ada.connect(a.url)).resumed, '1', 'still there');
});

/** `store`'s operations as functions of their own. */
function bound(store) {
  return Object.fromEntries(['epoch', 'create', 'load', 'claim', 'write', 'remove'].map((name) => [name, store[name].bind(store)]));
}

test('a stolen id without the key is refused on the other server too', async () => {
  const a = await node();
  const b = await node();
  const owner = new SessionClient();
  await owner.connect(a.url);
  owner.send('secret');
  await owner.receive(1);
  owner.drop();

  const thief = new SessionClient();
  thief.identity = { ...owner.identity, key: '0'.repeat(32) };
  await assert.rejects(thief.connect(b.url), { code: 1008, reason: 'resume refused: the key does not match' });
  assert.deepEqual(thief.got, [], 'nothing reached the thief');

  const welcome = await owner.connect(b.url);
  assert.equal(welcome.resumed, '1');
  owner.send('still mine');
  await owner.receive(2);
  assert.deepEqual(owner.got, ['secret', 'still mine']);
});

test('a store that lost its data starts a new session, and names exactly what was unacknowledged', async () => {
  const a = await node();
  const b = await node();
  const ada = new SessionClient();
  await ada.connect(a.url);
  ada.send('acknowledged');
  await ada.receive(1);
  // The echo came after the message was written and counted; the ack follows within 100 ms.
  await eventually('the ack', () => ada.acknowledged === 1);
  await client.flushAll();
  ada.send('in flight');
  ada.drop();
  ada.send('unsent');

  const welcome = await ada.connect(b.url);
  assert.deepEqual([welcome.resumed, welcome.next], ['0', '0']);
  assert.notEqual(welcome.id, a.sessions.get(welcome.id)?.id);
  assert.deepEqual(ada.unacknowledged, ['in flight', 'unsent'], 'of unknown fate: the one sent, and the one never sent');
});

test('the client\'s close removes the session from the store; so does the application\'s end()', async () => {
  const a = await node();
  const ada = new SessionClient();
  await ada.connect(a.url);
  ada.send('one');
  await ada.receive(1);
  const { id } = ada.identity;
  assert.deepEqual(await keysOf(id), [`${PREFIX}session:${id}`, `${PREFIX}session:${id}:out`]);
  await ada.close(1000);
  await eventually('the session to leave the store', async () => (await keysOf(id)).length === 0);

  const bob = new SessionClient('bob');
  await bob.connect(a.url);
  const session = a.sessions.get(bob.identity.id);
  await eventually('the session in the store', async () => (await keysOf(bob.identity.id)).length > 0);
  session.end(4000, 'done');
  await eventually('the ended session to leave the store', async () => (await keysOf(bob.identity.id)).length === 0);
});

test('expiry is the store\'s: kept alive while carried, gone a lifetime after its last write', async () => {
  const a = await node({ lifetimeMs: 300 });
  const ada = new SessionClient();
  await ada.connect(a.url);
  const { id } = ada.identity;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal((await keysOf(id)).length, 1, 'a carried session outlives its lifetime in the store');
  ada.drop();
  await eventually('the session to expire in the store', async () => (await keysOf(id)).length === 0, 2000);
  const welcome = await ada.connect(a.url);
  assert.equal(welcome.resumed, '0', 'a new session');
});

test('a store that cannot be reached closes with 1011; the session stays there for the next try', async () => {
  const broken = {
    epoch: async () => 'e'.repeat(32),
    create: async () => {},
    load: async () => { throw new Error('unreachable'); },
    claim: async () => true,
    write: async () => { throw new Error('unreachable'); },
    remove: async () => {},
  };
  const sessions = new SessionServer({ store: broken });
  await sessions.ready();
  const started = once(sessions, 'session');
  const { url, stop } = await wsServer(sessions);
  const ada = new SessionClient();
  await ada.connect(url);
  const [session] = await started;
  const closed = once(session, 'close');
  session.send('hello');
  assert.deepEqual(await closed, ['store-failed']);
  await eventually('the close', () => ada.closed !== undefined);
  assert.deepEqual(ada.closed, { code: 1011, reason: 'the session store failed' });
  assert.deepEqual(ada.got, [], 'nothing unwritten reached the client');
  await assert.rejects(ada.connect(url), { code: 1011, reason: 'the session store is unavailable' });
  await stop();
  assert.throws(() => new SessionServer({ store: {} }), TypeError);
});

/** `sessions` behind a `ws` server of its own. */
async function wsServer(sessions) {
  const { createServer } = await import('node:http');
  const { WebSocketServer } = await import('ws');
  const http = createServer();
  const wss = new WebSocketServer({ server: http, handleProtocols: sessions.handleProtocols });
  wss.on('connection', (ws, request) => sessions.handle(ws, request));
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${http.address().port}/`,
    async stop() {
      sessions.close();
      for (const ws of wss.clients) ws.terminate();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

test('messages are kept as resocket-axum keeps them: t or b, then the message', async () => {
  const a = await node();
  const ada = new SessionClient();
  await ada.connect(a.url);
  const session = a.sessions.get(ada.identity.id);
  // No reader takes them: they stay unacknowledged in :out.
  session.send('héllo');
  session.send(Buffer.from([0, 255, 0x74]));
  const out = `${PREFIX}session:${ada.identity.id}:out`;
  await eventually('the writes', async () => (await client.lLen(out)) === 2);
  const kept = await client.withTypeMapping({ 36: Buffer }).lRange(out, 0, -1);
  assert.deepEqual(kept, [Buffer.from('théllo'), Buffer.from([0x62, 0, 255, 0x74])]);
  const store = new RedisStore(client, { prefix: PREFIX });
  const stored = await store.load(ada.identity.id);
  assert.deepEqual(stored.unacknowledged, ['héllo', Buffer.from([0, 255, 0x74])]);
  assert.deepEqual([stored.term, stored.acknowledged, stored.owner], [0, 0, 'ada']);
});
