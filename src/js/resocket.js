// resocket: a WebSocket that stays connected.
//
// Every decision (backoff, heartbeat, queue, close codes, what to send again after a drop) is
// made by the core in WebAssembly, the same core the Rust API runs on. This file carries the
// decisions out with the browser's WebSocket and timers, and gives the socket the shape of
// `WebSocket` / `reconnecting-websocket`. Keeping the browser work here keeps the wasm small.
import {
  FAILURES,
  FIGURE_QUEUED_BYTES,
  FIGURE_QUEUED_COUNT,
  FIGURE_RETRY_COUNT,
  FIGURE_RTT_MS,
  FIGURE_STATE,
  OP_ABANDON,
  OP_CLOSE,
  OP_CLOSED,
  OP_CONNECT,
  OP_FAILED,
  OP_IDLE,
  OP_MEASURE_BUFFERED,
  OP_OPENED,
  OP_PING,
  OP_RECONNECTING,
  OP_REQUEST_FAILED,
  OP_RESOLVE_URL,
  OP_RETRIES_EXHAUSTED,
  OP_TRANSMIT,
  OP_WENT_OFFLINE,
  OP_WENT_ONLINE,
  READY_STATES,
  RECEIVED_MAYBE_ANSWER,
  RECEIVED_MESSAGE,
  RECEIVED_TOO_BIG,
  SIGNAL_CONNECT,
  SIGNAL_OFFLINE,
  SIGNAL_ONLINE,
  SIGNAL_OPENED,
  SIGNAL_RESUME,
  SIGNAL_SOCKET_ERROR,
  SIGNAL_SUSPEND,
  SIGNAL_URL_RESOLVED,
  SIGNAL_WAKE,
  STATES,
} from "./contract.js";
import { Core } from "./core.js";
import {
  checkProtocols,
  checkUrl,
  closeArguments,
  errorText,
  isRawData,
  messageSize,
  protocolList,
  readArguments,
  redact,
  urlString,
  wireSize,
} from "./options.js";
import { Requests } from "./request.js";

