// request(): request/response over the test server's /rpc (answers by id, `sleep` out of
// order, `notify` pushes a message first, `fail` answers an error):
// - a result resolves; the answer never reaches "message" listeners while other messages
//   (notify's notice) do; the request went out with the library's id on a copy of the value
// - an answer with an error rejects REMOTE, the error in `cause`; an answer with neither
//   result nor error (an echo of the request) rejects DECODE
// - timeoutMs: a slow answer rejects REQUEST_TIMEOUT and, arriving later, is dropped; an
//   aborted signal rejects with its reason and the late answer is dropped too
// - a request made while disconnected is queued like a send: answered after open, or timed
//   out by its timer when nothing opens (its late answer then dropped)
// - a drop (/control action=drop) rejects what was sent on the lost connection with
//   CONNECTION_LOST; with resendRequests the request is sent again and answered after reconnect
// - close() rejects pending requests with CLOSED; requests after it reject CLOSED; with
//   startClosed, requests wait for the first connection like sends (answered once
//   reconnect() starts the socket), and a close() before the start rejects them with CLOSED
// - requestIdField with the server's id_field; 300 concurrent requests answered out of order
//   each get their own answer
// - bad use: the "raw" format, values that are not plain objects, bad timeoutMs and signal are
//   TypeErrors (rejections); a bad requestIdField throws from the constructor

import assert from 'node:assert/strict';
import { reporter } from './support/report.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite();
const report = reporter(import.meta.url);
const FAST = { format: 'json', minReconnectionDelay: 50, maxReconnectionDelay: 100, jitter: 0 };

/** In the page: how a request settled, as plain data. */
const SETTLED = `(promise) => promise.then(
  (value) => ({ ok: true, value }),
  (error) => ({ ok: false, name: error?.name, code: error?.code, cause: error?.cause, message: String(error?.message),
    isReSocketError: error instanceof resocket.ReSocketError }),
)`;

suite.test('a result resolves; answers never reach "message" listeners, other messages do', async (page) => {
  const result = await page.run(async ({ fast, settledSource }) => {
    const settled = eval(settledSource);
    const client = h.client('rpc');
    const socket = new ReSocket(h.url('/rpc', { client }), null, fast);
    const log = h.record(socket, ['message', 'error']);
    const value = { method: 'add', params: [2, 3] };
    const sum = await settled(socket.request(value));
    const notify = await settled(socket.request({ method: 'notify', params: 7 }));
    const echo = await settled(socket.request({ method: 'echo', params: { nested: [1, 'two'] } }));
    await h.sleep(100);
    socket.close();
    return { sum, notify, echo, value, lines: log.lines(), received: await h.received(client) };
  }, { fast: FAST, settledSource: SETTLED });
  assert.deepEqual(result.sum, { ok: true, value: 5 });
  assert.deepEqual(result.notify, { ok: true, value: true });
  assert.deepEqual(result.echo, { ok: true, value: { nested: [1, 'two'] } });
  assert.deepEqual(result.value, { method: 'add', params: [2, 3] }, 'the caller\'s object is not changed');
  assert.deepEqual(result.lines, ['message {"event":"notice","params":7}'], 'only the notice is a message');
  assert.deepEqual(result.received.map((text) => JSON.parse(text)), [
    { method: 'add', params: [2, 3], id: 1 },
    { method: 'notify', params: 7, id: 2 },
    { method: 'echo', params: { nested: [1, 'two'] }, id: 3 },
  ]);
});

suite.test('an error answer rejects REMOTE with the error as cause; an answer without result or error rejects DECODE', async (page) => {
  const result = await page.run(async ({ fast, settledSource }) => {
    const settled = eval(settledSource);
    const rpc = new ReSocket(h.url('/rpc'), null, fast);
    const log = h.record(rpc, ['message', 'error']);
    const failed = await settled(rpc.request({ method: 'fail' }));
    const unknown = await settled(rpc.request({ method: 'nope' }));
    rpc.close();
    // The echo endpoint sends the request back: its id matches, but it is no answer.
    const echo = new ReSocket(h.url('/echo'), null, fast);
    const echoLog = h.record(echo, ['message', 'error']);
    const decoded = await settled(echo.request({ method: 'x' }));
    const shaped = await settled(echo.request({ result: { fine: true } }));
    echo.close();
    return { failed, unknown, decoded, shaped, lines: log.lines(), echoLines: echoLog.lines() };
  }, { fast: FAST, settledSource: SETTLED });
  assert.equal(result.failed.ok, false);
  assert.equal(result.failed.code, 'REMOTE');
  assert.equal(result.failed.name, 'ReSocketError');
  assert.equal(result.failed.isReSocketError, true);
  assert.deepEqual(result.failed.cause, { code: 1, message: 'failed as asked' });
  assert.match(result.failed.message, /failed as asked/);
  assert.equal(result.unknown.code, 'REMOTE');
  assert.equal(result.unknown.cause.code, -32601, 'JSON-RPC "method not found"');
  assert.equal(result.decoded.code, 'DECODE');
  assert.deepEqual(result.decoded.cause, { method: 'x', id: 1 }, 'the whole answer is the cause');
  assert.deepEqual(result.shaped, { ok: true, value: { fine: true } });
  assert.deepEqual(result.lines, []);
  assert.deepEqual(result.echoLines, []);
});

