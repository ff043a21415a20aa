// Fault matrix (RELIABILITY.md section 1), for the JS and the Rust face: every close code a server
// can send, one test per class of the close-code table (docs/delivery.md), against the test server's
// `close_after=0&code=C` (a close frame right after the handshake) and `drop_after=1` (TCP
// closed without a close frame after the first message).
// - 1000, 1001, 1011, 1012, 1014: close event with the code and reason, willReconnect, a
//   retry within the first delay's bounds, open again
// - 1002, 1003, 1007, 1008, 1009, 1010 (the default final codes): willReconnect false, no
//   retry, state closed, one connection on the server
// - 1013: a retry after the maximum delay (jittered), then open again
// - 4000, 4999 (application codes): as the first class
// - 1006, which the browser reports itself: TCP dropped five times in a row, each a 1006 not
//   clean with willReconnect, delays as the backoff says for growing attempt numbers.
//   1004 (reserved), 1005 (no status code) and 1015 (TLS failure) cannot be produced: the test
//   server refuses to put them in a close frame, as RFC 6455 says, and always sends a status.

import assert from 'node:assert/strict';
import { delaysOutOfBounds, delayBounds, FACES, maxDelayBounds } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { reporter } from './support/report.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const report = reporter(import.meta.url);

const BACKOFF = { minReconnectionDelay: 20, maxReconnectionDelay: 160, reconnectionDelayGrowFactor: 2, jitter: 0.5 };
/** Long enough that a retry that should not happen would have happened: 10 × the maximum. */
const QUIET_MS = 10 * BACKOFF.maxReconnectionDelay;

/**
 * Opens a socket of `face` to `/echo` with `query`; waits for `opens` opens (then closes it)
 * or, with `opens` 0, for the first close and `QUIET_MS` more. Returns the log and counts.
 */
function run(page, face, query, options, opens) {
  return page.run(async ({ face, query, options, opens, quietMs }) => {
    const client = h.client('close');
    const socket = await h.open(face, h.url('/echo', { client, ...query }), options);
    const log = h.record(socket);
    if (opens > 0) {
      await log.until((l) => l.count('open') === opens, `${opens} opens`, 5000);
    } else {
      await log.until((l) => l.count('close') === 1, 'the close');
      await h.sleep(quietMs);
    }
    const result = { entries: [...log], state: socket.state, readyState: socket.readyState, send: socket.send('after') };
    socket.close();
    // The server counts a connection a moment after the browser reports it open.
    const deadline = performance.now() + 1000;
    let stats = await h.clientStats(client);
    while ((stats?.total ?? 0) < Math.max(opens, 1) && performance.now() < deadline) {
      await h.sleep(10);
      stats = await h.clientStats(client);
    }
    return { ...result, stats };
  }, { face, query, options, opens, quietMs: QUIET_MS });
}

const firstOf = (entries, type) => entries.find((entry) => entry.type === type);

