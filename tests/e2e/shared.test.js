// One connection for all tabs of an origin (`shared: true`), with several pages of one browser
// context as the tabs, each hosted both ways: in a SharedWorker, and by a leader tab (Web Locks
// and BroadcastChannel) in pages whose `SharedWorker` was removed before their scripts ran.
// The server's records (`/stats`, `/received`) are the judge:
// - 1, 5 and 20 tabs make one server connection; every tab hears every message; each tab's
//   sends reach the server once (RELIABILITY.md rows)
// - the connection's state and events reach every tab: a drop is a close and a reconnect in each
// - a tab that closes its socket hears its own close; the others keep the connection
// - the leader tab goes away in the middle of a stream of session messages from the other
//   tabs: another tab takes the connection and the session over, every message reaches the
//   server exactly once, and the hand-over time is measured (a RELIABILITY.md row)
// The JavaScript face only: the Rust face has no shared mode (docs/rust.md).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reporter } from './support/report.js';
import { e2eSuite } from './support/suite.js';

const report = reporter(import.meta.url);
const suite = e2eSuite();
const HOSTS = [['SharedWorker', false], ['leader tab', true]];
const FAST = { minReconnectionDelay: 50, maxReconnectionDelay: 200, jitter: 0 };

/** In a tab: the shared socket on `path` for `client`, its messages in `window.shared.messages`. */
async function openShared({ path, client, options }) {
  const socket = new ReSocket(h.url(path, { client }), [], { ...options, shared: true });
  const shared = { socket, messages: [], log: h.record(socket, ['open', 'message', 'close', 'error', 'reconnecting', 'resumed']) };
  socket.addEventListener('message', (event) => shared.messages.push(event.data));
  window.shared = shared;
  await shared.log.until((l) => l.count('open') >= 1, 'the shared socket to open', 10_000);
  return { state: socket.state, isReSocket: socket instanceof ReSocket };
}

/** The server's /received for `client` once it lists `count` messages (at most 15 s). */
async function serverGot(client, count) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const records = await suite.server.received(client);
    if (records.length >= count || Date.now() > deadline) return records;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const [host, withoutSharedWorker] of HOSTS) {
  for (const count of [1, 5, 20]) {
    test(`${host}: ${count} tab${count === 1 ? '' : 's'} make one connection; every tab hears every message, each send arrives once`, { timeout: 120_000 }, async () => {
      const tabs = await suite.openTabs(count, { withoutSharedWorker });
      try {
        const client = `shared-${count}-${withoutSharedWorker ? 'leader' : 'worker'}-${Date.now()}`;
        for (const tab of tabs.pages) {
          const opened = await tab.run(openShared, { path: '/echo', client, options: FAST });
          assert.deepEqual(opened, { state: 'open', isReSocket: true });
        }
        const started = Date.now();
        await Promise.all(tabs.pages.map((tab, index) => tab.run((index) => {
          const outcome = window.shared.socket.send(`tab${index}`);
          if (outcome !== true) throw new Error(`send returned ${outcome} on an open shared socket`);
        }, index)));
        const heard = await Promise.all(tabs.pages.map((tab) => tab.run(async (count) => {
          await window.shared.log.until(() => window.shared.messages.length >= count, `${count} echoes`, 15_000);
          await h.sleep(100);
          return window.shared.messages;
        }, count)));
        const fanOutMs = Date.now() - started;
        const sent = tabs.pages.map((_, index) => `tab${index}`);
        for (const messages of heard) assert.deepEqual([...messages].sort(), [...sent].sort(), 'every tab heard every message once');
        const received = await serverGot(client, count);
        assert.deepEqual([...received].sort(), [...sent].sort(), 'each send reached the server once');
        const stats = await suite.server.stats();
        const counts = stats.clients[client];
        assert.equal(counts.total, 1, 'one server connection for all tabs');
        assert.equal(counts.max_open, 1);
        for (const tab of tabs.pages) assert.deepEqual(tab.problems, []);
        report({
          section: 'leaks',
          row: `Shared connection (${host}): ${count} tab${count === 1 ? '' : 's'}`,
          checked: `${count} pages of one browser context opened the same URL with \`shared: true\`; the server counted its connections; each tab sent one message and heard every tab's echo`,
          figures: {
            tabs: count,
            'server connections': counts.total,
            'messages heard per tab': `${count} of ${count}`,
            'sends the server got once': `${received.length} of ${count}`,
            'all tabs heard all echoes within (ms)': fanOutMs,
          },
        });
      } finally {
        await tabs.close();
      }
    });
  }

  test(`${host}: the connection's events and state reach every tab; a tab that closes leaves the others connected`, { timeout: 60_000 }, async () => {
    const tabs = await suite.openTabs(3, { withoutSharedWorker });
    try {
      const client = `shared-events-${withoutSharedWorker ? 'leader' : 'worker'}-${Date.now()}`;
      for (const tab of tabs.pages) await tab.run(openShared, { path: '/echo', client, options: FAST });
      const answer = await fetch(`${suite.server.url}/control?client=${client}&action=drop`, { method: 'POST' });
      assert.equal((await answer.json()).affected, 1, 'one connection to drop');
      const seen = await Promise.all(tabs.pages.map((tab) => tab.run(async () => {
        const { log, socket } = window.shared;
        await log.until((l) => l.count('open') === 2, 'a second open', 10_000);
        return { lines: log.lines().filter((line) => !line.startsWith('error')), state: socket.state, retryCount: socket.retryCount };
      })));
      for (const { lines, state } of seen) {
        assert.equal(state, 'open');
        assert.ok(lines.some((line) => /^close 1006 .*willReconnect=true/.test(line)), lines.join('\n'));
        assert.ok(lines.includes('reconnecting attempt=1 delayMs=50'), lines.join('\n'));
      }
      // The first tab lets go: it hears its own close, the others keep the connection.
      const closed = await tabs.pages[0].run(async () => {
        window.shared.socket.close();
        await h.sleep(200);
        return { state: window.shared.socket.state, last: window.shared.log.lines().at(-1) };
      });
      assert.deepEqual(closed, { state: 'closed', last: 'close 1000 "" wasClean=true willReconnect=false' });
      const still = await tabs.pages[1].run(async () => {
        window.shared.socket.send('still here');
        await window.shared.log.until(() => window.shared.messages.includes('still here'), 'the echo', 5000);
        return window.shared.socket.state;
      });
      assert.equal(still, 'open');
      assert.equal((await suite.server.stats()).clients[client].total, 2, 'the drop and one reconnect, nothing more');
    } finally {
      await tabs.close();
    }
  });
}

