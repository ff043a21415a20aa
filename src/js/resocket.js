// resocket: a WebSocket that stays connected. The connection logic runs in WebAssembly
// (`SocketCore`); this class gives it the shape of `WebSocket` / `reconnecting-websocket`.
import * as wasm from "./resocket_core.js";
// @init: the web build initialises the module here (`await wasm.default();`).

const { SocketCore } = wasm;

/** Why something failed; `code` is stable, `message` is for people. */
export class ReSocketError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "ReSocketError";
    this.code = code;
  }
}

/** Thrown by `send` when the queue is full and `overflow` is `"error"`. */
export class QueueFullError extends ReSocketError {
  constructor(capacity) {
    super(
      "QUEUE_FULL",
      `resocket: the send queue is full (${capacity} messages) while disconnected; ` +
        'wait for "open", raise maxEnqueuedMessages, or use overflow: "drop-oldest"',
    );
    this.name = "QueueFullError";
    this.capacity = capacity;
  }
}

// Sockets that are connected or trying to be stay reachable, as a browser WebSocket does, so
// `new ReSocket(url).onmessage = ...` keeps working without a variable. The core only holds a
// weak reference back, so a socket closed for good and dropped by the user is collected.
const live = new Set();

const EVENT_TYPES = ["open", "message", "close", "reconnecting", "error"];
const [OPEN, MESSAGE, CLOSE, RECONNECTING, ERROR] = [0, 1, 2, 3, 4];

function isRawData(data) {
  return (
    typeof data === "string" ||
    data instanceof ArrayBuffer ||
    ArrayBuffer.isView(data) ||
    (typeof Blob !== "undefined" && data instanceof Blob)
  );
}

function withFields(event, fields) {
  for (const [name, value] of Object.entries(fields)) {
    Object.defineProperty(event, name, { value, enumerable: true });
  }
  return event;
}

export class ReSocket extends EventTarget {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;

  #core;
  #json;
  #handlers = { open: null, message: null, close: null, reconnecting: null, error: null };