for (const [face, faceName] of FACES) {
  for (const [row, codes] of [
    ['close codes that reconnect with backoff: 1000, 1001, 1011, 1012, 1014', [1000, 1001, 1011, 1012, 1014]],
    ['application close codes 4000, 4999 from the server', [4000, 4999]],
  ]) {
    suite.test(`${row} (${face})`, async (page) => {
      const seen = [];
      for (const code of codes) {
        const reason = `bye ${code}`;
        const result = await run(page, face, { close_after: 0, code, reason }, BACKOFF, 2);
        assert.equal(firstOf(result.entries, 'close')?.line,
          `close ${code} ${JSON.stringify(reason)} wasClean=true willReconnect=true`, `code ${code}`);
        const retry = firstOf(result.entries, 'reconnecting');
        assert.equal(retry?.attempt, 1, `code ${code}: ${result.entries.map((e) => e.line)}`);
        assert.deepEqual(delaysOutOfBounds(BACKOFF, [retry]), [], `code ${code}`);
        assert.ok(result.stats.total >= 2, `code ${code}: ${result.stats.total} connections reached the server`);
        seen.push(`${code}: ${retry.delayMs} ms`);
      }
      report({
        section: 'faults',
        row,
        face: faceName,
        checked: `for each code, sent by the server in a close frame with a reason: a close event with that code and reason, wasClean and willReconnect true; retry 1 within [${delayBounds(BACKOFF, 1).join(', ')}] ms; the second connection opened`,
        figures: { codes: codes.length, 'retry delay per code': seen.join(', ') },
      });
    });
  }

  suite.test(`the default final close codes stop reconnecting (${face})`, async (page) => {
    const codes = [1002, 1003, 1007, 1008, 1009, 1010];
    // At once, so the quiet periods overlap.
    const results = await Promise.all(codes.map((code) =>
      run(page, face, { close_after: 0, code, reason: 'final' }, BACKOFF, 0)));
    for (const [index, code] of codes.entries()) {
      const result = results[index];
      assert.deepEqual(result.entries.map((entry) => entry.line), [
        'open', `close ${code} "final" wasClean=true willReconnect=false`,
      ], `code ${code}`);
      assert.equal(result.state, 'closed', `code ${code}`);
      assert.equal(result.readyState, 3, `code ${code}`);
      assert.equal(result.send, 'closed', `code ${code}: send after a final close is refused`);
      assert.equal(result.stats.total, 1, `code ${code}: one connection only`);
    }
    report({
      section: 'faults',
      row: 'final close codes 1002, 1003, 1007, 1008, 1009, 1010',
      face: faceName,
      checked: `for each code: events exactly open, close (code, wasClean, willReconnect false); no retry within ${QUIET_MS} ms; state closed; send refused; one connection on the server`,
      figures: { codes: codes.length, 'retries made': 0, 'connections per code': 1 },
    });
  });

  suite.test(`1013 (try again later) waits the maximum delay (${face})`, async (page) => {
    const options = { ...BACKOFF, maxReconnectionDelay: 400 };
    const [low, high] = maxDelayBounds(options);
    const delays = [];
    for (let run1013 = 0; run1013 < 3; run1013 += 1) {
      const result = await run(page, face, { close_after: 0, code: 1013, reason: 'later' }, options, 2);
      assert.equal(firstOf(result.entries, 'close')?.line, 'close 1013 "later" wasClean=true willReconnect=true');
      const retry = firstOf(result.entries, 'reconnecting');
      assert.ok(retry.delayMs >= low && retry.delayMs <= high, `${retry.line}: not in [${low}, ${high}]`);
      const open = result.entries.filter((entry) => entry.type === 'open')[1];
      assert.ok(open.at - retry.at >= retry.delayMs - 2, `opened ${open.at - retry.at} ms after ${retry.line}`);
      delays.push(retry.delayMs);
    }
    report({
      section: 'faults',
      row: 'close code 1013 (try again later)',
      face: faceName,
      checked: `close event 1013 with willReconnect; the retry waits the maximum delay jittered, within [${low}, ${high}] ms (retry 1 would be [${delayBounds(options, 1).join(', ')}]); the next open comes no earlier`,
      figures: { runs: delays.length, 'delays (ms)': delays.join(', ') },
    });
  });

  suite.test(`TCP dropped without a close frame: 1006, reported by the browser, reconnects (${face})`, async (page) => {
    const drops = 5;
    const result = await page.run(async ({ face, options, drops }) => {
      const client = h.client('drop');
      const socket = await h.open(face, h.url('/echo', { client, drop_after: 1 }), options);
      const log = h.record(socket);
      socket.addEventListener('open', () => socket.send('x'));
      await log.until((l) => l.count('open') === drops + 1, `${drops + 1} opens`, 5000);
      socket.close();
      // The server counts a connection a moment after the browser reports it open.
      return { entries: [...log], stats: await h.clientStatsOnceCounted(client, drops + 1) };
    }, { face, options: BACKOFF, drops });
    const lines = result.entries.map((entry) => entry.line);
    const closes = lines.filter((line) => line.startsWith('close')).slice(0, drops);
    assert.deepEqual(closes, Array(drops).fill('close 1006 "" wasClean=false willReconnect=true'), lines.join('\n'));
    const retries = result.entries.filter((entry) => entry.type === 'reconnecting').slice(0, drops);
    assert.deepEqual(retries.map((entry) => entry.attempt), [1, 2, 3, 4, 5],
      'connections shorter than minUptime do not reset the retry count');
    assert.deepEqual(delaysOutOfBounds(BACKOFF, retries), []);
    assert.ok(result.stats.total >= drops + 1);
    report({
      section: 'faults',
      row: 'TCP dropped with no close frame; codes the browser reports itself (1006)',
      face: faceName,
      checked: `${drops} drops in a row (drop_after=1): each a close 1006, not clean, willReconnect; retries 1..${drops} (short connections keep counting) each within its backoff bounds; open again each time. 1004, 1005 and 1015 cannot be produced: the test server will not send them in a close frame (RFC 6455) and always sends a status code`,
      figures: {
        drops,
        reopened: result.entries.filter((entry) => entry.type === 'open').length - 1,
        'delays by attempt (ms)': retries.map((entry) => `#${entry.attempt}: ${entry.delayMs} in [${delayBounds(BACKOFF, entry.attempt).join(', ')}]`).join('; '),
        'close codes seen': [...new Set(closes.map((line) => line.split(' ')[1]))].join(', '),
      },
    });
  });
}
