// Whether anyone listens for a socket's messages: a fact the engine hears (for `lazy` and
// `idleCloseMs`, where listening is a demand) and decides about. Listeners are counted as
// EventTarget keeps them, one per listener and capture flag: a `once` one until the next
// message, one added with a `signal` until it aborts; and the `onmessage` handler.

export class Interest {
  /** [listener, capture, once] of the "message" listeners. */
  #listeners = [];
  #handler = false;
  #listening = false;
  #report;

  /** `report(listening)` hears each change. */
  constructor(report) {
    this.#report = report;
  }

  added(listener, options) {
    if (listener === null || listener === undefined) return;
    const capture = captures(options);
    if (this.#find(listener, capture) >= 0) return;
    const signal = typeof options === "object" ? options?.signal : undefined;
    if (signal?.aborted) return;
    this.#listeners.push([listener, capture, typeof options === "object" && Boolean(options?.once)]);
    signal?.addEventListener("abort", () => this.removed(listener, options), { once: true });
    this.#changed();
  }

  removed(listener, options) {
    const index = this.#find(listener, captures(options));
    if (index < 0) return;
    this.#listeners.splice(index, 1);
    this.#changed();
  }

  /** `onmessage` was set (to a handler, or null). */
  handler(set) {
    this.#handler = set;
    this.#changed();
  }

  /** A message was dispatched: the `once` listeners are gone. */
  dispatched() {
    if (!this.#listeners.some(([, , once]) => once)) return;
    this.#listeners = this.#listeners.filter(([, , once]) => !once);
    this.#changed();
  }

  #find(listener, capture) {
    return this.#listeners.findIndex(([l, c]) => l === listener && c === capture);
  }

  #changed() {
    const listening = this.#handler || this.#listeners.length > 0;
    if (listening === this.#listening) return;
    this.#listening = listening;
    this.#report(listening);
  }
}

const captures = (options) => (typeof options === "boolean" ? options : Boolean(options?.capture));
