// The page half: `WorkerSocket` starts worker.js, which owns the ReSocket, and gives the page a
// socket-like object. Calls become messages to the worker; the worker's reports become events
// here, and the socket's status (`state`, `retryCount`, ...) is mirrored from the latest one.
//
// Events: `open`, `message` (`data`), `close` (`code`, `reason`, `wasClean`, `willReconnect`,
// `requeued`, `unconfirmed`), `reconnecting` (`attempt`, `delayMs`), `error` (`code`,
// `message`, `error`, and `data` for DECODE), `offline`, `online`, and `state` (`state`,
// `retryCount`) whenever the state or the retry count changed.

export class WorkerSocket extends EventTarget {
  #worker;
  #requests = new Map();
  #nextId = 1;
  state = "connecting";
  readyState = 0;
  url = "";
  protocol = "";
  retryCount = 0;
  queuedCount = 0;
  rttMs = undefined;

  /** `ReSocket`'s arguments; `options` must survive postMessage (no functions). */
  constructor(url, protocols, options) {
    super();
    // `new URL("./worker.js", import.meta.url)`: the form bundlers (Vite, webpack) recognise.
    this.#worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.#worker.addEventListener("message", (event) => this.#receive(event.data));
    // The worker failed to load or threw outside the socket's handlers.
    this.#worker.addEventListener("error", (event) => {
      this.#emit("error", { code: "WORKER", message: `the socket's worker failed: ${event.message}` });
    });
    // Relative URLs resolve against the page, not against worker.js.
    const absolute = new URL(url, location.href).href;
    this.#worker.postMessage({ op: "open", url: absolute, protocols, options });
  }

  /** Sends, or queues in the worker while disconnected; a failure arrives as an `error` event. */
  send(data) {
    this.#worker.postMessage({ op: "send", data });
  }

  /** `ReSocket.request` run in the worker: resolves with the answer's `result`. */
  request(value, { timeoutMs, signal } = {}) {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#requests.delete(id);
        this.#worker.postMessage({ op: "abort", id });
        reject(signal.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#requests.set(id, (reply) => {
        signal?.removeEventListener("abort", onAbort);
        if (reply.error) reject(revive(reply.error));
        else resolve(reply.result);
      });
      this.#worker.postMessage({ op: "request", id, value, timeoutMs });
    });
  }

  close(code, reason) {
    this.#worker.postMessage({ op: "close", code, reason });
  }

  reconnect() {
    this.#worker.postMessage({ op: "reconnect" });
  }

  /** Ends the worker, and with it the connection (abruptly: prefer `close()` first). */
  terminate() {
    this.#worker.terminate();
  }

  #receive({ type, status, ...fields }) {
    const before = [this.state, this.retryCount];
    if (status) Object.assign(this, status);
    if (type === "reply") {
      this.#requests.get(fields.id)?.(fields);
      this.#requests.delete(fields.id);
    } else if (type === "error") {
      this.#emit("error", { ...fields, error: revive(fields) });
    } else if (type !== "status") {
      this.#emit(type, fields);
    }
    if (this.state !== before[0] || this.retryCount !== before[1]) {
      this.#emit("state", { state: this.state, retryCount: this.retryCount });
    }
  }

  #emit(type, fields) {
    this.dispatchEvent(Object.assign(new Event(type), fields));
  }
}

/** An error the worker sent as plain fields, as an Error again. */
function revive({ name, code, message, cause }) {
  const error = name === "TypeError" ? new TypeError(message) : new Error(message);
  return Object.assign(error, { name, code, cause });
}
