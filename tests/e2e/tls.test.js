// The key flows over wss:// from a secure context, for the JS and the Rust face (`h.open(face,
// url, options)`, pages/faces.js): the harness page and the Rust face's class are served over
// HTTPS by a `resocket-server --tls` (self-signed certificate, accepted with Playwright's
// ignoreHTTPSErrors; its pages are support/server.js's `pagesWithRustFace`), and the sockets go
// to that server's wss:// endpoints:
// - the page is a secure context; open, echo, close, and the server counts the connection
// - a connection dropped after an echo (no close frame) reports 1006 and reconnects over wss
// - the heartbeat closes a silent connection with 4000 and reconnects
// On the JS face only, as the Rust API has no counterpart: the socket's `url` (wss://).
// When all of a face's tests pass, one row of RELIABILITY.md's section 5 for that face records
// their figures and the TLS session the page was served over (support/report.js).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FACES } from './support/backoff.js';
import { launchBrowser, WatchedPage } from './support/browser.js';
import { reporter } from './support/report.js';
import { pagesWithRustFace, startServer } from './support/server.js';
import { requirePackage } from './support/suite.js';

const FAST = { minReconnectionDelay: 50, maxReconnectionDelay: 1000, jitter: 0 };
const report = reporter(import.meta.url);
let server;
let browser;
/** The tests registered for each face, and the figures of those that passed, by name. */
const tests = new Map(FACES.map(([face]) => [face, []]));
const passed = new Map(FACES.map(([face]) => [face, new Map()]));
/** Playwright's view of the TLS session of the first page load. */
let tlsSession;

before(async () => {
  requirePackage();
  server = await startServer({ www: pagesWithRustFace(), tls: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  for (const [face, faceName] of FACES) {
    const names = tests.get(face);
    if (passed.get(face).size !== names.length) continue;
    const figures = {
      'page served over': `${tlsSession?.protocol}, certificate "${tlsSession?.subjectName}" issued by ` +
        `"${tlsSession?.issuer}"`,
    };
    for (const name of names) Object.assign(figures, passed.get(face).get(name));
    report({
      section: 'security',
      row: 'wss:// from a secure context (resocket-server --tls, its self-signed rcgen certificate)',
      face: faceName,
      checked: `${names.length} of ${names.length} tests over wss passed: open, echo and the server counting the ` +
        'connection; a dropped connection reports 1006 and reconnects over wss; the heartbeat closes a silent ' +
        'connection with 4000 and reconnects; no uncaught error or trap',
      figures,
    });
  }
});

/**
 * `fn(page, face)` for each face on the harness page served over HTTPS; fails on uncaught
 * errors or wasm traps.
 */
function tlsTest(name, fn) {
  for (const [face, faceName] of FACES) tlsFaceTest(face, faceName, name, fn);
}

function tlsFaceTest(face, faceName, name, fn) {
  tests.get(face).push(name);
  test(`${faceName} face: ${name}`, { timeout: 20_000 }, async () => {
    assert.match(server.url, /^https:/);
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = new WatchedPage(await context.newPage());
    try {
      const query = new URLSearchParams({ ws: server.wsUrl, http: server.url });
      const response = await page.page.goto(`${server.url}/harness.html?${query}`);
      tlsSession ??= await response.securityDetails();
      await page.page.waitForFunction(() => window.harnessReady === true, null, { timeout: 10_000 });
      const figures = await fn(page, face);
      assert.deepEqual(page.problems, [], 'the page reported uncaught errors or a wasm trap');
      passed.get(face).set(name, figures);
    } catch (error) {
      if (page.console.length) error.message += `\n--- page console ---\n${page.console.slice(-30).join('\n')}`;
      throw error;
    } finally {
      await context.close();
    }
  });
}

tlsTest('a secure context opens wss://, echoes, and the server counts the connection', async (page, face) => {
  const result = await page.run(async (face) => {
    const client = h.client('tls');
    const created = performance.now();
    const socket = await h.open(face, h.url('/echo', { client }), { jitter: 0 });
    const log = h.record(socket);
    await log.until((l) => l.count('open') === 1, 'open');
    const sent = performance.now();
    socket.send('over wss');
    await log.until((l) => l.count('message') === 1, 'the echo');
    const stats = await h.clientStats(client);
    socket.close();
    await log.until((l) => l.count('close') === 1, 'the close');
    const at = (type) => log.find((entry) => entry.type === type).at;
    return {
      secure: window.isSecureContext,
      url: face === 'js' ? socket.socket.url : undefined,
      stats,
      lines: log.lines(),
      openMs: Math.round(at('open') - created),
      echoMs: Math.round(at('message') - sent),
    };
  }, face);
  assert.equal(result.secure, true);
  if (face === 'js') assert.match(result.url, /^wss:\/\/127\.0\.0\.1:\d+\/echo\?/);
  assert.equal(result.stats?.open, 1, JSON.stringify(result.stats));
  assert.deepEqual(result.lines, ['open', 'message "over wss"', 'close 1000 "" wasClean=true willReconnect=false']);
  return {
    'window.isSecureContext': result.secure,
    ...(face === 'js' ? { 'socket URL scheme': new URL(result.url).protocol } : {}),
    'wss open after (ms)': result.openMs,
    'echo round trip (ms)': result.echoMs,
    'connections the server counted open': result.stats.open,
  };
});

tlsTest('a dropped wss connection reports 1006 and reconnects', async (page, face) => {
  const { lines, reopenMs } = await page.run(async ({ face, fast }) => {
    const socket = await h.open(face, h.url('/echo', { client: h.client('tls-drop'), drop_after: 1 }), fast);
    const log = h.record(socket);
    socket.addEventListener('open', () => { if (log.count('open') === 1) socket.send('hi'); });
    await log.until((l) => l.count('open') === 2, 'the reconnect');
    socket.close();
    const dropped = log.find((entry) => entry.type === 'close').at;
    const reopened = log.filter((entry) => entry.type === 'open')[1].at;
    return { lines: log.lines().filter((line) => !line.startsWith('error')), reopenMs: reopened - dropped };
  }, { face, fast: FAST });
  assert.deepEqual(lines.slice(0, 5), [
    'open',
    'message "hi"',
    'close 1006 "" wasClean=false willReconnect=true',
    'reconnecting attempt=1 delayMs=50',
    'open',
  ]);
  return { 'wss drop: close code': lines[2].split(' ')[1], 'reopened over wss after the drop (ms)': reopenMs };
});

tlsTest('the heartbeat closes a silent wss connection with 4000 and reconnects', async (page, face) => {
  const result = await page.run(async ({ face, fast }) => {
    const socket = await h.open(face, h.url('/echo', { client: h.client('tls-silent'), silent: 1 }), {
      ...fast,
      heartbeat: { intervalMs: 100, timeoutMs: 150 },
    });
    const log = h.record(socket);
    await log.until((l) => l.count('open') === 2, 'the reconnect after the heartbeat timeout', 4000);
    socket.close();
    const opened = log.find((entry) => entry.type === 'open').at;
    const closed = log.find((entry) => entry.type === 'close').at;
    return { lines: log.lines().filter((line) => !line.startsWith('error')), detectedMs: closed - opened };
  }, { face, fast: FAST });
  const { lines } = result;
  assert.match(lines[1], /^close 4000 /, lines.join('\n'));
  assert.deepEqual([lines[0], lines[2], lines[3]], ['open', 'reconnecting attempt=1 delayMs=50', 'open']);
  return { 'silent wss connection closed 4000 after open (ms, heartbeat 100 + 150)': result.detectedMs };
});
