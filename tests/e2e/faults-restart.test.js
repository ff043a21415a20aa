// Fault matrix (RELIABILITY.md section 1), for the JS and the Rust face: the server process is
// killed (SIGKILL) and started again on the same port, 20 times in a row.
// - the client is back each time: one close (1006, not clean, willReconnect) per kill, one
//   open per restart, nothing else;
// - every reconnect delay lies in the configured backoff's range for its attempt number
//   (core/src/backoff.rs), each restart's retries count from 1 again (the connection lasted
//   minUptime), and no attempt starts before its delay is over;
// - the client reopens within the longest delay (plus the handshake) after the server is back.

import assert from 'node:assert/strict';
import { delaysOutOfBounds, delayBounds, FACES, spread } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { reporter } from './support/report.js';
import { startServer } from './support/server.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const report = reporter(import.meta.url);

const RESTARTS = 20;
/** How long the server stays down: long enough for several refused attempts. */
const DOWN_MS = 300;
/** How long each connection lasts before the next kill: well over minUptime, as the page's
 *  minUptime timer may fire late on a loaded machine (at 200 ms it once had not, and the retry
 *  count rightly went on from the previous cycle). */
const UP_MS = 500;
const BACKOFF = {
  minReconnectionDelay: 20,
  maxReconnectionDelay: 160,
  reconnectionDelayGrowFactor: 2,
  jitter: 0.5,
  minUptime: 100,
};
/** The handshake and the event's way to the page, on a shared two-core machine. */
const SLACK_MS = 500;

const nodeNow = () => performance.timeOrigin + performance.now();

for (const [face, faceName] of FACES) {
  suite.test(`the server killed and restarted on its port ${RESTARTS} times: back each time, delays as configured (${face})`, async (page) => {
    const server = await startServer();
    try {
      await page.run(async ({ face, url, options }) => {
        window.socket = await h.open(face, url, options);
        window.log = h.record(window.socket);
        await log.until((l) => l.count('open') === 1, 'the first open');
      }, { face, url: `${server.wsUrl}/echo?client=restarts`, options: BACKOFF });

      const cycles = [];
      for (let cycle = 1; cycle <= RESTARTS; cycle += 1) {
        await new Promise((resolve) => setTimeout(resolve, UP_MS));
        const killedAt = nodeNow();
        await server.kill();
        await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
        await server.restart();
        const backAt = nodeNow();
        const openedAt = await page.run(async (opens) => {
          await log.until((l) => l.count('open') === opens, `open number ${opens}`, 5000);
          return performance.timeOrigin + log.filter((entry) => entry.type === 'open').at(-1).at;
        }, cycle + 1);
        cycles.push({ killedAt, backAt, openedAt });
      }

      const { entries, retryCount, state } = await page.run(() => {
        const entries = log.map((entry) => ({ ...entry, at: performance.timeOrigin + entry.at }));
        const result = { entries, retryCount: socket.retryCount, state: socket.state };
        socket.close();
        return result;
      });

      // Per cycle: the events between one kill and the next.
      const perCycle = cycles.map(({ killedAt }, index) => {
        const end = cycles[index + 1]?.killedAt ?? Infinity;
        return entries.filter((entry) => entry.at >= killedAt && entry.at < end);
      });
      const problems = [];
      perCycle.forEach((events, index) => {
        const opens = events.filter((entry) => entry.type === 'open');
        const firstClose = events.find((entry) => entry.type === 'close');
        if (opens.length !== 1) problems.push(`cycle ${index + 1}: ${opens.length} opens`);
        if (firstClose?.line !== 'close 1006 "" wasClean=false willReconnect=true') {
          problems.push(`cycle ${index + 1}: first close ${firstClose?.line}`);
        }
        if (events.some((entry) => entry.type === 'close' && !entry.willReconnect)) {
          problems.push(`cycle ${index + 1}: a close without reconnect`);
        }
        const attempts = events.filter((entry) => entry.type === 'reconnecting').map((entry) => entry.attempt);
        if (attempts.length === 0 || attempts.some((attempt, i) => attempt !== i + 1)) {
          problems.push(`cycle ${index + 1}: attempts ${attempts.join(',')}, not 1, 2, ...`);
        }
        // No attempt before its delay: the event after a `reconnecting` (the attempt's close
        // or open) comes at least `delayMs` after the close that scheduled it (the delay runs
        // from there: the `reconnecting` event itself is dispatched after the close's
        // listeners ran); timestamps are rounded to 1 ms.
        events.forEach((entry, i) => {
          if (entry.type !== 'reconnecting') return;
          const scheduled = events.slice(0, i).findLast((earlier) => earlier.type === 'close') ?? entry;
          const next = events.slice(i + 1).find((later) => later.type === 'open' || later.type === 'close');
          if (next && next.at - scheduled.at < entry.delayMs - 2) {
            problems.push(`cycle ${index + 1}: attempt ${entry.attempt} after ${Math.round(next.at - scheduled.at)} ms, delay ${entry.delayMs}`);
          }
        });
      });
      assert.deepEqual(problems, [], entries.map((entry) => entry.line).join('\n'));
      const outOfBounds = delaysOutOfBounds(BACKOFF, entries);
      assert.deepEqual(outOfBounds, [], 'every delay within its attempt\'s bounds');
      const reopen = cycles.map(({ backAt, openedAt }) => openedAt - backAt);
      const reopenBound = BACKOFF.maxReconnectionDelay + SLACK_MS;
      assert.ok(Math.max(...reopen) <= reopenBound, `reopened ${reopen.map(Math.round)} ms after the server was back, bound ${reopenBound}`);

      const reconnecting = entries.filter((entry) => entry.type === 'reconnecting');
      const attempts = [...new Set(reconnecting.map((entry) => entry.attempt))].sort((a, b) => a - b);
      const delays = attempts.map((attempt) => {
        const list = reconnecting.filter((entry) => entry.attempt === attempt).map((entry) => entry.delayMs);
        return `#${attempt}: ${spread(list)} in [${delayBounds(BACKOFF, attempt).join(', ')}] ×${list.length}`;
      });
      const waits = entries.flatMap((entry, i) => {
        if (entry.type !== 'reconnecting') return [];
        const next = entries.slice(i + 1).find((later) => later.type === 'open' || later.type === 'close');
        return next ? [next.at - entry.at - entry.delayMs] : [];
      });
      report({
        section: 'faults',
        row: `server killed (SIGKILL) and restarted on the same port, ${RESTARTS} times`,
        face: faceName,
        checked: `back after every restart (one 1006 close with willReconnect, one open per cycle); retries count from 1 each cycle; every delay in min(max, min·grow^(n-1))·[1-jitter, 1] (min ${BACKOFF.minReconnectionDelay}, max ${BACKOFF.maxReconnectionDelay}, grow ${BACKOFF.reconnectionDelayGrowFactor}, jitter ${BACKOFF.jitter}); no attempt before its delay; reopened within max delay + ${SLACK_MS} ms of the server listening`,
        figures: {
          restarts: RESTARTS,
          reopened: cycles.length,
          'server down': `${DOWN_MS} ms each`,
          'retries per restart': spread(perCycle.map((events) => events.filter((entry) => entry.type === 'reconnecting').length)),
          'delays by attempt (ms)': delays.join('; '),
          'attempt started after its delay by (ms)': spread(waits),
          'reopened after the server listened (ms)': spread(reopen),
          'final retryCount / state': `${retryCount} / ${state}`,
        },
      });
    } finally {
      await server.stop();
    }
  }, { timeout: 60_000 });
}
