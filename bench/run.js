// `make bench`: runs every benchmark workload for every library in headless Chromium against
// one release-built resocket-server, interleaved (the library order rotates every round),
// then writes bench/RESULTS.md, bench/results.svg and the README's headline figures.
// bench/build.sh builds what it needs first.
//   BENCH_QUICK=1            one round, fewer messages (`make bench-quick`)
//   BENCH_ROUNDS=N           rounds (default 5, or 1 when quick)
//   RESOCKET_BENCH_PKG=DIR   the package to measure (default pkg/)
//   BENCH_OUT=DIR            where RESULTS.md and results.svg go (default bench/; a quick run
//                            defaults to target/bench/ and leaves the README alone)
//   BENCH_LIBS=a,b           only these libraries (names as in LIBS; raw is always added)
//   BENCH_WORKLOADS=a,b      only these workloads (keys as in WORKLOADS, or "codecs": the
//                            codecs' own cost, in the page with no network)
//   BENCH_PROFILE=a,b        the libraries to CPU-profile (default raw and resocket's three
//                            faces; "none" for none)
//   BENCH_BUILD=DIR          the bench builds (default target/bench/)
//   BENCH_BASELINE=DIR       a bench_resocket.js + wasm built from another checkout of the
//                            library (bench/rust/resocket), run as "resocket-rust-baseline"
// A run with BENCH_LIBS or BENCH_WORKLOADS is partial: it measures no sizes, prints a summary
// and writes only runs.json (under BENCH_OUT), never RESULTS.md or the README.

import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import http from 'node:http';
import { launchBrowser } from '../tests/e2e/support/browser.js';
import { repoRoot } from '../tests/e2e/support/paths.js';
import { startRedis } from '../tests/e2e/support/redis.js';
import { startStaticServer } from '../tests/e2e/support/static.js';
import * as esbuild from 'esbuild';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 5));
const PKG = path.resolve(repoRoot, process.env.RESOCKET_BENCH_PKG ?? 'pkg');
const BENCH = path.join(repoRoot, 'bench');
const BUILD = path.resolve(repoRoot, process.env.BENCH_BUILD ?? path.join('target', 'bench'));
const BASELINE = process.env.BENCH_BASELINE && path.resolve(repoRoot, process.env.BENCH_BASELINE);
const OUT = path.resolve(repoRoot, process.env.BENCH_OUT ?? (QUICK ? BUILD : BENCH));
const listed = (name) => process.env[name]?.split(',').map((item) => item.trim()).filter(Boolean);
const ONLY_LIBS = listed('BENCH_LIBS');
const ONLY_WORKLOADS = listed('BENCH_WORKLOADS');
const PARTIAL = Boolean(ONLY_LIBS || ONLY_WORKLOADS);
const WRITE_README = OUT === BENCH;
/** Gives up on the whole run after this long, so `make bench` always ends by itself. */
const DEADLINE_MS = (QUICK ? 20 : 90) * 60_000;
/** Gives up on one workload run after this long. */
const RUN_TIMEOUT_MS = 300_000;

const P = QUICK
  ? { small: 10_000, kb: 2_000, big: 100, latency: 1_000, sockets: 50, each: 100, recovery: 3, profile: 10_000, codecs: 20_000 }
  : { small: 100_000, kb: 20_000, big: 500, latency: 10_000, sockets: 200, each: 500, recovery: 5, profile: 30_000, codecs: 200_000 };
const SMALL_TEXT = 16;

/** Every library in the page, in the order the tables list them. */
const LIBS = [
  ['raw', 'raw WebSocket + JSON.parse/stringify', 'JS'],
  ['resocket-raw', 'resocket JS API, format "raw" (+ JSON.parse/stringify)', 'JS'],
  ['resocket-json', 'resocket JS API, format "json"', 'JS'],
  ['partysocket', 'partysocket/ws (+ JSON.parse/stringify)', 'JS'],
  ['reconnecting-websocket', 'reconnecting-websocket (+ JSON.parse/stringify)', 'JS'],
  ['resocket-session', 'resocket JS API, format "raw", resumable session mode (+ JSON.parse/stringify)', 'JS'],
  ['resocket-session-redis', 'resocket-session against a server that keeps its sessions in Redis (resocket-axum\'s RedisStore: every message written before it is acknowledged or echoed)', 'JS'],
  ['resocket-rust', 'resocket Rust API, Socket<Msg, Msg, Json>', 'Rust'],
  ['resocket-rust-session', 'resocket Rust API, Socket<Msg, Msg, Json>, resumable session mode', 'Rust'],
  ['gloo-net', 'gloo-net websocket + serde_json', 'Rust'],
  ['ws_stream_wasm', 'ws_stream_wasm + serde_json', 'Rust'],
  ...(BASELINE ? [['resocket-rust-baseline', `resocket Rust API built from ${BASELINE}`, 'Rust']] : []),
];
for (const name of ONLY_LIBS ?? []) {
  if (!LIBS.some(([known]) => known === name)) throw new Error(`BENCH_LIBS: no library ${name}`);
}
const NAMES = LIBS.map(([name]) => name).filter((name) => !ONLY_LIBS || name === 'raw' || ONLY_LIBS.includes(name));
/** Session mode's libraries: against /session (resocket-axum), in the throughput and latency workloads. */
const SESSION = new Set(['resocket-session', 'resocket-session-redis', 'resocket-rust-session']);
const PLAIN = NAMES.filter((name) => !SESSION.has(name));
const RECONNECTING = ['resocket-raw', 'resocket-json', 'partysocket', 'reconnecting-websocket', 'resocket-rust'].filter((name) => NAMES.includes(name));
const HEARTBEAT = ['resocket-raw', 'resocket-json', 'resocket-rust'].filter((name) => NAMES.includes(name));

/** The workloads; `run(page, url)` returns the figure(s) of one run. */
const ALL_WORKLOADS = [
  { key: 'small', title: `Throughput, ${P.small.toLocaleString('en')} small messages ({seq, text}) on one socket`,
    libs: NAMES, count: P.small, textLen: SMALL_TEXT, kind: 'throughput' },
  { key: 'kb', title: `Throughput, ${P.kb.toLocaleString('en')} messages of 1 KB text`,
    libs: NAMES, count: P.kb, textLen: 1024, kind: 'throughput' },
  { key: 'big', title: `Throughput, ${P.big.toLocaleString('en')} messages of 64 KB text`,
    libs: NAMES, count: P.big, textLen: 65_536, kind: 'throughput' },
  { key: 'latency', title: `Latency, ${P.latency.toLocaleString('en')} sequential round trips of a small message`,
    libs: NAMES, kind: 'latency' },
  { key: 'many', title: `Many sockets: ${P.sockets} sockets in one page, ${P.each} messages each`,
    libs: PLAIN, kind: 'many' },
  { key: 'reconnect', title: 'Recovery: server drops the connection (no close frame), 0 ms first retry: `close` to `open`',
    libs: RECONNECTING, kind: 'reconnect' },
  { key: 'silence', title: 'Recovery: silent server, heartbeat 1000/1000 ms: `open` to the heartbeat close',
    libs: HEARTBEAT, kind: 'silence' },
];
for (const key of ONLY_WORKLOADS ?? []) {
  if (key !== 'codecs' && !ALL_WORKLOADS.some((workload) => workload.key === key)) throw new Error(`BENCH_WORKLOADS: no workload ${key}`);
}
/**
 * The codecs measured with no network (bench/page/bench.js, `?lib=codecs`): encode and decode
 * of the workloads' message, by each face's codecs.
 */
