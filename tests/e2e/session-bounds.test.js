// The window bounds what a session keeps, for the JS and the Rust face, against every server
// adapter (support/adapters.js): the server goes `silent` (it reads and counts, but sends
// nothing: no acks, no echoes), and the page sends 1 KiB messages until its 16 KiB window is
// full. `send` then refuses (`window-full`, JS's WINDOW_FULL, Rust's `Error::WindowFull`)
// instead of holding more: the bytes the client keeps unacknowledged stay within the window.
// Once the connection is dropped, the session resumes: nothing is sent again (the server had
// counted all of it), every echo it withheld arrives once and in order, and sends go on.

import assert from 'node:assert/strict';
import { serverGot, sessionAdapters } from './support/adapters.js';
import { FACES } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { reporter } from './support/report.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const report = reporter(import.meta.url);
const ADAPTERS = sessionAdapters(suite);
const WINDOW = 16 * 1024;
const SIZE = 1024;

/** In the page: a session socket with a 16 KiB window, its events in `window.bounds`. */
async function openBounded({ face, client, window: bytes }) {
  const bounds = { messages: [], resumed: [] };
  window.bounds = bounds;
  bounds.socket = await h.open(face, h.url('/session', { client }), {
    minReconnectionDelay: 20,
    maxReconnectionDelay: 200,
    session: { window: bytes },
  }, {
    listen(socket) {
      socket.addEventListener('message', (event) => bounds.messages.push(event.data));
      socket.addEventListener('resumed', (event) => bounds.resumed.push(event.recovered));
    },
  });
  await h.waitFor(() => bounds.socket.state === 'open', 'open', { ms: 15_000 });
}

/** In the page: sends numbered messages of `size` bytes until the window refuses one. */
function fillWindow({ size, from }) {
  const accepted = [];
  for (let n = from; n < from + 1000; n += 1) {
    const text = `${n}:`.padEnd(size, 'x');
    const outcome = window.bounds.socket.send(text);
    if (outcome === 'window-full') return { accepted, refusedAt: n };
    if (outcome !== 'now') throw new Error(`send ${n}: ${outcome}`);
    accepted.push(text);
  }
  throw new Error('the window never filled');
}

for (const adapter of ADAPTERS) for (const [face, faceName] of FACES) {
  adapter.test(`${faceName} face: a silent server: sends are refused at the window, then resume with every echo once`, async (page) => {
    const client = `session-bounds-${face}-${Date.now()}`;
    const control = (query) => adapter.server.control(query);
    await page.run(openBounded, { face, client, window: WINDOW });
    await control(`client=${client}&action=silent`);
    const full = await page.run(fillWindow, { size: SIZE, from: 0 });
    const heldBytes = full.accepted.reduce((sum, text) => sum + text.length, 0);
    assert.ok(heldBytes <= WINDOW, `the client holds ${heldBytes} bytes, within its ${WINDOW}-byte window`);
    assert.ok(heldBytes + SIZE > WINDOW, `the window refused only once full (${heldBytes} bytes held)`);
    const again = await page.run(() => window.bounds.socket.send('one more'));
    assert.equal(again, 'window-full', 'still refused while nothing is acknowledged');
    const records = await serverGot(adapter.server, client, full.accepted.length);
    assert.deepEqual(records, full.accepted, 'the silent server read and counted each message once');

    await control(`client=${client}&action=drop`);
    await page.run((count) => h.waitFor(() => window.bounds.messages.length >= count, 'the withheld echoes', { ms: 15_000 }), full.accepted.length);
    const more = await page.run(fillWindow, { size: SIZE, from: full.accepted.length });
    const sent = [...full.accepted, ...more.accepted];
    const result = await page.run((count) => h.waitFor(() => window.bounds.messages.length >= count, 'every echo', { ms: 15_000 })
      .then(() => h.sleep(200))
      .then(() => ({ messages: window.bounds.messages, resumed: window.bounds.resumed })), sent.length);
    assert.deepEqual(result.resumed, [true], 'one resumption, recovered');
    assert.deepEqual(result.messages, sent, 'every echo once, in order');
    assert.deepEqual(await serverGot(adapter.server, client, sent.length), sent, 'nothing was sent twice');
    report({
      section: 'lost',
      face: faceName,
      row: `${adapter.name}: a silent server (no acks) and a 16 KiB session window`,
      checked: 'sends are refused (window-full) once the unacknowledged bytes fill the window, never held beyond it; after a drop the session resumes, nothing is sent again, every echo arrives once and in order, and sends go on',
      figures: {
        window: WINDOW,
        'messages accepted before the window was full': full.accepted.length,
        'bytes held unacknowledged': heldBytes,
        'echoes after the resumption': result.messages.length,
        'sent in all': sent.length,
      },
    });
  });
}
