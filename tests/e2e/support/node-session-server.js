// The Node counterpart of the Rust test server's /session, for the session e2e files to run
// against resocket/server (the package's Node adapter, from the package under test) as they
// run against resocket-axum: a `ws` server on a free loopback port with what those files use
// of resocket-server (server/src/resumable.rs, control.rs, stats_http.rs):
// - `/session`: resumable sessions wired as docs/javascript.md recommends (handleUpgrade, so an
//   upgrade without resocket.v1 gets 400); each message is recorded under the `client=NAME`
//   tag of the connection that started the session (`/received`), then a request of /rpc's
//   shape is answered (add, echo, sleep, notify, fail) and anything else echoed; the client
//   tag is the session's owner, and only a connection with the same tag resumes it;
// - `/echo`: a plain echo that selects no subprotocol;
// - `/control?client=NAME&action=drop|silent|stall|close|restart|forget`, with the Rust
//   server's parameters and meaning (node-control.js): drop cuts the client's connections
//   without a close frame; silent sends nothing more on them, close frames aside; stall
//   neither sends nor reads any more; close (`code`, default 1000, and `reason`) closes them;
//   restart (`down_ms`, default 2000) closes every connection with 1012 and answers upgrades
//   503 for down_ms, keeping the sessions, as a server that keeps its store across restarts;
//   forget ends the client's sessions, their connections cut, as a server that lost its store.
//   drop, silent and stall act on the connection's socket, which the adapter reads and writes
//   through a Wire (node-wire.js); close and restart go through the sessions' `disconnect()`,
//   forget through `terminate()` and `end()`, as an application would;
// - `/received?client=NAME`, `/stats` (`clients: {NAME: {open, total, max_open, received,
//   frames_in, frames_out}}`, the last two the frames carrying messages, message or batch
//   frames, from and to the client on /session;
//   `open` counts the connections whose close handshake has not begun (ws's OPEN), and
//   `max_open` the most of them at once. The Rust server counts one until the client's close
//   frame arrives or it is cut, so the two differ only while a close the server began awaits
//   its answer; ws's own `close` event would come later, after TCP's teardown, by when a
//   client that abandoned the connection (its heartbeat gave up) may be on its next one);
// and, in process, `opened(NAME)`: the connections of NAME that opened, with their subprotocol.
// With `redisPath`, sessions live in that Redis as well (RedisStore, under resocket-server's
// `--session-store` prefix, so the two kinds of server resume each other's sessions), and
// `spawnNodeSessionServer` runs such a server in a child process a test may kill (SIGKILL).

import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { BadControl, readControl } from './node-control.js';
import { Wire } from './node-wire.js';
import { pkgDir } from './paths.js';

const MAX_SLEEP_MS = 10_000;
/** Where resocket-server keeps its sessions in the Redis of `--session-store`. */
const STORE_PREFIX = 'resocket-test:';

/** Starts the server (its sessions in the Redis whose socket is `redisPath`, if given); resolves once it listens. */
export async function startNodeSessionServer({ redisPath } = {}) {
  const { SessionServer, RedisStore } = await import(pathToFileURL(path.join(pkgDir, 'server', 'index.js')).href);
  let redis;
  let store;
  if (redisPath) {
    const { createClient } = await import('redis');
    redis = createClient({ socket: { path: redisPath } });
    redis.on('error', () => {});
    await redis.connect();
    store = new RedisStore(redis, { prefix: STORE_PREFIX });
  }
  const server = new NodeSessionServer(SessionServer, { store, redis });
  await server.listen();
  return server;
}

/**
 * The server of `startNodeSessionServer({ redisPath })` in a child process: `wsUrl`,
 * `received(NAME)`, `client(NAME)` over HTTP, `kill()` (SIGKILL: its sockets end without a
 * close frame, its writes stop wherever they are) and `stop()`, as support/server.js's
 * TestServer has them.
 */
export async function spawnNodeSessionServer(redisPath) {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'node-session-child.js'), redisPath], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code, signal) => reject(new Error(`the Node session server exited with ${code ?? signal}`)));
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) resolve(match[1]);
    });
  });
  child.removeAllListeners('exit');
  return new NodeSessionProcess(child, url);
}

class NodeSessionProcess {
  #child;

  constructor(child, url) {
    this.#child = child;
    this.url = url;
    this.wsUrl = url.replace(/^http/, 'ws');
  }

  get running() {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async #getJson(pathAndQuery) {
    const response = await fetch(this.url + pathAndQuery);
    return response.json();
  }

  received(name) {
    return this.#getJson(`/received?client=${encodeURIComponent(name)}`);
  }

  async client(name) {
    return (await this.#getJson('/stats')).clients[name];
  }

  async kill() {
    await this.#signal('SIGKILL');
  }

  async stop() {
    await this.#signal('SIGTERM');
  }

  async #signal(signal) {
    if (!this.running) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.kill(signal);
    await exited;
  }
}

