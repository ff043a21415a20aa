// A Vite 8 app (vite-app/) that depends on the package as `resocket` (a file: dependency on
// pkg/, linked as npm would) and uses the bundler build with no plugin and no configuration:
// - `vite build` succeeds and emits the wasm as an asset, loaded from a chunk of its own: the
//   app's entry chunk never waits for it (no top-level await, no reference to the wasm)
// - the built app, served from its own origin, connects to the test server in Chromium and
//   echoes a JSON message; the default export is the ReSocket class

import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, readFile, readlink, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { e2eDir, outDir, pkgDir } from './support/paths.js';
import { e2eSuite } from './support/suite.js';

const appDir = path.join(e2eDir, 'vite-app');
const distDir = path.join(outDir, 'vite-app');
const suite = e2eSuite({ mounts: { '/vite/': distDir } });

/** What `npm install` does for `"resocket": "file:../../../pkg"`: a symlink in node_modules. */
async function linkPackage() {
  const link = path.join(appDir, 'node_modules', 'resocket');
  await mkdir(path.dirname(link), { recursive: true });
  const existing = await lstat(link).catch(() => undefined);
  if (existing?.isSymbolicLink() && path.resolve(path.dirname(link), await readlink(link)) === pkgDir) return;
  if (existing) await rm(link, { recursive: true, force: true });
  await symlink(path.relative(path.dirname(link), pkgDir), link, 'dir');
}

test('the Vite 8 app builds with the bundler build, no plugin, the wasm in a chunk of its own, and echoes in Chromium', { timeout: 90_000 }, async (t) => {
  await linkPackage();
  const { build } = await import('vite');
  const started = Date.now();
  await build({ root: appDir, configFile: path.join(appDir, 'vite.config.js'), logLevel: 'warn' });
  t.diagnostic(`vite build took ${Date.now() - started} ms`);
  const assets = await readdir(path.join(distDir, 'assets'));
  assert.ok(assets.some((name) => name.endsWith('.wasm')), `a .wasm asset was emitted: ${assets}`);
  const wasm = assets.find((name) => name.endsWith('.wasm'));
  const chunks = assets.filter((name) => name.endsWith('.js'));
  const entry = chunks.find((name) => name.startsWith('index-'));
  const text = async (name) => readFile(path.join(distDir, 'assets', name), 'utf8');
  const entryText = await text(entry);
  assert.ok(!entryText.includes(wasm) && !entryText.includes('WebAssembly'),
    `the entry chunk ${entry} neither names nor instantiates ${wasm}`);
  const loaders = [];
  for (const name of chunks.filter((name) => name !== entry)) {
    if ((await text(name)).includes(wasm)) loaders.push(name);
  }
  assert.equal(loaders.length, 1, `one chunk of its own loads the wasm: ${chunks}`);

  const client = `vite-${Date.now().toString(36)}`;
  const query = new URLSearchParams({ ws: suite.server.wsUrl, client });
  const page = await suite.open(`${suite.web.url}/vite/index.html?${query}`);
  try {
    await page.page.waitForSelector('#result[data-done="true"]', { timeout: 10_000 }).catch(async (error) => {
      throw new Error(`no echo: #result shows "${await page.page.textContent('#result')}"\n` +
        `${[...page.problems, ...page.console].join('\n')}\n${error.message}`);
    });
    assert.deepEqual(JSON.parse(await page.page.textContent('#result')), { from: 'vite', defaultExport: true });
    assert.deepEqual(await suite.server.received(client), ['{"from":"vite","defaultExport":true}']);
    assert.deepEqual(page.problems, [], 'the page reported uncaught errors or a wasm trap');
  } finally {
    await page.close();
  }
});
