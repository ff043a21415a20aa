// The demo: one ReSocket on /chat, everything it reports, and buttons that make the server
// misbehave for this page only, so reconnects, heartbeats and the send queue can be watched.
// With `?session` in the address, the socket is a resumable session on /session-chat instead
// (`session: { persist }`): the tally under the chat's title shows what a drop, a restart or
// a reload cost in either mode.

import { ChatView, toChatMessage } from "./chat.js";
import { FINAL_CLOSE_CODES, describeCloseCode } from "./close-codes.js";
import { askServer } from "./control.js";
import { keepForTab, keptForTab, randomClientId, randomDisplayName } from "./identity.js";
import { EventLog } from "./log.js";
import { StatusBar } from "./status.js";
import { Tally } from "./tally.js";

const LIBRARY = "/pkg/web/resocket.js";
/** The name the resumable session is saved under across reloads (`session.persist`). */
const PERSIST_AS = "demo-chat";
const byId = (id) => document.getElementById(id);
const sessionMode = new URLSearchParams(location.search).has("session");

const log = new EventLog(byId("log"));
const banner = byId("banner");
const { ReSocket } = await loadLibrary();

const clientId = keptForTab("client", randomClientId);
byId("client-id").textContent = clientId;
const nameInput = byId("name");
nameInput.value = keptForTab("name", randomDisplayName);
nameInput.addEventListener("change", () => keepForTab("name", nameInput.value));
const displayName = () => nameInput.value.trim() || "anonymous";
showMode();

const url = new URL(sessionMode ? "/session-chat" : "/chat", location.href);
url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
url.searchParams.set("client", clientId);
const socket = new ReSocket(url.href, null, {
  format: "json",
  heartbeat: { intervalMs: 2000, timeoutMs: 2000 },
  minReconnectionDelay: 500,
  maxReconnectionDelay: 8000,
  ...(sessionMode ? { session: { persist: PERSIST_AS } } : {}),
});

const status = new StatusBar(socket, {
  state: byId("state"),
  retryCount: byId("retry-count"),
  countdown: byId("countdown"),
  rtt: byId("rtt"),
  queued: byId("queued"),
  queuedStat: byId("queued-stat"),
});
const chat = new ChatView(byId("messages"), byId("outbox"), byId("messages-scroll"));
const tally = new Tally({
  sent: byId("tally-sent"),
  received: byId("tally-received"),
  yours: byId("tally-yours"),
  doubled: byId("tally-doubled"),
  missing: byId("tally-missing"),
});
// The queue empties without an event of its own (it goes out just before `open`).
setInterval(() => chat.trimQueued(socket.queuedCount), 100);
let closedByPage = false;

log.add("action", `connecting to ${url.pathname}${url.search}`);

socket.addEventListener("open", () => {
  status.settled();
  chat.trimQueued(socket.queuedCount);
  hideBanner();
  log.add("open", `connected to ${socket.url}`);
});

socket.addEventListener("close", (event) => {
  status.settled();
  const parts = [describeCloseCode(event.code)];
  if (event.reason) parts.push(`reason "${event.reason}"`);
  parts.push(`willReconnect: ${event.willReconnect}`, `wasClean: ${event.wasClean}`);
  log.add("close", parts.join(" · "), {
    code: event.code,
    reason: event.reason,
    willReconnect: event.willReconnect,
  });
  if (!event.willReconnect) explainStaysClosed(event.code);
});

socket.addEventListener("reconnecting", (event) => {
  status.reconnecting(event.delayMs);
  log.add("reconnecting", `attempt ${event.attempt} in ${Math.round(event.delayMs)} ms`, {
    attempt: event.attempt,
    delayMs: Math.round(event.delayMs),
  });
});

socket.addEventListener("resumed", (event) => {
  const unknown = event.unacknowledged.length;
  const details = { recovered: event.recovered, unacknowledged: unknown };
  if (event.recovered) {
    log.add("resumed", "session recovered: nothing lost, nothing doubled", details);
    return;
  }
  const texts = event.unacknowledged.map((value) => toChatMessage(value)?.text ?? preview(value));
  const which = unknown === 0 ? "" : `: ${texts.map((text) => `"${preview(text)}"`).join(", ")}`;
  log.add(
    "resumed",
    `new session, the server no longer had ours; ${unknown} message(s) of unknown fate${which}`,
    details,
  );
});

socket.addEventListener("error", (event) => {
  const code = event.error?.code;
  const data = event.data === undefined ? "" : ` · data: ${preview(event.data)}`;
  log.add("error", `${event.message}${data}`, code ? { code } : {});
  status.render();
});

