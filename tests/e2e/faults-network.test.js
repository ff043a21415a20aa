// Fault matrix (RELIABILITY.md section 1), for the JS and the Rust face:
// - the server goes silent mid-session (`/control?action=silent`: no replies, no pongs, still
//   reading), five times: the heartbeat closes with 4000 "heartbeat timeout" within
//   interval + timeout of the silence, every time, and the client reconnects
// - the handshake hangs (`hang=1`), is refused with 401, 403, 404, 500 or 503 (`reject=S`), or
//   nobody listens (connection refused): an error event per attempt, maxRetries retries with
//   delays in their bounds, RETRIES_EXHAUSTED, then closed; never stuck in CONNECTING
// - a slow server (`delay_ms=50` on every reply) and a slow consumer (the page spends 1 ms of
//   CPU on every message): every message arrives, in order
// - the browser goes offline and online again (`context.setOffline`): Chromium leaves the open
//   loopback socket open and holds its frames until it is back online, while new connections
//   fail; the socket hears "offline", pings at once, the heartbeat notices the held pong and
//   closes with 4000; no attempt is made while offline (state "offline"); "online" brings an
//   attempt at once

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { delaysOutOfBounds, delayBounds, FACES, spread } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { reporter } from './support/report.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const report = reporter(import.meta.url);

const BACKOFF = { minReconnectionDelay: 20, maxReconnectionDelay: 160, reconnectionDelayGrowFactor: 2, jitter: 0.5 };
const HEARTBEAT = { intervalMs: 100, timeoutMs: 100 };
/** Timers and event delivery on a shared two-core machine. */
const TIMER_SLACK_MS = 60;

/** A loopback port nobody listens on (it was free a moment ago). */
async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

