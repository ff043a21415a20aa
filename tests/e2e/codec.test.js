// Codecs: a message format of the application's. The JS face takes `format: { encode, decode,
// binary }` (here MessagePack through @msgpack/msgpack, served to the page from node_modules);
// the Rust face's counterpart is the `MsgPack` codec (`format: "msgpack"` in
// tests/rust-face/: `Socket<serde_json::Value, serde_json::Value, MsgPack>`).
// On both faces:
// - values go out as binary MessagePack frames (the server records binary frames of the size
//   @msgpack/msgpack encodes) and the echoes come back as the same values
// - a frame that does not decode (the garbage text of /echo?garbage=1) is an error event with
//   code DECODE and the frame in `data`; the connection stays open and keeps working
// - a value the codec cannot encode (a cycle) makes `send` throw a TypeError, and nothing is sent
// - `request()` in MessagePack: /rpc answers binary requests in MessagePack; answers are matched
//   by the id in the decoded answer (a result, an error rejecting REMOTE with the error in
//   `cause`, a notice delivered as a message while its answer is not)
// On the JS face only, as the Rust face has no counterpart:
// - `binary: true` starts `binaryType` at "arraybuffer" (and the format without it at "blob");
//   a binary frame the codec's decode refuses is a DECODE error carrying the ArrayBuffer; an
//   encode that returns no frame is a TypeError naming what it returned (the Rust API's
//   `Encoder` returns a frame by its type)
// - a heartbeat ping given as a value is encoded by the codec (the pong is recognised by a
//   function of the binary frame); the Rust face's ping is a text or `Heartbeat::ping`'s bytes
// - `shared: true` with a codec: the codec's functions cannot cross to a SharedWorker, so a
//   leader tab holds the one connection, even where SharedWorker exists; every tab hears the
//   decoded values (the Rust face has no shared mode)

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { FACES } from './support/backoff.js';
import { repoRoot, rustFaceDir } from './support/paths.js';
import { ON_NODE, TABS } from './support/node-host.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite({
  mounts: {
    '/rust-face/': rustFaceDir,
    '/msgpack/': path.join(repoRoot, 'node_modules', '@msgpack', 'msgpack', 'dist.esm'),
  },
});
const FAST = { minReconnectionDelay: 50, maxReconnectionDelay: 100, jitter: 0 };

/**
 * In the page: `window.msgpack` (@msgpack/msgpack), and the format each face takes for
 * MessagePack: the JS face's codec object, the Rust face's `"msgpack"`.
 */
const MSGPACK = `async (face) => {
  window.msgpack ??= await import('/msgpack/index.mjs');
  const { encode, decode } = window.msgpack;
  return face === 'js' ? { encode: (value) => encode(value), decode: (data) => decode(data), binary: true } : 'msgpack';
}`;

const VALUES = [
  { type: 'say', text: 'hi ✓', nested: { list: [1, 2.5, -3e-7, true, false, null, 'x'] } },
  [1, 'two', { three: 3 }],
  42,
  -7,
  'a string',
  true,
  null,
];

