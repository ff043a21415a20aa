/**
 * resocket: a WebSocket that stays connected. A drop-in for `reconnecting-websocket` and
 * `partysocket`, with jittered backoff, heartbeats that detect dead connections, a bounded send
 * queue that reports overflow, and typed messages (JSON, or any codec: MessagePack, protobuf).
 */

/** What `send` takes and `message` events carry in the `"raw"` format, as with `WebSocket`. */
export type RawData = string | ArrayBufferLike | Blob | ArrayBufferView;

/** A URL, or a function asked before every attempt (so each reconnect can carry a fresh token). */
export type UrlProvider = string | URL | (() => string | URL | Promise<string | URL>);

/** Subprotocols, or a function asked before every attempt. */
export type ProtocolsProvider =
  | string
  | string[]
  | (() => string | string[] | Promise<string | string[]>);

/**
 * A message format of the application's (`format` option): MessagePack, protobuf, CBOR, ... `T`
 * is the values it sends and delivers.
 */
export interface Format<T = unknown> {
  /**
   * A value as the frame to send. Called by `send`, `request` and for `heartbeat.ping`; what it
   * throws, or a result that is not a frame, makes them throw a `TypeError` (its `cause` the
   * error thrown).
   */
  encode(value: T): string | ArrayBufferLike | ArrayBufferView | Blob;
  /**
   * An incoming frame (any frame, text too) as the value `message` listeners get. What it
   * throws is reported as an `error` event with code `DECODE` and the frame in `data`; the
   * connection stays open. Also called on the socket's own frames for the `resumed` and
   * `removed` events (a frame it cannot decode is given as it is).
   */
  decode(data: string | ArrayBuffer | Blob): T;
  /**
   * The frames are binary: the socket starts with `binaryType` `"arraybuffer"`, so `decode`
   * gets `ArrayBuffer`s (a `Blob` cannot be read at once). Default false: `binaryType`
   * starts as `"blob"`, as with `WebSocket`.
   */
  binary?: boolean;
}

export interface HeartbeatOptions {
  /** Silence (no incoming message) after which a ping is sent, in ms. */
  intervalMs: number;
  /** How long to wait after a ping for anything to arrive before reconnecting, in ms. */
  timeoutMs: number;
  /**
   * The ping message. Default `"ping"`, sent as it is; a ping given in the `"json"` format or a
   * codec format is any value the format encodes, encoded as `send` encodes it.
   */
  ping?: unknown;
  /**
   * Recognises pongs, which are not delivered as messages: a text matched exactly (default
   * `"pong"`), or a function given the raw message data (before any decoding): a binary
   * format's pong is recognised by a function.
   */
  pong?: string | ((data: string | ArrayBuffer | Blob) => boolean);
}

export interface SessionOptions {
  /**
   * The bytes of messages the server has not acknowledged that are kept before `send` refuses
   * with `WINDOW_FULL`. Default 102400 (100 KB).
   */
  window?: number;
  /**
   * Keeps the session across a reload of the page under this name: when the page goes away
   * (`pagehide`), the session and its unacknowledged messages are saved to `sessionStorage`,
   * and the next page's socket with the same name resumes it, sending only what the server
   * lacks. The entry holds the session's key. Blob messages cannot be saved (the session then
   * starts anew on the next page).
   */
  persist?: string;
}

