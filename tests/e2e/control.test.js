// Control over each message (`send(data, { volatile, ttlMs, signal })`, `request`'s `ttlMs`
// and `signal`), for the JS and the Rust face (`h.open(face, url, options)`, pages/faces.js:
// the Rust face's `Sender::send_with`, its `SendHandle::cancel` on the signal's abort,
// `Sender::request_with`, `Event::Removed`), checked in the page and on the server's records.
// An outage is a URL provider whose server refuses the handshake (`reject=503`) until the test
// lifts it:
// - volatile: skipped while not open (nothing queued, nothing sent later); sent when open
// - ttlMs: messages still queued when it runs out are removed and reported ("removed",
//   reason "expired", in deadline order, with their data); fresh ones and plain ones go out
//   after the outage, in order; none that expired arrives (RELIABILITY.md row); a message
//   handed to the open socket is never removed
// - signal: an abort removes the messages still queued (reason "aborted"), none arrives
//   (RELIABILITY.md row); an abort after the message went out changes nothing
// - request: ttlMs rejects EXPIRED and an abort rejects with the signal's reason while queued,
//   and neither request ever reaches the server
// - bad options (ttlMs negative, NaN or too long, a signal that is not an AbortSignal,
//   volatile not a boolean) are a TypeError, and nothing is sent

import assert from 'node:assert/strict';
import { FACES } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { reporter } from './support/report.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const report = reporter(import.meta.url);
const FAST = { minReconnectionDelay: 50, maxReconnectionDelay: 100, jitter: 0 };


