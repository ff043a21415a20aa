// A server-side rendering entry, built by Vite with the package bundled into it
// (tests/e2e/runtimes.test.js): rendering only imports the package; `echo` makes a socket on
// the server, which loads the engine from the installed package.
import { ReSocket } from "resocket";

export function render() {
  return `<p>${typeof ReSocket}</p>`;
}

export function echo(url, text) {
  return new Promise((resolve, reject) => {
    const socket = new ReSocket(url, null, { maxRetries: 0 });
    socket.onmessage = (event) => {
      socket.close();
      resolve(event.data);
    };
    socket.onerror = (event) => reject(event.error);
    socket.send(text);
  });
}
