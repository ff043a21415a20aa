// The npm package loads its engine (the wasm) on first use, so an app's entry code never waits
// for it. JavaScript face only: the Rust face is the wasm, with nothing to load.
// - a socket made before the engine has arrived is CONNECTING ("connecting"), its sends are
//   queued (counted in queuedCount and bufferedAmount) and refused past maxEnqueuedMessages as
//   the engine refuses them; once the engine is there they go out in order, after the open;
// - a close() before the engine arrives closes at once (sends then throw CLOSED) and no
//   connection is ever made; a request made meanwhile is queued (queuedCount), waits for the
//   engine and is answered;
// - `ready()` resolves once the engine is loaded;
// - an engine that cannot be fetched gives each waiting socket an ENGINE error event, the
//   state "closed" and a rejected request, and reconnect() asks for it again.
// - the session engine (resocket_session_bg.wasm) is a second engine, fetched only when a
//   socket with `session` is made: a page of plain sockets never fetches it; a session socket
//   made before it has loaded is connecting and counts its sends against the window; each
//   socket's core lives in its own engine, and is freed there once the socket is garbage; a
//   session engine that cannot be fetched is an ENGINE error for the session sockets alone.

import assert from 'node:assert/strict';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite();

suite.test('a socket made before the engine loads is connecting, queues its sends and sends them in order once it is there', async (page) => {
  const result = await page.run(async () => {
    const client = h.client('early');
    const { engineFor } = await import('/pkg/web/core.js');
    const loadedAtFirst = engineFor(false).exports !== undefined;
    const socket = new ReSocket(h.url('/echo', { client }), null, { maxEnqueuedMessages: 2 });
    const log = h.record(socket, ['open', 'message', 'statechange']);
    const before = {
      readyState: socket.readyState,
      state: socket.state,
      sends: [socket.send('a'), socket.send('bc')],
      queuedCount: socket.queuedCount,
      bufferedAmount: socket.bufferedAmount,
    };
    try {
      socket.send('refused');
    } catch (error) {
      before.refused = error.name;
    }
    const closedEarly = new ReSocket(h.url('/echo', { client: `${client}-closed` }));
    closedEarly.close();
    before.closedEarly = { readyState: closedEarly.readyState, state: closedEarly.state };
    try {
      closedEarly.send('x');
    } catch (error) {
      before.closedEarly.send = error.code;
    }
    const rpc = new ReSocket(h.url('/rpc', { client: `${client}-rpc` }), null, { format: 'json' });
    const answer = rpc.request({ method: 'echo', params: 'early' });
    before.requestQueued = rpc.queuedCount;
    await log.until((l) => l.count('message') === 2, 'both echoes');
    const after = { lines: log.lines(), answer: await answer, closedEarly: closedEarly.state };
    await resocket.ready();
    socket.close();
    rpc.close();
    const closedEarlyStats = await h.clientStats(`${client}-closed`);
    return { client, loadedAtFirst, before, after, closedEarlyConnections: closedEarlyStats?.total ?? 0 };
  });
  assert.equal(result.loadedAtFirst, false, 'the engine is not loaded before the first socket');
  assert.deepEqual(result.before, {
    readyState: 0,
    state: 'connecting',
    sends: [false, false],
    queuedCount: 2,
    bufferedAmount: 3,
    refused: 'QueueFullError',
    closedEarly: { readyState: 3, state: 'closed', send: 'CLOSED' },
    requestQueued: 1,
  });
  assert.deepEqual(result.after.lines, [
    'state connecting',
    'open',
    'state open',
    'message "a"',
    'message "bc"',
  ]);
  assert.equal(result.after.answer, 'early');
  assert.equal(result.after.closedEarly, 'closed');
  assert.deepEqual(await suite.server.received(result.client), ['a', 'bc']);
  assert.equal(result.closedEarlyConnections, 0, 'closed before the engine: never connected');
});

suite.test('an engine that cannot be loaded is an ENGINE error, and reconnect() asks for it again', async (page) => {
  // Every fetch of the wasm fails until the test lets it through.
  let blocked = true;
  await page.page.route('**/resocket_core_bg.wasm', (route) => (blocked ? route.abort() : route.continue()));
  const failed = await page.run(async () => {
    const client = h.client('no-engine');
    const socket = new ReSocket(h.url('/echo', { client }), null, { format: 'json' });
    const log = h.record(socket, ['error', 'open', 'statechange']);
    const request = socket.request({ method: 'echo' }).then(() => 'answered', (error) => error.code);
    await log.until((l) => l.count('error') === 1, 'the ENGINE error');
    window.noEngine = { socket, log, client };
    return {
      error: log.find((e) => e.type === 'error'),
      state: socket.state,
      readyState: socket.readyState,
      request: await request,
    };
  });
  assert.equal(failed.error.code, 'ENGINE');
  assert.match(failed.error.message, /^resocket: the engine \(resocket_core_bg\.wasm\) could not be loaded: /);
  assert.equal(failed.state, 'closed');
  assert.equal(failed.readyState, 3);
  assert.equal(failed.request, 'ENGINE');
  blocked = false;
  const again = await page.run(async () => {
    const { socket, log } = window.noEngine;
    socket.reconnect();
    await log.until((l) => l.count('open') === 1, 'open once the engine loads');
    const lines = log.lines();
    socket.close();
    return lines;
  });
  assert.deepEqual(again.slice(-2), ['open', 'state open']);
  // The aborted fetches are the page's console noise, not its errors.
  page.problems.length = 0;
});

