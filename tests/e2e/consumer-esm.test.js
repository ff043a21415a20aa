// The package as published: its manifest, and the web build in a page without a bundler:
// - pkg/package.json is named resocket and exports "." -> ./resocket.js and
//   "./web" -> ./web/resocket.js, with types for both, and every file it lists exists
// - a plain <script type="module"> importing /pkg/web/resocket.js (named and default export)
//   connects and echoes, with no init call of its own
// - the web build works in a module Web Worker (no `window` there)

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pkgDir } from './support/paths.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite();

test('the package manifest exports the bundler build at "." and the web build at "./web"', () => {
  const manifest = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  assert.equal(manifest.name, 'resocket');
  assert.equal(manifest.type, 'module');
  const target = (entry) => (typeof entry === 'string' ? entry : entry?.default ?? entry?.import);
  assert.equal(target(manifest.exports['.']), './resocket.js');
  assert.equal(target(manifest.exports['./web']), './web/resocket.js');
  for (const file of ['resocket.js', 'resocket.d.ts', 'web/resocket.js']) {
    assert.ok(existsSync(path.join(pkgDir, file)), `pkg/${file} exists`);
  }
  for (const entry of ['.', './web']) {
    const types = manifest.exports[entry]?.types;
    if (types) assert.ok(existsSync(path.join(pkgDir, types)), `the types of "${entry}" (${types}) exist`);
  }
  for (const listed of manifest.files ?? []) {
    assert.ok(existsSync(path.join(pkgDir, listed)), `pkg/${listed}, listed in "files", exists`);
  }
});

test('a plain ES module page imports the web build, connects and echoes', { timeout: 20_000 }, async () => {
  const client = `esm-${Date.now().toString(36)}`;
  const query = new URLSearchParams({ ws: suite.server.wsUrl, client });
  const page = await suite.open(`${suite.web.url}/esm.html?${query}`);
  try {
    await page.page.waitForSelector('#result[data-done="true"]', { timeout: 10_000 }).catch(async (error) => {
      throw new Error(`no echo: #result shows "${await page.page.textContent('#result')}"\n` +
        `${[...page.problems, ...page.console].join('\n')}\n${error.message}`);
    });
    const expected = 'hello from a plain page (default export: true)';
    assert.equal(await page.page.textContent('#result'), expected);
    assert.deepEqual(await suite.server.received(client), [expected]);
    assert.deepEqual(page.problems, [], 'the page reported uncaught errors or a wasm trap');
  } finally {
    await page.close();
  }
});

test('the web build works in a module Web Worker', { timeout: 20_000 }, async () => {
  const client = `worker-${Date.now().toString(36)}`;
  const page = await suite.open(`${suite.web.url}/esm.html?ws=${encodeURIComponent(suite.server.wsUrl)}&client=${client}-page`);
  try {
    const url = `${suite.server.wsUrl}/echo?client=${client}`;
    const answer = await page.run((url) => new Promise((resolve) => {
      const worker = new Worker(`/worker.js?url=${encodeURIComponent(url)}`, { type: 'module' });
      worker.onerror = (event) => resolve({ error: `worker failed: ${event.message}` });
      worker.onmessage = (event) => { resolve(event.data); worker.terminate(); };
      setTimeout(() => resolve({ error: 'no answer from the worker within 8 s' }), 8000);
    }), url);
    assert.deepEqual(answer, { echoed: { from: 'worker', inWorker: true } });
    assert.deepEqual(await suite.server.received(client), ['{"from":"worker","inWorker":true}']);
    assert.deepEqual(page.problems, [], 'the page reported uncaught errors or a wasm trap');
  } finally {
    await page.close();
  }
});
