// The lines from a tab's shared socket (shared.js) to the hub that holds the connection
// (shared-hub.js): to a SharedWorker, or to a leader tab over a BroadcastChannel, elected with
// the Web Locks API. Loaded by the first shared socket of a page.
import { ReSocket } from "./resocket.js";
import { Hub, TO_HUB } from "./shared-hub.js";
import { putSaved, storage, takeSaved } from "./saved.js";
import { sharedWorker } from "#engine";

/** Whether `value` holds a function anywhere: such options cannot cross to a worker. */
function holdsFunction(value) {
  if (typeof value === "function") return true;
  return typeof value === "object" && value !== null && Object.values(value).some(holdsFunction);
}

/**
 * The line of a tab's socket to the hub of connection `key` (`take(message)` hears the hub):
 * a SharedWorker where there is one to make (the web build's, or `settings.shared.worker`) and
 * the options can cross to it (no functions, and no codec `format`, whose methods may be its
 * class's, which a message does not carry), else a leader tab. `{ post(message), close(),
 * reopen() }`.
 */
export function link(key, url, protocols, options, settings, take) {
  // The hub's options are these but `shared` (which may hold the application's worker).
  const crossing = { ...options, shared: false };
  const worker = settings.shared.worker ?? sharedWorker;
  const crosses = !holdsFunction([url, protocols, crossing]) && typeof crossing.format !== "object";
  if (worker && typeof SharedWorker === "function" && crosses) {
    return workerLink(key, worker, { url: String(url), protocols, options: crossing }, take);
  }
  return leaderLink(key, (saved) => hostSocket(url, protocols, crossing, settings, key, saved), take);
}

/**
 * The ReSocket a leader tab holds for a shared connection: made from this tab's arguments, in
 * session mode resuming the session `saved` the last leader handed over.
 */
function hostSocket(url, protocols, options, settings, key, saved) {
  let hostOptions = options;
  if (settings.session) {
    const persist = settings.persist ?? `shared.${key}`;
    hostOptions = { ...hostOptions, session: { window: settings.policy["session.window"], persist } };
    if (saved) putSaved(persist, saved);
  }
  return new ReSocket(url, protocols, hostOptions);
}

/**
 * A tab's line to the SharedWorker (`worker()` makes it) that hosts connection `key`, which
 * `init` makes on first attach.
 */
function workerLink(key, worker, init, take) {
  let port;
  const open = () => {
    port = worker().port;
    port.addEventListener("message", ({ data }) => take(data));
    port.start();
  };
  open();
  // A tab that goes away lets go of the connection; the last one to go closes it.
  const leave = () => port.postMessage({ key, op: "detach" });
  globalThis.addEventListener?.("pagehide", leave);
  return {
    post: (message) => port.postMessage({ key, ...message, ...(message.op === "attach" ? init : {}) }),
    close() {
      globalThis.removeEventListener?.("pagehide", leave);
      port.close();
    },
    reopen() {
      open();
      globalThis.addEventListener?.("pagehide", leave);
    },
  };
}

/**
 * A tab's line to the leader tab of connection `key` over a BroadcastChannel. The tab whose Web
 * Lock request is granted leads: it holds the connection `host(saved)` makes until it goes
 * away, and then writes what the next leader needs to go on to localStorage. Without the Web
 * Locks API or BroadcastChannel the tab holds its own connection.
 */
function leaderLink(key, host, take) {
  const name = `resocket-shared-${key}`;
  const entry = `shared.${key}`;
  const takenEntry = `resocket.shared.${key}.taken`;
  let channel = null;
  let hub = null;
  let leaving = false;
  let stop = null;
  let closed = false;
  const closeChannel = () => {
    channel?.close();
    channel = null;
  };
  const local = (message) => queueMicrotask(() => take(message));
  const broadcast = (message) => {
    channel?.postMessage(message);
    local(message);
  };
  const lead = () => new Promise((release) => {
    const store = storage("localStorage");
    const saved = takeSaved(entry, store);
    let taken = {};
    try {
      taken = JSON.parse(store?.getItem(takenEntry) ?? "{}");
      store?.removeItem(takenEntry);
    } catch {}
    hub = new Hub(host(saved), broadcast, () => {
      hub.close();
      hub = null;
      release();
      if (closed) closeChannel();
    }, taken);
    broadcast({ op: "leader", hub: hub.id });
  });
  // The leader goes away: it takes nothing more, and leaves what the next one needs.
  const handOver = () => {
    if (!hub) return;
    leaving = true;
    const store = storage("localStorage");
    putSaved(entry, hub.handOver(), store);
    try {
      store?.setItem(takenEntry, JSON.stringify(hub.taken()));
    } catch {}
  };
  const open = () => {
    leaving = false;
    closed = false;
    channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(name) : null;
    channel?.addEventListener("message", ({ data }) => {
      if (!TO_HUB.has(data.op)) take(data);
      else if (hub && !leaving) hub.take(data, (answer) => channel.postMessage(answer));
    });
    stop = new AbortController();
    if (channel && globalThis.navigator?.locks) {
      navigator.locks.request(name, { signal: stop.signal }, lead).catch(() => {});
    } else {
      lead();
    }
    globalThis.addEventListener?.("pagehide", handOver);
  };
  open();
  return {
    post(message) {
      if (!hub) channel?.postMessage(message);
      else if (!leaving) hub.take(message, local);
    },
    // This tab's socket let go; a leader goes on serving the other tabs until the last leaves.
    close() {
      closed = true;
      globalThis.removeEventListener?.("pagehide", handOver);
      if (hub) return;
      stop.abort();
      closeChannel();
    },
    reopen: open,
  };
}