export interface Options {
  /** Delay before the first retry, in ms, before jitter. Default 1000. */
  minReconnectionDelay?: number;
  /** Cap on every retry delay, in ms, before jitter. Default 30000. */
  maxReconnectionDelay?: number;
  /** Growth of the delay with each further retry. Default 2. */
  reconnectionDelayGrowFactor?: number;
  /** A connection must stay open this long (ms) before the retry count resets. Default 5000. */
  minUptime?: number;
  /** An attempt that has not opened by then (ms) is abandoned and retried. Default 5000. */
  connectionTimeout?: number;
  /** Retries after the first attempt before giving up. Default: unlimited. */
  maxRetries?: number;
  /** Messages kept while disconnected. Default 1000. */
  maxEnqueuedMessages?: number;
  /** Do not connect until `reconnect()` is called. Default false. */
  startClosed?: boolean;
  /**
   * Connect only on demand (graphql-ws's `lazy`): the socket rests in state `"idle"` until a
   * message is sent, a request made, or a `message` listener added (or `onmessage` set); a
   * connection lost while nothing is wanted waits for the next demand. Default false.
   */
  lazy?: boolean;
  /**
   * Close the connection cleanly (1000; 4001 in session mode, which keeps the session) after
   * this many ms with nothing queued or unacknowledged, no request pending and no `message`
   * listener (a send starts the wait over); the socket then rests in state `"idle"` and
   * connects again on the next demand, as with `lazy`. Default: never.
   */
  idleCloseMs?: number;
  /** Log what happens to the console (URLs with their query and credentials redacted). */
  debug?: boolean;
  /** May veto a reconnect after a close the user did not ask for. */
  shouldReconnectOnClose?: (event: globalThis.CloseEvent) => boolean;

  /** Random fraction of each delay, from 0 to 1. Default 0.5. */
  jitter?: number;
  /** Ping on silence and reconnect when nothing answers. Off by default. */
  heartbeat?: HeartbeatOptions;
  /** Server close codes after which the socket stays closed. Default [1002, 1003, 1007, 1008, 1009, 1010]. */
  finalCloseCodes?: number[];
  /** A send on a full queue: throw `QueueFullError` (default), or drop the oldest queued message. */
  overflow?: "error" | "drop-oldest";
  /**
   * `"raw"` (default) behaves like WebSocket; `"json"` stringifies sends and parses text
   * messages; a `Format` (`{ encode, decode, binary? }`) encodes sends and decodes every
   * message with the application's codec. `request()` needs `"json"` or a `Format` whose
   * values are objects. A `Format` holds functions: with `shared`, the connection lives in a
   * leader tab (never a SharedWorker), and messages reach the other tabs as structured clones
   * of the decoded values (plain data, no class instances).
   */
  format?: "raw" | "json" | Format<any>;
  /**
   * The largest incoming message delivered: a whole number of at least 1, or `Infinity`.
   * Default 16777216 (16 MiB). Text counts its `length` (UTF-16 code units, at most its UTF-8
   * size), binary its bytes. A larger message is not delivered: an `error` event with code
   * `MESSAGE_TOO_BIG` reports it, and the connection stays open.
   */
  maxMessageBytes?: number;
  /** The field of requests and answers that carries a request's id (`request()`). Default `"id"`. */
  requestIdField?: string;
  /** How long `request()` waits for its answer unless told otherwise, in ms. Default 10000. */
  requestTimeoutMs?: number;
  /**
   * Requests pending when their connection is lost: `false` (default) rejects them with code
   * `CONNECTION_LOST`; `true` sends them again on the next connection while their timeout runs
   * (the server may then see a request twice; a second answer is dropped).
   */
  resendRequests?: boolean;
  /**
   * A resumable session with a server that speaks resocket's session protocol (it must select
   * the `resocket.v1` subprotocol, offered after yours): every message reaches the other side
   * exactly once and in order across drops, and each reconnect reports a `resumed` event.
   * `maxEnqueuedMessages` and `overflow` do not apply (the window does), nor the heartbeat's
   * `ping` and `pong` (the protocol has its own). Off by default.
   */
  session?: boolean | SessionOptions;
  /**
   * Runs on every new connection before anything queued is sent (in session mode, after the
   * server's welcome and what it lacked of the session): what it sends through `setup.send`
   * and `setup.request` goes first, and once it settles the queue is flushed and `open` fires.
   * Until then the socket is `connecting` and `send` queues. If it throws or rejects, or takes
   * longer than `setupTimeoutMs`, the connection is closed and retried by the backoff policy,
   * with an `error` event of code `SETUP` or `SETUP_TIMEOUT`. Authenticate, resubscribe or
   * rejoin here.
   */
  setup?: (setup: SetupSocket<any, any>, info: SetupInfo) => unknown;
  /** How long the `setup` step may take, in ms. Default 10000. */
  setupTimeoutMs?: number;
  /**
   * One connection for every tab of the origin that opens the same URL with the same options:
   * events reach every tab, each tab's sends are delivered once, and the state and counts are
   * the shared connection's. Hosted in a `SharedWorker` (options without functions) or by a
   * leader tab (Web Locks and BroadcastChannel), which hands the connection, and in session mode
   * the session, to another tab when it goes away. `send` returns whether the connection was
   * open when last heard of; a refusal comes back as an `error` event. `close()` lets go in this
   * tab only. The web build makes its own SharedWorker; with a bundler, pass `{ worker }`, a
   * function making one from a file of the application that imports "resocket/shared-worker"
   * (without it, a leader tab holds the connection). Off by default.
   */
  shared?: boolean | { worker?: () => SharedWorker };
  /**
   * The class sockets are made with, in place of the runtime's global `WebSocket` (looked up at
   * each connection): the ws package's on Node.js 20, which has none. As reconnecting-websocket's
   * option. Where there is neither, the constructor throws a TypeError saying so. Typed loosely,
   * so that a class whose types differ from the DOM's (the ws package's) is taken.
   */
  WebSocket?: new (url: string, protocols?: string | string[]) => object;
  /** partysocket's logger: accepted and ignored (`debug` logs to the console). */
  debugLogger?: unknown;
}

