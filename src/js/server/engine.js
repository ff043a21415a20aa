// The server side's wasm (npm-server/, the core's ServerSession behind plain numeric exports),
// compiled once when first imported and instantiated once per SessionServer: an instance
// holds one store (its epoch and its sessions). Text crosses through the module's staging
// buffer: `#put` writes it there, `#text` reads an answer back.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const compiled = await WebAssembly.compile(readFileSync(new URL('./resocket_server.wasm', import.meta.url)));
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One server's store of sessions, as the core keeps them. Handles are numbers from 1. */
export class Store {
  #wasm;

  /**
   * A store of the incarnation `epoch` (a shared store's, or a fresh one), whose sessions keep
   * `window` bytes of unacknowledged messages each, and whose clients' windows are at most
   * `maxClientWindow` bytes.
   */
  constructor(window, maxClientWindow, epoch = randomToken()) {
    this.#wasm = new WebAssembly.Instance(compiled, {}).exports;
    this.#put(epoch);
    this.#wasm.configure(window, maxClientWindow);
    this.epoch = epoch;
  }

  /** Copies `bytes` (a Uint8Array, or text) into the staging buffer. */
  #put(...parts) {
    const chunks = parts.map((part) => (typeof part === 'string' ? encoder.encode(part) : part));
    const length = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    const at = this.#wasm.stage(length);
    const memory = new Uint8Array(this.#wasm.memory.buffer, at, length);
    let offset = 0;
    for (const chunk of chunks) {
      memory.set(chunk, offset);
      offset += chunk.byteLength;
    }
  }

  /** The staged answer's text. */
  #text() {
    const wasm = this.#wasm;
    return decoder.decode(new Uint8Array(wasm.memory.buffer, wasm.staged(), wasm.staged_len()));
  }

  /** A protocol error's reason, or what `answer` reads from the staged text. */
  #outcome(code, answer) {
    if (code < 0) return { error: this.#text() };
    return answer(code);
  }

  /**
   * What a frame starting with byte `first` (-1 when empty) carries: `'message'`, `'batch'`,
   * `'control'`, or `{ error }`.
   */
  kind(first, binary) {
    return this.#outcome(this.#wasm.kind(first, binary ? 1 : 0), (code) => ['message', 'batch', 'control'][code]);
  }

  /** What a first frame asks for: `{ start: true }`, `{ resume: id }` or `{ error }`. */
  opened(first) {
    this.#put(first);
    return this.#outcome(this.#wasm.opened(), (code) => (code === 1 ? { resume: this.#text() } : { start: true }));
  }

  /** Whether resume `first` may take session `handle`: `'unknown'`, `'wrong-key'` or `'matches'`. */
  claim(handle, first) {
    this.#put(first);
    return ['unknown', 'wrong-key', 'matches'][this.#wasm.claim(handle)];
  }

  /**
   * Whether resume `first` may take the session a shared store keeps with key `key`:
   * `'unknown'` (another epoch), `'wrong-key'` or `'matches'`.
   */
  claimStored(key, first) {
    this.#put(key, first);
    return ['unknown', 'wrong-key', 'matches'][this.#wasm.claim_stored(Buffer.byteLength(key))];
  }

  /**
   * Takes up for resume `first` a session a shared store kept: `acknowledged` of its messages
   * acknowledged, then `unacknowledged` (`[id, size]` pairs, oldest first), `received` of the
   * client's received. `{ handle }` or `{ error }`; `resume` goes on from there.
   */
  restore(first, { acknowledged, unacknowledged, received }, now) {
    for (const [id, size] of unacknowledged) this.#wasm.restoring(id, size);
    this.#put(first);
    return this.#outcome(this.#wasm.restore(acknowledged, received, now), (handle) => ({ handle }));
  }

  /** A new session for first frame `first`: `{ handle, id, welcome }` or `{ error }`. */
  start(first) {
    this.#put(randomBytes(32), first);
    return this.#outcome(this.#wasm.start(), (handle) => {
      const welcome = this.#text();
      return { handle, id: this.id(handle), welcome };
    });
  }

  /** Session `handle` goes on for resume `first`: `{ welcome, replay: ids }` or `{ error }`. */
  resume(handle, first) {
    this.#put(first);
    return this.#outcome(this.#wasm.resume(handle), (count) => {
      const replay = Array.from({ length: count }, (_, i) => this.#wasm.replay(i));
      return { welcome: this.#text(), replay };
    });
  }

  /** A message of `size` bytes arrived: `{ ack }` (a frame to send now, or undefined) or `{ error }`. */
  message(handle, size, now) {
    return this.#outcome(this.#wasm.message(handle, size, now), (code) => ({ ack: code ? this.#text() : undefined }));
  }

  /** A control frame arrived: `{ reply }` (a frame to send, or undefined) or `{ error }`. */
  control(handle, text) {
    this.#put(text);
    return this.#outcome(this.#wasm.control(handle), (code) => ({ reply: code ? this.#text() : undefined }));
  }

  /** Message `id` of `size` bytes is sent: `'transmit'`, `'kept'` or `'window-full'`. */
  send(handle, id, size) {
    const code = this.#wasm.send(handle, id, size);
    return code > 0 ? 'transmit' : code === 0 ? 'kept' : 'window-full';
  }

  hasRoom(handle, size) {
    return this.#wasm.has_room(handle, size) === 1;
  }

  /** Whether the client on the session's current (or last) connection reads batch frames. */
  readsBatches(handle) {
    return this.#wasm.reads_batches(handle) === 1;
  }

  /** The most message bytes one batch frame carries. */
  get maxBatchBytes() {
    return this.#wasm.max_batch_bytes();
  }

  /** The bytes of messages the client may send beyond the last ack. */
  clientWindow(handle) {
    return this.#wasm.client_window(handle);
  }

  /** How many of the newest messages sent the session still holds. */
  pending(handle) {
    return this.#wasm.pending(handle);
  }

  /** When an ack falls due (on the clock `now` is read from), or undefined. */
  ackDeadline(handle) {
    const at = this.#wasm.ack_deadline(handle);
    return at < 0 ? undefined : at;
  }

  /** The ack frame to send now, if one is owed. */
  takeAck(handle) {
    return this.#wasm.take_ack(handle) ? this.#text() : undefined;
  }

  disconnected(handle, now) {
    this.#wasm.disconnected(handle, now);
  }

  expired(handle, now, lifetimeMs) {
    return this.#wasm.expired(handle, now, lifetimeMs) === 1;
  }

  /** Session `handle`'s id. */
  id(handle) {
    this.#wasm.id(handle);
    return this.#text();
  }

  /** Session `handle`'s key, for a shared store to keep. */
  key(handle) {
    this.#wasm.key(handle);
    return this.#text();
  }

  free(handle) {
    this.#wasm.free(handle);
  }

  /** How many sessions the core keeps. */
  get size() {
    return this.#wasm.sessions();
  }
}

/** 16 bytes from Node's CSPRNG, as 32 hex digits: an epoch of a store of this server's own. */
function randomToken() {
  return randomBytes(16).toString('hex');
}
