// Events and close semantics, for the JS and the Rust face (`h.open(face, url, options)`,
// pages/faces.js), in Chromium against the test server:
// - the order and fields of open, message, close and reconnecting across a server close,
//   a reconnect and a user close (code, reason, wasClean, willReconnect, attempt, delayMs)
// - a dropped connection (no close frame) reports 1006, not clean, and reconnects
// - reconnect delays grow by reconnectionDelayGrowFactor and stop at maxReconnectionDelay
// - close() twice gives one close event, no reconnect follows, a send afterwards is refused
//   (CLOSED)
// - close(code, reason) reaches the server in the close frame
// - close() during the wait between attempts cancels the next attempt
// These run on both faces. On the JS face only, as the Rust API has no counterpart (its events
// are one `Stream`, which faces.js turns into an EventTarget, so there the test would check the
// test's own glue):
// - the error a send after close() throws is a ReSocketError (the Rust face returns
//   `Err(Error::Closed)`, which faces.js reports as 'closed' on both faces)
// - onopen / onmessage / onclose / onreconnecting and addEventListener listeners survive
//   reconnects; a listener added twice fires once; object listeners with handleEvent work;
//   removeEventListener and on* = null stop delivery
// - `for await (const data of socket)` yields messages across a reconnect and ends on close()
//   (the Rust `Receiver` is a Stream that ends when the socket is dropped, not on close())

import assert from 'node:assert/strict';
import { FACES } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const FAST = { minReconnectionDelay: 50, maxReconnectionDelay: 1000, jitter: 0 };

