// Reconnect policy and providers, against the test server's fault injection:
// - maxRetries: 1 against a refused handshake (reject=503): two attempts, then closed for
//   good (willReconnect false, RETRIES_EXHAUSTED); reconnect() then connects again with the
//   retry count reset
// - a URL provider function and one returning a Promise (of a URL object) are asked before
//   every attempt; a provider that throws counts as a failed attempt (URL_PROVIDER error)
// - a protocols provider is asked before every attempt; `protocol` tells the server's choice
// - the heartbeat closes a silent connection (silent=1) with 4000 and reconnects
// - final close codes (default 1008, and finalCloseCodes) and shouldReconnectOnClose stop
//   reconnecting; 1013 (try again later) waits the longest delay
// - connectionTimeout abandons a handshake the server never answers (hang=1) and retries
// - reconnect(code, reason) on an open socket closes it with that code and connects again at once

import assert from 'node:assert/strict';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite();
const FAST = { minReconnectionDelay: 50, jitter: 0 };

suite.test('after maxRetries the socket stays closed until reconnect(), which starts over', async (page) => {
  const result = await page.run(async (fast) => {
    const client = h.client('retries');
    let refuse = true;
    let calls = 0;
    const url = () => {
      calls += 1;
      return h.url('/echo', refuse ? { client, reject: 503 } : { client });
    };
    const socket = new ReSocket(url, null, { ...fast, maxRetries: 1 });
    const log = h.record(socket);
    await log.until((l) => l.some((e) => e.type === 'close' && !e.willReconnect), 'the final close');
    await h.sleep(300);
    const exhausted = {
      calls,
      readyState: socket.readyState,
      retryCount: socket.retryCount,
      lines: log.lines(),
    };
    refuse = false;
    log.length = 0;
    socket.reconnect();
    await log.until((l) => l.count('open') === 1, 'open after reconnect()');
    const after = { calls, readyState: socket.readyState, retryCount: socket.retryCount, lines: log.lines() };
    socket.close();
    return { exhausted, after, stats: await h.clientStats(client) };
  }, FAST);
  assert.equal(result.exhausted.calls, 2, 'the first attempt and one retry');
  assert.equal(result.exhausted.readyState, 3);
  const closes = result.exhausted.lines.filter((line) => line.startsWith('close'));
  assert.deepEqual(closes, [
    'close 1006 "" wasClean=false willReconnect=true',
    'close 1006 "" wasClean=false willReconnect=false',
  ]);
  assert.deepEqual(
    result.exhausted.lines.filter((line) => line.startsWith('reconnecting')),
    ['reconnecting attempt=1 delayMs=50'],
  );
  assert.ok(result.exhausted.lines.includes('error RETRIES_EXHAUSTED'), result.exhausted.lines.join('\n'));
  assert.equal(result.after.calls, 3);
  assert.equal(result.after.readyState, 1);
  assert.equal(result.after.retryCount, 0);
  assert.deepEqual(result.after.lines, ['open']);
  assert.equal(result.stats.total, 1, 'only the attempt after reconnect() got through');
});

suite.test('a URL provider function is called before every attempt', async (page) => {
  const result = await page.run(async (fast) => {
    const client = h.client('url-fn');
    let calls = 0;
    const socket = new ReSocket(() => {
      calls += 1;
      return h.url('/echo', { client, drop_after: 1, attempt: calls });
    }, null, fast);
    const log = h.record(socket);
    const urls = [];
    socket.onopen = () => { urls.push(socket.url); socket.send('x'); };
    await log.until((l) => l.count('open') === 3, 'three connections');
    socket.close();
    return { calls, urls: urls.map((url) => new URL(url).searchParams.get('attempt')) };
  }, FAST);
  assert.equal(result.calls, 3);
  assert.deepEqual(result.urls, ['1', '2', '3'], 'each connection used the URL of its own call');
});

suite.test('a URL provider returning a Promise of a URL object is awaited before every attempt', async (page) => {
  const result = await page.run(async (fast) => {
    const client = h.client('url-promise');
    let calls = 0;
    const socket = new ReSocket(async () => {
      calls += 1;
      await h.sleep(20);
      return new URL(h.url('/echo', { client, drop_after: 1, attempt: calls }));
    }, null, fast);
    const log = h.record(socket);
    socket.onopen = () => socket.send('x');
    await log.until((l) => l.count('open') === 2, 'two connections');
    const url = socket.url;
    socket.close();
    return { calls, attempt: new URL(url).searchParams.get('attempt'), stats: await h.clientStats(client) };
  }, FAST);
  assert.equal(result.calls, 2);
  assert.equal(result.attempt, '2');
  assert.equal(result.stats.total, 2);
});