const CODECS = [
  ['js-json', 'JS API, format "json" (the browser\'s JSON)'],
  ['js-msgpack', 'JS API, a MessagePack format object (@msgpack/msgpack 3)'],
  ['rust-json', 'Rust API, `Json` (serde_json), a `Msg`'],
  ['rust-msgpack', 'Rust API, `MsgPack` (rmp-serde), a `Msg`'],
  ['rust-js', 'Rust API, `Js` (the browser\'s JSON), a JavaScript object'],
];
const MEASURE_CODECS = !ONLY_WORKLOADS || ONLY_WORKLOADS.includes('codecs');
const WORKLOADS = ALL_WORKLOADS.filter((workload) => !ONLY_WORKLOADS || ONLY_WORKLOADS.includes(workload.key));
const PROFILED = listed('BENCH_PROFILE')?.filter((name) => name !== 'none')
  ?? ['raw', 'resocket-raw', 'resocket-json', 'resocket-rust'].filter((name) => NAMES.includes(name));

const deadline = setTimeout(() => {
  console.error(`[bench] gave up after ${DEADLINE_MS / 60_000} minutes`);
  cleanup().finally(() => process.exit(2));
}, DEADLINE_MS);

let server;
/** A second server, keeping /session's sessions in `redis`, for resocket-session-redis. */
let redisServer;
let redis;
let web;
let browser;

async function cleanup() {
  await browser?.close().catch(() => {});
  await web?.stop().catch(() => {});
  for (const child of [server?.child, redisServer?.child]) {
    if (!child || child.exitCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  await redis?.stop().catch(() => {});
}

/** The release-built resocket-server (bench/build.sh built it) on a free loopback port. */
async function startEchoServer(args = []) {
  const binary = path.join(repoRoot, 'target', 'release', 'resocket-server');
  const child = spawn(binary, ['--port', '0', '--www', path.join(BENCH, 'page'), '--pkg', PKG, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const url = await new Promise((resolve, reject) => {
    let stdout = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`resocket-server exited with ${code}`)));
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match) resolve(match[1]);
    });
  });
  child.removeAllListeners('exit');
  return { child, url, wsUrl: url.replace(/^http/, 'ws') };
}

/** CPU seconds (user + system) the process has used so far, from /proc. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function withTimeout(promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${RUN_TIMEOUT_MS / 1000} s`)), RUN_TIMEOUT_MS); }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The static server with the two headers that make the bench page cross-origin isolated
 * (COOP + COEP), which gives performance.now() 5 us resolution instead of 100 us. A proxy in
 * front of the e2e suite's static server: Playwright's request routing would also catch the
 * WebSocket handshakes and break them.
 */
async function startIsolatedServer(mounts) {
  const inner = await startStaticServer(mounts);
  const proxy = http.createServer((request, response) => {
    http.get(inner.url + request.url, (upstream) => {
      response.writeHead(upstream.statusCode, {
        ...upstream.headers,
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      });
      upstream.pipe(response);
    }).on('error', (error) => response.writeHead(502).end(String(error)));
  });
  await new Promise((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${proxy.address().port}`,
    stop: async () => {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
      await inner.stop();
    },
  };
}

/** A fresh context and page with only `lib` loaded. */
async function openPage(lib) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  await page.goto(`${web.url}/index.html?lib=${lib}`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 30_000 }).catch((error) => {
    throw new Error(`${lib}: the page did not load: ${problems.join('; ')} ${error.message}`);
  });
  const isolated = await page.evaluate(() => crossOriginIsolated);
  if (!isolated) throw new Error('the bench page is not cross-origin isolated: timer resolution would be 100 us');
  return { page, context, problems };
}

function urlFor(kind, lib) {
  if (lib === 'resocket-session-redis') return `${redisServer.wsUrl}/session`;
  if (SESSION.has(lib)) return `${server.wsUrl}/session`;
  const base = `${server.wsUrl}/echo`;
  if (kind === 'reconnect') return `${base}?drop_after=1`;
  if (kind === 'silence') return `${base}?silent=1`;
  return base;
}

/** One run of one workload for one library, in its own page. */
async function runOnce(workload, lib) {
  const { page, context, problems } = await openPage(lib);
  try {
    const url = urlFor(workload.kind, lib);
    const call = (fn, arg) => withTimeout(page.evaluate(fn, arg), `${lib} ${workload.key}`);
    const result = {};
    switch (workload.kind) {
      case 'throughput': {
        const cpuBefore = cpuSeconds(server.child.pid);
        const threadBefore = await threadTime(page);
        const ms = await call(([u, n, len]) => window.bench.throughput(u, n, len), [url, workload.count, workload.textLen]);
        result.pageCpu = ((await threadTime(page)) - threadBefore) / workload.count;
        result.serverCpu = (cpuSeconds(server.child.pid) - cpuBefore) / (ms / 1000);
        result.value = workload.count / (ms / 1000);
        result.ms = ms;
        if (workload.key === 'small') Object.assign(result, await memory(page));
        break;
      }
      case 'latency': {
        const threadBefore = await threadTime(page);
        const times = await call(([u, n, len]) => window.bench.latency(u, n, len), [url, P.latency, SMALL_TEXT]);
        result.pageCpu = ((await threadTime(page)) - threadBefore) / P.latency;
        const sorted = times.map((ms) => ms * 1000).sort((a, b) => a - b);
        result.value = quantile(sorted, 0.5);
        result.p99 = quantile(sorted, 0.99);
        result.mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
        break;
      }
      case 'many': {
        const ms = await call(([u, s, e, len]) => window.bench.many(u, s, e, len), [url, P.sockets, P.each, SMALL_TEXT]);
        result.value = (P.sockets * P.each) / (ms / 1000);
        break;
      }
      case 'reconnect':
      case 'silence': {
        const values = [];
        for (let i = 0; i < P.recovery; i += 1) {
          values.push(await call(([kind, u]) => (kind === 'reconnect' ? window.bench.reconnect(u) : window.bench.detectSilence(u)), [workload.kind, url]));
        }
        result.value = median(values);
        break;
      }
      default:
        throw new Error(`unknown workload ${workload.kind}`);
    }
    if (problems.length) throw new Error(`${lib}: ${problems.join('; ')}`);
    return result;
  } finally {
    await context.close();
  }
}

/**
 * The codecs' round trips per second (encode, decode, check), by text size (`small`, `kb`)
 * and codec: every round's figure, a fresh page each round.
 */
async function codecRates() {
  const rates = { small: {}, kb: {} };
  for (let round = 0; round < ROUNDS; round += 1) {
    const { page, context, problems } = await openPage('codecs');
    try {
      for (const [key, textLen] of [['small', SMALL_TEXT], ['kb', 1024]]) {
        const ms = await withTimeout(page.evaluate(([n, len]) => window.bench.codecs(n, len), [P.codecs, textLen]), `codecs ${key}`);
        for (const [name, elapsed] of Object.entries(ms)) (rates[key][name] ??= []).push(P.codecs / (elapsed / 1000));
      }
      if (problems.length) throw new Error(`codecs: ${problems.join('; ')}`);
    } finally {
      await context.close();
    }
  }
  return rates;
}

/** The codecs' table: round trips per second (median), by codec, for each text size. */
function codecTable(rates) {
  const rows = CODECS.map(([name, what]) => [what, ...['small', 'kb'].map((key) => fmt(median(rates[key][name] ?? [])))]);
  return table(['codec', `round trips/s, {seq, text} of ${SMALL_TEXT} B (median)`, 'round trips/s, 1 KB text (median)'], rows);
}

/**
 * CPU time the page's main thread has used so far, in microseconds (CDP `ThreadTime`): unlike
 * wall time, it hardly moves when other processes compete for the machine's cores.
 */
async function threadTime(page) {
  // One session per page: a session's counters start when it enables them.
  if (!threadSessions.has(page)) {
    threadSessions.set(page, page.context().newCDPSession(page).then(async (cdp) => {
      await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
      return cdp;
    }));
  }
  const { metrics } = await (await threadSessions.get(page)).send('Performance.getMetrics');
  return metrics.find((metric) => metric.name === 'ThreadTime').value * 1e6;
}
const threadSessions = new WeakMap();

/** Wasm memory and JS heap of the page after workload 1, after a full garbage collection. */
async function memory(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  const wasmBytes = await page.evaluate(() => window.bench.wasmMemory());
  await cdp.detach();
  return { heap: usedSize, wasm: wasmBytes };
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Every workload, every round, the library order rotated each round. */
async function runAll() {
  const runs = {}; // runs[workload][lib] = [{round, ...result}]
  const failures = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const workload of WORKLOADS) {
      runs[workload.key] ??= {};
      const order = workload.libs.map((_, i) => workload.libs[(i + round) % workload.libs.length]);
      for (const lib of order) {
        const started = Date.now();
        try {
          const result = await runOnce(workload, lib);
          (runs[workload.key][lib] ??= []).push({ round, ...result });
          console.log(`[bench] round ${round + 1}/${ROUNDS} ${workload.key} ${lib}: ${fmt(result.value)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        } catch (error) {
          failures.push(`round ${round + 1}, ${workload.key}, ${lib}: ${error.message.split('\n')[0]}`);
          console.log(`[bench] round ${round + 1}/${ROUNDS} ${workload.key} ${lib}: FAILED ${error.message.split('\n')[0]}`);
        }
      }
    }
  }
  return { runs, failures };
}