class NodeSessionServer {
  /** Per client tag: its counts and what it sent. */
  #clients = new Map();
  /** Live connections (Wires: the client tag, the faults). */
  #wires = new Set();
  /** Every connection that opened: { client, path, protocol }. */
  #opened = [];
  /** The owner (client tag) of each session, by session. */
  #owners = new Map();
  /** Until when upgrades are refused, as a restarting server's would be (Date.now() ms). */
  #downUntil = 0;
  #http;
  #sessions;
  /** The Redis client of the sessions' store, if any. */
  #redis;

  constructor(SessionServer, { store, redis } = {}) {
    this.#redis = redis;
    this.#sessions = new SessionServer({
      store,
      // The test server authenticates nobody: the client tag stands for the user, and only a
      // connection with the session's tag resumes it (the default resume hook).
      owner: clientOf,
    });
    this.#sessions.on('session', (session) => this.#converse(session, session.owner));
    const sessionWss = new WebSocketServer({ noServer: true, handleProtocols: this.#sessions.handleProtocols });
    sessionWss.on('connection', (ws, request) => this.#sessions.handle(this.#track(ws, request, '/session'), request));
    const echoWss = new WebSocketServer({ noServer: true, handleProtocols: () => false });
    this.#http = createServer((request, response) => this.#answer(request, response));
    this.#http.on('upgrade', (request, socket, head) => {
      const { pathname } = new URL(request.url, 'http://localhost');
      const downFor = this.#downUntil - Date.now();
      if (downFor > 0) {
        refuse(socket, '503 Service Unavailable', `server restarting: back in ${downFor} ms`);
      } else if (pathname === '/session') {
        this.#sessions.handleUpgrade(sessionWss, request, socket, head);
      } else if (pathname === '/echo') {
        echoWss.handleUpgrade(request, socket, head, (ws) => {
          const wire = this.#track(ws, request, pathname);
          wire.on('message', (data, binary) => {
            this.#stats(wire.client).received += 1;
            wire.send(data, { binary });
          });
        });
      } else {
        refuse(socket, '404 Not Found', '');
      }
    });
  }

  async listen() {
    await new Promise((resolve) => this.#http.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.#http.address().port}`;
    this.wsUrl = this.url.replace(/^http/, 'ws');
  }

  /** A connection of `client`, counted, as a Wire open to /control's faults. */
  #track(ws, request, pathname) {
    const wire = new Wire(ws, clientOf(request));
    this.#opened.push({ client: wire.client, path: pathname, protocol: ws.protocol || null });
    this.#wires.add(wire);
    const stats = this.#stats(wire.client);
    stats.total += 1;
    stats.max_open = Math.max(stats.max_open, this.#live(wire.client));
    if (pathname === '/session') {
      // The frames that carry messages, each way: a batch is one.
      wire.on('message', (data) => {
        if (carriesMessages(data)) stats.frames_in += 1;
      });
      wire.onSend = (data) => {
        if (carriesMessages(data)) stats.frames_out += 1;
      };
    }
    wire.on('close', () => this.#wires.delete(wire));
    return wire;
  }

  #stats(client) {
    let stats = this.#clients.get(client);
    if (!stats) {
      stats = { total: 0, max_open: 0, received: 0, frames_in: 0, frames_out: 0, messages: [] };
      this.#clients.set(client, stats);
    }
    return stats;
  }

  /** One session's handler: records each message, then answers or echoes it. */
  #converse(session, client) {
    this.#owners.set(session, client);
    session.on('close', () => this.#owners.delete(session));
    session.on('message', (message) => {
      const stats = this.#stats(client);
      stats.received += 1;
      stats.messages.push(typeof message === 'string' ? message : { binary: message.byteLength });
      const request = typeof message === 'string' ? requestOf(message) : undefined;
      if (!request) {
        session.sendWhenReady(message).catch(() => {});
        return;
      }
      for (const [delay, reply] of answer(request)) {
        if (delay === 0) session.sendWhenReady(reply).catch(() => {});
        else setTimeout(() => session.sendWhenReady(reply).catch(() => {}), delay);
      }
    });
  }

  #answer(request, response) {
    const url = new URL(request.url, 'http://localhost');
    const client = url.searchParams.get('client') ?? '';
    const json = (status, body) => {
      response.writeHead(status, {
        'content-type': 'application/json',
        'access-control-allow-origin': '*',
        'cache-control': 'no-store',
      });
      response.end(JSON.stringify(body));
    };
    switch (url.pathname) {
      case '/control': {
        let order;
        try {
          order = readControl(url.searchParams);
        } catch (error) {
          if (!(error instanceof BadControl)) throw error;
          response.writeHead(400, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' });
          return response.end(`${error.message}\n`);
        }
        return json(200, { affected: this.#control(order) });
      }
      case '/received':
        return json(200, this.#clients.get(client)?.messages ?? []);
      case '/stats': {
        const clients = Object.fromEntries([...this.#clients]
          .map(([name, { messages, ...counts }]) => [name, { open: this.#live(name), ...counts }]));
        return json(200, { clients });
      }
      default:
        return json(404, { error: 'not found' });
    }
  }

  /** Carries out a /control order; returns how many connections (sessions, for forget) it reached. */
  #control({ action, client, code, reason, downMs }) {
    switch (action) {
      case 'forget': {
        const forgotten = this.#sessionsOf(client);
        for (const session of forgotten) {
          session.terminate();
          session.end(1000, 'the server forgot its sessions');
        }
        return forgotten.length;
      }
      case 'restart':
        this.#downUntil = Date.now() + downMs;
        return this.#close([...this.#sessions], [...this.#wires], 1012, 'service restart');
      case 'close':
        return this.#close(this.#sessionsOf(client), this.#wiresOf(client), code, reason);
      default:
    }
    const wires = this.#wiresOf(client);
    for (const wire of wires) {
      if (action === 'drop') wire.terminate();
      else if (action === 'silent') wire.silence();
      else wire.stall();
    }
    return wires.length;
  }

  /**
   * Closes `wires` with `code`: those that carry one of `sessions` through its `disconnect()`,
   * so the adapter knows the server closed it (the client's answer, 1000 say, is no close of
   * the client's, which would end its session), the others (still in their handshake, or
   * /echo's) directly. Returns how many there were.
   */
  #close(sessions, wires, code, reason) {
    for (const session of sessions) session.disconnect(code, reason);
    for (const wire of wires) if (wire.readyState === WebSocket.OPEN) wire.close(code, reason);
    return wires.length;
  }

  /** The sessions `client` owns; every session without one. */
  #sessionsOf(client) {
    return [...this.#owners].filter(([, owner]) => client === undefined || owner === client).map(([session]) => session);
  }

  #wiresOf(client) {
    return [...this.#wires].filter((wire) => wire.client === client);
  }

  /** How many connections of `client` are live: neither side has begun closing them (ws's OPEN). */
  #live(client) {
    return this.#wiresOf(client).filter((wire) => wire.readyState === WebSocket.OPEN).length;
  }

  /** The connections of client NAME that opened, in order: `{ protocol }` (null for none). */
  opened(name) {
    return this.#opened.filter(({ client }) => client === name).map(({ protocol }) => ({ protocol }));
  }

  /** POST `/control?QUERY`; its JSON answer. */
  async control(query) {
    const response = await fetch(`${this.url}/control?${query}`, { method: 'POST' });
    return response.json();
  }

  async received(name) {
    const response = await fetch(`${this.url}/received?client=${encodeURIComponent(name)}`);
    return response.json();
  }

  async client(name) {
    const response = await fetch(`${this.url}/stats`);
    return (await response.json()).clients[name];
  }

  async stop() {
    this.#sessions.close();
    for (const wire of this.#wires) wire.terminate();
    await new Promise((resolve) => this.#http.close(resolve));
    await this.#redis?.close();
  }
}

/** Answers an upgrade request with `status` instead of upgrading. */
function refuse(socket, status, body) {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** Whether a frame of a session carries messages: a message frame (`m`) or a batch frame (`b`). */
function carriesMessages(data) {
  const first = typeof data === 'string' ? data.charCodeAt(0) : data[0];
  return first === 0x6d || first === 0x62;
}

function clientOf(request) {
  return new URL(request.url, 'http://localhost').searchParams.get('client') ?? '';
}

/** A request of /rpc's shape (a JSON object with an id and a method), or undefined. */
function requestOf(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
  return isObject && value.id !== undefined && value.id !== null && typeof value.method === 'string' ? value : undefined;
}

/** /rpc's answers to `request`: [delay in ms, text] pairs (server/src/rpc.rs). */
function answer({ id, method, params = null }) {
  const result = (value) => JSON.stringify({ id, result: value });
  const error = (code, message) => JSON.stringify({ id, error: { code, message } });
  switch (method) {
    case 'add':
      return Array.isArray(params) && params.length === 2 && params.every((n) => typeof n === 'number')
        ? [[0, result(params[0] + params[1])]]
        : [[0, error(-32602, 'add takes two numbers')]];
    case 'echo':
      return [[0, result(params)]];
    case 'sleep': {
      const ms = Array.isArray(params) ? params[0] : undefined;
      return Number.isInteger(ms) && ms >= 0 && ms <= MAX_SLEEP_MS
        ? [[ms, result(ms)]]
        : [[0, error(-32602, `sleep takes [ms], at most ${MAX_SLEEP_MS}`)]];
    }
    case 'notify':
      return [[0, JSON.stringify({ event: 'notice', params })], [0, result(true)]];
    case 'fail':
      return [[0, error(1, 'failed as asked')]];
    default:
      return [[0, error(-32601, `no method ${JSON.stringify(method)}`)]];
  }
}
