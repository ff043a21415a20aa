// The worker half: owns the page's one ReSocket and speaks to the page in messages
// (worker-socket.js is the page half). Why the socket lives here:
// - A hidden tab's timers are throttled (to once a second, and in Chrome to once a minute after
//   a few minutes hidden), so a page's heartbeat pings, pong deadlines and retry delays would
//   run late. A dedicated worker's timers are not throttled that way: in a background tab the
//   socket still finds a dead connection and retries a lost one on time.
// - One socket for the whole page: every part of the page's code talks to this worker instead
//   of opening a connection of its own, and JSON is parsed off the main thread.
//
// Page -> worker: {op: "open", url, protocols, options} first, then {op: "send", data},
// {op: "request", id, value, timeoutMs}, {op: "abort", id}, {op: "close", code, reason},
// {op: "reconnect"}. Worker -> page: one message per socket event ({type: "open" | "message" |
// "close" | "reconnecting" | "error" | "offline" | "online", ...its fields}) and per answered
// request ({type: "reply", id, result} or {type: "reply", id, error}), each with the socket's
// `status` at that moment.
//
// Options travel by postMessage, so they cannot hold functions: a URL provider (fresh token
// per attempt), `shouldReconnectOnClose` or a `heartbeat.pong` function belong in this file.

const LIBRARY = "/pkg/web/resocket.js";

let socket = null;
const aborts = new Map();

// The library initialises its wasm with a top-level await. Imported statically, it would hold
// up this module, and a message the page posts meanwhile could arrive before any listener
// exists. So the listener comes first, and every message waits for the import, in order.
const library = import(LIBRARY);
self.addEventListener("message", (event) => {
  library.then(({ ReSocket }) => handle(ReSocket, event.data)).catch((error) => report("error", failure(error)));
});

function handle(ReSocket, command) {
  if (command.op === "open") return open(ReSocket, command);
  if (!socket) return report("error", { code: "CLOSED", message: "resocket: the socket did not open" });
  switch (command.op) {
    case "send":
      try {
        socket.send(command.data);
      } catch (error) {
        // QueueFullError, CLOSED after close(), or a TypeError: the page's send() has returned
        // already, so the failure comes back as an error event.
        report("error", failure(error));
      }
      break;
    case "request": {
      const abort = new AbortController();
      aborts.set(command.id, abort);
      socket
        .request(command.value, { timeoutMs: command.timeoutMs, signal: abort.signal })
        .then((result) => report("reply", { id: command.id, result }), (error) => report("reply", { id: command.id, error: failure(error) }))
        .finally(() => aborts.delete(command.id));
      break;
    }
    case "abort":
      aborts.get(command.id)?.abort();
      break;
    case "close":
      socket.close(command.code, command.reason);
      break;
    case "reconnect":
      socket.reconnect();
      break;
  }
}

function open(ReSocket, { url, protocols, options }) {
  try {
    socket = new ReSocket(url, protocols, options);
  } catch (error) {
    return report("error", failure(error));
  }
  socket.onopen = () => report("open");
  socket.onmessage = (event) => report("message", { data: event.data });
  socket.onclose = ({ code, reason, wasClean, willReconnect, requeued, unconfirmed }) =>
    report("close", { code, reason, wasClean, willReconnect, requeued, unconfirmed });
  socket.onreconnecting = ({ attempt, delayMs }) => report("reconnecting", { attempt, delayMs });
  socket.onerror = (event) => report("error", { ...failure(event.error), data: event.data });
  socket.onoffline = () => report("offline");
  socket.ononline = () => report("online");
  report("status");
}

function report(type, fields = {}) {
  const status = socket && {
    state: socket.state,
    readyState: socket.readyState,
    url: socket.url,
    protocol: socket.protocol,
    retryCount: socket.retryCount,
    queuedCount: socket.queuedCount,
    rttMs: socket.rttMs,
  };
  self.postMessage({ type, ...fields, status });
}

/** An error as plain fields: structured cloning keeps neither its class nor its `code`. */
function failure(error) {
  return {
    name: error?.name ?? "Error",
    code: error?.code,
    message: error?.message ?? String(error),
    cause: error?.cause,
  };
}