/** The native check: Node's WebSocket client pipelining the same messages to /echo. */
function nativeRate() {
  const script = `
    const [url, count] = [process.argv[1], Number(process.argv[2])];
    const ws = new WebSocket(url);
    ws.onopen = () => {
      const text = 'x'.repeat(${SMALL_TEXT});
      let expected = 0;
      const start = performance.now();
      ws.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (message.seq !== expected || message.text !== text) throw new Error('bad echo ' + expected);
        expected += 1;
        if (expected === count) { console.log(count / ((performance.now() - start) / 1000)); ws.close(); }
      };
      for (let seq = 0; seq < count; seq += 1) ws.send(JSON.stringify({ seq, text }));
    };`;
  const rates = [];
  for (let i = 0; i < 3; i += 1) {
    const out = execFileSync(process.execPath, ['--experimental-websocket', '--no-warnings', '-e', script, `${server.wsUrl}/echo`, String(P.small)], { encoding: 'utf8', timeout: 120_000 });
    rates.push(Number(out.trim()));
  }
  return median(rates);
}

/** A CDP CPU profile of one throughput run (not counted in the tables), summarised. */
async function profile(lib) {
  const { page, context } = await openPage(lib);
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
    const ms = await withTimeout(page.evaluate(([u, n, len]) => window.bench.throughput(u, n, len), [urlFor('throughput'), P.profile, SMALL_TEXT]), `profile ${lib}`);
    const { profile: cpu } = await cdp.send('Profiler.stop');
    const self = new Map(cpu.nodes.map((node) => [node.id, 0]));
    for (let i = 0; i < cpu.samples.length; i += 1) self.set(cpu.samples[i], self.get(cpu.samples[i]) + (cpu.timeDeltas[i] ?? 0));
    const byFunction = new Map();
    const byOrigin = new Map();
    let total = 0;
    for (const node of cpu.nodes) {
      const us = self.get(node.id);
      if (!us) continue;
      const { functionName, url } = node.callFrame;
      const origin = originOf(url, functionName);
      const name = `${functionName || '(anonymous)'} ${url ? `(${shortUrl(url)})` : ''}`.trim();
      byFunction.set(name, (byFunction.get(name) ?? 0) + us);
      byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + us);
      total += us;
    }
    const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => ({ name, share: us / total, ms: us / 1000 }));
    return { lib, ms, messages: P.profile, origins: top(byOrigin, 12), functions: top(byFunction, 15) };
  } finally {
    await context.close();
  }
}

function shortUrl(url) {
  if (url.startsWith('wasm://')) return 'wasm';
  return url.replace(web.url, '').replace(/\?.*$/, '');
}

function originOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : 'native / V8 builtins';
  if (url.startsWith('wasm://')) return 'wasm';
  if (url.includes('/pkg/web/core.js')) return 'engine wrapper (core.js)';
  if (url.includes('/pkg/web/resocket.js')) return 'JS wrapper (resocket.js)';
  if (url.includes('/build/rust/')) return 'wasm-bindgen glue (bench crate)';
  if (url.includes('bench.js')) return 'bench page (send loop, JSON, checks)';
  if (url.includes('/build/peers.js')) return 'peer library (bundle)';
  return shortUrl(url);
}

// ---- sizes ----------------------------------------------------------------------------------

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** The size row of the npm package's session engine. */
const SESSION_ENGINE = 'resocket session mode (npm package)';

/**
 * The minified bundle of `entry` as a page loads it at once; `parts` holds each module's minified
 * bytes in it, `chunks` the gzipped bytes of the chunks it loads on first use.
 */
async function minified(entry, plugins = []) {
  // Split as an application's bundler splits: what is imported on first use (the shared
  // connection's lines) lands in a chunk of its own, which a page fetches only when it needs it.
  const result = await esbuild.build({
    entryPoints: [entry], bundle: true, minify: true, format: 'esm', write: false, splitting: true,
    outdir: path.join(BENCH, 'out'), absWorkingDir: BENCH, logLevel: 'silent', plugins, external: ['*.wasm'], metafile: true,
  });
  // What a page loads at once: the entry and the chunks it imports statically; the rest waits.
  const outputs = result.metafile.outputs;
  const [file] = Object.entries(outputs).find(([, out]) => out.entryPoint);
  const eager = new Set();
  const visit = (name) => {
    if (eager.has(name)) return;
    eager.add(name);
    for (const { path: chunk, kind } of outputs[name].imports) if (kind === 'import-statement' && outputs[chunk]) visit(chunk);
  };
  visit(file);
  const contents = (name) => Buffer.from(result.outputFiles.find((out) => out.path === path.join(BENCH, name)).contents);
  const bundle = Buffer.concat([...eager].map(contents));
  bundle.chunks = Object.keys(outputs).filter((name) => !eager.has(name) && name.endsWith('.js')).reduce((sum, name) => sum + gz(contents(name)), 0);
  const inputs = {};
  for (const name of eager) {
    for (const [input, { bytesInOutput }] of Object.entries(outputs[name].inputs)) inputs[input] = (inputs[input] ?? 0) + bytesInOutput;
  }
  const moduleName = (input) => (input.startsWith('size/') ? `the entry (bench/${input})` : path.basename(input));
  bundle.parts = Object.entries(inputs).map(([input, bytes]) => [moduleName(input), bytes]);
  return bundle;
}