suite.test('a slow answer rejects REQUEST_TIMEOUT and is dropped when it comes; so is an aborted one\'s', async (page) => {
  const result = await page.run(async ({ fast, settledSource }) => {
    const settled = eval(settledSource);
    const socket = new ReSocket(h.url('/rpc'), null, { ...fast, requestTimeoutMs: 150 });
    const log = h.record(socket, ['message', 'error']);
    const started = performance.now();
    const slow = await settled(socket.request({ method: 'sleep', params: [400] }));
    const tookMs = performance.now() - started;
    const perCall = await settled(socket.request({ method: 'sleep', params: [300] }, { timeoutMs: 50 }));
    const controller = new AbortController();
    const aborted = settled(socket.request({ method: 'sleep', params: [200] }, { signal: controller.signal }));
    controller.abort(new Error('changed my mind'));
    const abortedResult = await aborted;
    const preAborted = await settled(socket.request({ method: 'add', params: [1, 1] }, { signal: AbortSignal.abort() }));
    await h.sleep(500);
    const after = await settled(socket.request({ method: 'add', params: [1, 2] }));
    socket.close();
    return { slow, tookMs, perCall, abortedResult, preAborted, after, lines: log.lines() };
  }, { fast: FAST, settledSource: SETTLED });
  assert.equal(result.slow.code, 'REQUEST_TIMEOUT');
  assert.ok(result.tookMs >= 145 && result.tookMs < 390, `the default timeout took ${result.tookMs} ms`);
  assert.equal(result.perCall.code, 'REQUEST_TIMEOUT');
  assert.deepEqual([result.abortedResult.name, result.abortedResult.message], ['Error', 'changed my mind']);
  assert.equal(result.preAborted.name, 'AbortError');
  assert.deepEqual(result.after, { ok: true, value: 3 });
  assert.deepEqual(result.lines, [], 'the late answers were dropped, not delivered');
});

suite.test('a request made while disconnected is queued: answered after open, or timed out by its timer', async (page) => {
  const result = await page.run(async ({ fast, settledSource }) => {
    const settled = eval(settledSource);
    const socket = new ReSocket(h.url('/rpc'), null, { ...fast, startClosed: true });
    const log = h.record(socket, ['open', 'message', 'error']);
    const answered = settled(socket.request({ method: 'add', params: [20, 22] }));
    const queued = socket.queuedCount;
    await h.sleep(200);
    socket.reconnect();
    const early = await answered;
    socket.close();

    const idle = new ReSocket(h.url('/rpc'), null, { ...fast, startClosed: true });
    const idleLog = h.record(idle, ['open', 'message', 'error']);
    const started = performance.now();
    const timedOut = await settled(idle.request({ method: 'echo', params: 'late' }, { timeoutMs: 200 }));
    const tookMs = performance.now() - started;
    idle.reconnect();
    await idleLog.until((l) => l.count('open') === 1, 'the open');
    await h.sleep(200);
    idle.close();
    return { queued, early, lines: log.lines(), timedOut, tookMs, idleLines: idleLog.lines() };
  }, { fast: FAST, settledSource: SETTLED });
  assert.equal(result.queued, 1, 'queued like a send');
  assert.deepEqual(result.early, { ok: true, value: 42 });
  assert.deepEqual(result.lines, ['open']);
  assert.equal(result.timedOut.code, 'REQUEST_TIMEOUT');
  assert.ok(result.tookMs >= 195, `timed out after ${result.tookMs} ms`);
  assert.deepEqual(result.idleLines, ['open'], 'the queued request went out on open; its answer was dropped');
});

