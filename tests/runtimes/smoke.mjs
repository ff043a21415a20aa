// The runtimes' smoke suite, run by tests/e2e/runtimes.test.js in Node.js 20 (with the ws
// package's WebSocket, as the `WebSocket` option), Node.js 22, Deno and Bun, from an app that
// depends on the package (so each runtime resolves it through its `exports` and `imports`
// conditions). Against the test server at the ws: base in argv[2]: connect and echo; reconnect
// after the server drops the connection; the heartbeat measures a round trip, and closes a
// connection whose server went silent with 4000 and reconnects; a request is answered; a
// session (the session engine) delivers its messages once; a refused connection is an error
// and a 1006 close at once, not after the connect timeout. Prints one JSON line of what each
// check saw, closes every socket, and leaves the process to exit by itself (nothing of the
// package may keep it alive).
import { ReSocket } from "resocket";

const base = process.argv[2];
const useWs = process.argv[3] === "ws";
const extra = useWs ? { WebSocket: (await import("ws")).WebSocket } : {};
const fast = { minReconnectionDelay: 50, maxReconnectionDelay: 200, jitter: 0, ...extra };
const client = (name) => `${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

/** Resolves with the value of `event`'s first firing on `socket` that `test` accepts, or rejects after `ms`. */
function next(socket, type, test = () => true, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${ms} ms`)), ms);
    const listener = (event) => {
      if (!test(event)) return;
      clearTimeout(timer);
      socket.removeEventListener(type, listener);
      resolve(event);
    };
    socket.addEventListener(type, listener);
  });
}

async function check(name, body) {
  const started = performance.now();
  try {
    return { name, ok: true, ...(await body()), ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { name, ok: false, error: String(error?.stack ?? error) };
  }
}

const results = [];
results.push(await check("echo", async () => {
  const socket = new ReSocket(`${base}/echo?client=${client("echo")}`, null, fast);
  const echoed = next(socket, "message");
  socket.send("hello");
  const { data } = await echoed;
  socket.close();
  return { data };
}));

results.push(await check("reconnect after a drop", async () => {
  const socket = new ReSocket(`${base}/echo?client=${client("drop")}&drop_after=1`, null, fast);
  const closes = [];
  socket.addEventListener("close", (event) => closes.push({ code: event.code, willReconnect: event.willReconnect }));
  let opens = 0;
  socket.addEventListener("open", () => { opens += 1; });
  await next(socket, "open");
  socket.send("one");
  await next(socket, "open");
  socket.close();
  return { opens, closes: closes.slice(0, 1) };
}));

results.push(await check("heartbeat", async () => {
  const heartbeat = { intervalMs: 100, timeoutMs: 300 };
  const live = new ReSocket(`${base}/echo?client=${client("beat")}`, null, { ...fast, heartbeat });
  await next(live, "open");
  await new Promise((resolve) => setTimeout(resolve, 400));
  const rttMs = live.rttMs;
  live.close();
  const silent = new ReSocket(`${base}/echo?client=${client("silent")}&silent=1`, null, { ...fast, heartbeat });
  const closed = await next(silent, "close");
  const reopened = await next(silent, "open").then(() => true);
  silent.close();
  return { rttMeasured: typeof rttMs === "number" && rttMs >= 0, silentClose: closed.code, reopened };
}));

results.push(await check("request", async () => {
  const socket = new ReSocket(`${base}/rpc?client=${client("rpc")}`, null, { ...fast, format: "json" });
  const answer = await socket.request({ method: "add", params: [20, 22] }, { timeoutMs: 5000 });
  socket.close();
  return { answer };
}));

results.push(await check("session", async () => {
  const socket = new ReSocket(`${base}/session?client=${client("session")}`, null, { ...fast, session: true });
  const messages = [];
  socket.addEventListener("message", (event) => messages.push(event.data));
  for (const text of ["a", "b", "c"]) socket.send(text);
  const deadline = performance.now() + 5000;
  while (messages.length < 3 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  socket.close();
  return { messages };
}));

results.push(await check("refused", async () => {
  // Port 1 on the loopback: refused at once. The connect timeout (4 s) is far longer than this
  // check may take.
  const socket = new ReSocket("ws://127.0.0.1:1/", null, { ...fast, maxRetries: 0 });
  const error = next(socket, "error");
  const closed = await next(socket, "close", () => true, 2000);
  const { error: { code } } = await error;
  return { errorCode: code, closeCode: closed.code, willReconnect: closed.willReconnect };
}));

console.log(JSON.stringify(results));
