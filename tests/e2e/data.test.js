// What messages carry, in both formats, for the JS and the Rust face (`h.open(face, url,
// options, { binaryType })`, pages/faces.js; the Rust face is `Socket<String, String, Text>`
// for "raw", `Socket<Message, Message, Raw>` for "raw" with binaryType "arraybuffer", and
// `Socket<Box<RawValue>, serde_json::Value, Json>` for "json"):
// - the "raw" format echoes text as strings
// - binaryType "arraybuffer" delivers ArrayBuffers with the bytes sent (from a Uint8Array, an
//   ArrayBuffer or a DataView), on every connection across a reconnect
// - format: "json" stringifies sends and parses messages: objects, arrays, numbers, strings,
//   booleans and null round-trip, nested and unicode included, sent as the same JSON text
// - in the "json" format, text that does not parse (garbage=1) gives an error event with
//   error.code DECODE and data the raw text; the connection stays open and keeps working
// - in the "raw" format a send of a non-raw value throws TypeError
// These run on both faces. On the JS face only, as the Rust API has no counterpart (it reads
// binary frames as `ArrayBuffer`s, never Blobs, its codec is chosen when the socket is made, and
// it has no `on*` handlers):
// - binaryType defaults to "blob" (a Blob arrives)
// - the `binaryType` property keeps its setting across reconnects
// - the DECODE error reaches `onerror` as a ReSocketError

import assert from 'node:assert/strict';
import { FACES } from './support/backoff.js';
import { rustFaceDir } from './support/paths.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({ mounts: { '/rust-face/': rustFaceDir } });
const FAST = { minReconnectionDelay: 50, jitter: 0 };

suite.test('JS face: binary arrives as a Blob by default', async (page) => {
  const result = await page.run(async (fast) => {
    const socket = new ReSocket(h.url('/echo', { client: h.client('raw') }), null, fast);
    const defaultBinaryType = socket.binaryType;
    const log = h.record(socket, ['message']);
    socket.send('text é ✓');
    socket.send(new Uint8Array([1, 2, 3]));
    await log.until((l) => l.length === 2, 'two echoes');
    socket.close();
    return { defaultBinaryType, data: log.map((e) => e.data) };
  }, FAST);
  assert.equal(result.defaultBinaryType, 'blob');
  assert.deepEqual(result.data, ['text é ✓', { blob: 3 }]);
});

