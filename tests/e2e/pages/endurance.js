// In-page side of endurance.test.js, loaded into the harness page with
// `window.endurance = await import('/endurance.js')`: the connect/drop and create/close cycles,
// the 200-socket herd, and readings of the package's wasm memory.

import { engineFor } from '/pkg/web/core.js';
import { ReSocket } from '/pkg/web/resocket.js';

// The figures below read the default engine (the sockets here have no session), which the
// package loads on first use.
const engine = engineFor(false);
await engine.load();

/**
 * The package's default engine (through the same module instance resocket.js runs on): its
 * linear memory size (which only grows) and how many socket cores it holds alive (freed once a
 * socket is garbage).
 */
export function wasmReading() {
  const { exports } = engine;
  return { memoryBytes: exports.memory.buffer.byteLength, engineCores: exports.live_cores() };
}

/**
 * Counts a socket's events as they come and lets the caller wait for a condition on the
 * counts without polling: every event re-checks the waiting conditions. Only counts and the
 * last close are kept, so a socket that lives through thousands of cycles holds no more than
 * one that lived through one; `history` also keeps the time of every open, close and
 * `reconnecting` event.
 */
function track(socket, { history = false } = {}) {
  const waiters = new Set();
  const tracked = {
    opens: 0,
    closeCount: 0,
    lastClose: undefined,
    closes: [],
    reconnecting: [],
    openedAt: [],
    lastMessage: undefined,
    until(predicate, what, ms = 5000) {
      if (predicate()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter = () => {
          if (!predicate()) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`timed out after ${ms} ms waiting for ${what} ` +
            `(opens ${tracked.opens}, closes ${tracked.closeCount}, readyState ${socket.readyState})`));
        }, ms);
        waiters.add(waiter);
      });
    },
  };
  const changed = () => { for (const waiter of [...waiters]) waiter(); };
  socket.addEventListener('open', () => {
    tracked.opens += 1;
    if (history) tracked.openedAt.push(performance.now());
    changed();
  });
  socket.addEventListener('message', (event) => { tracked.lastMessage = event.data; changed(); });
  socket.addEventListener('close', (event) => {
    tracked.closeCount += 1;
    tracked.lastClose = { at: performance.now(), code: event.code, willReconnect: event.willReconnect };
    if (history) tracked.closes.push(tracked.lastClose);
    changed();
  });
  socket.addEventListener('reconnecting', (event) => {
    if (history) tracked.reconnecting.push({ at: performance.now(), attempt: event.attempt, delayMs: event.delayMs });
  });
  return tracked;
}

async function echo(socket, tracked, text) {
  socket.send(text);
  await tracked.until(() => tracked.lastMessage === text, `the echo of ${text}`);
}

// ---- connect/drop: one socket, its connection dropped by the server after each echo ----

let dropper;

/** Opens the one socket of the connect/drop test on `url` (which has `drop_after=1`). */
export async function startDropper(url, options) {
  const socket = new ReSocket(url, null, options);
  dropper = { socket, tracked: track(socket), cycles: 0 };
  await dropper.tracked.until(() => dropper.tracked.opens === 1, 'the first open');
}

/**
 * `count` more cycles: echo one message on the open connection, which the server then drops,
 * and wait for the socket to open again. Returns the closes that were not the expected
 * 1006 with a reconnect to follow.
 */
export async function dropCycles(count) {
  const { socket, tracked } = dropper;
  const unexpected = [];
  for (let i = 0; i < count; i += 1) {
    const cycle = (dropper.cycles += 1);
    await echo(socket, tracked, `drop-cycle-${cycle}`);
    await tracked.until(() => tracked.closeCount === cycle, `the drop of connection ${cycle}`);
    const close = tracked.lastClose;
    if (close.code !== 1006 || !close.willReconnect) unexpected.push({ cycle, ...close });
    await tracked.until(() => tracked.opens === cycle + 1, `open number ${cycle + 1}`);
  }
  return { cycles: dropper.cycles, opens: tracked.opens, unexpected };
}

/**
 * Closes the socket for good on its last connection, which sends nothing (a message would
 * make the server drop it).
 */
export async function stopDropper() {
  const { socket, tracked } = dropper;
  const before = tracked.closeCount;
  socket.close();
  await tracked.until(() => tracked.closeCount === before + 1, 'the final close');
  const last = tracked.lastClose;
  dropper = undefined;
  return { code: last.code, willReconnect: last.willReconnect, readyState: socket.readyState };
}

// ---- create/close: a fresh socket per cycle, closed and dropped ----

let collected = 0;
let registered = 0;
const finalization = new FinalizationRegistry(() => { collected += 1; });
let recent = [];

