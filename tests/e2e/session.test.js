// Resumable session mode (`session: true`, the resocket.v1 subprotocol, PROTOCOL.md), for the
// JS and the Rust face (`h.open(face, url, { session: true })`, pages/faces.js), against the
// test server's /session endpoint (resocket-axum), whose record of what each client sent
// (`/received`) is the judge:
// - a session echoes; the socket is open once the server's welcome came, its protocol is
//   resocket.v1, and the server recorded each message once
// - 2,000 messages with `/control` drops in the middle: the server recorded each message
//   exactly once and in order, the page got each echo exactly once and in order, and each
//   drop was followed by one `resumed` event with `recovered: true` and nothing
//   unacknowledged
// - a server that lost the session (`/control?action=forget` while the connection is stalled,
//   so messages reached it that the server never read): `resumed` says `recovered: false`,
//   and its `unacknowledged` list is exactly the messages sent that the server's record
//   lacks, oldest first; messages sent afterwards go to the new session
// - session mode against a plain endpoint (/echo, which never selects resocket.v1, as a plain
//   server ignores it): the browser fails the handshake, the client then tries once without
//   the subprotocol and tells a plain server (a session server refuses that): an `error`
//   NOT_A_SESSION_SERVER after only SOCKET failures, a close that will not reconnect, no open,
//   no attempt after it, and the server received nothing
// - the heartbeat runs over `~ping`/`~pong` control frames: `rttMs` gets a value, the pings
//   reach the socket as `~ping` frames and never as messages; a silenced connection
//   (`/control?action=silent`) is given up and the session resumes with every message once
// - batch frames: a lone message goes out within `send()`, alone (`m`); a burst of 1,000 sent
//   in one turn goes as its first message then one batch frame (the server counts 3 frames
//   from the page for 1,001 messages), the server's echoes come in batches too (fewer than a
//   tenth as many frames as messages), and both sides get every message once, in order
// - `request()` in session mode (`format: "json"`): /session answers requests of /rpc's shape;
//   a request pending across a drop is answered after the resume (nothing is lost in session
//   mode), and the server got it once
// Every test runs on both faces, against both server adapters (support/adapters.js):
// resocket-axum and resocket/server, the package's Node adapter, on a Node server of the same
// endpoints (support/node-session-server.js).

import assert from 'node:assert/strict';
import { serverGot, sessionAdapters } from './support/adapters.js';
import { FACES } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { reporter } from './support/report.js';
import { e2eSuite } from './support/suite.js';

const report = reporter(import.meta.url);
const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const ADAPTERS = sessionAdapters(suite);
const FAST = { minReconnectionDelay: 50, maxReconnectionDelay: 200 };


/**
 * In the page: a session socket of `face` on /session for `client`, with its events recorded
 * in `window.session`: `log` (h.record), `messages` (the data of each message, in order),
 * `resumed` ({ recovered, unacknowledged } of each resumed event) and `errors` (codes);
 * `window.sendAll(texts)` sends, throwing unless each was accepted ('now' or 'queued').
 */
async function openSession({ face, client, options, path = '/session' }) {
  const session = { messages: [], resumed: [], errors: [] };
  window.session = session;
  window.sendAll = (texts) => {
    for (const text of texts) {
      const outcome = session.socket.send(text);
      if (outcome !== 'now' && outcome !== 'queued') throw new Error(`${text} refused: ${outcome}`);
    }
  };
  session.socket = await h.open(face, h.url(path, { client }), options, {
    listen(socket) {
      session.log = h.record(socket, ['open', 'message', 'close', 'error', 'reconnecting', 'resumed', 'statechange']);
      socket.addEventListener('message', (event) => session.messages.push(event.data));
      socket.addEventListener('resumed', (event) => session.resumed.push({
        recovered: event.recovered,
        unacknowledged: event.unacknowledged,
      }));
      socket.addEventListener('error', (event) => session.errors.push(event.error?.code));
    },
  });
}

/** In the page: every text frame the page's sockets send, both faces', in `window.framesSent`. */
function recordFramesSent() {
  window.framesSent = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (typeof data === 'string') window.framesSent.push(data);
    return send.call(this, data);
  };
}

const numbered = (prefix, count) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

