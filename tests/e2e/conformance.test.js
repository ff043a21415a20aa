// Where the two faces once disagreed, both faces (the JS face's ReSocket and the Rust face
// through tests/rust-face/) now behave alike, because the core decides and the drivers report:
// - the page comes back from the back/forward cache while the network flag changed with no
//   event (cached while offline, shown while online): the socket connects at once;
// - `reconnect()` reads `navigator.onLine` as it is: a flag that turned false with no event is
//   reported (`offline`), and the attempt is made all the same (a reconnect by hand tries);
// - with `resendRequests`, a request the browser never transmitted before the connection died
//   (it sat behind 16 MB sent to a server that stopped reading) goes out again once, with the
//   unsent tail, and is answered: it is not queued a second time as a lost request.
// The other request divergences (a second answer, a requeued request failing with
// CONNECTION_LOST, a request pushed out by drop-oldest) are tested on both faces in
// request.test.js.
// `navigator.onLine` is replaced in the page by a getter the test sets, so the flag can change
// without the browser's `online` / `offline` events.

import assert from 'node:assert/strict';
import { FACES } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { PAGE_ONLY } from './support/node-host.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const FAST = { minReconnectionDelay: 50, maxReconnectionDelay: 100, jitter: 0 };
const NETWORK_EVENTS = ['open', 'close', 'offline', 'online'];

/** In the page: `navigator.onLine` under the test's control; returns its setter. */
const FAKE_ONLINE = `(() => {
  let online = true;
  Object.defineProperty(Navigator.prototype, 'onLine', { get: () => online, configurable: true });
  return (value) => { online = value; };
})()`;

/** In the page: how a request settled, as plain data. */
const SETTLED = `(promise) => promise.then(
  (value) => ({ ok: true, value }),
  (error) => ({ ok: false, code: error?.code }),
)`;

for (const [face, faceName] of FACES) {
  suite.test(`${faceName} face: shown from the back/forward cache while the network came back without an event, it connects at once`, async (page) => {
    const result = await page.run(async ({ face, fast, fakeOnline }) => {
      const setOnline = eval(fakeOnline);
      const transition = (type) => window.dispatchEvent(new PageTransitionEvent(type, { persisted: true }));
      const socket = await h.open(face, h.url('/echo'), fast);
      const log = h.record(socket, ['open', 'close', 'offline', 'online']);
      await log.until((l) => l.count('open') === 1, 'open');
      setOnline(false);
      window.dispatchEvent(new Event('offline'));
      transition('pagehide');
      await log.until((l) => l.count('close') === 1, 'the close on pagehide');
      const cached = socket.state;
      // Back online while cached: no `online` event reaches the page.
      setOnline(true);
      transition('pageshow');
      await log.until((l) => l.count('open') === 2, 'the open after pageshow');
      const shown = socket.state;
      socket.close();
      return { cached, shown, lines: log.lines() };
    }, { face, fast: FAST, fakeOnline: FAKE_ONLINE });
    assert.equal(result.cached, 'suspended');
    assert.equal(result.shown, 'open');
    assert.deepEqual(result.lines, [
      'open',
      'offline',
      'close 1001 "going away" wasClean=false willReconnect=true',
      'online',
      'open',
    ]);
  }, { browserOnly: PAGE_ONLY });

  suite.test(`${faceName} face: reconnect() reads navigator.onLine, reports a change and tries all the same`, async (page) => {
    const result = await page.run(async ({ face, fast, fakeOnline }) => {
      const setOnline = eval(fakeOnline);
      const socket = await h.open(face, h.url('/echo'), fast);
      const log = h.record(socket, ['open', 'close', 'offline', 'online']);
      await log.until((l) => l.count('open') === 1, 'open');
      setOnline(false);
      socket.reconnect();
      await log.until((l) => l.count('open') === 2, 'the open after reconnect()');
      const state = socket.state;
      setOnline(true);
      window.dispatchEvent(new Event('online'));
      socket.close();
      return { state, lines: log.lines() };
    }, { face, fast: FAST, fakeOnline: FAKE_ONLINE });
    assert.equal(result.state, 'open');
    assert.deepEqual(result.lines.slice(0, 4), [
      'open',
      'offline',
      'close 1000 "" wasClean=false willReconnect=true',
      'open',
    ]);
  }, { browserOnly: PAGE_ONLY });

  suite.test(`${faceName} face: with resendRequests, a request never transmitted before the connection died reaches the server once`, async (page) => {
    const client = `unsent-${face}-${Date.now()}`;
    await page.run(async ({ face, fast, client }) => {
      const options = { ...fast, format: 'json', maxEnqueuedMessages: 100_000, resendRequests: true };
      const socket = await h.open(face, h.url('/rpc', { client }), options);
      const log = h.record(socket, ['open', 'close']);
      await log.until((l) => l.count('open') === 1, 'open');
      window.unsent = { socket, log };
    }, { face, fast: FAST, client });
    await suite.server.control(`client=${client}&action=stall`);
    await page.run(async ({ settledSource }) => {
      const settled = eval(settledSource);
      const { socket } = window.unsent;
      // 16 MB ahead of the request: more than the loopback TCP buffers hold, so the request
      // waits in the browser's buffer.
      const padding = 'x'.repeat(16 * 1024);
      for (let i = 0; i < 1000; i += 1) socket.send({ id: 'padding', method: 'none', params: padding });
      window.unsent.answer = settled(socket.request({ method: 'add', params: [20, 22] }, { timeoutMs: 15_000 }));
      await h.sleep(1000);
    }, { settledSource: SETTLED });
    await suite.server.control(`client=${client}&action=drop`);
    const result = await page.run(async () => {
      const { socket, log, answer } = window.unsent;
      const settledAnswer = await answer;
      await log.until((l) => l.count('open') === 2, 'the second open');
      socket.close();
      const close = log.find((entry) => entry.type === 'close');
      return { answer: settledAnswer, firstClose: close.line };
    });
    assert.deepEqual(result.answer, { ok: true, value: 42 });
    assert.equal(result.firstClose, 'close 1006 "" wasClean=false willReconnect=true');
    const adds = (await suite.server.received(client))
      .filter((text) => text.includes('"add"'))
      .map((text) => JSON.parse(text));
    assert.deepEqual(adds, [{ method: 'add', params: [20, 22], id: 1 }], 'the request reached the server once');
  }, { timeout: 60_000 });
}
