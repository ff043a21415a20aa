// The JavaScript driver: carries out what the engine decides with the browser's WebSocket and
// one timer, and reports what the browser said (events, sizes, whether a message is the pong,
// `navigator.onLine`). It decides nothing: the engine does, the same core the Rust API runs on.
// What the user sees of it (events, errors, the `WebSocket`-shaped API) is the face's, in
// resocket.js, which the driver tells through a `face` object of callbacks.
import {
  BATCH_TAG,
  CONTROL_TAG,
  FAILURES,
  FIGURE_QUEUED_BYTES,
  FIGURE_STATE,
  INCOMING_CONTROL,
  INCOMING_INVALID,
  INCOMING_MESSAGE,
  INCOMING_PONG,
  INCOMING_TAGGED,
  MESSAGE_TAG,
  OP_ABANDON,
  OP_AWAIT_TURN_END,
  OP_CLOSE,
  OP_CLOSED,
  OP_CONNECT,
  OP_CONTROL,
  OP_DEADLINE,
  OP_FAILED,
  OP_IDLE,
  OP_MEASURE_BUFFERED,
  OP_OPENED,
  OP_PING,
  OP_RECONNECTING,
  OP_REMOVED,
  OP_REQUEST_FAILED,
  OP_RESOLVE_URL,
  OP_RESUMED,
  OP_RETRIES_EXHAUSTED,
  OP_RUN_SETUP,
  OP_STATE_CHANGED,
  OP_TRANSMIT,
  OP_TRANSMIT_BATCH,
  OP_WENT_OFFLINE,
  OP_WENT_ONLINE,
  RECEIVED_BUSY,
  RECEIVED_MAYBE_ANSWER,
  RECEIVED_MESSAGE,
  RECEIVED_TOO_BIG,
  REMOVALS,
  SENT_QUEUED,
  SENT_SKIPPED,
  SESSION_SUBPROTOCOL,
  SIGNAL_CONNECT,
  SIGNAL_INTEREST,
  SIGNAL_OFFLINE,
  SIGNAL_ONLINE,
  SIGNAL_RESUME,
  SIGNAL_SETUP_DONE,
  SIGNAL_SOCKET_ERROR,
  SIGNAL_SUSPEND,
  SIGNAL_TURN_ENDED,
  SIGNAL_URL_RESOLVED,
  SIGNAL_WAKE,
  STATES,
} from "./contract.js";
import { Core, engineFor } from "./core.js";
import { checkProtocols, checkUrl, errorText, messageSize, protocolList, redact, urlString, wireSize } from "./options.js";
import { Pending } from "./pending.js";
import { putSaved, takeSaved } from "./saved.js";

const CLOSED_STATE = STATES.indexOf("closed");
// What failed, for the engine's `failed`.
const [FAILED_SOCKET, FAILED_URL_PROVIDER, FAILED_SETUP] = [0, 1, 2];

// Drivers that are connected or trying to be stay reachable, as a browser WebSocket does, so
// `new ReSocket(url).onmessage = ...` keeps working without a variable. A socket closed for
// good and dropped by the user is collected, and its core freed with it.
const live = new Set();

/** `navigator.onLine` as the engine takes it: 1, or 0 when the browser reports no network. */
function networkUp() {
  return globalThis.navigator?.onLine === false ? 0 : 1;
}

function isThenable(value) {
  return typeof value?.then === "function";
}

const TEXT_TAG = String.fromCharCode(MESSAGE_TAG);
const BATCH_PREFIX = String.fromCharCode(BATCH_TAG);

/** `data` (what `WebSocket.send` takes) as the session protocol's message frame: the tag, then the message. */
function tagged(data) {
  if (typeof data === "string") return TEXT_TAG + data;
  if (typeof Blob !== "undefined" && data instanceof Blob) return new Blob([TEXT_TAG, data]);
  const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
  const frame = new Uint8Array(bytes.length + 1);
  frame[0] = MESSAGE_TAG;
  frame.set(bytes, 1);
  return frame;
}

/**
 * A session frame by its first character or byte: [INCOMING_*, the message after the tag (binary
 * as `binaryType` asks), or else the frame]. Binary frames arrive as ArrayBuffers in session mode.
 */