test('leader tab: the leader goes away mid-stream; the next takes the connection and the session over, every message once', { timeout: 120_000 }, async () => {
  const tabs = await suite.openTabs(3, { withoutSharedWorker: true });
  try {
    const client = `shared-handover-${Date.now()}`;
    const options = { ...FAST, session: true };
    // The first tab to ask leads.
    for (const tab of tabs.pages) await tab.run(openShared, { path: '/session', client, options });
    const perTab = 100;
    // The followers stream messages; the leader goes away in the middle.
    const streams = tabs.pages.slice(1).map((tab, index) => tab.run(async ({ index, perTab }) => {
      const { socket } = window.shared;
      for (let i = 0; i < perTab; i += 1) {
        socket.send(`t${index}-${i}`);
        await h.sleep(5);
      }
    }, { index, perTab }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const closedAt = Date.now();
    await tabs.pages[0].close();
    const reopened = await tabs.pages[1].run(async () => {
      await window.shared.log.until((l) => l.count('open') >= 2, 'the connection taken over', 15_000);
      return Date.now();
    });
    const handOverMs = reopened - closedAt;
    await Promise.all(streams);
    const sent = [0, 1].flatMap((index) => Array.from({ length: perTab }, (_, i) => `t${index}-${i}`));
    const received = await serverGot(client, sent.length);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const final = await suite.server.received(client);
    assert.equal(final.length, sent.length, 'each message once');
    assert.deepEqual([...final].sort(), [...sent].sort());
    for (const index of [0, 1]) {
      const mine = final.filter((text) => text.startsWith(`t${index}-`));
      assert.deepEqual(mine, sent.filter((text) => text.startsWith(`t${index}-`)), `tab ${index + 1}'s messages in order`);
    }
    const resumed = await tabs.pages[1].run(() => window.shared.log.lines().filter((line) => line.startsWith('error')));
    report({
      section: 'lost',
      row: 'Shared connection: the leader tab goes away mid-stream (session mode)',
      checked: '3 tabs on one shared session connection (leader tab host); 2 tabs sent 100 messages each, 5 ms apart, while the leader tab was closed; another tab took the connection and the session over; the server\'s record',
      figures: {
        'messages sent': sent.length,
        'received once, each tab in order': `${final.length} of ${sent.length}`,
        'hand-over (leader closed to connection open again, ms)': handOverMs,
        'errors in the new leader': resumed.length,
      },
    });
    assert.ok(received.length >= sent.length);
  } finally {
    await tabs.close();
  }
});