for (const [face, faceName] of FACES) {

  suite.test(`${faceName} face: a volatile message is skipped while not open and sent when open`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('volatile');
      let down = true;
      const outage = { url: () => h.url('/echo', down ? { client, reject: 503 } : { client }), lift: () => { down = false; } };
      const socket = await h.open(face, outage.url, fast);
      const log = h.record(socket, ['open', 'message', 'removed']);
      const whileDown = socket.send('cursor 1', { volatile: true });
      const queuedWhileDown = socket.queuedCount;
      outage.lift();
      await log.until((l) => l.count('open') === 1, 'the open');
      const whileOpen = socket.send('cursor 2', { volatile: true });
      await log.until((l) => l.count('message') === 1, 'the echo');
      await h.sleep(100);
      socket.close();
      return { whileDown, queuedWhileDown, whileOpen, lines: log.lines(), received: await h.received(client) };
    }, { face, fast: FAST });
    assert.equal(result.whileDown, 'skipped');
    assert.equal(result.queuedWhileDown, 0, 'nothing queued');
    assert.equal(result.whileOpen, 'now');
    assert.deepEqual(result.received, ['cursor 2']);
    assert.deepEqual(result.lines, ['open', 'message "cursor 2"']);
  });

  suite.test(`${faceName} face: messages whose ttlMs runs out in the queue are removed and reported; the rest arrive once, in order`, async (page) => {
    const expiring = 20;
    const result = await page.run(async ({ face, fast, expiring }) => {
      const client = h.client('ttl');
      let down = true;
      const outage = { url: () => h.url('/echo', down ? { client, reject: 503 } : { client }), lift: () => { down = false; } };
      const socket = await h.open(face, outage.url, fast);
      const log = h.record(socket, ['open', 'message', 'removed']);
      // Later deadlines first: they are reported earliest deadline first. 40 ms apart, so a
      // busy machine's pause between two sends cannot swap their deadlines.
      const sent = [];
      for (let n = 0; n < expiring; n++) sent.push(socket.send(`old ${n}`, { ttlMs: 1000 - 40 * n }));
      await log.until((l) => l.count('removed') === expiring, 'every expiry', 5000);
      const queuedAfterExpiry = socket.queuedCount;
      const fresh = [];
      for (let n = 0; n < 10; n++) fresh.push(socket.send(`fresh ${n}`, { ttlMs: 60000 }));
      for (let n = 0; n < 5; n++) fresh.push(socket.send(`plain ${n}`));
      outage.lift();
      await log.until((l) => l.count('message') === 15, 'the echoes of the fresh and plain messages', 5000);
      // A message the open socket has is not taken back, however short its ttl.
      const handed = socket.send('handed', { ttlMs: 0 });
      await log.until((l) => l.count('message') === 16, 'the echo of the handed one');
      await h.sleep(100);
      socket.close();
      const removed = log.filter((e) => e.type === 'removed');
      return {
        sent, queuedAfterExpiry, fresh, handed,
        removed: removed.map((e) => [e.reason, e.data]),
        received: await h.received(client),
      };
    }, { face, fast: FAST, expiring });
    assert.deepEqual(result.sent, Array(expiring).fill('queued'));
    assert.equal(result.queuedAfterExpiry, 0);
    assert.deepEqual(result.fresh, Array(15).fill('queued'));
    assert.equal(result.handed, 'now');
    const expected = Array.from({ length: expiring }, (_, n) => ['expired', `old ${expiring - 1 - n}`]);
    assert.deepEqual(result.removed, expected, 'each expired message reported once, earliest deadline first');
    const delivered = [...Array.from({ length: 10 }, (_, n) => `fresh ${n}`), ...Array.from({ length: 5 }, (_, n) => `plain ${n}`), 'handed'];
    assert.deepEqual(result.received, delivered, 'the rest arrived once, in order');
    const expiredDelivered = result.received.filter((text) => text.startsWith('old ')).length;
    report({
      section: 'lost',
      face: faceName,
      row: `${expiring} messages with ttlMs queued over an outage, then 10 with a long ttlMs and 5 plain`,
      checked: 'every expired message reported once ("removed", reason expired, earliest deadline first) and never sent; the rest arrived once, in order; a message handed to the open socket is never removed',
      figures: {
        'removed as expired': result.removed.length,
        delivered: result.received.length,
        'expired delivered': expiredDelivered,
      },
    });
  });

  suite.test(`${faceName} face: an abort removes the queued messages, which never arrive; one already sent is not recalled`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('abort');
      let down = true;
      const outage = { url: () => h.url('/echo', down ? { client, reject: 503 } : { client }), lift: () => { down = false; } };
      const socket = await h.open(face, outage.url, fast);
      const log = h.record(socket, ['open', 'message', 'removed']);
      const controller = new AbortController();
      const sent = [];
      for (let n = 0; n < 20; n++) {
        sent.push(socket.send(`cancelled ${n}`, { signal: controller.signal }));
        if (n % 4 === 0) sent.push(socket.send(`kept ${n / 4}`));
      }
      controller.abort();
      const queuedAfterAbort = socket.queuedCount;
      const preAborted = socket.send('never', { signal: AbortSignal.abort() });
      outage.lift();
      await log.until((l) => l.count('message') === 5, 'the echoes of the kept messages');
      const late = new AbortController();
      const handed = socket.send('handed', { signal: late.signal });
      late.abort();
      await log.until((l) => l.count('message') === 6, 'the echo of the handed one');
      await h.sleep(100);
      socket.close();
      const removed = log.filter((e) => e.type === 'removed');
      return {
        sent, queuedAfterAbort, preAborted, handed,
        removed: removed.map((e) => [e.reason, e.data]),
        received: await h.received(client),
      };
    }, { face, fast: FAST });
    assert.ok(result.sent.every((outcome) => outcome === 'queued'));
    assert.equal(result.queuedAfterAbort, 5);
    assert.equal(result.preAborted, 'aborted', 'an aborted signal sends nothing');
    assert.equal(result.handed, 'now');
    assert.deepEqual(result.removed, Array.from({ length: 20 }, (_, n) => ['aborted', `cancelled ${n}`]));
    assert.deepEqual(result.received, ['kept 0', 'kept 1', 'kept 2', 'kept 3', 'kept 4', 'handed']);
    const cancelledDelivered = result.received.filter((text) => text.startsWith('cancelled')).length;
    report({
      section: 'lost',
      face: faceName,
      row: 'aborts: 20 messages queued over an outage with one AbortSignal, aborted, among 5 plain ones',
      checked: 'each aborted message reported once ("removed", reason aborted) and never sent; the plain ones arrived once, in order; an abort after the message went out changes nothing',
      figures: {
        'removed as aborted': result.removed.length,
        delivered: result.received.length,
        'aborted delivered': cancelledDelivered,
      },
    });
  });

  suite.test(`${faceName} face: a queued request rejects EXPIRED when its ttlMs runs out, or with the reason when aborted, and never reaches the server`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('request-control');
      let down = true;
      const outage = { url: () => h.url('/echo', down ? { client, reject: 503 } : { client }), lift: () => { down = false; } };
      const socket = await h.open(face, outage.url, { ...fast, format: 'json' });
      const log = h.record(socket, ['open', 'message', 'removed']);
      const settled = (promise) => promise.then(
        (value) => ({ value }),
        (error) => ({ name: error.name, code: error.code, message: error.message }),
      );
      const started = performance.now();
      const expired = await settled(socket.request({ method: 'late' }, { ttlMs: 100, timeoutMs: 5000 }));
      const expiredAfterMs = performance.now() - started;
      const controller = new AbortController();
      const aborted = settled(socket.request({ method: 'aborted' }, { signal: controller.signal, timeoutMs: 5000 }));
      controller.abort(new Error('changed my mind'));
      const abortedResult = await aborted;
      const queued = socket.queuedCount;
      outage.lift();
      socket.send({ marker: true });
      await log.until((l) => l.count('message') === 1, 'the echo of the marker');
      await h.sleep(100);
      socket.close();
      return { expired, expiredAfterMs, abortedResult, queued, lines: log.lines(), received: await h.received(client) };
    }, { face, fast: FAST });
    assert.equal(result.expired.code, 'EXPIRED');
    assert.ok(result.expiredAfterMs >= 90 && result.expiredAfterMs < 1000, `expired after ${result.expiredAfterMs} ms`);
    assert.equal(result.abortedResult.message, 'changed my mind');
    assert.equal(result.queued, 0, 'neither request is queued any more');
    assert.deepEqual(result.received, ['{"marker":true}'], 'neither request reached the server');
    assert.deepEqual(result.lines, ['open', 'message {"marker":true}'], 'a request\'s frame is not reported as removed');
  });

  suite.test(`${faceName} face: bad send options are a TypeError and send nothing`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('bad-options');
      const socket = await h.open(face, h.url('/echo', { client }), { ...fast, format: 'json' });
      const log = h.record(socket, ['open', 'message']);
      await log.until((l) => l.count('open') === 1, 'the open');
      const tries = [
        { ttlMs: -1 }, { ttlMs: NaN }, { ttlMs: 2 ** 31 }, { ttlMs: '5' },
        { signal: {} }, { volatile: 'yes' },
      ];
      const outcomes = tries.map((options) => {
        try {
          return `returned ${socket.send('bad', options)}`;
        } catch (error) {
          return error.name;
        }
      });
      const requestRefusal = await socket.request({}, { ttlMs: -5 }).then(() => 'resolved', (error) => error.name);
      socket.send('good');
      await log.until((l) => l.count('message') === 1, 'the echo');
      await h.sleep(100);
      socket.close();
      return { outcomes, requestRefusal, received: await h.received(client) };
    }, { face, fast: FAST });
    assert.deepEqual(result.outcomes, Array(6).fill('TypeError'));
    assert.equal(result.requestRefusal, 'TypeError');
    assert.deepEqual(result.received, ['"good"']);
  });
}