suite.test('a drop rejects requests sent on the lost connection with CONNECTION_LOST; resendRequests answers them after reconnect', async (page) => {
  const result = await page.run(async ({ fast, settledSource }) => {
    const settled = eval(settledSource);
    const drop = (client) => fetch(`${h.http}/control?client=${client}&action=drop`, { method: 'POST' });
    const run = async (resendRequests) => {
      const client = h.client(resendRequests ? 'resend' : 'lost');
      const socket = new ReSocket(h.url('/rpc', { client }), null, { ...fast, resendRequests });
      const log = h.record(socket, ['open', 'message', 'close', 'error']);
      await log.until((l) => l.count('open') === 1, 'the first open');
      // Answers far enough off that a busy machine still drops the connection before the first.
      const pending = [600, 700, 800].map((ms) => settled(socket.request({ method: 'sleep', params: [ms] })));
      await h.sleep(50);
      const dropAt = performance.now();
      await drop(client);
      let settledAt = [];
      const outcomes = await Promise.all(pending.map((p) => p.then((o) => { settledAt.push(performance.now() - dropAt); return o; })));
      const next = await settled(socket.request({ method: 'add', params: [1, 2] }));
      await h.sleep(500);
      socket.close();
      return { outcomes, settledAt, next, lines: log.lines(), received: await h.received(client) };
    };
    return { lost: await run(false), resent: await run(true) };
  }, { fast: FAST, settledSource: SETTLED });
  const { lost, resent } = result;
  assert.deepEqual(lost.outcomes.map((o) => o.code), ['CONNECTION_LOST', 'CONNECTION_LOST', 'CONNECTION_LOST']);
  assert.ok(Math.max(...lost.settledAt) < 150, `failed fast: ${lost.settledAt}`);
  assert.deepEqual(lost.next, { ok: true, value: 3 }, 'the socket reconnected and answers');
  assert.equal(lost.lines.filter((line) => line.startsWith('message')).length, 0);
  assert.deepEqual(resent.outcomes, [{ ok: true, value: 600 }, { ok: true, value: 700 }, { ok: true, value: 800 }]);
  assert.deepEqual(resent.next, { ok: true, value: 3 });
  assert.equal(resent.lines.filter((line) => line.startsWith('message')).length, 0, 'no answer delivered as a message');
  const sleeps = resent.received.map((text) => JSON.parse(text)).filter((r) => r.method === 'sleep');
  assert.deepEqual(sleeps.map((r) => r.id), [1, 2, 3, 1, 2, 3], 'sent once per connection, same ids');
  report({
    section: 'faults',
    row: 'connection dropped with requests pending (request())',
    checked: 'three sleep requests pending on /rpc, the connection dropped (/control action=drop): each rejects ' +
      'CONNECTION_LOST within 150 ms, the socket reconnects and answers the next request; with resendRequests the ' +
      'three are sent again with the same ids on the next connection and resolve with their results; no answer is ' +
      'ever delivered as a message',
    figures: {
      pending: lost.outcomes.length,
      'rejected CONNECTION_LOST after the drop (ms)': lost.settledAt.map((ms) => Math.round(ms)).join(', '),
      'resent and answered': resent.outcomes.filter((o) => o.ok).length,
      'answered after the drop (ms)': resent.settledAt.map((ms) => Math.round(ms)).join(', '),
    },
  });
});

suite.test('close() rejects pending requests with CLOSED; requests after it reject CLOSED; startClosed requests wait for the start', async (page) => {
  const result = await page.run(async ({ fast, settledSource }) => {
    const settled = eval(settledSource);
    const socket = new ReSocket(h.url('/rpc'), null, fast);
    const log = h.record(socket, ['open', 'message', 'close']);
    const queued = settled(socket.request({ method: 'sleep', params: [300] }));
    await log.until((l) => l.count('open') === 1, 'the open');
    const sent = settled(socket.request({ method: 'sleep', params: [300] }));
    await h.sleep(50);
    socket.close();
    const outcomes = await Promise.all([queued, sent]);
    const after = await settled(socket.request({ method: 'add', params: [1, 1] }));
    const waiting = new ReSocket(h.url('/nowhere'), null, { ...fast, maxRetries: 0 });
    const exhausted = await settled(waiting.request({ method: 'add', params: [1, 1] }));
    // startClosed: requests wait in the queue for the first connection, like sends, and a
    // close() before it rejects them.
    const dormant = new ReSocket(h.url('/rpc'), null, { ...fast, startClosed: true });
    const beforeStart = settled(dormant.request({ method: 'add', params: [1, 2] }));
    await h.sleep(100);
    dormant.reconnect();
    const started = await Promise.all([beforeStart, settled(dormant.request({ method: 'add', params: [2, 2] }))]);
    dormant.close();
    const neverStarted = new ReSocket(h.url('/rpc'), null, { ...fast, startClosed: true });
    const pending = settled(neverStarted.request({ method: 'add', params: [1, 2] }));
    neverStarted.close();
    const closedBeforeStart = await pending;
    return { outcomes, after, exhausted, started, closedBeforeStart, lines: log.lines() };
  }, { fast: FAST, settledSource: SETTLED });
  assert.deepEqual(result.outcomes.map((o) => o.code), ['CLOSED', 'CLOSED']);
  assert.equal(result.after.code, 'CLOSED');
  assert.equal(result.exhausted.code, 'CLOSED', 'retries exhausted: closed for good');
  assert.deepEqual(result.started, [{ ok: true, value: 3 }, { ok: true, value: 4 }], 'startClosed: answered once started');
  assert.equal(result.closedBeforeStart.code, 'CLOSED', 'startClosed: close() before the start rejects');
});

