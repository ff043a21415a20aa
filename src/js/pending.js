// A socket made before the engine has loaded (it is fetched on first use, so an app's entry
// code never waits for it): its calls wait here, in order, and run against the engine once it
// is there. Meanwhile the socket reads as the engine will have it at first: connecting (or
// closed, not started, or idle when lazy), no retries, its sends queued. Sends are refused as the engine's queue
// would refuse them (full under `overflow: "error"`, or after `close()`), or in session mode
// its window (kept bytes beyond it, unless none is kept), so `send` can throw at once, as it
// does later.
import {
  FIGURE_QUEUED_BYTES,
  FIGURE_QUEUED_COUNT,
  FIGURE_RETRY_COUNT,
  FIGURE_RTT_MS,
  FIGURE_STATE,
  STATES,
} from "./contract.js";

const CONNECTING = STATES.indexOf("connecting");
const CLOSED = STATES.indexOf("closed");
const IDLE = STATES.indexOf("idle");

export class Pending {
  /** The engine failed to load (the driver may ask for it again). */
  failed = false;
  /** [run(), fail(text)] in call order. */
  #calls = [];
  #state;
  /** `close()` was called: sends are refused until `reconnect()` (not so before the start). */
  #refusing = false;
  /** The sizes of the messages waiting, oldest first, and their sum. */
  #sizes = [];
  #bytes = 0;
  #capacity;
  #dropOldest;
  /** Session mode: the window in bytes; NaN otherwise. */
  #window;

  constructor(settings) {
    // A lazy socket rests until the engine, there, hears of a demand.
    this.#state = settings.startClosed ? CLOSED : settings.lazy ? IDLE : CONNECTING;
    this.#capacity = settings.queueCapacity;
    this.#dropOldest = settings.dropOldest;
    this.#window = settings.policy["session.window"];
  }

  /** Runs `run()` once the engine is there, after what was deferred before; else `fail(text)`. */
  defer(run, fail) {
    this.#calls.push([run, fail]);
  }

  /** A send of `size` bytes: 0 queued, -1 refused (queue full), -2 refused (closed), -3 refused (window full), as the engine answers. */
  accept(size) {
    if (this.#refusing) return -2;
    if (this.#window >= 0) {
      if (this.#sizes.length && this.#bytes + size > this.#window) return -3;
    } else if (this.#sizes.length >= this.#capacity) {
      if (!this.#dropOldest) return -1;
      this.#bytes -= this.#sizes.shift();
    }
    this.#sizes.push(size);
    this.#bytes += size;
    return 0;
  }

  /** Whether sends are refused (after `close()`), as `accept` would answer -2. */
  get refusing() { return this.#refusing; }

  /** A message of `size` accepted earlier was taken back before the engine came. */
  withdraw(size) {
    const index = this.#sizes.lastIndexOf(size);
    if (index < 0) return;
    this.#sizes.splice(index, 1);
    this.#bytes -= size;
  }

  close() {
    this.#state = CLOSED;
    this.#refusing = true;
  }

  reconnect() {
    this.#state = CONNECTING;
    this.#refusing = false;
  }

  /** The engine is there: its calls, to run in order. */
  take() {
    return this.#calls.splice(0);
  }

  /** The engine will not come: each waiting call fails with `text`; the socket is closed. */
  fail(text) {
    this.failed = true;
    this.close();
    this.#sizes = [];
    this.#bytes = 0;
    for (const [, fail] of this.take()) fail?.(text);
  }

  read(figure) {
    switch (figure) {
      case FIGURE_STATE: return this.#state;
      case FIGURE_RETRY_COUNT: return 0;
      case FIGURE_QUEUED_COUNT: return this.#sizes.length;
      case FIGURE_QUEUED_BYTES: return this.#bytes;
      case FIGURE_RTT_MS:
      default: return NaN;
    }
  }
}
