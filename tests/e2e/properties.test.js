// The WebSocket-like properties of ReSocket; readyState, retryCount and rttMs on both faces
// (`h.open(face, ...)`, pages/faces.js; the Rust face's `Sender::state`, `retry_count`, `rtt`),
// the rest on the JS face, as the Rust API has no counterpart (constants, url, protocol
// strings, bufferedAmount):
// - CONNECTING/OPEN/CLOSING/CLOSED on the class and on instances
// - readyState through connecting, open, closing and closed, and while waiting to retry
// - url: "" before any socket, then the URL as the browser normalised it (an http: URL too)
// - protocol "" when none was offered; extensions a string
// - bufferedAmount counts the queued messages' bytes; queuedCount counts them
// - retryCount grows with retries and resets after minUptime
// - rttMs is undefined until a heartbeat pong arrives, then a small number; pongs are not
//   delivered as messages

import assert from 'node:assert/strict';
import { FACES } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const FAST = { minReconnectionDelay: 50, jitter: 0 };

suite.test('state constants on the class and on instances', async (page) => {
  const result = await page.run(async () => {
    const socket = new ReSocket(h.url('/echo', { client: h.client('constants') }), null, { startClosed: true });
    const names = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
    return {
      onClass: names.map((name) => ReSocket[name]),
      onInstance: names.map((name) => socket[name]),
      isEventTarget: socket instanceof EventTarget,
      defaultExport: resocket.default === ReSocket,
    };
  });
  assert.deepEqual(result.onClass, [0, 1, 2, 3]);
  assert.deepEqual(result.onInstance, [0, 1, 2, 3]);
  assert.equal(result.isEventTarget, true);
  assert.equal(result.defaultExport, true);
});

suite.test('url is "" before any socket, then the normalised URL; protocol and extensions', async (page) => {
  const result = await page.run(async (fast) => {
    const client = h.client('url');
    const messy = `${h.ws}/echo/../echo?client=${client}`;
    const lazy = new ReSocket(messy, null, { ...fast, startClosed: true });
    const before = lazy.url;
    lazy.reconnect();
    const log = h.record(lazy);
    await log.until((l) => l.count('open') === 1, 'open');
    const opened = { url: lazy.url, protocol: lazy.protocol, extensions: typeof lazy.extensions };
    lazy.close();

    const httpUrl = `${h.http}/echo?client=${client}-http`;
    const viaHttp = new ReSocket(httpUrl, null, fast);
    const httpLog = h.record(viaHttp);
    await httpLog.until((l) => l.count('open') === 1, 'open over an http: URL');
    const httpOpened = viaHttp.url;
    viaHttp.close();
    return { before, opened, expected: `${h.ws}/echo?client=${client}`, httpOpened, httpExpected: `${h.ws}/echo?client=${client}-http` };
  }, FAST);
  assert.equal(result.before, '');
  assert.equal(result.opened.url, result.expected);
  assert.equal(result.opened.protocol, '');
  assert.equal(result.opened.extensions, 'string');
  assert.equal(result.httpOpened, result.httpExpected, 'http: becomes ws: as in WebSocket');
});

suite.test('bufferedAmount and queuedCount count what waits for the connection', async (page) => {
  const result = await page.run(async (fast) => {
    const socket = new ReSocket(h.url('/echo', { client: h.client('buffered') }), null, { ...fast, startClosed: true });
    const log = h.record(socket, ['message']);
    const empty = { buffered: socket.bufferedAmount, queued: socket.queuedCount };
    socket.send('abc');
    socket.send('de');
    const text = { buffered: socket.bufferedAmount, queued: socket.queuedCount };
    socket.send(new Uint8Array(10));
    const binary = { buffered: socket.bufferedAmount, queued: socket.queuedCount };
    socket.binaryType = 'arraybuffer';
    socket.reconnect();
    await log.until((l) => l.length === 3, 'three echoes');
    const flushed = { buffered: socket.bufferedAmount, queued: socket.queuedCount };
    socket.close();
    return { empty, text, binary, flushed };
  }, FAST);
  assert.deepEqual(result.empty, { buffered: 0, queued: 0 });
  assert.deepEqual(result.text, { buffered: 5, queued: 2 });
  assert.deepEqual(result.binary, { buffered: 15, queued: 3 });
  assert.deepEqual(result.flushed, { buffered: 0, queued: 0 });
});

