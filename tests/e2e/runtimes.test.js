// The npm package outside the browser, in each JavaScript runtime from an app that depends on
// it (target/e2e/runtimes-app/, its node_modules linking pkg/ and ws): Node.js 20 (this
// machine's), Node.js 22, Deno and Bun (tests/runtimes/, from the npm registry).
// - importing it, and `require`-ing it, as server-side rendering does, on Node.js 20 and 22:
//   it throws nothing and reads no browser global (tests/runtimes/import-probe.mjs)
// - a socket made where there is no WebSocket (Node.js 20) throws a TypeError that says so and
//   names the `WebSocket` option
// - Vite's SSR build of an entry that bundles the package (ssr.noExternal): rendering with it
//   on Node.js 20 throws nothing and reads no browser global; on Node.js 22 it makes a socket
//   on the server, which loads the engine from the installed package, and echoes
// - server-side rendering with the bindings on Node.js 22 (whose WebSocket would connect):
//   React's and Vue's renderToString of a component using `useSocket`, and a Svelte store read
//   once as `$store` is on a server, render "connecting" and make no socket
// - the smoke suite (tests/runtimes/smoke.mjs) in each runtime, Node.js 20 with the ws package's
//   WebSocket: echo; reconnect after a drop; the heartbeat's round trip, and its 4000 close of a
//   silent connection and the reconnect; a request; a session's messages, once (the session
//   engine); a refused connection reported as an error and a 1006 close within a second
//   (Node.js 22's WebSocket reports the error and never the close); and the process exits by
//   itself once its sockets are closed
// The JS face's behavioural suite runs on Node.js 22 too: `make test-e2e-node` (support/node-host.js).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { linkPackage } from './support/consumer.js';
import { NODE_22 } from './support/node-host.js';
import { outDir, repoRoot } from './support/paths.js';
import { startServer } from './support/server.js';
import { requirePackage } from './support/suite.js';

const runtimesDir = path.join(repoRoot, 'tests', 'runtimes');
const bin = (name) => path.join(runtimesDir, 'node_modules', '.bin', name);
const appDir = path.join(outDir, 'runtimes-app');

/** Each runtime: its name, and the command that runs a script of the app with arguments. */
const RUNTIMES = [
  ['Node.js 20', (script, ...args) => [process.execPath, [script, ...args]]],
  ['Node.js 22', (script, ...args) => [NODE_22, [script, ...args]]],
  ['Deno', (script, ...args) => [bin('deno'), ['run', '--allow-net', '--allow-env', script, ...args]]],
  ['Bun', (script, ...args) => [bin('bun'), [script, ...args]]],
];

let server;

before(async () => {
  requirePackage();
  rmSync(appDir, { recursive: true, force: true });
  mkdirSync(path.join(appDir, 'node_modules'), { recursive: true });
  writeFileSync(path.join(appDir, 'package.json'), JSON.stringify({
    name: 'runtimes-app',
    private: true,
    type: 'module',
    dependencies: { resocket: 'file:../../../pkg', ws: '^8', react: '*', 'react-dom': '*', vue: '*' },
  }, null, 2));
  await linkPackage(appDir);
  // The repository's own dev dependencies, as the app's.
  for (const name of ['ws', 'react', 'react-dom', 'scheduler', 'vue', '@vue']) {
    symlinkSync(path.join(repoRoot, 'node_modules', name), path.join(appDir, 'node_modules', name), 'dir');
  }
  for (const script of ['smoke.mjs', 'import-probe.mjs', 'ssr-entry.js', 'ssr-echo.mjs', 'ssr-bindings.mjs']) copyFileSync(path.join(runtimesDir, script), path.join(appDir, script));
  server = await startServer();
});

after(() => server?.stop());

/**
 * Runs `script` of the app in `runtime`: its last stdout line, parsed, and how it ended. Not
 * with spawnSync: the test server's log is read by this process, which must keep running.
 */
