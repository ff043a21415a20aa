// A typed consumer of the package: must compile with `tsc --strict --noEmit`.
import ReSocketDefault, {
  QueueFullError,
  ReSocket,
  ReSocketError,
  type Format,
  type Options,
  type ReSocketCloseEvent,
  type ReSocketErrorEvent,
  type ReSocketReconnectingEvent,
  type ReSocketState,
} from "resocket";
import { ReSocket as WebReSocket } from "resocket/web";
import ReconnectingWebSocket, {
  type CloseEvent as RwsCloseEvent,
  type ErrorEvent as RwsErrorEvent,
  type Event as RwsEvent,
  type ListenersMap,
  type Message,
  type Options as RwsOptions,
  type UrlProvider,
  type WebSocketEventListenerMap,
  type WebSocketEventMap,
} from "resocket";

type Out = { type: "say"; text: string } | { type: "join"; name: string };
type In = { type: "said"; from: string; text: string; at: number };

const options: Options = {
  format: "json",
  minReconnectionDelay: 50,
  maxReconnectionDelay: 5000,
  jitter: 0,
  maxRetries: 10,
  maxEnqueuedMessages: 100,
  overflow: "drop-oldest",
  heartbeat: { intervalMs: 1000, timeoutMs: 500, ping: { type: "ping" }, pong: (data) => data === "pong" },
  finalCloseCodes: [1008, 4001],
  shouldReconnectOnClose: (event: CloseEvent) => event.code !== 4002,
};

const socket = new ReSocket<Out, In>("wss://chat.example/socket", null, options);
const queued: boolean = socket.send({ type: "say", text: "hello" });
socket.send({ type: "join", name: "ada" });

socket.addEventListener("message", (event) => {
  const message: In = event.data;
  const line: string = `${event.data.from}: ${event.data.text} at ${message.at.toFixed(0)}`;
  console.log(line);
});
socket.addEventListener("close", (event: ReSocketCloseEvent) => {
  const again: boolean = event.willReconnect;
  const code: number = event.code;
  console.log(again, code, event.reason, event.wasClean);
});
socket.addEventListener("reconnecting", (event: ReSocketReconnectingEvent) => {
  const wait: number = event.attempt * event.delayMs;
  console.log(wait);
});
socket.addEventListener("error", (event: ReSocketErrorEvent) => {
  const code: ReSocketError["code"] = event.error.code;
  const raw: string | ArrayBuffer | Blob | undefined = event.data;
  if (code === "DECODE") console.log(raw, event.message);
});
socket.addEventListener("open", () => socket.send({ type: "say", text: "back" }));

socket.onmessage = function (event) {
  const self: ReSocket<Out, In> = this;
  const text: string = event.data.text;
  console.log(self.readyState, text);
};
socket.onclose = (event) => console.log(event.willReconnect);
socket.onreconnecting = (event) => console.log(event.attempt);
socket.onerror = (event) => console.log(event.error.code);
socket.onopen = null;

async function readAll(): Promise<string[]> {
  const texts: string[] = [];
  for await (const message of socket) texts.push(message.text);
  return texts;
}

try {
  socket.send({ type: "say", text: "maybe too many" });
} catch (error) {
  if (error instanceof QueueFullError) {
    const capacity: number = error.capacity;
    const code: "QUEUE_FULL" = error.code;
    console.log(capacity, code);
  } else if (error instanceof ReSocketError && error.code === "CLOSED") {
    socket.reconnect();
  }
}

