// Bad input is refused where it is given, as the right JavaScript error, never a wasm trap:
// - the constructor throws TypeError for wrong option types and out-of-range values
//   (negative delays, NaN, jitter > 1, maxEnqueuedMessages 0, unknown format or overflow,
//   malformed heartbeat, non-object options, a misspelt option name) and for a URL that is not a string, URL or function
// - it throws SyntaxError for URLs WebSocket refuses (ftp:, unparsable, with a fragment) and
//   for invalid subprotocols
// - a URL provider that yields an invalid URL gives an INVALID_URL error event and a retry
// - debug: true logs to the console, with the URL's query (a token) redacted, the same lines on
//   both faces
// - every valid option together is accepted, and after all of the above the module still
//   connects and echoes (no trap poisoned it); uncaught errors and "unreachable" /
//   "RuntimeError" on the console fail every test (support/suite.js)
// The debug test records its row of RELIABILITY.md's section 5 (support/report.js).

import assert from 'node:assert/strict';
import { rustFaceDir } from './support/paths.js';
import { reporter } from './support/report.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const report = reporter(import.meta.url);

/** Runs `new ReSocket(url, protocols, options)` for each case in the page; returns what it threw. */
async function construct(page, cases) {
  return page.run((cases) => cases.map(({ label, url, protocols, options }) => {
    const resolved = url === '$echo' ? h.url('/echo', { client: h.client('options') }) : url;
    try {
      new ReSocket(resolved, protocols, { startClosed: true, ...options }).close();
      return { label, threw: 'nothing' };
    } catch (error) {
      return { label, threw: error?.name, isTypeError: error instanceof TypeError, message: String(error?.message) };
    }
  }), cases);
}

suite.test('invalid options throw TypeError from the constructor', async (page) => {
  const cases = [
    ['minReconnectionDelay as a string', { minReconnectionDelay: '100' }],
    ['negative minReconnectionDelay', { minReconnectionDelay: -1 }],
    ['NaN minReconnectionDelay', { minReconnectionDelay: NaN }],
    ['negative maxReconnectionDelay', { maxReconnectionDelay: -50 }],
    ['NaN reconnectionDelayGrowFactor', { reconnectionDelayGrowFactor: NaN }],
    ['negative minUptime', { minUptime: -1 }],
    ['negative connectionTimeout', { connectionTimeout: -1 }],
    ['negative maxRetries', { maxRetries: -1 }],
    ['maxEnqueuedMessages 0', { maxEnqueuedMessages: 0 }],
    ['jitter above 1', { jitter: 1.5 }],
    ['negative jitter', { jitter: -0.1 }],
    ['NaN jitter', { jitter: NaN }],
    ['unknown format', { format: 'xml' }],
    ['unknown overflow', { overflow: 'drop-newest' }],
    ['startClosed as a string', { startClosed: 'yes' }],
    ['heartbeat without timeoutMs', { heartbeat: { intervalMs: 100 } }],
    ['heartbeat with a negative interval', { heartbeat: { intervalMs: -5, timeoutMs: 100 } }],
    ['finalCloseCodes not an array', { finalCloseCodes: 1008 }],
    ['shouldReconnectOnClose not a function', { shouldReconnectOnClose: 'no' }],
    ['a misspelt option', { heartBeat: { intervalMs: 100, timeoutMs: 100 } }],
  ].map(([label, options]) => ({ label, url: '$echo', protocols: null, options }));
  const results = await construct(page, cases);
  for (const result of results) {
    assert.equal(result.threw, 'TypeError', `${result.label}: threw ${result.threw} (${result.message})`);
    assert.ok(result.message.length > 0, `${result.label}: the error says why`);
  }
  const notAnObject = await page.run(() => {
    try {
      new ReSocket(h.url('/echo'), null, 5);
      return 'nothing';
    } catch (error) {
      return error.name;
    }
  });
  assert.equal(notAnObject, 'TypeError', 'options that are not an object');
  const misspelt = results.find((result) => result.label === 'a misspelt option');
  assert.match(misspelt.message, /unknown option `heartBeat`/, 'the error names the option');
});

suite.test('invalid URLs and subprotocols throw SyntaxError or TypeError from the constructor', async (page) => {
  const results = await construct(page, [
    { label: 'ftp: URL', url: 'ftp://127.0.0.1/echo', protocols: null },
    { label: 'unparsable URL', url: 'ws://exa mple.com:99999/', protocols: null },
    { label: 'URL with a fragment', url: 'ws://127.0.0.1:9/echo#part', protocols: null },
    { label: 'a number as URL', url: 42, protocols: null },
    { label: 'an object as URL', url: { href: 'ws://127.0.0.1/' }, protocols: null },
    { label: 'subprotocol with a space', url: '$echo', protocols: 'chat v1' },
    { label: 'duplicate subprotocols', url: '$echo', protocols: ['a', 'a'] },
    { label: 'a number as protocols', url: '$echo', protocols: 42 },
  ]);
  const threw = Object.fromEntries(results.map((result) => [result.label, result.threw]));
  assert.deepEqual(threw, {
    'ftp: URL': 'SyntaxError',
    'unparsable URL': 'SyntaxError',
    'URL with a fragment': 'SyntaxError',
    'a number as URL': 'TypeError',
    'an object as URL': 'TypeError',
    'subprotocol with a space': 'SyntaxError',
    'duplicate subprotocols': 'SyntaxError',
    'a number as protocols': 'TypeError',
  });
});

