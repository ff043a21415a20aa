// A webpack 5 app (webpack-app/) that depends on the package as `resocket` (a file: dependency
// on pkg/, linked as npm would) and uses the bundler build with the one setting the guide
// names, `experiments: { asyncWebAssembly: true }`:
// - webpack's Node API builds it with no error and no warning, and emits each engine's wasm
//   (the default engine and the session engine) as an asset of its own, each loaded by an async
//   chunk of its own: the entry chunk never names a wasm, so an engine is fetched and
//   instantiated on first use, not when the app starts
// - the built app, served from its own origin, connects to the test server in Chromium and
//   echoes a JSON message, the default engine's wasm fetched from the build's output and the
//   session engine's not at all (the app makes no session socket); the default export is the
//   ReSocket class
// - without the setting, webpack 5.109 and later (where it defaults to "auto": on unless a
//   loader claims .wasm) emit the very same files, as the guide says

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { expectEcho, linkPackage } from './support/consumer.js';
import { e2eDir, outDir } from './support/paths.js';
import { e2eSuite } from './support/suite.js';

const appDir = path.join(e2eDir, 'webpack-app');
const distDir = path.join(outDir, 'webpack-app');
// The page is the app's index.html; it loads the bundle from dist/.
const suite = e2eSuite({ mounts: { '/webpack/': appDir, '/webpack/dist/': distDir } });

async function appConfig() {
  await linkPackage(appDir);
  const { default: config } = await import(pathToFileURL(path.join(appDir, 'webpack.config.js')));
  assert.equal(config.output.path, distDir);
  return config;
}

/** `webpack(config).run()`; asserts it reported no error and no warning; its stats. */
async function build(config) {
  const { default: webpack } = await import('webpack');
  const compiler = webpack(config);
  const stats = await new Promise((resolve, reject) => {
    compiler.run((error, stats) => (error ? reject(error) : resolve(stats)));
  });
  await new Promise((resolve) => compiler.close(resolve));
  assert.ok(!stats.hasErrors() && !stats.hasWarnings(), `webpack reported problems:\n${stats.toString('errors-warnings')}`);
  return stats;
}

/** Every file a build wrote to `dir`: name -> contents. */
async function output(dir) {
  const files = new Map();
  for (const name of (await readdir(dir)).sort()) files.set(name, await readFile(path.join(dir, name)));
  return files;
}

test('the webpack 5 app builds with asyncWebAssembly, each engine in an async chunk of its own, and echoes in Chromium', { timeout: 60_000 }, async (t) => {
  const config = await appConfig();
  assert.deepEqual(config.experiments, { asyncWebAssembly: true });
  const started = Date.now();
  const stats = await build(config);
  t.diagnostic(`webpack build took ${Date.now() - started} ms`);

  const files = await output(distDir);
  const wasms = [...files.keys()].filter((name) => name.endsWith('.wasm'));
  assert.equal(wasms.length, 2, `two .wasm assets were emitted, one per engine: ${[...files.keys()]}`);
  const info = stats.toJson({ all: false, chunks: true, chunkModules: true, entrypoints: true });
  // The entry chunk carries webpack's runtime, whose generic wasm loader (a fetch and
  // WebAssembly.instantiateStreaming of a file named by its caller) is in every build with
  // asyncWebAssembly, so, unlike Vite's, it mentions WebAssembly. What it must not have is
  // a wasm itself: only each engine's async chunk names its file and calls that loader with it.
  assert.deepEqual(info.entrypoints.main.assets.map((asset) => asset.name), ['main.js'], 'the entry is one chunk');

  /** The emitted wasm of the engine whose module is `file`, after checking the chunk that holds it. */
  const engineAsset = (file) => {
    // The chunk that holds the engine's wasm module: loaded on demand (not initial), with the
    // wasm as its auxiliary file.
    const holders = info.chunks.filter((chunk) => chunk.modules.some((module) => module.name?.endsWith(file)));
    assert.equal(holders.length, 1, `one chunk holds ${file}: ${JSON.stringify(info.chunks.map(({ files, initial }) => ({ files, initial })))}`);
    const [holder] = holders;
    assert.equal(holder.initial, false, `the chunk that holds ${file} is loaded on demand`);
    assert.equal(holder.auxiliaryFiles.length, 1);
    const [wasm] = holder.auxiliaryFiles;
    const wasmHash = wasm.split('.')[0];
    assert.ok(!files.get('main.js').toString().includes(wasmHash), `the entry chunk main.js does not name ${wasm}`);
    const naming = [...files].filter(([name, body]) => name.endsWith('.js') && name !== 'main.js' && body.toString().includes(wasmHash));
    assert.deepEqual(naming.map(([name]) => name), holder.files, `the async chunk, and no other, names ${wasm}`);
    return wasm;
  };
  const core = engineAsset('resocket_core_bg.wasm');
  const session = engineAsset('resocket_session_bg.wasm');
  assert.deepEqual([core, session].sort(), wasms, 'each engine is an asset of its own');

  const client = `webpack-${Date.now().toString(36)}`;
  const fetched = await expectEcho(suite, `${suite.web.url}/webpack/index.html`, client, { from: 'webpack', defaultExport: true });
  assert.deepEqual(fetched.filter((url) => url.endsWith('.wasm')), [`${suite.web.url}/webpack/dist/${core}`],
    `the page fetched the default engine's wasm alone:\n${fetched.join('\n')}`);
});

test('webpack 5.109 and later build the same files without experiments.asyncWebAssembly', { timeout: 60_000 }, async () => {
  const { version } = (await import('webpack')).default;
  const [major, minor] = version.split('.').map(Number);
  assert.ok(major === 5 && minor >= 109, `the pinned webpack (${version}) is 5.109 or later`);
  const config = await appConfig();
  const withSetting = await build(config).then(() => output(distDir));
  const plainDir = path.join(outDir, 'webpack-app-no-setting');
  const { experiments, ...plain } = config;
  assert.ok(experiments);
  await build({ ...plain, output: { ...config.output, path: plainDir } });
  const withoutSetting = await output(plainDir);
  assert.deepEqual([...withoutSetting.keys()], [...withSetting.keys()]);
  for (const [name, body] of withoutSetting) assert.ok(body.equals(withSetting.get(name)), `${name} is the same`);
});
