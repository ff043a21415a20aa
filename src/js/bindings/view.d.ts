// The types the framework bindings (resocket/react, resocket/vue, resocket/svelte) share.
import type {
  Options,
  ProtocolsProvider,
  RawData,
  ReSocket,
  ReSocketError,
  ReSocketState,
  RequestOptions,
  RequestValue,
  SendOptions,
} from "../resocket.js";

/**
 * A binding's options: the socket's (`Options`), its subprotocols, and `onMessage`. Sockets
 * are shared by URL, `protocols` and options (functions compared by their source), so two
 * components that ask for the same get one socket; `onMessage` is each one's own.
 */
export interface SocketOptions<In = RawData> extends Options {
  /** The socket's subprotocols, or a function asked before every attempt. */
  protocols?: ProtocolsProvider | null;
  /** Called with each message's data (in the `"json"` format, parsed), however fast they come. */
  onMessage?: (data: In) => void;
}

/** What a binding shows of its socket, read again at each of its events and at each send and request. */
export interface SocketView<Out = RawData, In = RawData> {
  /** The socket's `state`. */
  readonly state: ReSocketState;
  /** The last message's data (in the `"json"` format, parsed); undefined before the first. */
  readonly lastMessage: In | undefined;
  /** The error of the last `error` event since the connection last opened. */
  readonly error: ReSocketError | undefined;
  /** The socket's `retryCount`. */
  readonly retryCount: number;
  /** The socket's `queuedCount`. */
  readonly queuedCount: number;
  /** The socket's `rttMs` (it changes with the heartbeat's pongs, which are not events: read at the next one). */
  readonly rttMs: number | undefined;
  /** The shared socket itself, for its other events and calls; null until something holds it. */
  readonly socket: ReSocket<Out, In> | null;
}

/** A binding's calls on its socket. */
export interface SocketCalls<Out = RawData> {
  /**
   * `ReSocket.send`, and a fresh view (`queuedCount`). Throws as it does, and a `ReSocketError`
   * with code `CLOSED` while nothing holds the socket (before a React component using it has
   * mounted, while a Svelte store has no subscriber).
   */
  send(data: Out, options?: SendOptions): boolean;
  /** `ReSocket.request`, and a fresh view; throws as `send` does while nothing holds the socket. */
  request<Result = unknown>(value: RequestValue<Out>, options?: RequestOptions): Promise<Result>;
}
