// One socket interface over both faces, so a test body runs for `face` in ['js', 'rust']:
// 'js' is the npm package's `ReSocket`; 'rust' is `resocket::Socket<String, String, Text>`
// (or `Socket<serde_json::Value, serde_json::Value, Json>` with `format: "json"`) behind
// `RustSocket` (tests/rust-face/, built by scripts/e2e-tests.sh into target/e2e/rust-face/ and
// mounted at /rust-face/ by the files that use it).
//
// Both are EventTargets whose events carry the JS face's fields, so `h.record` works on
// either: `open`, `message` {data: the text, or with format "json" the parsed value},
// `close` {code, reason, wasClean, willReconnect, requeued, unconfirmed},
// `reconnecting` {attempt, delayMs}, `error` {error: {code}, message, data?: the frame of a
// DECODE error}.
//   send(data) -> 'now' | 'queued' | 'closed' | 'queue-full'; data is text, or with format
//     "json" any value with a JSON form (a TypeError otherwise)
//   request(value, { timeoutMs?, signal? }?) -> Promise of the answer's result (format "json";
//     rejections carry the JS face's `code`; bad arguments reject with a TypeError)
//   close(code?, reason?), reconnect()
//   readyState (0-3, CONNECTING while waiting between attempts, as the JS face reports it),
//   state ('connecting' | 'open' | 'closing' | 'closed' | 'waiting' | 'offline' | 'suspended'),
//   retryCount, queuedCount

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

  constructor(resocket, url, options) {
    this.resocket = resocket;
    this.socket = new resocket.ReSocket(url, null, options);
  }

  send(data) {
    try {
      return this.socket.send(data) ? 'now' : 'queued';
    } catch (error) {
      if (error instanceof this.resocket.QueueFullError) return 'queue-full';
      if (error instanceof this.resocket.ReSocketError && error.code === 'CLOSED') return 'closed';
      throw error;
    }
  }

  request(value, options) { return this.socket.request(value, options); }
  close(code, reason) { this.socket.close(code, reason); }
  reconnect() { this.socket.reconnect(); }
  get readyState() { return this.socket.readyState; }
  get state() { return this.socket.state; }
  get retryCount() { return this.socket.retryCount; }
  get queuedCount() { return this.socket.queuedCount; }
  addEventListener(...args) { this.socket.addEventListener(...args); }
  removeEventListener(...args) { this.socket.removeEventListener(...args); }
}

class RustFace extends EventTarget {
  face = 'rust';

  constructor(module, url, options) {
    super();
    this.socket = new module.RustSocket(url, options, (event) => this.#dispatch(event));
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
      default:
        event = new Event(fields.type);
    }
    this.dispatchEvent(event);
  }

  send(data) { return this.socket.send(data); }
  request(value, options) { return this.socket.request(value, options); }
  close(code, reason) { this.socket.close(code, reason); }
  reconnect() { this.socket.reconnect(); }
  get readyState() { return READY_STATES[this.socket.state]; }
  get state() { return this.socket.state; }
  get retryCount() { return this.socket.retryCount; }
  get queuedCount() { return this.socket.queuedCount; }
}

/** Copies `names` of `fields` onto `event` as the JS face's events carry them. */
function defineFields(event, fields, names) {
  for (const name of names) Object.defineProperty(event, name, { value: fields[name], enumerable: true });
}

/** A socket of `face` ('js' or 'rust') to `url` with the JS face's `options`. */
export async function openFace(resocket, face, url, options = {}) {
  switch (face) {
    case 'js': return new JsFace(resocket, url, options);
    case 'rust': return new RustFace(await loadRustFace(), url, options);
    default: throw new TypeError(`unknown face ${face}: 'js' or 'rust'`);
  }
}
