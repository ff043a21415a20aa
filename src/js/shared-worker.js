// The SharedWorker that hosts the shared connections of an origin (`shared: true`): one
// ReSocket per URL and options, made when the first tab asks for it and closed when the last
// tab has gone, each served to its tabs by a Hub (shared-hub.js).
import { ReSocket } from "./resocket.js";
import { Hub } from "./shared-hub.js";

/** key -> { hub, ports }. */
const hosted = new Map();

function host(key, { url, protocols, options }) {
  const ports = new Set();
  const socket = new ReSocket(url, protocols, { ...options, shared: false });
  const hub = new Hub(socket, (message) => {
    for (const port of ports) port.postMessage({ key, ...message });
  }, () => {
    hub.close();
    hosted.delete(key);
  });
  const entry = { hub, ports };
  hosted.set(key, entry);
  return entry;
}

globalThis.addEventListener("connect", (event) => {
  const [port] = event.ports;
  port.addEventListener("message", ({ data }) => {
    const { key } = data;
    let entry = hosted.get(key);
    if (!entry) {
      // Only a tab that attaches makes the connection; anything else came after it closed.
      if (data.op !== "attach") return;
      entry = host(key, data);
    }
    if (data.op === "attach") entry.ports.add(port);
    if (data.op === "detach") entry.ports.delete(port);
    entry.hub.take(data, (message) => port.postMessage({ key, ...message }));
  });
  port.start();
});