for (const [face, faceName] of FACES) {
  suite.test(`${faceName} face: values go out as MessagePack and the echoes come back as the same values`, async (page) => {
    const result = await page.run(async ({ face, fast, values, msgpackSource }) => {
      const format = await eval(msgpackSource)(face);
      const client = h.client('msgpack');
      const socket = await h.open(face, h.url('/echo', { client }), { ...fast, format });
      const log = h.record(socket, ['message', 'error']);
      for (const value of values) socket.send(value);
      await log.until((l) => l.length === values.length, 'every echo');
      socket.close();
      return {
        types: log.map((e) => e.type),
        data: log.map((e) => e.data),
        received: await h.receivedOnceCounted(client, values.length),
        sizes: values.map((value) => window.msgpack.encode(value).byteLength),
        binaryType: face === 'js' ? socket.socket.binaryType : undefined,
      };
    }, { face, fast: FAST, values: VALUES, msgpackSource: MSGPACK });
    assert.deepEqual(result.types, VALUES.map(() => 'message'));
    assert.deepEqual(result.data, VALUES);
    assert.deepEqual(result.received, result.sizes.map((binary) => ({ binary })), 'binary MessagePack frames');
    if (face === 'js') assert.equal(result.binaryType, 'arraybuffer', 'binary: true');
  });

  suite.test(`${faceName} face: a frame that does not decode is a DECODE error event and the connection stays open`, async (page) => {
    const result = await page.run(async ({ face, fast, msgpackSource }) => {
      const format = await eval(msgpackSource)(face);
      const socket = await h.open(face, h.url('/echo', { client: h.client('msgpack-garbage'), garbage: 1 }), { ...fast, format });
      const log = h.record(socket);
      const readyState = await h.twoDecodeErrors(socket, log);
      return { lines: log.lines(), errors: log.filter((e) => e.type === 'error'), readyState };
    }, { face, fast: FAST, msgpackSource: MSGPACK });
    assert.deepEqual(result.lines, ['open', 'error DECODE', 'error DECODE', 'close 1000 "" wasClean=true willReconnect=false']);
    for (const error of result.errors) {
      assert.equal(error.data, '{"garbage": ["never closed", ', 'the frame that did not decode');
      assert.ok(error.message.length > 0);
    }
    assert.equal(result.readyState, 1, 'still OPEN after decode errors');
  });

  suite.test(`${faceName} face: a value the codec cannot encode makes send throw a TypeError`, async (page) => {
    const result = await page.run(async ({ face, fast, msgpackSource }) => {
      const format = await eval(msgpackSource)(face);
      const client = h.client('msgpack-encode');
      const socket = await h.open(face, h.url('/echo', { client }), { ...fast, format });
      const log = h.record(socket, ['open', 'message']);
      await log.until((l) => l.count('open') === 1, 'open');
      const cycle = { name: 'cycle' };
      cycle.self = cycle;
      let thrown;
      try {
        socket.send(cycle);
      } catch (error) {
        thrown = { name: error.constructor.name, message: error.message };
      }
      socket.send({ after: 1 });
      await log.until((l) => l.count('message') === 1, 'the next echo');
      socket.close();
      return { thrown, data: log.filter((e) => e.type === 'message').map((e) => e.data), received: await h.receivedOnceCounted(client, 1) };
    }, { face, fast: FAST, msgpackSource: MSGPACK });
    assert.equal(result.thrown?.name, 'TypeError', JSON.stringify(result.thrown));
    assert.deepEqual(result.data, [{ after: 1 }]);
    assert.equal(result.received.length, 1, 'nothing went out for the value that did not encode');
  });

  suite.test(`${faceName} face: request() in MessagePack: answers matched by their ids; a notice is a message, an answer is not`, async (page) => {
    const result = await page.run(async ({ face, fast, msgpackSource }) => {
      const format = await eval(msgpackSource)(face);
      const client = h.client('msgpack-rpc');
      const socket = await h.open(face, h.url('/rpc', { client }), { ...fast, format });
      const log = h.record(socket, ['message', 'error']);
      const settled = (promise) => promise.then(
        (value) => ({ ok: true, value }),
        (error) => ({ ok: false, code: error?.code, cause: error?.cause }),
      );
      const outcomes = await Promise.all([
        settled(socket.request({ method: 'add', params: [2, 3] })),
        settled(socket.request({ method: 'echo', params: { text: 'é ✓', list: [1, 2.5, null] } })),
        settled(socket.request({ method: 'fail' })),
        settled(socket.request({ method: 'notify', params: 7 })),
        settled(socket.request({ method: 'sleep', params: [50] })),
      ]);
      await h.sleep(50);
      socket.close();
      return { outcomes, lines: log.lines(), messages: log.map((e) => e.data), received: await h.receivedOnceCounted(client, 5) };
    }, { face, fast: FAST, msgpackSource: MSGPACK });
    assert.deepEqual(result.outcomes, [
      { ok: true, value: 5 },
      { ok: true, value: { text: 'é ✓', list: [1, 2.5, null] } },
      { ok: false, code: 'REMOTE', cause: { code: 1, message: 'failed as asked' } },
      { ok: true, value: true },
      { ok: true, value: 50 },
    ]);
    assert.deepEqual(result.messages, [{ event: 'notice', params: 7 }], 'the notice only: answers are not messages');
    assert.ok(result.received.every((entry) => typeof entry.binary === 'number'), 'requests went out in MessagePack');
  });
}

