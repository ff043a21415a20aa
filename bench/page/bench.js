// One library's side of every workload, in a page of its own (`?lib=NAME`), so its memory
// and heap are its own. The JS peers run the workloads below through a WebSocket-shaped
// adapter; the Rust peers run the same workloads compiled into their wasm (bench/rust/common).
// Every echo is checked, times come from performance.now() (5 us resolution: the page is
// cross-origin isolated, see run.js) and are returned in milliseconds.

const lib = new URLSearchParams(location.search).get('lib');

/** The Rust peers: their wasm-bindgen web glue under /build/rust/ (bench/build.sh). */
const RUST = {
  'resocket-rust': '/build/rust/resocket/bench_resocket.js',
  // The same crate built with resocket's `session` feature: session mode on /session URLs.
  'resocket-rust-session': '/build/rust/resocket-session/bench_resocket.js',
  'gloo-net': '/build/rust/gloo/bench_gloo.js',
  'ws_stream_wasm': '/build/rust/ws-stream/bench_ws_stream.js',
  // Another checkout's build of bench/rust/resocket (run.js: BENCH_BASELINE).
  'resocket-rust-baseline': '/baseline/bench_resocket.js',
};

/** The JS peers: how to make a socket, and whether it sends and delivers parsed JSON itself. */
async function jsPeer(name) {
  // Chromium opens one WebSocket to a host at a time: the 200 sockets of workload 3 take
  // longer than the libraries' default connect timeouts (4-5 s) to open, for every library.
  const connectionTimeout = 120_000;
  const reconnectOptions = { minReconnectionDelay: 0, maxReconnectionDelay: 0, connectionTimeout };
  switch (name) {
    case 'raw':
      return { make: (url) => new WebSocket(url), json: false };
    case 'partysocket': {
      const { PartySocket } = await import('/build/peers.js');
      return { make: (url, options = { connectionTimeout }) => new PartySocket(url, [], options), json: false, reconnectOptions };
    }
    case 'reconnecting-websocket': {
      const { ReconnectingWebSocket } = await import('/build/peers.js');
      return { make: (url, options = { connectionTimeout }) => new ReconnectingWebSocket(url, [], options), json: false, reconnectOptions };
    }
    case 'resocket-raw':
    case 'resocket-json':
    case 'resocket-session':
    case 'resocket-session-redis': {
      const { ReSocket } = await import('/pkg/web/resocket.js');
      const format = name === 'resocket-json' ? 'json' : 'raw';
      // A window larger than a workload's burst (100,000 small messages are sent in one go):
      // what is measured is the protocol's cost, not waits for acknowledgements.
      const session = name.startsWith('resocket-session') ? { window: 64 * 1024 * 1024 } : false;
      return {
        make: (url, options) => new ReSocket(url, [], { format, connectionTimeout, session, ...options }),
        json: format === 'json',
        reconnectOptions: { ...reconnectOptions, jitter: 0 },
        heartbeat: { connectionTimeout, heartbeat: { intervalMs: 1000, timeoutMs: 1000 } },
        core: '/pkg/web/core.js',
      };
    }
    default:
      throw new Error(`unknown library ${name}`);
  }
}

const text = (len) => 'x'.repeat(len);

function check(message, seq, body) {
  if (message.seq !== seq || message.text !== body) {
    throw new Error(`expected echo ${seq}, got ${message.seq} (${message.text?.length} bytes of text)`);
  }
}

/** An open connection: `send(value)`, `onmessage(value)` with parsed values, `close()`. */
function open(peer, url) {
  return new Promise((resolve, reject) => {
    const socket = peer.make(url);
    socket.onerror = () => reject(new Error(`${lib}: could not open ${url}`));
    socket.onopen = () => {
      socket.onerror = null;
      const connection = {
        send: peer.json ? (value) => socket.send(value) : (value) => socket.send(JSON.stringify(value)),
        set onmessage(handle) {
          socket.onmessage = peer.json ? (event) => handle(event.data) : (event) => handle(JSON.parse(event.data));
        },
        close: () => socket.close(),
      };
      resolve(connection);
    };
  });
}

/** Sends `count` messages back to back and resolves once every echo is back and checked. */
function pipeline(connection, count, body) {
  return new Promise((resolve, reject) => {
    let expected = 0;
    connection.onmessage = (message) => {
      try {
        check(message, expected, body);
      } catch (error) {
        reject(error);
        return;
      }
      expected += 1;
      if (expected === count) resolve();
    };
    for (let seq = 0; seq < count; seq += 1) connection.send({ seq, text: body });
  });
}