// The figures both faces report, on each.
for (const [face, faceName] of FACES) {
  suite.test(`${faceName} face: readyState: CONNECTING, OPEN, CLOSING, CLOSED, and CONNECTING while waiting to retry`, async (page) => {
    const states = await page.run(async (face) => {
      const socket = await h.open(face, h.url('/echo', { client: h.client('ready-state'), drop_after: 1 }), {
        minReconnectionDelay: 300,
        jitter: 0,
      });
      const log = h.record(socket);
      const states = { constructed: socket.readyState };
      socket.addEventListener('open', () => { states.inOpen ??= socket.readyState; });
      socket.addEventListener('close', (event) => { if (!event.willReconnect) states.inFinalClose = socket.readyState; });
      await log.until((l) => l.count('open') === 1, 'open');
      socket.send('x');
      await log.until((l) => l.count('reconnecting') === 1, 'the scheduled retry');
      states.waitingToRetry = socket.readyState;
      await log.until((l) => l.count('open') === 2, 'the second open');
      states.reopened = socket.readyState;
      socket.close();
      states.afterClose = socket.readyState;
      await log.until((l) => l.count('close') === 2, 'the final close');
      states.closed = socket.readyState;
      return states;
    }, face);
    assert.deepEqual(states, {
      constructed: 0,
      inOpen: 1,
      waitingToRetry: 0,
      reopened: 1,
      afterClose: 2,
      inFinalClose: 3,
      closed: 3,
    });
  });

  suite.test(`${faceName} face: retryCount grows with each retry and resets once a connection lasts minUptime`, async (page) => {
    const result = await page.run(async (face) => {
      const client = h.client('retry-count');
      // Connections that receive a message are dropped; the socket decides when to send.
      const socket = await h.open(face, h.url('/echo', { client, drop_after: 1 }), {
        minReconnectionDelay: 50,
        jitter: 0,
        minUptime: 400,
      });
      const log = h.record(socket);
      const counts = { initial: socket.retryCount };
      await log.until((l) => l.count('open') === 1, 'open');
      socket.send('drop me');
      await log.until((l) => l.count('open') === 2, 'the first retry');
      counts.afterOneRetry = socket.retryCount;
      socket.send('drop me');
      await log.until((l) => l.count('open') === 3, 'the second retry');
      counts.afterTwoRetries = socket.retryCount;
      await h.sleep(600);
      counts.afterMinUptime = socket.retryCount;
      socket.send('drop me');
      await log.until((l) => l.count('reconnecting') === 3, 'the retry after a long connection');
      counts.attemptAfterReset = log.filter((e) => e.type === 'reconnecting').at(-1).attempt;
      socket.close();
      return counts;
    }, face);
    assert.deepEqual(result, {
      initial: 0,
      afterOneRetry: 1,
      afterTwoRetries: 2,
      afterMinUptime: 0,
      attemptAfterReset: 1,
    });
  });

  suite.test(`${faceName} face: rttMs is set by heartbeat pongs, which are not delivered as messages`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('rtt');
      const plain = await h.open(face, h.url('/echo', { client: `${client}-plain` }), fast);
      const plainLog = h.record(plain);
      await plainLog.until((l) => l.count('open') === 1, 'open');
      await h.sleep(200);
      const withoutHeartbeat = plain.rttMs;
      plain.close();

      const socket = await h.open(face, h.url('/echo', { client }), {
        ...fast,
        heartbeat: { intervalMs: 50, timeoutMs: 1000 },
      });
      const log = h.record(socket);
      const beforeOpen = socket.rttMs;
      await h.waitFor(() => socket.rttMs !== undefined, 'a round-trip time', { ms: 3000 });
      const rtt = socket.rttMs;
      await h.sleep(200);
      socket.close();
      return {
        withoutHeartbeat, beforeOpen, rtt,
        messages: log.filter((e) => e.type === 'message').map((e) => e.data),
        received: await h.received(client),
      };
    }, { face, fast: FAST });
    assert.equal(result.withoutHeartbeat, undefined);
    assert.equal(result.beforeOpen, undefined);
    assert.equal(typeof result.rtt, 'number');
    assert.ok(Number.isFinite(result.rtt) && result.rtt >= 0 && result.rtt < 1000, `rttMs ${result.rtt}`);
    assert.deepEqual(result.messages, [], 'pongs are not messages');
    assert.ok(result.received.length >= 1 && result.received.every((text) => text === 'ping'), JSON.stringify(result.received));
  });
}