/** What the `setup` step is told. */
export interface SetupInfo {
  /** How many times the setup step has run on this socket, this time included (1 the first time). */
  attempt: number;
  /** Session mode: the server resumed the session, so what the last setup step established may still stand. */
  resumed: boolean;
}

/** The `setup` step's view of the socket: bound to the connection it runs on. */
export interface SetupSocket<Out = RawData, In = RawData> {
  /**
   * Sends at once, ahead of the queue (true). Throws as `ReSocket.send` does, and with code
   * `CLOSED` once the connection the step runs on is gone. After the step, an ordinary send.
   */
  send(data: Out): boolean;
  /** `ReSocket.request`, sent ahead of the queue; it fails with its connection (never sent again). */
  request<Result = unknown>(value: RequestValue<Out>, options?: RequestOptions): Promise<Result>;
  /** The socket, for listening to its messages while the step runs. */
  readonly socket: ReSocket<Out, In>;
}

export interface RequestOptions {
  /** How long to wait for the answer, queueing included, in ms. Default `requestTimeoutMs`. */
  timeoutMs?: number;
  /**
   * Aborting it rejects the request with the signal's reason; a later answer is dropped. A
   * request still queued (no socket had it) is taken out of the queue and never sent.
   */
  signal?: AbortSignal;
  /**
   * The request's time to live in the queue, in ms (0 to 2147483647): still queued after
   * that, it is taken out, never sent, and rejects with `EXPIRED`. Unlike `timeoutMs`, an
   * `EXPIRED` request certainly never reached the server.
   */
  ttlMs?: number;
}

export interface SendOptions {
  /**
   * Send only if the connection is open now (in session mode: the session is ready);
   * otherwise nothing is queued and `send` returns false. For data that is worthless later,
   * such as a cursor position (socket.io's `volatile`).
   */
  volatile?: boolean;
  /**
   * How long the message may wait in the queue, in ms (0 to 2147483647): still queued after
   * that, it is taken out and reported by a `removed` event (`reason: "expired"`). A message
   * handed to the open socket is not taken back, but if the connection dies before the browser
   * transmitted it, it is queued again with its original deadline.
   */
  ttlMs?: number;
  /**
   * Aborting it takes the message out of the queue, reported by a `removed` event
   * (`reason: "aborted"`); a message a socket already has is not recalled.
   */
  signal?: AbortSignal;
}

