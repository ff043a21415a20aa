// Nothing lost, with the server's records as the judge, for the JS and the Rust face
// (`h.open(face, ...)`, pages/faces.js):
// - the unsent tail of a dead socket: the server stops reading (`/control?action=stall`) while
//   the page sends megabytes, so they pile up in the browser's buffer; the server then drops
//   the connection. The close event's `requeued` messages go out again on the next connection
//   and arrive exactly once, in order; only the `unconfirmed` ones may be missing;
// - chaos: numbered messages flow for a bounded time while the server randomly drops, closes,
//   restarts, stalls-then-drops and silences the client. At the end every message the page
//   accepted arrived exactly once and in order, except messages the library itself reported
//   `unconfirmed` on a connection that died (counted); the server never saw two live sockets
//   of the client at once.
//
// The page keeps its own model of where each message went, from `send`'s return value and the
// events: per connection, the messages handed to it (the requeued tail of the previous one,
// then those queued while disconnected, then those sent while open). When a connection closes
// with `requeued: r, unconfirmed: u`, its last r messages carry over to the next connection
// and the u before them are of unknown fate; everything older was confirmed by a pong and must
// have arrived.

import assert from 'node:assert/strict';
import { FACES } from './support/backoff.js';
import { runFaults } from './support/chaos.js';
import { rustFaceDir } from './support/paths.js';
import { UNSENT_UNKNOWN } from './support/node-host.js';
import { e2eSuite } from './support/suite.js';
import { LONG, reporter } from './support/report.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const report = reporter(import.meta.url);

const control = (query) => suite.server.control(query);

/**
 * In the page: a socket of `face` on `/echo` for `client` that records where every message
 * went (see the file comment) in `window.ledger`.
 */
async function startLedger({ face, options, client }) {
  // Every browser socket's bufferedAmount when it closed, read before the library hears of
  // the close (this listener is added first): what the browser never transmitted. Both faces
  // create their sockets with the page's `WebSocket`, so the latest one is `ledger.native`.
  const finalBuffered = [];
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      window.ledger.native = this;
      this.addEventListener('close', () => finalBuffered.push(this.bufferedAmount));
    }
  };
  const ledger = {
    native: null,
    sizes: new Map(),
    requeueChecks: [],
    socket: null,
    next: 0,
    connections: [],
    current: null,
    queued: [],
    early: [],
    carry: [],
    unknown: [],
    requeued: 0,
    unconfirmed: 0,
    closes: 0,
    errors: [],
  };
  window.ledger = ledger;
  const socket = await h.open(face, h.url('/echo', { client }), options, {
    // Listening before any event can come: the model needs every open and close.
    listen,
  });
  ledger.socket = socket;
  function listen(socket) {
    socket.addEventListener('open', () => {
      ledger.current = [...ledger.carry, ...ledger.queued, ...ledger.early];
      ledger.carry = [];
      ledger.queued = [];
      ledger.early = [];
      ledger.connections.push(ledger.current);
    });
    socket.addEventListener('close', (event) => {
      ledger.closes += 1;
      if (ledger.current === null) return;
      const handed = ledger.current;
      const { requeued, unconfirmed } = event;
      // Without a heartbeat, the browser's buffer holds messages only: the newest handed ones
      // whose bytes the final bufferedAmount reaches (a partly sent one whole) are exactly the
      // ones to send again.
      const buffered = finalBuffered.at(-1);
      if (!options.heartbeat && buffered !== undefined && event.code !== 1000) {
        let covered = 0;
        let expected = 0;
        for (let i = handed.length - 1; i >= 0 && covered < buffered; i -= 1, expected += 1) {
          covered += ledger.sizes.get(handed[i]);
        }
        ledger.requeueChecks.push({ buffered, requeued, expected });
      }
      ledger.requeued += requeued;
      ledger.unconfirmed += unconfirmed;
      ledger.carry = handed.slice(handed.length - requeued);
      ledger.unknown.push(...handed.slice(Math.max(0, handed.length - requeued - unconfirmed), handed.length - requeued));
      ledger.current = null;
    });
    socket.addEventListener('error', (event) => ledger.errors.push(event.error?.code));
  }
  ledger.send = (padding = '') => {
    const seq = ledger.next++;
    const message = `${seq}:${padding}`;
    ledger.sizes.set(seq, message.length);
    const outcome = socket.send(message);
    // The Rust face reports events a microtask late: a send can go out on a connection whose
    // open the page has not heard of yet. It follows that open's queued messages.
    if (outcome === 'now') (ledger.current ?? ledger.early).push(seq);
    else if (outcome === 'queued') ledger.queued.push(seq);
    else throw new Error(`message ${seq} refused: ${outcome}`);
    return seq;
  };
  /** What the current browser socket holds, plus what waits in the queue (by count). */
  ledger.drained = () => socket.readyState === 1 && socket.queuedCount === 0 && (ledger.native?.bufferedAmount ?? 0) === 0;
}

