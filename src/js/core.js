// The engine (npm-core/, WebAssembly) behind one object per socket. The engine deals in
// numbers only; this file keeps what it cannot hold: the messages, under ids the engine
// passes back when they are to be sent, and the text that crosses its staging buffer.
// The package has two engines, the same functions over two builds of the core: the default
// engine, and the session engine (with session mode, larger), which a page loads only when a
// socket asks for a session. A page may have both: each socket's core lives in one of them.
import { INCOMING_CONTROL, POLICY_FIELDS, SENT_SKIPPED, SIGNAL_OPENED } from "./contract.js";
// "#engine" is the loader of the engines' wasm for the runtime: the package's `imports` field
// picks engine-node.js on Node.js and Bun, and engine.js (the bundlers' and Deno's) elsewhere;
// the web build names its own engine.js (scripts/package.sh).
import { ENGINES } from "#engine";
import { policyError, wireSize } from "./options.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One of the engines, loaded on first use (again after a failure). */
class Engine {
  /** The engine's exports, once `load()` has settled; undefined until then. */
  exports;
  /** The wasm's file name, for errors. */
  file;
  #load;
  #loading;
  /** Frees a socket's state in this engine once the socket is garbage. */
  reclaim = new FinalizationRegistry((handle) => this.exports.free(handle));

  constructor([file, load]) {
    this.file = file;
    this.#load = load;
  }

  /** Loads the engine once (again after a failure); settles when `exports` is set. */
  load() {
    this.#loading ??= this.#load().then(
      (exports) => { this.exports = exports; },
      (error) => { this.#loading = undefined; throw error; },
    );
    return this.#loading;
  }
}

const engines = ENGINES.map((engine) => new Engine(engine));

/** The engine for a socket with session mode or without. */
export const engineFor = (session) => engines[session ? 1 : 0];

/** Puts `bytes` in `engine`'s staging buffer (which `stage` may move: memory can grow). */
function stage(engine, bytes) {
  const at = engine.stage(bytes.length);
  new Uint8Array(engine.memory.buffer, at, bytes.length).set(bytes);
}

const stageText = (engine, text) => stage(engine, encoder.encode(text));

/** 1 for a text message (in session mode texts may share a batch frame), 0 for binary. */
const isText = (message) => (typeof message === "string" ? 1 : 0);

export class Core {
  /** The exports of the engine that holds this core. */
  #engine;
  #handle;
  /** The messages the engine may still ask to transmit, by id (counting sends, modulo 2^32). */
  #messages = new Map();
  #lastId = 0;
  /** The oldest id not let go yet. */
  #kept = 1;
  /** The engine returned something to do since the last sweep. */
  #worked = false;
  /** By message id: what detaches the abort listener of a message sent with a signal. */
  #unwatch = new Map();

  constructor(engine, handle) {
    this.#engine = engine.exports;
    this.#handle = handle;
    engine.reclaim.register(this, handle);
  }

  /**
   * A core in the loaded `engine` for `policy` (numbers by `POLICY_FIELDS` name), the final
   * close codes, the overflow, resend and lazy switches, the ping's size and the jitter's seed.
   * Throws a TypeError naming the first option the engine refuses and what it expects.
   */
  static create(engine, policy, finalCodes, dropOldest, resendRequests, lazy, pingSize, seed) {
    const numbers = [...POLICY_FIELDS.map((name) => policy[name]), ...finalCodes];
    const view = new DataView(new ArrayBuffer(8 * numbers.length));
    numbers.forEach((number, index) => view.setFloat64(8 * index, number, true));
    stage(engine.exports, new Uint8Array(view.buffer));
    const handle = engine.exports.create(dropOldest, resendRequests, lazy, pingSize, seed);
    if (handle > 0) return new Core(engine, handle);
    // The constructor checked the options by the engine's rules: a refusal here is a bug.
    throw policyError(-handle - 1, policy, finalCodes);
  }