suite.test('JS face: binaryType follows `binary`; a refused binary frame is a DECODE error with its ArrayBuffer; an encode that returns no frame is a TypeError', async (page) => {
  const result = await page.run(async ({ fast, msgpackSource }) => {
    const format = await eval(msgpackSource)('js');
    const { encode } = window.msgpack;
    const textual = new ReSocket(h.url('/echo'), null, { ...fast, startClosed: true, format: { ...format, binary: false } });
    const textualBinaryType = textual.binaryType;
    textual.close();
    // 0xc1 is the one byte MessagePack never uses: this codec's "bad" goes out as a frame its
    // own decode refuses.
    const withBadFrames = { ...format, encode: (value) => (value === 'bad' ? new Uint8Array([0xc1]) : encode(value)) };
    const socket = new ReSocket(h.url('/echo', { client: h.client('msgpack-bad') }), null, { ...fast, format: withBadFrames });
    const log = h.record(socket);
    await log.until((l) => l.count('open') === 1, 'open');
    socket.send('bad');
    socket.send('good');
    await log.until((l) => l.count('error') === 1 && l.count('message') === 1, 'the decode error, then the echo');
    let noFrame;
    const returnsNumber = new ReSocket(h.url('/echo'), null, { ...fast, startClosed: true, format: { ...format, encode: () => 5 } });
    try {
      returnsNumber.send({ any: 'value' });
    } catch (error) {
      noFrame = { name: error.constructor.name, message: error.message };
    }
    returnsNumber.close();
    socket.close();
    const { data } = log.find((e) => e.type === 'error');
    const errorData = data instanceof ArrayBuffer ? { arrayBuffer: [...new Uint8Array(data)] } : data;
    return { textualBinaryType, lines: log.lines(), errorData, message: log.find((e) => e.type === 'message').data, noFrame };
  }, { fast: FAST, msgpackSource: MSGPACK });
  assert.equal(result.textualBinaryType, 'blob');
  assert.deepEqual(result.lines.slice(0, 3), ['open', 'error DECODE', 'message "good"']);
  assert.deepEqual(result.errorData, { arrayBuffer: [0xc1] });
  assert.equal(result.message, 'good');
  assert.equal(result.noFrame?.name, 'TypeError');
  assert.match(result.noFrame.message, /format\.encode must return a string, ArrayBuffer, typed array or Blob, got number/);
});

suite.test('JS face: a heartbeat ping given as a value is encoded by the codec', async (page) => {
  const result = await page.run(async ({ msgpackSource }) => {
    const format = await eval(msgpackSource)('js');
    const { decode, encode } = window.msgpack;
    const client = h.client('msgpack-ping');
    const isPing = (data) => data instanceof ArrayBuffer && decode(data)?.type === 'ping';
    const socket = new ReSocket(h.url('/echo', { client }), null, {
      format,
      heartbeat: { intervalMs: 100, timeoutMs: 2000, ping: { type: 'ping' }, pong: isPing },
    });
    const log = h.record(socket, ['open', 'message', 'close']);
    await h.waitFor(() => socket.rttMs !== undefined, 'a pong: the echoed ping');
    socket.close();
    const received = await h.receivedOnceCounted(client, 1);
    return { lines: log.lines(), first: received[0], pingSize: encode({ type: 'ping' }).byteLength };
  }, { msgpackSource: MSGPACK });
  assert.equal(result.lines[0], 'open');
  assert.ok(result.lines.every((line) => !line.startsWith('message')), 'the pong is no message');
  assert.deepEqual(result.first, { binary: result.pingSize }, 'the ping went out in MessagePack');
});

test('JS face: shared: true with a codec is held by a leader tab, SharedWorker or not; every tab hears the decoded values', { timeout: 60_000, skip: ON_NODE && `Node.js host: ${TABS}` }, async () => {
  const tabs = await suite.openTabs(2);
  try {
    const client = `msgpack-shared-${Date.now()}`;
    for (const tab of tabs.pages) {
      await tab.run(async ({ client, fast, msgpackSource }) => {
        const format = await eval(msgpackSource)('js');
        const socket = new ReSocket(h.url('/echo', { client }), [], { ...fast, format, shared: true });
        window.shared = { socket, log: h.record(socket, ['open', 'message', 'error']) };
        await window.shared.log.until((l) => l.count('open') >= 1, 'the shared socket to open', 10_000);
      }, { client, fast: FAST, msgpackSource: MSGPACK });
    }
    await Promise.all(tabs.pages.map((tab, index) => tab.run((index) => {
      window.shared.socket.send({ tab: index, bytes: 'é' });
    }, index)));
    const heard = await Promise.all(tabs.pages.map((tab) => tab.run(async () => {
      await window.shared.log.until((l) => l.count('message') >= 2, 'both echoes', 10_000);
      return { data: window.shared.log.filter((e) => e.type === 'message').map((e) => e.data), binaryType: window.shared.socket.binaryType };
    })));
    for (const { data, binaryType } of heard) {
      assert.deepEqual([...data].sort((a, b) => a.tab - b.tab), [{ tab: 0, bytes: 'é' }, { tab: 1, bytes: 'é' }]);
      assert.equal(binaryType, 'arraybuffer');
    }
    const stats = await suite.server.stats();
    assert.equal(stats.clients[client].total, 1, 'one server connection for both tabs');
    const received = await suite.server.received(client);
    assert.ok(received.length === 2 && received.every((entry) => typeof entry.binary === 'number'), JSON.stringify(received));
    for (const tab of tabs.pages) assert.deepEqual(tab.problems, []);
  } finally {
    await tabs.close();
  }
});
