// Opened as index.html?ws=ws://127.0.0.1:PORT&client=NAME: sends one JSON message to the
// test server's echo endpoint and shows what comes back.
import ReSocketDefault, { ReSocket } from 'resocket/web';

const params = new URLSearchParams(location.search);
const result = document.getElementById('result');
const url = new URL('/echo', params.get('ws'));
url.searchParams.set('client', params.get('client'));

const socket = new ReSocket(url.href, null, { format: 'json', minReconnectionDelay: 50, jitter: 0 });
socket.addEventListener('open', () => socket.send({ from: 'esbuild', defaultExport: ReSocketDefault === ReSocket }));
socket.addEventListener('message', (event) => {
  result.textContent = JSON.stringify(event.data);
  result.dataset.done = 'true';
  socket.close();
});
socket.addEventListener('error', (event) => {
  result.textContent = `error ${event.error?.code}: ${event.message}`;
});