async function sizes() {
  const rows = [];
  const resocketPlugin = (dir) => ({
    name: 'resocket-package',
    setup(build) {
      build.onResolve({ filter: /^resocket$/ }, () => ({ path: path.join(dir, 'resocket.js') }));
      build.onResolve({ filter: /^resocket\/(react|vue|svelte)$/ }, ({ path: name }) => ({ path: path.join(dir, 'bindings', `${name.slice('resocket/'.length)}.js`) }));
    },
  });
  const bundlerJs = await minified(path.join(BENCH, 'size', 'resocket.js'), [resocketPlugin(PKG)]);
  const bundlerWasm = readFileSync(path.join(PKG, 'resocket_core_bg.wasm'));
  rows.push({ lib: 'resocket (npm package, bundler build)', what: 'default engine wasm + JS', js: gz(bundlerJs), wasm: gz(bundlerWasm), wasmRaw: bundlerWasm.length, jsMin: bundlerJs.length, jsParts: bundlerJs.parts });
  const webJs = await minified(path.join(BENCH, 'size', 'resocket.js'), [resocketPlugin(path.join(PKG, 'web'))]);
  const webWasm = readFileSync(path.join(PKG, 'web', 'resocket_core_bg.wasm'));
  rows.push({ lib: 'resocket (npm package, web build)', what: 'default engine wasm + JS', js: gz(webJs), wasm: gz(webWasm), wasmRaw: webWasm.length, jsMin: webJs.length });
  // Session mode's cost: a second engine, fetched on top of the above only by a page that makes
  // a socket with `session` (the same file in both builds).
  const sessionWasm = readFileSync(path.join(PKG, 'resocket_session_bg.wasm'));
  rows.push({ lib: SESSION_ENGINE, what: 'session engine wasm, fetched in addition by a page that makes a socket with `session`', js: 0, wasm: gz(sessionWasm), wasmRaw: sessionWasm.length, jsMin: 0 });
  for (const lib of ['partysocket', 'reconnecting-websocket', 'socket.io-client']) {
    const js = await minified(path.join(BENCH, 'size', `${lib}.js`));
    rows.push({ lib, what: 'esbuild bundle', js: gz(js), wasm: 0, jsMin: js.length });
  }
  for (const [lib, dir, stem] of [['resocket-rust', 'resocket', 'bench_resocket'], ['gloo-net', 'gloo', 'bench_gloo'], ['ws_stream_wasm', 'ws-stream', 'bench_ws_stream']]) {
    const js = await minified(path.join(BUILD, 'rust', dir, `${stem}.js`));
    const wasm = readFileSync(path.join(BUILD, 'rust', dir, `${stem}_bg.wasm`));
    rows.push({ lib: `${lib} (bench crate)`, what: 'wasm + glue; includes the workloads and, for the peers, serde_json', js: gz(js), wasm: gz(wasm), wasmRaw: wasm.length, jsMin: js.length });
  }
  for (const row of rows) row.total = row.js + row.wasm;
  rows.features = await featureCosts(resocketPlugin);
  return rows;
}

/**
 * What each opt-in feature of the npm package costs, min+gzip: in the bundle every user ships,
 * the bundle with the feature's modules against the same bundle with them replaced by an
 * empty stand-in; and what a page using it fetches besides.
 */
async function featureCosts(resocketPlugin) {
  const entry = path.join(BENCH, 'size', 'resocket.js');
  const stub = (file, contents) => ({
    name: `without-${file}`,
    setup(build) {
      build.onResolve({ filter: new RegExp(`^\\./${file.replace('.', '\\.')}$`) }, () => ({ path: file, namespace: 'stub' }));
      build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents, loader: 'js' }));
    },
  });
  const bundle = await minified(entry, [resocketPlugin(PKG)]);
  const withoutShared = gz(await minified(entry, [resocketPlugin(PKG), stub('shared.js', 'export class SharedSocket extends EventTarget {}')]));
  const worker = await minified(path.join(PKG, 'web', 'shared-worker.js'));
  // The framework is the application's: it is left out of the binding's bundle.
  const frameworks = {
    name: 'frameworks',
    setup(build) {
      build.onResolve({ filter: /^(react|vue|svelte)$/ }, ({ path: name }) => ({ path: name, external: true }));
    },
  };
  const bindings = [];
  for (const framework of ['react', 'vue', 'svelte']) {
    const withBinding = await minified(path.join(BENCH, 'size', `resocket-${framework}.js`), [resocketPlugin(PKG), frameworks]);
    bindings.push([`resocket/${framework}: the binding and the registry the bindings share, in the bundle of an app that uses it (${framework} itself not counted)`, gz(withBinding) - gz(bundle)]);
  }
  return [
    ['`shared: true`: the tab\'s shared socket (shared.js), in every bundle', gz(bundle) - withoutShared],
    ['`shared: true`: its lines to the hub and the hub (shared-links.js, shared-hub.js), a chunk fetched by the first shared socket', bundle.chunks],
    ['`shared: true` with a SharedWorker: the worker script, fetched once by a page that uses one (the wasm is the page\'s, cached)', gz(worker) + worker.chunks],
    ...bindings,
  ];
}