function jsWorkloads(peer) {
  return {
    async throughput(url, count, textLen) {
      const connection = await open(peer, url);
      const body = text(textLen);
      const start = performance.now();
      await pipeline(connection, count, body);
      const elapsed = performance.now() - start;
      connection.close();
      return elapsed;
    },

    async latency(url, count, textLen) {
      const connection = await open(peer, url);
      const body = text(textLen);
      const times = new Float64Array(count);
      let next;
      connection.onmessage = (message) => next(message);
      for (let seq = 0; seq < count; seq += 1) {
        const start = performance.now();
        const echo = new Promise((resolve) => { next = resolve; });
        connection.send({ seq, text: body });
        check(await echo, seq, body);
        times[seq] = performance.now() - start;
      }
      connection.close();
      return Array.from(times);
    },

    async many(url, sockets, each, textLen) {
      const connections = await Promise.all(Array.from({ length: sockets }, () => open(peer, url)));
      const body = text(textLen);
      const start = performance.now();
      await Promise.all(connections.map((connection) => pipeline(connection, each, body)));
      const elapsed = performance.now() - start;
      connections.forEach((connection) => connection.close());
      return elapsed;
    },

    /** `url` drops the connection after one message; milliseconds from `close` to `open`. */
    reconnect: peer.reconnectOptions && ((url) => new Promise((resolve, reject) => {
      const socket = peer.make(url, peer.reconnectOptions);
      let closedAt;
      socket.onopen = () => {
        if (closedAt === undefined) {
          socket.send(peer.json ? { seq: 0, text: 'drop' } : JSON.stringify({ seq: 0, text: 'drop' }));
          return;
        }
        const elapsed = performance.now() - closedAt;
        socket.close();
        resolve(elapsed);
      };
      socket.onclose = () => { closedAt ??= performance.now(); };
      setTimeout(() => reject(new Error(`${lib}: no reconnect within 10 s`)), 10_000);
    })),

    /** `url` never answers; milliseconds from `open` to the heartbeat's 4000 close. */
    detectSilence: peer.heartbeat && ((url) => new Promise((resolve, reject) => {
      const socket = peer.make(url, peer.heartbeat);
      let openedAt;
      socket.onopen = () => { openedAt ??= performance.now(); };
      socket.onclose = (event) => {
        const elapsed = performance.now() - openedAt;
        socket.close();
        if (event.code === 4000) resolve(elapsed);
        else reject(new Error(`${lib}: closed with ${event.code}, not 4000`));
      };
      setTimeout(() => reject(new Error(`${lib}: silence not detected within 10 s`)), 10_000);
    })),
  };
}

/** `promise`, or a rejection after 10 s (the Rust recovery workloads have no timer of their own). */
function within(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${lib}: ${what} within 10 s`)), 10_000); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The codecs' own cost, with no network (`?lib=codecs`): milliseconds for `count` round trips
 * (encode, decode, check) of the workloads' message, by codec: the JS face's "json" format
 * (the browser's JSON) and a MessagePack format object (@msgpack/msgpack), the Rust API's
 * `Json`, `MsgPack` and `Js` (bench/rust/resocket, built with its `codecs` feature).
 */
async function codecs() {
  const rust = await import('/build/rust/resocket-codecs/bench_resocket.js');
  const exports = await rust.default();
  const { msgpackEncode, msgpackDecode } = await import('/build/peers.js');
  const js = {
    'js-json': [JSON.stringify, JSON.parse],
    'js-msgpack': [msgpackEncode, msgpackDecode],
  };
  const roundTrips = (encode, decode, count, textLen) => {
    const body = text(textLen);
    const start = performance.now();
    for (let seq = 0; seq < count; seq += 1) check(decode(encode({ seq, text: body })), seq, body);
    return performance.now() - start;
  };
  return {
    codecs: (count, textLen) => ({
      ...Object.fromEntries(Object.entries(js).map(([name, [encode, decode]]) => [name, roundTrips(encode, decode, count, textLen)])),
      ...Object.fromEntries(['json', 'msgpack', 'js'].map((name) => [`rust-${name}`, rust.codec_round_trips(name, count, textLen)])),
    }),
    wasmMemory: () => exports.memory.buffer.byteLength,
  };
}

async function load() {
  if (lib === 'codecs') return codecs();
  if (lib in RUST) {
    const module = await import(RUST[lib]);
    const exports = await module.default();
    return {
      throughput: module.throughput,
      latency: async (...args) => Array.from(await module.latency(...args)),
      many: module.many,
      reconnect: (url) => within(module.reconnect(url), 'no reconnect'),
      detectSilence: (url) => within(module.detect_silence(url), 'silence not detected'),
      wasmMemory: () => exports.memory.buffer.byteLength,
    };
  }
  const peer = await jsPeer(lib);
  // The package's default engine (its core module is the instance resocket.js runs on): its
  // memory is the library's. The package loads it on first use; it is loaded here to be read.
  const engine = peer.core ? (await import(peer.core)).engineFor(false) : undefined;
  await engine?.load();
  return { ...jsWorkloads(peer), wasmMemory: () => engine?.exports.memory.buffer.byteLength ?? 0 };
}

window.bench = await load();
window.benchReady = true;