/** Why something failed; `code` is stable, `message` is for people. */
export declare class ReSocketError extends Error {
  readonly code:
    | "QUEUE_FULL"
    /** Session mode: `send` or `request` while the window of unacknowledged messages is full. */
    | "WINDOW_FULL"
    | "CLOSED"
    | "URL_PROVIDER"
    | "INVALID_URL"
    | "CONNECT_TIMEOUT"
    | "SOCKET"
    | "DECODE"
    | "MESSAGE_TOO_BIG"
    | "RETRIES_EXHAUSTED"
    | "REQUEST_TIMEOUT"
    | "CONNECTION_LOST"
    | "DROPPED"
    /** `request()` with `ttlMs`: still queued when it ran out, never sent. */
    | "EXPIRED"
    /**
     * The engine's code for a request whose frame its abort took back: `request()` rejects
     * with the signal's reason instead, so this code does not reach a caller.
     */
    | "ABORTED"
    | "REMOTE"
    /** Session mode: the server does not speak resocket's session protocol. */
    | "NOT_A_SESSION_SERVER"
    /** Session mode: the server broke the session protocol. */
    | "PROTOCOL"
    /** The `setup` step threw or rejected (its error's message follows). */
    | "SETUP"
    /** The `setup` step took longer than `setupTimeoutMs`. */
    | "SETUP_TIMEOUT"
    /** The engine (the package's wasm) could not be fetched or compiled: see the bundler notes. */
    | "ENGINE";
  /** `REMOTE`: the answer's `error` member. `DECODE` from `request()`: the whole answer. */
  readonly cause?: unknown;
}

/** Thrown by `send` when the queue is full and `overflow` is `"error"`. */
export declare class QueueFullError extends ReSocketError {
  readonly code: "QUEUE_FULL";
  /** The queue's capacity (`maxEnqueuedMessages`). */
  readonly capacity: number;
}

export interface ReSocketCloseEvent extends globalThis.CloseEvent {
  /** Whether another attempt follows. */
  readonly willReconnect: boolean;
  /**
   * Messages the browser had not transmitted when the connection died: they are queued
   * again, in order, ahead of everything sent since, for the next connection.
   */
  readonly requeued: number;
  /**
   * Messages the browser transmitted, or may have, on this connection that no heartbeat pong
   * confirmed: whether the server read them is unknown.
   */
  readonly unconfirmed: number;
}

export interface ReSocketErrorEvent extends globalThis.Event {
  readonly message: string;
  readonly error: ReSocketError;
  /** For `DECODE` errors: the frame that did not decode (the text, in the `"json"` format). */
  readonly data?: string | ArrayBuffer | Blob;
}

export interface ReSocketReconnectingEvent extends globalThis.Event {
  /** Retry number since the last reset, from 1. */
  readonly attempt: number;
  /** The wait before the attempt, in ms. */
  readonly delayMs: number;
}

export interface ReSocketStateChangeEvent extends globalThis.Event {
  /** The state now, as `socket.state` reads it. */
  readonly state: ReSocketState;
}

/** Session mode: a reconnect settled the session, before its `open`. */
export interface ReSocketResumedEvent<Out = RawData> extends globalThis.Event {
  /**
   * True: the session went on, nothing was lost and nothing arrives twice. False: the server
   * no longer had it (expired, or its store lost) and a new session began.
   */
  readonly recovered: boolean;
  /**
   * When not `recovered`: the messages sent on the lost session that reached a connection and
   * were never acknowledged, oldest first, as `send` took them. They may or may not have
   * arrived and are not sent again. Empty when `recovered`.
   */
  readonly unacknowledged: Out[];
}

/** A message sent with `ttlMs` or `signal` was taken out of the queue before any socket had it. */
export interface ReSocketRemovedEvent<Out = RawData> extends globalThis.Event {
  /** The message, as `send` took it. */
  readonly data: Out;
  /** `"expired"`: its `ttlMs` ran out while queued; `"aborted"`: its signal aborted. */
  readonly reason: "expired" | "aborted";
}