// Request/response: a typed result, a per-call timeout and signal, the error codes.
const rpc = new ReSocket("wss://rpc.example/", null, {
  format: "json",
  requestIdField: "rid",
  requestTimeoutMs: 5000,
  resendRequests: true,
});
async function add(a: number, b: number): Promise<number> {
  try {
    const sum: number = await rpc.request<number>({ method: "add", params: [a, b] }, {
      timeoutMs: 1000,
      signal: AbortSignal.timeout(2000),
    });
    return sum;
  } catch (error) {
    if (error instanceof ReSocketError && error.code === "REMOTE") console.log(error.cause);
    else if (error instanceof ReSocketError && (error.code === "REQUEST_TIMEOUT" || error.code === "CONNECTION_LOST")) return add(a, b);
    throw error;
  }
}
const untyped: Promise<unknown> = rpc.request({ method: "echo" });

const state: 0 | 1 | 2 | 3 = socket.readyState;
const detail: ReSocketState = socket.state;
socket.onoffline = () => console.log(detail, "waiting for the network");
socket.addEventListener("online", (event: Event) => console.log(event.type));
const open: 1 = ReSocket.OPEN;
const closing: 2 = socket.CLOSING;
const rtt: number | undefined = socket.rttMs;
const counts: number = socket.retryCount + socket.queuedCount + socket.bufferedAmount;
const described: string = socket.url + socket.protocol + socket.extensions;
socket.close(4000, "bye");

// The raw format, as with WebSocket: the default type parameters.
const raw = new ReSocketDefault("ws://127.0.0.1:8080/echo", ["v1", "v2"]);
raw.binaryType = "arraybuffer";
raw.send("text");
raw.send(new Uint8Array([1, 2, 3]));
raw.send(new ArrayBuffer(4));
raw.send(new Blob(["blob"]));
raw.onmessage = (event) => {
  if (typeof event.data === "string") console.log(event.data.toUpperCase());
};

// Providers: a URL per attempt (sync or async), and subprotocols per attempt.
const fresh = new WebReSocket(
  async () => new URL(`wss://chat.example/socket?token=${Date.now()}`),
  () => Promise.resolve(["v2"]),
  { startClosed: true, connectionTimeout: 2000, minUptime: 1000, reconnectionDelayGrowFactor: 1.5, debug: false },
);
fresh.reconnect();
const sync = new ReSocket(() => "ws://127.0.0.1:8080/echo", "v1");
sync.addEventListener("custom", { handleEvent: (event: Event) => console.log(event.type) });

// Code written against reconnecting-websocket keeps compiling when its import becomes resocket's.
function migrated(url: UrlProvider, options: RwsOptions): ReconnectingWebSocket {
  const rws = new ReconnectingWebSocket(url, [], options);
  const onClose = (event: RwsCloseEvent) => console.log(event.code, event.reason);
  const onError = (event: RwsErrorEvent) => console.log(event.message);
  const onOpen = (event: RwsEvent) => console.log(event.type);
  rws.addEventListener("close", onClose);
  rws.addEventListener("error", onError);
  rws.addEventListener("open", onOpen);
  const message: Message = "hello";
  rws.send(message);
  const listeners: Partial<ListenersMap> = { close: [onClose] };
  const map: Partial<WebSocketEventMap> = {};
  const one: Partial<WebSocketEventListenerMap> = { error: onError };
  console.log(listeners, map, one);
  return rws;
}

// A typed socket's requests are its Out messages.
const typedRpc = new ReSocket<{ method: "add"; params: number[] }, In>("wss://rpc.example", null, { format: "json" });
const typedSum: Promise<number> = typedRpc.request<number>({ method: "add", params: [1, 2] });

// A codec of the application's as the format: its values are the socket's messages.
type Tick = { symbol: string; price: number };
const tickCodec: Format<Tick> = {
  encode: (tick) => new TextEncoder().encode(JSON.stringify(tick)),
  decode: (data) => JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data as ArrayBuffer)) as Tick,
  binary: true,
};
const ticks = new ReSocket<Tick, Tick>("wss://ticks.example", null, { format: tickCodec });
ticks.send({ symbol: "ACME", price: 1.5 });

export { readAll, queued, state, open, closing, rtt, counts, described, add, untyped, migrated, typedSum, ticks };