suite.test('requestIdField matches the server\'s id_field; 300 concurrent requests answered out of order each get theirs', async (page) => {
  const result = await page.run(async ({ fast, settledSource }) => {
    const settled = eval(settledSource);
    const client = h.client('rid');
    const socket = new ReSocket(h.url('/rpc', { client, id_field: 'rid' }), null, { ...fast, requestIdField: 'rid' });
    const log = h.record(socket, ['message', 'error']);
    const own = await settled(socket.request({ rid: 'mine', method: 'echo', params: 'x' }));
    const requests = Array.from({ length: 300 }, (_, i) =>
      i % 3 === 0
        ? socket.request({ method: 'sleep', params: [(i * 7) % 60] }).then((ms) => ({ i, ms }))
        : socket.request({ method: i % 3 === 1 ? 'add' : 'echo', params: i % 3 === 1 ? [i, i] : { i } }).then((value) => ({ i, value })),
    );
    const answers = await Promise.all(requests);
    socket.close();
    const received = await h.received(client);
    return { own, answers, lines: log.lines(), firstReceived: JSON.parse(received[0]) };
  }, { fast: FAST, settledSource: SETTLED });
  assert.deepEqual(result.own, { ok: true, value: 'x' });
  assert.deepEqual(result.firstReceived, { rid: 1, method: 'echo', params: 'x' }, 'the library\'s id replaces the value\'s');
  for (const answer of result.answers) {
    const { i } = answer;
    if (i % 3 === 0) assert.equal(answer.ms, (i * 7) % 60);
    else if (i % 3 === 1) assert.equal(answer.value, 2 * i);
    else assert.deepEqual(answer.value, { i });
  }
  assert.equal(result.answers.length, 300);
  assert.deepEqual(result.lines, []);
});

suite.test('bad use: the raw format, values that are not plain objects, bad timeoutMs and signal, a bad requestIdField', async (page) => {
  const result = await page.run(async ({ fast, settledSource }) => {
    const settled = eval(settledSource);
    const raw = new ReSocket(h.url('/rpc'), null, { ...fast, format: 'raw' });
    const json = new ReSocket(h.url('/rpc'), null, fast);
    const rejected = {};
    const cases = {
      raw: () => raw.request({ method: 'add', params: [1, 1] }),
      string: () => json.request('{"method":"add"}'),
      array: () => json.request([1, 2]),
      null: () => json.request(null),
      date: () => json.request(new Date()),
      timeoutZero: () => json.request({}, { timeoutMs: 0 }),
      timeoutString: () => json.request({}, { timeoutMs: '100' }),
      timeoutHuge: () => json.request({}, { timeoutMs: 2 ** 31 }),
      signal: () => json.request({}, { signal: {} }),
    };
    for (const [name, call] of Object.entries(cases)) {
      let threw;
      let promise;
      try { promise = call(); } catch (error) { threw = error.name; }
      const outcome = threw ? { threw } : await settled(promise);
      rejected[name] = outcome.threw ?? (outcome.ok ? 'resolved' : `${outcome.name}: ${outcome.message}`);
    }
    const options = {};
    for (const requestIdField of ['', 5, null]) {
      try { new ReSocket(h.url('/rpc'), null, { ...fast, requestIdField }); options[String(requestIdField)] = 'accepted'; } catch (error) { options[String(requestIdField)] = `${error.name}: ${error.message}`; }
    }
    for (const name of ['requestTimeoutMs', 'resendRequests']) {
      try { new ReSocket(h.url('/rpc'), null, { ...fast, [name]: 'x' }); options[name] = 'accepted'; } catch (error) { options[name] = `${error.name}: ${error.message}`; }
    }
    const ok = await settled(json.request({ method: 'add', params: [1, 1] }));
    raw.close();
    json.close();
    return { rejected, options, ok };
  }, { fast: FAST, settledSource: SETTLED });
  for (const [name, outcome] of Object.entries(result.rejected)) {
    assert.match(outcome, /^TypeError: resocket: /, `${name} rejects with a TypeError, got ${outcome}`);
  }
  assert.match(result.rejected.raw, /format: "json"/);
  assert.match(result.rejected.array, /plain object, got an array/);
  for (const [name, outcome] of Object.entries(result.options)) {
    assert.match(outcome, /^TypeError: resocket: option `(requestIdField|requestTimeoutMs|resendRequests)`/, `${name}: ${outcome}`);
  }
  assert.deepEqual(result.ok, { ok: true, value: 2 }, 'the failed calls left the socket working');
});