export interface ReSocketEventMap<In, Out = RawData> {
  open: Event;
  message: MessageEvent<In>;
  close: ReSocketCloseEvent;
  error: ReSocketErrorEvent;
  reconnecting: ReSocketReconnectingEvent;
  /** The browser lost the network: no attempt starts until `online`; an open connection is kept. */
  offline: Event;
  /** The network is back: a socket waiting for it connects at once. */
  online: Event;
  /**
   * `state` changed (waiting to connecting included): what a UI shows. It follows the other
   * events of the same change; a state passed through at once is not reported.
   */
  statechange: ReSocketStateChangeEvent;
  /** Session mode: each reconnect's session, resumed or not, before its `open`. */
  resumed: ReSocketResumedEvent<Out>;
  /** A message sent with `ttlMs` or `signal` was taken out of the queue, never sent. */
  removed: ReSocketRemovedEvent<Out>;
}

/**
 * What `request` takes: an `Out` when the socket is typed (`ReSocket<Out, In>`), else any plain
 * object (requests need the `"json"` format or a `Format`).
 */
export type RequestValue<Out> = [Out] extends [RawData] ? Record<string, unknown> : Out;

/**
 * What the socket is doing: `"waiting"` between attempts, `"offline"` until the network is
 * back, `"suspended"` while the page is in the back/forward cache, `"idle"` until something
 * is wanted (`lazy`, `idleCloseMs`).
 */
export type ReSocketState = "connecting" | "open" | "closing" | "closed" | "waiting" | "offline" | "suspended" | "idle";

/**
 * A reconnecting WebSocket. `Out` is what `send` takes and `In` what `message` events carry:
 * `RawData` in the `"raw"` format, your message types in the `"json"` format or a `Format`.
 */
export declare class ReSocket<Out = RawData, In = RawData> extends EventTarget {
  constructor(url: UrlProvider, protocols?: ProtocolsProvider | null, options?: Options);

  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSING: 2;
  static readonly CLOSED: 3;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;

  /** CONNECTING while an attempt runs or the next one is scheduled; CLOSED when not trying. */
  readonly readyState: 0 | 1 | 2 | 3;
  /** `readyState` in more detail: every state that will connect again reads CONNECTING there. */
  readonly state: ReSocketState;
  /** The URL of the current (or last) socket, as the browser normalised it; "" before any. */
  readonly url: string;
  readonly protocol: string;
  readonly extensions: string;
  /**
   * Kept across reconnects. Default "blob", as with WebSocket; "arraybuffer" with a `Format`
   * whose `binary` is true.
   */
  binaryType: BinaryType;
  /** The socket's buffered bytes plus the queued messages' sizes. */
  readonly bufferedAmount: number;
  /** Retries since the last connection that lasted `minUptime`. */
  readonly retryCount: number;
  /** Messages waiting for the connection to open; in session mode, those not acknowledged yet. */
  readonly queuedCount: number;
  /** Round-trip time of the last heartbeat pong, in ms; `undefined` from each open until that connection's first pong. */
  readonly rttMs: number | undefined;

  onopen: ((this: ReSocket<Out, In>, event: Event) => unknown) | null;
  onmessage: ((this: ReSocket<Out, In>, event: MessageEvent<In>) => unknown) | null;
  onclose: ((this: ReSocket<Out, In>, event: ReSocketCloseEvent) => unknown) | null;
  onerror: ((this: ReSocket<Out, In>, event: ReSocketErrorEvent) => unknown) | null;
  onreconnecting: ((this: ReSocket<Out, In>, event: ReSocketReconnectingEvent) => unknown) | null;
  onoffline: ((this: ReSocket<Out, In>, event: Event) => unknown) | null;
  ononline: ((this: ReSocket<Out, In>, event: Event) => unknown) | null;
  onstatechange: ((this: ReSocket<Out, In>, event: ReSocketStateChangeEvent) => unknown) | null;
  onresumed: ((this: ReSocket<Out, In>, event: ReSocketResumedEvent<Out>) => unknown) | null;
  onremoved: ((this: ReSocket<Out, In>, event: ReSocketRemovedEvent<Out>) => unknown) | null;

