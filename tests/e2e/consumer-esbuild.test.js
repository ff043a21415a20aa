// An esbuild app (esbuild-app/) that depends on the package as `resocket` (a file: dependency
// on pkg/, linked as npm would) and does what the guide says for esbuild: it imports the web
// build, `resocket/web`, and its build script (esbuild-app/build.js) bundles it as an ES
// module with esbuild's `build()` and copies `node_modules/resocket/web/resocket_core_bg.wasm`
// next to the bundle:
// - esbuild reports no error and no warning, and writes one bundle, main.js
// - the built app, served from its own origin, connects to the test server in Chromium and
//   echoes a JSON message, the engine fetched from the copy beside the bundle (the app makes
//   no session socket, so it needs no copy of the session engine); the default export is the
//   ReSocket class

import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { buildApp, outdir } from './esbuild-app/build.js';
import { expectEcho, linkPackage } from './support/consumer.js';
import { e2eDir, outDir, pkgDir } from './support/paths.js';
import { e2eSuite } from './support/suite.js';

const appDir = path.join(e2eDir, 'esbuild-app');
const distDir = path.join(outDir, 'esbuild-app');
// The page is the app's index.html; it loads the bundle from dist/.
const suite = e2eSuite({ mounts: { '/esbuild/': appDir, '/esbuild/dist/': distDir } });

test('the esbuild app builds with the web build, the wasm copied beside the bundle, and echoes in Chromium', { timeout: 60_000 }, async (t) => {
  assert.equal(outdir, distDir);
  await linkPackage(appDir);
  // esbuild leaves other files in its output directory alone: start from an empty one.
  await rm(distDir, { recursive: true, force: true });
  const started = Date.now();
  const result = await buildApp();
  t.diagnostic(`esbuild build took ${Date.now() - started} ms`);
  // esbuild hides its warnings about code in node_modules; through the link it sees the
  // package's files in pkg/ and reports them, so this check is the stricter one.
  assert.deepEqual([...result.errors, ...result.warnings], [], 'esbuild reported no problem');
  assert.deepEqual(Object.keys(result.metafile.outputs).map((file) => path.basename(file)), ['main.js']);
  assert.deepEqual((await readdir(distDir)).sort(), ['main.js', 'resocket_core_bg.wasm']);
  assert.ok((await readFile(path.join(distDir, 'resocket_core_bg.wasm')))
    .equals(await readFile(path.join(pkgDir, 'web', 'resocket_core_bg.wasm'))), 'the copy is the web build\'s wasm');

  const client = `esbuild-${Date.now().toString(36)}`;
  const fetched = await expectEcho(suite, `${suite.web.url}/esbuild/index.html`, client, { from: 'esbuild', defaultExport: true });
  assert.deepEqual(fetched.filter((url) => url.endsWith('.wasm')), [`${suite.web.url}/esbuild/dist/resocket_core_bg.wasm`],
    `the page fetched the default engine's wasm beside the bundle, and no other:\n${fetched.join('\n')}`);
});
