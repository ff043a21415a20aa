// Request/response over a socket with a format ("json", or a codec such as MessagePack): each
// request carries a fresh id in `requestIdField`, and the message whose decoded value carries
// the same id settles it instead of reaching the "message" listeners. Ids, deadlines, what a lost connection or a full queue does to a request,
// and late or second answers are the engine's to decide; this keeps the promises.

import {
  ANSWER_LATE,
  ANSWER_REQUEST,
  MAX_TIMER_MS,
  REQUEST_FAILURE_CONNECTION_LOST,
  REQUEST_FAILURE_DROPPED,
  REQUEST_FAILURE_EXPIRED,
  REQUEST_FAILURE_QUEUE_FULL,
  REQUEST_FAILURE_TIMEOUT,
  REQUEST_FAILURES,
} from "./contract.js";
import { abortSignal, timeToLive } from "./options.js";

/** Why a request failed, for people, by failure kind (the code is the engine's). */
function failureText(kind, id, timeoutMs) {
  switch (kind) {
    case REQUEST_FAILURE_TIMEOUT: return `request ${id} got no answer within ${timeoutMs} ms`;
    case REQUEST_FAILURE_CONNECTION_LOST: return "the connection the request was sent on was lost";
    case REQUEST_FAILURE_EXPIRED:
      return `request ${id} was still queued when its ttlMs ran out; it was never sent`;
    case REQUEST_FAILURE_DROPPED:
      return `request ${id} was pushed out of the full send queue by newer sends (overflow: "drop-oldest") before a connection opened; it was never sent`;
    default: return "the socket closed for good before the request was answered";
  }
}

/** An error member for people: as JSON where it has a JSON form (a codec's may not). */
function describe(error) {
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

export class Requests {
  /** Id -> { settle(error, result), timeoutMs }. */
  #pending = new Map();
  #settings;
  #engine;
  #ReSocketError;
  #QueueFullError;

  /**
   * `engine`: `whenReady(value, run, reject)` runs `run()` once the engine has loaded, the
   * request `value` held in the queue meanwhile (`reject(error)` if it is refused or the engine
   * cannot be loaded); then `next()` the next request's id; `send(message, timeoutMs, ttlMs)`
   * sends it as a request (may throw, as `send` does); `answered(id)`; `abort(id)` (the
   * request is over; its frame is taken back if still queued).
   */
  constructor(settings, engine, ReSocketError, QueueFullError) {
    this.#settings = settings;
    this.#engine = engine;
    this.#ReSocketError = ReSocketError;
    this.#QueueFullError = QueueFullError;
  }

  /** Sends request `value`; `send(message, timeoutMs)` in place of the engine's (the setup step's). */
  request(value, options, send = this.#engine.send) {
    return new Promise((resolve, reject) => {
      const { format, requestTimeoutMs } = this.#settings;
      const refuse = (text) => {
        throw new TypeError(`resocket: request(value, options): ${text}`);
      };
      if (!format) refuse('needs format: "json" or a codec (format: { encode, decode })');
      const proto = typeof value === "object" && value !== null ? Object.getPrototypeOf(value) : undefined;
      if (proto !== Object.prototype && proto !== null) {
        refuse(`value must be a plain object, got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`);
      }
      const { timeoutMs = requestTimeoutMs, signal } = options ?? {};
      if (!(typeof timeoutMs === "number" && timeoutMs >= 1 && timeoutMs <= MAX_TIMER_MS)) {
        refuse(`timeoutMs must be from 1 to ${MAX_TIMER_MS}, got ${timeoutMs}`);
      }
      abortSignal(signal, "request(value, options)");
      const ttlMs = timeToLive(options?.ttlMs, "request(value, options)");
      signal?.throwIfAborted();
      // Before the engine has loaded, the request waits for it behind the calls made before it;
      // an abort meanwhile settles it at once, and it is then never sent.
      const early = () => reject(signal.reason);
      signal?.addEventListener("abort", early);
      this.#engine.whenReady(value, () => {
        signal?.removeEventListener("abort", early);
        if (signal?.aborted) reject(signal.reason);
        else this.#send(value, timeoutMs, ttlMs, signal, resolve, reject, send);
      }, reject);
    });
  }

  /** Sends request `value`, its id fresh from the engine, and waits for its answer. */
  #send(value, timeoutMs, ttlMs, signal, resolve, reject, send) {
    const { requestIdField } = this.#settings;
    const id = this.#engine.next();
    const abort = () => {
      settle(signal.reason);
      this.#engine.abort(id);
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
      send({ ...value, [requestIdField]: id }, timeoutMs, ttlMs);
    } catch (error) {
      settle(error);
      return;
    }
    signal?.addEventListener("abort", abort);
  }

  /**
   * Settles the request `data` answers, if any: true when `data` was an answer (to a pending
   * request, or a late one) and must not be delivered as a message.
   */
  answered(data) {
    const id = typeof data === "object" && data !== null ? data[this.#settings.requestIdField] : undefined;
    if (!(Number.isInteger(id) && id >= 0)) return false;
    const answer = this.#engine.answered(id);
    if (answer === ANSWER_LATE) return true;
    if (answer !== ANSWER_REQUEST) return false;
    const entry = this.#pending.get(id);
    if (data.error !== undefined && data.error !== null) {
      const text = typeof data.error?.message === "string" ? data.error.message : describe(data.error);
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
    if (kind === REQUEST_FAILURE_QUEUE_FULL) return entry.settle(new this.#QueueFullError(capacity));
    entry.settle(this.#error(REQUEST_FAILURES[kind], failureText(kind, id, entry.timeoutMs)));
  }

  #error(code, text, cause) {
    return new this.#ReSocketError(code, `resocket: ${text}`, cause === undefined ? undefined : { cause });
  }
}