for (const [face, faceName] of FACES) {
  suite.test(`${faceName} face: open, message, server close, reconnecting, open, user close: in order, with their fields`, async (page) => {
    const lines = await page.run(async ({ face, fast }) => {
      const url = h.url('/echo', { client: h.client('order'), close_after: 1, code: 4001, reason: 'bye' });
      const socket = await h.open(face, url, fast);
      const log = h.record(socket);
      socket.addEventListener('open', () => { if (log.count('open') === 1) socket.send('hi'); });
      await log.until((l) => l.count('open') === 2, 'the second open');
      socket.close();
      await log.until((l) => l.count('close') === 2, 'the close after close()');
      await h.sleep(200);
      return log.lines();
    }, { face, fast: FAST });
    assert.deepEqual(lines, [
      'open',
      'message "hi"',
      'close 4001 "bye" wasClean=true willReconnect=true',
      'reconnecting attempt=1 delayMs=50',
      'open',
      'close 1000 "" wasClean=true willReconnect=false',
    ]);
  });

  suite.test(`${faceName} face: a connection dropped without a close frame closes with 1006, not clean, and reconnects`, async (page) => {
    const lines = await page.run(async ({ face, fast }) => {
      const socket = await h.open(face, h.url('/echo', { client: h.client('drop'), drop_after: 1 }), fast);
      const log = h.record(socket);
      let opens = 0;
      socket.addEventListener('open', () => { opens += 1; if (opens === 1) socket.send('x'); });
      await log.until((l) => l.count('open') === 2, 'the reconnect');
      socket.close();
      return log.lines().filter((line) => !line.startsWith('error'));
    }, { face, fast: FAST });
    assert.deepEqual(lines.slice(0, 5), [
      'open',
      'message "x"',
      'close 1006 "" wasClean=false willReconnect=true',
      'reconnecting attempt=1 delayMs=50',
      'open',
    ]);
  });

  suite.test(`${faceName} face: retry delays grow by the grow factor and are capped by maxReconnectionDelay`, async (page) => {
    const reconnecting = await page.run(async (face) => {
      const socket = await h.open(face, h.url('/echo', { client: h.client('backoff'), drop_after: 1 }), {
        minReconnectionDelay: 40,
        maxReconnectionDelay: 100,
        reconnectionDelayGrowFactor: 2,
        jitter: 0,
      });
      const log = h.record(socket);
      // Each connection is dropped after one message; minUptime (5 s) is never reached, so the
      // retry count keeps growing.
      socket.addEventListener('open', () => socket.send('x'));
      await log.until((l) => l.count('reconnecting') === 4, 'four retries');
      socket.close();
      return log.filter((e) => e.type === 'reconnecting').map((e) => [e.attempt, e.delayMs]);
    }, face);
    assert.deepEqual(reconnecting, [[1, 40], [2, 80], [3, 100], [4, 100]]);
  });

  suite.test(`${faceName} face: close() twice gives one close event; nothing reconnects; a send afterwards is refused (CLOSED)`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('close-twice');
      const socket = await h.open(face, h.url('/echo', { client }), fast);
      const log = h.record(socket);
      await log.until((l) => l.count('open') === 1, 'open');
      socket.close();
      socket.close();
      await log.until((l) => l.count('close') === 1, 'the close event');
      socket.close();
      await h.sleep(400);
      const sent = socket.send('late');
      // The JS face's send throws: its error class is the JS face's own.
      let sendError;
      if (face === 'js') {
        try {
          socket.socket.send('late');
        } catch (error) {
          sendError = { name: error.name, code: error.code, isReSocketError: error instanceof resocket.ReSocketError };
        }
      }
      return {
        lines: log.lines(),
        readyState: socket.readyState,
        sent,
        sendError,
        stats: await h.clientStats(client),
      };
    }, { face, fast: FAST });
    assert.deepEqual(result.lines, ['open', 'close 1000 "" wasClean=true willReconnect=false']);
    assert.equal(result.readyState, 3);
    assert.equal(result.sent, 'closed');
    if (face === 'js') {
      assert.deepEqual(result.sendError, { name: 'ReSocketError', code: 'CLOSED', isReSocketError: true });
    }
    assert.equal(result.stats.total, 1, 'one connection in all');
    assert.equal(result.stats.open, 0);
  });

  suite.test(`${faceName} face: close(code, reason) sends them in the close frame to the server`, async (page) => {
    const client = await page.run(async ({ face, fast }) => {
      const client = h.client('close-frame');
      const socket = await h.open(face, h.url('/echo', { client }), fast);
      const log = h.record(socket);
      await log.until((l) => l.count('open') === 1, 'open');
      socket.close(4321, 'done here');
      await log.until((l) => l.count('close') === 1, 'the close event');
      const close = log.find((e) => e.type === 'close');
      if (close.code !== 4321 || close.reason !== 'done here' || close.willReconnect !== false) {
        throw new Error(`unexpected close event: ${close.line}`);
      }
      return client;
    }, { face, fast: FAST });
    let closings = [];
    for (let i = 0; i < 100 && closings.length === 0; i++) {
      closings = suite.server.closings(client);
      if (closings.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(closings, ['client closed with 4321 "done here"']);
  });

  suite.test(`${faceName} face: close() during the wait between attempts cancels the next attempt`, async (page) => {
    const result = await page.run(async (face) => {
      const client = h.client('close-in-backoff');
      const socket = await h.open(face, h.url('/echo', { client, drop_after: 1 }), {
        minReconnectionDelay: 300,
        jitter: 0,
      });
      const log = h.record(socket);
      socket.addEventListener('open', () => socket.send('x'));
      await log.until((l) => l.count('reconnecting') === 1, 'the scheduled retry');
      const stateWhileWaiting = socket.readyState;
      socket.close();
      await h.sleep(600);
      return {
        stateWhileWaiting,
        readyState: socket.readyState,
        opens: log.count('open'),
        reconnecting: log.count('reconnecting'),
        closesAfter: log.slice(log.findIndex((e) => e.type === 'reconnecting') + 1)
          .filter((e) => e.type === 'close').map((e) => e.willReconnect),
        stats: await h.clientStats(client),
      };
    }, face);
    assert.equal(result.stateWhileWaiting, 0, 'CONNECTING while the next attempt is scheduled');
    assert.equal(result.readyState, 3);
    assert.equal(result.opens, 1);
    assert.equal(result.reconnecting, 1);
    assert.ok(result.closesAfter.length <= 1, 'at most one close event for close()');
    assert.ok(result.closesAfter.every((willReconnect) => willReconnect === false));
    assert.equal(result.stats.total, 1, 'the server saw one connection');
  });
}

// The JS face only: see the header.

suite.test('JS face: on* handlers and listeners survive reconnects; duplicates fire once; handleEvent objects work', async (page) => {
  const counts = await page.run(async (fast) => {
    const socket = new ReSocket(h.url('/echo', { client: h.client('handlers'), drop_after: 1 }), null, fast);
    const counts = {
      onopen: 0, onmessage: 0, onclose: 0, onreconnecting: 0,
      listener: 0, duplicate: 0, object: 0, replacedHandler: 0, thisIsSocket: true,
    };
    socket.onmessage = () => { counts.replacedHandler += 1; };
    socket.onmessage = function onmessage() {
      counts.onmessage += 1;
      if (this !== socket) counts.thisIsSocket = false;
    };
    // The first two connections echo one message and are dropped; the third stays open.
    socket.onopen = () => { counts.onopen += 1; if (counts.onopen < 3) socket.send('x'); };
    socket.onclose = () => { counts.onclose += 1; };
    socket.onreconnecting = () => { counts.onreconnecting += 1; };
    socket.addEventListener('message', () => { counts.listener += 1; });
    const duplicate = () => { counts.duplicate += 1; };
    socket.addEventListener('message', duplicate);
    socket.addEventListener('message', duplicate);
    socket.addEventListener('message', { handleEvent(event) { if (event.type === 'message') counts.object += 1; } });
    await h.waitFor(() => counts.onopen === 3, 'the third connection', { context: () => counts });
    socket.close();
    await h.waitFor(() => counts.onclose === 3, 'the close event of close()', { context: () => counts });
    return counts;
  }, FAST);
  assert.deepEqual(counts, {
    onopen: 3,
    onmessage: 2,
    onclose: 3,
    onreconnecting: 2,
    listener: 2,
    duplicate: 2,
    object: 2,
    replacedHandler: 0,
    thisIsSocket: true,
  });
});

suite.test('JS face: removeEventListener and on* = null stop delivery', async (page) => {
  const counts = await page.run(async (fast) => {
    const socket = new ReSocket(h.url('/echo', { client: h.client('remove') }), null, fast);
    const counts = { removed: 0, nulled: 0, kept: 0 };
    const removed = () => { counts.removed += 1; };
    socket.addEventListener('message', removed);
    socket.removeEventListener('message', removed);
    socket.onmessage = () => { counts.nulled += 1; };
    socket.onmessage = null;
    socket.addEventListener('message', () => { counts.kept += 1; });
    socket.onopen = () => socket.send('x');
    await h.waitFor(() => counts.kept === 1, 'the echo');
    const handler = socket.onmessage;
    socket.close();
    return { ...counts, handlerIsNull: handler === null };
  }, FAST);
  assert.deepEqual(counts, { removed: 0, nulled: 0, kept: 1, handlerIsNull: true });
});

suite.test('JS face: for await yields each message, across a reconnect, and ends after close()', async (page) => {
  const result = await page.run(async (fast) => {
    const socket = new ReSocket(h.url('/echo', { client: h.client('iterate'), drop_after: 1 }), null, fast);
    let opens = 0;
    socket.onopen = () => { opens += 1; socket.send(`message ${opens}`); };
    const seen = [];
    const loop = (async () => {
      for await (const data of socket) {
        seen.push(data);
        if (seen.length === 2) socket.close();
      }
      return 'ended';
    })();
    const outcome = await Promise.race([loop, h.sleep(3000).then(() => 'still iterating after 3 s')]);
    return { outcome, seen, opens };
  }, FAST);
  assert.equal(result.outcome, 'ended');
  assert.deepEqual(result.seen, ['message 1', 'message 2']);
  assert.equal(result.opens, 2);
});
