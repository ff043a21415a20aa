// resocket/server: resumable sessions (PROTOCOL.md) for Node over the `ws` package, with the
// behaviour of resocket-axum. Every decision of the protocol (what a first frame asks for,
// whether a key matches, numbering, acknowledgements, the window, what a resume sends again,
// protocol errors, when a session without a connection has waited long enough) is the core's,
// in engine.js's wasm; this file carries them out with `ws` sockets and Node timers, keeps the
// messages and the sessions' map, and gives the application its API.

import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Store } from './engine.js';

/** The WebSocket subprotocol of a session's connection. */
export const SUBPROTOCOL = 'resocket.v1';

const DEFAULTS = {
  window: 100 * 1024,
  lifetimeMs: 120_000,
  maxSessions: 10_000,
  handshakeTimeoutMs: 10_000,
  inboxLimit: 256,
  maxClientWindow: 1024 * 1024,
};

const MESSAGE_TAG = 'm';
const MESSAGE_TAG_BYTES = Buffer.from(MESSAGE_TAG);
const BATCH_TAG = 'b';
/** A close frame's payload is at most 125 bytes, two of them the code. */
const MAX_REASON_BYTES = 123;

const REFUSED_UPGRADE = `this endpoint serves resumable sessions: offer the ${SUBPROTOCOL} subprotocol`;

/** A send on a session that ended (its client closed it, it expired, or the server ended it). */
export class SessionEndedError extends Error {
  constructor() {
    super('the session ended');
    this.name = 'SessionEndedError';
    this.code = 'SESSION_ENDED';
  }
}

/** Whether an upgrade request offers the protocol's subprotocol. */
function offersSubprotocol(request) {
  const header = request.headers['sec-websocket-protocol'];
  return typeof header === 'string' && header.split(',').some((protocol) => protocol.trim() === SUBPROTOCOL);
}

/** `reason` cut to what a close frame holds, at a character boundary. */
function closeReason(reason) {
  let text = String(reason ?? '');
  while (Buffer.byteLength(text) > MAX_REASON_BYTES) text = text.slice(0, -1);
  return text;
}