function untagged(data, binaryType) {
  if (typeof data === "string") {
    const first = data.charCodeAt(0);
    if (first === MESSAGE_TAG) return [INCOMING_TAGGED, data.slice(1)];
    return [first === CONTROL_TAG ? INCOMING_CONTROL : INCOMING_INVALID, data];
  }
  if (!(data.byteLength && new Uint8Array(data, 0, 1)[0] === MESSAGE_TAG)) return [INCOMING_INVALID, data];
  return [INCOMING_TAGGED, binaryType === "blob" ? new Blob([new Uint8Array(data, 1)]) : data.slice(1)];
}

/** The texts of a batch frame (the batch tag, then a JSON array of strings), or undefined if it is not one. */
function batchOf(data) {
  let texts;
  try {
    texts = JSON.parse(data.slice(1));
  } catch {
    return undefined;
  }
  return Array.isArray(texts) && texts.every((text) => typeof text === "string") ? texts : undefined;
}

/** A control frame for debug lines: the session's key hidden. */
const redactKey = (text) => text.replace(/ key=\S*/, " key=[redacted]");

// The browser's and the page's news reach every driver that is connected or trying. One set of
// listeners for the module, not one per socket: they would keep every socket alive. Workers
// have online/offline only; windows also visibility and the back/forward cache; server
// runtimes (Node.js, Deno, Bun) none of them, or some that never fire. Added when the first
// socket is made, not when the module loads: importing the package (say while rendering on a
// server) touches no global.
function broadcast(signal, operand) {
  for (const driver of [...live]) driver.signal(signal, operand);
}
let listening = false;
function listenToThePage() {
  if (listening) return;
  listening = true;
  const scope = globalThis;
  scope.addEventListener?.("offline", () => broadcast(SIGNAL_OFFLINE, 0));
  scope.addEventListener?.("online", () => broadcast(SIGNAL_ONLINE, 0));
  // A page kept in the back/forward cache must not hold a socket open (and may not be cached if
  // it does); it reconnects when shown again.
  // A page that goes away may be reloaded: sockets whose session persists save it first.
  scope.addEventListener?.("pagehide", (event) => {
    for (const driver of [...live]) driver.saveSession();
    if (event.persisted) broadcast(SIGNAL_SUSPEND, 0);
  });
  scope.addEventListener?.("pageshow", (event) => {
    if (!event.persisted) return;
    // The sessions go on in this page: what was saved for a next one is not to be resumed.
    for (const driver of [...live]) driver.saveSession(true);
    broadcast(SIGNAL_RESUME, networkUp());
  });
  // Timers of a hidden page are throttled: once it is visible, check the connection at once.
  scope.document?.addEventListener("visibilitychange", () => {
    if (scope.document.visibilityState === "visible") broadcast(SIGNAL_WAKE, 0);
  });
}

export class Driver {
  /** The engine's socket, once the engine has loaded. */
  core = null;
  /** The engine the socket's core lives in: the session engine in session mode, else the default. */
  #engine;
  /** Until then: the calls waiting for it, and what the socket reads as meanwhile. */
  #pending = null;
  #settings;
  #face;
  /** The current browser socket and the core's id for it. */
  #ws = null;
  #conn = 0;
  /** The URL and subprotocols resolved for the attempt about to connect. */
  #target = null;
  /** The one timer, for the core's next deadline (`OP_DEADLINE`). */
  #timer;
  #pumping = false;
  binaryType = "blob";
  url = "";

  /**
   * A driver for the checked `settings`, telling `face` what happens: `opened()`,
   * `closed(event fields)`, `reconnecting(attempt, delayMs)`, `error(code, message, data?)`,
   * `network(type)`, `stateChanged(state)`, `received(data, mayAnswer)`,
   * `requestFailed(id, kind, capacity)`, `resumed(recovered, unacknowledged)`,
   * `setup(conn, attempt, resumed)` (run the setup step, then call `setupDone` or `setupFailed`),
   * `removed(frame, reason)`. Made before the
   * engine has loaded, it waits for it.
   */
  constructor(settings, face) {
    listenToThePage();
    this.#settings = settings;
    this.#face = face;
    // A binary codec's decode reads bytes at once: it gets ArrayBuffers, not Blobs.
    if (settings.format?.binary) this.binaryType = "arraybuffer";
    this.#engine = engineFor(settings.session);
    if (this.#engine.exports) this.#start();
    else this.#wait();
    if (!settings.startClosed) this.signal(SIGNAL_CONNECT, networkUp());
    if (this.read(FIGURE_STATE) !== CLOSED_STATE) live.add(this);
  }

  #wait() {
    this.#pending ??= new Pending(this.#settings);
    this.#pending.failed = false;
    this.#engine.load().then(() => this.#start(), (error) => this.#unloaded(error));
  }

