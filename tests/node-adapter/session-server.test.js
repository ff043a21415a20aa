// resocket/server, the package's Node adapter (src/js/server/, built into pkg/server/), over
// real sockets: a `ws` server on 127.0.0.1 and `ws` clients that speak PROTOCOL.md's frames by
// hand, so every frame both ways is seen. What resocket-axum's tests check, the same way:
// - the handshake: an upgrade without resocket.v1 refused with 400 (both wirings); hello gets
//   a welcome with a fresh id and key; `session` once per session, with the request;
// - messages both ways (one, a batch, binary), `~ping` answered `~pong`, acks after 64
//   messages or 100 ms;
// - batches to a client that reads them: the first message of a turn alone and at once, the
//   rest of the turn's in batch frames within the bound, a binary message in its place, what a
//   resume sends again batched, the turn's messages before a close; none to a client that
//   reads no batches;
// - resuming: what the client lacks sent again, the server's count in `welcome`, kept sends;
//   a newer connection replaces the old (closed with 1000); a wrong key (1008), the hook's
//   refusal (1008), another epoch or an unknown id (a new session, resumed=0), a resume the
//   session cannot serve (1002, the session intact);
// - protocol errors (1002), the handshake timeout (1008), the session limit (1013);
// - the session's end: the client's close 1000 ends it, 4001 does not; the lifetime after
//   the last connection; `disconnect()` (1012, the session stays) and `end()`;
// - the window: `send` refused when full, `drain` and `sendWhenReady` after the ack; the
//   async iterator;
// - a wrapper of the socket given to `handle` in its place (WsWebSocket's shape) carries every
//   frame both ways, and can withhold them; the adapter cuts and closes through it.
// Needs the package built (`make package`).

import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';

const adapter = new URL('../../pkg/server/index.js', import.meta.url);
if (!existsSync(fileURLToPath(adapter))) {
  throw new Error(`${fileURLToPath(adapter)} is missing: build the package first with \`make package\``);
}
const { SUBPROTOCOL, SessionEndedError, SessionServer } = await import(adapter.href);

const HELLO = '~hello v=1 window=102400 batch=1';
const servers = [];
after(() => Promise.all(servers.map((stop) => stop())));

/**
 * A SessionServer with `options` behind a `ws` server on a free port, wired with verifyClient
 * (or handleUpgrade); `wrap(ws)` gives what `handle` gets in place of each socket.
 */
