// Chaos in session mode, for the JS and the Rust face, against both server adapters
// (support/adapters.js: resocket-axum, the test server's /session, and resocket/server on
// support/node-session-server.js; each store outlives every fault here, as a server's store
// outlives its connections): numbered messages flow for a bounded time (15 s, 180 s with
// RESOCKET_LONG=1) while the server randomly drops, closes (4000, 1001), restarts (1012 and
// 503s), stalls then drops, and silences the client. At the end every message the page
// accepted arrived at the server exactly once and in order, and every echo arrived at the
// page exactly once and in order: none of unknown fate, where plain mode can only count them
// (delivery.test.js). A full window refuses sends (`window-full`), which the page retries;
// every reconnect resumed the session (`recovered: true`).

import assert from 'node:assert/strict';
import { serverGot, sessionAdapters } from './support/adapters.js';
import { FACES } from './support/backoff.js';
import { runFaults } from './support/chaos.js';
import { rustFaceDir } from './support/paths.js';
import { LONG, reporter } from './support/report.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const ADAPTERS = sessionAdapters(suite);
const report = reporter(import.meta.url);

const CHAOS_MS = LONG ? 180_000 : 15_000;
/** Each fault is called with `control` (the adapter's server's /control), the client tag and the page. */
const FAULTS = [
  ['drop', (control, client) => control(`client=${client}&action=drop`)],
  ['close 4000', (control, client) => control(`client=${client}&action=close&code=4000&reason=chaos`)],
  ['close 1001', (control, client) => control(`client=${client}&action=close&code=1001`)],
  ['restart', (control) => control('action=restart&down_ms=150')],
  ['stall+drop', async (control, client) => {
    await control(`client=${client}&action=stall`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await control(`client=${client}&action=drop`);
  }],
  // The heartbeat gives the silent connection up; the next fault waits for the resumption, so
  // it does not land on the connection being given up.
  ['silent', async (control, client, page) => {
    const before = await page.run(() => window.chaos.resumed.length);
    await control(`client=${client}&action=silent`);
    await page.run((count) => h.waitFor(
      () => window.chaos.resumed.length > count,
      'a resumption after the heartbeat gave up on the silent connection',
      { ms: 10_000 },
    ), before);
  }],
];

/** In the page: a session socket and a pump of numbered messages, recorded in `window.chaos`. */
async function startChaos({ face, client }) {
  const chaos = { sent: [], messages: [], resumed: [], errors: [], refused: 0, next: 0 };
  window.chaos = chaos;
  chaos.socket = await h.open(face, h.url('/session', { client }), {
    minReconnectionDelay: 20,
    maxReconnectionDelay: 300,
    reconnectionDelayGrowFactor: 1.5,
    minUptime: 0,
    connectionTimeout: 2_000,
    heartbeat: { intervalMs: 150, timeoutMs: 300 },
    session: true,
  }, {
    listen(socket) {
      socket.addEventListener('message', (event) => chaos.messages.push(event.data));
      socket.addEventListener('resumed', (event) => chaos.resumed.push(event.recovered));
      socket.addEventListener('error', (event) => chaos.errors.push(event.error?.code));
    },
  });
  chaos.pump = setInterval(() => {
    for (let i = 0; i < 5; i += 1) {
      const text = `${chaos.next}:${'y'.repeat(i * 20)}`;
      const outcome = chaos.socket.send(text);
      if (outcome === 'window-full') {
        chaos.refused += 1;
        return; // the same number goes again on the next tick
      }
      if (outcome !== 'now' && outcome !== 'queued') throw new Error(`send refused: ${outcome}`);
      chaos.sent.push(text);
      chaos.next += 1;
    }
  }, 10);
}

for (const adapter of ADAPTERS) for (const [face, faceName] of FACES) {
  adapter.test(`${faceName} face: session chaos for ${CHAOS_MS / 1000} s: every message once, in order, both ways; none of unknown fate`, async (page) => {
    const client = `session-chaos-${face}-${Date.now()}`;
    await page.run(startChaos, { face, client });
    await page.run(() => h.waitFor(() => window.chaos.socket.state === 'open', 'open', { ms: 15_000 }));
    const control = (query) => adapter.server.control(query);
    const counts = await runFaults(FAULTS.map(([, fault]) => fault), { ms: CHAOS_MS, seed: 0x9e3779b9 }, control, client, page);
    const sent = await page.run(() => {
      clearInterval(window.chaos.pump);
      return window.chaos.sent;
    });
    const records = await serverGot(adapter.server, client, sent.length);
    const result = await page.run((count) => h.waitFor(() => window.chaos.messages.length >= count, 'every echo', { ms: 30_000 })
      .then(() => h.sleep(500))
      .then(() => ({
        messages: window.chaos.messages,
        resumed: window.chaos.resumed,
        errors: window.chaos.errors,
        refused: window.chaos.refused,
      })), sent.length);
    const stats = await adapter.server.client(client);
    assert.equal(records.length, sent.length, 'the server recorded as many messages as were accepted');
    assert.deepEqual(records, sent, 'the server got each message once, in order');
    assert.deepEqual(result.messages, sent, 'the page got each echo once, in order');
    assert.ok(result.resumed.length > 0, 'no reconnect resumed the session');
    assert.deepEqual(result.resumed.filter((recovered) => !recovered), [], 'a reconnect lost the session');
    assert.deepEqual(result.errors.filter((code) => code === 'PROTOCOL' || code === 'NOT_A_SESSION_SERVER'), []);
    assert.equal(stats.max_open, 1, 'the server saw two live connections of the client at once');
    const faults = counts.reduce((a, b) => a + b);
    report({
      section: 'lost',
      face: faceName,
      row: `${adapter.name}: chaos in session mode: ${CHAOS_MS / 1000} s of numbered sends under random drops, closes, restarts, stall-then-drops and silences`,
      checked: 'the server got every accepted message exactly once, in order, and the page every echo; every reconnect resumed the session (recovered: true); none of unknown fate; at most one live connection per client',
      figures: {
        faults: `${faults} (${FAULTS.map(([name], i) => `${name} ${counts[i]}`).join(', ')})`,
        connections: stats.total,
        sent: sent.length,
        'arrived at the server': records.length,
        'echoes at the page': result.messages.length,
        resumptions: result.resumed.length,
        'sends refused by a full window (retried)': result.refused,
        'of unknown fate': sent.length - new Set(records).size,
        duplicates: records.length - new Set(records).size,
      },
    });
  }, { timeout: CHAOS_MS + 120_000 });
}