/** twiggy's item list of the named build, grouped by crate and listed by largest items. */
function twiggy() {
  const file = path.join(BUILD, 'resocket-named', 'resocket_core.wasm');
  const csv = execFileSync('twiggy', ['top', '--format', 'csv', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const items = csv.trim().split('\n').slice(1).map(parseCsvLine)
    .map(([name, size]) => ({ name, size: Number(size) }))
    .filter((item) => Number.isFinite(item.size) && !item.name.startsWith('Σ') && !item.name.startsWith('... and'));
  const names = items.filter((item) => /"function names"|"local names"|name section|"module name"/.test(item.name));
  const code = items.filter((item) => !names.includes(item));
  const total = code.reduce((sum, item) => sum + item.size, 0);
  const groups = new Map();
  for (const item of code) groups.set(groupOf(item.name), (groups.get(groupOf(item.name)) ?? 0) + item.size);
  return {
    total,
    namesBytes: names.reduce((sum, item) => sum + item.size, 0),
    groups: [...groups].sort((a, b) => b[1] - a[1]),
    top: code.sort((a, b) => b.size - a.size).slice(0, 25),
  };
}

function parseCsvLine(line) {
  const cells = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cell += '"'; i += 1; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { cells.push(cell); cell = ''; } else cell += c;
  }
  cells.push(cell);
  return cells;
}

/** The crate (and for resocket, the module) an item's symbol belongs to. */
function groupOf(name) {
  if (/^data segment|^data\[/.test(name)) return 'data segments (strings, tables)';
  if (/^(import|export|type|table|elem|global|memory|code section headers|wasm magic|custom section)|section/i.test(name)) return 'wasm structure (imports, exports, types, tables)';
  if (/__wbg|__wbindgen|wasm_bindgen|externref/i.test(name)) return 'wasm-bindgen (shims, externref table)';
  if (/fmt|Display|Debug|core::panicking|alloc::fmt|core::str|pad_integral|float_to_decimal|flt2dec|dragon|grisu/.test(name)) return 'core::fmt (formatting, incl. f64 Display)';
  const crate = /(?:^|[<\s&(])([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::/.exec(name);
  if (crate) {
    if (crate[1] === 'resocket') {
      const module = /resocket(?:\[[0-9a-f]+\])?::([a-z_]+)(?:::([a-z_]+))?/.exec(name);
      return module ? `resocket::${module[1]}${module[1] === 'core' && module[2] ? `::${module[2]}` : ''}` : 'resocket';
    }
    return crate[1];
  }
  if (/^[a-z_]+$/.test(name)) return 'engine exports (npm-core entry points, with what they inline)';
  return 'other / unnamed';
}

// ---- report ---------------------------------------------------------------------------------

function fmt(value, digits = 0) {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

/** Median over rounds, and the median of the per-round ratios to raw in the same round. */
function summarise(runs, key, lib, field = 'value') {
  const mine = runs[key]?.[lib] ?? [];
  const raw = runs[key]?.raw ?? [];
  const ratios = mine.flatMap((run) => {
    const base = raw.find((r) => r.round === run.round);
    return base ? [run[field] / base[field]] : [];
  });
  const diffs = mine.flatMap((run) => {
    const base = raw.find((r) => r.round === run.round);
    return base ? [run[field] - base[field]] : [];
  });
  return { median: median(mine.map((r) => r[field])), ratio: median(ratios), diff: median(diffs), n: mine.length, runs: mine.map((r) => r[field]) };
}

function machine(chromiumVersion) {
  const cpus = os.cpus();
  const git = (args) => { try { return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim(); } catch { return '?'; } };
  const dirty = git(['status', '--porcelain', '--untracked-files=no']) ? ' (with uncommitted changes)' : '';
  return [
    `- CPU: ${cpus[0]?.model ?? '?'}, ${cpus.length} cores visible; ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory; load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')} (the machine is shared: other suites may run at the same time)`,
    `- OS: ${os.type()} ${os.release()}`,
    `- Chromium ${chromiumVersion} (Debian's /usr/bin/chromium, headless, via playwright-core); Node ${process.version}`,
    `- Date: ${new Date().toISOString()}; commit ${git(['rev-parse', '--short', 'HEAD'])}${dirty}`,
    `- Package measured: ${path.relative(repoRoot, PKG) || '.'}/; mode: ${QUICK ? 'quick' : 'full'}, ${ROUNDS} round(s)`,
  ].join('\n');
}

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

const label = (lib) => LIBS.find(([name]) => name === lib)?.[1] ?? lib;

function report({ runs, failures, native, serverCpu, sizeRows, twig, profiles, codecs, chromiumVersion, elapsedMin }) {
  const s = (key, lib, field) => summarise(runs, key, lib, field);
  const out = [];
  out.push('# resocket benchmark results', '');
  out.push(`Generated by \`${QUICK ? 'make bench-quick' : 'make bench'}\` (bench/run.js) in ${elapsedMin.toFixed(1)} minutes; every figure below comes from that run, nothing is typed by hand. How it measures: see "Method" at the end.`, '');
  out.push('## Machine', '', machine(chromiumVersion), '');

  // Targets.
  const t = {
    jsRaw: s('small', 'resocket-raw'), party: s('small', 'partysocket'), rust: s('small', 'resocket-rust'),
    gloo: s('small', 'gloo-net'), wss: s('small', 'ws_stream_wasm'),
  };
  const npm = sizeRows[0];
  const sio = sizeRows.find((row) => row.lib === 'socket.io-client');
  const rustApp = sizeRows.find((row) => row.lib === 'resocket-rust (bench crate)');
  const glooApp = sizeRows.find((row) => row.lib === 'gloo-net (bench crate)');
  const verdict = (ok) => (ok === undefined ? 'not measured' : ok ? 'met' : '**missed**');
  const lat = (lib) => s('latency', lib);
  const targets = [
    ['JS API raw format throughput >= 0.95x raw WebSocket', `${fmt(t.jsRaw.ratio, 2)}x`, verdict(Number.isFinite(t.jsRaw.ratio) ? t.jsRaw.ratio >= 0.95 : undefined)],
    ['JS API raw format throughput above partysocket', `${fmt(t.jsRaw.median)} vs ${fmt(t.party.median)} msg/s`, verdict(Number.isFinite(t.jsRaw.median + t.party.median) ? t.jsRaw.median > t.party.median : undefined)],
    ['Rust typed API throughput >= 0.85x raw WebSocket + JSON', `${fmt(t.rust.ratio, 2)}x`, verdict(Number.isFinite(t.rust.ratio) ? t.rust.ratio >= 0.85 : undefined)],
    ['Rust typed API throughput above gloo-net + serde_json', `${fmt(t.rust.median)} vs ${fmt(t.gloo.median)} msg/s`, verdict(Number.isFinite(t.rust.median + t.gloo.median) ? t.rust.median > t.gloo.median : undefined)],
    ['Rust typed API throughput above ws_stream_wasm + serde_json', `${fmt(t.rust.median)} vs ${fmt(t.wss.median)} msg/s`, verdict(Number.isFinite(t.rust.median + t.wss.median) ? t.rust.median > t.wss.median : undefined)],
    ...['resocket-raw', 'resocket-json', 'resocket-rust'].map((lib) => [`Latency overhead over raw < 20 us median (${lib})`, `${fmt(lat(lib).diff, 1)} us`, verdict(Number.isFinite(lat(lib).diff) ? lat(lib).diff < 20 : undefined)]),
    ['npm package payload (wasm + JS, min+gzip) <= 12 KB', kb(npm.total), verdict(npm.total <= 12 * 1024)],
    ['npm package payload below socket.io-client', `${kb(npm.total)} vs ${kb(sio.total)}`, verdict(npm.total < sio.total)],
    ['Rust typed app (bench crate, wasm + glue, min+gzip) <= 1.2x the same app on gloo-net', `${kb(rustApp.total)} vs ${kb(glooApp.total)}: ${fmt(rustApp.total / glooApp.total, 2)}x`, verdict(rustApp.total <= 1.2 * glooApp.total)],
    ['Rust typed API latency overhead over raw at most gloo-net\'s (median)', `${fmt(lat('resocket-rust').diff, 1)} vs ${fmt(lat('gloo-net').diff, 1)} us`, verdict(Number.isFinite(lat('resocket-rust').diff + lat('gloo-net').diff) ? lat('resocket-rust').diff <= lat('gloo-net').diff : undefined)],
  ];
  out.push('## Targets', '', table(['target', 'measured', 'verdict'], targets), '');
  out.push('Ratios are medians of the per-round ratios to raw WebSocket measured in the same round; latency overhead is the median of the per-round differences of the medians.', '');

  // Throughput tables.
  for (const key of ['small', 'kb', 'big', 'many']) {
    const workload = WORKLOADS.find((w) => w.key === key);
    const rows = workload.libs.map((lib) => {
      const r = s(key, lib);
      const bytes = key === 'kb' ? 1024 : key === 'big' ? 65_536 : null;
      const cpu = key === 'many' ? '-' : fmt(s(key, lib, 'pageCpu').median, 1);
      return [label(lib), fmt(r.median), bytes ? fmt((r.median * bytes) / 2 ** 20, 1) : '', `${fmt(r.ratio, 2)}x`, cpu, `${r.n}`, r.runs.map((v) => fmt(v)).join(', ')];
    });
    out.push(`## ${workload.title}`, '', table(['library', 'messages/s (median)', key === 'kb' || key === 'big' ? 'MiB/s of text' : '', 'ratio to raw', 'page main-thread CPU per message (us)', 'runs', 'every run'], rows).replace('|  |', '| |'), '');
    if (key === 'small') {
      out.push(`Server not the bottleneck: Node ${process.version}'s built-in WebSocket client, pipelining the same ${P.small.toLocaleString('en')} messages to the same /echo, gets **${fmt(native)} echoes/s** (median of 3), ${fmt(native / s('small', 'raw').median, 1)}x what the browser's raw WebSocket gets; and during the browser's raw-WebSocket runs the server used a median ${fmt(serverCpu * 100)}% of one core (from /proc: CPU seconds over the run's wall time), while the page's renderer and browser processes saturate theirs.`, '');
      const memRows = NAMES.map((lib) => {
        const heap = s('small', lib, 'heap');
        const wasm = s('small', lib, 'wasm');
        return [label(lib), kb(heap.median), wasm.median ? kb(wasm.median) : '-'];
      });
      out.push('### Memory after workload 1', '', 'In the same page, right after its 100k-message run (one library per page), after a forced garbage collection (CDP `HeapProfiler.collectGarbage`, then `Runtime.getHeapUsage`); wasm memory is the library\'s linear memory (`memory.buffer.byteLength`). The raw row is the page\'s own baseline.', '', table(['library', 'JS heap used', 'wasm memory'], memRows), '');
    }
  }

  // Latency.
  const latencyRows = NAMES.map((lib) => {
    const r = s('latency', lib);
    const p99 = s('latency', lib, 'p99');
    return [label(lib), fmt(r.median, 1), fmt(p99.median, 1), lib === 'raw' ? '-' : fmt(r.diff, 1), fmt(s('latency', lib, 'mean').median, 1), fmt(s('latency', lib, 'pageCpu').median, 1), `${r.n}`];
  });
  out.push(`## ${WORKLOADS.find((w) => w.key === 'latency').title}`, '', table(['library', 'median (us)', 'p99 (us)', 'overhead over raw, median (us)', 'mean (us)', 'page main-thread CPU per round trip (us)', 'runs'], latencyRows), '', 'Each run\'s median and p99 over its round trips; the table shows the median of those over the rounds. `performance.now()` has 5 us resolution here (the page is cross-origin isolated). Main-thread CPU is the page\'s `ThreadTime` (CDP `Performance.getMetrics`) over the run, divided by the round trips: unlike the times, it hardly moves when other processes compete for the cores.', '');

  // Recovery.
  for (const key of ['reconnect', 'silence']) {
    const workload = WORKLOADS.find((w) => w.key === key);
    const rows = workload.libs.map((lib) => [label(lib), fmt(s(key, lib).median, 1), s(key, lib).runs.map((v) => fmt(v, 1)).join(', ')]);
    out.push(`## ${workload.title}`, '', table(['library', 'ms (median)', 'every round (median of ' + P.recovery + ')'], rows), '');
  }
  out.push('Raw WebSocket, gloo-net and ws_stream_wasm do not reconnect; only resocket has a heartbeat, so the other libraries have no row for the silent server (they would wait for TCP to give up: minutes).', '');

  // Codecs.
  out.push('## Codecs: encode + decode of one message, in the page, no network', '', codecTable(codecs), '');
  out.push(`${P.codecs.toLocaleString('en')} round trips per run (encode the message, decode the frame, check it), ${ROUNDS} run(s), a fresh page each. The JS rows time what the face does per message in that format (the browser's JSON; @msgpack/msgpack's encode and decode, which a format object calls); the Rust rows the library's codecs (bench/rust/resocket with its \`codecs\` feature), \`Json\` and \`MsgPack\` on the bench's \`Msg\` struct, \`Js\` on the same message as a JavaScript object.`, '');

  // Sizes.
  const sizeTable = sizeRows.map((row) => [
    row.lib, row.what, row.js ? kb(row.js) : '-', row.wasm ? kb(row.wasm) : '-', `**${kb(row.total)}**`,
    [row.jsMin, row.wasmRaw].filter(Boolean).map(kb).join(' + '),
  ]);
  out.push('## Size: what a user ships, minified + gzip (level 9)', '', table(['library', 'what', 'JS min+gz', 'wasm gz', 'total', 'uncompressed (JS min + wasm)'], sizeTable), '');
  out.push('JS peers: an esbuild bundle (minified, ESM) of an entry that imports what a user imports and opens one socket (bench/size/). resocket: the same for `import { ReSocket } from "resocket"` (the package\'s JavaScript), plus the package\'s default engine as it ships (wasm-opt -Oz by scripts/package.sh), what every page that uses the package loads; session mode runs on a second engine, built with the core\'s `session` feature and fetched only by a page that makes a socket with `session`: its row is that wasm alone, on top of the package\'s. The Rust peers are the bench crates (bench/rust/): their wasm (wasm-opt -Oz) + glue, workloads included; all three carry serde_json (resocket\'s `Json` codec uses it too).', '');

  out.push('### Where the bytes of resocket\'s wasm go (twiggy)', '');
  out.push(`\`twiggy top\` of the library built exactly as the package (release, opt-level "z", LTO, wasm-opt -Oz) but with its function names kept (-g): ${fmt(twig.total)} bytes of code and data without the names section (${fmt(twig.namesBytes)} bytes, not shipped). The package's default engine is ${fmt(npm.wasmRaw)} bytes, ${kb(npm.wasm)} gzipped; the gzip column below spreads that over the groups by their share of the raw bytes (an estimate: gzip does not compress every part alike).`, '');
  out.push(table(['group', 'bytes', 'share', '~ gzip'], twig.groups.map(([name, bytes]) => [name, fmt(bytes), `${fmt((100 * bytes) / twig.total, 1)}%`, kb((npm.wasm * bytes) / twig.total)])), '');
  out.push('Largest items:', '', table(['item', 'bytes', 'share'], twig.top.map((item) => [`\`${item.name.replace(/\|/g, '\\|').slice(0, 110)}\``, fmt(item.size), `${fmt((100 * item.size) / twig.total, 1)}%`])), '');
  out.push(`### Where the bytes of resocket's JavaScript go`, '');
  out.push(`The package's modules (src/js/) minify to ${kb(npm.jsMin)}, ${kb(npm.js)} gzipped; by module, minified, with the gzipped size spread by share (an estimate, as above):`, '');
  const jsParts = npm.jsParts.filter(([, bytes]) => bytes > 0).sort((a, b) => b[1] - a[1]);
  out.push(table(['module', 'minified', 'share', '~ gzip'], jsParts.map(([file, bytes]) => [file, fmt(bytes), `${fmt((100 * bytes) / npm.jsMin, 1)}%`, kb((npm.js * bytes) / npm.jsMin)])), '');
  out.push('### What the opt-in features cost', '');
  out.push('The bundle above with a feature\'s own modules against the same bundle with them replaced by an empty stand-in, min+gzip; features woven into the core and the driver (the setup step, per-message control) have no module of their own and are in the figures above. A framework binding: the bundle of an app that imports it (the framework left out) against the bundle above.', '');
  out.push(table(['feature', 'min+gzip'], sizeRows.features.map(([feature, bytes]) => [feature, kb(bytes)])), '');

  // Profiles.
  out.push('## Where the time goes: CPU profiles of one throughput run', '');
  out.push(`Chrome DevTools Protocol profiler (Playwright CDP session, 100 us sampling) over one extra run of ${P.profile.toLocaleString('en')} small messages per library, not counted in the tables. Self time by where the code lives, then the heaviest functions.`, '');
  for (const p of profiles) {
    if (p.error) { out.push(`### ${label(p.lib)}`, '', `Profile failed: ${p.error}`, ''); continue; }
    out.push(`### ${label(p.lib)}: ${fmt(p.messages / (p.ms / 1000))} msg/s while profiled`, '');
    out.push(table(['where', 'self time', 'share'], p.origins.map((o) => [o.name, `${fmt(o.ms, 1)} ms`, `${fmt(o.share * 100, 1)}%`])), '');
    out.push(table(['function', 'self time', 'share'], p.functions.map((f) => [`\`${f.name.replace(/\|/g, '\\|')}\``, `${fmt(f.ms, 1)} ms`, `${fmt(f.share * 100, 1)}%`])), '');
  }

  if (failures.length) out.push('## Failed runs', '', ...failures.map((f) => `- ${f}`), '');

  out.push('## Method', '');
  out.push([
    `- One release-built \`resocket-server\` on 127.0.0.1 serves /echo (every message echoed, in order), and /session for the session-mode rows (resocket-axum: each message recorded and echoed on the session; the clients' window 64 MB, larger than a burst, so what is measured is the protocol's cost and not waits for acks; being another endpoint, its latency is not an overhead over /echo's); a static server on another loopback port serves the page (bench/page/), the package and the bench builds. Headless Chromium from Debian, driven by playwright-core.`,
    `- Every run of every library opens a fresh browser context and page that loads only that library, so heap and wasm memory are its own. The page is made cross-origin isolated (COOP/COEP headers added by the runner) so \`performance.now()\` resolves 5 us.`,
    `- ${ROUNDS} round(s); in each round every workload runs once for every library, the library order rotated by one each round, so drift and noise from the shared machine fall on all libraries alike. Tables show the median over rounds; ratios and overheads are computed per round against raw WebSocket in that round, then the median is taken.`,
    `- Throughput: after \`open\`, all messages are sent back to back, then the run waits until every echo is back and checked (sequence and text); time from the first send to the last echo. JS peers send \`JSON.stringify({seq, text})\` and \`JSON.parse\` what arrives (resocket's "json" format does both itself); the Rust peers send a \`#[derive(Serialize, Deserialize)] struct Msg { seq: u32, text: String }\` (bench/rust/common).`,
    `- Latency: one message at a time, the next sent when the previous echo arrived. Many sockets: all sockets opened first, then each pipelines its messages; time to the last echo on any socket.`,
    `- Recovery: /echo?drop_after=1 drops TCP (no close frame) after the first message; with a 0 ms first retry (resocket: minReconnectionDelay 0, jitter 0; partysocket and reconnecting-websocket: minReconnectionDelay 0), the time from the \`close\` event to the next \`open\`. Silent server: /echo?silent=1 never answers; heartbeat 1000/1000 ms; time from \`open\` to the 4000 close.`,
  ].join('\n'), '');
  return out.join('\n');
}

/** A horizontal bar chart of the throughput ratios to raw WebSocket. */
function svg(runs) {
  const groups = ['small', 'kb', 'big', 'many'].map((key) => ({ key, title: WORKLOADS.find((w) => w.key === key).title, bars: WORKLOADS.find((w) => w.key === key).libs.map((lib) => [lib, summarise(runs, key, lib).ratio]) }));
  const rowH = 18;
  const left = 300;
  const width = 820;
  const scale = 380; // pixels for 1.0x
  let y = 40;
  const parts = [];
  const esc = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  for (const group of groups) {
    parts.push(`<text x="10" y="${y}" font-weight="bold">${esc(group.title)}</text>`);
    y += 8;
    for (const [lib, ratio] of group.bars) {
      const w = Number.isFinite(ratio) ? Math.max(1, ratio * scale) : 0;
      const color = lib.startsWith('resocket') ? '#d9480f' : lib === 'raw' ? '#495057' : '#74c0fc';
      parts.push(`<text x="${left - 8}" y="${y + 13}" text-anchor="end">${esc(lib)}</text>`);
      parts.push(`<rect x="${left}" y="${y + 2}" width="${w.toFixed(1)}" height="${rowH - 4}" fill="${color}"/>`);
      parts.push(`<text x="${left + w + 6}" y="${y + 13}">${Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a'}</text>`);
      y += rowH;
    }
    y += 22;
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">Throughput relative to raw WebSocket (same run, median of ${ROUNDS} round(s); higher is better)</text>`,
    `<line x1="${left + scale}" y1="28" x2="${left + scale}" y2="${height - 10}" stroke="#868e96" stroke-dasharray="4 3"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/** The README's headline block, between its bench markers. */
function readmeHeadline(runs, sizeRows) {
  const s = (key, lib) => summarise(runs, key, lib);
  const npm = sizeRows[0];
  const size = (lib) => kb(sizeRows.find((row) => row.lib === lib).total);
  const session = sizeRows.find((row) => row.lib === SESSION_ENGINE);
  return [
    '<!-- bench:start (written by `make bench`; do not edit) -->',
    `Headline figures of the latest \`make bench\` (${new Date().toISOString().slice(0, 10)}, headless Chromium, ${os.cpus().length} cores; every table in [bench/RESULTS.md](bench/RESULTS.md)):`,
    '',
    table(['measure', 'resocket', 'for comparison'], [
      ['throughput, JS API raw format (100k small messages)', `${fmt(s('small', 'resocket-raw').median)} msg/s, ${fmt(s('small', 'resocket-raw').ratio, 2)}x raw`, `raw WebSocket ${fmt(s('small', 'raw').median)} msg/s; partysocket ${fmt(s('small', 'partysocket').ratio, 2)}x`],
      ['throughput, JS API json format', `${fmt(s('small', 'resocket-json').ratio, 2)}x raw`, `reconnecting-websocket ${fmt(s('small', 'reconnecting-websocket').ratio, 2)}x`],
      ['throughput, Rust typed API', `${fmt(s('small', 'resocket-rust').ratio, 2)}x raw`, `gloo-net ${fmt(s('small', 'gloo-net').ratio, 2)}x, ws_stream_wasm ${fmt(s('small', 'ws_stream_wasm').ratio, 2)}x`],
      ['latency overhead over raw WebSocket (median)', `${fmt(s('latency', 'resocket-raw').diff, 1)} us (JS raw), ${fmt(s('latency', 'resocket-rust').diff, 1)} us (Rust)`, `raw round trip ${fmt(s('latency', 'raw').median, 1)} us; gloo-net ${fmt(s('latency', 'gloo-net').diff, 1)} us over raw`],
      ['reconnect after a dropped connection (0 ms retry)', `${fmt(s('reconnect', 'resocket-raw').median, 1)} ms`, `partysocket ${fmt(s('reconnect', 'partysocket').median, 1)} ms`],
      ['dead server detected (heartbeat 1000/1000 ms)', `${fmt(s('silence', 'resocket-raw').median)} ms`, 'no heartbeat in the peers'],
      ['npm payload, min+gzip (wasm + JS)', `${kb(npm.total)}; session mode fetches ${kb(session.wasm)} more on first use`, `the packages it replaces: reconnecting-websocket ${size('reconnecting-websocket')}, partysocket ${size('partysocket')}; socket.io-client ${size('socket.io-client')}`],
      ['a typed Rust app (the bench crate, wasm + glue, min+gzip)', size('resocket-rust (bench crate)'), `the same app on gloo-net ${size('gloo-net (bench crate)')}, on ws_stream_wasm ${size('ws_stream_wasm (bench crate)')}`],
    ]),
    '',
    '![throughput relative to raw WebSocket](bench/results.svg)',
    '<!-- bench:end -->',
  ].join('\n');
}

async function profileAll() {
  const profiles = [];
  for (const lib of PROFILED) {
    try {
      profiles.push(await profile(lib));
    } catch (error) {
      profiles.push({ lib, error: error.message.split('\n')[0] });
    }
  }
  return profiles;
}

/**
 * A run of some libraries or workloads: the workloads and profiles, then a summary on stdout
 * (per workload: median, median ratio to raw in the same round, latency overhead) and runs.json.
 */
async function partialRun() {
  const { runs, failures } = await runAll();
  const profiles = await profileAll();
  const codecs = MEASURE_CODECS ? await codecRates() : undefined;
  if (codecs) console.log(`\nCodecs, encode + decode in the page (no network), ${P.codecs.toLocaleString('en')} round trips:\n${codecTable(codecs)}`);
  for (const workload of WORKLOADS) {
    console.log(`\n${workload.title}`);
    for (const lib of workload.libs) {
      const r = summarise(runs, workload.key, lib);
      const extra = workload.kind === 'latency'
        ? `median ${fmt(r.median, 1)} us, over raw ${fmt(r.diff, 1)} us, p99 ${fmt(summarise(runs, workload.key, lib, 'p99').median, 1)} us`
        : `${fmt(r.median)} ${workload.kind === 'throughput' || workload.kind === 'many' ? 'msg/s' : 'ms'}, ${fmt(r.ratio, 3)}x raw`;
      const cpu = summarise(runs, workload.key, lib, 'pageCpu');
      const cpuText = cpu.n ? `; page CPU ${fmt(cpu.median, 2)} us per message, ${fmt(cpu.ratio, 3)}x raw` : '';
      console.log(`  ${lib.padEnd(24)} ${extra}${cpuText}  (runs: ${r.runs.map((v) => fmt(v, workload.kind === 'latency' ? 1 : 0)).join(', ')})`);
    }
  }
  for (const p of profiles) {
    console.log(`\nprofile ${p.lib}: ${p.error ?? `${fmt(p.messages / (p.ms / 1000))} msg/s while profiled`}`);
    for (const f of [...(p.origins ?? []), ...(p.functions ?? [])]) console.log(`  ${(f.share * 100).toFixed(1).padStart(5)}%  ${fmt(f.ms, 1).padStart(8)} ms  ${f.name}`);
  }
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, 'runs.json'), JSON.stringify({ runs, failures, profiles, codecs }, null, 1));
  if (failures.length) console.log(`\nFAILED:\n${failures.join('\n')}`);
  console.log(`[bench] wrote ${path.relative(repoRoot, OUT)}/runs.json`);
  return failures.length ? 1 : 0;
}

async function main() {
  const started = Date.now();
  const needs = (lib) => NAMES.includes(lib);
  const needed = [
    [needs('resocket-raw') || needs('resocket-json') || !PARTIAL, path.join(PKG, 'web', 'resocket.js')],
    [needs('partysocket') || needs('reconnecting-websocket') || !PARTIAL, path.join(BUILD, 'peers.js')],
    [needs('resocket-rust'), path.join(BUILD, 'rust', 'resocket', 'bench_resocket.js')],
    [MEASURE_CODECS, path.join(BUILD, 'rust', 'resocket-codecs', 'bench_resocket.js')],
    [needs('gloo-net'), path.join(BUILD, 'rust', 'gloo', 'bench_gloo.js')],
    [needs('ws_stream_wasm'), path.join(BUILD, 'rust', 'ws-stream', 'bench_ws_stream.js')],
    [Boolean(BASELINE), path.join(BASELINE ?? '', 'bench_resocket.js')],
  ];
  for (const [wanted, file] of needed) {
    if (wanted && !existsSync(file)) throw new Error(`${file} is missing: run \`make bench\` (it builds what it needs)`);
  }
  server = await startEchoServer();
  if (NAMES.includes('resocket-session-redis')) {
    redis = await startRedis();
    redisServer = await startEchoServer(['--session-store', redis.url]);
  }
  web = await startIsolatedServer({ '/': path.join(BENCH, 'page'), '/pkg/': PKG, '/build/': BUILD, ...(BASELINE ? { '/baseline/': BASELINE } : {}) });
  browser = await launchBrowser();
  const chromiumVersion = browser.version();
  console.log(`[bench] ${QUICK ? 'quick' : 'full'}: ${ROUNDS} round(s), server ${server.url}, Chromium ${chromiumVersion}`);

  if (PARTIAL) return partialRun();
  const sizeRows = await sizes();
  const twig = twiggy();
  const native = nativeRate();
  console.log(`[bench] native Node client: ${fmt(native)} echoes/s`);
  const { runs, failures } = await runAll();
  const serverCpu = median((runs.small?.raw ?? []).map((r) => r.serverCpu));
  const profiles = await profileAll();
  const codecs = await codecRates();

  mkdirSync(OUT, { recursive: true });
  const elapsedMin = (Date.now() - started) / 60_000;
  writeFileSync(path.join(OUT, 'RESULTS.md'), report({ runs, failures, native, serverCpu, sizeRows, twig, profiles, codecs, chromiumVersion, elapsedMin }));
  writeFileSync(path.join(OUT, 'results.svg'), svg(runs));
  writeFileSync(path.join(BUILD, 'runs.json'), JSON.stringify({ runs, failures, native, sizeRows, profiles, codecs }, null, 1));
  if (WRITE_README) {
    const readmePath = path.join(repoRoot, 'README.md');
    const readme = readFileSync(readmePath, 'utf8');
    const block = /<!-- bench:start[\s\S]*?<!-- bench:end -->/;
    if (block.test(readme)) writeFileSync(readmePath, readme.replace(block, readmeHeadline(runs, sizeRows)));
    else console.log('[bench] README.md has no bench markers: headline figures not written');
  }
  console.log(`[bench] wrote ${path.relative(repoRoot, OUT)}/RESULTS.md and results.svg in ${elapsedMin.toFixed(1)} min${failures.length ? `; ${failures.length} run(s) FAILED` : ''}`);
  return failures.length ? 1 : 0;
}

main()
  .then(async (code) => { clearTimeout(deadline); await cleanup(); process.exit(code); })
  .catch(async (error) => { console.error(error); clearTimeout(deadline); await cleanup(); process.exit(1); });
