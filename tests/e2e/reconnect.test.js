// Reconnect policy and providers, for the JS and the Rust face (`h.open(face, url, options,
// protocols)`, pages/faces.js), against the test server's fault injection:
// - maxRetries: 1 against a refused handshake (reject=503): two attempts, then closed for
//   good (willReconnect false, RETRIES_EXHAUSTED); reconnect() then connects again with the
//   retry count reset
// - a URL provider function (the Rust face: `Config::with_url_fn`) and an async one
//   (`Config::with_async_url_fn`) are asked before every attempt, and each connection uses
//   the URL of its own call (the server's log shows each connection's query); a provider that
//   throws counts as a failed attempt (URL_PROVIDER error)
// - fixed subprotocols (`Config::protocols`): `protocol` tells the server's choice
// - the heartbeat closes a silent connection (silent=1) with 4000 and reconnects; a pong
//   function (`Heartbeat::pong_matching`) decides which replies are pongs (they measure
//   rttMs and are not messages) and which are messages
// - final close codes (default 1008, and finalCloseCodes) and shouldReconnectOnClose
//   (`Config::should_reconnect`) stop reconnecting; 1013 (try again later) waits the longest
//   delay
// - connectionTimeout abandons a handshake the server never answers (hang=1) and retries
// - reconnect(code, reason) (`Sender::reconnect_with`) on an open socket closes it with that
//   code and connects again at once
// - statechange (`Event::StateChanged`) reports each change of state once, after the events
//   of the change: connecting, open, waiting, connecting again, closing, closed
// Every test but one runs on both faces. On the JS face only, as the Rust API has no
// counterpart:
// - a protocols provider asked before every attempt (the Rust API's subprotocols are fixed)
// - `url`, the URL of the current connection (the Rust API has none; the server's log checks
//   the same on both faces), a provider's Promise of a URL object (the Rust API's providers
//   return a String: the Rust face's returns the URL's text), and the URL_PROVIDER error's
//   class, ReSocketError

import assert from 'node:assert/strict';
import { FACES } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const FAST = { minReconnectionDelay: 50, jitter: 0 };

/** The `attempt` query parameter of each connection of `client` the server opened, once there are `count`. */
async function openedAttempts(client, count) {
  let opened = suite.server.opened(client);
  for (let i = 0; i < 100 && opened.length < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    opened = suite.server.opened(client);
  }
  return opened.map(({ query }) => query.attempt);
}

suite.test('JS face: a protocols provider is asked before every attempt; protocol is the server\'s choice', async (page) => {
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
    return { calls, protocols };
  }, FAST);
  assert.equal(result.calls, 2);
  assert.deepEqual(result.protocols, ['v1.resocket', 'v2.resocket']);
});

