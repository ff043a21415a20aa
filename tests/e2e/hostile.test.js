// Hostile and bad input, from the network and from the user; never a trap, always a clear error.
// For the JS and the Rust face (`h.open(face, url, options, { binaryType })`, pages/faces.js;
// the Rust face is `Socket<String, String, Text>` for "raw", `Socket<Message, Message, Raw>`
// for "raw" with binaryType "arraybuffer", `Socket<Box<RawValue>, serde_json::Value, Json>`
// for "json"):
// - format "json": invalid JSON is a DECODE error event carrying the text in `data`, any valid
//   JSON (of whatever shape) is delivered, JSON nested 100,000 levels deep is a value or a
//   DECODE error (a value on the JS face; a DECODE error on the Rust face, past the `Json`
//   codec's MAX_JSON_DEPTH of 128); the socket stays open and usable throughout. A binary
//   message passes through unparsed on the JS face; on the Rust face it is a DECODE error
//   carrying the bytes, as docs/delivery.md says (the `Json` codec decodes text frames into
//   the socket's type, which has no room for bytes)
// - format "raw": a binary message that is not UTF-8 arrives byte for byte
// - maxMessageBytes: a 64 MiB message is refused by the default (16 MiB) with an error event
//   MESSAGE_TOO_BIG naming the size and the limit, and the socket stays usable; text is
//   measured in UTF-16 code units, ArrayBuffers in bytes
// - a flood of 100,000 tiny messages all arrive, in order
// - http: URLs and relative URLs (against the page, here one served by the test server) are
//   accepted and connect; on the Node.js host, with no page, a relative URL is a SyntaxError
//   that says it needs one
// - after close(): send is refused (CLOSED), close() again is a no-op, reconnect() works
//   (events.test.js covers close() twice in more detail)
// On the JS face only, as they are the JS API's own checks of JavaScript values, or the Rust
// API has no counterpart:
// - every option, given a wrong type or an out-of-range value, throws a TypeError naming it
//   (options.test.js checks the error classes for a sample; this file covers every option and
//   the message); bad URLs (ftp:, fragment, unparsable, non-string) throw naming the URL
// - send of what the format cannot carry throws TypeError (raw: a Symbol, null, a boolean, a
//   function; json: a BigInt, a cycle, undefined, a Symbol, a function)
// - the error classes (ReSocketError for MESSAGE_TOO_BIG and for a send after close()), `url`
//   (an http: URL becomes ws:, a relative one absolute), Blobs (binaryType "blob" counted by
//   maxMessageBytes in bytes); the Rust face reads binary frames as ArrayBuffers only
// Every test fails on an uncaught page error or a wasm trap (support/suite.js). Each passing test
// records its row of RELIABILITY.md's section 4, per face, with what it measured
// (support/report.js).

import assert from 'node:assert/strict';
import { FACES } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { reporter } from './support/report.js';
import { pagesWithRustFace } from './support/server.js';
import { ON_NODE } from './support/node-host.js';
import { e2eSuite } from './support/suite.js';

// The test server also serves the pages and the Rust face, for a page on its own origin (the
// relative URLs).
const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir }, www: pagesWithRustFace() });
const report = reporter(import.meta.url);
const FAST = { minReconnectionDelay: 50, jitter: 0 };

/**
 * Reports a row of section 4 once the page is known clean: the suite's own check of uncaught
 * errors and traps runs only after the test body, and a failed test must leave no row.
 */
function reportPassed(page, { row, face = 'JS', checked, figures }) {
  assert.deepEqual(page.problems, [], 'the page reported uncaught errors or a wasm trap');
  report({ section: 'hostile', row, face, checked, figures });
}