socket.addEventListener("message", (event) => {
  const message = toChatMessage(event.data);
  if (message) {
    // Our own come back too; one without a sender tag (sent from the console, say) is ours
    // if it bears our name.
    const mine = message.sender === undefined ? message.from === displayName() : message.sender === clientId;
    chat.show(message, mine);
    tally.received(message, mine);
  } else {
    log.add("message", `not a chat message, not shown: ${preview(event.data)}`);
  }
});

byId("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = byId("text");
  const text = input.value.trim();
  if (!text) return;
  const message = {
    type: "chat",
    from: displayName(),
    text,
    sentAt: Date.now(),
    sender: clientId,
    seq: lastNumber() + 1,
  };
  try {
    const sentNow = socket.send(message);
    // Only a message `send` took uses up its number: the tally finds no gap.
    keepForTab("seq", String(message.seq));
    tally.sent();
    if (!sentNow) {
      chat.queue(message);
      log.add("queued", `"${text}" waits for the connection (${socket.queuedCount} queued)`, {
        queued: socket.queuedCount,
      });
    }
    input.value = "";
  } catch (error) {
    log.add("error", `not sent: ${error.message}`, error.code ? { code: error.code } : {});
  }
  status.render();
  input.focus();
});

for (const action of ["drop", "silent", "restart", "forget"]) {
  byId(action).addEventListener("click", (event) => control(event.currentTarget, action));
}
byId("close-with-code").addEventListener("click", (event) => {
  const code = byId("close-code").value;
  control(event.currentTarget, "close", { code, reason: `demo: close with ${code}` });
});

byId("reconnect").addEventListener("click", () => {
  closedByPage = false;
  socket.reconnect();
  status.settled();
  hideBanner();
  log.add("action", "reconnect() called: connecting at once, retry count reset");
});

byId("close").addEventListener("click", () => {
  closedByPage = true;
  socket.close();
  status.render();
  log.add("action", "close() called: the socket stays closed until Reconnect now");
});

byId("clear-log").addEventListener("click", () => log.clear());

// For tests and for poking at it from the console.
window.resocketDemo = { socket, clientId, sessionMode };
document.documentElement.dataset.ready = "true";

/** Marks the chat's mode in the switch, the titles and the notes. */
function showMode() {
  const current = byId(sessionMode ? "mode-session" : "mode-plain");
  current.setAttribute("aria-current", "page");
  if (!sessionMode) return;
  byId("chat-title").textContent = "Resumable chat";
  byId("mode-note").textContent =
    "A resumable session: what the chat says while this page is away arrives when it is back, " +
    "once and in order, across a reload too.";
  byId("queued-label").textContent = "Unacked";
  byId("forget").hidden = false;
  byId("footer-session").hidden = false;
}

/** The number of this tab's last chat message (0 before the first), kept across reloads. */
function lastNumber() {
  return Number(keptForTab("seq", () => "0")) || 0;
}

async function loadLibrary() {
  try {
    return await import(LIBRARY);
  } catch (error) {
    byId("state").textContent = "UNAVAILABLE";
    byId("state").dataset.state = "CLOSED";
    showBanner(`The resocket package is not built: run "make package", then reload.`, "error");
    log.add("error", `cannot load ${LIBRARY}: ${error.message}`);
    throw error;
  }
}

/** Asks the server to misbehave for this page, and logs what it did. */
async function control(button, action, parameters = {}) {
  button.disabled = true;
  const asked = parameters.code ? `${action} ${parameters.code}` : action;
  try {
    const affected = await askServer(clientId, action, parameters);
    const what = {
      restart: "connections on the server",
      forget: "session(s) of this page",
    }[action] ?? "connection(s) of this page";
    log.add("control", `${asked}: ${affected} ${what} affected`, { action, affected });
  } catch (error) {
    log.add("error", `the server refused ${asked}: ${error.message}`, { action });
  } finally {
    button.disabled = false;
  }
}

function explainStaysClosed(code) {
  if (closedByPage) {
    showBanner("Closed by this page. Reconnect now to connect again.", "info");
  } else if (FINAL_CLOSE_CODES.has(code)) {
    showBanner(
      `The server closed with ${describeCloseCode(code)}, a final code: no more retries. ` +
        "Reconnect now to try again.",
      "error",
    );
  } else {
    showBanner(`Closed with ${describeCloseCode(code)}; no retry follows. Reconnect now to try again.`, "error");
  }
}

function showBanner(text, tone) {
  banner.textContent = text;
  banner.dataset.tone = tone;
  banner.hidden = false;
}

function hideBanner() {
  banner.hidden = true;
}

/** A short, single-line view of a value for the log. */
function preview(value) {
  let text;
  try {
    text = typeof value === "string" ? value : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  text = String(text).replace(/\s+/gu, " ");
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}
