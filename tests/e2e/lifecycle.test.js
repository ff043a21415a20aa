// Page awareness, for the JS and the Rust face (`h.open(face, url, options)`, pages/faces.js;
// the Rust face's page watch is src/driver/page_watch.rs), in Chromium, with the page's own
// events dispatched on `window` and `document`, against the test server:
// - back/forward cache: `pagehide` with `persisted` closes the connection (1001 "going away",
//   willReconnect), the state is "suspended" (readyState CONNECTING) and nothing connects
//   while the page is cached, a send meanwhile is queued; `pageshow` with `persisted`
//   reconnects and delivers it; either event without `persisted` changes nothing;
// - `visibilitychange` to visible pings an open connection at once: the server receives the
//   ping and the round trip is measured (`rttMs`; the Rust face's `Sender::rtt`); after a
//   reconnect it is undefined until the new connection's first pong.
// Every test runs on both faces. Offline and online are in faults-network.test.js (through
// Playwright's setOffline); a network change while cached is in conformance.test.js.

import assert from 'node:assert/strict';
import { FACES } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const FAST = { minReconnectionDelay: 50, maxReconnectionDelay: 100, jitter: 0 };

for (const [face, faceName] of FACES) {
  suite.test(`${faceName} face: back/forward cache: pagehide (persisted) closes and suspends, pageshow (persisted) reconnects and sends what was queued`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('bfcache');
      const transition = (type, persisted) => window.dispatchEvent(new PageTransitionEvent(type, { persisted }));
      const socket = await h.open(face, h.url('/echo', { client }), fast);
      const log = h.record(socket);
      await log.until((l) => l.count('open') === 1, 'open');

      // Only a page that goes into (or comes out of) the cache counts.
      transition('pagehide', false);
      transition('pageshow', false);
      await h.sleep(200);
      const notPersisted = { state: socket.state, lines: log.lines() };

      transition('pagehide', true);
      await log.until((l) => l.count('close') === 1, 'the close on pagehide');
      const sent = socket.send('while cached');
      await h.sleep(600);
      const cached = {
        state: socket.state,
        readyState: socket.readyState,
        sent,
        queued: socket.queuedCount,
        lines: log.lines(),
        connections: (await h.clientStats(client)).total,
      };

      transition('pageshow', true);
      await log.until((l) => l.count('message') === 1, 'the queued message echoed');
      const shown = { state: socket.state, lines: log.lines(), connections: (await h.clientStats(client)).total };
      socket.close();
      return { notPersisted, cached, shown };
    }, { face, fast: FAST });

    assert.deepEqual(result.notPersisted, { state: 'open', lines: ['open'] });
    assert.deepEqual(result.cached, {
      state: 'suspended',
      readyState: 0,
      sent: 'queued',
      queued: 1,
      lines: ['open', 'close 1001 "going away" wasClean=false willReconnect=true'],
      connections: 1,
    });
    assert.deepEqual(result.shown, {
      state: 'open',
      lines: ['open', 'close 1001 "going away" wasClean=false willReconnect=true', 'open', 'message "while cached"'],
      connections: 2,
    });
  });

  suite.test(`${faceName} face: becoming visible pings an open connection at once and measures the round trip`, async (page) => {
    const client = `wake-${face}-${Date.now()}`;
    const result = await page.run(async ({ face, client, fast }) => {
      // An interval far beyond the test: only the wake can send a ping.
      const heartbeat = { intervalMs: 600_000, timeoutMs: 5000 };
      const socket = await h.open(face, h.url('/echo', { client }), { ...fast, heartbeat });
      const log = h.record(socket);
      await log.until((l) => l.count('open') === 1, 'open');
      const rttBefore = socket.rttMs;
      document.dispatchEvent(new Event('visibilitychange'));
      await h.waitFor(() => socket.rttMs !== undefined, 'the round trip of the wake ping');
      await h.sleep(200);
      const outcome = { visibility: document.visibilityState, rttBefore, rtt: socket.rttMs, state: socket.state, lines: log.lines() };
      // A new connection has no round trip of its own until its first pong.
      socket.reconnect();
      await log.until((l) => l.count('open') === 2, 'the second open');
      outcome.rttAfterReconnect = socket.rttMs;
      document.dispatchEvent(new Event('visibilitychange'));
      await h.waitFor(() => socket.rttMs !== undefined, 'the round trip of the second wake ping');
      outcome.secondRtt = socket.rttMs;
      socket.close();
      return outcome;
    }, { face, client, fast: FAST });

    assert.equal(result.visibility, 'visible');
    assert.equal(result.rttBefore, undefined);
    assert.ok(result.rtt >= 0 && result.rtt < 3000, `rttMs ${result.rtt}`);
    assert.equal(result.state, 'open');
    // The pong is the heartbeat's, not a message; nothing closed.
    assert.deepEqual(result.lines, ['open']);
    assert.equal(result.rttAfterReconnect, undefined, 'rttMs after a reconnect, before its first pong');
    assert.ok(result.secondRtt >= 0 && result.secondRtt < 3000, `second rttMs ${result.secondRtt}`);
    assert.deepEqual(await suite.server.received(client), ['ping', 'ping']);
  });
}
