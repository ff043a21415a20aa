// Request/response over a socket in the "json" format: each request carries a fresh id in
// `requestIdField`, and the message carrying the same id settles it instead of reaching the
// "message" listeners.

/** The longest delay a browser timer takes (2^31 - 1 ms). */
const MAX_TIMER_MS = 2147483647;
/**
 * Ids of settled requests remembered, so that an answer arriving after its request timed out,
 * was aborted or failed (or a second answer to a request sent twice) is dropped, not delivered.
 */
const SETTLED_KEPT = 1024;

export class Requests {
  /** Id -> { message, sent, settle(error, result) }. */
  #pending = new Map();
  #settled = new Set();
  #lastId = 0;
  #settings;
  #send;
  #ReSocketError;

  /** `send(message)` is the socket's: true when sent now, false when queued; may throw. */
  constructor(settings, send, ReSocketError) {
    this.#settings = settings;
    this.#send = send;
    this.#ReSocketError = ReSocketError;
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
      const id = ++this.#lastId;
      const entry = { message: { ...value, [requestIdField]: id }, sent: false };
      const abort = () => entry.settle(signal.reason);
      const timer = setTimeout(
        () => entry.settle(this.#error("REQUEST_TIMEOUT", `request ${id} got no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      entry.settle = (error, result) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", abort);
        this.#pending.delete(id);
        this.#settled.add(id);
        if (this.#settled.size > SETTLED_KEPT) this.#settled.delete(this.#settled.values().next().value);
        if (error) reject(error);
        else resolve(result);
      };
      this.#pending.set(id, entry);
      signal?.addEventListener("abort", abort);
      this.#transmit(entry);
    });
  }

  /**
   * Settles the request `data` answers, if any: true when `data` was an answer (to a pending
   * request, or a late one to a settled request) and must not be delivered as a message.
   */
  answered(data) {
    const id = typeof data === "object" && data !== null ? data[this.#settings.requestIdField] : undefined;
    const entry = this.#pending.get(id);
    if (!entry) return id !== undefined && this.#settled.delete(id);
    if (data.error !== undefined && data.error !== null) {
      const text = typeof data.error?.message === "string" ? data.error.message : JSON.stringify(data.error);
      entry.settle(this.#error("REMOTE", `the server answered request ${id} with an error: ${text}`, data.error));
    } else if ("result" in data) {
      entry.settle(undefined, data.result);
    } else {
      entry.settle(this.#error("DECODE", `the answer to request ${id} has neither "result" nor "error"`, data));
    }
    return true;
  }

  /** A connection opened: the requests that were queued went out on it. */
  opened() {
    for (const entry of this.#pending.values()) entry.sent = true;
  }

  /**
   * A connection ended (or the wait for one). The requests sent on it fail, or with
   * `resendRequests` are queued again; when no connection follows, every request fails.
   */
  closed(forGood) {
    for (const entry of [...this.#pending.values()]) {
      if (forGood) {
        entry.settle(this.#error("CLOSED", "the socket closed for good before the request was answered"));
      } else if (entry.sent) {
        if (this.#settings.resendRequests) this.#transmit(entry);
        else entry.settle(this.#error("CONNECTION_LOST", "the connection the request was sent on was lost"));
      }
    }
  }

  #transmit(entry) {
    try {
      entry.sent = this.#send(entry.message);
    } catch (error) {
      entry.settle(error);
    }
  }

  #error(code, text, cause) {
    return new this.#ReSocketError(code, `resocket: ${text}`, cause === undefined ? undefined : { cause });
  }
}
