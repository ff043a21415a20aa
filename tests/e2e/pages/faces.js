// One socket interface over both faces, so a test body runs for `face` in ['js', 'rust']:
// 'js' is the npm package's `ReSocket`; 'rust' is `resocket::Socket<String, String, Text>`
// (or `Socket<Box<RawValue>, serde_json::Value, Json>` with `format: "json"`, and
// `Socket<serde_json::Value, serde_json::Value, MsgPack>` with `format: "msgpack"`, the Rust
// face's name for what the JS face takes as a MessagePack codec object) behind
// `RustSocket` (tests/rust-face/, built by scripts/e2e-tests.sh into target/e2e/rust-face/ and
// mounted at /rust-face/ by the files that use it).
//
// `await h.open(face, url, options, { protocols, listen, binaryType })`: `url` is a string or a URL
// provider function (on the Rust face an `async` function is `Config::with_async_url_fn`, any
// other `Config::with_url_fn`, and the URL must be a string); `options` the JS face's option
// names (the Rust face refuses a name it has no counterpart for; `shouldReconnectOnClose` gets
// `{ code, reason }` there, `heartbeat.pong` a function of the text); `protocols` a string or
// an array of strings (`Config::protocols`; a protocols provider function is the JS face's
// only); `listen(socket)` is called as soon as the socket exists, before any of its events
// can be delivered: a test that must see what the constructor reports (a synchronous URL
// provider's error) records there, as awaiting `h.open` lets those events go by.
// `binaryType: 'arraybuffer'` carries binary messages as ArrayBuffers: the JS face's
// `binaryType`, set at once; on the Rust face a "raw" socket becomes `Socket<Message, Message,
// Raw>` (text as strings, binary as ArrayBuffers, both ways) instead of the text-only `Text`
// one, and a "json" socket stays as it is (its `Json` codec refuses binary frames: DECODE
// errors whose `data` is the ArrayBuffer). The Rust face has no 'blob'.
//
// Both are EventTargets whose events carry the JS face's fields, so `h.record` works on
// either: `open`, `message` {data: the text, or with format "json" the parsed value},
// `close` {code, reason, wasClean, willReconnect, requeued, unconfirmed},
// `reconnecting` {attempt, delayMs}, `error` {error: {code}, message, data?: the frame of a
// DECODE error}, `offline`, `online`, `statechange` {state}, and in session mode `resumed`
// {recovered, unacknowledged: the data of the messages of unknown fate, oldest first}, and
// `removed` {data: as `send` took it, reason: 'expired' | 'aborted'}.
//   send(data, options?) -> 'now' | 'queued' | 'closed' | 'queue-full' | 'window-full' (session
//     mode) | 'skipped' (volatile, not open) | 'aborted' (its signal had aborted already);
//     data is text (with binaryType 'arraybuffer' also an ArrayBuffer or a view of one), or
//     with format "json" any value with a JSON form (a TypeError otherwise); options are the
//     JS face's `{ volatile, ttlMs, signal }` (the Rust face's `Sender::send_with`, the
//     signal's abort calling `SendHandle::cancel`; bad options are a TypeError on both)
//   request(value, { timeoutMs?, signal?, ttlMs? }?) -> Promise of the answer's result (format "json";
//     rejections carry the JS face's `code`; bad arguments reject with a TypeError)
//   close(code?, reason?), reconnect(code?, reason?) (`Sender::reconnect_with` with a code)
//   readyState (0-3, CONNECTING while waiting between attempts, as the JS face reports it),
//   state ('connecting' | 'open' | 'closing' | 'closed' | 'waiting' | 'offline' | 'suspended'),
//   retryCount, queuedCount, rttMs (undefined before the first pong; `Sender::rtt`),
//   protocol (the server's choice, '' when none; `Sender::protocol`)
// The `setup` option's function gets `(setup, { attempt, resumed })` on both faces, `setup`
// being `{ send(data) -> as send above, request(value, options) -> as request above }` (the JS
// face's setup handle; the Rust face's `Setup`, `Config::setup`).
// A JS face's `socket` is its `ReSocket`, for the checks of what the Rust API has no
// counterpart for (on* handlers, `url`, `binaryType`, the error classes, ...).
// With `lazy` or `idleCloseMs`, where listening is a demand, the Rust face polls its event
// stream (its way of listening) only from the first "message" listener on, and drops it
// when the last one is removed; until then it delivers no event (read `state` instead).

const RUST_FACE = '/rust-face/resocket_rust_face.js';
const READY_STATES = { connecting: 0, waiting: 0, offline: 0, suspended: 0, open: 1, closing: 2, closed: 3 };

let rustModule;

/** The Rust face's module, initialised once per page. */
function loadRustFace() {
  rustModule ??= import(RUST_FACE).then(async (module) => {
    await module.default();
    return module;
  });
  return rustModule;
}

class JsFace {
  face = 'js';

  constructor(resocket, url, options, protocols, binaryType) {
    this.resocket = resocket;
    const setup = options?.setup;
    if (typeof setup === 'function') {
      // The setup handle's send, answering as `send` below does.
      const wrap = (handle) => ({
        send: (data) => this.#sent(() => handle.send(data)),
        request: (value, requestOptions) => handle.request(value, requestOptions),
      });
      options = { ...options, setup: (handle, info) => setup(wrap(handle), info) };
    }
    this.socket = new resocket.ReSocket(url, protocols ?? null, options);
    if (binaryType !== undefined) this.socket.binaryType = binaryType;
  }