/**
 * The verdict on the server's records of `client` against the page's ledger: arrivals in
 * order without duplicates, and every missing message one the library reported unconfirmed.
 */
async function verdict(page, client) {
  const { sent, unknown, requeued, unconfirmed } = await page.run(() => ({
    sent: window.ledger.next,
    unknown: window.ledger.unknown,
    requeued: window.ledger.requeued,
    unconfirmed: window.ledger.unconfirmed,
  }));
  const records = await suite.server.received(client);
  const arrived = records
    .filter((text) => typeof text === 'string' && NUMBERED.test(text))
    .map((text) => Number(text.slice(0, text.indexOf(':'))));
  const seen = new Set();
  const duplicates = arrived.filter((seq) => seen.has(seq) || !seen.add(seq));
  const outOfOrder = arrived.filter((seq, i) => i > 0 && seq < arrived[i - 1]);
  const missing = [];
  for (let seq = 0; seq < sent; seq += 1) if (!seen.has(seq)) missing.push(seq);
  const unknownSet = new Set(unknown);
  const unexplained = missing.filter((seq) => !unknownSet.has(seq));
  return { sent, arrived: arrived.length, duplicates, outOfOrder, missing, unexplained, requeued, unconfirmed };
}

/** Waits until every message has left the page: nothing queued, the socket open and drained. */
function settle(page) {
  return page.run(() => h.waitFor(() => window.ledger.drained(), 'the socket to reopen and drain', { ms: 20_000 }));
}

const NUMBERED = /^\d+:/;

/** Waits (at most 20 s) until the numbered messages the server recorded from `client` stop growing. */
async function serverQuiet(client) {
  let last = -1;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const count = (await suite.server.received(client)).filter((text) => NUMBERED.test(text)).length;
    if (count === last) return count;
    last = count;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`the server's record of ${client} kept growing for 20 s`);
}