function positive(options, name) {
  const value = options[name] ?? DEFAULTS[name];
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a positive number, not ${value}`);
  }
  return value;
}

/**
 * The resumable sessions of one server, in memory, bounded: serve its connections with
 * `handle(ws, request)`, after an upgrade `handleProtocols` and `verifyClient` (or
 * `handleUpgrade`) admitted. Emits `session` (the session, and the request of the connection
 * that started it) once per new session.
 */
export class SessionServer extends EventEmitter {
  #store;
  #options;
  /** The sessions kept, by id. */
  #sessions = new Map();

  constructor(options = {}) {
    super();
    const resume = options.resume ?? (() => true);
    if (typeof resume !== 'function') throw new TypeError('resume must be a function (request, sessionId) => boolean');
    this.#options = {
      window: positive(options, 'window'),
      lifetimeMs: positive(options, 'lifetimeMs'),
      maxSessions: positive(options, 'maxSessions'),
      handshakeTimeoutMs: positive(options, 'handshakeTimeoutMs'),
      inboxLimit: positive(options, 'inboxLimit'),
      maxClientWindow: positive(options, 'maxClientWindow'),
      resume,
    };
    this.#store = new Store(this.#options.window, this.#options.maxClientWindow);
    // Bound, to be passed to `new WebSocketServer({ handleProtocols, verifyClient })`.
    this.handleProtocols = this.handleProtocols.bind(this);
    this.verifyClient = this.verifyClient.bind(this);
  }

  /** For `WebSocketServer`'s `handleProtocols`: selects resocket.v1 when offered. */
  handleProtocols(protocols) {
    return protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false;
  }

  /**
   * For `WebSocketServer`'s `verifyClient` (its two-argument form): refuses with 400 an
   * upgrade that does not offer resocket.v1, as PROTOCOL.md asks of a session endpoint.
   */
  verifyClient(info, callback) {
    if (offersSubprotocol(info.req)) callback(true);
    else callback(false, 400, REFUSED_UPGRADE);
  }

  /**
   * For a `WebSocketServer({ noServer: true })`, from the HTTP server's `upgrade` event:
   * answers 400 to an upgrade that does not offer resocket.v1, and upgrades the others, which
   * `wss` then emits as `connection` (where `handle` serves them), as `ws` does for its own
   * server.
   */
  handleUpgrade(wss, request, socket, head) {
    if (!offersSubprotocol(request)) {
      const body = `${REFUSED_UPGRADE}\n`;
      socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  }

  /**
   * Runs the session protocol on `ws`, a connection `request` upgraded: a `ws` WebSocket, or
   * a wrapper of its shape (WsWebSocket in index.d.ts) that sees the protocol's frames.
   */
  handle(ws, request) {
    new Connection(this, ws, request);
  }

  /** The session named `id`, if kept. */
  get(id) {
    return this.#sessions.get(id);
  }

  /** How many sessions are kept. */
  get size() {
    return this.#sessions.size;
  }

  /** Every session kept. */
  [Symbol.iterator]() {
    return this.#sessions.values();
  }

  /** Ends every session (their connections close with 1001): the server is going away. */
  close() {
    for (const session of [...this.#sessions.values()]) session.end(1001, 'the server is going away');
  }

  // The connections' side.

  /** @internal */ get _store() { return this.#store; }
  /** @internal */ get _options() { return this.#options; }

  /** @internal A new session for `connection`, or undefined at the limit. */
  _start(connection, first) {
    if (this.#sessions.size >= this.#options.maxSessions) return { full: true };
    const started = this.#store.start(first);
    if (started.error) return started;
    const session = new Session(this, started.handle, started.id);
    this.#sessions.set(started.id, session);
    return { session, welcome: started.welcome };
  }

  /** @internal */
  _forget(session) {
    if (this.#sessions.get(session.id) === session) this.#sessions.delete(session.id);
    this.#store.free(session._handle);
  }
}

/** One WebSocket connection of a session: its handshake, then its frames. */
class Connection {
  #server;
  #ws;
  #request;
  /** The session this connection carries, once welcomed, until it no longer does. */
  session;
  /** Frames that arrived while the handshake waited for the resume hook. */
  #backlog = [];
  #state = 'opening';
  #handshakeTimer;
  /** Whether the server started closing this connection (its code is not the client's). */
  #closing = false;
  /** Whether the client's terms on this connection say it reads batch frames. */
  #readsBatches = false;
  /** The messages of the current turn of the event loop waiting to go out together. */
  #turn;

  constructor(server, ws, request) {
    this.#server = server;
    this.#ws = ws;
    this.#request = request;
    ws.binaryType = 'nodebuffer';
    // Errors end the connection: its close event follows and tells the session.
    ws.on('error', () => {});
    ws.on('close', (code) => this.#closed(code));
    if (ws.protocol !== SUBPROTOCOL) {
      this.#close(1002, REFUSED_UPGRADE);
      return;
    }
    ws.on('message', (data, binary) => this.#frame(toBuffer(data), binary));
    this.#handshakeTimer = setTimeout(() => this.#close(1008, 'no hello or resume in time'),
      server._options.handshakeTimeoutMs);
  }

  #frame(data, binary) {
    switch (this.#state) {
      case 'opening':
        this.#state = 'handshake';
        clearTimeout(this.#handshakeTimer);
        this.#open(binary ? data : data.toString(), this.#request);
        return;
      case 'handshake':
        this.#backlog.push([data, binary]);
        return;
      case 'carrying':
        this.session?._frame(this, data, binary);
        return;
      default:
    }
  }

  /** Reads the first frame and starts or resumes a session. */
  async #open(first) {
    const server = this.#server;
    const store = server._store;
    const opened = store.opened(first);
    if (opened.error) return this.#close(1002, opened.error);
    const existing = opened.resume === undefined ? undefined : server.get(opened.resume);
    if (existing && !existing.ended) {
      const claim = store.claim(existing._handle, first);
      if (claim === 'wrong-key') return this.#close(1008, 'resume refused: the key does not match');
      if (claim === 'matches') {
        let allowed;
        try {
          allowed = await server._options.resume(this.#request, existing.id);
        } catch {
          allowed = false;
        }
        if (this.#state !== 'handshake') return;
        if (!allowed) return this.#close(1008, 'resume refused by the application');
        if (!existing.ended) {
          const resumed = store.resume(existing._handle, first);
          if (resumed.error) return this.#close(1002, resumed.error);
          this.#carry(existing);
          existing._attach(this, resumed.welcome, resumed.replay);
          return this.#drainBacklog();
        }
      }
    }
    // No such session here (or from another epoch, or ended): a new one, and the client
    // learns its session was not recovered.
    const started = server._start(this, first);
    if (started.full) return this.#close(1013, 'too many sessions: try again later');
    if (started.error) return this.#close(1002, started.error);
    this.#carry(started.session);
    started.session._attach(this, started.welcome, []);
    server.emit('session', started.session, this.#request);
    this.#drainBacklog();
  }

  #carry(session) {
    this.#state = 'carrying';
    this.session = session;
    this.#readsBatches = this.#server._store.readsBatches(session._handle);
  }

  #drainBacklog() {
    const backlog = this.#backlog;
    this.#backlog = [];
    for (const [data, binary] of backlog) this.#frame(data, binary);
  }

  /** Transmits a frame (text, or binary bytes). */
  transmit(frame) {
    if (this.#ws.readyState !== 1) return;
    if (typeof frame === 'string') this.#ws.send(frame);
    else this.#ws.send(frame, { binary: true });
  }

  /**
   * Transmits one of the session's messages. To a client that reads batches the first message
   * of a turn of the event loop goes out at once, alone, and the text messages sent in the rest
   * of the turn go out together in batch frames (each at most `maxBatchBytes` of messages) once
   * it is over; a binary message, or a text past the bound, goes after what waits. Control
   * frames may pass what waits (their order with messages does not matter); a close does not.
   */
  transmitMessage(message) {
    if (!this.#readsBatches) {
      this.transmit(frameOf(message));
      return;
    }
    if (!this.#turn) {
      this.#turn = { texts: [], bytes: 0 };
      queueMicrotask(() => this.#endTurn());
      this.transmit(frameOf(message));
      return;
    }
    const turn = this.#turn;
    const size = typeof message === 'string' ? Buffer.byteLength(message) : -1;
    const limit = this.#server._store.maxBatchBytes;
    if (size >= 0 && turn.bytes + size <= limit) {
      turn.texts.push(message);
      turn.bytes += size;
      return;
    }
    this.#flushTurn();
    if (size >= 0 && size <= limit) {
      turn.texts.push(message);
      turn.bytes = size;
    } else {
      this.transmit(frameOf(message));
    }
  }

  /** What the turn gathered goes out: one message alone, more in one batch frame. */
  #flushTurn() {
    const turn = this.#turn;
    if (!turn || turn.texts.length === 0) return;
    const texts = turn.texts;
    [turn.texts, turn.bytes] = [[], 0];
    this.transmit(texts.length === 1 ? frameOf(texts[0]) : BATCH_TAG + JSON.stringify(texts));
  }

  #endTurn() {
    this.#flushTurn();
    this.#turn = undefined;
  }

  /**
   * Ends the connection: with a close frame (`code`, `reason`), or cut without one. The
   * session, if it still counts on this connection, is told first by its caller.
   */
  end(code, reason) {
    this.#close(code, reason);
  }

  terminate() {
    this.#turn = undefined;
    this.#closing = true;
    this.#state = 'closed';
    this.session = undefined;
    this.#ws.terminate();
  }

  #close(code, reason) {
    // The turn's messages go before the close frame.
    this.#flushTurn();
    this.#closing = true;
    clearTimeout(this.#handshakeTimer);
    this.#state = 'closed';
    this.session = undefined;
    try {
      this.#ws.close(code, closeReason(reason));
    } catch {
      this.#ws.terminate();
    }
  }

  #closed(code) {
    clearTimeout(this.#handshakeTimer);
    const session = this.session;
    this.#state = 'closed';
    this.session = undefined;
    // Close code 1000 is the client's close(): it will not resume. Any other (a page going
    // away, a dropped connection) leaves the session for its return.
    session?._detached(this, !this.#closing && code === 1000);
  }

  /** A protocol error: closes with 1002 and the reason. */
  fail(reason) {
    const session = this.session;
    this.session = undefined;
    session?._detached(this, false);
    this.#close(1002, reason);
  }
}

function toBuffer(data) {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * One client's session, across every connection it resumes it on: an EventEmitter of
 * `message` (data: a string, or a Buffer for a binary message), `drain` (room in the window
 * after a refused send), `close` (the session ended: `'client'` closed it, it `'expired'`, or
 * the server `'ended'` it), and an async iterable of the messages.
 */
export class Session extends EventEmitter {
  #server;
  #store;
  /** @internal */ _handle;
  /** The connection that carries the session now. */
  #connection;
  /** Messages sent and not yet acknowledged, by id, oldest first. */
  #held = new Map();
  #nextId = 0;
  #ackTimer;
  #lifetimeTimer;
  /** Sends waiting for room, in order: [message, size, resolve, reject]. */
  #waiting = [];
  /** The size of the last message `send` refused, until `drain` says it fits. */
  #refused;
  /** The queues of the async iterators reading the session. */
  #readers = new Set();
  /** Messages read and not yet counted, `[message, size]`, while a reader is full; their bytes. */
  #unread = [];
  #unreadBytes = 0;
  #ended = false;

  /** @internal */
  constructor(server, handle, id) {
    super();
    this.#server = server;
    this.#store = server._store;
    this._handle = handle;
    /** The session's id (public: for logs and the resume hook; the key never leaves the protocol). */
    this.id = id;
  }

  /** Whether a connection carries the session now. */
  get connected() {
    return this.#connection !== undefined;
  }

  /** Whether the session ended. */
  get ended() {
    return this.#ended;
  }

  /**
   * Sends `data` (a string, or a Buffer, Uint8Array or ArrayBuffer for a binary message):
   * now if a connection carries the session, or when it resumes. True when accepted; false
   * when the unacknowledged messages fill the window (a `drain` event follows once there is
   * room). Throws a SessionEndedError once the session ended.
   */
  send(data) {
    if (this.#ended) throw new SessionEndedError();
    const [message, size] = messageOf(data);
    if (this.#waiting.length === 0 && this.#offer(message, size)) return true;
    this.#refused = size;
    return false;
  }

  /** Sends `data` once the window has room: resolves when accepted, rejects if the session ends first. */
  sendWhenReady(data) {
    if (this.#ended) return Promise.reject(new SessionEndedError());
    const [message, size] = messageOf(data);
    if (this.#waiting.length === 0 && this.#offer(message, size)) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiting.push([message, size, resolve, reject]));
  }

  /** Numbers and keeps `message` (transmitted if a connection carries the session); false when the window is full. */
  #offer(message, size) {
    const id = this.#nextId;
    const sent = this.#store.send(this._handle, id, size);
    if (sent === 'window-full') return false;
    this.#nextId = (id + 1) >>> 0;
    this.#held.set(id, message);
    if (sent === 'transmit') this.#connection?.transmitMessage(message);
    return true;
  }

  /** The messages sent that the client has not acknowledged yet, oldest first. */
  unacknowledged() {
    return [...this.#held.values()];
  }

  /**
   * Ends the connection that carries the session now with `code` and `reason` (default 1012,
   * which resocket's clients reconnect on); the session stays, and the client resumes it with
   * nothing lost. Returns whether a connection carried it.
   */
  disconnect(code = 1012, reason = 'reconnect to resume the session') {
    const connection = this.#connection;
    if (!connection) return false;
    this.#detach(performance.now());
    connection.end(code, reason);
    return true;
  }

  /**
   * Ends the connection that carries the session now without a close frame, as a network
   * failure would; the session stays. Returns whether a connection carried it.
   */
  terminate() {
    const connection = this.#connection;
    if (!connection) return false;
    this.#detach(performance.now());
    connection.terminate();
    return true;
  }

  /**
   * Ends the session: its connection, if any, closes with `code` and `reason`, the server
   * forgets it, its sends fail and `close` is emitted. A client that comes back starts a new
   * session (and learns which of its messages may not have arrived).
   */
  end(code = 1000, reason = 'the session ended') {
    this.#finish('ended', code, reason);
  }

  [Symbol.asyncIterator]() {
    const queue = [];
    const reader = { queue, wake: undefined };
    this.#readers.add(reader);
    const next = async () => {
      for (;;) {
        if (queue.length > 0) {
          const value = queue.shift();
          if (this.#connection) this.#take(this.#connection);
          return { value, done: false };
        }
        if (this.#ended) return { value: undefined, done: true };
        await new Promise((resolve) => { reader.wake = resolve; });
      }
    };
    const stop = async () => {
      this.#readers.delete(reader);
      queue.length = 0;
      if (this.#connection) this.#take(this.#connection);
      return { value: undefined, done: true };
    };
    return { next, return: stop, [Symbol.asyncIterator]() { return this; } };
  }

  // The connections' side.

  /** @internal A connection carries the session: the welcome, then what it sends again. */
  _attach(connection, welcome, replay) {
    const old = this.#connection;
    clearTimeout(this.#lifetimeTimer);
    this.#connection = connection;
    // The connection it replaces (a half-dead one, say) is closed.
    old?.end(1000, 'the session moved to a newer connection');
    connection.transmit(welcome);
    for (const id of replay) {
      const message = this.#held.get(id);
      if (message !== undefined) connection.transmitMessage(message);
    }
  }

  /** @internal A frame after the handshake arrived on `connection`. */
  _frame(connection, data, binary) {
    const store = this.#store;
    const kind = store.kind(data.length > 0 ? data[0] : -1, binary);
    if (kind.error) return connection.fail(kind.error);
    if (kind === 'control') {
      const answer = store.control(this._handle, data.toString());
      if (answer.error) return connection.fail(answer.error);
      if (answer.reply) connection.transmit(answer.reply);
      this.#acknowledged();
      return;
    }
    let messages;
    if (kind === 'batch') {
      messages = readBatch(data);
      if (!messages) return connection.fail('a batch that is not a JSON array of strings');
    } else {
      const body = data.subarray(1);
      messages = [binary ? Buffer.from(body) : body.toString()];
    }
    for (const message of messages) {
      const size = typeof message === 'string' ? Buffer.byteLength(message) : message.byteLength;
      this.#unread.push([message, size]);
      this.#unreadBytes += size;
    }
    // A message larger than the window may come alone.
    if (this.#unreadBytes > store.clientWindow(this._handle) && this.#unread.length > 1) {
      return connection.fail('the client sent past its window');
    }
    this.#take(connection);
  }

  /**
   * Counts the messages read from `connection` as received and hands them to the application,
   * in order, while no reader has `inboxLimit` waiting. The connection reads on meanwhile: the
   * client's acks come behind its messages, and the application may be waiting for them to
   * send. What waits is not counted (nor acknowledged), so the client sends no more than its
   * window of it, and a connection that ends leaves it to the client to send again.
   */
  #take(connection) {
    const { inboxLimit } = this.#server._options;
    while (this.#unread.length > 0 && this.#connection === connection) {
      if ([...this.#readers].some((reader) => reader.queue.length >= inboxLimit)) break;
      const [message, size] = this.#unread.shift();
      this.#unreadBytes -= size;
      const received = this.#store.message(this._handle, size, performance.now());
      if (received.error) return connection.fail(received.error);
      if (received.ack) connection.transmit(received.ack);
      this.#deliver(message);
    }
    this.#armAck();
  }

  /** @internal `connection` no longer carries the session; `byClient`: the client closed it with 1000. */
  _detached(connection, byClient) {
    if (this.#connection !== connection) return;
    if (byClient) {
      this.#finish('client');
      return;
    }
    this.#detach(performance.now());
  }

  #detach(now) {
    this.#connection = undefined;
    // Never counted: the client sends them again on its next connection.
    this.#unread = [];
    this.#unreadBytes = 0;
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    this.#store.disconnected(this._handle, now);
    this.#armLifetime();
  }

  /** Ends the session for `cause`, closing its connection with `code` if it has one. */
  #finish(cause, code = 1000, reason = 'the session ended') {
    if (this.#ended) return;
    this.#ended = true;
    const connection = this.#connection;
    this.#connection = undefined;
    connection?.end(code, reason);
    clearTimeout(this.#ackTimer);
    clearTimeout(this.#lifetimeTimer);
    this.#server._forget(this);
    for (const [, , , reject] of this.#waiting.splice(0)) reject(new SessionEndedError());
    for (const reader of this.#readers) reader.wake?.();
    this.emit('close', cause);
  }

  #armLifetime() {
    const { lifetimeMs } = this.#server._options;
    const check = () => {
      if (this.#ended || this.#connection) return;
      if (this.#store.expired(this._handle, performance.now(), lifetimeMs)) {
        this.#finish('expired');
        return;
      }
      this.#lifetimeTimer = setTimeout(check, Math.max(1, lifetimeMs / 100));
      this.#lifetimeTimer.unref?.();
    };
    clearTimeout(this.#lifetimeTimer);
    this.#lifetimeTimer = setTimeout(check, lifetimeMs);
    this.#lifetimeTimer.unref?.();
  }

  /** Keeps one timer on the acknowledgement's deadline, if one is owed. */
  #armAck() {
    const deadline = this.#store.ackDeadline(this._handle);
    if (deadline === undefined || this.#ackTimer !== undefined) return;
    this.#ackTimer = setTimeout(() => {
      this.#ackTimer = undefined;
      const ack = this.#store.takeAck(this._handle);
      if (ack) this.#connection?.transmit(ack);
      this.#armAck();
    }, Math.max(0, deadline - performance.now()));
  }

  /** An ack may have freed messages and room in the window. */
  #acknowledged() {
    const pending = this.#store.pending(this._handle);
    for (const id of this.#held.keys()) {
      if (this.#held.size <= pending) break;
      this.#held.delete(id);
    }
    while (this.#waiting.length > 0) {
      const [message, size, resolve] = this.#waiting[0];
      if (!this.#offer(message, size)) return;
      this.#waiting.shift();
      resolve();
    }
    if (this.#refused !== undefined && this.#store.hasRoom(this._handle, this.#refused)) {
      this.#refused = undefined;
      this.emit('drain');
    }
  }

  #deliver(message) {
    for (const reader of this.#readers) {
      reader.queue.push(message);
      reader.wake?.();
      reader.wake = undefined;
    }
    this.emit('message', message);
  }
}

/** What `send` was given, as the message kept (a string or a Buffer) and its size in bytes. */
function messageOf(data) {
  if (typeof data === 'string') return [data, Buffer.byteLength(data)];
  const bytes = toBytes(data);
  return [bytes, bytes.byteLength];
}

/** A copy of `data`'s bytes: the session keeps them until the client acknowledges them. */
function toBytes(data) {
  if (ArrayBuffer.isView(data)) return Buffer.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (data instanceof ArrayBuffer) return Buffer.from(new Uint8Array(data));
  throw new TypeError('a session sends a string, a Buffer, a typed array or an ArrayBuffer');
}

/** The frame that carries `message`. */
function frameOf(message) {
  return typeof message === 'string' ? MESSAGE_TAG + message : Buffer.concat([MESSAGE_TAG_BYTES, message]);
}

/** The texts of a batch frame (`b` then a JSON array of strings), or undefined. */
function readBatch(data) {
  let texts;
  try {
    texts = JSON.parse(data.subarray(1).toString());
  } catch {
    return undefined;
  }
  if (!Array.isArray(texts) || !texts.every((text) => typeof text === 'string')) return undefined;
  return texts;
}
