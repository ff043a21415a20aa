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
// - `/control?client=NAME&action=drop|silent|stall|forget`, acting on the client's
//   connections as the Rust server's do (drop: cut without a close frame; silent: nothing
//   more is sent on it, close frames aside; stall: silent, and nothing more is read; forget:
//   the client's sessions are ended, their connections cut, as a server that lost its store);
// - `/received?client=NAME`, `/stats` (`clients: {NAME: {open, total, max_open, received,
//   frames_in, frames_out}}`, the last two the frames carrying messages, message or batch
//   frames, from and to the client on /session);
// and, in process, `opened(NAME)`: the connections of NAME that opened, with their subprotocol.

import { createServer } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebSocketServer } from 'ws';
import { pkgDir } from './paths.js';

const MAX_SLEEP_MS = 10_000;

/** Starts the server; resolves once it listens. */
export async function startNodeSessionServer() {
  const { SessionServer } = await import(pathToFileURL(path.join(pkgDir, 'server', 'index.js')).href);
  const server = new NodeSessionServer(SessionServer);
  await server.listen();
  return server;
}

class NodeSessionServer {
  /** Per client tag: its counts and what it sent. */
  #clients = new Map();
  /** Live connections, with their client tag and faults. */
  #connections = new Set();
  /** Every connection that opened: { client, path, protocol }. */
  #opened = [];
  /** The owner (client tag) of each session, by session. */
  #owners = new Map();
  #http;
  #sessions;

  constructor(SessionServer) {
    this.#sessions = new SessionServer({
      // The test server authenticates nobody: the client tag stands for the user.
      resume: (request, id) => this.#owners.get(this.#sessions.get(id)) === clientOf(request),
    });
    this.#sessions.on('session', (session, request) => this.#converse(session, clientOf(request)));
    const sessionWss = new WebSocketServer({ noServer: true, handleProtocols: this.#sessions.handleProtocols });
    sessionWss.on('connection', (ws, request) => {
      this.#track(ws, request, '/session');
      this.#sessions.handle(ws, request);
    });
    const echoWss = new WebSocketServer({ noServer: true, handleProtocols: () => false });
    this.#http = createServer((request, response) => this.#answer(request, response));
    this.#http.on('upgrade', (request, socket, head) => {
      const { pathname } = new URL(request.url, 'http://localhost');
      if (pathname === '/session') {
        this.#sessions.handleUpgrade(sessionWss, request, socket, head);
      } else if (pathname === '/echo') {
        echoWss.handleUpgrade(request, socket, head, (ws) => {
          const connection = this.#track(ws, request, pathname);
          ws.on('message', (data, binary) => {
            if (connection.stalled) return;
            this.#stats(connection.client).received += 1;
            ws.send(data, { binary });
          });
        });
      } else {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      }
    });
  }

  async listen() {
    await new Promise((resolve) => this.#http.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.#http.address().port}`;
    this.wsUrl = this.url.replace(/^http/, 'ws');
  }

  /** A connection of `client`, counted and open to /control's faults. */
  #track(ws, request, pathname) {
    const client = clientOf(request);
    const connection = { ws, client, silenced: false, stalled: false };
    this.#opened.push({ client, path: pathname, protocol: ws.protocol || null });
    this.#connections.add(connection);
    const stats = this.#stats(client);
    stats.open += 1;
    stats.total += 1;
    stats.max_open = Math.max(stats.max_open, stats.open);
    // Silenced: what the server sends goes nowhere, its close frames aside.
    const send = ws.send.bind(ws);
    ws.send = (data, ...rest) => {
      if (connection.silenced) return undefined;
      if (pathname === '/session' && carriesMessages(data)) stats.frames_out += 1;
      return send(data, ...rest);
    };
    if (pathname === '/session') {
      ws.on('message', (data) => {
        if (!connection.stalled && carriesMessages(data)) stats.frames_in += 1;
      });
    }
    ws.on('close', () => {
      this.#connections.delete(connection);
      stats.open -= 1;
    });
    return connection;
  }

  #stats(client) {
    let stats = this.#clients.get(client);
    if (!stats) {
      stats = { open: 0, total: 0, max_open: 0, received: 0, frames_in: 0, frames_out: 0, messages: [] };
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
      case '/control':
        return json(200, { affected: this.#control(client, url.searchParams.get('action')) });
      case '/received':
        return json(200, this.#clients.get(client)?.messages ?? []);
      case '/stats': {
        const clients = Object.fromEntries([...this.#clients].map(([name, { messages, ...counts }]) => [name, counts]));
        return json(200, { clients });
      }
      default:
        return json(404, { error: 'not found' });
    }
  }

  #control(client, action) {
    if (action === 'forget') {
      const forgotten = [...this.#owners].filter(([, owner]) => owner === client).map(([session]) => session);
      for (const session of forgotten) {
        session.terminate();
        session.end(1000, 'the server forgot its sessions');
      }
      return forgotten.length;
    }
    const connections = [...this.#connections].filter((connection) => connection.client === client);
    for (const connection of connections) {
      switch (action) {
        case 'drop':
          connection.ws.terminate();
          break;
        case 'silent':
          connection.silenced = true;
          break;
        case 'stall':
          connection.silenced = true;
          connection.stalled = true;
          connection.ws.pause();
          break;
        default:
          throw new Error(`unknown /control action ${action}`);
      }
    }
    return connections.length;
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
    for (const { ws } of this.#connections) ws.terminate();
    await new Promise((resolve) => this.#http.close(resolve));
  }
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
