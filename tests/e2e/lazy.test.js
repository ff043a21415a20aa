// Lazy connection and idle close (`lazy`, `idleCloseMs`; the Rust face's `Config::lazy` and
// `Config::idle_close`), for the JS and the Rust face (`h.open(face, url, options)`,
// pages/faces.js: with these options the Rust face listens, polling its event stream, only
// while a "message" listener is added), judged by `state` and the server's records:
// - lazy: the socket rests in "idle" and nothing connects (the server saw no connection)
//   until the first send, which connects and is delivered
// - lazy: adding a "message" listener connects (the JS face's listener, the Rust face's
//   polled event stream)
// - idleCloseMs: a connection with nothing to send, answer or listen for closes cleanly after
//   the wait and the socket rests in "idle"; the next send connects again and is delivered
// - idleCloseMs: a "message" listener holds the connection open; once it is removed (the Rust
//   face drops its event stream), the connection closes after the wait

import assert from 'node:assert/strict';
import { FACES } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const FAST = { minReconnectionDelay: 50, maxReconnectionDelay: 100, jitter: 0 };

for (const [face, faceName] of FACES) {

  suite.test(`${faceName} face: a lazy socket stays idle and unconnected until the first send`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('lazy-send');
      const socket = await h.open(face, h.url('/echo', { client }), { ...fast, lazy: true });
      await h.sleep(300);
      const stateBefore = socket.state;
      const statsBefore = await h.clientStats(client);
      const returned = socket.send('hello');
      await h.waitFor(() => socket.state === 'open', 'the open');
      await h.receivedOnceCounted(client, 1);
      const received = await h.received(client);
      const stats = await h.clientStatsOnceCounted(client, 1);
      socket.close();
      return { stateBefore, statsBefore, returned, received, stats };
    }, { face, fast: FAST });
    assert.equal(result.stateBefore, 'idle');
    assert.equal(result.statsBefore, undefined, 'no connection before the send');
    assert.equal(result.returned, 'queued');
    assert.deepEqual(result.received, ['hello']);
    assert.equal(result.stats.total, 1);
  });

  suite.test(`${faceName} face: adding a message listener connects a lazy socket`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('lazy-listen');
      const socket = await h.open(face, h.url('/echo', { client }), { ...fast, lazy: true });
      await h.sleep(200);
      const stateBefore = socket.state;
      const messages = [];
      socket.addEventListener('message', (event) => messages.push(event.data));
      await h.waitFor(() => socket.state === 'open', 'the open');
      socket.send('echo me');
      await h.waitFor(() => messages.length === 1, 'the echo');
      socket.close();
      return { stateBefore, messages };
    }, { face, fast: FAST });
    assert.equal(result.stateBefore, 'idle');
    assert.deepEqual(result.messages, ['echo me']);
  });

  suite.test(`${faceName} face: an idle connection closes cleanly after idleCloseMs and the next send reconnects`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('idle-close');
      const socket = await h.open(face, h.url('/echo', { client }), { ...fast, idleCloseMs: 300 });
      await h.waitFor(() => socket.state === 'open', 'the open');
      const opened = performance.now();
      socket.send('first');
      await h.waitFor(() => socket.state === 'idle', 'the idle close', { ms: 3000 });
      const idleAfterMs = performance.now() - opened;
      const statsIdle = await h.clientStats(client);
      await h.sleep(300);
      const stillIdle = socket.state;
      socket.send('second');
      await h.waitFor(() => socket.state === 'open', 'the reconnect');
      await h.receivedOnceCounted(client, 2);
      const received = await h.received(client);
      const stats = await h.clientStatsOnceCounted(client, 2);
      socket.close();
      return { idleAfterMs, statsIdle, stillIdle, received, stats };
    }, { face, fast: FAST });
    // A send starts the wait over when the timer comes: between one and two waits.
    assert.ok(result.idleAfterMs >= 280 && result.idleAfterMs < 1500, `idle after ${result.idleAfterMs} ms`);
    assert.equal(result.statsIdle.open, 0, 'the server saw the connection close');
    assert.equal(result.stillIdle, 'idle', 'no reconnect while nothing is wanted');
    assert.deepEqual(result.received, ['first', 'second']);
    assert.equal(result.stats.total, 2);
  });

  suite.test(`${faceName} face: a message listener holds an idle connection open until it is removed`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('idle-listen');
      const socket = await h.open(face, h.url('/echo', { client }), { ...fast, idleCloseMs: 200 });
      const listener = () => {};
      socket.addEventListener('message', listener);
      await h.waitFor(() => socket.state === 'open', 'the open');
      await h.sleep(600);
      const whileListening = socket.state;
      socket.removeEventListener('message', listener);
      await h.waitFor(() => socket.state === 'idle', 'the idle close', { ms: 3000 });
      const stats = await h.clientStats(client);
      socket.close();
      return { whileListening, stats };
    }, { face, fast: FAST });
    assert.equal(result.whileListening, 'open');
    assert.equal(result.stats.total, 1);
  });
}
