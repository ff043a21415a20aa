// What the framework bindings (react.js, vue.js, svelte.js) share: one socket per URL,
// protocols and options, held by every component that asks for it and counted, with a view of
// it ({ state, lastMessage, error, retryCount, queuedCount, rttMs, socket }) that is replaced
// whenever it changes, so a framework can compare views by identity.
//
// A socket let go by its last holder is closed a task later, and only if nobody took it again
// meanwhile: React's StrictMode mounts, unmounts and mounts again at once, and a socket closed
// at the unmount would have reached the network only to be closed before its connection was
// established (the browser warns); the second mount takes the socket the first one made.
import { connectionText } from "../options.js";
import { ReSocket, ReSocketError } from "../resocket.js";

/** The sockets held, by `connectionKey`. */
const connections = new Map();

/** What a binding shows while no component holds its socket yet (React renders before it subscribes). */
export const UNHELD = Object.freeze({
  state: "connecting",
  lastMessage: undefined,
  error: undefined,
  retryCount: 0,
  queuedCount: 0,
  rttMs: undefined,
  socket: null,
});

/** The bindings' options: the socket's own, plus `protocols` and `onMessage`, which are no ReSocket options. */
function split(options) {
  const { protocols, onMessage, ...socketOptions } = options ?? {};
  return { protocols, onMessage, socketOptions };
}

/** What tells the socket of (url, options) from others: `onMessage` is each holder's own. */
export function connectionKey(url, options) {
  const { protocols, socketOptions } = split(options);
  return connectionText(url, protocols, socketOptions);
}

class Connection {
  holders = 0;
  /** Called whenever the view changes, one entry per holder that watches. */
  watchers = new Set();

  constructor(socket) {
    this.socket = socket;
    this.view = Object.freeze({ ...UNHELD, state: socket.state, socket });
    // The figures have no events of their own: they are read again at each of these, and at
    // each send and request.
    socket.addEventListener("statechange", ({ state }) => this.refresh(state === "open" ? { error: undefined } : {}));
    socket.addEventListener("message", (event) => this.refresh({ lastMessage: event.data }));
    socket.addEventListener("error", (event) => this.refresh({ error: event.error }));
  }

  /** A new view if anything in it changed; then tells the watchers. */
  refresh(change) {
    const { socket, view } = this;
    const next = {
      ...view,
      state: socket.state,
      retryCount: socket.retryCount,
      queuedCount: socket.queuedCount,
      rttMs: socket.rttMs,
      ...change,
    };
    if (Object.keys(next).every((name) => Object.is(next[name], view[name]))) return;
    this.view = Object.freeze(next);
    for (const watcher of [...this.watchers]) watcher();
  }

  send = (data, options) => {
    const sent = this.socket.send(data, options);
    this.refresh();
    return sent;
  };

  request = (value, options) => {
    const answer = this.socket.request(value, options);
    this.refresh();
    return answer;
  };
}

/** The view of the socket of `key`, or `UNHELD` while nobody holds it. */
export function viewOf(key) {
  return connections.get(key)?.view ?? UNHELD;
}

/** The socket of `key`, for a binding's `send` and `request`; throws while nobody holds it. */
function heldConnection(key) {
  const connection = connections.get(key);
  if (connection) return connection;
  throw new ReSocketError("CLOSED", "resocket: nothing holds this socket yet: send once a component using it has mounted (or its store has a subscriber)");
}

/**
 * A binding's `send` and `request` for the socket of `key`: they reach whoever holds it when
 * called, and throw (`CLOSED`) while nobody does.
 */
export function callsFor(key) {
  return {
    send: (data, options) => heldConnection(key).send(data, options),
    request: (value, options) => heldConnection(key).request(value, options),
  };
}

/**
 * Holds the socket of (url, options), making it if nobody holds it: `changed()` is called
 * whenever its view changes and `options.onMessage(data)` at each message, until `release()`.
 * Returns { socket, view(), send, request, release }.
 */
export function hold(url, options, changed) {
  const key = connectionKey(url, options);
  const { protocols, onMessage, socketOptions } = split(options);
  let connection = connections.get(key);
  if (!connection) {
    connection = new Connection(new ReSocket(url, protocols, socketOptions));
    connections.set(key, connection);
  }
  connection.holders += 1;
  // A watcher of its own, so two holders with the same callback count twice.
  const watcher = changed && (() => changed());
  if (watcher) connection.watchers.add(watcher);
  const listener = onMessage && ((event) => onMessage(event.data));
  if (listener) connection.socket.addEventListener("message", listener);
  let held = true;
  return {
    socket: connection.socket,
    view: () => connection.view,
    send: connection.send,
    request: connection.request,
    release() {
      if (!held) return;
      held = false;
      connection.watchers.delete(watcher);
      if (listener) connection.socket.removeEventListener("message", listener);
      connection.holders -= 1;
      if (connection.holders === 0) setTimeout(() => letGo(key, connection));
    },
  };
}

/** Closes the socket of `key` if nobody took it again since its last holder let go. */
function letGo(key, connection) {
  if (connection.holders > 0 || connections.get(key) !== connection) return;
  connections.delete(key);
  connection.socket.close();
}