/** Why something failed; `code` is stable, `message` is for people. */
export class ReSocketError extends Error {
  constructor(code, message, options) {
    super(message, options);
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
// `new ReSocket(url).onmessage = ...` keeps working without a variable. A socket closed for
// good and dropped by the user is collected, and its core freed with it.
const live = new Set();

const EVENT_TYPES = ["open", "message", "close", "reconnecting", "error", "offline", "online"];

/** `navigator.onLine` as the engine takes it: 1, or 0 when the browser reports no network. */
function networkUp() {
  return globalThis.navigator?.onLine === false ? 0 : 1;
}

function withFields(event, fields) {
  for (const [name, value] of Object.entries(fields)) {
    Object.defineProperty(event, name, { value, enumerable: true });
  }
  return event;
}

function isThenable(value) {
  return typeof value?.then === "function";
}

export class ReSocket extends EventTarget {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;

  #core;
  #settings;
  #handlers = { open: null, message: null, close: null, reconnecting: null, error: null, offline: null, online: null };
  /** The current browser socket and the core's id for it. */
  #ws = null;
  #conn = 0;
  /** The URL and subprotocols resolved for the attempt about to connect. */
  #target = null;
  /** The one timer, for the core's next deadline (`#deadline`, NaN when none runs). */
  #timer;
  #deadline = NaN;
  #pumping = false;
  #constructed = false;
  #binaryType = "blob";
  #url = "";
  #requests = null;

  // The browser's and the page's news reach every socket that is connected or trying. One set
  // of listeners for the module, not one per socket: they would keep every socket alive.
  // Workers have online/offline only; windows also visibility and the back/forward cache.
  static {
    const scope = globalThis;
    const tell = (signal) => () => ReSocket.#broadcast(signal, 0);
    scope.addEventListener?.("offline", tell(SIGNAL_OFFLINE));
    scope.addEventListener?.("online", tell(SIGNAL_ONLINE));
    // A page kept in the back/forward cache must not hold a socket open (and may not be
    // cached if it does); it reconnects when shown again.
    scope.addEventListener?.("pagehide", (event) => event.persisted && ReSocket.#broadcast(SIGNAL_SUSPEND, 0));
    scope.addEventListener?.("pageshow", (event) => event.persisted && ReSocket.#broadcast(SIGNAL_RESUME, networkUp()));
    // Timers of a hidden page are throttled: once it is visible, check the connection at once.
    scope.document?.addEventListener("visibilitychange", () => {
      if (scope.document.visibilityState === "visible") ReSocket.#broadcast(SIGNAL_WAKE, 0);
    });
  }

  // `onopen`, `onmessage`, ...: one handler per event type, called before the listeners.
  static {
    for (const type of EVENT_TYPES) {
      Object.defineProperty(ReSocket.prototype, `on${type}`, {
        get() { return this.#handlers[type]; },
        set(handler) { this.#handlers[type] = handler; },
        configurable: true,
      });
    }
  }

  static #broadcast(signal, operand) {
    for (const socket of [...live]) socket.#signal(signal, operand);
  }

  constructor(url, protocols, options) {
    super();
    for (const type of EVENT_TYPES) {
      this.addEventListener(type, (event) => this.#handlers[type]?.call(this, event));
    }
    const settings = readArguments(url, protocols, options);
    const heartbeat = settings.heartbeat;
    this.#settings = settings;
    this.#core = Core.create(
      settings.policy,
      settings.finalCodes,
      settings.dropOldest ? 1 : 0,
      settings.resendRequests ? 1 : 0,
      heartbeat ? wireSize(heartbeat.ping) : 0,
      Math.random() * 2 ** 53,
    );
    if (!settings.startClosed) this.#signal(SIGNAL_CONNECT, networkUp());
    this.#constructed = true;
    if (this.readyState !== ReSocket.CLOSED) live.add(this);
  }

  get CONNECTING() { return 0; }
  get OPEN() { return 1; }
  get CLOSING() { return 2; }
  get CLOSED() { return 3; }

  get readyState() { return READY_STATES[this.#core.read(FIGURE_STATE)]; }
  /** What the socket is doing, in more detail than `readyState`. */
  get state() { return STATES[this.#core.read(FIGURE_STATE)]; }
  get url() { return this.#url; }
  get protocol() { return this.#ws?.protocol ?? ""; }
  get extensions() { return this.#ws?.extensions ?? ""; }
  get bufferedAmount() { return (this.#ws?.bufferedAmount ?? 0) + this.#core.read(FIGURE_QUEUED_BYTES); }
  get retryCount() { return this.#core.read(FIGURE_RETRY_COUNT); }
  get queuedCount() { return this.#core.read(FIGURE_QUEUED_COUNT); }
  get rttMs() {
    const rtt = this.#core.read(FIGURE_RTT_MS);
    return Number.isNaN(rtt) ? undefined : rtt;
  }
  get binaryType() { return this.#binaryType; }
  set binaryType(value) {
    if (value !== "blob" && value !== "arraybuffer") {
      throw new TypeError('resocket: binaryType must be "blob" or "arraybuffer"');
    }
    this.#binaryType = value;
    if (this.#ws) this.#ws.binaryType = value;
  }

  send(data) {
    return this.#submit(this.#frame(data), (frame, size) => this.#core.send(frame, size)) === 1;
  }

  /** `data` as the frame to send, in the socket's format; throws a TypeError if it has none. */
  #frame(data) {
    let frame = data;
    if (this.#settings.json) {
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
    return frame;
  }

  /** Hands `frame` and its size to the engine through `hand`; throws if it is refused. */
  #submit(frame, hand) {
    const outcome = hand(frame, wireSize(frame));
    this.#pump();
    if (outcome === -1) throw new QueueFullError(this.#settings.queueCapacity);
    if (outcome === -2) {
      throw new ReSocketError("CLOSED", "resocket: the socket is closed; call reconnect() before sending");
    }
    return outcome;
  }

  /**
   * Sends `value` with a fresh id in `requestIdField` and resolves with the answer's `result`.
   * The answer is matched by that id and not delivered as a message.
   */
  request(value, options) {
    const core = this.#core;
    this.#requests ??= new Requests(this.#settings, {
      next: () => core.nextRequest(),
      send: (message, timeoutMs) =>
        this.#submit(this.#frame(message), (frame, size) => core.request(frame, size, timeoutMs, performance.now())),
      answered: (id) => core.answered(id),
      forget: (id) => core.forget(id),
    }, ReSocketError, QueueFullError);
    return this.#requests.request(value, options);
  }

  close(code, reason) {
    this.#core.close(...closeArguments(code, reason), performance.now());
    this.#pump();
  }

  reconnect(code, reason) {
    const [checkedCode, checkedReason] = closeArguments(code, reason);
    this.#core.reconnect(checkedCode, checkedReason, networkUp(), performance.now());
    this.#pump();
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

  #signal(signal, operand) {
    this.#core.signal(signal, operand, performance.now());
    this.#pump();
  }

  /**
   * Carries out what the core decided, in order. Whatever user code or a synchronous URL
   * provider feeds in meanwhile joins the same queue, so things happen in the order decided.
   */
  #pump() {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let op; (op = this.#core.poll()) !== OP_IDLE; ) this.#execute(op);
    } finally {
      this.#pumping = false;
      this.#armTimer();
    }
  }

  /** Keeps the one timer on the core's next deadline. */
  #armTimer() {
    const deadline = this.#core.deadline();
    if (Object.is(deadline, this.#deadline)) return;
    clearTimeout(this.#timer);
    this.#deadline = deadline;
    if (Number.isNaN(deadline)) return;
    this.#timer = setTimeout(() => {
      this.#deadline = NaN;
      this.#core.timeout(performance.now());
      this.#pump();
    }, Math.ceil(deadline - performance.now()));
  }

  #execute(op) {
    const core = this.#core;
    const ws = this.#ws;
    switch (op) {
      case OP_RESOLVE_URL:
        this.#resolve(core.arg(0));
        break;
      case OP_CONNECT:
        this.#connect(core.arg(0));
        break;
      case OP_TRANSMIT:
        // The core transmits only on an open socket, where `send` does not throw.
        ws?.send(core.frame());
        break;
      case OP_PING:
        ws?.send(this.#settings.heartbeat.ping);
        break;
      case OP_MEASURE_BUFFERED: {
        const conn = core.arg(0);
        core.buffered(conn, conn === this.#conn ? ws.bufferedAmount : 0, performance.now());
        break;
      }
      case OP_CLOSE:
      case OP_ABANDON: {
        const [conn, code, reason] = [core.arg(0), core.arg(1), core.text()];
        if (conn !== this.#conn) break;
        if (op === OP_ABANDON) this.#detach();
        // Codes and reasons were checked before they reached the core.
        ws.close(code, reason);
        break;
      }
      case OP_OPENED:
        this.#log("Open");
        this.#dispatch(new Event("open"));
        break;
      case OP_CLOSED: {
        const [code, wasClean, willReconnect, requeued, unconfirmed] = [0, 1, 2, 3, 4].map((i) => core.arg(i));
        const reason = core.text();
        this.#log(
          `Closed { code: ${code}, reason: ${JSON.stringify(reason)}, was_clean: ${wasClean === 1}, ` +
            `will_reconnect: ${willReconnect === 1}, requeued: ${requeued}, unconfirmed: ${unconfirmed} }`,
        );
        if (!willReconnect) live.delete(this);
        const event = new CloseEvent("close", { code, reason, wasClean: wasClean === 1 });
        this.#dispatch(withFields(event, { willReconnect: willReconnect === 1, requeued, unconfirmed }));
        break;
      }
      case OP_RECONNECTING: {
        const [attempt, delayMs] = [core.arg(0), core.arg(1)];
        this.#log(`Reconnecting { attempt: ${attempt}, delay_ms: ${delayMs} }`);
        this.#dispatch(withFields(new Event("reconnecting"), { attempt, delayMs }));
        break;
      }
      case OP_FAILED: {
        const [code, message] = FAILURES[core.arg(0)];
        const text = message + core.text();
        this.#log(`Failed: ${text}`);
        this.#error(code, text);
        break;
      }
      case OP_WENT_OFFLINE:
      case OP_WENT_ONLINE: {
        const type = op === OP_WENT_OFFLINE ? "offline" : "online";
        this.#log(type === "offline" ? "Offline" : "Online");
        this.#dispatch(new Event(type));
        break;
      }
      case OP_REQUEST_FAILED:
        this.#requests?.failed(core.arg(0), core.arg(1), core.arg(2));
        break;
      case OP_RETRIES_EXHAUSTED: {
        const retries = core.arg(0);
        this.#log(`RetriesExhausted { retries: ${retries} }`);
        live.delete(this);
        this.#error("RETRIES_EXHAUSTED", `gave up after ${retries} retries (maxRetries)`);
        break;
      }
    }
  }

  /** Asks the URL and subprotocol sources (fixed or functions, maybe async) for attempt `conn`. */
  #resolve(conn) {
    const failed = (error) => {
      this.#core.failed(true, conn, errorText(error), performance.now());
      this.#pump();
    };
    const ask = (source) => (typeof source === "function" ? source() : source);
    let url, protocols;
    try {
      url = ask(this.#settings.url);
      protocols = ask(this.#settings.protocols);
    } catch (error) {
      return failed(error);
    }
    if (isThenable(url) || isThenable(protocols)) {
      Promise.all([url, protocols]).then(([url, protocols]) => this.#resolved(conn, url, protocols), failed);
    } else {
      this.#resolved(conn, url, protocols);
    }
  }

  #resolved(conn, url, protocols) {
    const text = urlString(url);
    const list = protocolList(protocols);
    const error =
      text === undefined
        ? `the URL provider returned ${url === null ? "null" : typeof url}, not a string or URL`
        : list.error;
    if (error) {
      this.#core.failed(true, conn, error, performance.now());
    } else {
      this.#target = { conn, url: text, protocols: list.list };
      this.#core.signal(SIGNAL_URL_RESOLVED, conn, performance.now());
    }
    this.#pump();
  }

  #connect(conn) {
    const target = this.#target?.conn === conn ? this.#target : { url: "", protocols: [] };
    this.#target = null;
    this.#log(`connecting to ${redact(target.url)}`);
    const checked = checkUrl(target.url);
    let error = checked.error ?? checkProtocols(target.protocols);
    if (!error) {
      try {
        const ws = new WebSocket(checked.url, target.protocols);
        ws.binaryType = this.#binaryType;
        ws.onopen = () => this.#signal(SIGNAL_OPENED, conn);
        ws.onmessage = (event) => this.#message(conn, event.data);
        ws.onerror = () => this.#signal(SIGNAL_SOCKET_ERROR, conn);
        ws.onclose = (event) => this.#closed(conn, event);
        [this.#ws, this.#conn, this.#url] = [ws, conn, ws.url];
        return;
      } catch (thrown) {
        error = errorText(thrown);
      }
    }
    this.#core.failed(false, conn, error, performance.now());
    this.#pump();
  }

  /** Forgets the current browser socket: none of its events reach the core any more. */
  #detach() {
    const ws = this.#ws;
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
    [this.#ws, this.#conn] = [null, 0];
    return ws;
  }

  #message(conn, data) {
    const { heartbeat, maxMessageBytes } = this.#settings;
    const size = messageSize(data);
    const received = this.#core.receive(conn, size, heartbeat?.isPong(data) ? 1 : 0, performance.now());
    this.#pump();
    if (received === RECEIVED_TOO_BIG) {
      this.#error(
        "MESSAGE_TOO_BIG",
        `an incoming message of size ${size} exceeded maxMessageBytes (${maxMessageBytes}) and was dropped; ` +
          "the connection stays open",
      );
      return;
    }
    if (received !== RECEIVED_MESSAGE && received !== RECEIVED_MAYBE_ANSWER) return;
    if (this.#settings.json && typeof data === "string") {
      try {
        data = JSON.parse(data);
      } catch (error) {
        this.#error("DECODE", `a message is not valid JSON (${error.message})`, data);
        return;
      }
    }
    if (received === RECEIVED_MAYBE_ANSWER && this.#requests?.answered(data)) return;
    this.dispatchEvent(new MessageEvent("message", { data }));
  }

  #closed(conn, event) {
    // What the browser never transmitted: the core sends those messages again.
    const unsent = conn === this.#conn ? this.#detach().bufferedAmount : 0;
    let reconnectAllowed = true;
    const decide = this.#settings.shouldReconnect;
    if (decide && this.#core.asks(conn, event.code)) {
      try {
        reconnectAllowed = Boolean(decide(event));
      } catch (error) {
        // A throwing predicate must not stop recovery: report it and keep reconnecting.
        console.error("resocket: shouldReconnectOnClose threw", error);
      }
    }
    this.#core.closed(conn, event.code, event.reason, event.wasClean, unsent, reconnectAllowed, performance.now());
    this.#pump();
  }

  #error(code, message, data) {
    message = `resocket: ${message}`;
    const error = new ReSocketError(code, message);
    const fields = data === undefined ? {} : { data };
    this.#dispatch(withFields(new ErrorEvent("error", { message, error }), fields));
  }

  #dispatch(event) {
    // Reported while the constructor runs (a synchronous URL provider failed): nobody can be
    // listening yet, so deliver it once the caller has had a chance to subscribe.
    if (this.#constructed) this.dispatchEvent(event);
    else queueMicrotask(() => this.dispatchEvent(event));
  }

  #log(line) {
    if (this.#settings.debug) console.log("resocket:", line);
  }
}

export default ReSocket;