for (const [face, faceName] of FACES) {

  suite.test(`${faceName} face: after maxRetries the socket stays closed until reconnect(), which starts over`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('retries');
      let refuse = true;
      let calls = 0;
      const url = () => {
        calls += 1;
        return h.url('/echo', refuse ? { client, reject: 503 } : { client });
      };
      const socket = await h.open(face, url, { ...fast, maxRetries: 1 });
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
      return { exhausted, after, stats: await h.clientStatsOnceCounted(client, 1) };
    }, { face, fast: FAST });
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

  suite.test(`${faceName} face: statechange reports every change of state, waiting to connecting included, after the events of the change`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('statechange');
      const socket = await h.open(face, h.url('/echo', { client, drop_after: 1 }), fast, {
        listen: (socket) => { socket.log = h.record(socket, ['open', 'close', 'reconnecting', 'statechange']); },
      });
      const { log } = socket;
      await log.until((l) => l.count('open') === 1, 'open');
      socket.send('x'); // the server drops the connection after one message
      await log.until((l) => l.count('open') === 2, 'the second open');
      socket.close();
      await log.until((l) => l.some((e) => e.type === 'close' && !e.willReconnect), 'the final close');
      await h.sleep(100);
      return { lines: log.lines(), state: socket.state };
    }, { face, fast: FAST });
    assert.deepEqual(result.lines, [
      'state connecting',
      'open',
      'state open',
      'close 1006 "" wasClean=false willReconnect=true',
      'reconnecting attempt=1 delayMs=50',
      'state waiting',
      'state connecting',
      'open',
      'state open',
      'state closing',
      'close 1000 "" wasClean=true willReconnect=false',
      'state closed',
    ]);
    assert.equal(result.state, 'closed');
  });

  suite.test(`${faceName} face: a URL provider function is called before every attempt`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('url-fn');
      let calls = 0;
      const socket = await h.open(face, () => {
        calls += 1;
        return h.url('/echo', { client, drop_after: 1, attempt: calls });
      }, fast);
      const log = h.record(socket);
      const urls = [];
      socket.addEventListener('open', () => {
        // The JS face's `url`; the Rust API has none (the server's log is checked below).
        if (face === 'js') urls.push(socket.socket.url);
        socket.send('x');
      });
      await log.until((l) => l.count('open') === 3, 'three connections');
      socket.close();
      return { client, calls, urls: urls.map((url) => new URL(url).searchParams.get('attempt')) };
    }, { face, fast: FAST });
    assert.equal(result.calls, 3);
    if (face === 'js') assert.deepEqual(result.urls, ['1', '2', '3'], 'each connection used the URL of its own call');
    assert.deepEqual(await openedAttempts(result.client, 3), ['1', '2', '3'], 'the server saw each call\'s URL, in order');
  });

  suite.test(`${faceName} face: an async URL provider (a Promise of a URL object on the JS face) is awaited before every attempt`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('url-promise');
      let calls = 0;
      const socket = await h.open(face, async () => {
        calls += 1;
        await h.sleep(20);
        const url = h.url('/echo', { client, drop_after: 1, attempt: calls });
        // The Rust API's providers return a String.
        return face === 'js' ? new URL(url) : url;
      }, fast);
      const log = h.record(socket);
      socket.addEventListener('open', () => socket.send('x'));
      await log.until((l) => l.count('open') === 2, 'two connections');
      const url = face === 'js' ? socket.socket.url : undefined;
      socket.close();
      return {
        client,
        calls,
        attempt: url && new URL(url).searchParams.get('attempt'),
        stats: await h.clientStatsOnceCounted(client, 2),
      };
    }, { face, fast: FAST });
    assert.equal(result.calls, 2);
    if (face === 'js') assert.equal(result.attempt, '2');
    assert.deepEqual(await openedAttempts(result.client, 2), ['1', '2'], 'the server saw each call\'s URL, in order');
    assert.equal(result.stats.total, 2);
  });

  suite.test(`${faceName} face: a URL provider that throws counts as a failed attempt and is asked again`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('url-throws');
      let calls = 0;
      // The first call fails in the constructor: the error is recorded from the start.
      let log;
      const socket = await h.open(face, () => {
        calls += 1;
        if (calls === 1) throw new Error('no token yet');
        return h.url('/echo', { client });
      }, fast, { listen: (socket) => { log = h.record(socket); } });
      await log.until((l) => l.count('open') === 1, 'open on the second call');
      socket.close();
      const error = log.find((e) => e.type === 'error');
      return { calls, error, lines: log.lines() };
    }, { face, fast: FAST });
    assert.equal(result.calls, 2);
    assert.equal(result.error?.code, 'URL_PROVIDER', result.lines.join('\n'));
    // The error's class is the JS face's own.
    if (face === 'js') assert.equal(result.error.errorIsReSocketError, true);
    assert.ok(result.lines.includes('reconnecting attempt=1 delayMs=50'), result.lines.join('\n'));
  });

  suite.test(`${faceName} face: fixed subprotocols: protocol is the server's choice`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const fixed = await h.open(face, h.url('/echo', { client: h.client('protocol-string') }), fast, { protocols: 'chat.v1' });
      const fixedLog = h.record(fixed);
      await fixedLog.until((l) => l.count('open') === 1, 'open');
      const fixedProtocol = fixed.protocol;
      fixed.close();

      const listed = await h.open(face, h.url('/echo', { client: h.client('protocol-list') }), fast, { protocols: ['v2.resocket', 'fallback'] });
      const listedLog = h.record(listed);
      await listedLog.until((l) => l.count('open') === 1, 'open');
      const listedProtocol = listed.protocol;
      listed.close();
      return { fixedProtocol, listedProtocol };
    }, { face, fast: FAST });
    assert.equal(result.fixedProtocol, 'chat.v1');
    assert.equal(result.listedProtocol, 'v2.resocket');
  });

  suite.test(`${faceName} face: the heartbeat closes a silent connection with 4000 and reconnects`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const socket = await h.open(face, h.url('/echo', { client: h.client('silent'), silent: 1 }), {
        ...fast,
        heartbeat: { intervalMs: 100, timeoutMs: 150 },
      });
      const log = h.record(socket);
      await log.until((l) => l.count('open') === 2, 'the reconnect after the heartbeat timeout', 4000);
      socket.close();
      const opened = log.find((e) => e.type === 'open').at;
      const close = log.find((e) => e.type === 'close');
      return { close, afterMs: close.at - opened, lines: log.lines() };
    }, { face, fast: FAST });
    assert.equal(result.close.code, 4000, result.lines.join('\n'));
    assert.equal(result.close.willReconnect, true);
    assert.ok(result.afterMs >= 200 && result.afterMs < 1500, `closed ${result.afterMs} ms after open`);
    assert.deepEqual(
      result.lines.filter((line) => !line.startsWith('error')).slice(0, 4),
      ['open', result.lines.find((line) => line.startsWith('close')), 'reconnecting attempt=1 delayMs=50', 'open'],
    );
  });

  suite.test(`${faceName} face: a heartbeat pong function decides which replies are pongs`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      async function run(accept) {
        const seen = new Set();
        const socket = await h.open(face, h.url('/echo', { client: h.client('pong-fn') }), {
          ...fast,
          heartbeat: { intervalMs: 100, timeoutMs: 150, pong: (data) => { seen.add(data); return accept(data); } },
        });
        const log = h.record(socket);
        await log.until((l) => l.count('open') === 1, 'open');
        await h.sleep(700);
        const outcome = { rtt: socket.rttMs, seen: [...seen], lines: log.lines() };
        socket.close();
        return outcome;
      }
      return { accepted: await run((data) => data === 'pong'), refused: await run(() => false) };
    }, { face, fast: FAST });
    // Accepted: the replies measure the round trip and are not messages; nothing closes.
    assert.ok(result.accepted.rtt >= 0 && result.accepted.rtt < 3000, `rttMs ${result.accepted.rtt}`);
    assert.deepEqual(result.accepted.seen, ['pong']);
    assert.deepEqual(result.accepted.lines, ['open']);
    // Refused: the replies are messages, which still show the connection alive; no round trip.
    assert.equal(result.refused.rtt, undefined);
    assert.deepEqual(result.refused.seen, ['pong']);
    assert.ok(result.refused.lines.length >= 3, result.refused.lines.join('\n'));
    assert.deepEqual(result.refused.lines, ['open', ...Array(result.refused.lines.length - 1).fill('message "pong"')]);
  });

  suite.test(`${faceName} face: final close codes and shouldReconnectOnClose stop reconnecting`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      async function run(query, options) {
        const socket = await h.open(face, h.url('/echo', { client: h.client('final'), ...query }), { ...fast, ...options });
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
    }, { face, fast: FAST });
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

  suite.test(`${faceName} face: 1013 (try again later) waits maxReconnectionDelay before the retry`, async (page) => {
    const reconnecting = await page.run(async (face) => {
      const socket = await h.open(face, h.url('/echo', { client: h.client('again-later'), close_after: 0, code: 1013 }), {
        minReconnectionDelay: 50,
        maxReconnectionDelay: 300,
        jitter: 0,
      });
      const log = h.record(socket);
      await log.until((l) => l.count('reconnecting') === 1, 'the retry');
      socket.close();
      return log.find((e) => e.type === 'reconnecting');
    }, face);
    assert.equal(reconnecting.attempt, 1);
    assert.equal(reconnecting.delayMs, 300);
  });

  suite.test(`${faceName} face: connectionTimeout abandons an unanswered handshake and retries`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      // Timed from the socket's creation, when its attempt starts (not from when h.open returns).
      let started;
      const socket = await h.open(face, h.url('/echo', { client: h.client('hang'), hang: 1 }), {
        ...fast,
        connectionTimeout: 200,
      }, { listen() { started = performance.now(); } });
      const log = h.record(socket);
      await log.until((l) => l.count('reconnecting') === 1, 'the retry after the timeout');
      const close = log.find((e) => e.type === 'close');
      socket.close();
      return { lines: log.lines(), close, afterMs: close.at - started };
    }, { face, fast: FAST });
    assert.equal(result.close.code, 1006, result.lines.join('\n'));
    assert.equal(result.close.willReconnect, true);
    assert.ok(result.afterMs >= 180 && result.afterMs < 1500, `timed out after ${result.afterMs} ms`);
    assert.ok(result.lines.includes('error CONNECT_TIMEOUT'), result.lines.join('\n'));
    assert.equal(result.lines.indexOf('open'), -1);
  });

  suite.test(`${faceName} face: reconnect() on an open socket drops it and connects again at once`, async (page) => {
    const result = await page.run(async (face) => {
      const client = h.client('reconnect-open');
      const socket = await h.open(face, h.url('/echo', { client }), { minReconnectionDelay: 5000, jitter: 0 });
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
    }, face);
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
}