  /** The engine is there: the socket's core, then the calls that waited for it, in order. */
  #start() {
    const settings = this.#settings;
    const heartbeat = settings.heartbeat;
    this.core = Core.create(
      this.#engine,
      settings.policy,
      settings.finalCodes,
      settings.dropOldest ? 1 : 0,
      settings.resendRequests ? 1 : 0,
      settings.lazy ? 1 : 0,
      heartbeat ? wireSize(heartbeat.ping) : 0,
      Math.random() * 2 ** 53,
    );
    // A session an earlier page saved under this name resumes here, before anything is sent.
    const saved = settings.persist === undefined ? null : takeSaved(settings.persist);
    if (saved && !this.core.restore(saved.header, saved.messages)) this.#log("the saved session could not be restored");
    const calls = this.#pending?.take() ?? [];
    this.#pending = null;
    // The calls reach the core first, and what it decided is carried out after: a socket
    // closed before the engine came never creates a browser socket.
    this.#pumping = true;
    try {
      for (const [run] of calls) run();
    } finally {
      this.#pumping = false;
    }
    this.pump();
  }

  /** The engine could not be loaded: the socket is closed, and says why. */
  #unloaded(error) {
    const text = `the engine (${this.#engine.file}) could not be loaded: ${errorText(error)}`;
    this.#pending.fail(text);
    live.delete(this);
    this.#face.error("ENGINE", text);
  }

  get ws() { return this.#ws; }
  get bufferedAmount() { return (this.#ws?.bufferedAmount ?? 0) + this.read(FIGURE_QUEUED_BYTES); }

  /** One of the socket's figures (`FIGURE_*`). */
  read(figure) { return (this.#pending ?? this.core).read(figure); }

  setBinaryType(value) {
    this.binaryType = value;
    // A session reads every binary frame's first byte: its sockets keep ArrayBuffers.
    if (this.#ws && !this.#settings.session) this.#ws.binaryType = value;
  }

  /** Whether anyone listens for messages now: a demand for `lazy` and `idleCloseMs`. */
  interest(listening) {
    this.signal(SIGNAL_INTEREST, listening ? 1 : 0);
  }

  /** Runs `run()` once the engine is there (now, if it is); `fail(text)` if it never comes. */
  whenReady(run, fail) {
    if (this.#pending) this.#pending.defer(run, fail);
    else run();
  }

  /** `call(core, now)` with the time of this call, now or once the engine is there; then what it decided. */
  #call(call) {
    const now = performance.now();
    this.whenReady(() => {
      call(this.core, now);
      this.pump();
    });
  }

  /** Sends or queues `frame`: 1 sent, 0 queued, -1 refused (queue full), -2 refused (closed), -3 refused (session window full). */
  send(frame) {
    const size = wireSize(frame);
    if (this.#pending) {
      const outcome = this.#pending.accept(size);
      if (outcome === 0) this.#call((core) => this.#replayed(core.send(frame, size)));
      return outcome;
    }
    const outcome = this.core.send(frame, size);
    this.pump();
    return outcome;
  }

  /**
   * Sends or queues `frame` with the checked `options` (see `sendOptions`): a `SENT_*` code
   * (1 sent, 0 queued, 2 skipped), or -1 / -2 / -3 as `send`. A signal's abort takes the
   * message back while it is queued.
   */
  sendWith(frame, { volatile, ttlMs, signal }) {
    const size = wireSize(frame);
    const pending = this.#pending;
    if (!pending) {
      const sent = this.core.sendWith(frame, size, volatile ? 1 : 0, ttlMs, performance.now());
      if (typeof sent === "number") return sent;
      if (signal && sent.code !== SENT_SKIPPED) this.#watch(sent, signal);
      this.pump();
      return sent.code;
    }
    // Before the engine has loaded the socket is connecting (or closed): never open.
    if (volatile) return pending.refusing ? -2 : SENT_SKIPPED;
    const outcome = pending.accept(size);
    if (outcome !== 0) return outcome;
    const early = () => {
      pending.withdraw(size);
      this.#face.removed(frame, "aborted");
    };
    signal?.addEventListener("abort", early, { once: true });
    this.#call((core, now) => {
      signal?.removeEventListener("abort", early);
      if (signal?.aborted) return;
      const sent = core.sendWith(frame, size, volatile ? 1 : 0, ttlMs, now);
      if (typeof sent === "number") this.#replayed(sent);
      else if (signal) this.#watch(sent, signal);
    });
    return SENT_QUEUED;
  }

  /** Takes message `sent` back if `signal` aborts while it is queued; detached once the core lets go of it. */
  #watch(sent, signal) {
    const core = this.core;
    const abort = () => {
      if (core.cancel(sent.message)) this.pump();
    };
    signal.addEventListener("abort", abort, { once: true });
    core.watch(sent.id, () => signal.removeEventListener("abort", abort));
  }

  /** Before the engine has loaded: counts `frame` in the queue, as `send` would; -1 / -2 / -3 if refused. */
  hold(frame) {
    return this.#pending.accept(wireSize(frame));
  }

  /** A send the engine refused when it arrived, though accepted while it loaded (rare: requests filled the queue). */
  #replayed(outcome) {
    if (outcome >= 0) return;
    const [code, why] = [
      ["QUEUE_FULL", "the send queue was full"],
      ["CLOSED", "the socket was closed"],
      ["WINDOW_FULL", "the session's window was full"],
    ][-outcome - 1];
    this.#face.error(code, `a message sent while the engine loaded was dropped when it arrived: ${why}`);
  }

  /** A request's frame, sent as `send` sends (the engine is there: see `whenReady`); its id, or -1 / -2 / -3. */
  request(frame, timeoutMs, ttlMs) {
    const outcome = this.core.request(frame, wireSize(frame), timeoutMs, ttlMs, performance.now());
    this.pump();
    return outcome;
  }

  /** From the setup step on socket `conn`: `frame` goes ahead of the queue; as `send` answers (-2: that connection is gone). */
  setupSend(conn, frame) {
    const outcome = this.core.setupSend(conn, frame, wireSize(frame));
    this.pump();
    return outcome;
  }

  /** A request's frame from the setup step on socket `conn`, sent as `setupSend` sends; its id, or -1 / -2 / -3. */
  setupRequest(conn, frame, timeoutMs) {
    const outcome = this.core.setupRequest(conn, frame, wireSize(frame), timeoutMs, performance.now());
    this.pump();
    return outcome;
  }

  /** The setup step on socket `conn` finished: the core flushes the queue, if that is still the connection. */
  setupDone(conn) {
    this.signal(SIGNAL_SETUP_DONE, conn);
  }

  /** The setup step on socket `conn` threw `error`: the core gives the connection up and retries by its policy. */
  setupFailed(conn, error) {
    this.#log(`setup failed: ${errorText(error)}`);
    this.core.failed(FAILED_SETUP, conn, errorText(error), performance.now());
    this.pump();
  }

  close(code, reason) {
    this.#pending?.close();
    this.#call((core, now) => core.close(code, reason, now));
  }

  reconnect(code, reason) {
    const online = networkUp();
    if (this.#pending) {
      this.#pending.reconnect();
      // An engine that failed to load is asked for again.
      if (this.#pending.failed) this.#wait();
    }
    this.#call((core, now) => core.reconnect(code, reason, online, now));
    live.add(this);
  }

  /** Saves the session for the next page (`session.persist`), or with `remove` forgets what was saved. */
  saveSession(remove = false) {
    const name = this.#settings.persist;
    if (name === undefined || !this.core) return;
    if (!putSaved(name, remove ? null : this.core.save())) this.#log("the session could not be saved to sessionStorage");
  }

  signal(signal, operand) {
    this.#call((core, now) => core.signal(signal, operand, now));
  }

  /**
   * Carries out what the core decided, in order. Whatever user code or a synchronous URL
   * provider feeds in meanwhile joins the same queue, so things happen in the order decided.
   */
  pump() {
    if (this.#pumping || !this.core) return;
    this.#pumping = true;
    try {
      for (let op; (op = this.core.poll()) !== OP_IDLE; ) this.#execute(op);
    } finally {
      this.#pumping = false;
    }
  }

  /** Keeps the one timer on the core's next deadline (NaN: none). */
  #arm(deadline) {
    clearTimeout(this.#timer);
    if (Number.isNaN(deadline)) return;
    this.#timer = setTimeout(() => {
      this.core.timeout(performance.now());
      this.pump();
    }, Math.ceil(deadline - performance.now()));
  }

  #execute(op) {
    const core = this.core;
    const face = this.#face;
    const ws = this.#ws;
    switch (op) {
      case OP_RESOLVE_URL:
        this.#resolve(core.arg(0));
        break;
      case OP_CONNECT:
        this.#connect(core.arg(0), core.arg(1) === 1);
        break;
      case OP_TRANSMIT:
        // The core transmits only on an open socket, where `send` does not throw.
        ws?.send(this.#settings.session ? tagged(core.frame()) : core.frame());
        break;
      case OP_TRANSMIT_BATCH: {
        const texts = Array.from({ length: core.arg(1) }, (_, index) => core.frame(index));
        ws?.send(BATCH_PREFIX + JSON.stringify(texts));
        break;
      }
      case OP_AWAIT_TURN_END:
        // The messages sent in the rest of this turn go out together once it is over.
        queueMicrotask(() => this.signal(SIGNAL_TURN_ENDED, 0));
        break;
      case OP_PING:
        ws?.send(this.#settings.heartbeat.ping);
        break;
      case OP_CONTROL: {
        const text = core.text();
        this.#log(`control sent ${redactKey(text)}`);
        ws?.send(text);
        break;
      }
      case OP_RESUMED: {
        const [recovered, count] = [core.arg(0) === 1, core.arg(1)];
        this.#log(`resumed recovered=${recovered} unacknowledged=${count}`);
        face.resumed(recovered, Array.from({ length: count }, (_, index) => core.frame(index)));
        break;
      }
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
      case OP_RUN_SETUP: {
        const [conn, attempt, resumed] = [core.arg(0), core.arg(1), core.arg(2) === 1];
        this.#log(`setup attempt=${attempt} resumed=${resumed}`);
        face.setup(conn, attempt, resumed);
        break;
      }
      case OP_OPENED:
        this.#log("open");
        face.opened();
        break;
      case OP_CLOSED: {
        const [code, wasClean, willReconnect, requeued, unconfirmed] = [0, 1, 2, 3, 4].map((i) => core.arg(i));
        const reason = core.text();
        this.#log(
          `close code=${code} reason=${JSON.stringify(reason)} clean=${wasClean === 1} ` +
            `reconnect=${willReconnect === 1} requeued=${requeued} unconfirmed=${unconfirmed}`,
        );
        if (!willReconnect) live.delete(this);
        face.closed({ code, reason, wasClean: wasClean === 1, willReconnect: willReconnect === 1, requeued, unconfirmed });
        break;
      }
      case OP_RECONNECTING: {
        const [attempt, delayMs] = [core.arg(0), core.arg(1)];
        this.#log(`reconnecting attempt=${attempt} delay=${delayMs}ms`);
        face.reconnecting(attempt, delayMs);
        break;
      }
      case OP_FAILED: {
        const [code, message] = FAILURES[core.arg(0)];
        const text = message + core.text();
        this.#log(`failed: ${text}`);
        face.error(code, text);
        break;
      }
      case OP_WENT_OFFLINE:
      case OP_WENT_ONLINE: {
        const offline = op === OP_WENT_OFFLINE;
        this.#log(offline ? "offline" : "online");
        face.network(offline ? "offline" : "online");
        break;
      }
      case OP_REMOVED:
        face.removed(core.removed(), REMOVALS[core.arg(0)]);
        break;
      case OP_REQUEST_FAILED:
        face.requestFailed(core.arg(0), core.arg(1), core.arg(2));
        break;
      case OP_STATE_CHANGED: {
        const state = STATES[core.arg(0)];
        this.#log(`state ${state}`);
        face.stateChanged(state);
        break;
      }
      case OP_DEADLINE:
        this.#arm(core.arg(0));
        break;
      case OP_RETRIES_EXHAUSTED: {
        const retries = core.arg(0);
        this.#log(`gave up after retries=${retries}`);
        live.delete(this);
        face.error("RETRIES_EXHAUSTED", `gave up after ${retries} ${retries === 1 ? "retry" : "retries"} (maxRetries)`);
        break;
      }
    }
  }

  /** Asks the URL and subprotocol sources (fixed or functions, maybe async) for attempt `conn`. */
  #resolve(conn) {
    const failed = (error) => {
      this.core.failed(FAILED_URL_PROVIDER, conn, errorText(error), performance.now());
      this.pump();
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
      this.core.failed(FAILED_URL_PROVIDER, conn, error, performance.now());
    } else {
      this.#target = { conn, url: text, protocols: list.list };
      this.core.signal(SIGNAL_URL_RESOLVED, conn, performance.now());
    }
    this.pump();
  }

  /** Creates the socket of attempt `conn`, offering the session subprotocol after the user's when `session`. */
  #connect(conn, session) {
    const target = this.#target?.conn === conn ? this.#target : { url: "", protocols: [] };
    this.#target = null;
    // The core decides whether this attempt offers the session: see `Probe` in core/src/session.
    if (session && !target.protocols.includes(SESSION_SUBPROTOCOL)) target.protocols = [...target.protocols, SESSION_SUBPROTOCOL];
    this.#log(`connecting to ${redact(target.url)}`);
    const checked = checkUrl(target.url);
    let error = checked.error ?? checkProtocols(target.protocols);
    if (!error) {
      try {
        const ws = new (this.#settings.WebSocket ?? WebSocket)(checked.url, target.protocols);
        ws.binaryType = this.#settings.session ? "arraybuffer" : this.binaryType;
        ws.onopen = () => this.#call((core, now) => core.opened(conn, ws.protocol, now));
        ws.onmessage = (event) => this.#message(conn, event.data);
        ws.onerror = () => this.signal(SIGNAL_SOCKET_ERROR, conn);
        ws.onclose = (event) => this.#closed(conn, event);
        [this.#ws, this.#conn, this.url] = [ws, conn, ws.url];
        return;
      } catch (thrown) {
        error = errorText(thrown);
      }
    }
    this.core.failed(FAILED_SOCKET, conn, error, performance.now());
    this.pump();
  }

  /** Forgets the current browser socket: none of its events reach the core any more. */
  #detach() {
    const ws = this.#ws;
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
    [this.#ws, this.#conn] = [null, 0];
    return ws;
  }

  #message(conn, data) {
    const { heartbeat, session } = this.#settings;
    let kind = INCOMING_MESSAGE;
    if (session && typeof data === "string" && data.charCodeAt(0) === BATCH_TAG) {
      const texts = batchOf(data);
      if (!texts) return this.#take(conn, INCOMING_INVALID, data);
      // Each message of a batch counts as one arrived alone; one that closes the socket leaves
      // the rest to the engine, which drops what comes on a socket it gave up.
      for (const text of texts) this.#take(conn, INCOMING_TAGGED, text);
      return;
    }
    if (session) [kind, data] = untagged(data, this.binaryType);
    else if (heartbeat?.isPong(data)) kind = INCOMING_PONG;
    this.#take(conn, kind, data);
  }

  /** Tells the core of what arrived on socket `conn` (`kind` an INCOMING_*), and the face of a message to deliver. */
  #take(conn, kind, data) {
    const { maxMessageBytes } = this.#settings;
    if (kind === INCOMING_CONTROL) this.#log(`control received ${redactKey(data)}`);
    const size = messageSize(data);
    let received = this.core.receive(conn, size, kind, data, performance.now());
    // Most messages change nothing in the core: it says when there is something to carry out.
    // An acknowledgement lets messages go: the pump's idle poll sweeps them.
    if (received >= RECEIVED_BUSY) {
      received -= RECEIVED_BUSY;
      this.pump();
    } else if (kind === INCOMING_CONTROL) this.pump();
    if (received === RECEIVED_TOO_BIG) {
      this.#face.error(
        "MESSAGE_TOO_BIG",
        `an incoming message of size ${size} exceeded maxMessageBytes (${maxMessageBytes}) and was dropped; ` +
          "the connection stays open",
      );
    } else if (received === RECEIVED_MESSAGE || received === RECEIVED_MAYBE_ANSWER) {
      this.#face.received(data, received === RECEIVED_MAYBE_ANSWER);
    }
  }

  #closed(conn, event) {
    // What the browser never transmitted: the core sends those messages again.
    const unsent = conn === this.#conn ? this.#detach().bufferedAmount : 0;
    let reconnectAllowed = true;
    const decide = this.#settings.shouldReconnect;
    if (decide && this.core.asks(conn, event.code)) {
      try {
        reconnectAllowed = Boolean(decide(event));
      } catch (error) {
        // A throwing predicate must not stop recovery: report it and keep reconnecting.
        console.error("resocket: shouldReconnectOnClose threw", error);
      }
    }
    this.core.closed(conn, event.code, event.reason, event.wasClean, unsent, reconnectAllowed, performance.now());
    this.pump();
  }

  #log(line) {
    if (this.#settings.debug) console.log("resocket:", line);
  }
}