async function serve(options = {}, { noServer = false, wrap = (ws) => ws } = {}) {
  const sessions = new SessionServer(options);
  const started = [];
  sessions.on('session', (session, request) => started.push({ session, request }));
  const http = createServer((_, response) => response.end());
  const wss = noServer
    ? new WebSocketServer({ noServer: true, handleProtocols: sessions.handleProtocols })
    : new WebSocketServer({ server: http, handleProtocols: sessions.handleProtocols, verifyClient: sessions.verifyClient });
  if (noServer) http.on('upgrade', (request, socket, head) => sessions.handleUpgrade(wss, request, socket, head));
  wss.on('connection', (ws, request) => sessions.handle(wrap(ws), request));
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${http.address().port}/`;
  const stop = async () => {
    sessions.close();
    for (const ws of wss.clients) ws.terminate();
    await new Promise((resolve) => http.close(resolve));
  };
  servers.push(stop);
  return { sessions, started, url };
}

/** A client speaking the frames by hand: `next()` is the next frame, `closed` the close. */
class Client {
  frames = [];
  #waiting = [];

  static async open(url, { protocols = [SUBPROTOCOL], headers } = {}) {
    const client = new Client(new WebSocket(url, protocols, { headers }));
    await once(client.ws, 'open');
    return client;
  }

  constructor(ws) {
    this.ws = ws;
    ws.on('message', (data, binary) => {
      const frame = binary ? Buffer.from(data) : data.toString();
      const waiter = this.#waiting.shift();
      if (waiter) waiter(frame);
      else this.frames.push(frame);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => {});
  }

  send(frame) {
    this.ws.send(frame);
  }

  /** The next frame (at most `ms` to wait). */
  next(ms = 2000) {
    if (this.frames.length) return Promise.resolve(this.frames.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no frame in time')), ms);
      this.#waiting.push((frame) => {
        clearTimeout(timer);
        resolve(frame);
      });
    });
  }

  /** Frames until one that `predicate` accepts, which is returned; the others are dropped. */
  async until(predicate) {
    for (;;) {
      const frame = await this.next();
      if (predicate(frame)) return frame;
    }
  }

  /** `welcome`'s fields (or another control frame's). */
  static fields(frame) {
    return Object.fromEntries(frame.split(' ').slice(1).map((field) => field.split('=')));
  }

  /** Sends hello (announcing `batch`: whether this client reads batch frames) and reads the welcome's fields. */
  async hello({ batch = 1 } = {}) {
    this.send(HELLO.replace('batch=1', `batch=${batch}`));
    const welcome = await this.next();
    assert.match(welcome, /^~welcome /);
    return Client.fields(welcome);
  }

  async resume({ id, key, epoch }, next, { batch = 1 } = {}) {
    this.send(`~resume v=1 id=${id} key=${key} epoch=${epoch} next=${next} window=102400 batch=${batch}`);
    const welcome = await this.next();
    assert.match(welcome, /^~welcome /);
    return Client.fields(welcome);
  }

  terminate() {
    this.ws.terminate();
  }
}

/** Resolves once `predicate()` holds (at most 2 s). */
async function until(predicate, what) {
  const deadline = Date.now() + 2000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const echo = (session) => session.on('message', (message) => session.send(message));

test('an upgrade that does not offer resocket.v1 is refused with 400, in both wirings', async () => {
  for (const noServer of [false, true]) {
    const { url } = await serve({}, { noServer });
    const ws = new WebSocket(url, ['other']);
    ws.on('error', () => {});
    const [, response] = await once(ws, 'unexpected-response');
    assert.equal(response.statusCode, 400, `noServer: ${noServer}`);
    const client = await Client.open(url);
    assert.equal(client.ws.protocol, SUBPROTOCOL);
    await client.hello();
  }
});

test('hello starts a session: a welcome with fresh names, one session event with the request', async () => {
  const { url, started } = await serve({ window: 5000 });
  const first = await (await Client.open(`${url}?user=a`)).hello();
  const second = await (await Client.open(url)).hello();
  for (const welcome of [first, second]) {
    assert.match(welcome.id, /^[0-9a-f]{32}$/);
    assert.match(welcome.key, /^[0-9a-f]{32}$/);
    assert.deepEqual([welcome.next, welcome.resumed, welcome.window, welcome.batch], ['0', '0', '5000', '1']);
  }
  assert.notEqual(first.id, second.id);
  assert.notEqual(first.key, second.key);
  assert.equal(first.epoch, second.epoch, 'one store, one epoch');
  assert.deepEqual(started.map(({ session }) => session.id), [first.id, second.id]);
  assert.equal(started[0].request.url, '/?user=a');
});

test('messages both ways: one per frame, batches, binary; ~ping is answered ~pong', async () => {
  const { url, started } = await serve();
  const client = await Client.open(url);
  // A client that reads no batches: the echoes come one per frame.
  await client.hello({ batch: 0 });
  const got = [];
  started[0].session.on('message', (message) => got.push(message));
  echo(started[0].session);
  client.send('mone');
  client.send('b["two","thr\\u00e9e"]');
  client.send(Buffer.from('m\x00\x01'));
  client.send('~ping');
  assert.deepEqual([await client.next(), await client.next(), await client.next()], ['mone', 'mtwo', 'mthrée']);
  assert.deepEqual(await client.next(), Buffer.from('m\x00\x01'));
  assert.equal(await client.next(), '~pong');
  assert.deepEqual(got.slice(0, 3), ['one', 'two', 'thrée']);
  assert.ok(Buffer.isBuffer(got[3]) && got[3].equals(Buffer.from([0, 1])));
});

test('the server acknowledges after 64 messages, and 100 ms after a lone one', async () => {
  const { url } = await serve();
  const client = await Client.open(url);
  await client.hello();
  for (let i = 0; i < 64; i += 1) client.send(`m${i}`);
  assert.equal(await client.next(), '~ack n=64');
  const sent = Date.now();
  client.send('mlast');
  assert.equal(await client.next(), '~ack n=65');
  assert.ok(Date.now() - sent >= 80, 'the delayed ack waited');
});

test('a resume goes on where it stopped: what the client lacks is sent again, kept sends too', async () => {
  const { url, started } = await serve();
  const client = await Client.open(url);
  // A client that reads no batches: every message in a frame of its own.
  const welcome = await client.hello({ batch: 0 });
  const { session } = started[0];
  const got = [];
  session.on('message', (message) => got.push(message));
  client.send('ma');
  client.send('mb');
  await until(() => got.length === 2, 'the client\'s messages');
  for (const text of ['s0', 's1', 's2']) assert.equal(session.send(text), true);
  assert.equal(await client.next(), 'ms0');
  client.terminate();
  await until(() => !session.connected, 'the session to notice');
  assert.equal(session.send('s3'), true, 'kept for the client\'s return');
  const again = await Client.open(url);
  const resumed = await again.resume(welcome, 1, { batch: 0 });
  assert.deepEqual([resumed.id, resumed.resumed, resumed.next], [welcome.id, '1', '2']);
  assert.deepEqual([await again.next(), await again.next(), await again.next()], ['ms1', 'ms2', 'ms3']);
  assert.equal(started.length, 1, 'no new session');
  again.send('~ack n=4');
  await until(() => session.unacknowledged().length === 0, 'the ack');
});

test('to a client that reads batches a turn\'s messages go as one alone, then in batches', async () => {
  const { url, started } = await serve({ window: 1024 * 1024 });
  const client = await Client.open(url);
  const welcome = await client.hello();
  const { session } = started[0];
  session.send('lone');
  assert.equal(await client.next(), 'mlone', 'a lone message goes alone');
  // One turn: the first at once, texts together within the bound, a binary message in its place.
  const large = 'x'.repeat(10_000);
  for (const text of ['a', 'b', large, large, 'c']) session.send(text);
  session.send(Buffer.from([1, 2]));
  session.send('d');
  session.send('e');
  assert.equal(await client.next(), 'ma', 'the first of the turn at once');
  assert.equal(await client.next(), `b${JSON.stringify(['b', large])}`);
  assert.equal(await client.next(), `b${JSON.stringify([large, 'c'])}`, 'no batch past 16 KiB of messages');
  assert.deepEqual(await client.next(), Buffer.from('m\x01\x02'));
  assert.equal(await client.next(), 'b["d","e"]');
  // What a resume sends again goes batched too.
  client.terminate();
  await until(() => !session.connected, 'the session to notice');
  const again = await Client.open(url);
  await again.resume(welcome, 2);
  assert.equal(await again.next(), 'mb');
  assert.equal(await again.next(), `m${large}`, 'a batch of one goes as a message');
  assert.equal(await again.next(), `b${JSON.stringify([large, 'c'])}`);
  assert.deepEqual(await again.next(), Buffer.from('m\x01\x02'));
  assert.equal(await again.next(), 'b["d","e"]');
  // A close in the middle of a turn sends the turn's messages first.
  for (const text of ['f', 'g', 'h']) session.send(text);
  session.disconnect();
  assert.deepEqual([await again.next(), await again.next()], ['mf', 'b["g","h"]']);
  assert.equal((await again.closed).code, 1012);
});

test('a newer connection resuming the session replaces the old one, closed with 1000', async () => {
  const { url, started } = await serve();
  const old = await Client.open(url);
  const welcome = await old.hello();
  const newer = await Client.open(url);
  await newer.resume(welcome, 0);
  assert.deepEqual(await old.closed, { code: 1000, reason: 'the session moved to a newer connection' });
  const { session } = started[0];
  assert.ok(session.connected && !session.ended, 'the old connection\'s close does not end the session');
  echo(session);
  newer.send('mstill');
  assert.equal(await newer.next(), 'mstill');
});

test('a wrong key is refused with 1008 and the session stays for its owner', async () => {
  const { url, started } = await serve();
  const owner = await Client.open(url);
  const welcome = await owner.hello();
  owner.terminate();
  const thief = await Client.open(url);
  thief.send(`~resume v=1 id=${welcome.id} key=${'0'.repeat(32)} epoch=${welcome.epoch} next=0 window=1 batch=0`);
  assert.deepEqual(await thief.closed, { code: 1008, reason: 'resume refused: the key does not match' });
  const back = await Client.open(url);
  assert.equal((await back.resume(welcome, 0)).resumed, '1');
  assert.equal(started.length, 1);
});

test('the resume hook decides with the request and the session id; a refusal is 1008', async () => {
  const asked = [];
  const { url } = await serve({
    async resume(request, id) {
      asked.push(id);
      return request.headers['x-user'] === 'alice';
    },
  });
  const alice = await Client.open(url, { headers: { 'x-user': 'alice' } });
  const welcome = await alice.hello();
  alice.terminate();
  const mallory = await Client.open(url, { headers: { 'x-user': 'mallory' } });
  mallory.send(`~resume v=1 id=${welcome.id} key=${welcome.key} epoch=${welcome.epoch} next=0 window=1 batch=0`);
  assert.deepEqual(await mallory.closed, { code: 1008, reason: 'resume refused by the application' });
  const back = await Client.open(url, { headers: { 'x-user': 'alice' } });
  assert.equal((await back.resume(welcome, 0)).resumed, '1');
  assert.deepEqual(asked, [welcome.id, welcome.id]);
});

test('an unknown session or another store\'s epoch gets a new session (resumed=0)', async () => {
  const { url, started } = await serve();
  const first = await Client.open(url);
  const welcome = await first.hello();
  first.terminate();
  const elsewhere = await Client.open(url);
  const fresh = await elsewhere.resume({ ...welcome, epoch: 'f'.repeat(32) }, 0);
  assert.deepEqual([fresh.resumed, fresh.next], ['0', '0']);
  assert.notEqual(fresh.id, welcome.id);
  const unknown = await Client.open(url);
  assert.equal((await unknown.resume({ ...welcome, id: 'a'.repeat(32) }, 0)).resumed, '0');
  assert.equal(started.length, 3);
});

test('protocol errors close with 1002 and their reason; a resume it cannot serve leaves the session', async () => {
  const { url, started } = await serve();
  const cases = [
    ['mtoo early', 'a control frame must start with ~'],
    ['~hello v=2 window=1 batch=0', 'an unsupported protocol version'],
    ['~ack n=1', 'a connection must start with hello or resume'],
  ];
  for (const [first, reason] of cases) {
    const client = await Client.open(url);
    client.send(first);
    assert.deepEqual(await client.closed, { code: 1002, reason }, first);
  }
  const after = [
    ['xhuh', 'a frame that is not of the session protocol'],
    ['~ack n=5', 'an ack of messages never sent'],
    ['b[1]', 'a batch that is not a JSON array of strings'],
    [Buffer.from('~ping'), 'a binary frame that is not a message'],
    ['~welcome id=a key=b epoch=c next=0 resumed=0 window=1 batch=0', 'a control frame out of turn'],
  ];
  for (const [frame, reason] of after) {
    const client = await Client.open(url);
    await client.hello();
    client.send(frame);
    assert.deepEqual(await client.closed, { code: 1002, reason }, String(frame));
  }
  const client = await Client.open(url);
  const welcome = await client.hello();
  const session = started.at(-1).session;
  session.send('one');
  assert.equal(await client.next(), 'mone');
  client.terminate();
  const beyond = await Client.open(url);
  beyond.send(`~resume v=1 id=${welcome.id} key=${welcome.key} epoch=${welcome.epoch} next=2 window=1 batch=0`);
  assert.deepEqual(await beyond.closed, { code: 1002, reason: 'a resume this session cannot serve' });
  const back = await Client.open(url);
  await back.resume(welcome, 0);
  assert.equal(await back.next(), 'mone', 'the session is as it was');
});

test('a connection that sends nothing is closed with 1008 after the handshake timeout', async () => {
  const { url } = await serve({ handshakeTimeoutMs: 100 });
  const client = await Client.open(url);
  assert.deepEqual(await client.closed, { code: 1008, reason: 'no hello or resume in time' });
});

test('at the session limit a new session is refused with 1013; a resume still goes', async () => {
  const { url } = await serve({ maxSessions: 2 });
  const welcomes = [];
  for (let i = 0; i < 2; i += 1) welcomes.push(await (await Client.open(url)).hello());
  const third = await Client.open(url);
  third.send(HELLO);
  assert.deepEqual(await third.closed, { code: 1013, reason: 'too many sessions: try again later' });
  const back = await Client.open(url);
  assert.equal((await back.resume(welcomes[0], 0)).resumed, '1');
});

test('the client\'s close 1000 ends the session; 4001 leaves it for the client\'s return', async () => {
  const { url, sessions, started } = await serve();
  const leaving = await Client.open(url);
  const welcome = await leaving.hello();
  const { session } = started[0];
  leaving.ws.close(4001);
  await leaving.closed;
  await until(() => !session.connected, 'the disconnect');
  assert.ok(!session.ended);
  const back = await Client.open(url);
  await back.resume(welcome, 0);
  const ended = once(session, 'close');
  back.ws.close(1000);
  assert.deepEqual(await ended, ['client']);
  assert.equal(sessions.get(welcome.id), undefined);
  assert.throws(() => session.send('late'), SessionEndedError);
  const after = await Client.open(url);
  assert.equal((await after.resume(welcome, 0)).resumed, '0', 'a client that comes back starts anew');
});

test('a session without a connection ends after its lifetime', async () => {
  const { url, sessions, started } = await serve({ lifetimeMs: 100 });
  const client = await Client.open(url);
  const welcome = await client.hello();
  const { session } = started[0];
  const begun = Date.now();
  client.terminate();
  assert.deepEqual(await once(session, 'close'), ['expired']);
  assert.ok(Date.now() - begun >= 90);
  assert.equal(sessions.size, 0);
  const back = await Client.open(url);
  assert.equal((await back.resume(welcome, 0)).resumed, '0');
});

test('disconnect() closes the connection (1012) and keeps the session; end() ends it', async () => {
  const { url, started } = await serve();
  const client = await Client.open(url);
  const welcome = await client.hello();
  const { session } = started[0];
  assert.equal(session.disconnect(), true);
  assert.equal((await client.closed).code, 1012);
  assert.equal(session.disconnect(), false, 'no connection now');
  const back = await Client.open(url);
  assert.equal((await back.resume(welcome, 0)).resumed, '1');
  const ended = once(session, 'close');
  session.end(4000, 'bye');
  assert.deepEqual(await back.closed, { code: 4000, reason: 'bye' });
  assert.deepEqual(await ended, ['ended']);
  await assert.rejects(session.sendWhenReady('late'), SessionEndedError);
});

test('a full window refuses send until an ack: then drain, and sendWhenReady goes', async () => {
  const { url, started } = await serve({ window: 10 });
  const client = await Client.open(url);
  await client.hello();
  const { session } = started[0];
  assert.equal(session.send('123456'), true);
  assert.equal(session.send('123456'), false, 'beyond the window');
  const waited = session.sendWhenReady('abcdef');
  const drained = once(session, 'drain');
  assert.equal(await client.next(), 'm123456');
  client.send('~ack n=1');
  await waited;
  assert.equal(await client.next(), 'mabcdef');
  assert.equal(session.send('xyzxyz'), false, 'the queued send took the room');
  client.send('~ack n=2');
  await drained;
  assert.deepEqual(session.unacknowledged(), []);
});

test('a session is an async iterable of its messages', async () => {
  const { url, sessions } = await serve();
  const read = new Promise((resolve) => {
    sessions.once('session', async (session) => {
      const got = [];
      for await (const message of session) got.push(message);
      resolve(got);
    });
  });
  const client = await Client.open(url);
  await client.hello();
  client.send('b["x","y"]');
  client.send('mz');
  await new Promise((resolve) => setTimeout(resolve, 50));
  client.ws.close(1000);
  assert.deepEqual(await read, ['x', 'y', 'z']);
});

test('a burst past both windows still flows: the connection reads the acks behind it', async () => {
  // The client sends 600 KB of 1 KB messages before reading (its window, 1 MB, allows it);
  // the application echoes each with sendWhenReady from an async iterator of 16 at most, so
  // it waits once the server's 100 KB window holds unacknowledged echoes. The acks come
  // behind the burst: a connection that stopped reading for the full iterator would stop
  // both sides.
  const { url, sessions } = await serve({ inboxLimit: 16 });
  sessions.once('session', async (session) => {
    for await (const message of session) await session.sendWhenReady(message);
  });
  const client = await Client.open(url);
  client.send('~hello v=1 window=1048576 batch=0'); // the default maxClientWindow
  assert.match(await client.next(), /^~welcome /);
  const padding = 'x'.repeat(1024);
  const burst = Array.from({ length: 600 }, (_, n) => `${n} ${padding}`);
  for (const message of burst) client.send(`m${message}`);
  const echoed = [];
  while (echoed.length < burst.length) {
    const frame = await client.next(5000);
    if (!frame.startsWith('m')) continue;
    echoed.push(frame.slice(1));
    if (echoed.length % 64 === 0) client.send(`~ack n=${echoed.length}`);
  }
  assert.deepEqual(echoed, burst);
});

test('a client that sends past its window breaks the protocol (1002)', async () => {
  const { url, sessions } = await serve({ inboxLimit: 1 });
  // An iterator that never reads: nothing leaves the first slot of its inbox.
  sessions.once('session', (session) => session[Symbol.asyncIterator]());
  const client = await Client.open(url);
  client.send('~hello v=1 window=2048 batch=0');
  assert.match(await client.next(), /^~welcome /);
  const padding = 'x'.repeat(1024);
  for (let n = 0; n < 5; n += 1) client.send(`m${padding}`);
  const closed = await client.closed;
  assert.equal(closed.code, 1002);
  assert.match(closed.reason, /past its window/);
});

test('a window larger than the server takes is refused at the handshake (1002)', async () => {
  const { url } = await serve({ maxClientWindow: 4096 });
  const client = await Client.open(url);
  client.send('~hello v=1 window=4097 batch=0');
  const closed = await client.closed;
  assert.equal(closed.code, 1002);
  assert.equal(closed.reason, 'a window larger than the server takes');
});

/** A socket's wrapper of WsWebSocket's shape: records the frames both ways, and what it was told to do. */
class RecordingWire extends EventEmitter {
  received = [];
  sent = [];
  /** What the server sent while `silenced`, which went nowhere. */
  withheld = [];
  silenced = false;
  calls = [];

  constructor(ws) {
    super();
    this.ws = ws;
    ws.on('message', (data, binary) => {
      this.received.push(binary ? Buffer.from(data) : data.toString());
      this.emit('message', data, binary);
    });
    ws.on('close', (code, reason) => this.emit('close', code, reason));
    ws.on('error', (error) => this.emit('error', error));
  }

  get protocol() { return this.ws.protocol; }
  get readyState() { return this.ws.readyState; }
  set binaryType(type) { this.ws.binaryType = type; }

  send(data, options) {
    (this.silenced ? this.withheld : this.sent).push(data);
    if (!this.silenced) this.ws.send(data, options);
  }

  close(code, reason) {
    this.calls.push(['close', code, reason]);
    this.ws.close(code, reason);
  }

  terminate() {
    this.calls.push(['terminate']);
    this.ws.terminate();
  }
}

test('handle() takes a wrapper of the socket: every frame both ways goes through it, which may withhold them', async () => {
  const wires = [];
  const { url, started } = await serve({}, {
    wrap: (ws) => {
      const wire = new RecordingWire(ws);
      wires.push(wire);
      return wire;
    },
  });
  const client = await Client.open(url);
  const welcome = await client.hello();
  const { session } = started[0];
  echo(session);
  client.send('mhi');
  assert.equal(await client.next(), 'mhi');
  assert.equal(await client.next(), '~ack n=1');
  const [wire] = wires;
  assert.deepEqual(wire.received, [HELLO, 'mhi']);
  assert.match(wire.sent[0], /^~welcome /);
  assert.deepEqual(wire.sent.slice(1), ['mhi', '~ack n=1']);

  wire.silenced = true;
  client.send('~ping');
  await assert.rejects(client.next(300), /no frame in time/);
  assert.deepEqual(wire.withheld, ['~pong']);

  assert.equal(session.terminate(), true);
  assert.equal((await client.closed).code, 1006);
  assert.deepEqual(wire.calls, [['terminate']]);
  const back = await Client.open(url);
  assert.equal((await back.resume(welcome, 1)).resumed, '1');
  assert.equal(session.disconnect(4000, 'bye'), true);
  assert.deepEqual(await back.closed, { code: 4000, reason: 'bye' });
  assert.deepEqual(wires[1].calls, [['close', 4000, 'bye']]);
  assert.ok(!session.ended, 'the session outlived both connections');
});