  /** 1 sent, 0 queued, -1 refused (queue full), -2 refused (closed), -3 refused (session window full). */
  send(message, size) {
    return this.#accept(message, (id) => this.#engine.send(this.#handle, id, size, isText(message)));
  }

  /** From the setup step on socket `conn`: sends ahead of the queue; as `send` answers (-2: the step's connection is gone). */
  setupSend(conn, message, size) {
    return this.#accept(message, (id) => this.#engine.setup_send(this.#handle, conn, id, size, isText(message)));
  }

  /** A request from the setup step on socket `conn`, as `setupSend` sends: its id, or -1 / -2 / -3. */
  setupRequest(conn, message, size, timeoutMs, now) {
    return this.#accept(message, (id) => this.#engine.setup_request(this.#handle, conn, id, size, timeoutMs, now));
  }

  /**
   * Sends `message` `volatile` (0 or 1), expiring `ttlMs` (NaN: never) after `now` if still
   * queued: `{ code, message, id }` with a `SENT_*` code, the number `cancel` takes and the id
   * `watch` takes; or -1 / -2 / -3 as `send`.
   */
  sendWith(message, size, volatile, ttlMs, now) {
    const id = (this.#lastId = (this.#lastId + 1) >>> 0);
    const outcome = this.#engine.send_with(this.#handle, id, size, isText(message), volatile, ttlMs, now);
    if (outcome < 0) return outcome;
    const code = outcome % 4;
    if (code !== SENT_SKIPPED) this.#messages.set(id, message);
    return { code, message: (outcome - code) / 4, id };
  }

  /** Takes back message `message` (as `sendWith` numbered it) if still queued: true if it was. */
  cancel(message) { return this.#engine.cancel(this.#handle, message) === 1; }

  /** `unwatch()` detaches message `id`'s abort listener once the engine lets go of it. */
  watch(id, unwatch) { this.#unwatch.set(id, unwatch); }

  /** A request carrying `nextRequest()`, its frame expiring after `ttlMs` (NaN: never): its id, or -1 / -2 / -3 as `send`. */
  request(message, size, timeoutMs, ttlMs, now) {
    return this.#accept(message, (id) => this.#engine.request(this.#handle, id, size, timeoutMs, ttlMs, now));
  }

  /** Keeps `message` under a fresh id if the engine, handed the id, accepts it. */
  #accept(message, hand) {
    const id = (this.#lastId = (this.#lastId + 1) >>> 0);
    const outcome = hand(id);
    if (outcome >= 0) this.#messages.set(id, message);
    return outcome;
  }

  /** The session as a page saves it, `{ header, messages }`, or null when there is none to keep. */
  save() {
    const count = this.#engine.save(this.#handle);
    if (count < 0) return null;
    const header = this.text();
    const messages = [];
    for (let index = 0; index < count; index++) messages.push(this.#messages.get(this.#engine.frame(this.#handle, index)));
    return { header, messages };
  }

  /** Resumes a session an earlier page saved (see `save`); false if the engine refused it. */
  restore(header, messages) {
    const text = encoder.encode(header);
    const view = new DataView(new ArrayBuffer(4 + text.length + 8 * messages.length));
    view.setUint32(0, text.length, true);
    new Uint8Array(view.buffer, 4, text.length).set(text);
    const ids = messages.map((message, index) => {
      const id = (this.#lastId = (this.#lastId + 1) >>> 0);
      view.setUint32(4 + text.length + 8 * index, id, true);
      view.setUint32(8 + text.length + 8 * index, wireSize(message), true);
      return id;
    });
    stage(this.#engine, new Uint8Array(view.buffer));
    if (this.#engine.restore(this.#handle) !== 1) return false;
    ids.forEach((id, index) => this.#messages.set(id, messages[index]));
    return true;
  }

  nextRequest() { return this.#engine.next_request(this.#handle); }
  /** Request `request` was aborted: its frame is taken back if still queued. */
  abort(request, now) { this.#engine.abort(this.#handle, request, now); }
  /**
   * What an incoming message or frame is: see `receive` in npm-core/src/exports.rs. `kind` is
   * an `INCOMING_*`; `text` a control frame's, which may acknowledge messages (so the next
   * idle poll sweeps).
   */
  receive(conn, size, kind, text, now) {
    if (kind === INCOMING_CONTROL) {
      stageText(this.#engine, text);
      this.#worked = true;
    }
    return this.#engine.receive(this.#handle, conn, size, kind, now);
  }
  answered(request) { return this.#engine.answered(this.#handle, request); }
  asks(conn, code) { return this.#engine.asks(this.#handle, conn, code) === 1; }

  signal(signal, operand, now) { this.#engine.signal(this.#handle, signal, operand, now); }
  /** Socket `conn` opened, the server having selected subprotocol `protocol` ("" for none). */
  opened(conn, protocol, now) {
    stageText(this.#engine, protocol);
    this.signal(SIGNAL_OPENED, conn, now);
  }
  /** The one timer, on the deadline the last `OP_DEADLINE` named, fired. */
  timeout(now) { this.#engine.timeout(this.#handle, now); }
  buffered(conn, unsentBytes, now) { this.#engine.buffered(this.#handle, conn, unsentBytes, now); }

  /** What ran for socket or attempt `conn` failed: `what` a `FAILED_*` of driver.js. */
  failed(what, conn, error, now) {
    stageText(this.#engine, error);
    this.#engine.failed(this.#handle, what, conn, now);
  }

  close(code, reason, now) {
    stageText(this.#engine, reason);
    this.#engine.close(this.#handle, code, now);
  }

  reconnect(code, reason, online, now) {
    stageText(this.#engine, reason);
    this.#engine.reconnect(this.#handle, code, online, now);
  }

  closed(conn, code, reason, wasClean, unsentBytes, reconnectAllowed, now) {
    stageText(this.#engine, reason);
    this.#engine.closed(this.#handle, conn, code, wasClean, unsentBytes, reconnectAllowed, now);
  }

  /** The next thing to do; 0 when there is nothing left. */
  poll() {
    const op = this.#engine.poll(this.#handle);
    // Messages are let go only after the engine did something (transmitted, read the buffer,
    // closed): an idle poll after an incoming message changes nothing it holds.
    if (op !== 0) this.#worked = true;
    else if (this.#worked) {
      this.#worked = false;
      if (this.#messages.size) this.#sweep();
    }
    return op;
  }

  /**
   * Lets go of the messages sent before the oldest one the engine holds, once its outputs are
   * taken: one engine call, then one `delete` per message over the socket's life.
   */
  #sweep() {
    const oldest = this.#engine.oldest(this.#handle);
    const given = (this.#lastId + 1 - this.#kept) >>> 0;
    let count = oldest < 0 ? given : Math.min((oldest - this.#kept) >>> 0, given);
    for (; count > 0; count--, this.#kept = (this.#kept + 1) >>> 0) this.#letGo(this.#kept);
  }

  #letGo(id) {
    this.#messages.delete(id);
    if (this.#unwatch.size) {
      this.#unwatch.get(id)?.();
      this.#unwatch.delete(id);
    }
  }

  /** The message of the last REMOVED, let go at once: it is out of the queue for good. */
  removed() {
    const message = this.frame();
    this.#letGo(this.#engine.frame(this.#handle, 0));
    return message;
  }

  arg(index) { return this.#engine.arg(this.#handle, index); }

  text() {
    const length = this.#engine.text(this.#handle);
    return length ? decoder.decode(new Uint8Array(this.#engine.memory.buffer, this.#engine.staged(), length)) : "";
  }

  /**
   * The message of the last TRANSMIT (index 0), or message `index` of the last TRANSMIT_BATCH
   * or RESUMED: the engine may have let go of those, but the sweep has not (it runs on an idle
   * poll).
   */
  frame(index = 0) { return this.#messages.get(this.#engine.frame(this.#handle, index)); }

  read(figure) { return this.#engine.read(this.#handle, figure); }
}
