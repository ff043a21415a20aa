// Request/response over a socket in the "json" format: each request carries a fresh id in
// `requestIdField`, and the message carrying the same id settles it instead of reaching the
// "message" listeners. Ids, deadlines, what a lost connection or a full queue does to a request,
// and late or second answers are the engine's to decide; this keeps the promises.

/** The longest delay a browser timer takes (2^31 - 1 ms). */
const MAX_TIMER_MS = 2147483647;
/** The engine's answers to `answered(id)`. */
const ANSWERS_REQUEST = 1, LATE_ANSWER = 2;
/** By the engine's request failure kind: the error code and its message. */
const FAILURES = [
  ["REQUEST_TIMEOUT", (id, timeoutMs) => `request ${id} got no answer within ${timeoutMs} ms`],
  ["CONNECTION_LOST", () => "the connection the request was sent on was lost"],
  ["CLOSED", () => "the socket closed for good before the request was answered"],
  [
    "DROPPED",
    (id) => `request ${id} was pushed out of the full send queue by newer sends (overflow: "drop-oldest") before a connection opened; it was never sent`,
  ],
];
const QUEUE_FULL = 4;

export class Requests {
  /** Id -> { settle(error, result), timeoutMs }. */
  #pending = new Map();
  #settings;
  #engine;
  #ReSocketError;
  #QueueFullError;

  /**
   * `engine`: `next()` the next request's id; `send(message, timeoutMs)` sends it as a request
   * (may throw, as `send` does); `answered(id)`; `forget(id)`.
   */
  constructor(settings, engine, ReSocketError, QueueFullError) {
    this.#settings = settings;
    this.#engine = engine;
    this.#ReSocketError = ReSocketError;
    this.#QueueFullError = QueueFullError;
  }

  request(value, options) {
    return new Promise((resolve, reject) => {
      const { json, requestIdField, requestTimeoutMs } = this.#settings;
      const refuse = (text) => {
        throw new TypeError(`resocket: request(value, options): ${text}`);
      };
      if (!json) refuse('needs format: "json"');
      const proto = typeof value === "object" && value !== null ? Object.getPrototypeOf(value) : undefined;
      if (proto !== Object.prototype && proto !== null) {
        refuse(`value must be a plain object, got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`);
      }
      const { timeoutMs = requestTimeoutMs, signal } = options ?? {};
      if (!(typeof timeoutMs === "number" && timeoutMs >= 1 && timeoutMs <= MAX_TIMER_MS)) {
        refuse(`timeoutMs must be from 1 to ${MAX_TIMER_MS}, got ${timeoutMs}`);
      }
      if (signal !== undefined && !(signal instanceof AbortSignal)) refuse("signal must be an AbortSignal");
      signal?.throwIfAborted();
      const id = this.#engine.next();
      const abort = () => {
        this.#engine.forget(id);
        settle(signal.reason);
      };
      const settle = (error, result) => {
        signal?.removeEventListener("abort", abort);
        this.#pending.delete(id);
        if (error) reject(error);
        else resolve(result);
      };
      // Pending before it is sent: sending may settle requests.
      this.#pending.set(id, { settle, timeoutMs });
      try {
        this.#engine.send({ ...value, [requestIdField]: id }, timeoutMs);
      } catch (error) {
        settle(error);
        return;
      }
      signal?.addEventListener("abort", abort);
    });
  }

  /**
   * Settles the request `data` answers, if any: true when `data` was an answer (to a pending
   * request, or a late one) and must not be delivered as a message.
   */
  answered(data) {
    const id = typeof data === "object" && data !== null ? data[this.#settings.requestIdField] : undefined;
    if (!(Number.isInteger(id) && id >= 0)) return false;
    const answer = this.#engine.answered(id);
    if (answer === LATE_ANSWER) return true;
    if (answer !== ANSWERS_REQUEST) return false;
    const entry = this.#pending.get(id);
    if (data.error !== undefined && data.error !== null) {
      const text = typeof data.error?.message === "string" ? data.error.message : JSON.stringify(data.error);
      entry?.settle(this.#error("REMOTE", `the server answered request ${id} with an error: ${text}`, data.error));
    } else if ("result" in data) {
      entry?.settle(undefined, data.result);
    } else {
      entry?.settle(this.#error("DECODE", `the answer to request ${id} has neither "result" nor "error"`, data));
    }
    return true;
  }

  /** The engine ended request `id` without an answer, for failure `kind`. */
  failed(id, kind, capacity) {
    const entry = this.#pending.get(id);
    if (!entry) return;
    if (kind === QUEUE_FULL) return entry.settle(new this.#QueueFullError(capacity));
    const [code, text] = FAILURES[kind];
    entry.settle(this.#error(code, text(id, entry.timeoutMs)));
  }

  #error(code, text, cause) {
    return new this.#ReSocketError(code, `resocket: ${text}`, cause === undefined ? undefined : { cause });
  }
}