suite.test('a URL provider yielding an invalid URL gives an INVALID_URL error and a retry', async (page) => {
  const result = await page.run(async () => {
    const client = h.client('provider-invalid');
    let calls = 0;
    const socket = new ReSocket(() => {
      calls += 1;
      return calls === 1 ? 'ftp://127.0.0.1/echo' : h.url('/echo', { client });
    }, null, { minReconnectionDelay: 50, jitter: 0 });
    const log = h.record(socket);
    await log.until((l) => l.count('open') === 1, 'open on the second call');
    socket.close();
    return { calls, lines: log.lines() };
  });
  assert.equal(result.calls, 2);
  assert.ok(result.lines.includes('error INVALID_URL'), result.lines.join('\n'));
  assert.ok(result.lines.includes('reconnecting attempt=1 delayMs=50'), result.lines.join('\n'));
  assert.equal(result.lines.at(-1), 'open');
});

suite.test('every valid option together is accepted, and the module still works after refusals', async (page) => {
  const result = await page.run(async () => {
    for (const bad of [{ jitter: 2 }, { maxEnqueuedMessages: 0 }, { minReconnectionDelay: NaN }]) {
      try { new ReSocket(h.url('/echo'), null, bad); } catch { /* refused, as the test above proves */ }
    }
    try { new ReSocket('ftp://127.0.0.1/', null, {}); } catch { /* refused */ }
    const client = h.client('all-options');
    const socket = new ReSocket(new URL(h.url('/echo', { client })), ['v1.test'], {
      minReconnectionDelay: 10,
      maxReconnectionDelay: 100,
      reconnectionDelayGrowFactor: 1.5,
      minUptime: 1000,
      connectionTimeout: 2000,
      maxRetries: 3,
      maxEnqueuedMessages: 5,
      startClosed: false,
      debug: false,
      shouldReconnectOnClose: () => true,
      jitter: 1,
      heartbeat: { intervalMs: 1000, timeoutMs: 1000, ping: 'ping', pong: (data) => data === 'pong' },
      finalCloseCodes: [4999],
      overflow: 'error',
      format: 'json',
      maxMessageBytes: 1 << 20,
      requestIdField: 'rid',
      requestTimeoutMs: 5000,
      resendRequests: false,
      // reconnecting-websocket's and partysocket's options that resocket accepts and ignores.
      WebSocket: globalThis.WebSocket,
      debugLogger: () => {},
    });
    const log = h.record(socket);
    socket.send({ ok: true });
    await log.until((l) => l.count('message') === 1, 'the echo');
    const protocol = socket.protocol;
    socket.close();
    return { lines: log.lines(), protocol };
  });
  assert.deepEqual(result.lines, ['open', 'message {"ok":true}']);
  assert.equal(result.protocol, 'v1.test');
});

suite.test('debug logs what happens to the console, without the URL query, alike on both faces', async (page) => {
  const marker = `secret-${Date.now()}`;
  const linesOf = {};
  const clients = [];
  for (const face of ['js', 'rust']) {
    const from = page.console.length;
    const client = await page.run(async ({ face, marker }) => {
      const client = h.client('debug');
      const socket = await h.open(face, h.url('/echo', { client, token: marker }), { debug: true });
      const log = h.record(socket);
      await log.until((l) => l.count('open') === 1, 'open');
      socket.close();
      await log.until((l) => l.count('close') === 1, 'close');
      return client;
    }, { face, marker });
    clients.push(client);
    linesOf[face] = page.console.slice(from)
      .filter((line) => !line.startsWith('console.error: WebSocket connection'))
      // The client tag differs between the two sockets; the URL is redacted after the path.
      .map((line) => line.replaceAll(client, 'CLIENT'));
  }
  for (const [face, lines] of Object.entries(linesOf)) {
    assert.ok(lines.length > 0, `${face}: debug: true logged something`);
    assert.deepEqual(lines.filter((line) => line.includes(marker)), [], `${face}: the token never reaches the console`);
  }
  assert.deepEqual(linesOf.rust, linesOf.js, 'both faces log the same lines');
  assert.deepEqual(page.problems, [], 'the page reported uncaught errors or a wasm trap');
  // Both query values are secrets as far as the log knows; neither may appear.
  const probes = [marker, ...clients];
  const lines = [...linesOf.js, ...linesOf.rust];
  report({
    section: 'security',
    row: 'debug logging redacts the URL query (a token)',
    checked: 'with debug: true, a socket of each face to /echo?client=…&token=SECRET opens and closes; the console has ' +
      'debug lines, the same on both faces, and none contains the token',
    figures: {
      'console lines logged': lines.length,
      'lines showing the URL, redacted': lines.filter((line) => line.includes('/echo?[redacted]')).length,
      'secret query values probed': probes.length,
      'lines containing any of them': lines.filter((line) => probes.some((probe) => line.includes(probe))).length,
    },
  });
});