for (const adapter of ADAPTERS) for (const [face, faceName] of FACES) {
  adapter.test(`${faceName} face: a session echoes; open once welcomed, protocol resocket.v1`, async (page) => {
    const client = `session-echo-${face}-${Date.now()}`;
    await page.run(openSession, { face, client, options: { ...FAST, session: true } });
    const result = await page.run(async () => {
      const { socket, log } = window.session;
      await log.until((l) => l.count('open') === 1, 'open', 15_000);
      const atOpen = { state: socket.state, readyState: socket.readyState, protocol: socket.protocol };
      window.sendAll(['hello', 'world']);
      await log.until(() => window.session.messages.length === 2, 'two echoes', 15_000);
      return { atOpen, messages: window.session.messages, lines: log.lines(), errors: window.session.errors };
    });
    assert.deepEqual(result.atOpen, { state: 'open', readyState: 1, protocol: 'resocket.v1' });
    assert.deepEqual(result.messages, ['hello', 'world']);
    assert.deepEqual(result.errors, []);
    const states = result.lines.filter((line) => line.startsWith('state '));
    assert.deepEqual(states, ['state connecting', 'state open'], result.lines.join('\n'));
    assert.deepEqual(await serverGot(adapter.server, client, 2), ['hello', 'world']);
    assert.deepEqual(adapter.server.opened(client).map(({ protocol }) => protocol), ['resocket.v1']);
    await page.run(() => window.session.socket.close());
  }, { timeout: 60_000 });

  adapter.test(`${faceName} face: a burst goes in batch frames both ways, once each, in order; a lone message at once`, async (page) => {
    const client = `session-batch-${face}-${Date.now()}`;
    const total = 1000;
    await page.run(recordFramesSent);
    await page.run(openSession, { face, client, options: { ...FAST, session: true } });
    const result = await page.run(async (total) => {
      const { log } = window.session;
      await log.until((l) => l.count('open') === 1, 'open', 15_000);
      const handshake = window.framesSent.filter((frame) => frame.startsWith('~hello'));
      const before = window.framesSent.length;
      window.sendAll(['lone']);
      // Read before any microtask runs: the lone message left within send().
      const lone = window.framesSent.slice(before);
      await log.until(() => window.session.messages.length === 1, 'the lone echo', 15_000);
      window.sendAll(Array.from({ length: total }, (_, i) => `burst ${i}`));
      await log.until(() => window.session.messages.length === total + 1, 'every echo', 30_000);
      // Late doubles would come right after: give them a moment to show.
      await h.sleep(300);
      const messageFrames = window.framesSent.filter((frame) => frame.startsWith('m') || frame.startsWith('b'));
      return { handshake, lone, messageFrames: messageFrames.map((frame) => frame[0]), messages: window.session.messages, errors: window.session.errors };
    }, total);
    assert.match(result.handshake[0], / batch=1$/, 'the client announces it reads batches');
    assert.deepEqual(result.lone, ['mlone'], 'a lone message goes out at once, alone');
    assert.deepEqual(result.messageFrames, ['m', 'm', 'b'], 'the lone message, then the burst: its first alone, the rest in one batch');
    const sent = ['lone', ...numbered('burst ', total)];
    assert.equal(result.messages.length, total + 1, 'the page got each echo once');
    assert.deepEqual(result.messages, sent, 'the page got every echo once, in order');
    assert.deepEqual(await serverGot(adapter.server, client, total + 1), sent, 'the server got every message once, in order');
    const stats = await adapter.server.client(client);
    assert.equal(stats.frames_in, 3, 'the server read 1,001 messages in 3 frames');
    assert.ok(stats.frames_out >= 2 && stats.frames_out <= total / 10,
      `the server sent the echoes in batches: ${stats.frames_out} frames for ${total + 1} messages`);
    assert.deepEqual(result.errors, []);
    await page.run(() => window.session.socket.close());
  }, { timeout: 60_000 });

  adapter.test(`${faceName} face: 2,000 messages across drops arrive once each, in order, both ways`, async (page) => {
    const client = `session-burst-${face}-${Date.now()}`;
    const total = 2000;
    await page.run(openSession, { face, client, options: { ...FAST, session: true } });
    const result = await page.run(async ({ total, client }) => {
      const { socket, log } = window.session;
      const drops = [];
      for (let i = 0; i < total; i += 1) {
        window.sendAll([String(i)]);
        // A drop every 400 messages, each on an open (welcomed) connection with messages in
        // flight both ways.
        if (i % 400 === 200) {
          // Resumed after the previous drop, so this one reaches a connection of its own.
          await h.waitFor(
            () => socket.readyState === 1 && window.session.resumed.length === drops.length,
            'the session to be open again before the next drop',
            { ms: 15_000, context: () => log.lines() },
          );
          const answer = await fetch(`${h.http}/control?client=${client}&action=drop`, { method: 'POST' });
          drops.push((await answer.json()).affected);
        }
      }
      await log.until(() => window.session.messages.length >= total, `${total} echoes`, 60_000);
      // Late doubles would come right after: give them a moment to show.
      await h.sleep(500);
      return { drops, messages: window.session.messages, resumed: window.session.resumed, errors: window.session.errors };
    }, { total, client });
    const sent = numbered('', total);
    assert.deepEqual(result.drops, [1, 1, 1, 1, 1], 'each drop reached the open connection');
    const records = await serverGot(adapter.server, client, total);
    assert.equal(records.length, total, 'the server recorded each message once');
    assert.deepEqual(records, sent, 'the server recorded every message once, in order');
    assert.equal(result.messages.length, total, 'the page got each echo once');
    assert.deepEqual(result.messages, sent, 'the page got every echo once, in order');
    assert.deepEqual(result.resumed, result.drops.map(() => ({ recovered: true, unacknowledged: [] })),
      'one resumed event per drop, recovered, nothing of unknown fate');
    assert.deepEqual(result.errors.filter((code) => code !== 'SOCKET'), []);
    await page.run(() => window.session.socket.close());
  }, { timeout: 120_000 });

  adapter.test(`${faceName} face: a lost session is reported with exactly the messages the server never got`, async (page) => {
    const client = `session-lost-${face}-${Date.now()}`;
    await page.run(openSession, { face, client, options: { ...FAST, session: true } });
    await page.run(async () => {
      const { socket, log } = window.session;
      await log.until((l) => l.count('open') === 1, 'open', 15_000);
      window.sendAll(['a0', 'a1', 'a2']);
      await log.until(() => window.session.messages.length === 3, 'the first echoes', 15_000);
      // In session mode queuedCount counts the messages the server has not acknowledged.
      await h.waitFor(() => socket.queuedCount === 0, 'the server to acknowledge the first messages', { ms: 15_000 });
    });
    // The server reads nothing more: these reach the connection and are never read.
    await adapter.server.control(`client=${client}&action=stall`);
    const stalled = await page.run(() => {
      window.sendAll(['b0', 'b1', 'b2', 'b3']);
      return window.session.socket.queuedCount;
    });
    assert.equal(stalled, 4, 'the four messages wait for an acknowledgement');
    assert.deepEqual(await adapter.server.control(`client=${client}&action=forget`), { affected: 1 });
    const result = await page.run(async () => {
      const { log } = window.session;
      await h.waitFor(() => window.session.resumed.length === 1, 'the resumed event', { ms: 15_000, context: () => log.lines() });
      window.sendAll(['c0', 'c1']);
      await h.waitFor(() => window.session.messages.length === 5, 'the new session\'s echoes', { ms: 15_000, context: () => log.lines() });
      return { resumed: window.session.resumed, messages: window.session.messages, lines: log.lines() };
    });
    const records = await serverGot(adapter.server, client, 5);
    assert.deepEqual(records, ['a0', 'a1', 'a2', 'c0', 'c1'], 'the server never got the b messages');
    const sent = ['a0', 'a1', 'a2', 'b0', 'b1', 'b2', 'b3', 'c0', 'c1'];
    const neverGot = sent.filter((text) => !records.includes(text));
    assert.deepEqual(result.resumed, [{ recovered: false, unacknowledged: neverGot }], result.lines.join('\n'));
    assert.deepEqual(result.messages, ['a0', 'a1', 'a2', 'c0', 'c1']);
    await page.run(() => window.session.socket.close());
    report({
      section: 'lost',
      face: faceName,
      row: `${adapter.name}: the server loses the session (its store forgotten) with messages on a stalled connection`,
      checked: 'the reconnect reports recovered: false with unacknowledged exactly the messages the server never got, in order; the new session carries what follows; nothing else is lost or doubled',
      figures: {
        sent: sent.length,
        'got by the server': records.length,
        'reported unacknowledged': result.resumed[0].unacknowledged.length,
        'neither got nor reported': sent.filter((text) => !records.includes(text) && !result.resumed[0].unacknowledged.includes(text)).length,
      },
    });
  }, { timeout: 60_000 });

  adapter.test(`${faceName} face: session mode against a plain endpoint fails NOT_A_SESSION_SERVER and does not retry`, async (page) => {
    const client = `session-plain-${face}-${Date.now()}`;
    await page.run(openSession, { face, client, path: '/echo', options: { ...FAST, session: true } });
    const result = await page.run(async () => {
      const { socket, log } = window.session;
      await log.until((l) => l.some((e) => e.type === 'close' && !e.willReconnect), 'the final close', 15_000);
      const atClose = log.length;
      // A retry would come within 200 ms (maxReconnectionDelay): wait well past it.
      await h.sleep(1000);
      return { lines: log.lines(), after: log.lines().slice(atClose), state: socket.state, readyState: socket.readyState, errors: window.session.errors };
    });
    const lines = result.lines.join('\n');
    assert.equal(result.errors.at(-1), 'NOT_A_SESSION_SERVER', lines);
    // Before it, only the failed handshakes that made the client check what the server is.
    assert.deepEqual(result.errors.slice(0, -1).filter((code) => code !== 'SOCKET'), [], lines);
    const closes = result.lines.filter((line) => line.startsWith('close'));
    assert.match(closes.at(-1), /willReconnect=false$/, lines);
    assert.equal(closes.filter((line) => line.endsWith('willReconnect=false')).length, 1, lines);
    assert.deepEqual(result.after.filter((line) => !line.startsWith('state ')), [], 'nothing after the final close');
    assert.ok(!result.lines.includes('open'), `no open: ${lines}`);
    assert.deepEqual([result.state, result.readyState], ['closed', 3]);
    const before = await adapter.server.client(client);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stats = await adapter.server.client(client);
    assert.equal(stats?.total, before?.total, 'no attempt after the final close');
    assert.equal(stats?.received, 0, 'the server received nothing');
    assert.deepEqual(await adapter.server.received(client), []);
    assert.equal(adapter.server.opened(client).at(-1)?.protocol, null, 'the connection that told was opened without a subprotocol');
  }, { timeout: 30_000 });

  adapter.test(`${faceName} face: the heartbeat runs over ~ping/~pong; a silent connection is given up and the session resumes`, async (page) => {
    const client = `session-heartbeat-${face}-${Date.now()}`;
    await page.run(recordFramesSent);
    await page.run(openSession, {
      face,
      client,
      options: { ...FAST, session: true, heartbeat: { intervalMs: 300, timeoutMs: 1500 } },
    });
    const measured = await page.run(async () => {
      const { socket, log } = window.session;
      await log.until((l) => l.count('open') === 1, 'open', 15_000);
      await h.waitFor(() => socket.rttMs !== undefined, 'a round trip measured', { ms: 15_000 });
      window.sendAll(['before']);
      await h.waitFor(() => window.session.messages.length === 1, 'the echo', { ms: 15_000 });
      return { rttMs: socket.rttMs, pings: window.framesSent.filter((frame) => frame === '~ping').length };
    });
    assert.ok(Number.isFinite(measured.rttMs) && measured.rttMs >= 0, `rttMs ${measured.rttMs}`);
    assert.ok(measured.pings >= 1, 'the heartbeat sent ~ping frames');

    await adapter.server.control(`client=${client}&action=silent`);
    const result = await page.run(async () => {
      const { log } = window.session;
      window.sendAll(['during']);
      await h.waitFor(() => window.session.resumed.length === 1, 'the session to resume after the silence', { ms: 20_000, context: () => log.lines() });
      window.sendAll(['after']);
      await h.waitFor(() => window.session.messages.length === 3, 'every echo', { ms: 15_000, context: () => log.lines() });
      await h.sleep(300);
      return { messages: window.session.messages, resumed: window.session.resumed, lines: log.lines() };
    });
    const closes = result.lines.filter((line) => line.startsWith('close'));
    assert.equal(closes.length, 1, result.lines.join('\n'));
    assert.match(closes[0], /^close 4000 .*willReconnect=true$/, 'the heartbeat gave the silent connection up');
    assert.deepEqual(result.resumed, [{ recovered: true, unacknowledged: [] }]);
    assert.deepEqual(result.messages, ['before', 'during', 'after']);
    assert.deepEqual(await serverGot(adapter.server, client, 3), ['before', 'during', 'after'], 'no ping reached the server as a message');
    await page.run(() => window.session.socket.close());
  }, { timeout: 60_000 });

  adapter.test(`${faceName} face: request() in session mode is answered, also across a drop`, async (page) => {
    const client = `session-request-${face}-${Date.now()}`;
    await page.run(openSession, { face, client, options: { ...FAST, session: true, format: 'json' } });
    const result = await page.run(async (client) => {
      const { socket, log } = window.session;
      await log.until((l) => l.count('open') === 1, 'open', 15_000);
      const sum = await socket.request({ method: 'add', params: [2, 3] });
      const slow = socket.request({ method: 'sleep', params: [1000] });
      // The request is on the server, whose answer comes in a second: the connection drops
      // meanwhile, and the answer reaches the page on the resumed session.
      await h.waitFor(() => socket.queuedCount === 0, 'the server to acknowledge the request', { ms: 15_000 });
      await fetch(`${h.http}/control?client=${client}&action=drop`, { method: 'POST' });
      const slept = await slow;
      return { sum, slept, resumed: window.session.resumed, messages: window.session.messages, lines: log.lines() };
    }, client);
    assert.equal(result.sum, 5);
    assert.equal(result.slept, 1000);
    assert.deepEqual(result.resumed, [{ recovered: true, unacknowledged: [] }], result.lines.join('\n'));
    assert.deepEqual(result.messages, [], 'answers are not messages');
    const records = (await serverGot(adapter.server, client, 2)).map((text) => JSON.parse(text));
    assert.deepEqual(records.map(({ method, params }) => ({ method, params })), [
      { method: 'add', params: [2, 3] },
      { method: 'sleep', params: [1000] },
    ], 'each request reached the server once');
    await page.run(() => window.session.socket.close());
  }, { timeout: 60_000 });
}