for (const [face, faceName] of FACES) {
  suite.test(`a server that goes silent mid-session is detected within interval + timeout (${face})`, async (page) => {
    const runs = 5;
    const result = await page.run(async ({ face, options, runs }) => {
      const client = h.client('silent');
      const socket = await h.open(face, h.url('/echo', { client }), options);
      const log = h.record(socket);
      const detections = [];
      for (let run = 1; run <= runs; run += 1) {
        await log.until((l) => l.count('open') === run, `open ${run}`);
        socket.send('before the silence');
        await log.until((l) => l.count('message') === run, `echo ${run}`);
        await h.sleep(50);
        const silencedAt = performance.now();
        const answer = await (await fetch(`${h.http}/control?client=${client}&action=silent`)).json();
        await log.until((l) => l.count('close') === run, `heartbeat close ${run}`, 3000);
        const close = log.filter((entry) => entry.type === 'close')[run - 1];
        detections.push({ ms: close.at - silencedAt, line: close.line, affected: answer.affected });
      }
      await log.until((l) => l.count('open') === runs + 1, 'open after the last detection');
      socket.close();
      return { detections, lines: log.lines() };
    }, { face, options: { ...BACKOFF, heartbeat: HEARTBEAT }, runs });
    const bound = HEARTBEAT.intervalMs + HEARTBEAT.timeoutMs;
    for (const detection of result.detections) {
      assert.equal(detection.affected, 1, 'the control reached the session');
      assert.equal(detection.line, 'close 4000 "heartbeat timeout" wasClean=false willReconnect=true', result.lines.join('\n'));
      assert.ok(detection.ms <= bound + TIMER_SLACK_MS, `detected after ${detection.ms} ms, bound ${bound} + ${TIMER_SLACK_MS}`);
    }
    const ms = result.detections.map((detection) => detection.ms);
    report({
      section: 'faults',
      row: 'server goes silent mid-session (half-open)',
      face: faceName,
      checked: `${runs} silences (/control action=silent) on one socket with heartbeat ${HEARTBEAT.intervalMs}+${HEARTBEAT.timeoutMs} ms: each closed with 4000 "heartbeat timeout" and willReconnect within interval + timeout (+${TIMER_SLACK_MS} ms timer slack) of the silence; reconnected after each`,
      figures: { runs, detected: ms.length, 'detection time (ms)': spread(ms), bound: `${bound} ms` },
    });
  });

  suite.test(`handshake hangs, refused with 401/403/404/500/503, or no server: errors, retries per policy, never stuck (${face})`, async (page) => {
    const refusedPort = await closedPort();
    const options = { ...BACKOFF, maxRetries: 2, connectionTimeout: 200 };
    const cases = [
      ['hang', { hang: 1 }],
      ...[401, 403, 404, 500, 503].map((status) => [`reject ${status}`, { reject: status }]),
      ['connection refused', null],
    ];
    const figures = {};
    for (const [name, query] of cases) {
      // Only the hung handshake waits for connectionTimeout; a refusal on a loaded machine may
      // take longer than 200 ms and must not turn into a timeout.
      const caseOptions = name === 'hang' ? options : { ...options, connectionTimeout: 5000 };
      // A page (and renderer process) per case: Chromium throttles the WebSocket handshakes
      // of a renderer that saw many fail (WebSocketPerProcessThrottler, delays of up to
      // seconds after about ten failures), which would turn later refusals into timeouts.
      const casePage = await suite.openHarness();
      const result = await casePage.run(async ({ face, options, query, refusedPort }) => {
        const url = query ? h.url('/echo', query) : `ws://127.0.0.1:${refusedPort}/echo`;
        const socket = await h.open(face, url, options);
        const log = h.record(socket);
        const started = performance.now();
        await log.until((l) => l.some((entry) => entry.type === 'close' && !entry.willReconnect), 'the final close', 5000);
        const took = performance.now() - started;
        await h.sleep(200);
        return { entries: [...log], took, state: socket.state, readyState: socket.readyState, retryCount: socket.retryCount };
      }, { face, options: caseOptions, query, refusedPort }).finally(() => casePage.close());
      assert.deepEqual(casePage.problems, [], `${name}: uncaught errors or a wasm trap`);
      const lines = result.entries.map((entry) => entry.line);
      const expected = name === 'hang' ? 'CONNECT_TIMEOUT' : 'SOCKET';
      const closeLine = name === 'hang'
        ? (last) => `close 1006 "connect timeout" wasClean=false willReconnect=${!last}`
        : (last) => `close 1006 "" wasClean=false willReconnect=${!last}`;
      assert.deepEqual(lines.filter((line) => !line.startsWith('reconnecting')), [
        `error ${expected}`, closeLine(false),
        `error ${expected}`, closeLine(false),
        `error ${expected}`, closeLine(true),
        'error RETRIES_EXHAUSTED',
      ], `${name}:\n${lines.join('\n')}`);
      const retries = result.entries.filter((entry) => entry.type === 'reconnecting');
      assert.deepEqual(retries.map((entry) => entry.attempt), [1, 2], name);
      assert.deepEqual(delaysOutOfBounds(options, retries), [], name);
      assert.equal(result.state, 'closed', name);
      assert.equal(result.readyState, 3, `${name}: not stuck in CONNECTING`);
      if (name === 'hang') {
        // Three attempts of connectionTimeout each, plus the two delays.
        assert.ok(result.took >= 3 * options.connectionTimeout, `${name}: gave up after ${result.took} ms`);
      }
      figures[name] = `${lines.filter((line) => line.startsWith('error')).length} errors, ${retries.length} retries (${retries.map((entry) => entry.delayMs).join(', ')} ms), final ${result.state}, ${Math.round(result.took)} ms`;
    }
    report({
      section: 'faults',
      row: 'handshake hangs, is refused (401, 403, 404, 500, 503), or no server (connection refused)',
      face: faceName,
      checked: `with maxRetries 2 and connectionTimeout ${options.connectionTimeout} ms for the hang (5000 ms for the others, which end sooner on their own), each case gives exactly: error (CONNECT_TIMEOUT for the hang, SOCKET otherwise) and close 1006 per attempt, retries 1 and 2 within [${delayBounds(options, 1).join(', ')}] and [${delayBounds(options, 2).join(', ')}] ms, RETRIES_EXHAUSTED, final close without reconnect, state closed (readyState 3, not CONNECTING)`,
      figures,
    });
  });

  suite.test(`a slow server (delay_ms) loses nothing (${face})`, async (page) => {
    const count = 500;
    const delay = 50;
    const result = await page.run(async ({ face, count, delay }) => {
      const client = h.client('slow-server');
      const socket = await h.open(face, h.url('/echo', { client, delay_ms: delay }), {});
      const log = h.record(socket, ['open', 'message', 'close', 'error']);
      await log.until((l) => l.count('open') === 1, 'open');
      const started = performance.now();
      for (let i = 0; i < count; i += 1) socket.send(`m${i}`);
      await log.until((l) => l.count('message') === count, `${count} echoes`, 10_000);
      const took = performance.now() - started;
      socket.close();
      return { data: log.filter((entry) => entry.type === 'message').map((entry) => entry.data), lines: log.lines(), took, received: (await h.received(client)).length };
    }, { face, count, delay });
    assert.deepEqual(result.data, Array.from({ length: count }, (_, i) => `m${i}`));
    assert.equal(result.received, count);
    assert.ok(!result.lines.some((line) => line.startsWith('close') || line.startsWith('error')), result.lines.slice(-5).join('\n'));
    report({
      section: 'faults',
      row: 'slow server (delay_ms on every reply)',
      face: faceName,
      checked: `${count} messages pipelined to an echo that delays every reply by ${delay} ms: the server received all, every echo arrived in order, no close or error`,
      figures: { sent: count, 'received by the server': result.received, 'echoes received': result.data.length, 'took (ms)': Math.round(result.took) },
    });
  });

  suite.test(`a slow consumer loses nothing (${face})`, async (page) => {
    const count = 2000;
    const workMs = 1;
    const result = await page.run(async ({ face, count, workMs }) => {
      const client = h.client('slow-consumer');
      const socket = await h.open(face, h.url('/echo', { client }), {});
      const data = [];
      let errors = 0;
      socket.addEventListener('error', () => { errors += 1; });
      socket.addEventListener('message', (event) => {
        const until = performance.now() + workMs;
        while (performance.now() < until) { /* the page is busy with this message */ }
        data.push(event.data);
      });
      const log = h.record(socket, ['open', 'close']);
      await log.until((l) => l.count('open') === 1, 'open');
      const started = performance.now();
      for (let i = 0; i < count; i += 1) socket.send(`m${i}`);
      await h.waitFor(() => data.length === count, `${count} slow messages`, { ms: 20_000 });
      const took = performance.now() - started;
      socket.close();
      await log.until((l) => l.count('close') === 1, 'the close');
      return { data, errors, lines: log.lines(), took, received: (await h.received(client)).length };
    }, { face, count, workMs });
    assert.deepEqual(result.data, Array.from({ length: count }, (_, i) => `m${i}`));
    assert.equal(result.received, count);
    assert.equal(result.errors, 0);
    assert.deepEqual(result.lines, ['open', 'close 1000 "" wasClean=true willReconnect=false']);
    report({
      section: 'faults',
      row: 'slow consumer (the page busy for 1 ms on every message)',
      face: faceName,
      checked: `${count} messages echoed as fast as the server can while the page's message listener spends ${workMs} ms of CPU on each: all arrived, in order; no error, no close until the user's`,
      figures: { sent: count, 'received by the server': result.received, 'handled by the page': result.data.length, 'took (ms)': Math.round(result.took) },
    });
  }, { timeout: 40_000 });

  suite.test(`the browser goes offline and online again (${face})`, async (page, t) => {
    const context = page.page.context();
    const client = `offline-${face}-${Date.now()}`;
    // 1. An open socket without a heartbeat: what Chromium does with it.
    await page.run(async ({ face, client, options }) => {
      window.plain = await h.open(face, h.url('/echo', { client: `${client}-plain` }), options);
      window.plainLog = h.record(window.plain);
      window.beating = await h.open(face, h.url('/echo', { client }), { ...options, heartbeat: { intervalMs: 100, timeoutMs: 100 } });
      window.beatingLog = h.record(window.beating, ['open', 'message', 'close', 'error', 'reconnecting', 'offline', 'online']);
      await plainLog.until((l) => l.count('open') === 1, 'plain open');
      await beatingLog.until((l) => l.count('open') === 1, 'heartbeat open');
    }, { face, client, options: BACKOFF });
    const offlineAt = await page.run(() => performance.now());
    await context.setOffline(true);
    t.after(() => context.setOffline(false).catch(() => {}));
    const offline = await page.run(async () => {
      const sent = plain.send('while offline');
      await h.sleep(600);
      return { sent, onLine: navigator.onLine, plainState: plain.state, beatingState: beating.state, plainLines: plainLog.lines(), beatingLines: beatingLog.lines() };
    });
    const receivedWhileOffline = (await suite.server.received(`${client}-plain`)).length;
    const onlineAt = await page.run(() => performance.now());
    await context.setOffline(false);
    const online = await page.run(async () => {
      await plainLog.until((l) => l.count('message') === 1, 'the held echo', 3000);
      await beatingLog.until((l) => l.count('open') === 2, 'the heartbeat socket back online', 3000);
      const result = { plainLines: plainLog.lines(), beating: [...beatingLog] };
      plain.close();
      beating.close();
      return result;
    });
    const receivedOnline = (await suite.server.received(`${client}-plain`)).length;

    // Chromium keeps the loopback socket open and holds its frames while offline.
    assert.equal(offline.onLine, false);
    assert.equal(offline.sent, 'now');
    assert.equal(offline.plainState, 'open');
    assert.deepEqual(offline.plainLines, ['open'], 'no close, no echo while offline');
    assert.equal(receivedWhileOffline, 0, 'the server got nothing while offline');
    assert.deepEqual(online.plainLines, ['open', 'message "while offline"'], 'delivered once online, never closed');
    assert.equal(receivedOnline, 1);
    // The heartbeat socket: told "offline", it pings at once and the held pong closes it with
    // 4000; it then waits for the network without a single attempt, and "online" brings one.
    const lines = online.beating.map((entry) => entry.line);
    assert.deepEqual(lines.slice(0, 3), ['open', 'offline', 'close 4000 "heartbeat timeout" wasClean=false willReconnect=true'], lines.join('\n'));
    const heartbeatClose = online.beating.find((entry) => entry.type === 'close');
    const detection = heartbeatClose.at - offlineAt;
    assert.ok(detection <= 200 + TIMER_SLACK_MS + 100, `heartbeat closed ${detection} ms after going offline`);
    assert.equal(offline.beatingState, 'offline', offline.beatingLines.join('\n'));
    const attemptsWhileOffline = online.beating.filter((entry) => ['error', 'reconnecting'].includes(entry.type) && entry.at < onlineAt).length;
    assert.equal(attemptsWhileOffline, 0, `no attempt while offline:\n${lines.join('\n')}`);
    assert.deepEqual(lines.slice(3, 5), ['online', 'open'], lines.join('\n'));
    const reopen = online.beating.filter((entry) => entry.type === 'open')[1].at - onlineAt;
    assert.ok(reopen <= 500, `back ${reopen} ms after going online, without a backoff wait`);
    report({
      section: 'faults',
      row: 'browser offline, then online (Playwright context.setOffline)',
      face: faceName,
      checked: 'what Chromium does to a WebSocket to 127.0.0.1: navigator.onLine turns false, the open socket is not closed; a send is accepted but its frame is held (the server gets nothing) until online, then delivered and echoed. The socket hears the offline event: with the heartbeat on it pings at once, closes with 4000 when the held pong does not come, then makes no attempt while offline (state "offline", no error or reconnecting event); the online event starts an attempt at once',
      figures: {
        'plain socket while offline': `${offline.plainState}, ${offline.plainLines.length - 1} events, server received ${receivedWhileOffline}`,
        'plain socket after online': `echo arrived, server received ${receivedOnline}`,
        'heartbeat detection (ms after offline)': Math.round(detection),
        'attempts while offline': attemptsWhileOffline,
        'reopened after online (ms)': Math.round(reopen),
      },
    });
  });
}