suite.test('a URL provider that throws counts as a failed attempt and is asked again', async (page) => {
  const result = await page.run(async (fast) => {
    const client = h.client('url-throws');
    let calls = 0;
    const socket = new ReSocket(() => {
      calls += 1;
      if (calls === 1) throw new Error('no token yet');
      return h.url('/echo', { client });
    }, null, fast);
    const log = h.record(socket);
    await log.until((l) => l.count('open') === 1, 'open on the second call');
    socket.close();
    const error = log.find((e) => e.type === 'error');
    return { calls, error, lines: log.lines() };
  }, FAST);
  assert.equal(result.calls, 2);
  assert.equal(result.error?.code, 'URL_PROVIDER', result.lines.join('\n'));
  assert.equal(result.error.errorIsReSocketError, true);
  assert.ok(result.lines.includes('reconnecting attempt=1 delayMs=50'), result.lines.join('\n'));
});

suite.test('a protocols provider is asked before every attempt; protocol is the server\'s choice', async (page) => {
  const result = await page.run(async (fast) => {
    let calls = 0;
    const socket = new ReSocket(h.url('/echo', { client: h.client('protocols'), drop_after: 1 }), async () => {
      calls += 1;
      return [`v${calls}.resocket`, 'fallback'];
    }, fast);
    const log = h.record(socket);
    const protocols = [];
    socket.onopen = () => { protocols.push(socket.protocol); socket.send('x'); };
    await log.until((l) => l.count('open') === 2, 'two connections');
    socket.close();

    const fixed = new ReSocket(h.url('/echo', { client: h.client('protocol-string') }), 'chat.v1', fast);
    const fixedLog = h.record(fixed);
    await fixedLog.until((l) => l.count('open') === 1, 'open');
    const fixedProtocol = fixed.protocol;
    fixed.close();
    return { calls, protocols, fixedProtocol };
  }, FAST);
  assert.equal(result.calls, 2);
  assert.deepEqual(result.protocols, ['v1.resocket', 'v2.resocket']);
  assert.equal(result.fixedProtocol, 'chat.v1');
});

suite.test('the heartbeat closes a silent connection with 4000 and reconnects', async (page) => {
  const result = await page.run(async (fast) => {
    const socket = new ReSocket(h.url('/echo', { client: h.client('silent'), silent: 1 }), null, {
      ...fast,
      heartbeat: { intervalMs: 100, timeoutMs: 150 },
    });
    const log = h.record(socket);
    await log.until((l) => l.count('open') === 2, 'the reconnect after the heartbeat timeout', 4000);
    socket.close();
    const opened = log.find((e) => e.type === 'open').at;
    const close = log.find((e) => e.type === 'close');
    return { close, afterMs: close.at - opened, lines: log.lines() };
  }, FAST);
  assert.equal(result.close.code, 4000, result.lines.join('\n'));
  assert.equal(result.close.willReconnect, true);
  assert.ok(result.afterMs >= 200 && result.afterMs < 1500, `closed ${result.afterMs} ms after open`);
  assert.deepEqual(
    result.lines.filter((line) => !line.startsWith('error')).slice(0, 4),
    ['open', result.lines.find((line) => line.startsWith('close')), 'reconnecting attempt=1 delayMs=50', 'open'],
  );
});

