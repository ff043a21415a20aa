// A resumable session kept across a page reload (`session: { persist }`), for the JS and the
// Rust face, against the test server's /session (resocket-axum), whose record of what each
// client sent (`/received`) is the judge. The server is made `silent` first (it reads but
// sends nothing: no echoes, no acks), so every message is unacknowledged when the page reloads
// and every echo is still owed:
// - the new page's socket of the same name resumes the session (`resumed`, recovered: true):
//   the server recorded each message exactly once and in order, nothing was sent again, and
//   the echoes the old page never got arrive on the new page, once each, in order;
// - a socket closed before the page goes away saves nothing: the next page starts a new
//   session.
// Every test runs against both server adapters (support/adapters.js): resocket-axum and
// resocket/server, the package's Node adapter.

import assert from 'node:assert/strict';
import { serverGot, sessionAdapters } from './support/adapters.js';
import { FACES } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { reporter } from './support/report.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const report = reporter(import.meta.url);
const ADAPTERS = sessionAdapters(suite);
const FAST = { minReconnectionDelay: 50, maxReconnectionDelay: 200 };
const COUNT = 200;

/** In the page: a persisted session socket of `face` for `client`, its events in `window.session`. */
async function openPersisted({ face, client, options }) {
  const session = { messages: [], resumed: [], errors: [] };
  window.session = session;
  session.socket = await h.open(face, h.url('/session', { client }), options, {
    listen(socket) {
      session.log = h.record(socket, ['open', 'close', 'error', 'resumed']);
      socket.addEventListener('message', (event) => session.messages.push(event.data));
      socket.addEventListener('resumed', (event) => session.resumed.push({
        recovered: event.recovered,
        unacknowledged: event.unacknowledged,
      }));
      socket.addEventListener('error', (event) => session.errors.push(event.error?.code));
    },
  });
  await session.log.until((l) => l.count('open') === 1, 'open', 15_000);
}

/** Reloads the harness page and waits for it to be ready again. */
async function reload(page) {
  await page.page.reload();
  await page.page.waitForFunction(() => window.harnessReady === true, null, { timeout: 10_000 });
}

for (const adapter of ADAPTERS) for (const [face, faceName] of FACES) {
  adapter.test(`${faceName} face: a persisted session resumes after a reload, each message once both ways`, async (page) => {
    const client = `session-reload-${face}-${Date.now()}`;
    const options = { ...FAST, session: { persist: 'chat' } };
    const texts = Array.from({ length: COUNT }, (_, i) => `m${i}`);
    await page.run(openPersisted, { face, client, options });
    // Some echoes arrive before the server goes silent; after it, none.
    await page.run(async (texts) => {
      for (const text of texts.slice(0, 10)) window.session.socket.send(text);
      await window.session.log.until(() => window.session.messages.length === 10, 'ten echoes', 15_000);
    }, texts);
    assert.equal((await adapter.server.control(`client=${client}&action=silent`)).affected, 1);
    await page.run((texts) => {
      for (const text of texts.slice(10)) window.session.socket.send(text);
    }, texts);
    assert.equal((await serverGot(adapter.server, client, COUNT)).length, COUNT, 'the server read everything');
    const before = await page.run(() => ({
      messages: window.session.messages,
      queued: window.session.socket.queuedCount,
    }));
    assert.ok(before.queued > 0, `unacknowledged messages are kept (${before.queued})`);

    await reload(page);
    await page.run(openPersisted, { face, client, options });
    const after = await page.run(async (expected) => {
      await window.session.log.until(() => window.session.messages.length >= expected, 'the owed echoes', 20_000);
      await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more may come
      return { messages: window.session.messages, resumed: window.session.resumed, errors: window.session.errors };
    }, COUNT - before.messages.length);
    assert.deepEqual(after.resumed, [{ recovered: true, unacknowledged: [] }]);
    assert.deepEqual([...before.messages, ...after.messages], texts, 'each echo once, in order, across the reload');
    assert.deepEqual(after.errors, []);
    const records = await adapter.server.received(client);
    assert.deepEqual(records, texts, 'each message once, in order');
    report({
      section: 'lost',
      face: faceName,
      row: `${adapter.name}: a persisted session across a page reload (server silent first: every message unacknowledged, every echo owed)`,
      checked: 'the new page resumed the session (recovered: true); the server got each message once, in order; the echoes before and after the reload are each message once, in order',
      figures: {
        sent: texts.length,
        'unacknowledged at the reload': before.queued,
        'echoes before / after the reload': `${before.messages.length} / ${after.messages.length}`,
        'arrived at the server': records.length,
        duplicates: records.length - new Set(records).size,
      },
    });

    // A closed socket's session is over: nothing is saved, and the next page starts anew.
    await page.run(() => window.session.socket.close());
    await reload(page);
    await page.run(openPersisted, { face, client, options });
    const third = await page.run(() => window.session.resumed);
    assert.deepEqual(third, [], 'a new session reports no resumption');
    await page.run(() => window.session.socket.close());
  }, { timeout: 90_000 });
}