for (const [face, faceName] of FACES) {
  suite.test(`${faceName} face: raw text stays a string`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('raw');
      const socket = await h.open(face, h.url('/echo', { client }), fast);
      const log = h.record(socket, ['message']);
      socket.send('text é ✓');
      socket.send('');
      await log.until((l) => l.length === 2, 'two echoes');
      socket.close();
      return { data: log.map((e) => e.data), received: await h.received(client) };
    }, { face, fast: FAST });
    assert.deepEqual(result.data, ['text é ✓', '']);
    assert.deepEqual(result.received, ['text é ✓', '']);
  });

  suite.test(`${faceName} face: binaryType "arraybuffer" delivers ArrayBuffers, on every connection`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('binary');
      const socket = await h.open(face, h.url('/echo', { client, drop_after: 3 }), fast, { binaryType: 'arraybuffer' });
      const log = h.record(socket, ['open', 'message']);
      let opens = 0;
      socket.addEventListener('open', () => {
        opens += 1;
        socket.send(new Uint8Array([opens, 0, 255]));
        socket.send(new Uint8Array([opens, 1]).buffer);
        socket.send(new DataView(new Uint8Array([9, 8, 7, opens]).buffer, 1, 3));
      });
      await log.until((l) => l.count('open') === 2 && l.count('message') === 6, 'three echoes on each of two connections');
      socket.close();
      return {
        // The JS face's property; the Rust face's codec is fixed when the socket is made.
        binaryType: face === 'js' ? socket.socket.binaryType : undefined,
        data: log.filter((e) => e.type === 'message').map((e) => e.data),
        received: await h.received(client),
      };
    }, { face, fast: FAST });
    if (face === 'js') assert.equal(result.binaryType, 'arraybuffer', 'the setting survives the reconnect');
    assert.deepEqual(result.data, [
      { arrayBuffer: [1, 0, 255] }, { arrayBuffer: [1, 1] }, { arrayBuffer: [8, 7, 1] },
      { arrayBuffer: [2, 0, 255] }, { arrayBuffer: [2, 1] }, { arrayBuffer: [8, 7, 2] },
    ]);
    assert.deepEqual(result.received.slice(0, 3), [{ binary: 3 }, { binary: 2 }, { binary: 3 }]);
  });

  suite.test(`${faceName} face: format "json" round-trips values as parsed JSON`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const client = h.client('json');
      const socket = await h.open(face, h.url('/echo', { client }), { ...fast, format: 'json' });
      const log = h.record(socket, ['message', 'error']);
      const values = [
        { type: 'say', text: 'hi ✓', nested: { list: [1, 2.5, -3e-7, true, false, null, 'x'] } },
        [1, 'two', { three: 3 }],
        42,
        'a string',
        true,
        null,
      ];
      for (const value of values) socket.send(value);
      await log.until((l) => l.length === values.length, 'every echo');
      socket.close();
      return { values, data: log.map((e) => e.data), types: log.map((e) => e.type), received: await h.received(client) };
    }, { face, fast: FAST });
    assert.deepEqual(result.types, Array(result.values.length).fill('message'));
    assert.deepEqual(result.data, result.values);
    assert.deepEqual(result.received, result.values.map((value) => JSON.stringify(value)), 'sent as JSON text');
  });

  suite.test(`${faceName} face: format "json": text that does not parse is a DECODE error event and the connection stays open`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const socket = await h.open(face, h.url('/echo', { client: h.client('garbage'), garbage: 1 }), {
        ...fast,
        format: 'json',
      });
      const log = h.record(socket);
      // The JS face's `onerror`; the Rust API has no handlers.
      let onerrorEvent;
      if (face === 'js') socket.socket.onerror = (event) => { onerrorEvent = event; };
      const readyState = await h.twoDecodeErrors(socket, log);
      return {
        lines: log.lines(),
        errors: log.filter((e) => e.type === 'error'),
        readyState,
        onerror: {
          isEvent: onerrorEvent instanceof Event,
          errorName: onerrorEvent?.error?.name,
          isReSocketError: onerrorEvent?.error instanceof resocket.ReSocketError,
        },
      };
    }, { face, fast: FAST });
    const garbage = '{"garbage": ["never closed", ';
    assert.deepEqual(result.lines, ['open', 'error DECODE', 'error DECODE', 'close 1000 "" wasClean=true willReconnect=false']);
    for (const error of result.errors) {
      assert.equal(error.data, garbage, 'the raw text that did not parse');
      assert.equal(typeof error.message, 'string');
      assert.ok(error.message.length > 0);
    }
    assert.equal(result.readyState, 1, 'still OPEN after decode errors');
    if (face === 'js') {
      assert.deepEqual(result.onerror, { isEvent: true, errorName: 'ReSocketError', isReSocketError: true });
    }
  });

  suite.test(`${faceName} face: format "raw": sending a value that is not raw data throws TypeError`, async (page) => {
    const result = await page.run(async ({ face, fast }) => {
      const socket = await h.open(face, h.url('/echo', { client: h.client('raw-type') }), fast);
      const outcomes = [];
      for (const value of [{ an: 'object' }, 42, undefined]) {
        try {
          socket.send(value);
          outcomes.push('accepted');
        } catch (error) {
          outcomes.push(error.constructor.name);
        }
      }
      socket.close();
      return outcomes;
    }, { face, fast: FAST });
    assert.deepEqual(result, ['TypeError', 'TypeError', 'TypeError']);
  });
}
