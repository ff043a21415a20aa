// The e2e suite's Node.js host: with RESOCKET_E2E_HOST=node (`make test-e2e-node`), each test's
// "page" is a process of Node.js 22 (tests/runtimes/, its global WebSocket) instead of a
// Chromium tab, so the JS face's behavioural tests run in a server runtime against the same
// test server. A NodePage has the WatchedPage interface the tests use: `run(fn, arg)`,
// `problems` (uncaught errors, unhandled rejections, wasm traps) and `console`.
// What needs a browser (the Rust face, a wasm-bindgen web build; page lifecycle, offline
// emulation, reloads, tabs) is skipped there, each test saying why (suite.js).

import { spawn } from 'node:child_process';
import path from 'node:path';
import { pkgDir, repoRoot } from './paths.js';
import { WatchedPage } from './browser.js';

/** The runtime the Node.js host runs: Node.js 22 from tests/runtimes/ (scripts/setup.sh). */
export const NODE_22 = path.join(repoRoot, 'tests', 'runtimes', 'node_modules', '.bin', 'node');

/** What a step that opens a socket of the Rust face fails with on the Node.js host (the test is then skipped). */
export const RUST_FACE_ON_NODE = 'the Rust face runs in browsers only (a wasm-bindgen web build)';

/**
 * Why a test of the tail a dropped connection never transmitted is the browser's: Node.js's
 * WebSocket (and Deno's) reads `bufferedAmount` 0 once closed, so the frames it still held
 * count as unconfirmed, not requeued.
 */
export const UNSENT_UNKNOWN = "Node.js's WebSocket reads bufferedAmount 0 once closed, so what it held at a drop counts as unconfirmed, not requeued";

/** Why a test of the page's lifecycle or network flag is the browser's. */
export const PAGE_ONLY = 'the back/forward cache, visibility and navigator.onLine are a browser page\'s';

/** Why a test of tabs sharing a connection is the browser's. */
export const TABS = "tabs of one origin are a browser's";

/** Whether this run hosts its pages in Node.js. */
export const ON_NODE = process.env.RESOCKET_E2E_HOST === 'node';

const CHILD = new URL('./node-host-child.js', import.meta.url).pathname;

export class NodePage {
  problems = [];
  console = [];
  #child;
  #steps = new Map();
  #ids = 0;

  /**
   * A page whose `h` names the test server at `ws` and `http`, and whose steps import the
   * suite's `mounts` (URL prefix -> directory) by URL; resolves once it has imported the package.
   */
  static open(ws, http, mounts = {}) {
    return new NodePage().#start(ws, http, mounts);
  }

  #start(ws, http, mounts) {
    const child = spawn(NODE_22, [CHILD, pkgDir, ws, http, JSON.stringify(mounts)], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.#child = child;
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (text) => {
        for (const line of text.split('\n').filter(Boolean)) {
          this.console.push(line);
          if (WatchedPage.TRAP.test(line)) this.problems.push(line);
        }
      });
    }
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        const gone = new Error(`the Node.js page exited (${signal ?? code})\n${this.console.slice(-20).join('\n')}`);
        reject(gone);
        for (const { reject: fail } of this.#steps.values()) fail(gone);
        this.#steps.clear();
      });
      child.on('message', (message) => {
        if (message.ready) resolve(this);
        else if (message.problem) this.problems.push(message.problem);
        else this.#settle(message);
      });
    });
  }

  #settle({ id, result, error }) {
    const step = this.#steps.get(id);
    this.#steps.delete(id);
    if (error) step?.reject(Object.assign(new Error(error.message), { stack: error.stack }));
    else step?.resolve(result);
  }

  /** Runs `fn(arg)` in the page and returns its (awaited, structured-cloned) result. */
  run(fn, arg) {
    const id = (this.#ids += 1);
    return new Promise((resolve, reject) => {
      this.#steps.set(id, { resolve, reject });
      this.#child.send({ id, source: fn.toString(), arg });
    });
  }

  async close() {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.kill();
    await exited;
  }
}
