// The setup step (`setup: async (setup, { attempt, resumed }) => ...`, `Config::setup`), for
// the JS and the Rust face (`h.open(face, url, options)`, pages/faces.js), judged by what the
// server recorded of each connection (`/received`, one client tag per connection):
// - on every connection the step's messages go first; sends made before and during the step
//   wait in the queue and follow it; `open` fires once it is done; it is told its attempt
// - a step may await a request (/rpc answers it) before the queue moves
// - a step that throws gives the connection up (error SETUP, close 1000 "setup failed") and the
//   backoff retries; the queue waits for a step that succeeds
// - a step that outlives `setupTimeoutMs` fails with SETUP_TIMEOUT and is retried
// - under 20 reconnects with messages waiting, some steps cut short by a reconnect: every
//   connection's first message is its step's, and every queued message arrives exactly once,
//   in order (a RELIABILITY.md row)
// - in session mode the step runs once the session is welcomed: `resumed` says whether the
//   server kept it, and what waited goes after the step

import assert from 'node:assert/strict';
import { FACES } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { reporter } from './support/report.js';
import { e2eSuite } from './support/suite.js';

const report = reporter(import.meta.url);
const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const FAST = { minReconnectionDelay: 50, maxReconnectionDelay: 200, jitter: 0 };

/**
 * In the page, once per test: `window.openCounted({ face, path, options })` opens a socket of
 * `face` whose every connection has a client tag of its own (`${base}-${n}`, n counting
 * connections from 1) on `path`, with `options` and `window.setupStep` as its setup step, its
 * events recorded in `window.run.log`, and returns the base tag;
 * `window.receivedBy(base, count)` is what the server recorded of connections 1 to `count`.
 */
function installHelpers() {
  window.openCounted = async ({ face, path, options }) => {
    const base = h.client('setup');
    let connections = 0;
    const run = { base, events: [] };
    window.run = run;
    run.socket = await h.open(face, () => h.url(path, { client: `${base}-${++connections}` }), {
      ...options,
      setup: window.setupStep,
    }, {
      listen(socket) {
        run.log = h.record(socket, ['open', 'message', 'close', 'error', 'reconnecting', 'statechange']);
        socket.addEventListener('open', () => run.events.push('open'));
      },
    });
    run.connections = () => connections;
    return base;
  };
  window.receivedBy = async (base, count) => {
    const records = [];
    for (let n = 1; n <= count; n += 1) records.push(await h.received(`${base}-${n}`));
    return records;
  };
}

