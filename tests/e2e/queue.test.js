// The send queue and startClosed, for the JS and the Rust face (`h.open(face, url, options)`,
// pages/faces.js, where a send says 'now', 'queued', 'queue-full' or 'closed': the JS face's
// true, false, QueueFullError and CLOSED error, the Rust face's `Sent::Now`, `Sent::Queued`,
// `Error::QueueFull` and `Error::Closed`), checked in the page and on the server's records:
// - messages sent before open are queued, handed over before the open event (queuedCount is
//   0 inside it) and arrive in order, before one sent from the handler
// - a send goes out at once ('now') once open
// - maxEnqueuedMessages: 2 refuses the third send (queue-full); the two queued ones are still
//   delivered
// - overflow: "drop-oldest" never refuses and keeps the newest messages
// - startClosed: nothing connects (the server's /stats shows no connection) until
//   reconnect(), which delivers what was queued meanwhile
// - messages queued while reconnecting (the URL from a provider function) are delivered once,
//   in order, to the next connection
// Every test runs on both faces. On the JS face only, as the Rust API has no counterpart:
// the error the full queue throws is a QueueFullError (code QUEUE_FULL, capacity 2, a
// ReSocketError and an Error; the Rust face's send returns `Err(Error::QueueFull { capacity })`
// instead of throwing), and `url` is '' before the first connection (the Rust API has no
// `url`).

import assert from 'node:assert/strict';
import { FACES } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const FAST = { minReconnectionDelay: 50, jitter: 0 };

