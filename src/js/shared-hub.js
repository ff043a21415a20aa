// Where a shared connection lives (`shared: true`): one ReSocket, in a SharedWorker or in the
// leader tab, and the tabs that use it. The tabs post what their sockets are asked to do; the
// hub does it on the one ReSocket, answers the tab that asked, and tells every tab what the
// connection reports, with its figures. Every decision stays the ReSocket's (and its core's):
// the hub only carries calls and events across.
import { HAND_OVER } from "./resocket.js";

/** What tabs post to a hub (everything else is a hub's, to tabs). */
export const TO_HUB = new Set(["attach", "detach", "send", "request", "abort", "reconnect", "binaryType"]);

/** The events a shared socket passes on, and the fields each carries besides its type. */
const EVENT_FIELDS = {
  open: [],
  message: ["data"],
  close: ["code", "reason", "wasClean", "willReconnect", "requeued", "unconfirmed"],
  reconnecting: ["attempt", "delayMs"],
  error: ["message", "data"],
  offline: [],
  online: [],
  statechange: ["state"],
  resumed: ["recovered", "unacknowledged"],
  removed: ["data", "reason"],
};

/** The figures a tab's socket reads: the shared connection's, as of the last event or answer. */
const FIGURES = ["readyState", "state", "url", "protocol", "extensions", "bufferedAmount", "retryCount", "queuedCount", "rttMs", "binaryType"];

/** An error as a tab rebuilds it: its class's name, its `code` and `message`, and a full queue's capacity. */
export function errorFields(error) {
  return { name: error?.name, code: error?.code, message: error?.message ?? String(error), capacity: error?.capacity };
}

export class Hub {
  /** This hub's name: tabs address their sends and requests to the hub they know. */
  id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  #socket;
  #broadcast;
  #tabs = new Set();
  /** Tab id -> the number of the last send of that tab the socket took (or refused). */
  #taken;
  /** `${tab} ${number}` -> the AbortController of a request waiting, or of a send a tab may abort. */
  #aborts = new Map();

  /**
   * Serves `socket` to the tabs: `broadcast(message)` reaches every tab; `empty()` is called
   * once the last tab has gone. `taken` ({ tab: number }) are the sends the last hub took,
   * which are not taken again.
   */
  constructor(socket, broadcast, empty, taken = {}) {
    this.#socket = socket;
    this.#taken = new Map(Object.entries(taken));
    this.#broadcast = broadcast;
    this.empty = empty;
    for (const [type, names] of Object.entries(EVENT_FIELDS)) {
      socket.addEventListener(type, (event) => {
        const fields = Object.fromEntries(names.map((name) => [name, event[name]]));
        if (type === "error") fields.error = errorFields(event.error);
        this.#broadcast({ op: "event", type, fields, figures: this.figures() });
      });
    }
  }

  figures() {
    return Object.fromEntries(FIGURES.map((name) => [name, this.#socket[name]]));
  }

  /** Tabs attached. */
  get size() { return this.#tabs.size; }

  /** What a tab asks (`message`, with its `tab` id); `reply(message)` reaches that tab. */
  take(message, reply) {
    const { op, tab, number } = message;
    const socket = this.#socket;
    const answer = (fields) => reply({ ...fields, tab, number, figures: this.figures() });
    // Sends and requests meant for an earlier hub are the tab's to send again, to this one.
    if ((op === "send" || op === "request") && message.hub !== this.id) return;
    switch (op) {
      case "attach":
        this.#tabs.add(tab);
        answer({ op: "attached", hub: this.id });
        break;
      case "detach":
        for (const key of this.#aborts.keys()) if (key.startsWith(`${tab} `)) this.#aborts.delete(key);
        if (this.#tabs.delete(tab) && this.#tabs.size === 0) this.empty();
        break;
      case "send": {
        // Taken by the last hub already (it handed over): not again.
        if (number <= (this.#taken.get(tab) ?? 0)) return answer({ op: "sent", sent: false });
        let outcome;
        const { volatile, ttlMs, abortable } = message;
        const signal = abortable ? this.#abortable(`${tab} ${number}`) : undefined;
        try {
          const options = { volatile, ttlMs: Number.isNaN(ttlMs) ? undefined : ttlMs, signal };
          outcome = { sent: socket.send(message.data, options) };
        } catch (error) {
          outcome = { error: errorFields(error) };
        }
        this.#taken.set(tab, number);
        answer({ op: "sent", ...outcome });
        break;
      }
      case "request": {
        const key = `${tab} ${number}`;
        socket.request(message.value, { timeoutMs: message.timeoutMs, signal: this.#abortable(key) }).then(
          (result) => answer({ op: "answered", result }),
          (error) => answer({ op: "answered", error: errorFields(error) }),
        ).finally(() => this.#aborts.delete(key));
        break;
      }
      case "abort":
        this.#aborts.get(`${tab} ${number}`)?.abort();
        this.#aborts.delete(`${tab} ${number}`);
        break;
      case "reconnect":
        socket.reconnect(message.code, message.reason);
        break;
      case "binaryType":
        socket.binaryType = message.value;
        break;
    }
  }

  /** A signal the tab's abort of `key` (`${tab} ${number}`) aborts. */
  #abortable(key) {
    const controller = new AbortController();
    this.#aborts.set(key, controller);
    return controller.signal;
  }

  /**
   * Gives the connection up for the next host: the session as a page saves it
   * ({ header, messages }), or null (none, or plain mode). Nothing it reads comes after.
   */
  handOver() {
    return this.#socket[HAND_OVER]();
  }

  /** What the next host needs to go on where this one stops: the number of each tab's last send taken. */
  taken() {
    return Object.fromEntries(this.#taken);
  }

  close() {
    this.#socket.close();
  }
}
