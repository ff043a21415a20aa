// Types of resocket/server: resumable sessions (PROTOCOL.md) for Node over the `ws` package.

import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * What the adapter uses of a `ws` WebSocket (written out, so these types need no `@types/ws`;
 * `ws`'s own class fits). `handle` takes any object of this shape: a wrapper around the `ws`
 * socket that counts or logs the protocol's frames, or withholds them to inject faults in
 * tests. The adapter sets `binaryType` to `'nodebuffer'`, listens for `message` (data,
 * isBinary), `close` (code, reason) and `error`, and does nothing else with it.
 */
export interface WsWebSocket extends EventEmitter {
  readonly protocol: string;
  readonly readyState: number;
  binaryType: string;
  send(data: string | Buffer, options?: { binary?: boolean }): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

/** What `handleUpgrade` uses of a `ws` WebSocketServer made with `noServer: true`. */
export interface WsServer extends EventEmitter {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, callback: (ws: any, request: IncomingMessage) => void): void;
}

/** The WebSocket subprotocol of a session's connection: `resocket.v1`. */
export declare const SUBPROTOCOL: 'resocket.v1';

export interface SessionServerOptions {
  /** Bytes of unacknowledged messages a session keeps before `send` refuses (default 100 KB). */
  window?: number;
  /** How long a session waits for its client after its last connection went away (default 120,000 ms). */
  lifetimeMs?: number;
  /** The most sessions kept; a new one beyond it is refused with close code 1013 (default 10,000). */
  maxSessions?: number;
  /** How long a new connection has to send its first frame before it is closed with 1008 (default 10,000 ms). */
  handshakeTimeoutMs?: number;
  /**
   * Messages waiting in an async iterator of a session (default 256). Beyond it, messages wait
   * on the connection, not counted as received nor acknowledged, so the client sends no more
   * than its window of them; the connection reads on, for the acks behind them.
   */
  inboxLimit?: number;
  /**
   * The largest window a client may announce, in bytes (default 1 MiB): the bytes of its
   * messages a connection holds while the application falls behind. A larger one is refused
   * at the handshake (close code 1002).
   */
  maxClientWindow?: number;
  /**
   * Whether the connection of `request` may resume session `sessionId` (its key already
   * matched); a refusal closes it with 1008 and leaves the session to its owner. Default: yes.
   */
  resume?(request: IncomingMessage, sessionId: string): boolean | Promise<boolean>;
}

/** Why a session ended: its client closed it (1000), it waited out its lifetime, or the server ended it. */
export type SessionEndCause = 'client' | 'expired' | 'ended';

/** A message of a session: text, or binary as a Buffer. */
export type SessionMessage = string | Buffer;

/** What `send` takes: text, or binary bytes. */
export type SessionData = string | ArrayBuffer | ArrayBufferView;

/** A send on a session that ended. */
export declare class SessionEndedError extends Error {
  readonly code: 'SESSION_ENDED';
}

/** One client's session, across every connection it resumes it on. */
export declare class Session extends EventEmitter implements AsyncIterable<SessionMessage> {
  /** The session's id (public; the key never leaves the protocol). */
  readonly id: string;
  /** Whether a connection carries the session now. */
  readonly connected: boolean;
  /** Whether the session ended. */
  readonly ended: boolean;
  /** Sends now or keeps for the client's return: true when accepted, false when the window is full (`drain` follows). Throws SessionEndedError once ended. */
  send(data: SessionData): boolean;
  /** Resolves once the window had room and the message was accepted; rejects with SessionEndedError. */
  sendWhenReady(data: SessionData): Promise<void>;
  /** The messages sent and not acknowledged yet, oldest first. */
  unacknowledged(): SessionMessage[];
  /** Closes the current connection (default 1012); the session stays for the client to resume. */
  disconnect(code?: number, reason?: string): boolean;
  /** Cuts the current connection without a close frame; the session stays. */
  terminate(): boolean;
  /** Ends the session: its connection closes with `code` (default 1000), the server forgets it. */
  end(code?: number, reason?: string): void;
  [Symbol.asyncIterator](): AsyncIterator<SessionMessage>;

  on(event: 'message', listener: (message: SessionMessage) => void): this;
  on(event: 'drain', listener: () => void): this;
  on(event: 'close', listener: (cause: SessionEndCause) => void): this;
  once(event: 'message', listener: (message: SessionMessage) => void): this;
  once(event: 'drain', listener: () => void): this;
  once(event: 'close', listener: (cause: SessionEndCause) => void): this;
}

/** The resumable sessions of one server, in memory, bounded. */
export declare class SessionServer extends EventEmitter implements Iterable<Session> {
  constructor(options?: SessionServerOptions);
  /** For `new WebSocketServer({ handleProtocols })`: selects resocket.v1. */
  readonly handleProtocols: (protocols: Set<string>, request: IncomingMessage) => string | false;
  /** For `new WebSocketServer({ verifyClient })`: refuses with 400 an upgrade that does not offer resocket.v1. */
  readonly verifyClient: (
    info: { origin: string; secure: boolean; req: IncomingMessage },
    callback: (result: boolean, code?: number, message?: string) => void,
  ) => void;
  /** For a `WebSocketServer({ noServer: true })`: answers 400, or upgrades and emits `connection` on `wss`. */
  handleUpgrade(wss: WsServer, request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Runs the session protocol on a connection: `ws`'s WebSocket, or a wrapper of the same shape. */
  handle(ws: WsWebSocket, request: IncomingMessage): void;
  /** The session named `id`, if kept. */
  get(id: string): Session | undefined;
  /** How many sessions are kept. */
  readonly size: number;
  [Symbol.iterator](): IterableIterator<Session>;
  /** Ends every session (their connections close with 1001). */
  close(): void;

  /** A new session (once per session, not per connection), with the request of the connection that started it. */
  on(event: 'session', listener: (session: Session, request: IncomingMessage) => void): this;
  once(event: 'session', listener: (session: Session, request: IncomingMessage) => void): this;
}
