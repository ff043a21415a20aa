// `shared: true`: every tab of an origin that opens the same URL with the same options shares
// one connection. Each tab's socket (a SharedSocket, which `new ReSocket` returns) has the
// ReSocket API; what it is asked goes to the hub that holds the one real ReSocket
// (shared-hub.js), and what that connection reports comes back to every tab, with its figures.
//
// The hub lives in a SharedWorker (shared-worker.js) where the browser has one and the options
// can cross to it (no functions among them). Otherwise the tabs elect a leader with the Web
// Locks API and talk over a BroadcastChannel: the leader tab holds the connection, and when it
// goes away it hands its session (with `session`) and the numbers of the sends it took to the
// next leader, through localStorage, so nothing is lost or doubled in the hand-over.
import { closeEvent, defineHandlers, errorEvent, handlerTable, withFields } from "./events.js";
import { connectionText, sendOptions } from "./options.js";
import { frameOf } from "./format.js";
import { QueueFullError, ReSocketError } from "./resocket.js";

/** A short, stable name for `text` (FNV-1a, 32 bits, in hex). */
function hash(text) {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/** An error a hub reported, as this tab throws, rejects or reports it. */
function rebuild({ name, code, message, capacity }) {
  if (name === "QueueFullError") return new QueueFullError(capacity);
  if (code) return new ReSocketError(code, message);
  return name === "TypeError" ? new TypeError(message) : new Error(message);
}

const closedError = (text) => new ReSocketError("CLOSED", `resocket: ${text}`);

export class SharedSocket extends EventTarget {
  #tab = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  #settings;
  /** The line to the hub, once its module has loaded; until then what is posted waits in `#outbox`. */
  #link = null;
  #outbox = [];
  #handlers = handlerTable(this);
  #figures = { readyState: 0, state: "connecting", url: "", protocol: "", extensions: "", bufferedAmount: 0, retryCount: 0, queuedCount: 0, rttMs: undefined, binaryType: "blob" };
  #closed = false;
  /** The last connection event this tab heard was `open` (not `close`). */
  #isOpen = false;
  #numbers = 0;
  /** The hub this tab sends to, once it has heard of one. */
  #hub = null;
  /** Sends no hub has answered yet, by number: sent (again) to the hub this tab hears of next. */
  #unanswered = new Map();
  /** Requests waiting for their answers, by number: { value, timeoutMs, hub, resolve, reject }. */
  #requests = new Map();

  static {
    defineHandlers(SharedSocket, (socket) => socket.#handlers);
  }

  /** `settings` as options.js read them; `options` as given (what crosses to a worker). */
  constructor(url, protocols, options, settings) {
    super();
    this.#settings = settings;
    // As the hub's socket starts (driver.js): a binary codec's decode gets ArrayBuffers.
    if (settings.format?.binary) this.#figures.binaryType = "arraybuffer";
    const key = hash(connectionText(url, protocols, options));
    // The lines to a hub are loaded on first use: a page without shared sockets never fetches them.
    import("./shared-links.js").then(({ link }) => {
      if (this.#closed) return;
      this.#link = link(key, url, protocols, options, settings, (message) => this.#take(message));
      for (const message of this.#outbox.splice(0)) this.#link.post(message);
    }, (error) => this.#dispatchError(new ReSocketError("ENGINE", `resocket: the shared connection's module could not be loaded: ${error?.message ?? error}`), {}));
    this.#post({ op: "attach" });
  }

  get readyState() { return this.#closed ? 3 : this.#figures.readyState; }
  get state() { return this.#closed ? "closed" : this.#figures.state; }
  get url() { return this.#figures.url; }
  get protocol() { return this.#figures.protocol; }
  get extensions() { return this.#figures.extensions; }
  get bufferedAmount() { return this.#figures.bufferedAmount; }
  get retryCount() { return this.#figures.retryCount; }
  get queuedCount() { return this.#figures.queuedCount; }
  get rttMs() { return this.#figures.rttMs; }
  get binaryType() { return this.#figures.binaryType; }
  set binaryType(value) {
    if (value !== "blob" && value !== "arraybuffer") {
      throw new TypeError('resocket: binaryType must be "blob" or "arraybuffer"');
    }
    this.#figures.binaryType = value;
    this.#post({ op: "binaryType", value });
  }

  // Listeners are the DOM's: the hub's socket is what listens for the connection.
  addEventListener(type, listener, options) { EventTarget.prototype.addEventListener.call(this, type, listener, options); }
  removeEventListener(type, listener, options) { EventTarget.prototype.removeEventListener.call(this, type, listener, options); }

  /**
   * Hands `data` to the shared connection, with `options` as `ReSocket.send` takes them: true if
   * the connection was open when last heard of (the message then goes out at once), false if it
   * is to be queued (or, volatile, skipped). A refusal the connection makes (a full queue, say)
   * comes back as an `error` event with its code; an abort takes the message back if the
   * connection still queues it.
   */
  send(data, options) {
    if (this.#closed) throw closedError("the socket is closed; call reconnect() before sending");
    const { volatile, ttlMs, signal } = sendOptions(options);
    frameOf(this.#settings.format, data);
    if (signal?.aborted) return false;
    const number = ++this.#numbers;
    const send = { op: "send", number, data, volatile, ttlMs, abortable: Boolean(signal) };
    this.#unanswered.set(number, send);
    signal?.addEventListener("abort", () => this.#post({ op: "abort", number }), { once: true });
    if (this.#hub) this.#post({ ...send, hub: this.#hub });
    return this.#figures.state === "open";
  }

  request(value, options) {
    const { timeoutMs, signal } = options ?? {};
    if (this.#closed) return Promise.reject(closedError("the socket is closed; call reconnect() before sending"));
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      return Promise.reject(new TypeError("resocket: request(value, options): signal must be an AbortSignal"));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const number = ++this.#numbers;
    return new Promise((resolve, reject) => {
      const abort = () => {
        this.#requests.delete(number);
        this.#post({ op: "abort", number });
        reject(signal.reason);
      };
      signal?.addEventListener("abort", abort, { once: true });
      const settle = (settled) => (outcome) => {
        signal?.removeEventListener("abort", abort);
        settled(outcome);
      };
      const request = { value, timeoutMs, hub: this.#hub, resolve: settle(resolve), reject: settle(reject) };
      this.#requests.set(number, request);
      if (request.hub) this.#post({ op: "request", number, value, timeoutMs, hub: request.hub });
    });
  }

  /**
   * Lets go of the shared connection in this tab, which hears a `close`: the connection goes on
   * for the other tabs, and closes (1000) once the last one has let go.
   */
  close(code = 1000, reason = "") {
    if (this.#closed) return;
    this.#closed = true;
    this.#post({ op: "detach" });
    this.#link?.close();
    this.#outbox = [];
    for (const { reject } of this.#requests.values()) reject(closedError("the socket was closed before the request was answered"));
    this.#requests.clear();
    this.#unanswered.clear();
    this.#dispatch("close", { code, reason, wasClean: true, willReconnect: false, requeued: 0, unconfirmed: 0 });
  }

  /** Connects the shared connection again at once, for every tab; after `close()`, attaches this tab again. */
  reconnect(code, reason) {
    if (!this.#closed) return this.#post({ op: "reconnect", code, reason });
    this.#closed = false;
    this.#link?.reopen();
    this.#post({ op: "attach" });
  }

  #post(message) {
    const addressed = { ...message, tab: this.#tab };
    if (this.#link) this.#link.post(addressed);
    else this.#outbox.push(addressed);
  }

  /** What a hub says: to every tab (`event`, `leader`) or to this one (its answers). */
  #take(message) {
    if (this.#closed) return;
    if (message.figures) Object.assign(this.#figures, message.figures);
    if (message.op === "event") {
      const { error, ...fields } = message.fields;
      return message.type === "error" ? this.#dispatchError(rebuild(error), fields) : this.#dispatch(message.type, fields);
    }
    if (message.op === "leader") return this.#heardOf(message.hub, true);
    if (message.tab !== this.#tab) return;
    if (message.op === "attached") {
      this.#heardOf(message.hub, false);
      // A tab that joins an open connection hears its open, as a new socket would.
      if (message.figures.state !== "connecting") this.#dispatch("statechange", { state: message.figures.state });
      if (message.figures.state === "open" && !this.#isOpen) this.#dispatch("open", {});
    } else if (message.op === "sent") {
      this.#unanswered.delete(message.number);
      if (message.error) this.#dispatchError(rebuild(message.error), {});
    } else if (message.op === "answered") {
      const request = this.#requests.get(message.number);
      this.#requests.delete(message.number);
      if (message.error) request?.reject(rebuild(message.error));
      else request?.resolve(message.result);
    }
  }

  /**
   * This tab heard of `hub` (from its `leader` announcement, or its answer to `attach`). A new
   * hub gets, in order, every send no hub answered (it skips those its predecessor took), and
   * the requests not sent yet; requests that waited on the last hub's connection fail, and a
   * tab that was open hears that connection close.
   */
  #heardOf(hub, announced) {
    if (hub === this.#hub) return;
    const previous = this.#hub;
    this.#hub = hub;
    if (announced) this.#post({ op: "attach" });
    if (previous && this.#isOpen) {
      this.#dispatch("close", {
        code: 1001, reason: "the tab that held the shared connection went away", wasClean: false, willReconnect: true, requeued: 0, unconfirmed: 0,
      });
    }
    for (const send of this.#unanswered.values()) this.#post({ ...send, hub });
    for (const [number, request] of this.#requests) {
      if (request.hub) {
        this.#requests.delete(number);
        request.reject(new ReSocketError("CONNECTION_LOST", "resocket: the tab that held the shared connection went away before the request was answered"));
      } else {
        request.hub = hub;
        this.#post({ op: "request", number, value: request.value, timeoutMs: request.timeoutMs, hub });
      }
    }
  }

  #dispatch(type, fields) {
    if (type === "open" || type === "close") this.#isOpen = type === "open";
    let event;
    if (type === "message") event = new MessageEvent("message", { data: fields.data });
    else if (type === "close") {
      const { code, reason, wasClean, ...more } = fields;
      event = closeEvent({ code, reason, wasClean }, more);
    } else event = withFields(new Event(type), fields);
    this.dispatchEvent(event);
  }

  #dispatchError(error, { data }) {
    this.dispatchEvent(errorEvent(error, data));
  }
}
