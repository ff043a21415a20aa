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
   * Who the application authenticated for `request` (a user id): the owner of a session it
   * starts, kept with the session (in the shared store too). Default: `''` for everyone.
   */
  owner?(request: IncomingMessage): string;
  /**
   * Whether the connection of `request` may resume session `sessionId` of `owner` (its key
   * already matched); a refusal closes it with 1008 and leaves the session to its owner.
   * Default: when `owner(request)` is the session's owner.
   */
  resume?(request: IncomingMessage, sessionId: string, owner: string): boolean | Promise<boolean>;
  /**
   * A shared store (a RedisStore) that keeps the sessions beyond this server, so that several
   * servers serve one application: each change is written there before the client hears of
   * it, and a client resumes its session on whichever server it reaches.
   */
  store?: SessionStore;
}

/** A session as a shared store keeps it. */
export interface StoredSession {
  /** The secret a connection must present to resume it. */
  key: string;
  /** Who the application said the session belongs to. */
  owner: string;
  /** How many times servers took it over. */
  term: number;
  /** The server's messages the client acknowledged. */
  acknowledged: number;
  /** The server's messages after those, oldest first. */
  unacknowledged: SessionMessage[];
  /** The client's messages the application handled. */
  handled: number;
  /** The client's messages after those, received and not yet handled, oldest first. */
  inbox: SessionMessage[];
}

/** Changes to a session, written at once: received, then sent, then the counts. */
export interface SessionChanges {
  received: SessionMessage[];
  sent: SessionMessage[];
  /** The server's messages the client acknowledged in all, if that changed. */
  acknowledged?: number;
  /** The client's messages the application handled in all, if that changed. */
  handled?: number;
}

/**
 * Where sessions are kept beyond one server (resocket-axum's `SessionStore`): every write
 * names its writer's term, and is refused once another server claimed the session.
 */
export interface SessionStore {
  /** The store's incarnation, the same for every server that uses it (a token of 1 to 64 of `A-Z a-z 0-9 _ -`). */
  epoch(): Promise<string>;
  /** Keeps a new session (term 0, nothing sent or received), for `lifetimeMs` without writes. */
  create(session: { id: string; key: string; owner: string }, lifetimeMs: number): Promise<void>;
  /** The session named `id`, if the store keeps it. */
  load(id: string): Promise<StoredSession | undefined>;
  /** Takes the session over: true, its term now `term + 1`, if its term was still `term`. */
  claim(id: string, term: number): Promise<boolean>;
  /** Applies `changes` and keeps the session `lifetimeMs` from now, if its term is still `term`; false otherwise, with nothing changed. */
  write(id: string, term: number, changes: SessionChanges, lifetimeMs: number): Promise<boolean>;
  /** Forgets the session, if its term is still `term`. */
  remove(id: string, term: number): Promise<void>;
}

/** What RedisStore uses of a client of the `redis` package (node-redis 5): its `createClient()`, connected. */
export interface RedisClientLike {
  sendCommand(args: Array<string | Buffer>, options?: object): Promise<unknown>;
  multi(): unknown;
}

/**
 * Sessions kept in Redis, through the application's connected client of the `redis` package,
 * in resocket-axum's RedisStore's layout: every server on the same Redis and `prefix`, Rust
 * or Node, resumes the others' sessions.
 */
export declare class RedisStore implements SessionStore {
  /** `prefix` starts every key of the store (default `'resocket:'`). */
  constructor(client: RedisClientLike, options?: { prefix?: string });
  epoch(): Promise<string>;
  create(session: { id: string; key: string; owner: string }, lifetimeMs: number): Promise<void>;
  load(id: string): Promise<StoredSession | undefined>;
  claim(id: string, term: number): Promise<boolean>;
  write(id: string, term: number, changes: SessionChanges, lifetimeMs: number): Promise<boolean>;
  remove(id: string, term: number): Promise<void>;
}

/**
 * Why a session ended here: its client closed it (1000), it waited out its lifetime, or the
 * server ended it; with a shared store, another server took it over (`'moved'`), the store
 * failed (`'store-failed'`), or `close()` left it to the other servers (`'left'`).
 */
export type SessionEndCause = 'client' | 'expired' | 'ended' | 'moved' | 'store-failed' | 'left';

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
  /** Who the session belongs to, as the `owner` option named it for the request that started it. */
  readonly owner: string;
  /** Whether a connection carries the session now. */
  readonly connected: boolean;
  /** Whether the session ended. */
  readonly ended: boolean;
  /**
   * Sends now or keeps for the client's return (with a shared store: once written there): true
   * when accepted, false when the window is full (`drain` follows). Throws SessionEndedError once ended.
   */
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

/** The resumable sessions of one server, in memory, bounded, and in a shared store with `store`. */
export declare class SessionServer extends EventEmitter implements Iterable<Session> {
  constructor(options?: SessionServerOptions);
  /** Resolves once the server can serve: at once in memory, once the shared store told its epoch with `store` (rejects if unreachable). */
  ready(): Promise<void>;
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
  /** Ends every session here (their connections close with 1001); with `store`, the shared store keeps them for the other servers. */
  close(): void;

  /**
   * A new session (once per session, not per connection), with the request of the connection
   * that started it; with `store`, also a session this server took over from another, with the
   * request of the connection that resumed it.
   */
  on(event: 'session', listener: (session: Session, request: IncomingMessage) => void): this;
  once(event: 'session', listener: (session: Session, request: IncomingMessage) => void): this;
}