  /**
   * Sends now (returns true) or queues until the connection opens (returns false). Throws
   * `QueueFullError` when the queue is full under `overflow: "error"`, and a `ReSocketError`
   * with code `CLOSED` after `close()`, or, in session mode, `WINDOW_FULL` while the window is
   * full (send again once the server's acknowledgements free room). With `options`: a
   * `volatile` message is dropped unless the connection is open (returns false, nothing
   * queued); one with `ttlMs` or `signal` may be taken out of the queue later, reported by a
   * `removed` event. Bad options throw a `TypeError`.
   */
  send(data: Out, options?: SendOptions): boolean;
  /**
   * Sends `value` (a plain object; the `"json"` format or a `Format`, encoded as `send`
   * encodes) with a fresh id in `requestIdField` and resolves with the `result` of the message
   * whose decoded value carries the same id; that message is
   * not delivered to `message` listeners. Queued like `send` while disconnected. Rejects with a
   * `ReSocketError`: `REQUEST_TIMEOUT`, `CONNECTION_LOST`, `CLOSED`, `DROPPED` (pushed out of
   * the queue by `overflow: "drop-oldest"`), `EXPIRED` (`ttlMs` ran out while it was queued),
   * `REMOTE` (the answer has an `error`, in `cause`),
   * `DECODE` (neither `result` nor `error`), `QUEUE_FULL`, `WINDOW_FULL`; with a
   * `TypeError` for bad arguments or the `"raw"` format; with the signal's reason on abort.
   */
  request<Result = unknown>(value: RequestValue<Out>, options?: RequestOptions): Promise<Result>;
  /** Closes (default code 1000) and stops reconnecting. One `close` event however often called. */
  close(code?: number, reason?: string): void;
  /** Drops the current connection, if any, and connects again at once, retry count reset. */
  reconnect(code?: number, reason?: string): void;

  addEventListener<K extends keyof ReSocketEventMap<In, Out>>(
    type: K,
    listener: (this: ReSocket<Out, In>, event: ReSocketEventMap<In, Out>[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof ReSocketEventMap<In, Out>>(
    type: K,
    listener: (this: ReSocket<Out, In>, event: ReSocketEventMap<In, Out>[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;

  /** Yields each message's data until the socket is closed for good. */
  [Symbol.asyncIterator](): AsyncIterator<In, void, undefined>;
}

/**
 * Loads the engine (the package's WebAssembly), which the first socket otherwise loads on
 * first use: for an app that would rather fetch it early. A socket made before it settles is
 * `CONNECTING`, and its calls wait for it, in order. Rejects if the engine cannot be loaded.
 * With `{ session: true }`, the session engine instead: the larger engine that sockets with the
 * `session` option use, loaded only for them.
 */
export declare function ready(options?: { session?: boolean }): Promise<void>;

export default ReSocket;

// reconnecting-websocket's type names, so that swapping its import for resocket's keeps
// TypeScript code compiling. The events are the DOM's, with resocket's extra fields.
/** reconnecting-websocket's name for `Event`. */
export type Event = globalThis.Event;
/** reconnecting-websocket's name for the `error` event. */
export type ErrorEvent = ReSocketErrorEvent;
/** reconnecting-websocket's name for the `close` event. */
export type CloseEvent = ReSocketCloseEvent;
/** reconnecting-websocket's name for what `send` takes in the `"raw"` format. */
export type Message = RawData;
/** reconnecting-websocket's map of event names to events. */
export type WebSocketEventMap = ReSocketEventMap<RawData>;
/** reconnecting-websocket's map of event names to listener lists. */
export type ListenersMap = {
  [K in keyof ReSocketEventMap<RawData>]: Array<(event: ReSocketEventMap<RawData>[K]) => void>;
};
/** reconnecting-websocket's map of event names to listeners. */
export type WebSocketEventListenerMap = {
  [K in keyof ReSocketEventMap<RawData>]: (event: ReSocketEventMap<RawData>[K]) => void | { handleEvent: (event: ReSocketEventMap<RawData>[K]) => void };
};
