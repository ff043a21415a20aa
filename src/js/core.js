// The engine (npm-core/, WebAssembly) behind one object per socket. The engine deals in
// numbers only; this file keeps what it cannot hold: the messages, under ids the engine
// passes back when they are to be sent, and the text that crosses its staging buffer.
import { engine } from "./engine.js";

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
  /** The messages the engine may still ask to transmit, by id. */
  #messages = new Map();
  #lastId = 0;
  /** Every id below this one has been let go. */
  #kept = 1;

  constructor(handle) {
    this.#handle = handle;
    reclaim.register(this, handle);
  }

  /**
   * A core with the given final close codes and policy (the numbers `create` in
   * npm-core/src/lib.rs takes), or undefined if the engine refuses them.
   */
  static create(codes, ...policy) {
    const bytes = new Uint8Array(2 * codes.length);
    const view = new DataView(bytes.buffer);
    codes.forEach((code, index) => view.setUint16(2 * index, code, true));
    stage(bytes);
    const handle = engine.create(...policy);
    return handle ? new Core(handle) : undefined;
  }

  /** 1 sent, 0 queued, -1 refused (queue full), -2 refused (closed). */
  send(message, size) {
    const id = ++this.#lastId;
    const outcome = engine.send(this.#handle, id, size);
    if (outcome >= 0) this.#messages.set(id, message);
    return outcome;
  }

  signal(signal, conn, now) { engine.signal(this.#handle, signal, conn, now); }
  timerFired(timer, now) { engine.timer(this.#handle, timer, now); }
  buffered(conn, unsentBytes, now) { engine.buffered(this.#handle, conn, unsentBytes, now); }

  failed(provider, conn, error, now) {
    stageText(error);
    engine.failed(this.#handle, provider, conn, now);
  }

  close(code, reason, now) {
    stageText(reason);
    engine.close(this.#handle, code, now);
  }

  reconnect(code, reason, now) {
    stageText(reason);
    engine.reconnect(this.#handle, code, now);
  }

  closed(conn, code, reason, wasClean, unsentBytes, reconnectAllowed, now) {
    stageText(reason);
    engine.closed(this.#handle, conn, code, wasClean, unsentBytes, reconnectAllowed, now);
  }

  /** The next thing to do; once there is nothing left, lets go of the messages sent for good. */
  poll() {
    const op = engine.poll(this.#handle);
    if (op === 0) {
      const until = Math.min(engine.oldest(this.#handle), this.#lastId + 1);
      for (; this.#kept < until; this.#kept++) this.#messages.delete(this.#kept);
    }
    return op;
  }

  arg(index) { return engine.arg(this.#handle, index); }

  text() {
    const length = engine.text(this.#handle);
    return length ? decoder.decode(new Uint8Array(engine.memory.buffer, engine.staged(), length)) : "";
  }

  /** The message of the last TRANSMIT. */
  frame() { return this.#messages.get(engine.frame(this.#handle)); }

  read(figure) { return engine.read(this.#handle, figure); }
}