  send(data, options) {
    return this.#sent(() => this.socket.send(data, options), options);
  }

  /** What a send (the socket's, or a setup step's) with `options` did, named as the Rust face names it. */
  #sent(send, options) {
    try {
      if (send()) return 'now';
      // The JS face's false says "not sent now": a volatile message was then not queued.
      if (options?.signal?.aborted) return 'aborted';
      return options?.volatile ? 'skipped' : 'queued';
    } catch (error) {
      if (error instanceof this.resocket.QueueFullError) return 'queue-full';
      if (error instanceof this.resocket.ReSocketError && error.code === 'CLOSED') return 'closed';
      if (error instanceof this.resocket.ReSocketError && error.code === 'WINDOW_FULL') return 'window-full';
      throw error;
    }
  }

  request(value, options) { return this.socket.request(value, options); }
  close(code, reason) { this.socket.close(code, reason); }
  reconnect(code, reason) { this.socket.reconnect(code, reason); }
  get readyState() { return this.socket.readyState; }
  get state() { return this.socket.state; }
  get retryCount() { return this.socket.retryCount; }
  get queuedCount() { return this.socket.queuedCount; }
  get rttMs() { return this.socket.rttMs; }
  get protocol() { return this.socket.protocol; }
  addEventListener(...args) { this.socket.addEventListener(...args); }
  removeEventListener(...args) { this.socket.removeEventListener(...args); }
}

class RustFace extends EventTarget {
  face = 'rust';

  /** With deferred events: the "message" listeners, whose first starts the event stream. */
  #listeners = new Set();
  #deferred;

  constructor(module, url, options, protocols, binaryType) {
    super();
    this.#deferred = Boolean(options?.lazy) || options?.idleCloseMs !== undefined;
    this.socket = new module.RustSocket(url, protocols ?? null, options, (event) => this.#dispatch(event), binaryType, this.#deferred);
  }

  addEventListener(type, listener, options) {
    super.addEventListener(type, listener, options);
    if (!this.#deferred || type !== 'message') return;
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.socket.listen();
  }

  removeEventListener(type, listener, options) {
    super.removeEventListener(type, listener, options);
    if (!this.#deferred || type !== 'message' || !this.#listeners.delete(listener)) return;
    if (this.#listeners.size === 0) this.socket.stopListening();
  }

  #dispatch(fields) {
    let event;
    switch (fields.type) {
      case 'close':
        event = new CloseEvent('close', { code: fields.code, reason: fields.reason, wasClean: fields.wasClean });
        defineFields(event, fields, ['willReconnect', 'requeued', 'unconfirmed']);
        break;
      case 'error': {
        const error = Object.assign(new Error(fields.message), { code: fields.code });
        event = new ErrorEvent('error', { message: fields.message, error });
        if ('data' in fields) defineFields(event, fields, ['data']);
        break;
      }
      case 'message':
        event = new MessageEvent('message', { data: fields.data });
        break;
      case 'reconnecting':
        event = new Event('reconnecting');
        defineFields(event, fields, ['attempt', 'delayMs']);
        break;
      case 'statechange':
        event = new Event('statechange');
        defineFields(event, fields, ['state']);
        break;
      case 'resumed':
        event = new Event('resumed');
        defineFields(event, fields, ['recovered', 'unacknowledged']);
        break;
      case 'removed':
        event = new Event('removed');
        defineFields(event, fields, ['data', 'reason']);
        break;
      default:
        event = new Event(fields.type);
    }
    this.dispatchEvent(event);
  }

  send(data, options) { return this.socket.send(data, options); }
  request(value, options) { return this.socket.request(value, options); }
  close(code, reason) { this.socket.close(code, reason); }
  reconnect(code, reason) { this.socket.reconnect(code, reason); }
  get readyState() { return READY_STATES[this.socket.state]; }
  get state() { return this.socket.state; }
  get retryCount() { return this.socket.retryCount; }
  get queuedCount() { return this.socket.queuedCount; }
  get rttMs() { return this.socket.rttMs; }
  get protocol() { return this.socket.protocol ?? ''; }
}

/** Copies `names` of `fields` onto `event` as the JS face's events carry them. */
function defineFields(event, fields, names) {
  for (const name of names) Object.defineProperty(event, name, { value: fields[name], enumerable: true });
}

/**
 * A socket of `face` ('js' or 'rust') to `url` with the JS face's `options`, `protocols` and
 * `binaryType`; `listen(socket)` runs right after it is made, before any of its events is
 * delivered.
 */
export async function openFace(resocket, face, url, options = {}, { protocols = null, listen, binaryType } = {}) {
  let socket;
  switch (face) {
    case 'js': socket = new JsFace(resocket, url, options, protocols, binaryType); break;
    case 'rust': socket = new RustFace(await loadRustFace(), url, options, protocols, binaryType); break;
    default: throw new TypeError(`unknown face ${face}: 'js' or 'rust'`);
  }
  listen?.(socket);
  return socket;
}