for (const [face, faceName] of FACES) {

  suite.test(`${faceName} face: messages sent before open are flushed in order before the open event, ahead of sends from it`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('flush');
      const socket = await h.open(face, h.url('/echo', { client }), fast);
      const log = h.record(socket, ['message']);
      const returned = ['a', 'b', 'c'].map((text) => socket.send(text));
      const queuedBeforeOpen = socket.queuedCount;
      let queuedInOpen;
      let returnedInOpen;
      socket.addEventListener('open', () => {
        queuedInOpen = socket.queuedCount;
        returnedInOpen = socket.send('from open');
      });
      await log.until((l) => l.length === 4, 'four echoes');
      socket.close();
      return {
        returned, queuedBeforeOpen, queuedInOpen, returnedInOpen,
        echoed: log.map((e) => e.data),
        received: await h.received(client),
      };
    }, { face, fast: FAST });
    assert.deepEqual(result.returned, ['queued', 'queued', 'queued'], 'send before open queues');
    assert.equal(result.queuedBeforeOpen, 3);
    assert.equal(result.queuedInOpen, 0, 'the queue is already handed over when open fires');
    assert.equal(result.returnedInOpen, 'now', 'send while open sends at once');
    assert.deepEqual(result.echoed, ['a', 'b', 'c', 'from open']);
    assert.deepEqual(result.received, ['a', 'b', 'c', 'from open']);
  });

  suite.test(`${faceName} face: a full queue refuses a send (QueueFullError on the JS face); the queued messages still go out`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('overflow');
      const socket = await h.open(face, h.url('/echo', { client }), { ...fast, maxEnqueuedMessages: 2 });
      const log = h.record(socket, ['message']);
      const returned = [socket.send('one'), socket.send('two')];
      const refused = socket.send('three');
      // The JS face throws: its error class is the JS face's own.
      let thrown;
      if (face === 'js') {
        try {
          socket.socket.send('three');
        } catch (error) {
          thrown = {
            name: error.name,
            code: error.code,
            capacity: error.capacity,
            isQueueFullError: error instanceof resocket.QueueFullError,
            isReSocketError: error instanceof resocket.ReSocketError,
            isError: error instanceof Error,
            hasMessage: typeof error.message === 'string' && error.message.length > 0,
          };
        }
      }
      const queued = socket.queuedCount;
      await log.until((l) => l.length === 2, 'two echoes');
      await h.sleep(100);
      socket.close();
      return { returned, refused, thrown, queued, echoed: log.map((e) => e.data), received: await h.received(client) };
    }, { face, fast: FAST });
    assert.deepEqual(result.returned, ['queued', 'queued']);
    assert.equal(result.refused, 'queue-full');
    if (face === 'js') {
      assert.deepEqual(result.thrown, {
        name: 'QueueFullError',
        code: 'QUEUE_FULL',
        capacity: 2,
        isQueueFullError: true,
        isReSocketError: true,
        isError: true,
        hasMessage: true,
      });
    }
    assert.equal(result.queued, 2);
    assert.deepEqual(result.echoed, ['one', 'two']);
    assert.deepEqual(result.received, ['one', 'two']);
  });

  suite.test(`${faceName} face: overflow "drop-oldest" never refuses and keeps the newest messages`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('drop-oldest');
      const socket = await h.open(face, h.url('/echo', { client }), {
        ...fast,
        maxEnqueuedMessages: 2,
        overflow: 'drop-oldest',
      });
      const log = h.record(socket, ['message']);
      const returned = ['one', 'two', 'three', 'four'].map((text) => socket.send(text));
      const queued = socket.queuedCount;
      await log.until((l) => l.length === 2, 'two echoes');
      await h.sleep(100);
      socket.close();
      return { returned, queued, echoed: log.map((e) => e.data), received: await h.received(client) };
    }, { face, fast: FAST });
    assert.deepEqual(result.returned, ['queued', 'queued', 'queued', 'queued']);
    assert.equal(result.queued, 2);
    assert.deepEqual(result.echoed, ['three', 'four']);
    assert.deepEqual(result.received, ['three', 'four']);
  });

  suite.test(`${faceName} face: startClosed connects nothing until reconnect(), which delivers the queued messages`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('start-closed');
      const socket = await h.open(face, h.url('/echo', { client }), { ...fast, startClosed: true });
      const log = h.record(socket);
      const readyStateAtStart = socket.readyState;
      // The JS face's `url`; the Rust API has none.
      const urlAtStart = face === 'js' ? socket.socket.url : undefined;
      const returned = socket.send('early');
      await h.sleep(400);
      const statsBefore = await h.clientStats(client);
      const eventsBefore = log.lines();
      socket.reconnect();
      await log.until((l) => l.count('message') === 1, 'the echo of the queued message');
      const statsAfter = await h.clientStats(client);
      socket.close();
      return { readyStateAtStart, urlAtStart, returned, statsBefore, eventsBefore, statsAfter, lines: log.lines() };
    }, { face, fast: FAST });
    assert.equal(result.readyStateAtStart, 3, 'CLOSED: not trying to connect');
    if (face === 'js') assert.equal(result.urlAtStart, '', 'no socket yet');
    assert.equal(result.returned, 'queued', 'a send before the first connection is queued');
    assert.equal(result.statsBefore, undefined, 'the server saw no connection from this client');
    assert.deepEqual(result.eventsBefore, []);
    assert.equal(result.statsAfter.total, 1);
    assert.deepEqual(result.lines.slice(0, 2), ['open', 'message "early"']);
  });

  suite.test(`${faceName} face: messages queued while reconnecting go to the next connection once, in order`, async (page) => {
    const result = await page.run(async (face) => {
      const client = h.client('requeue');
      // The first connection is dropped after one message; the next ones are healthy.
      let attempts = 0;
      const url = () => {
        attempts += 1;
        return h.url('/echo', attempts === 1 ? { client, drop_after: 1 } : { client });
      };
      const socket = await h.open(face, url, { minReconnectionDelay: 200, jitter: 0 });
      const log = h.record(socket);
      let opens = 0;
      socket.addEventListener('open', () => { opens += 1; if (opens === 1) socket.send('first'); });
      await log.until((l) => l.count('reconnecting') === 1, 'the scheduled retry');
      const returned = [socket.send('q1'), socket.send('q2')];
      const queued = socket.queuedCount;
      await log.until((l) => l.count('message') === 3, 'the echoes of the queued messages');
      await h.sleep(100);
      socket.close();
      return {
        returned,
        queued,
        echoed: log.filter((e) => e.type === 'message').map((e) => e.data),
        received: await h.received(client),
        stats: await h.clientStats(client),
      };
    }, face);
    assert.deepEqual(result.returned, ['queued', 'queued']);
    assert.equal(result.queued, 2);
    assert.deepEqual(result.echoed, ['first', 'q1', 'q2']);
    assert.deepEqual(result.received, ['first', 'q1', 'q2'], 'each sent once, in order');
    assert.equal(result.stats.total, 2);
    assert.equal(result.stats.max_open, 1, 'never two connections at once');
  });
}