  constructor(url, protocols, options) {
    super();
    for (const type of EVENT_TYPES) {
      this.addEventListener(type, (event) => this.#handlers[type]?.call(this, event));
    }
    this.#json = options?.format === "json";
    this.#core = new SocketCore(url, protocols, options, ReSocket.#receiver(new WeakRef(this)));
    if (this.#core.readyState() !== ReSocket.CLOSED) live.add(this);
  }

  // The core keeps its callback alive for as long as it lives, so the callback may reach the
  // socket only through the WeakRef. It is made here, not in the constructor: V8 gives every
  // closure made in one function a single shared context, so an arrow made next to the
  // constructor's listeners (which use `this`) would hold the socket strongly and it would
  // never be collected.
  static #receiver(self) {
    return (kind, a, b, c, d, e, f) => self.deref()?.#receive(kind, a, b, c, d, e, f);
  }

  get CONNECTING() { return 0; }
  get OPEN() { return 1; }
  get CLOSING() { return 2; }
  get CLOSED() { return 3; }

  get readyState() { return this.#core.readyState(); }
  get url() { return this.#core.url(); }
  get protocol() { return this.#core.protocol(); }
  get extensions() { return this.#core.extensions(); }
  get bufferedAmount() { return this.#core.bufferedAmount(); }
  get retryCount() { return this.#core.retryCount(); }
  get queuedCount() { return this.#core.queuedCount(); }
  get rttMs() { return this.#core.rttMs(); }
  get binaryType() { return this.#core.binaryType(); }
  set binaryType(value) { this.#core.setBinaryType(value); }

  get onopen() { return this.#handlers.open; }
  set onopen(handler) { this.#handlers.open = handler; }
  get onmessage() { return this.#handlers.message; }
  set onmessage(handler) { this.#handlers.message = handler; }
  get onclose() { return this.#handlers.close; }
  set onclose(handler) { this.#handlers.close = handler; }
  get onerror() { return this.#handlers.error; }
  set onerror(handler) { this.#handlers.error = handler; }
  get onreconnecting() { return this.#handlers.reconnecting; }
  set onreconnecting(handler) { this.#handlers.reconnecting = handler; }

  send(data) {
    let frame = data;
    if (this.#json) {
      try {
        frame = JSON.stringify(data);
      } catch (error) {
        // A BigInt, a cycle, or a toJSON that throws.
        throw new TypeError(`resocket: send(data): data has no JSON form (${error?.message})`, { cause: error });
      }
      if (frame === undefined) {
        throw new TypeError(`resocket: send(data): data has no JSON form (got ${typeof data})`);
      }
    } else if (!isRawData(data)) {
      throw new TypeError(
        `resocket: send(data): data must be a string, ArrayBuffer, typed array or Blob, got ${data === null ? "null" : typeof data}; ` +
          'use format: "json" for other values',
      );
    }
    switch (this.#core.send(frame)) {
      case 1: return true;
      case 0: return false;
      case -1: throw new QueueFullError(this.#core.queueCapacity());
      default:
        throw new ReSocketError("CLOSED", "resocket: the socket is closed; call reconnect() before sending");
    }
  }

  close(code, reason) {
    this.#core.close(code, reason);
  }

  reconnect(code, reason) {
    this.#core.reconnect(code, reason);
    live.add(this);
  }

  [Symbol.asyncIterator]() {
    const ready = [];
    const waiting = [];
    let finished = false;
    const finish = () => {
      finished = true;
      this.removeEventListener("message", onMessage);
      this.removeEventListener("close", onClose);
      this.removeEventListener("error", onError);
      for (const resolve of waiting.splice(0)) resolve({ value: undefined, done: true });
    };
    const onMessage = (event) => {
      const next = waiting.shift();
      if (next) next({ value: event.data, done: false });
      else ready.push(event.data);
    };
    const onClose = (event) => { if (!event.willReconnect) finish(); };
    const onError = (event) => { if (event.error?.code === "RETRIES_EXHAUSTED") finish(); };
    this.addEventListener("message", onMessage);
    this.addEventListener("close", onClose);
    this.addEventListener("error", onError);
    return {
      next: () => {
        if (ready.length) return Promise.resolve({ value: ready.shift(), done: false });
        if (finished) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => waiting.push(resolve));
      },
      return: () => {
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() { return this; },
    };
  }

  #receive(kind, a, b, c, d, e, f) {
    if (this.#core === undefined) {
      // Reported while the constructor runs (a synchronous URL provider failed): nobody can
      // be listening yet, so deliver it once the caller has had a chance to subscribe.
      queueMicrotask(() => this.#receive(kind, a, b, c, d, e, f));
      return;
    }
    switch (kind) {
      case OPEN:
        this.dispatchEvent(new Event("open"));
        break;
      case MESSAGE:
        this.#message(a);
        break;
      case CLOSE:
        if (!d) live.delete(this);
        this.dispatchEvent(
          withFields(new CloseEvent("close", { code: a, reason: b, wasClean: c }), {
            willReconnect: d,
            requeued: e,
            unconfirmed: f,
          }),
        );
        break;
      case RECONNECTING:
        this.dispatchEvent(withFields(new Event("reconnecting"), { attempt: a, delayMs: b }));
        break;
      case ERROR:
        if (a === "RETRIES_EXHAUSTED") live.delete(this);
        this.#error(a, `resocket: ${b}`);
        break;
    }
  }

  #message(data) {
    if (this.#json && typeof data === "string") {
      try {
        data = JSON.parse(data);
      } catch (error) {
        this.#error("DECODE", `resocket: a message is not valid JSON (${error.message})`, data);
        return;
      }
    }
    this.dispatchEvent(new MessageEvent("message", { data }));
  }

  #error(code, message, data) {
    const error = new ReSocketError(code, message);
    const fields = data === undefined ? {} : { data };
    this.dispatchEvent(withFields(new ErrorEvent("error", { message, error }), fields));
  }
}

export default ReSocket;
