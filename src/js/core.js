// The engine (npm-core/, WebAssembly) behind one object per socket. The engine deals in
// numbers only; this file keeps what it cannot hold: the messages, under ids the engine
// passes back when they are to be sent, and the text that crosses its staging buffer.
import { INCOMING_CONTROL, POLICY_FIELDS, SIGNAL_OPENED } from "./contract.js";
import { engine } from "./engine.js";
import { policyError, wireSize } from "./options.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Frees a socket's engine state once the socket is garbage. */
const reclaim = new FinalizationRegistry((handle) => engine.free(handle));

/** Puts `bytes` in the engine's staging buffer (which `stage` may move: memory can grow). */
function stage(bytes) {
  const at = engine.stage(bytes.length);
  new Uint8Array(engine.memory.buffer, at, bytes.length).set(bytes);
}

const stageText = (text) => stage(encoder.encode(text));

export class Core {
  #handle;
  /** The messages the engine may still ask to transmit, by id (counting sends, modulo 2^32). */
  #messages = new Map();
  #lastId = 0;
  /** The oldest id not let go yet. */
  #kept = 1;
  /** The engine returned something to do since the last sweep. */
  #worked = false;

  constructor(handle) {
    this.#handle = handle;
    reclaim.register(this, handle);
  }

  /**
   * A core for `policy` (numbers by `POLICY_FIELDS` name), the final close codes, the
   * overflow and resend switches, the ping's size and the jitter's seed. Throws a TypeError
   * naming the first option the engine refuses and what it expects.
   */
  static create(policy, finalCodes, dropOldest, resendRequests, pingSize, seed) {
    const numbers = [...POLICY_FIELDS.map((name) => policy[name]), ...finalCodes];
    const view = new DataView(new ArrayBuffer(8 * numbers.length));
    numbers.forEach((number, index) => view.setFloat64(8 * index, number, true));
    stage(new Uint8Array(view.buffer));
    const handle = engine.create(dropOldest, resendRequests, pingSize, seed);
    if (handle > 0) return new Core(handle);
    // The constructor checked the options by the engine's rules: a refusal here is a bug.
    throw policyError(-handle - 1, policy, finalCodes);
  }

  /** 1 sent, 0 queued, -1 refused (queue full), -2 refused (closed), -3 refused (session window full). */
  send(message, size) {
    return this.#accept(message, (id) => engine.send(this.#handle, id, size));
  }

  /** A request carrying `nextRequest()`: its id, or -1 / -2 / -3 as `send`. */
  request(message, size, timeoutMs, now) {
    return this.#accept(message, (id) => engine.request(this.#handle, id, size, timeoutMs, now));
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
    const count = engine.save(this.#handle);
    if (count < 0) return null;
    const header = this.text();
    const messages = [];
    for (let index = 0; index < count; index++) messages.push(this.#messages.get(engine.frame(this.#handle, index)));
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
    stage(new Uint8Array(view.buffer));
    if (engine.restore(this.#handle) !== 1) return false;
    ids.forEach((id, index) => this.#messages.set(id, messages[index]));
    return true;
  }

  nextRequest() { return engine.next_request(this.#handle); }
  forget(request) { engine.forget(this.#handle, request); }
  /**
   * What an incoming message or frame is: see `receive` in npm-core/src/exports.rs. `kind` is
   * an `INCOMING_*`; `text` a control frame's, which may acknowledge messages (so the next
   * idle poll sweeps).
   */
  receive(conn, size, kind, text, now) {
    if (kind === INCOMING_CONTROL) {
      stageText(text);
      this.#worked = true;
    }
    return engine.receive(this.#handle, conn, size, kind, now);
  }
  answered(request) { return engine.answered(this.#handle, request); }
  asks(conn, code) { return engine.asks(this.#handle, conn, code) === 1; }

  signal(signal, operand, now) { engine.signal(this.#handle, signal, operand, now); }
  /** Socket `conn` opened, the server having selected subprotocol `protocol` ("" for none). */
  opened(conn, protocol, now) {
    stageText(protocol);
    this.signal(SIGNAL_OPENED, conn, now);
  }
  /** The one timer, on the deadline the last `OP_DEADLINE` named, fired. */
  timeout(now) { engine.timeout(this.#handle, now); }
  buffered(conn, unsentBytes, now) { engine.buffered(this.#handle, conn, unsentBytes, now); }

  failed(provider, conn, error, now) {
    stageText(error);
    engine.failed(this.#handle, provider, conn, now);
  }

  close(code, reason, now) {
    stageText(reason);
    engine.close(this.#handle, code, now);
  }

  reconnect(code, reason, online, now) {
    stageText(reason);
    engine.reconnect(this.#handle, code, online, now);
  }

  closed(conn, code, reason, wasClean, unsentBytes, reconnectAllowed, now) {
    stageText(reason);
    engine.closed(this.#handle, conn, code, wasClean, unsentBytes, reconnectAllowed, now);
  }

  /** The next thing to do; 0 when there is nothing left. */
  poll() {
    const op = engine.poll(this.#handle);
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
    const oldest = engine.oldest(this.#handle);
    const given = (this.#lastId + 1 - this.#kept) >>> 0;
    let count = oldest < 0 ? given : Math.min((oldest - this.#kept) >>> 0, given);
    for (; count > 0; count--, this.#kept = (this.#kept + 1) >>> 0) this.#messages.delete(this.#kept);
  }

  arg(index) { return engine.arg(this.#handle, index); }

  text() {
    const length = engine.text(this.#handle);
    return length ? decoder.decode(new Uint8Array(engine.memory.buffer, engine.staged(), length)) : "";
  }

  /**
   * The message of the last TRANSMIT (index 0), or message `index` of the last RESUMED: the
   * engine let go of those, but the sweep has not (it runs on an idle poll).
   */
  frame(index = 0) { return this.#messages.get(engine.frame(this.#handle, index)); }

  read(figure) { return engine.read(this.#handle, figure); }
}
