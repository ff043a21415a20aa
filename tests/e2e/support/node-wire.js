// A connection of the Node test server as resocket/server reads and writes it, with the
// `/control` faults that act on one connection applied: what server/src/wire.rs does for
// resocket-axum. The adapter takes it in place of the `ws` WebSocket (`handle(wire, request)`:
// any object of WsWebSocket's shape), so it stays as an application has it.

import { EventEmitter } from 'node:events';

/** A `ws` WebSocket, passed through, that `/control` can silence or stall. */
export class Wire extends EventEmitter {
  #ws;
  /** What the server sends goes nowhere, its close frames aside (they go by close()). */
  #silenced = false;
  /** Nothing more is read either: what the client sends waits in TCP's buffers. */
  #stalled = false;

  constructor(ws, client) {
    super();
    this.#ws = ws;
    /** The `client=NAME` tag of the URL the connection was opened with. */
    this.client = client;
    ws.on('message', (data, binary) => {
      if (!this.#stalled) this.emit('message', data, binary);
    });
    ws.on('close', (code, reason) => this.emit('close', code, reason));
    // Errors end the connection: its close event follows. Passed on to whoever listens.
    ws.on('error', (error) => {
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
  }

  get protocol() {
    return this.#ws.protocol;
  }

  get readyState() {
    return this.#ws.readyState;
  }

  get binaryType() {
    return this.#ws.binaryType;
  }

  set binaryType(type) {
    this.#ws.binaryType = type;
  }

  /** Called with each frame the server sends, if set (the test server counts them). */
  onSend = undefined;

  send(data, options) {
    if (this.#silenced) return;
    this.onSend?.(data);
    this.#ws.send(data, options);
  }

  close(code, reason) {
    this.#ws.close(code, reason);
  }

  /** Ends the connection without a close frame. */
  terminate() {
    this.#ws.terminate();
  }

  /** `/control` silent: nothing more is sent (no echo, ack or `~pong`), but it still reads. */
  silence() {
    this.#silenced = true;
  }

  /** `/control` stall: nothing more is sent or read, until a later fault ends it. */
  stall() {
    this.#silenced = true;
    this.#stalled = true;
    this.#ws.pause();
  }
}
