// A session client made of PROTOCOL.md's frames by hand, for tests that move a session between
// servers: it keeps its messages until the server acknowledges them and sends them again
// from the server's `next` on a resume, counts and acknowledges the server's messages, and
// remembers what it was told, so a test sees every frame's effect.

import { once } from 'node:events';
import { WebSocket } from 'ws';

const SUBPROTOCOL = 'resocket.v1';
const TERMS = 'window=102400 batch=1';

/** Fields of a control frame. */
export function fields(frame) {
  return Object.fromEntries(frame.split(' ').slice(1).map((field) => field.split('=')));
}

export class SessionClient {
  /** The server's messages received, in order, across connections. */
  got = [];
  /** The welcomes' fields, one per connection. */
  welcomes = [];
  /** The session's id, key and epoch, once welcomed. */
  identity;
  /** This client's messages not acknowledged yet, oldest first, and how many were before them. */
  unacknowledged = [];
  acknowledged = 0;
  /** The connection's close, once it closed: `{ code, reason }`. */
  closed;
  #ws;
  #user;

  constructor(user = 'ada') {
    this.#user = user;
  }

  /** Opens a connection to `url` and sends hello, or resume once it has a session; resolves with the welcome's fields. */
  async connect(url) {
    this.closed = undefined;
    const ws = new WebSocket(url, [SUBPROTOCOL], { headers: { 'x-user': this.#user } });
    this.#ws = ws;
    ws.on('error', () => {});
    const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    closed.then((close) => { if (this.#ws === ws) this.closed = close; });
    const welcomed = new Promise((resolve, reject) => {
      ws.on('message', (data, binary) => {
        const frame = binary ? Buffer.from(data).toString() : data.toString();
        if (frame.startsWith('~welcome ')) resolve(this.#welcome(ws, fields(frame)));
        else this.#frame(ws, frame);
      });
      closed.then((close) => reject(Object.assign(new Error(`closed ${close.code} ${close.reason}`), close)));
    });
    await once(ws, 'open');
    if (this.identity) {
      const { id, key, epoch } = this.identity;
      ws.send(`~resume v=1 id=${id} key=${key} epoch=${epoch} next=${this.got.length} ${TERMS}`);
    } else {
      ws.send(`~hello v=1 ${TERMS}`);
    }
    return welcomed;
  }

  #welcome(ws, welcome) {
    this.welcomes.push(welcome);
    const { id, key, epoch } = welcome;
    if (welcome.resumed === '1') {
      // The server has the client's messages before its `next`: the rest go again.
      this.#acknowledge(Number(welcome.next));
      for (const text of this.unacknowledged) ws.send(`m${text}`);
    } else {
      this.got = [];
    }
    this.identity = { id, key, epoch };
    return welcome;
  }

  #frame(ws, frame) {
    if (frame.startsWith('~ack n=')) {
      this.#acknowledge(Number(frame.slice(7)));
    } else if (frame.startsWith('m')) {
      this.#got(ws, frame.slice(1));
    } else if (frame.startsWith('b')) {
      // A batch: each of its messages counts as one.
      for (const text of JSON.parse(frame.slice(1))) this.#got(ws, text);
    }
  }

  #got(ws, text) {
    this.got.push(text);
    // Acknowledged in runs, as a client does.
    if (this.got.length % 64 === 0) ws.send(`~ack n=${this.got.length}`);
  }

  #acknowledge(count) {
    if (count <= this.acknowledged) return;
    this.unacknowledged.splice(0, count - this.acknowledged);
    this.acknowledged = count;
  }

  /** Sends `text`: on the connection if it is open, kept until acknowledged either way. */
  send(text) {
    this.unacknowledged.push(text);
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(`m${text}`);
  }

  /** Acknowledges every message received so far. */
  ack() {
    this.#ws.send(`~ack n=${this.got.length}`);
  }

  /** Drops the connection without a close frame, as a network failure would. */
  drop() {
    this.#ws.terminate();
  }

  /** Closes the connection with `code`; resolves once closed. */
  async close(code) {
    this.#ws.close(code);
    await once(this.#ws, 'close');
  }

  /** Resolves once `count` messages arrived (at most `ms`). */
  async receive(count, ms = 20_000) {
    const deadline = Date.now() + ms;
    while (this.got.length < count) {
      if (Date.now() > deadline) throw new Error(`${this.got.length} of ${count} messages arrived`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** `count` numbered messages from `from` on: `n0`, `n1`, ... */
export function numbered(from, to) {
  return Array.from({ length: to - from }, (_, i) => `n${from + i}`);
}