async function run(runtime, script, ...args) {
  const [command, argv] = RUNTIMES.find(([name]) => name === runtime)[1](script, ...args);
  const result = await promisify(execFile)(command, argv, { cwd: appDir, encoding: 'utf8', timeout: 60_000 })
    .then((done) => ({ ...done, status: 0, signal: null }), (error) => ({ ...error, status: error.code, signal: error.signal }));
  let output;
  try {
    output = JSON.parse(result.stdout.trim().split('\n').at(-1));
  } catch {
    throw new Error(`${runtime} printed no result (exit ${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
  return { output, status: result.status, signal: result.signal, stderr: result.stderr };
}

for (const runtime of ['Node.js 20', 'Node.js 22']) {
  test(`${runtime}: importing and requiring the package throws nothing and reads no browser global`, async () => {
    const { output, status } = await run(runtime, 'import-probe.mjs');
    assert.equal(status, 0);
    assert.deepEqual(output, { imported: true, required: true, touched: [] });
  });
}

test('Node.js 20: a socket made without a WebSocket throws a TypeError naming the WebSocket option', async () => {
  const script = 'import("resocket").then(({ ReSocket }) => { try { new ReSocket("ws://127.0.0.1:1/"); console.log(JSON.stringify({ threw: false })); } ' +
    'catch (error) { console.log(JSON.stringify({ name: error.name, message: error.message })); } })';
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: appDir, encoding: 'utf8' });
  const output = JSON.parse(stdout.trim());
  assert.equal(output.name, 'TypeError');
  assert.match(output.message, /no WebSocket.*`WebSocket` option/);
});

test('Vite SSR with the package bundled: renders on Node.js 20 reading no browser global, echoes from Node.js 22', { timeout: 90_000 }, async () => {
  const { build } = await import('vite');
  await build({
    root: appDir,
    configFile: false,
    logLevel: 'warn',
    ssr: { noExternal: ['resocket'] },
    build: { ssr: 'ssr-entry.js', outDir: 'dist', emptyOutDir: true },
  });
  const rendered = await run('Node.js 20', 'import-probe.mjs', './dist/ssr-entry.js');
  assert.deepEqual(rendered.output, { rendered: '<p>function</p>', touched: [] });
  const echoed = await run('Node.js 22', 'ssr-echo.mjs', server.wsUrl);
  assert.deepEqual(echoed.output, { echoed: 'from the server' }, echoed.stderr);
});

test('server-side rendering with resocket/react, resocket/vue and resocket/svelte makes no socket', async () => {
  const { output, stderr } = await run('Node.js 22', 'ssr-bindings.mjs', server.wsUrl, server.url);
  assert.deepEqual(output, {
    rendered: { react: '<p>connecting true</p>', vue: '<p>connecting true</p>', svelte: 'connecting true' },
    connections: { react: 0, vue: 0, svelte: 0 },
  }, stderr);
});

for (const [runtime] of RUNTIMES) {
  test(`${runtime}: echo, reconnect after a drop, heartbeat, request, session, a refused connection; then exits by itself`, { timeout: 90_000 }, async () => {
    const args = runtime === 'Node.js 20' ? ['ws'] : [];
    const { output, status, signal, stderr } = await run(runtime, 'smoke.mjs', server.wsUrl, ...args);
    const byName = Object.fromEntries(output.map(({ name, ms, ...rest }) => [name, rest]));
    assert.deepEqual(byName, {
      echo: { ok: true, data: 'hello' },
      'reconnect after a drop': { ok: true, opens: 2, closes: [{ code: 1006, willReconnect: true }] },
      heartbeat: { ok: true, rttMeasured: true, silentClose: 4000, reopened: true },
      request: { ok: true, answer: 42 },
      session: { ok: true, messages: ['a', 'b', 'c'] },
      refused: { ok: true, errorCode: 'SOCKET', closeCode: 1006, willReconnect: false },
    }, stderr);
    const refused = output.find(({ name }) => name === 'refused');
    assert.ok(refused.ms < 1000, `the refused connection was reported within a second (${refused.ms} ms)`);
    assert.equal(signal, null, 'the process exited by itself');
    assert.equal(status, 0, stderr);
  });
}