for (const [face, faceName] of FACES) {
  suite.test(`${faceName} face: the setup step goes first on every connection, the queue after it, then open`, async (page) => {
    await page.run(installHelpers);
    const result = await page.run(async ({ face, fast }) => {
      const seen = { infos: [], states: [], during: [], sent: [] };
      window.setupStep = async (setup, info) => {
        seen.infos.push({ attempt: info.attempt, resumed: info.resumed });
        seen.states.push(window.run.socket.state);
        seen.sent.push(setup.send(`setup ${info.attempt}`));
        await h.sleep(50);
        seen.during.push(window.run.socket.send('during'));
        seen.sent.push(setup.send(`setup ${info.attempt} end`));
        window.run.events.push(`setup ${info.attempt} returns`);
      };
      const base = await window.openCounted({ face, path: '/echo', options: fast });
      const { socket, log } = window.run;
      const queued = [socket.send('q1'), socket.send('q2')];
      await log.until((l) => l.count('open') === 1 && l.count('message') === 5, 'open and five echoes', 5000);
      socket.reconnect();
      queued.push(socket.send('q3'));
      await log.until((l) => l.count('open') === 2 && l.count('message') === 9, 'a second open and four more echoes', 5000);
      socket.close();
      return { ...seen, queued, events: window.run.events, received: await window.receivedBy(base, 2) };
    }, { face, fast: FAST });
    assert.deepEqual(result.received, [
      ['setup 1', 'setup 1 end', 'q1', 'q2', 'during'],
      ['setup 2', 'setup 2 end', 'q3', 'during'],
    ]);
    assert.deepEqual(result.infos, [{ attempt: 1, resumed: false }, { attempt: 2, resumed: false }]);
    assert.deepEqual(result.states, ['connecting', 'connecting'], 'connecting while the step runs');
    assert.deepEqual(result.sent, ['now', 'now', 'now', 'now'], "the step's sends go at once");
    assert.deepEqual(result.during, ['queued', 'queued'], 'sends during the step wait');
    assert.deepEqual(result.queued, ['queued', 'queued', 'queued']);
    assert.deepEqual(result.events, ['setup 1 returns', 'open', 'setup 2 returns', 'open'], 'open follows the step');
  });

  suite.test(`${faceName} face: a setup step awaits a request's answer before the queue moves`, async (page) => {
    await page.run(installHelpers);
    const result = await page.run(async ({ face, fast }) => {
      const answers = [];
      window.setupStep = async (setup) => {
        const sum = await setup.request({ method: 'add', params: [2, 3] });
        answers.push(sum);
        setup.send({ method: 'echo', params: `after ${sum}` });
      };
      const base = await window.openCounted({ face, path: '/rpc', options: { ...fast, format: 'json' } });
      const { socket, log } = window.run;
      socket.send({ method: 'echo', params: 'queued' });
      await log.until((l) => l.count('open') === 1, 'open', 5000);
      const received = await h.receivedOnceCounted(`${base}-1`, 3);
      socket.close();
      return { answers, received: received.map((text) => JSON.parse(text)) };
    }, { face, fast: FAST });
    assert.deepEqual(result.answers, [5]);
    assert.deepEqual(result.received.map(({ method, params }) => [method, params]), [
      ['add', [2, 3]],
      ['echo', 'after 5'],
      ['echo', 'queued'],
    ]);
  });

  suite.test(`${faceName} face: a setup step that throws fails the connection (SETUP) and is retried; the queue waits`, async (page) => {
    await page.run(installHelpers);
    const result = await page.run(async ({ face, fast }) => {
      window.setupStep = (setup, { attempt }) => {
        if (attempt < 3) throw new Error(`not yet ${attempt}`);
        setup.send('ready');
      };
      const base = await window.openCounted({ face, path: '/echo', options: fast });
      const { socket, log } = window.run;
      socket.send('q');
      await log.until((l) => l.count('open') === 1 && l.count('message') === 2, 'open and two echoes', 5000);
      socket.close();
      const errors = log.filter((e) => e.type === 'error').map((e) => ({ code: e.code, message: e.message }));
      const closes = log.filter((e) => e.type === 'close').map((e) => [e.code, e.reason, e.willReconnect]);
      return { errors, closes, received: await window.receivedBy(base, 3) };
    }, { face, fast: FAST });
    assert.deepEqual(result.errors.map((e) => e.code), ['SETUP', 'SETUP']);
    assert.match(result.errors[0].message, /the setup step failed: not yet 1/);
    assert.match(result.errors[1].message, /not yet 2/);
    assert.deepEqual(result.closes.slice(0, 2), [[1000, 'setup failed', true], [1000, 'setup failed', true]]);
    assert.deepEqual(result.received, [[], [], ['ready', 'q']]);
  });

  suite.test(`${faceName} face: a setup step that outlives setupTimeoutMs fails with SETUP_TIMEOUT and is retried`, async (page) => {
    await page.run(installHelpers);
    const result = await page.run(async ({ face, fast }) => {
      window.setupStep = (setup, { attempt }) => {
        if (attempt === 1) return new Promise(() => {});
        setup.send('second');
      };
      const base = await window.openCounted({ face, path: '/echo', options: { ...fast, setupTimeoutMs: 300 } });
      const { socket, log } = window.run;
      await log.until((l) => l.count('open') === 1 && l.count('message') === 1, 'open and an echo', 5000);
      socket.close();
      return { errors: log.filter((e) => e.type === 'error').map((e) => e.code), received: await window.receivedBy(base, 2) };
    }, { face, fast: FAST });
    assert.deepEqual(result.errors, ['SETUP_TIMEOUT']);
    assert.deepEqual(result.received, [[], ['second']]);
  });

  suite.test(`${faceName} face: under 20 reconnects with messages waiting, every connection carries its setup step first`, async (page) => {
    const rounds = 20;
    const perRound = 3;
    await page.run(installHelpers);
    const result = await page.run(async ({ face, fast, rounds, perRound }) => {
      const cutShort = [];
      window.setupStep = async (setup, { attempt }) => {
        setup.send(`setup ${attempt}`);
        await h.sleep(5);
        // Every fifth step is cut short by a reconnect: what waits must wait for the next one.
        if (attempt % 5 === 0) {
          cutShort.push(attempt);
          window.run.socket.reconnect();
          return;
        }
        setup.send(`setup ${attempt} end`);
      };
      await window.openCounted({ face, path: '/echo', options: fast });
      const { socket, log } = window.run;
      const sent = [];
      for (let round = 0; round <= rounds; round += 1) {
        if (round > 0) socket.reconnect();
        for (let i = 0; i < perRound; i += 1) {
          const text = `m${sent.length}`;
          const outcome = socket.send(text);
          if (outcome !== 'queued') throw new Error(`${text} was ${outcome}, not queued`);
          sent.push(text);
        }
        const echoes = () => log.filter((e) => e.type === 'message' && e.data.startsWith('m')).length;
        await log.until(() => echoes() === sent.length, `the echoes of round ${round}`, 5000);
      }
      socket.close();
      const connections = window.run.connections();
      return { sent, cutShort, connections, received: await window.receivedBy(window.run.base, connections) };
    }, { face, fast: FAST, rounds, perRound });
    const firstIsSetup = result.received.filter((records, index) => records[0] === `setup ${index + 1}`).length;
    assert.equal(firstIsSetup, result.connections, 'every connection began with its setup step');
    const delivered = result.received.flat().filter((text) => text.startsWith('m'));
    assert.deepEqual(delivered, result.sent, 'every queued message once, in order');
    assert.ok(result.cutShort.length >= 4, `steps cut short: ${result.cutShort}`);
    for (const attempt of result.cutShort) {
      assert.deepEqual(result.received[attempt - 1], [`setup ${attempt}`], 'nothing queued went out on a connection whose step was cut short');
    }
    report({
      section: 'lost',
      face: faceName,
      row: 'Setup step ordering under 20 reconnects with messages waiting',
      checked: 'on every connection the setup step\'s messages came first (the server\'s record of each connection); every message queued while reconnecting arrived once, in order; steps cut short by a reconnect let nothing queued out',
      figures: {
        reconnects: rounds,
        connections: result.connections,
        'steps cut short': result.cutShort.length,
        'connections led by their setup step': `${firstIsSetup} of ${result.connections}`,
        'queued messages delivered once, in order': `${delivered.length} of ${result.sent.length}`,
      },
    });
  }, { timeout: 60_000 });

  suite.test(`${faceName} face: in session mode the step runs after the welcome, told whether the session was resumed`, async (page) => {
    await page.run(installHelpers);
    const result = await page.run(async ({ face, fast }) => {
      const infos = [];
      window.setupStep = (setup, info) => {
        infos.push({ attempt: info.attempt, resumed: info.resumed });
        // A resumed session keeps what the last step established.
        if (!info.resumed) setup.send(`auth ${info.attempt}`);
        setup.send(`hello ${info.attempt}`);
      };
      const client = h.client('setup-session');
      window.run = { events: [] };
      const socket = await h.open(face, h.url('/session', { client }), { ...fast, session: true, setup: window.setupStep });
      const log = h.record(socket, ['open', 'message', 'close', 'error', 'resumed']);
      socket.send('q1');
      await log.until((l) => l.count('open') === 1 && l.count('message') === 3, 'open and three echoes', 10_000);
      await fetch(`${h.http}/control?client=${client}&action=drop`, { method: 'POST' });
      await h.waitFor(() => socket.state !== 'open', 'the drop to be seen', { ms: 5000 });
      const q2 = socket.send('q2');
      await log.until((l) => l.count('open') === 2 && l.count('message') === 5, 'a second open and two more echoes', 10_000);
      socket.close();
      return { infos, q2, received: await h.received(client), echoes: log.filter((e) => e.type === 'message').map((e) => e.data) };
    }, { face, fast: FAST });
    assert.deepEqual(result.infos, [{ attempt: 1, resumed: false }, { attempt: 2, resumed: true }]);
    assert.equal(result.q2, 'queued');
    assert.deepEqual(result.received, ['auth 1', 'hello 1', 'q1', 'hello 2', 'q2'], 'each once, the step ahead of what waited');
    assert.deepEqual(result.echoes, result.received);
  });
}
