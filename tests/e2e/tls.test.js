// The key flows over wss:// from a secure context: the harness page is served over HTTPS by a
// `resocket-server --tls` (self-signed certificate, accepted with Playwright's
// ignoreHTTPSErrors), and the sockets go to that server's wss:// endpoints:
// - the page is a secure context; open, echo, and the server counts the connection
// - a connection dropped after an echo (no close frame) reports 1006 and reconnects over wss
// - the heartbeat closes a silent connection with 4000 and reconnects

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, WatchedPage } from './support/browser.js';
import { pagesDir } from './support/paths.js';
import { startServer } from './support/server.js';
import { requirePackage } from './support/suite.js';

const FAST = { minReconnectionDelay: 50, maxReconnectionDelay: 1000, jitter: 0 };
let server;
let browser;

before(async () => {
  requirePackage();
  server = await startServer({ www: pagesDir, tls: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** `fn(page)` on the harness page served over HTTPS; fails on uncaught errors or wasm traps. */
function tlsTest(name, fn) {
  test(name, { timeout: 20_000 }, async () => {
    assert.match(server.url, /^https:/);
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = new WatchedPage(await context.newPage());
    try {
      const query = new URLSearchParams({ ws: server.wsUrl, http: server.url });
      await page.page.goto(`${server.url}/harness.html?${query}`);
      await page.page.waitForFunction(() => window.harnessReady === true, null, { timeout: 10_000 });
      await fn(page);
      assert.deepEqual(page.problems, [], 'the page reported uncaught errors or a wasm trap');
    } catch (error) {
      if (page.console.length) error.message += `\n--- page console ---\n${page.console.slice(-30).join('\n')}`;
      throw error;
    } finally {
      await context.close();
    }
  });
}

tlsTest('a secure context opens wss://, echoes, and the server counts the connection', async (page) => {
  const result = await page.run(async () => {
    const client = h.client('tls');
    const socket = new ReSocket(h.url('/echo', { client }), null, { jitter: 0 });
    const log = h.record(socket);
    await log.until((l) => l.count('open') === 1, 'open');
    socket.send('over wss');
    await log.until((l) => l.count('message') === 1, 'the echo');
    const stats = await h.clientStats(client);
    socket.close();
    await log.until((l) => l.count('close') === 1, 'the close');
    return { secure: window.isSecureContext, url: socket.url, stats, lines: log.lines() };
  });
  assert.equal(result.secure, true);
  assert.match(result.url, /^wss:\/\/127\.0\.0\.1:\d+\/echo\?/);
  assert.equal(result.stats?.open, 1, JSON.stringify(result.stats));
  assert.deepEqual(result.lines, ['open', 'message "over wss"', 'close 1000 "" wasClean=true willReconnect=false']);
});

tlsTest('a dropped wss connection reports 1006 and reconnects', async (page) => {
  const lines = await page.run(async (fast) => {
    const socket = new ReSocket(h.url('/echo', { client: h.client('tls-drop'), drop_after: 1 }), null, fast);
    const log = h.record(socket);
    socket.addEventListener('open', () => { if (log.count('open') === 1) socket.send('hi'); });
    await log.until((l) => l.count('open') === 2, 'the reconnect');
    socket.close();
    return log.lines().filter((line) => !line.startsWith('error'));
  }, FAST);
  assert.deepEqual(lines.slice(0, 5), [
    'open',
    'message "hi"',
    'close 1006 "" wasClean=false willReconnect=true',
    'reconnecting attempt=1 delayMs=50',
    'open',
  ]);
});

tlsTest('the heartbeat closes a silent wss connection with 4000 and reconnects', async (page) => {
  const lines = await page.run(async (fast) => {
    const socket = new ReSocket(h.url('/echo', { client: h.client('tls-silent'), silent: 1 }), null, {
      ...fast,
      heartbeat: { intervalMs: 100, timeoutMs: 150 },
    });
    const log = h.record(socket);
    await log.until((l) => l.count('open') === 2, 'the reconnect after the heartbeat timeout', 4000);
    socket.close();
    return log.lines().filter((line) => !line.startsWith('error'));
  }, FAST);
  assert.match(lines[1], /^close 4000 /, lines.join('\n'));
  assert.deepEqual([lines[0], lines[2], lines[3]], ['open', 'reconnecting attempt=1 delayMs=50', 'open']);
});
