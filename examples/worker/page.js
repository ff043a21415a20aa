// A chat page whose socket lives in a Web Worker: this module never loads resocket itself; it
// talks to worker.js through WorkerSocket (worker-socket.js) and shows what the worker reports.
// Messages are {type: "chat", from, text}, the demo page's and the Rust examples' format, on
// `/chat` of the server that served the page, or on the URL in the `?ws=` parameter.

import { WorkerSocket } from "./worker-socket.js";

const byId = (id) => document.getElementById(id);
const url = new URLSearchParams(location.search).get("ws") ?? "/chat";

const socket = new WorkerSocket(url, null, {
  format: "json",
  heartbeat: { intervalMs: 10000, timeoutMs: 5000 },
  minReconnectionDelay: 500,
});

function log(text) {
  const line = document.createElement("li");
  line.textContent = text;
  byId("log").append(line);
}

socket.addEventListener("state", ({ state, retryCount }) => {
  byId("state").textContent = state;
  byId("state").dataset.state = state;
  byId("retries").textContent = `retries: ${retryCount}`;
});
socket.addEventListener("open", () => log(`open ${socket.url}`));
socket.addEventListener("close", ({ code, reason, willReconnect }) => {
  log(`close ${code}${reason ? ` "${reason}"` : ""}, willReconnect: ${willReconnect}`);
});
socket.addEventListener("reconnecting", ({ attempt, delayMs }) => {
  log(`reconnecting: attempt ${attempt} in ${Math.round(delayMs)} ms`);
});
socket.addEventListener("error", ({ code, message }) => log(`error ${code}: ${message}`));
socket.addEventListener("offline", () => log("offline"));
socket.addEventListener("online", () => log("online"));
socket.addEventListener("message", ({ data }) => {
  if (data?.type !== "chat" || typeof data.text !== "string") return;
  const line = document.createElement("li");
  // Text, never HTML: a message is data.
  line.textContent = `${data.from || "anonymous"}: ${data.text}`;
  byId("messages").append(line);
});

byId("chat").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = byId("text").value;
  if (!text) return;
  socket.send({ type: "chat", from: byId("name").value.trim() || "anonymous", text });
  byId("text").value = "";
});
