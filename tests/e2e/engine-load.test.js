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

import assert from 'node:assert/strict';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite();

suite.test('a socket made before the engine loads is connecting, queues its sends and sends them in order once it is there', async (page) => {
  const result = await page.run(async () => {
    const client = h.client('early');
    const engineModule = await import('/pkg/web/engine.js');
    const loadedAtFirst = engineModule.engine !== undefined;
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
