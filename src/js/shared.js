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
import { QueueFullError, ReSocket, ReSocketError, frameOf, withFields } from "./resocket.js";
import { Hub, TO_HUB } from "./shared-hub.js";
import { putSaved, storage, takeSaved } from "./saved.js";
import { sharedWorker } from "./engine.js";

const EVENT_TYPES = ["open", "message", "close", "reconnecting", "error", "offline", "online", "statechange", "resumed"];

/** A short, stable name for `text` (FNV-1a, 32 bits, in hex). */
function hash(text) {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/** Whether `value` holds a function anywhere: such options cannot cross to a worker. */
function holdsFunction(value) {
  if (typeof value === "function") return true;
  return typeof value === "object" && value !== null && Object.values(value).some(holdsFunction);
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
  #link;
  #handlers = Object.fromEntries(EVENT_TYPES.map((type) => [type, null]));
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
    for (const type of EVENT_TYPES) {
      Object.defineProperty(SharedSocket.prototype, `on${type}`, {
        get() { return this.#handlers[type]; },
        set(handler) { this.#handlers[type] = handler; },
        configurable: true,
      });
    }
  }

  /** `settings` as options.js read them; `options` as given (what crosses to a worker). */
  constructor(url, protocols, options, settings) {
    super();
    this.#settings = settings;
    for (const type of EVENT_TYPES) {
      this.addEventListener(type, (event) => this.#handlers[type]?.call(this, event));
    }
    const asText = (_, value) => (typeof value === "function" ? `${value}` : value);
    const key = hash(JSON.stringify([String(url), protocols, options], asText));
    const take = (message) => this.#take(message);
    // The worker's options are these but `shared` (which may hold the application's worker).
    const crossing = { ...options, shared: false };
    const worker = settings.shared.worker ?? sharedWorker;
    this.#link = worker && typeof SharedWorker === "function" && !holdsFunction([url, protocols, crossing])
      ? workerLink(key, worker, { url: String(url), protocols, options: crossing }, take)
      : leaderLink(key, (saved) => hostSocket(url, protocols, crossing, settings, key, saved), take);
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

  /**
   * Hands `data` to the shared connection: true if it was open when last heard of (the message
   * then goes out at once), false if it is to be queued. A refusal the connection makes (a full
   * queue, say) comes back as an `error` event with its code.
   */
  send(data) {
    if (this.#closed) throw closedError("the socket is closed; call reconnect() before sending");
    frameOf(this.#settings, data);
    const number = ++this.#numbers;
    this.#unanswered.set(number, data);
    if (this.#hub) this.#post({ op: "send", number, data, hub: this.#hub });
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
    this.#link.close();
    for (const { reject } of this.#requests.values()) reject(closedError("the socket was closed before the request was answered"));
    this.#requests.clear();
    this.#unanswered.clear();
    this.#dispatch("close", { code, reason, wasClean: true, willReconnect: false, requeued: 0, unconfirmed: 0 });
  }

  /** Connects the shared connection again at once, for every tab; after `close()`, attaches this tab again. */
  reconnect(code, reason) {
    if (!this.#closed) return this.#post({ op: "reconnect", code, reason });
    this.#closed = false;
    this.#link.reopen();
    this.#post({ op: "attach" });
  }

  #post(message) {
    this.#link.post({ ...message, tab: this.#tab });
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
    for (const [number, data] of this.#unanswered) this.#post({ op: "send", number, data, hub });
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
      event = withFields(new CloseEvent("close", { code, reason, wasClean }), more);
    } else event = withFields(new Event(type), fields);
    this.dispatchEvent(event);
  }

  #dispatchError(error, { data }) {
    const event = new ErrorEvent("error", { message: error.message, error });
    this.dispatchEvent(data === undefined ? event : withFields(event, { data }));
  }
}

/**
 * The ReSocket a leader tab holds for a shared connection: made from this tab's arguments, in
 * session mode resuming the session `saved` the last leader handed over.
 */
function hostSocket(url, protocols, options, settings, key, saved) {
  let hostOptions = options;
  if (settings.session) {
    const persist = settings.persist ?? `shared.${key}`;
    hostOptions = { ...hostOptions, session: { window: settings.policy["session.window"], persist } };
    if (saved) putSaved(persist, saved);
  }
  return new ReSocket(url, protocols, hostOptions);
}

/**
 * A tab's line to the SharedWorker (`worker()` makes it) that hosts connection `key`, which
 * `init` makes on first attach.
 */
function workerLink(key, worker, init, take) {
  let port;
  const open = () => {
    port = worker().port;
    port.addEventListener("message", ({ data }) => take(data));
    port.start();
  };
  open();
  // A tab that goes away lets go of the connection; the last one to go closes it.
  const leave = () => port.postMessage({ key, op: "detach" });
  globalThis.addEventListener?.("pagehide", leave);
  return {
    post: (message) => port.postMessage({ key, ...message, ...(message.op === "attach" ? init : {}) }),
    close() {
      globalThis.removeEventListener?.("pagehide", leave);
      port.close();
    },
    reopen() {
      open();
      globalThis.addEventListener?.("pagehide", leave);
    },
  };
}

/**
 * A tab's line to the leader tab of connection `key` over a BroadcastChannel. The tab whose Web
 * Lock request is granted leads: it holds the connection `host(saved)` makes until it goes
 * away, and then writes what the next leader needs to go on to localStorage. Without the Web
 * Locks API or BroadcastChannel the tab holds its own connection.
 */
function leaderLink(key, host, take) {
  const name = `resocket-shared-${key}`;
  const entry = `shared.${key}`;
  const takenEntry = `resocket.shared.${key}.taken`;
  let channel = null;
  let hub = null;
  let leaving = false;
  let stop = null;
  let closed = false;
  const closeChannel = () => {
    channel?.close();
    channel = null;
  };
  const local = (message) => queueMicrotask(() => take(message));
  const broadcast = (message) => {
    channel?.postMessage(message);
    local(message);
  };
  const lead = () => new Promise((release) => {
    const store = storage("localStorage");
    const saved = takeSaved(entry, store);
    let taken = {};
    try {
      taken = JSON.parse(store?.getItem(takenEntry) ?? "{}");
      store?.removeItem(takenEntry);
    } catch {}
    hub = new Hub(host(saved), broadcast, () => {
      hub.close();
      hub = null;
      release();
      if (closed) closeChannel();
    }, taken);
    broadcast({ op: "leader", hub: hub.id });
  });
  // The leader goes away: it takes nothing more, and leaves what the next one needs.
  const handOver = () => {
    if (!hub) return;
    leaving = true;
    const store = storage("localStorage");
    putSaved(entry, hub.save(), store);
    try {
      store?.setItem(takenEntry, JSON.stringify(hub.taken()));
    } catch {}
  };
  const open = () => {
    leaving = false;
    closed = false;
    channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(name) : null;
    channel?.addEventListener("message", ({ data }) => {
      if (!TO_HUB.has(data.op)) take(data);
      else if (hub && !leaving) hub.take(data, (answer) => channel.postMessage(answer));
    });
    stop = new AbortController();
    if (channel && globalThis.navigator?.locks) {
      navigator.locks.request(name, { signal: stop.signal }, lead).catch(() => {});
    } else {
      lead();
    }
    globalThis.addEventListener?.("pagehide", handOver);
  };
  open();
  return {
    post(message) {
      if (!hub) channel?.postMessage(message);
      else if (!leaving) hub.take(message, local);
    },
    // This tab's socket let go; a leader goes on serving the other tabs until the last leaves.
    close() {
      closed = true;
      globalThis.removeEventListener?.("pagehide", handOver);
      if (hub) return;
      stop.abort();
      closeChannel();
    },
    reopen: open,
  };
}
