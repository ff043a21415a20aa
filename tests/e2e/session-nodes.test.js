// Sessions across servers, for the JS and the Rust face: two test servers (two processes)
// keep /session's sessions in one Redis, and the page's URL provider alternates between them.
// The pairs: two Rust test servers (resocket-axum's RedisStore, `--session-store`), two Node
// session servers (resocket/server's RedisStore, node-session-server.js in child processes),
// and each mixed pair (one of each, sharing the Redis's layout: a session started on one
// resumes on the other). The page sends a burst of numbered
// messages; once some echoes are back, the server that carries the session is killed
// (SIGKILL: no close frame, nothing flushed). The client resumes on the other server
// (`resumed`, recovered: true) and at the end every echo arrived once and in order, so each
// message was handled once: the killed server's handler answered some, the other's the rest
// (each answer is written with the count of messages its handler read, so the second handler
// starts after the last one answered). The second server's record of what it handled is a
// run of the burst without gap or repeat, ending with its last message.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { FACES } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { startRedis } from './support/redis.js';
import { reporter } from './support/report.js';
import { spawnNodeSessionServer } from './support/node-session-server.js';
import { startServer } from './support/server.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const report = reporter(import.meta.url);
const COUNT = 3000;
/** Echoes back before the first server is killed. */
const BEFORE_KILL = 300;

/** How each adapter's server starts on the Redis. */
const ADAPTERS = {
  'resocket-axum': () => startServer({ args: ['--session-store', redis.url] }),
  'resocket/server': () => spawnNodeSessionServer(redis.path),
};
/** The server killed, then the one the session resumes on. */
const PAIRS = [
  ['resocket-axum', 'resocket-axum'],
  ['resocket/server', 'resocket/server'],
  ['resocket-axum', 'resocket/server'],
  ['resocket/server', 'resocket-axum'],
];

let redis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis?.stop();
});

/** In the page: a session socket whose URL provider alternates between `urls`, and a pump of `count` numbered messages. */
async function startBurst({ face, urls, count }) {
  const burst = { sent: [], messages: [], resumed: [], errors: [], refused: 0, next: 0, urls: [] };
  window.burst = burst;
  let attempt = 0;
  const provider = () => {
    const url = urls[attempt % urls.length];
    attempt += 1;
    burst.urls.push(url);
    return url;
  };
  burst.socket = await h.open(face, provider, {
    minReconnectionDelay: 20,
    maxReconnectionDelay: 200,
    minUptime: 0,
    session: true,
  }, {
    listen(socket) {
      socket.addEventListener('message', (event) => burst.messages.push(event.data));
      socket.addEventListener('resumed', (event) => burst.resumed.push(event.recovered));
      socket.addEventListener('error', (event) => burst.errors.push(event.error?.code));
    },
  });
  await h.waitFor(() => burst.socket.state === 'open', 'open', { ms: 15_000 });
  // About 500 messages a second: the burst lasts some seconds, so the kill lands in it.
  burst.pump = setInterval(() => {
    for (let i = 0; i < 5 && burst.next < count; i += 1) {
      const text = `n${burst.next}`;
      const outcome = burst.socket.send(text);
      if (outcome === 'window-full') {
        burst.refused += 1;
        return; // the same number goes again on the next tick
      }
      if (outcome !== 'now' && outcome !== 'queued') throw new Error(`send refused: ${outcome}`);
      burst.sent.push(text);
      burst.next += 1;
    }
  }, 10);
}

for (const [face, faceName] of FACES) {
  for (const [killed, survivor] of PAIRS) {
    const pair = killed === survivor ? `two ${killed} servers` : `${killed} killed, ${survivor} resuming`;
    suite.test(`${faceName} face, ${pair}: a server killed mid-burst, the session resumes on the other through Redis, each message handled once`, async (page) => {
      const client = `session-nodes-${face}-${Date.now()}`;
      const [first, second] = await Promise.all([ADAPTERS[killed](), ADAPTERS[survivor]()]);
      try {
        const urls = [first, second].map((server) => `${server.wsUrl}/session?client=${client}`);
        await page.run(startBurst, { face, urls, count: COUNT });
        await page.run((count) => h.waitFor(() => window.burst.messages.length >= count, 'echoes before the kill', { ms: 15_000 }), BEFORE_KILL);
        const [echoedBeforeKill, sentBeforeKill] = await page.run(() => [window.burst.messages.length, window.burst.sent.length]);
        await first.kill();
        const result = await page.run((count) => h.waitFor(() => window.burst.messages.length >= count, 'every echo', {
          ms: 60_000,
          context: () => ({ echoes: window.burst.messages.length, sent: window.burst.sent.length, errors: window.burst.errors }),
        }).then(() => h.sleep(300)).then(() => {
          clearInterval(window.burst.pump);
          const { sent, messages, resumed, errors, refused, urls } = window.burst;
          return { sent, messages, resumed, errors, refused, urls };
        }), COUNT);
        const handledBySecond = await second.received(client);
        const stats = await second.client(client);
        assert.equal(result.sent.length, COUNT);
        assert.ok(sentBeforeKill < COUNT, `the burst was still going when the server was killed (${sentBeforeKill} sent)`);
        assert.deepEqual(result.messages, result.sent, 'the page got each echo once, in order');
        assert.ok(result.resumed.length >= 1, 'the client resumed');
        assert.deepEqual(result.resumed.filter((recovered) => !recovered), [], 'a reconnect lost the session');
        assert.deepEqual(result.errors.filter((code) => code === 'PROTOCOL'), []);
        const start = result.sent.indexOf(handledBySecond[0]);
        assert.ok(start > 0, `the second server handled only the rest of the burst (from ${handledBySecond[0]})`);
        assert.deepEqual(handledBySecond, result.sent.slice(start), 'the second server handled a run of the burst without gap or repeat, to its end');
        assert.equal(stats.max_open, 1);
        report({
          section: 'lost',
          face: faceName,
          row: `two servers sharing sessions in Redis (${pair}): the one carrying the session killed (SIGKILL) mid-burst of ${COUNT} messages`,
          checked: 'the client resumed on the other server (recovered: true); every echo arrived once and in order; the second server handled a gapless run of the burst to its end',
          figures: {
            sent: COUNT,
            'sent before the kill': sentBeforeKill,
            'echoes back before the kill': echoedBeforeKill,
            'handled by the second server': handledBySecond.length,
            'echoes at the page': result.messages.length,
            resumptions: result.resumed.length,
            'connection attempts': result.urls.length,
            'sends refused by a full window (retried)': result.refused,
            'doubled or lost': result.messages.length - new Set(result.messages).size + (COUNT - new Set(result.messages).size),
          },
        });
      } finally {
        await Promise.all([first.stop(), second.stop()]);
      }
    }, { timeout: 120_000 });
  }
}