suite.test('the session engine is fetched for the first session socket only, which waits for it as for the default engine, in an engine of its own', async (page) => {
  const result = await page.run(async () => {
    /** The names of the wasm files the page fetched, in order. */
    const wasm = () => performance.getEntriesByType('resource').map((entry) => entry.name.split('/').pop())
      .filter((name) => name.endsWith('.wasm'));
    const client = h.client('two-engines');
    const { engineFor } = await import('/pkg/web/core.js');
    const plain = new ReSocket(h.url('/echo', { client: `${client}-plain` }));
    const plainLog = h.record(plain, ['open', 'message']);
    plain.send('plain');
    await plainLog.until((l) => l.count('message') === 1, 'the plain echo');
    await resocket.ready();
    const withoutSession = { wasm: wasm(), sessionLoaded: engineFor(true).exports !== undefined };

    const socket = new ReSocket(h.url('/session', { client }), null, { session: { window: 5 } });
    const log = h.record(socket, ['open', 'message']);
    const before = {
      state: socket.state,
      sends: [socket.send('ab'), socket.send('cde')],
      queuedCount: socket.queuedCount,
      bufferedAmount: socket.bufferedAmount,
    };
    try {
      socket.send('f');
    } catch (error) {
      before.refused = error.code;
    }
    await log.until((l) => l.count('message') === 2, 'both echoes');
    const cores = { default: engineFor(false).exports.live_cores(), session: engineFor(true).exports.live_cores() };
    const lines = log.lines();
    socket.close();
    plain.close();
    return { client, withoutSession, before, lines, cores, wasm: wasm() };
  });
  assert.deepEqual(result.withoutSession, { wasm: ['resocket_core_bg.wasm'], sessionLoaded: false },
    'plain sockets and ready() fetch the default engine alone');
  assert.deepEqual(result.before, {
    state: 'connecting',
    sends: [false, false],
    queuedCount: 2,
    bufferedAmount: 5,
    refused: 'WINDOW_FULL',
  });
  assert.deepEqual(result.lines, ['open', 'message "ab"', 'message "cde"']);
  assert.deepEqual(await suite.server.received(result.client), ['ab', 'cde']);
  assert.deepEqual(result.cores, { default: 1, session: 1 }, 'one core in each engine');
  assert.deepEqual(result.wasm, ['resocket_core_bg.wasm', 'resocket_session_bg.wasm']);
});

suite.test('each socket is freed in its own engine once it is garbage', async (page) => {
  await page.run(async () => {
    window.cores = async () => {
      const { engineFor } = await import('/pkg/web/core.js');
      return { default: engineFor(false).exports.live_cores(), session: engineFor(true).exports.live_cores() };
    };
    const client = h.client('freed');
    const sockets = [
      ...[1, 2].map((n) => new ReSocket(h.url('/echo', { client: `${client}-plain-${n}` }))),
      ...[1, 2, 3].map((n) => new ReSocket(h.url('/session', { client: `${client}-session-${n}` }), null, { session: true })),
    ];
    await Promise.all(sockets.map((socket) => new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }))));
    window.opened = await window.cores();
    await Promise.all(sockets.map((socket) => new Promise((resolve) => {
      socket.addEventListener('close', resolve, { once: true });
      socket.close();
    })));
  });
  assert.deepEqual(await page.run(() => window.opened), { default: 2, session: 3 });
  const cdp = await page.page.context().newCDPSession(page.page);
  let cores;
  for (let round = 0; round < 10; round += 1) {
    await cdp.send('HeapProfiler.collectGarbage');
    cores = await page.run(() => new Promise((resolve) => setTimeout(resolve, 100)).then(() => window.cores()));
    if (cores.default === 0 && cores.session === 0) break;
  }
  assert.deepEqual(cores, { default: 0, session: 0 }, 'every core freed, in the engine that held it');
});

suite.test('a session engine that cannot be loaded is an ENGINE error for the session sockets alone', async (page) => {
  let blocked = true;
  await page.page.route('**/resocket_session_bg.wasm', (route) => (blocked ? route.abort() : route.continue()));
  const failed = await page.run(async () => {
    const client = h.client('no-session-engine');
    const plain = new ReSocket(h.url('/echo', { client: `${client}-plain` }));
    const plainLog = h.record(plain, ['error', 'open']);
    const socket = new ReSocket(h.url('/session', { client }), null, { session: true });
    const log = h.record(socket, ['error', 'open']);
    await log.until((l) => l.count('error') === 1, 'the ENGINE error');
    await plainLog.until((l) => l.count('open') === 1, 'the plain socket open');
    window.noEngine = { socket, log, plain };
    return { error: log.find((e) => e.type === 'error'), state: socket.state, plain: plainLog.lines() };
  });
  assert.equal(failed.error.code, 'ENGINE');
  assert.match(failed.error.message, /^resocket: the engine \(resocket_session_bg\.wasm\) could not be loaded: /);
  assert.equal(failed.state, 'closed');
  assert.deepEqual(failed.plain, ['open'], 'the plain socket is not affected');
  blocked = false;
  const again = await page.run(async () => {
    const { socket, log, plain } = window.noEngine;
    socket.reconnect();
    await log.until((l) => l.count('open') === 1, 'open once the session engine loads');
    const opened = { state: socket.state, protocol: socket.protocol };
    socket.close();
    plain.close();
    return opened;
  });
  assert.deepEqual(again, { state: 'open', protocol: 'resocket.v1' });
  page.problems.length = 0;
});
