// The Web Worker example (examples/worker/), served as its README says: by resocket-server
// with `--www examples/worker` and the package under test at /pkg/:
// - the page never loads the package (its resource timeline holds no /pkg/ file); the worker
//   does, has no `window`, and its socket opens: the badge shows open, the server has one
//   connection for the client
// - a chat message typed in the page goes page -> worker -> server -> worker -> page: the
//   server received it from the worker's socket, and it comes back into #messages as text
// - `/control?action=drop` drops the worker's connection: the page is told (close 1006 with
//   willReconnect, reconnecting, the badge waiting then open, the retry count up), and the chat
//   works afterwards
// - `WorkerSocket` on its own against /rpc and /echo: `request()` answers and `REMOTE`
//   rejections cross back, an oversized message's `MESSAGE_TOO_BIG` error event and a send
//   after close()'s `CLOSED` reach the page, a request after close() rejects with `CLOSED`
// - no uncaught error or wasm trap in the page

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from './support/paths.js';
import { startServer } from './support/server.js';
import { e2eSuite } from './support/suite.js';

const EXAMPLE = path.join(repoRoot, 'examples', 'worker');
const suite = e2eSuite();
/** resocket-server serving the example at / and the package at /pkg/, as its README runs it. */
let server;

before(async () => {
  server = await startServer({ www: EXAMPLE });
});

after(async () => {
  await server?.stop();
});

/** Opens the example on `/chat` as client `name`, records the badge's states, waits for open. */
async function openExample(name) {
  const ws = `/chat?client=${name}`;
  const example = await suite.open(`${server.url}/?${new URLSearchParams({ ws })}`);
  const { page } = example;
  await page.evaluate(() => {
    const state = document.getElementById('state');
    window.__stateHistory = [state.textContent];
    new MutationObserver(() => {
      if (window.__stateHistory.at(-1) !== state.textContent) window.__stateHistory.push(state.textContent);
    }).observe(state, { childList: true, characterData: true, subtree: true });
  });
  await waitForState(example, 'open');
  return example;
}

async function waitForState({ page, problems, console: lines }, state) {
  await page.waitForFunction((state) => document.getElementById('state').textContent === state, state, { timeout: 10_000 })
    .catch(async (error) => {
      const shown = await page.textContent('#state');
      const log = await page.locator('#log li').allTextContents();
      throw new Error(`#state never showed "${state}"; it shows "${shown}"; log ${JSON.stringify(log)}\n` +
        `${[...problems, ...lines].join('\n')}\n${error.message}`);
    });
}

async function waitForLine(page, selector, pattern, what) {
  await page.waitForFunction(
    ([selector, source]) => [...document.querySelectorAll(selector)].some((li) => new RegExp(source).test(li.textContent)),
    [selector, pattern.source],
    { timeout: 8000 },
  ).catch(async (error) => {
    const lines = await page.locator(selector).allTextContents();
    throw new Error(`${what} never showed ${pattern}; it shows ${JSON.stringify(lines)}\n${error.message}`);
  });
}

async function say(page, text) {
  await page.fill('#text', text);
  await page.click('#send');
}

