// The helpers the e2e tests' steps find as `h`, with the package as `resocket`: made for a
// harness page (harness.js, in Chromium) or for the Node.js host (support/node-host-child.js),
// given the package and the test server's bases.

import { openFace } from './faces.js';

/** `h` for the package `resocket` and the test server at `ws` and `http` (its base URLs). */
export function makeHarness(resocket, { ws: wsBase, http: httpBase }) {
  let clients = 0;

  /** A plain summary of a ReSocket event, plus `line`, one readable string for sequence checks. */
  function summarise(event) {
    const entry = { type: event.type, at: Math.round(performance.now()) };
    switch (event.type) {
      case 'message':
        entry.data = summariseData(event.data);
        entry.line = `message ${JSON.stringify(entry.data)}`;
        break;
      case 'close':
        Object.assign(entry, {
          code: event.code,
          reason: event.reason,
          wasClean: event.wasClean,
          willReconnect: event.willReconnect,
        });
        entry.line = `close ${event.code} ${JSON.stringify(event.reason)} wasClean=${event.wasClean} ` +
          `willReconnect=${event.willReconnect}`;
        break;
      case 'error':
        Object.assign(entry, {
          code: event.error?.code,
          message: event.message,
          errorIsReSocketError: event.error instanceof resocket.ReSocketError,
          data: event.data,
        });
        entry.line = `error ${event.error?.code}`;
        break;
      case 'reconnecting':
        Object.assign(entry, { attempt: event.attempt, delayMs: event.delayMs });
        entry.line = `reconnecting attempt=${event.attempt} delayMs=${event.delayMs}`;
        break;
      case 'statechange':
        entry.state = event.state;
        entry.line = `state ${event.state}`;
        break;
      case 'removed':
        Object.assign(entry, { data: summariseData(event.data), reason: event.reason });
        entry.line = `removed ${event.reason} ${JSON.stringify(entry.data)}`;
        break;
      default:
        entry.line = event.type;
    }
    return entry;
  }

  function summariseData(data) {
    if (typeof data === 'string') return data;
    if (data instanceof ArrayBuffer) return { arrayBuffer: [...new Uint8Array(data)] };
    if (data instanceof Blob) return { blob: data.size };
    return data;
  }

  const h = {
    ws: wsBase,
    http: httpBase,

    /** A client tag unique in this run, for the server's /stats and /received records. */
    client(prefix = 'client') {
      clients += 1;
      return `${prefix}-${Date.now().toString(36)}-${clients}`;
    },

    /** A WebSocket URL on the test server: `h.url('/echo', { client, drop_after: 1 })`. */
    url(path, query = {}) {
      const url = new URL(path, wsBase);
      for (const [name, value] of Object.entries(query)) url.searchParams.set(name, String(value));
      return url.href;
    },

    sleep(ms) {
      return new Promise((resolve) => setTimeout(resolve, ms));
    },

    /** Resolves once `predicate()` is truthy; fails after `ms`, naming `what` and `context()`. */
    async waitFor(predicate, what, { ms = 3000, context } = {}) {
      const deadline = performance.now() + ms;
      for (;;) {
        const value = predicate();
        if (value) return value;
        if (performance.now() > deadline) {
          const details = context ? `\n${JSON.stringify(context(), null, 1)}` : '';
          throw new Error(`timed out after ${ms} ms waiting for ${what}${details}`);
        }
        await h.sleep(5);
      }
    },

    /** Records every ReSocket event of `socket` as `summarise` describes it. */
    record(socket, types = ['open', 'message', 'close', 'error', 'reconnecting']) {
      const log = [];
      for (const type of types) socket.addEventListener(type, (event) => log.push(summarise(event)));
      log.lines = () => log.map((entry) => entry.line);
      log.count = (type) => log.filter((entry) => entry.type === type).length;
      log.until = (predicate, what, ms = 3000) =>
        h.waitFor(() => predicate(log), what, { ms, context: () => log.lines() });
      return log;
    },

    /**
     * On `socket` to /echo?garbage=1, recorded by `log`: once open, two sends, each answered by
     * garbage for a DECODE error; then `close()`, waiting for its event. The readyState after
     * the errors (the connection is to stay open).
     */
    async twoDecodeErrors(socket, log) {
      await log.until((l) => l.count('open') === 1, 'open');
      socket.send({ hello: 'world' });
      await log.until((l) => l.count('error') === 1, 'the decode error');
      socket.send({ again: true });
      await log.until((l) => l.count('error') === 2, 'a second decode error on the same connection');
      await h.sleep(100);
      const readyState = socket.readyState;
      socket.close();
      await log.until((l) => l.count('close') === 1, 'the close event');
      return readyState;
    },

    async stats() {
      return (await fetch(`${httpBase}/stats`)).json();
    },

    /** The /stats counts of one client tag, or undefined if it never connected. */
    async clientStats(name) {
      return (await h.stats()).clients[name];
    },

    /**
     * The /stats counts of one client tag once the server counted `total` connections of it
     * (it counts one a moment after the browser reports it open), or as they are after `ms`.
     */
    async clientStatsOnceCounted(name, total, ms = 1000) {
      const deadline = performance.now() + ms;
      let stats = await h.clientStats(name);
      while ((stats?.total ?? 0) < total && performance.now() < deadline) {
        await h.sleep(10);
        stats = await h.clientStats(name);
      }
      return stats;
    },

    async received(name) {
      return (await fetch(`${httpBase}/received?client=${encodeURIComponent(name)}`)).json();
    },

    /** What the client tagged `name` sent (`h.received`), once the server holds `count` messages (at most 3 s). */
    async receivedOnceCounted(name, count) {
      let received = await h.received(name);
      for (let tries = 0; received.length < count && tries < 300; tries += 1) {
        await h.sleep(10);
        received = await h.received(name);
      }
      if (received.length < count) throw new Error(`the server did not receive ${count} messages from ${name}`);
      return received;
    },

    summarise,

    /**
     * A socket of either face with one interface (see faces.js): `await h.open('rust', url,
     * options, { protocols, listen, binaryType })`; 'rust' needs target/e2e/rust-face mounted
     * at /rust-face/.
     */
    open(face, url, options, more) {
      return openFace(resocket, face, url, options, more);
    },
  };
  return h;
}