/**
 * `count` cycles of: create a ReSocket on `url`, wait for open, echo a message, close(), wait
 * for its close event, and drop it. Every socket is registered with a FinalizationRegistry;
 * the last `keepWeak` created are also kept as WeakRefs. Returns the closes that were not a
 * clean, final 1000.
 */
export async function createCloseCycles(url, count, keepWeak) {
  const unexpected = [];
  for (let i = 0; i < count; i += 1) {
    const cycle = (registered += 1);
    const socket = new ReSocket(url, null, {});
    const tracked = track(socket);
    await tracked.until(() => tracked.opens === 1, 'open');
    await echo(socket, tracked, `create-cycle-${cycle}`);
    socket.close();
    await tracked.until(() => tracked.closeCount === 1, 'the close event after close()');
    const close = tracked.lastClose;
    if (close.code !== 1000 || close.willReconnect || socket.readyState !== ReSocket.CLOSED) {
      unexpected.push({ cycle, ...close, readyState: socket.readyState });
    }
    finalization.register(socket, cycle);
    recent.push(new WeakRef(socket));
    if (recent.length > keepWeak) recent.shift();
  }
  return { unexpected };
}

/** How many of the dropped sockets the garbage collector has reclaimed. */
export function collection() {
  return {
    registered,
    finalized: collected,
    weakRefs: recent.length,
    weakRefsStillAlive: recent.filter((ref) => ref.deref() !== undefined).length,
  };
}

// ---- herd: many sockets, one server restart ----

let herd;

/**
 * Opens one socket per URL of `urls` and records, from here on, when the page constructs each
 * browser WebSocket (the library looks `WebSocket` up on the global scope at every attempt),
 * and when the browser reports each one closed, before the library hears of it.
 */
export async function openHerd(urls, options) {
  const NativeWebSocket = globalThis.WebSocket;
  const attempts = [];
  const browserCloses = [];
  globalThis.WebSocket = class extends NativeWebSocket {
    constructor(url, protocols) {
      attempts.push({ url: String(url), at: performance.now() });
      super(url, protocols);
      // Added before the library's handler, so it runs first.
      this.addEventListener('close', () => browserCloses.push({ url: String(url), at: performance.now() }));
    }
  };
  const started = performance.now();
  const sockets = urls.map((url) => {
    const socket = new ReSocket(url, null, options);
    return { socket, url, tracked: track(socket, { history: true }) };
  });
  herd = { sockets, attempts, browserCloses, NativeWebSocket };
  await Promise.all(sockets.map(({ tracked }) => tracked.until(() => tracked.opens === 1, 'the first open', 30_000)));
  return {
    open: sockets.filter(({ socket }) => socket.readyState === ReSocket.OPEN).length,
    openedInMs: performance.now() - started,
    attempts: attempts.length,
  };
}

/**
 * Asks the server to restart (`controlUrl`), waits until every socket has opened again, and
 * returns per socket the times, relative to the restart request, of its close (as the browser
 * reported it, and as the library did), its first `reconnecting` event (with `delayMs`) and
 * every WebSocket it constructed since.
 */
export async function restartHerd(controlUrl, ms) {
  const restartAt = performance.now();
  const response = await fetch(controlUrl, { method: 'POST' });
  const answer = await response.json();
  await Promise.all(herd.sockets.map(({ tracked }) => tracked.until(() => tracked.opens === 2, 'the reopen after the restart', ms)));
  const recoveredMs = performance.now() - restartAt;
  const since = (entries) => entries.filter((entry) => entry.at >= restartAt)
    .map((entry) => ({ ...entry, at: entry.at - restartAt }));
  const sockets = herd.sockets.map(({ url, tracked }) => {
    const [close] = since(tracked.closes);
    const [first] = since(tracked.reconnecting);
    const [browserClose] = since(herd.browserCloses.filter((entry) => entry.url === url));
    return {
      url,
      close,
      browserClose,
      firstReconnecting: first,
      reopenedAt: tracked.openedAt[1] - restartAt,
      attempts: since(herd.attempts.filter((attempt) => attempt.url === url)).map((attempt) => attempt.at),
    };
  });
  return { affected: answer.affected, recoveredMs, sockets };
}

/** Closes every socket of the herd and puts the browser's WebSocket back. */
export async function closeHerd() {
  for (const { socket } of herd.sockets) socket.close();
  await Promise.all(herd.sockets.map(({ tracked }) =>
    tracked.until(() => tracked.lastClose && !tracked.lastClose.willReconnect, 'the final close', 10_000)));
  globalThis.WebSocket = herd.NativeWebSocket;
  const closed = herd.sockets.filter(({ socket }) => socket.readyState === ReSocket.CLOSED).length;
  herd = undefined;
  return { closed };
}