const CHAOS_MS = LONG ? 180_000 : 15_000;
const FAULTS = [
  (client) => control(`client=${client}&action=drop`),
  (client) => control(`client=${client}&action=close&code=4000&reason=chaos`),
  (client) => control(`client=${client}&action=close&code=1001`),
  () => control('action=restart&down_ms=150'),
  async (client) => {
    await control(`client=${client}&action=stall`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await control(`client=${client}&action=drop`);
  },
  // Silent: the heartbeat gives up on the connection (abandoned, so nothing is requeued).
  // The next fault waits for the new connection: a later stall would stop the server from
  // reading the close frame of the socket the client gave up, and the server would count it
  // open long after the client left it.
  async (client, page) => {
    const before = await page.run(() => window.ledger.connections.length);
    await control(`client=${client}&action=silent`);
    await page.run((count) => h.waitFor(
      () => window.ledger.connections.length > count,
      'a new connection after the heartbeat gave up on the silent one',
      { ms: 5_000 },
    ), before);
  },
];

for (const [face, faceName] of FACES) {
  suite.test(`${faceName} face: the unsent tail of a dead socket is sent again, once and in order`, async (page) => {
    const client = `tail-${face}-${Date.now()}`;
    await page.run(startLedger, {
      face,
      client,
      options: { minReconnectionDelay: 50, maxReconnectionDelay: 200, maxEnqueuedMessages: 100_000 },
    });
    await page.run(() => h.waitFor(() => window.ledger.socket.readyState === 1, 'open'));
    await control(`client=${client}&action=stall`);
    // 16 MB of 16 KB messages: more than the loopback TCP buffers hold, so the rest waits in the
    // browser.
    const buffered = await page.run(async () => {
      const padding = 'x'.repeat(16 * 1024);
      for (let i = 0; i < 1000; i += 1) window.ledger.send(padding);
      // Let the browser push what it can into the stalled connection.
      let last = -1;
      while (window.ledger.native.bufferedAmount !== last) {
        last = window.ledger.native.bufferedAmount;
        await h.sleep(200);
      }
      return last;
    });
    assert.ok(buffered > 0, 'the browser held nothing back: the stall did not build up a tail');
    await control(`client=${client}&action=drop`);
    await settle(page);
    await serverQuiet(client);
    const result = await verdict(page, client);
    assert.ok(result.requeued > 0, `nothing was requeued (buffered ${buffered} bytes at the drop)`);
    const checks = await page.run(() => window.ledger.requeueChecks);
    assert.equal(checks.length, 1, 'one close of a socket that held messages');
    assert.equal(checks[0].requeued, checks[0].expected,
      `requeued ${checks[0].requeued}, but the final bufferedAmount (${checks[0].buffered} B) covered ${checks[0].expected}`);
    assert.deepEqual(result.duplicates, [], 'messages arrived twice');
    assert.deepEqual(result.outOfOrder, [], 'messages arrived out of order');
    assert.deepEqual(result.unexplained, [], 'messages went missing that were not reported unconfirmed');
    report({
      section: 'lost',
      face: faceName,
      row: 'unsent tail of a dead socket (server stalls, page sends 1000 × 16 KB, server drops)',
      checked: 'requeued > 0 and exactly the messages the final bufferedAmount covered; server got no duplicate and nothing out of order; every missing message was among those the close event reported unconfirmed',
      figures: {
        sent: result.sent,
        'bufferedAmount at drop': `${buffered} B`,
        requeued: result.requeued,
        'reported unconfirmed': result.unconfirmed,
        'missing (all unconfirmed)': result.missing.length,
        duplicates: result.duplicates.length,
      },
    });
  }, { timeout: 60_000, browserOnly: UNSENT_UNKNOWN });

  suite.test(`${faceName} face: chaos for ${CHAOS_MS / 1000} s: every accepted message arrives once, in order, or is reported unconfirmed`, async (page) => {
    const client = `chaos-${face}-${Date.now()}`;
    await page.run(startLedger, {
      face,
      client,
      options: {
        minReconnectionDelay: 20,
        maxReconnectionDelay: 300,
        reconnectionDelayGrowFactor: 1.5,
        minUptime: 0,
        connectionTimeout: 2_000,
        heartbeat: { intervalMs: 150, timeoutMs: 300 },
        maxEnqueuedMessages: 1_000_000,
      },
    });
    // The page sends a burst of numbered messages every few milliseconds, whatever the state.
    await page.run(() => {
      window.ledger.pump = setInterval(() => {
        for (let i = 0; i < 5; i += 1) window.ledger.send('y'.repeat(i * 20));
      }, 10);
    });
    const counts = await runFaults(FAULTS, { ms: CHAOS_MS, seed: 0x2545f491 }, client, page);
    await page.run(() => clearInterval(window.ledger.pump));
    // A fault's effects (a restart's downtime, a silenced session) outlast the loop.
    await settle(page);
    await serverQuiet(client);
    const result = await verdict(page, client);
    const stats = await suite.server.client(client);
    const closes = await page.run(() => window.ledger.closes);
    assert.deepEqual(result.duplicates, [], 'messages arrived twice');
    assert.deepEqual(result.outOfOrder, [], 'messages arrived out of order');
    assert.deepEqual(result.unexplained, [], 'messages went missing that were not reported unconfirmed');
    assert.equal(stats.max_open, 1, 'the server saw two live sockets of the client at once');
    assert.ok(closes >= counts.reduce((a, b) => a + b) / 2, `only ${closes} connections ended`);
    report({
      section: 'lost',
      face: faceName,
      row: `chaos: ${CHAOS_MS / 1000} s of numbered sends under random drops, closes, restarts, stall-then-drops and silences`,
      checked: 'no duplicate, nothing out of order, every missing message reported unconfirmed by the library; at most one live socket per client (server /stats max_open = 1)',
      figures: {
        faults: `${counts.reduce((a, b) => a + b)} (drop ${counts[0]}, close 4000 ${counts[1]}, close 1001 ${counts[2]}, restart ${counts[3]}, stall+drop ${counts[4]}, silent ${counts[5]})`,
        connections: stats.total,
        sent: result.sent,
        arrived: result.arrived,
        requeued: result.requeued,
        'reported unconfirmed': result.unconfirmed,
        'missing (unknown fate, all reported)': result.missing.length,
        duplicates: result.duplicates.length,
        'max live sockets': stats.max_open,
      },
    });
  }, { timeout: CHAOS_MS + 90_000 });
}
