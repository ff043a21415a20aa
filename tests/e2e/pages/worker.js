// A module Web Worker that uses the web build: the library must not need `window`.
// Started as worker.js?url=WS_URL; posts back the echo of one message, or what went wrong.
// (The URL comes in the query, not a message: the import's top-level await would let a message
// posted meanwhile arrive before the handler exists.)
import { ReSocket } from '/pkg/web/resocket.js';

const url = new URL(self.location.href).searchParams.get('url');
const socket = new ReSocket(url, null, { format: 'json' });
socket.onopen = () => socket.send({ from: 'worker', inWorker: typeof window === 'undefined' });
socket.onmessage = (event) => {
  self.postMessage({ echoed: event.data });
  socket.close();
};
socket.onerror = (event) => self.postMessage({ error: `${event.error?.code}: ${event.message}` });