test('the example runs its socket in a worker: chat round trip, a drop and reconnect reported to the page', { timeout: 60_000 }, async () => {
  const example = await openExample('worker-alice');
  const { page } = example;
  try {
    const pageLoaded = await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name));
    assert.ok(!pageLoaded.some((name) => name.includes('/pkg/')), `the page itself loaded the package: ${pageLoaded}`);
    const [worker] = page.workers();
    assert.ok(worker, 'the page started a worker');
    const inWorker = await worker.evaluate(() => ({
      window: typeof window,
      loadedPackage: performance.getEntriesByType('resource').some((entry) => entry.name.endsWith('/pkg/web/resocket.js')),
    }));
    assert.deepEqual(inWorker, { window: 'undefined', loadedPackage: true }, 'the worker, not the page, runs resocket');
    assert.equal((await server.client('worker-alice')).open, 1, 'one connection, the worker\'s');

    await page.fill('#name', 'Alice');
    await say(page, 'hello <b>through</b> the worker');
    await waitForLine(page, '#messages li', /^Alice: hello <b>through<\/b> the worker$/, '#messages');
    assert.equal(await page.locator('#messages b').count(), 0, 'a message is shown as text');
    assert.deepEqual(
      (await server.received('worker-alice')).map((text) => JSON.parse(text)),
      [{ type: 'chat', from: 'Alice', text: 'hello <b>through</b> the worker' }],
      'the server received the message from the worker\'s socket',
    );

    await page.evaluate(() => { window.__stateHistory = [document.getElementById('state').textContent]; });
    const dropped = await (await fetch(`${server.url}/control?client=worker-alice&action=drop`)).json();
    assert.equal(dropped.affected, 1, 'the server dropped the worker\'s connection');
    await page.waitForFunction(() => {
      const history = window.__stateHistory;
      const waitAt = history.indexOf('waiting');
      return waitAt > 0 && history.slice(waitAt + 1).includes('open');
    }, null, { timeout: 8000 }).catch(async (error) => {
      const history = await page.evaluate(() => window.__stateHistory);
      throw new Error(`#state did not show waiting, then open: ${JSON.stringify(history)}\n${error.message}`);
    });
    assert.equal((await page.evaluate(() => window.__stateHistory))[0], 'open');
    await waitForLine(page, '#log li', /^close 1006, willReconnect: true$/, '#log');
    await waitForLine(page, '#log li', /^reconnecting: attempt 1 in \d+ ms$/, '#log');
    assert.match(await page.textContent('#retries'), /^retries: [1-9]/, 'the retry count went up');
    assert.equal((await page.locator('#log li').allTextContents()).filter((line) => line.startsWith('open ')).length, 2,
      'open reported twice: the first connection and the reconnect');

    await say(page, 'back after the drop');
    await waitForLine(page, '#messages li', /^Alice: back after the drop$/, '#messages');
    assert.equal((await server.client('worker-alice')).open, 1, 'still one connection');
    assert.deepEqual(example.problems, [], 'the page reported uncaught errors or a wasm trap');
  } finally {
    await example.close();
  }
});

test('WorkerSocket carries requests, their rejections and error events across the worker boundary', { timeout: 30_000 }, async () => {
  const example = await openExample('worker-chat');
  try {
    const outcome = await example.run(async () => {
      const { WorkerSocket } = await import('/worker-socket.js');
      const opened = (socket) => new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
      const nextError = (socket) => new Promise((resolve) => {
        socket.addEventListener('error', ({ code, error }) => resolve({ code, isError: error instanceof Error }), { once: true });
      });
      const rejection = (promise) => promise.then(
        (value) => ({ resolved: value }),
        (error) => ({ name: error.name, code: error.code, cause: error.cause }),
      );

      const rpc = new WorkerSocket('/rpc?client=worker-rpc', null, { format: 'json' });
      const sum = await rpc.request({ method: 'add', params: [2, 3] }, { timeoutMs: 5000 });
      const failed = await rejection(rpc.request({ method: 'fail' }));
      const timedOut = await rejection(rpc.request({ method: 'sleep', params: [2000] }, { timeoutMs: 100 }));
      rpc.close();
      const afterClose = await rejection(rpc.request({ method: 'add', params: [1, 1] }));

      const echo = new WorkerSocket('/echo?client=worker-echo', null, { maxMessageBytes: 16 });
      await opened(echo);
      const tooBig = nextError(echo);
      echo.send('x'.repeat(17));
      const tooBigError = await tooBig;
      echo.close();
      const closed = nextError(echo);
      echo.send('after close');
      const closedError = await closed;
      rpc.terminate();
      echo.terminate();
      return { sum, failed, timedOut, afterClose, tooBigError, closedError };
    });
    assert.deepEqual(outcome, {
      sum: 5,
      failed: { name: 'ReSocketError', code: 'REMOTE', cause: { code: 1, message: 'failed as asked' } },
      timedOut: { name: 'ReSocketError', code: 'REQUEST_TIMEOUT', cause: undefined },
      afterClose: { name: 'ReSocketError', code: 'CLOSED', cause: undefined },
      tooBigError: { code: 'MESSAGE_TOO_BIG', isError: true },
      closedError: { code: 'CLOSED', isError: true },
    });
    assert.deepEqual(await server.received('worker-echo'), ['x'.repeat(17)], 'the oversized message went out once');
    assert.deepEqual(example.problems, [], 'the page reported uncaught errors or a wasm trap');
  } finally {
    await example.close();
  }
});
