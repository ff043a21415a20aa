// Starts the Rust test server (server/, `resocket-server`) on a free loopback port and stops
// it again; reads its /stats and /received records and keeps its log for assertions.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { outDir, pagesDir, pkgDir, repoRoot, rustFaceDir } from './paths.js';

const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

let built = false;

/** `cargo build -p resocket-server`, once per process; a no-op when it is up to date. */
function buildServer() {
  if (built) return;
  const result = spawnSync('cargo', ['build', '--quiet', '-p', 'resocket-server'], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.error) throw new Error(`cannot run cargo: ${result.error.message}`);
  if (result.status !== 0) throw new Error('cargo build -p resocket-server failed (see above)');
  built = true;
}

function serverBinary() {
  const targetDir = process.env.CARGO_TARGET_DIR
    ? path.resolve(repoRoot, process.env.CARGO_TARGET_DIR)
    : path.join(repoRoot, 'target');
  return path.join(targetDir, 'debug', 'resocket-server');
}

/**
 * A running `resocket-server` serving `www` (default `www/`) at `/` and the package under test
 * at `/pkg/`; with `tls`, over HTTPS and WSS with its self-signed certificate (Node's `fetch`
 * does not trust it: read `/stats` from the page). `port` 0 (the default) takes a free port;
 * `kill()` and `restart()` then stop it hard and start a fresh process on the same port.
 * `args` are further command-line arguments, e.g. `['--allow-origin', ORIGIN]`.
 * @returns {Promise<TestServer>}
 */
export async function startServer({ www = 'www', tls = false, port = 0, args: extra = [] } = {}) {
  buildServer();
  const args = ['--www', www, '--pkg', pkgDir, ...(tls ? ['--tls'] : []), ...extra];
  const { child, url, log } = await spawnServer(['--port', String(port), ...args]);
  return new TestServer(child, url, log, args);
}

/**
 * A directory for `startServer({ www })` that serves the test pages (pages/) at `/` and the
 * Rust face's class at `/rust-face/`, as the static server's mounts do, for pages that must
 * come from the test server itself (over HTTPS, or from its origin): symlinks to both, made
 * afresh in target/e2e/server-www/.
 */
export function pagesWithRustFace() {
  const dir = path.join(outDir, 'server-www');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(pagesDir)) symlinkSync(path.join(pagesDir, name), path.join(dir, name));
  symlinkSync(rustFaceDir, path.join(dir, 'rust-face'));
  return dir;
}

/** Starts one `resocket-server` process and waits for its "listening" line. */
async function spawnServer(args) {
  const child = spawn(serverBinary(), args, {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('no "listening" line within 30 s')), STARTUP_TIMEOUT_MS);
    function fail(error) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`resocket-server did not start: ${error.message}\n${stderr}`));
    }
    child.on('error', fail);
    child.on('exit', (code, signal) => fail(new Error(`exited with ${code ?? signal}`)));
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (https?:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        resolve(match[1]);
      }
    });
  });
  return { child, url, log: () => stderr };
}

export class TestServer {
  #child;
  #log;
  #args;

  constructor(child, url, log, args) {
    this.#child = child;
    this.#log = log;
    this.#args = args;
    /** `http://127.0.0.1:PORT` (`https://` with TLS) */
    this.url = url;
    /** `ws://127.0.0.1:PORT` (`wss://` with TLS) */
    this.wsUrl = url.replace(/^http/, 'ws');
    /** The port, kept across `restart()`. */
    this.port = Number(new URL(url).port);
  }

  /** Whether the current process is still running. */
  get running() {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /**
   * SIGKILL: the process dies at once, without closing its connections itself (the kernel
   * ends them: FIN, no WebSocket close frame). Resolves once it has exited.
   */
  async kill() {
    if (!this.running) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.kill('SIGKILL');
    await exited;
  }

  /**
   * Kills the current process if it still runs and starts a fresh one on the same port with
   * the same arguments; resolves once it listens. `log()` and `closings()` then describe the
   * new process only.
   */
  async restart() {
    await this.kill();
    const { child, url, log } = await spawnServer(['--port', String(this.port), ...this.#args]);
    this.#child = child;
    this.#log = log;
    if (url !== this.url) throw new Error(`restarted on ${url}, not ${this.url}`);
  }

  /** Everything the current process logged to stderr so far: one line per connection event. */
  log() {
    return this.#log();
  }

  async #getJson(pathAndQuery) {
    const response = await fetch(this.url + pathAndQuery);
    if (!response.ok) throw new Error(`GET ${pathAndQuery}: ${response.status} ${await response.text()}`);
    return response.json();
  }

  /** `/stats`: `{endpoints: {echo, chat, rpc, session, session_chat}, clients: {NAME: {open, total, max_open, received}}}`. */
  stats() {
    return this.#getJson('/stats');
  }

  /** POST `/control?QUERY` (a fault: `client=NAME&action=drop`, ...); its JSON answer. */
  async control(query) {
    const response = await fetch(`${this.url}/control?${query}`, { method: 'POST' });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`POST /control?${query}: ${response.status} ${body}`);
    return JSON.parse(body);
  }

  /** The counts of one `client=NAME` tag, or undefined if it never connected. */
  async client(name) {
    return (await this.stats()).clients[name];
  }

  /** What the client tagged NAME sent, in arrival order (binary as `{binary: length}`). */
  received(name) {
    return this.#getJson(`/received?client=${encodeURIComponent(name)}`);
  }

  /**
   * How the server saw the connections of client NAME end, from its log: e.g.
   * `client closed with 4001 "bye"`, in connection order.
   */
  closings(name) {
    const log = this.log();
    const ids = [...log.matchAll(/^#(\d+) \/\w+\?(\S*) .*opened$/gm)]
      .filter(([, , query]) => new URLSearchParams(query).get('client') === name)
      .map(([, id]) => id);
    return ids.flatMap((id) => {
      const closed = new RegExp(`^#${id} closed after \\d+ messages \\((.*)\\)$`, 'm').exec(log);
      return closed ? [closed[1]] : [];
    });
  }

  /**
   * The connections of client NAME that opened, in order, from its log: `{ query, protocol }`,
   * the query's parameters as an object and the subprotocol the server chose (null for none).
   */
  opened(name) {
    return [...this.log().matchAll(/^#\d+ \/\w+\?(\S*)(?: origin=\S+)?(?: protocol=(\S+))? opened$/gm)]
      .map(([, query, protocol]) => ({ query: Object.fromEntries(new URLSearchParams(query)), protocol: protocol ?? null }))
      .filter(({ query }) => query.client === name);
  }

  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  async stop() {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}
