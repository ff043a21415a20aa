// resocket: a WebSocket that stays connected.
//
// Every decision (backoff, heartbeat, queue, close codes, what to send again after a drop, what
// an incoming message is, requests) is made by the core in WebAssembly, the same core the Rust
// API runs on. driver.js carries the decisions out with the browser's WebSocket and one timer;
// this file is the face: the shape of `WebSocket` / `reconnecting-websocket`, its events and
// errors, the message format and requests.
import { FIGURE_RETRY_COUNT, FIGURE_QUEUED_COUNT, FIGURE_RTT_MS, FIGURE_STATE, READY_STATES, SIGNAL_SUSPEND, STATES } from "./contract.js";
import { engineFor } from "./core.js";
import { Driver } from "./driver.js";
import { Interest } from "./interest.js";
import { closeArguments, readArguments, sendOptions } from "./options.js";
import { frameOf, valueOf } from "./format.js";
import { Requests } from "./request.js";
import { closeEvent, defineHandlers, errorEvent, handlerTable, withFields } from "./events.js";
import { SharedSocket } from "./shared.js";

/** The method a shared connection's host hands the connection over with (see below). */
export const HAND_OVER = Symbol("resocket.handOver");

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


export class ReSocket extends EventTarget {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;

  #driver;
  #settings;
  #handlers;
  #constructed = false;
  #requests = null;
  /** Who listens for messages, reported to the driver (`lazy`, `idleCloseMs`). */
  #interest;

