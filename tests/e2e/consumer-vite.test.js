// A Vite 8 app (vite-app/) that depends on the package as `resocket` (a file: dependency on
// pkg/, linked as npm would) and uses the bundler build with no plugin and no configuration:
// - `vite build` succeeds and emits each engine's wasm (the default engine and the session
//   engine) as an asset, each loaded from a chunk of its own: the app's entry chunk never
//   waits for one (no top-level await, no reference to a wasm)
// - the built app, served from its own origin, connects to the test server in Chromium and
//   echoes a JSON message, fetching the default engine alone (it makes no session socket); the
//   default export is the ReSocket class

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { expectEcho, linkPackage } from './support/consumer.js';
import { e2eDir, outDir } from './support/paths.js';
import { e2eSuite } from './support/suite.js';

const appDir = path.join(e2eDir, 'vite-app');
const distDir = path.join(outDir, 'vite-app');
const suite = e2eSuite({ mounts: { '/vite/': distDir } });

test('the Vite 8 app builds with the bundler build, no plugin, each engine in a chunk of its own, and echoes in Chromium', { timeout: 90_000 }, async (t) => {
  await linkPackage(appDir);
  const { build } = await import('vite');
  const started = Date.now();
  await build({ root: appDir, configFile: path.join(appDir, 'vite.config.js'), logLevel: 'warn' });
  t.diagnostic(`vite build took ${Date.now() - started} ms`);
  const assets = await readdir(path.join(distDir, 'assets'));
  const wasms = assets.filter((name) => name.endsWith('.wasm'));
  const [core, session] = ['resocket_core_bg-', 'resocket_session_bg-'].map((stem) => wasms.find((name) => name.startsWith(stem)));
  assert.ok(core && session && wasms.length === 2, `both engines' wasm, and no other, were emitted: ${assets}`);
  const chunks = assets.filter((name) => name.endsWith('.js'));
  const entry = chunks.find((name) => name.startsWith('index-'));
  const text = async (name) => readFile(path.join(distDir, 'assets', name), 'utf8');
  const entryText = await text(entry);
  assert.ok(!entryText.includes('WebAssembly'), `the entry chunk ${entry} instantiates no wasm`);
  const loaders = [];
  for (const wasm of wasms) {
    assert.ok(!entryText.includes(wasm), `the entry chunk ${entry} does not name ${wasm}`);
    for (const name of chunks.filter((name) => name !== entry)) {
      if ((await text(name)).includes(wasm)) loaders.push(name);
    }
  }
  assert.equal(loaders.length, 2, `a chunk of its own loads each wasm: ${chunks}`);
  assert.notEqual(loaders[0], loaders[1], `a chunk of its own loads each wasm: ${loaders}`);

  const client = `vite-${Date.now().toString(36)}`;
  const fetched = await expectEcho(suite, `${suite.web.url}/vite/index.html`, client, { from: 'vite', defaultExport: true });
  const fetchedWasm = fetched.filter((url) => url.endsWith('.wasm'));
  assert.deepEqual(fetchedWasm, [`${suite.web.url}/vite/assets/${core}`], 'the page fetched the default engine alone');
});