suite.test('final close codes and shouldReconnectOnClose stop reconnecting', async (page) => {
  const result = await page.run(async (fast) => {
    async function run(query, options) {
      const socket = new ReSocket(h.url('/echo', { client: h.client('final'), ...query }), null, { ...fast, ...options });
      const log = h.record(socket);
      await log.until((l) => l.count('close') === 1, 'the server close');
      await h.sleep(250);
      return { lines: log.lines(), readyState: socket.readyState };
    }
    const vetoed = [];
    return {
      policy: await run({ close_after: 0, code: 1008, reason: 'policy' }, {}),
      custom: await run({ close_after: 0, code: 4009, reason: 'banned' }, { finalCloseCodes: [4009] }),
      vetoed: await run({ close_after: 0, code: 4000, reason: 'nope' }, {
        shouldReconnectOnClose: (event) => { vetoed.push(event.code); return false; },
      }),
      vetoedCodes: vetoed,
      allowed: await run({ close_after: 0, code: 4000, reason: 'again' }, {}),
    };
  }, FAST);
  assert.deepEqual(result.policy.lines, ['open', 'close 1008 "policy" wasClean=true willReconnect=false']);
  assert.equal(result.policy.readyState, 3);
  assert.deepEqual(result.custom.lines, ['open', 'close 4009 "banned" wasClean=true willReconnect=false']);
  assert.deepEqual(result.vetoed.lines, ['open', 'close 4000 "nope" wasClean=true willReconnect=false']);
  assert.deepEqual(result.vetoedCodes, [4000]);
  assert.deepEqual(result.allowed.lines.slice(0, 4), [
    'open',
    'close 4000 "again" wasClean=true willReconnect=true',
    'reconnecting attempt=1 delayMs=50',
    'open',
  ]);
});

suite.test('1013 (try again later) waits maxReconnectionDelay before the retry', async (page) => {
  const reconnecting = await page.run(async () => {
    const socket = new ReSocket(h.url('/echo', { client: h.client('again-later'), close_after: 0, code: 1013 }), null, {
      minReconnectionDelay: 50,
      maxReconnectionDelay: 300,
      jitter: 0,
    });
    const log = h.record(socket);
    await log.until((l) => l.count('reconnecting') === 1, 'the retry');
    socket.close();
    return log.find((e) => e.type === 'reconnecting');
  });
  assert.equal(reconnecting.attempt, 1);
  assert.equal(reconnecting.delayMs, 300);
});

suite.test('connectionTimeout abandons an unanswered handshake and retries', async (page) => {
  const result = await page.run(async (fast) => {
    const socket = new ReSocket(h.url('/echo', { client: h.client('hang'), hang: 1 }), null, {
      ...fast,
      connectionTimeout: 200,
    });
    const started = performance.now();
    const log = h.record(socket);
    await log.until((l) => l.count('reconnecting') === 1, 'the retry after the timeout');
    const close = log.find((e) => e.type === 'close');
    socket.close();
    return { lines: log.lines(), close, afterMs: close.at - started };
  }, FAST);
  assert.equal(result.close.code, 1006, result.lines.join('\n'));
  assert.equal(result.close.willReconnect, true);
  assert.ok(result.afterMs >= 180 && result.afterMs < 1500, `timed out after ${result.afterMs} ms`);
  assert.ok(result.lines.includes('error CONNECT_TIMEOUT'), result.lines.join('\n'));
  assert.equal(result.lines.indexOf('open'), -1);
});

suite.test('reconnect() on an open socket drops it and connects again at once', async (page) => {
  const result = await page.run(async () => {
    const client = h.client('reconnect-open');
    const socket = new ReSocket(h.url('/echo', { client }), null, { minReconnectionDelay: 5000, jitter: 0 });
    const log = h.record(socket);
    await log.until((l) => l.count('open') === 1, 'open');
    const started = performance.now();
    socket.reconnect(4100, 'refresh');
    await log.until((l) => l.count('open') === 2, 'the second open', 3000);
    const tookMs = performance.now() - started;
    socket.send('after');
    await log.until((l) => l.count('message') === 1, 'the echo');
    socket.close();
    return { client, tookMs, lines: log.lines(), stats: await h.clientStats(client) };
  });
  let closings = [];
  for (let i = 0; i < 100 && closings.length === 0; i++) {
    closings = suite.server.closings(result.client);
    if (closings.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(closings[0], 'client closed with 4100 "refresh"', 'reconnect(code, reason) reached the server');
  assert.ok(result.tookMs < 2000, `reconnected after ${result.tookMs} ms, not after minReconnectionDelay`);
  const closes = result.lines.filter((line) => line.startsWith('close'));
  const dropped = result.lines.find((line) => line.startsWith('close'));
  assert.match(dropped, /^close 4100 "refresh" wasClean=(true|false) willReconnect=true$/);
  assert.ok(result.lines.includes('message "after"'));
  assert.equal(result.stats.total, 2);
});