for (const [face, faceName] of FACES) {
  suite.test(`${faceName} face: format "json": invalid JSON is a DECODE error with data; other JSON is delivered; binary as the face carries it`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      // `/chat` sends every message to every client: a raw socket delivers text as it is.
      const json = await h.open(face, h.url('/chat', { client: h.client('json-target') }), { ...fast, format: 'json' }, {
        binaryType: 'arraybuffer',
      });
      // Not h.record: a 100,000-level value is too deep for JSON.stringify.
      const events = [];
      const brief = (data) => {
        if (data instanceof ArrayBuffer) return { arrayBuffer: [...new Uint8Array(data)] };
        try {
          return JSON.stringify(data).length > 50 ? 'deep value' : data;
        } catch {
          return 'deep value';
        }
      };
      json.addEventListener('message', (event) => events.push({ message: brief(event.data) }));
      json.addEventListener('error', (event) => events.push({
        error: event.error?.code,
        data: event.data instanceof ArrayBuffer ? brief(event.data)
          : event.data?.length > 50 ? `${event.data.length} chars` : event.data,
      }));
      await new Promise((resolve) => json.addEventListener('open', resolve, { once: true }));
      json.send('ready');
      await h.waitFor(() => events.length === 1, 'the json socket is subscribed', { ms: 10_000 });
      const raw = await h.open(face, h.url('/chat', { client: h.client('json-sender') }), fast, { binaryType: 'arraybuffer' });
      await new Promise((resolve) => raw.addEventListener('open', resolve, { once: true }));
      const frames = [
        '{"id": 1, "name": ',
        'not json at all',
        '',
        '"a string"',
        '{"id": "seven"}',
        '[1, 2, 3]',
        'null',
        `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
        new Uint8Array([123, 125, 0xff]),
        '{"after": true}',
      ];
      const started = performance.now();
      const sent = frames.map((frame) => raw.send(frame));
      await h.waitFor(() => events.length === 1 + frames.length, 'every frame', { ms: 10_000, context: () => events });
      const ms = Math.round(performance.now() - started);
      const readyState = json.readyState;
      events.shift();
      json.close();
      raw.close();
      const sizes = frames.map((frame) => frame.length);
      return { readyState, events, sent, ms, frames: frames.length, deepChars: sizes[7] };
    }, { face, fast: FAST });
    assert.deepEqual(result.sent, Array(result.frames).fill('now'));
    assert.equal(result.readyState, 1, 'still OPEN');
    assert.deepEqual(result.events.slice(0, 7), [
      { error: 'DECODE', data: '{"id": 1, "name": ' },
      { error: 'DECODE', data: 'not json at all' },
      { error: 'DECODE', data: '' },
      { message: 'a string' },
      { message: { id: 'seven' } },
      { message: [1, 2, 3] },
      { message: null },
    ]);
    const deep = result.events[7];
    assert.ok(
      deep.message === 'deep value' || (deep.error === 'DECODE' && deep.data === '200000 chars'),
      `100,000 levels: a value or a DECODE error, got ${JSON.stringify(deep)}`,
    );
    // The faces differ here, as documented (docs/delivery.md, "Hostile input"): the JS
    // "json" format passes binary through; the Rust `Json` codec decodes text frames only, so
    // a binary frame is a DECODE error that carries its bytes.
    const binary = face === 'js'
      ? { message: { arrayBuffer: [123, 125, 255] } }
      : { error: 'DECODE', data: { arrayBuffer: [123, 125, 255] } };
    assert.deepEqual(result.events.slice(8), [binary, { message: { after: true } }]);
    reportPassed(page, {
      row: 'bad JSON from the network: invalid, wrong shape, 100,000 levels deep (format "json")',
      face: faceName,
      checked: 'invalid JSON (truncated, not JSON, empty) is a DECODE error event carrying the text; ' +
        'valid JSON of any shape is delivered as is; the deep value is a value or a DECODE error; ' +
        (face === 'js'
          ? 'binary passes unparsed; '
          : 'binary is a DECODE error carrying the bytes (the Json codec decodes text frames); ') +
        'the socket stays OPEN and the next message arrives',
      figures: {
        'frames sent': result.frames,
        'DECODE errors': result.events.filter((event) => event.error === 'DECODE').length,
        'messages delivered': result.events.filter((event) => 'message' in event).length,
        'deep JSON': `${result.deepChars} chars, ${deep.message === 'deep value' ? 'delivered as a value' : 'a DECODE error'}`,
        'binary frame': 'message' in result.events[8] ? 'delivered as an ArrayBuffer' : 'a DECODE error with its bytes',
        'readyState after': result.readyState,
        'all handled in (ms)': result.ms,
      },
    });
  });

  suite.test(`${faceName} face: format "raw": binary that is not UTF-8 arrives byte for byte`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const socket = await h.open(face, h.url('/echo', { client: h.client('not-utf8') }), fast, { binaryType: 'arraybuffer' });
      const log = h.record(socket, ['message', 'error']);
      const bytes = new Uint8Array([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]);
      // What a UTF-8 decoder that refuses bad input would do with these bytes.
      let fatalDecode = 'decoded';
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch (error) {
        fatalDecode = error.name;
      }
      socket.send(bytes);
      socket.send('still text ✓');
      await log.until((l) => l.length === 2, 'both echoes', 10_000);
      const readyState = socket.readyState;
      socket.close();
      return { lines: log.lines(), bytes: bytes.length, fatalDecode, readyState };
    }, { face, fast: FAST });
    assert.deepEqual(result.lines, ['message {"arrayBuffer":[195,40,255,254,237,160,128]}', 'message "still text ✓"']);
    assert.equal(result.readyState, 1);
    reportPassed(page, {
      row: 'invalid UTF-8 in a binary message (format "raw")',
      face: faceName,
      checked: 'a binary message that is not UTF-8 arrives byte for byte as an ArrayBuffer, no error event; ' +
        'the text message after it arrives intact',
      figures: {
        'bytes sent / received': `${result.bytes} / ${JSON.parse(result.lines[0].slice('message '.length)).arrayBuffer.length}`,
        'strict UTF-8 decode of those bytes': result.fatalDecode,
        'messages after it': result.lines.length - 1,
        'readyState after': result.readyState,
      },
    });
  });

  suite.test(`${faceName} face: a 64 MiB message is refused by the default maxMessageBytes; the socket stays usable`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const socket = await h.open(face, h.url('/echo', { client: h.client('huge') }), fast, { binaryType: 'arraybuffer' });
      const log = h.record(socket, ['open', 'message', 'error', 'close']);
      await log.until((l) => l.count('open') === 1, 'open', 10_000);
      const huge = new Uint8Array(64 * 1024 * 1024);
      const started = performance.now();
      const sent = socket.send(huge);
      await log.until((l) => l.count('error') === 1, 'the refusal', 20_000);
      const refusedMs = Math.round(performance.now() - started);
      const readyState = socket.readyState;
      socket.send('after');
      await log.until((l) => l.count('message') === 1, 'the next message', 10_000);
      socket.close();
      const error = log.find((entry) => entry.type === 'error');
      return {
        lines: log.lines(),
        sent,
        readyState,
        message: error.message,
        isReSocketError: error.errorIsReSocketError,
        bytes: huge.byteLength,
        refusedMs,
      };
    }, { face, fast: FAST });
    assert.equal(result.sent, 'now');
    assert.deepEqual(result.lines, ['open', 'error MESSAGE_TOO_BIG', 'message "after"']);
    assert.equal(result.readyState, 1, 'still OPEN after the refusal');
    // Each face names its own option: maxMessageBytes, Config::max_message_bytes.
    const option = face === 'js' ? 'maxMessageBytes' : 'max_message_bytes';
    assert.match(result.message, new RegExp(String.raw`67108864.*${option} \(16777216\)`));
    if (face === 'js') assert.ok(result.isReSocketError);
    reportPassed(page, {
      row: 'a 64 MiB message against the default maxMessageBytes (16 MiB)',
      face: faceName,
      checked: 'the 64 MiB message echoed by the server is refused on arrival with one error event ' +
        `MESSAGE_TOO_BIG (${face === 'js' ? 'a ReSocketError ' : ''}naming the size and ${option}), no message ` +
        'event; the socket stays OPEN and echoes the next message',
      figures: {
        'message size': `${result.bytes} B`,
        'error events': result.lines.filter((line) => line.startsWith('error')).length,
        'error message': result.message,
        'sent to refusal (ms)': result.refusedMs,
        'readyState after': result.readyState,
        'echo afterwards': result.lines.at(-1),
      },
    });
  });

  suite.test(`${faceName} face: maxMessageBytes counts UTF-16 code units of text and bytes of ArrayBuffers${face === 'js' ? ' and Blobs' : ''}`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const run = async (binaryType) => {
        const socket = await h.open(face, h.url('/echo', { client: h.client(`limit-${binaryType}`) }), {
          ...fast,
          maxMessageBytes: 10,
        }, { binaryType });
        const log = h.record(socket, ['message', 'error']);
        const sends = ['0123456789', 'é'.repeat(10), '01234567890', '🦀'.repeat(6), new Uint8Array(10), new Uint8Array(11)];
        for (const data of sends) socket.send(data);
        await log.until((l) => l.length === sends.length, 'every echo or refusal', 10_000);
        const readyState = socket.readyState;
        socket.close();
        return { lines: log.lines(), readyState };
      };
      // Blobs are the JS face's: the Rust API reads binary frames as ArrayBuffers.
      return { arraybuffer: await run('arraybuffer'), blob: face === 'js' ? await run('blob') : undefined };
    }, { face, fast: FAST });
    const text = ['message "0123456789"', `message "${'é'.repeat(10)}"`, 'error MESSAGE_TOO_BIG', 'error MESSAGE_TOO_BIG'];
    assert.deepEqual(result.arraybuffer.lines, [
      ...text,
      `message {"arrayBuffer":${JSON.stringify(Array(10).fill(0))}}`,
      'error MESSAGE_TOO_BIG',
    ]);
    assert.equal(result.arraybuffer.readyState, 1);
    const runs = [result.arraybuffer];
    if (face === 'js') {
      assert.deepEqual(result.blob.lines, [...text, 'message {"blob":10}', 'error MESSAGE_TOO_BIG']);
      assert.equal(result.blob.readyState, 1);
      runs.push(result.blob);
    }
    const lines = runs.flatMap((run) => run.lines);
    reportPassed(page, {
      row: `maxMessageBytes at its boundary (limit 10; text, ArrayBuffer${face === 'js' ? ', Blob' : ''})`,
      face: faceName,
      checked: 'text counted in UTF-16 code units (10 × "é" passes, 11 chars and 6 × "🦀" = 12 units are refused), ' +
        `ArrayBuffers${face === 'js' ? ' and Blobs' : ''} in bytes (10 passes, 11 refused); each refusal an error event ` +
        `MESSAGE_TOO_BIG; ${face === 'js' ? 'both sockets stay' : 'the socket stays'} OPEN`,
      figures: {
        'messages at or under the limit delivered': lines.filter((line) => line.startsWith('message')).length,
        'over the limit refused (MESSAGE_TOO_BIG)': lines.filter((line) => line === 'error MESSAGE_TOO_BIG').length,
        [`readyState after (${face === 'js' ? 'arraybuffer / blob' : 'arraybuffer'})`]: runs.map((run) => run.readyState).join(' / '),
      },
    });
  });

  suite.test(`${faceName} face: a flood of 100,000 tiny messages arrives complete and in order`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const COUNT = 100_000;
      const socket = await h.open(face, h.url('/echo', { client: h.client('flood') }), fast);
      await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
      let next = 0;
      let disorder;
      const errors = [];
      socket.addEventListener('message', (event) => {
        if (disorder === undefined && event.data !== String(next)) disorder = `expected ${next}, got ${event.data}`;
        next += 1;
      });
      socket.addEventListener('error', (event) => errors.push(event.error?.code));
      const started = performance.now();
      let refused = 0;
      for (let n = 0; n < COUNT; n += 1) if (socket.send(String(n)) !== 'now') refused += 1;
      const sendMs = Math.round(performance.now() - started);
      // Generous: the Rust face's test build is unoptimised, and took 29 s here on a loaded
      // 2-core machine (the JS face 19 s).
      await h.waitFor(() => next >= COUNT || disorder, 'every message', { ms: 120_000, context: () => ({ next }) });
      const ms = Math.round(performance.now() - started);
      const readyState = socket.readyState;
      socket.close();
      return { received: next, disorder, errors, readyState, ms, sendMs, refused };
    }, { face, fast: FAST });
    assert.equal(result.refused, 0, 'every send went out at once');
    assert.equal(result.disorder, undefined);
    assert.equal(result.received, 100_000);
    assert.deepEqual(result.errors, []);
    assert.equal(result.readyState, 1);
    reportPassed(page, {
      row: 'a flood of 100,000 tiny messages (sent in one loop, echoed)',
      face: faceName,
      checked: 'every echo arrives, in order; no error event; the socket stays OPEN',
      figures: {
        sent: 100_000,
        received: result.received,
        'first out-of-order message': result.disorder ?? 'none',
        'error events': result.errors.length,
        'send loop (ms)': result.sendMs,
        'send loop to last echo (ms)': result.ms,
        'messages per second': Math.round(result.received / (result.ms / 1000)),
      },
    });
  }, { timeout: 180_000 });
}

suite.test('JS face: every option with a wrong type or an out-of-range value throws a TypeError naming it', async (page) => {
  const table = {
    minReconnectionDelay: ['100', -1, NaN, Infinity, 2 ** 31, null, {}],
    maxReconnectionDelay: ['100', -50, NaN, Infinity, 2 ** 31],
    reconnectionDelayGrowFactor: ['2', 0.5, 0, -1, NaN, Infinity],
    minUptime: ['1', -1, NaN, 2 ** 31],
    connectionTimeout: ['1', 0, -1, NaN, 2 ** 31],
    maxRetries: ['3', -1, 1.5, NaN, true],
    maxEnqueuedMessages: ['5', 0, -1, 1.5, NaN],
    maxMessageBytes: ['1024', 0, -1, 0.5, 1.5, NaN, -Infinity, []],
    startClosed: ['yes', 1, null],
    debug: ['true', 1],
    shouldReconnectOnClose: ['no', 1, {}],
    jitter: ['0.5', 1.5, -0.1, NaN, Infinity],
    heartbeat: [5, 'on', { intervalMs: 100 }, { intervalMs: -5, timeoutMs: 100 }, { intervalMs: 100, timeoutMs: NaN },
      { intervalMs: '100', timeoutMs: 100 }, { intervalMs: 100, timeoutMs: 0 }, { intervalMs: 100, timeoutMs: 100, pong: 5 },
      { intervalMs: 100, timeoutMs: 100, ping: {} }],
    finalCloseCodes: [1008, '1008', [999], [5000], ['1008'], [1008.5]],
    overflow: [42, 'drop-newest'],
    format: [1, 'xml'],
    requestIdField: ['', 5, null, {}],
    requestTimeoutMs: ['100', 0, -1, NaN, Infinity, 2 ** 31],
    resendRequests: ['yes', 1, null],
  };
  const results = await page.run((table) => {
    // Values that JSON cannot carry into the page.
    const revive = (value) => (value === 'NaN!' ? NaN : value === 'Inf!' ? Infinity : value === '-Inf!' ? -Infinity : value);
    const out = [];
    for (const [option, values] of Object.entries(table)) {
      for (const raw of values) {
        const value = typeof raw === 'object' && raw !== null && !Array.isArray(raw)
          ? Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, revive(v)]))
          : revive(raw);
        try {
          new ReSocket(h.url('/echo'), null, { startClosed: true, [option]: value }).close();
          out.push({ option, value: String(raw), threw: 'nothing' });
        } catch (error) {
          out.push({ option, value: String(raw), threw: error?.constructor?.name, message: String(error?.message) });
        }
      }
    }
    return out;
  }, JSON.parse(JSON.stringify(table, (key, value) => {
    if (Number.isNaN(value)) return 'NaN!';
    if (value === Infinity) return 'Inf!';
    if (value === -Infinity) return '-Inf!';
    return value;
  })));
  assert.equal(results.length, Object.values(table).flat().length);
  for (const result of results) {
    const what = `${result.option} = ${result.value}`;
    assert.equal(result.threw, 'TypeError', `${what}: threw ${result.threw} (${result.message})`);
    assert.ok(result.message.includes(result.option), `${what}: the message names the option: ${result.message}`);
  }
  const accepted = await page.run(() => {
    const socket = new ReSocket(h.url('/echo'), null, { startClosed: true, maxMessageBytes: Infinity, maxRetries: Infinity });
    socket.close();
    return true;
  });
  assert.ok(accepted, 'Infinity is a valid maxMessageBytes');
  reportPassed(page, {
    row: 'every option given a wrong type or an out-of-range value',
    checked: 'each bad value makes the constructor throw a TypeError whose message names the option; ' +
      'never a wasm trap; Infinity stays valid for maxMessageBytes and maxRetries',
    figures: {
      options: Object.keys(table).length,
      'bad values tried': results.length,
      'threw TypeError': results.filter((result) => result.threw === 'TypeError').length,
      'message names the option': results.filter((result) => result.message.includes(result.option)).length,
    },
  });
});

suite.test('JS face: bad URLs throw naming the URL', async (page) => {
  const bad = await page.run(() => [
    'ftp://127.0.0.1/echo',
    'ws://127.0.0.1:9/echo#part',
    'http://[::1',
    42,
    {},
    null,
    undefined,
  ].map((url) => {
    try {
      new ReSocket(url, null, { startClosed: true }).close();
      return { url: String(url), threw: 'nothing' };
    } catch (error) {
      return { url: String(url), threw: error?.constructor?.name, message: String(error?.message) };
    }
  }));
  for (const result of bad) {
    assert.ok(['SyntaxError', 'TypeError'].includes(result.threw), `${result.url}: threw ${result.threw}`);
    assert.match(result.message, /URL/, `${result.url}: the message names the URL`);
  }
  const threwBy = (name) => bad.filter((result) => result.threw === name).length;
  reportPassed(page, {
    row: 'bad URLs (ftp:, a fragment, unparsable, a number, an object, null, undefined)',
    checked: 'each throws SyntaxError or TypeError from the constructor, its message naming the URL',
    figures: {
      'bad URLs tried': bad.length,
      'threw SyntaxError / TypeError': `${threwBy('SyntaxError')} / ${threwBy('TypeError')}`,
    },
  });
});

for (const [face, faceName] of FACES) {
  suite.test(`${faceName} face: http: URLs and relative URLs connect`, async (page) => {
    const http = await page.run(async (face) => {
      const client = h.client('http-url');
      const socket = await h.open(face, h.url('/echo', { client }).replace(/^ws/, 'http'));
      const log = h.record(socket, ['open', 'message']);
      await log.until((l) => l.count('open') === 1, 'open over an http: URL', 10_000);
      const url = face === 'js' ? socket.socket.url : undefined;
      socket.send('over http');
      await log.until((l) => l.count('message') === 1, 'the echo', 10_000);
      socket.close();
      return { url, lines: log.lines(), stats: await h.clientStats(client) };
    }, face);
    if (face === 'js') assert.match(http.url, /^ws:\/\//, 'the browser converted http: to ws:');
    assert.deepEqual(http.lines, ['open', 'message "over http"']);
    assert.equal(http.stats?.total, 1);

    if (ON_NODE) {
      // No page to resolve a relative URL against: the constructor says so.
      const refused = await page.run(() => {
        try {
          new ReSocket('/echo');
          return null;
        } catch (error) {
          return { name: error.name, message: error.message };
        }
      });
      assert.equal(refused?.name, 'SyntaxError');
      assert.match(refused.message, /a relative one needs a page to resolve against/);
      return;
    }
    // A relative URL resolves against the page, so the page must be on the test server.
    const onServer = await suite.openHarness(suite.server.url);
    let relative;
    try {
      relative = await onServer.run(async (face) => {
        const client = h.client('relative');
        const socket = await h.open(face, `/echo?client=${client}`);
        const log = h.record(socket, ['open', 'message']);
        await log.until((l) => l.count('open') === 1, 'open over a relative URL', 10_000);
        const url = face === 'js' ? socket.socket.url : undefined;
        socket.send('relative');
        await log.until((l) => l.count('message') === 1, 'the echo', 10_000);
        socket.close();
        return { url, client, lines: log.lines(), stats: await h.clientStats(client) };
      }, face);
      if (face === 'js') {
        assert.equal(relative.url, `${suite.server.url.replace(/^http/, 'ws')}/echo?client=${relative.client}`);
      }
      assert.deepEqual(relative.lines, ['open', 'message "relative"']);
      assert.equal(relative.stats?.total, 1, '/stats saw the relative URL connect');
      assert.deepEqual(onServer.problems, []);
    } finally {
      await onServer.close();
    }
    reportPassed(page, {
      row: 'http: and relative URLs',
      face: faceName,
      checked: `an http: URL connects and echoes${face === 'js' ? ' (`url` shows it turned into ws:)' : ''}; ` +
        'a relative URL resolves against the page (served by the test server) and connects and echoes' +
        `${face === 'js' ? ' (`url` shows the absolute ws: URL)' : ''}`,
      figures: {
        'http: URL connected and echoed': http.lines.length === 2 ? 'yes' : 'no',
        'relative URL connections seen by the server': relative.stats.total,
      },
    });
  });
}

suite.test('JS face: send of what the format cannot carry throws a TypeError', async (page) => {
  const result = await page.run(async (fast) => {
    const attempt = (socket, value) => {
      try {
        socket.send(value);
        return 'accepted';
      } catch (error) {
        return `${error.constructor.name}: ${error.message}`;
      }
    };
    const raw = new ReSocket(h.url('/echo', { client: h.client('send-raw') }), null, { ...fast, startClosed: true });
    const json = new ReSocket(h.url('/echo', { client: h.client('send-json') }), null, { ...fast, startClosed: true, format: 'json' });
    const cycle = {};
    cycle.self = cycle;
    const outcomes = {
      raw: [Symbol('s'), null, true, () => 1, 10n].map((value) => attempt(raw, value)),
      json: [10n, cycle, undefined, Symbol('s'), () => 1, { toJSON() { throw new Error('nope'); } }].map((value) => attempt(json, value)),
      queued: [raw.queuedCount, json.queuedCount],
    };
    raw.close();
    json.close();
    return outcomes;
  }, FAST);
  for (const outcome of [...result.raw, ...result.json]) {
    assert.match(outcome, /^TypeError: resocket: send\(data\): /);
  }
  assert.match(result.raw[1], /got null/);
  assert.match(result.json[0], /BigInt/);
  assert.deepEqual(result.queued, [0, 0], 'nothing refused was queued');
  reportPassed(page, {
    row: 'send of what the format cannot carry',
    checked: 'raw: a Symbol, null, a boolean, a function, a BigInt; json: a BigInt, a cycle, undefined, a Symbol, ' +
      'a function, a throwing toJSON; each send throws TypeError "resocket: send(data): …" (the message says ' +
      '"got null" for null and names BigInt); nothing refused is queued',
    figures: {
      'raw values refused': result.raw.length,
      'json values refused': result.json.length,
      'queued afterwards': result.queued.reduce((a, b) => a + b),
    },
  });
});

for (const [face, faceName] of FACES) {
  suite.test(`${faceName} face: after close(): send is refused (CLOSED), close() again is a no-op, reconnect() works`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('after-close');
      const socket = await h.open(face, h.url('/echo', { client }), fast);
      const log = h.record(socket, ['open', 'message', 'close', 'error']);
      await log.until((l) => l.count('open') === 1, 'open');
      socket.close();
      await log.until((l) => l.count('close') === 1, 'close');
      const sent = socket.send('late');
      // What the JS face's send throws; the Rust face returns `Err(Error::Closed)`, which
      // faces.js reports as 'closed' on both faces.
      let sendError;
      if (face === 'js') {
        try {
          socket.socket.send('late');
        } catch (error) {
          sendError = { name: error.name, code: error.code };
        }
      }
      socket.close();
      socket.close(4000, 'again');
      await h.sleep(100);
      const closedState = socket.readyState;
      socket.reconnect();
      await log.until((l) => l.count('open') === 2, 'open again', 10_000);
      socket.send('back');
      await log.until((l) => l.count('message') === 1, 'the echo');
      socket.close();
      return { lines: log.lines(), sent, sendError, closedState, stats: await h.clientStatsOnceCounted(client, 2) };
    }, { face, fast: FAST });
    assert.equal(result.sent, 'closed');
    if (face === 'js') assert.deepEqual(result.sendError, { name: 'ReSocketError', code: 'CLOSED' });
    assert.equal(result.closedState, 3);
    assert.deepEqual(result.lines, [
      'open',
      'close 1000 "" wasClean=true willReconnect=false',
      'open',
      'message "back"',
    ]);
    assert.deepEqual(result.stats?.received, 1, 'only the message after reconnect() reached the server');
    reportPassed(page, {
      row: 'calls after close()',
      face: faceName,
      checked: `send is refused: ${face === 'js' ? 'it throws ReSocketError CLOSED' : '`Err(Error::Closed)`'}, ` +
        'nothing reaches the server; close() twice more changes nothing (no event, state CLOSED); ' +
        'reconnect() opens again and the echo arrives',
      figures: {
        'send after close': face === 'js' ? `${result.sendError.name} ${result.sendError.code}` : `refused (${result.sent})`,
        'close events': result.lines.filter((line) => line.startsWith('close')).length,
        'readyState after them': result.closedState,
        'after reconnect()': result.lines.slice(2).join(', '),
      },
    });
  });
}