  // `onopen`, `onmessage`, ...: one handler per event type, called before the listeners.
  static {
    defineHandlers(ReSocket, (socket) => socket.#handlers, (socket, type, handler) => {
      if (type === "message") socket.#interest.handler(handler !== null && handler !== undefined);
    });
  }

  /**
   * What the driver tells `socket`, as its events. Made here, not in the constructor, so the
   * callbacks hold the socket alone (V8 gives every closure made in one function one context).
   */
  static #face(socket) {
    return {
      opened: () => socket.#dispatch(new Event("open")),
      closed: ({ code, reason, wasClean, ...fields }) => socket.#dispatch(closeEvent({ code, reason, wasClean }, fields)),
      reconnecting: (attempt, delayMs) => socket.#dispatch(withFields(new Event("reconnecting"), { attempt, delayMs })),
      error: (code, message, data) => socket.#error(code, message, data),
      network: (type) => socket.#dispatch(new Event(type)),
      stateChanged: (state) => socket.#dispatch(withFields(new Event("statechange"), { state })),
      received: (data, mayAnswer) => socket.#received(data, mayAnswer),
      requestFailed: (id, kind, capacity) => socket.#requests?.failed(id, kind, capacity),
      setup: (conn, attempt, resumed) => socket.#runSetup(conn, attempt, resumed),
      // The messages as the user sent them: in a format, values again.
      resumed: (recovered, unacknowledged) =>
        socket.#dispatch(withFields(new Event("resumed"), {
          recovered,
          unacknowledged: unacknowledged.map((frame) => valueOf(socket.#settings.format, frame)),
        })),
      removed: (frame, reason) =>
        socket.#dispatch(withFields(new Event("removed"), {
          data: valueOf(socket.#settings.format, frame),
          reason,
        })),
    };
  }

  constructor(url, protocols, options) {
    super();
    this.#settings = readArguments(url, protocols, options);
    // One connection for every tab of the origin with the same URL and options.
    if (this.#settings.shared) return new SharedSocket(url, protocols, options, this.#settings);
    // The on* handlers' own listeners: a handler, not these, is a listener for `lazy`.
    this.#handlers = handlerTable(this);
    const driver = (this.#driver = new Driver(this.#settings, ReSocket.#face(this)));
    this.#interest = new Interest((listening) => driver.interest(listening));
    this.#constructed = true;
  }

  addEventListener(type, listener, options) {
    super.addEventListener(type, listener, options);
    if (type === "message") this.#interest.added(listener, options);
  }

  removeEventListener(type, listener, options) {
    super.removeEventListener(type, listener, options);
    if (type === "message") this.#interest.removed(listener, options);
  }

  get CONNECTING() { return 0; }
  get OPEN() { return 1; }
  get CLOSING() { return 2; }
  get CLOSED() { return 3; }

  get readyState() { return READY_STATES[this.#driver.read(FIGURE_STATE)]; }
  /** What the socket is doing, in more detail than `readyState`. */
  get state() { return STATES[this.#driver.read(FIGURE_STATE)]; }
  get url() { return this.#driver.url; }
  get protocol() { return this.#driver.ws?.protocol ?? ""; }
  get extensions() { return this.#driver.ws?.extensions ?? ""; }
  get bufferedAmount() { return this.#driver.bufferedAmount; }
  get retryCount() { return this.#driver.read(FIGURE_RETRY_COUNT); }
  get queuedCount() { return this.#driver.read(FIGURE_QUEUED_COUNT); }
  get rttMs() {
    const rtt = this.#driver.read(FIGURE_RTT_MS);
    return Number.isNaN(rtt) ? undefined : rtt;
  }
  get binaryType() { return this.#driver.binaryType; }
  set binaryType(value) {
    if (value !== "blob" && value !== "arraybuffer") {
      throw new TypeError('resocket: binaryType must be "blob" or "arraybuffer"');
    }
    this.#driver.setBinaryType(value);
  }

  send(data, options) {
    if (options === undefined) return this.#accepted(this.#driver.send(this.#frame(data))) === 1;
    const checked = sendOptions(options);
    const frame = this.#frame(data);
    // Aborted already: there is nothing to send, and nothing was queued to report.
    if (checked.signal?.aborted) return false;
    return this.#accepted(this.#driver.sendWith(frame, checked)) === 1;
  }

  #frame(data) {
    return frameOf(this.#settings.format, data);
  }

  /**
   * A shared connection's host goes away: the connection is given up as a page going into the
   * back/forward cache gives it up (the session kept for resuming), so nothing it reads or
   * acknowledges comes after what is saved, and the session as a page saves it
   * ({ header, messages }) is returned for the next host; null if there is none.
   */
  [HAND_OVER]() {
    this.#driver.signal(SIGNAL_SUSPEND, 0);
    return this.#driver.core?.save() ?? null;
  }

  /** What the engine made of a frame handed to it; throws if it refused it. */
  #accepted(outcome) {
    if (outcome === -1) throw new QueueFullError(this.#settings.queueCapacity);
    if (outcome === -2) {
      throw new ReSocketError("CLOSED", "resocket: the socket is closed; call reconnect() before sending");
    }
    if (outcome === -3) {
      throw new ReSocketError(
        "WINDOW_FULL",
        `resocket: the session's window is full (${this.#settings.policy["session.window"]} bytes of messages ` +
          "the server has not acknowledged yet); send again once acknowledgements free room",
      );
    }
    return outcome;
  }

  /**
   * Sends `value` with a fresh id in `requestIdField` and resolves with the answer's `result`.
   * The answer is matched by that id and not delivered as a message.
   */
  request(value, options) {
    return this.#requestsOf().request(value, options);
  }

  /** The requests of this socket, made on first use. */
  #requestsOf() {
    const driver = this.#driver;
    return (this.#requests ??= new Requests(this.#settings, {
      whenReady: (value, run, reject) => {
        if (driver.core) return run();
        // Before the engine has loaded, the request counts in the queue as a send does.
        try {
          this.#accepted(driver.hold(this.#frame({ ...value, [this.#settings.requestIdField]: 0 })));
        } catch (error) {
          return reject(error);
        }
        driver.whenReady(run, (text) => reject(new ReSocketError("ENGINE", `resocket: ${text}`)));
      },
      next: () => driver.core.nextRequest(),
      send: (message, timeoutMs, ttlMs) => this.#accepted(driver.request(this.#frame(message), timeoutMs, ttlMs)),
      answered: (id) => driver.core.answered(id),
      abort: (id) => {
        driver.core.abort(id, performance.now());
        driver.pump();
      },
    }, ReSocketError, QueueFullError));
  }

  /**
   * Runs the `setup` option on socket `conn`: what it sends goes ahead of the queue, which is
   * flushed (and "open" fires) once it settles; if it throws, the connection is given up and
   * retried. Its `socket` is bound to that connection: once the connection is gone it refuses.
   */
  #runSetup(conn, attempt, resumed) {
    const driver = this.#driver;
    const accepted = (outcome) => {
      if (outcome === -2 && this.state !== "closed" && this.state !== "closing") {
        throw new ReSocketError(
          "CLOSED",
          "resocket: the connection this setup step ran on is gone; the next connection runs the setup step again",
        );
      }
      return this.#accepted(outcome);
    };
    const handle = {
      socket: this,
      send: (data) => accepted(driver.setupSend(conn, this.#frame(data))) === 1,
      request: (value, options) =>
        this.#requestsOf().request(value, options, (message, timeoutMs) =>
          accepted(driver.setupRequest(conn, this.#frame(message), timeoutMs))),
    };
    new Promise((resolve) => resolve(this.#settings.setup(handle, { attempt, resumed }))).then(
      () => driver.setupDone(conn),
      (error) => driver.setupFailed(conn, error),
    );
  }

  close(code, reason) {
    this.#driver.close(...closeArguments(code, reason));
  }

  reconnect(code, reason) {
    this.#driver.reconnect(...closeArguments(code, reason));
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

  /**
   * An incoming message for the user: decoded in the socket's format, unless it answers a
   * request (matched on the decoded value, so a binary format's answers are found too).
   */
  #received(data, mayAnswer) {
    const { format } = this.#settings;
    if (format?.decodes(data)) {
      try {
        data = format.decode(data);
      } catch (error) {
        this.#error("DECODE", format.failure(error), data);
        return;
      }
    }
    if (mayAnswer && this.#requests?.answered(data)) return;
    this.dispatchEvent(new MessageEvent("message", { data }));
    this.#interest.dispatched();
  }

  #error(code, message, data) {
    message = `resocket: ${message}`;
    this.#dispatch(errorEvent(new ReSocketError(code, message), data));
  }

  #dispatch(event) {
    // Reported while the constructor runs (a synchronous URL provider failed): nobody can be
    // listening yet, so deliver it once the caller has had a chance to subscribe.
    if (this.#constructed) this.dispatchEvent(event);
    else queueMicrotask(() => this.dispatchEvent(event));
  }
}

// A shared socket is a ReSocket to `instanceof`, with every member of its own.
Object.setPrototypeOf(SharedSocket.prototype, ReSocket.prototype);

/**
 * Loads the engine (the package's WebAssembly), which the first socket otherwise loads: for an
 * app that would rather fetch it early. A socket made before it settles is connecting, and
 * its calls wait for it in order. `{ session: true }`: the session engine, which sockets with
 * the `session` option use.
 */
export function ready(options) {
  return engineFor(options?.session).load().then(() => undefined);
}

export default ReSocket;
