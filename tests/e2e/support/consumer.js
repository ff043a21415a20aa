// What the consumer tests (an app built by a bundler, or typed code compiled by tsc, that
// depends on the package as an npm user's would) share: installing the package into the app,
// and opening the built app and waiting for its echo.

import assert from 'node:assert/strict';
import { lstat, mkdir, readlink, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { pkgDir } from './paths.js';

/**
 * What `npm install` does for the app's `"resocket": "file:../../../pkg"`: a symlink
 * `node_modules/resocket` to the package under test (git ignores node_modules/).
 */
export async function linkPackage(appDir) {
  const link = path.join(appDir, 'node_modules', 'resocket');
  await mkdir(path.dirname(link), { recursive: true });
  const existing = await lstat(link).catch(() => undefined);
  if (existing?.isSymbolicLink() && path.resolve(path.dirname(link), await readlink(link)) === pkgDir) return;
  if (existing) await rm(link, { recursive: true, force: true });
  await symlink(path.relative(path.dirname(link), pkgDir), link, 'dir');
}

/**
 * Opens a built app at `pageUrl` (with `?ws=...&client=NAME` added), which sends one JSON
 * message to the echo endpoint and shows the answer in `#result[data-done]`; asserts the page
 * shows `expected`, the server received exactly it as JSON text, and the page had no uncaught
 * error or wasm trap. Returns the URLs of the resources the page fetched (what it loaded the
 * wasm from, say).
 */
export async function expectEcho(suite, pageUrl, client, expected) {
  const query = new URLSearchParams({ ws: suite.server.wsUrl, client });
  const page = await suite.open(`${pageUrl}?${query}`);
  try {
    await page.page.waitForSelector('#result[data-done="true"]', { timeout: 10_000 }).catch(async (error) => {
      throw new Error(`no echo: #result shows "${await page.page.textContent('#result')}"\n` +
        `${[...page.problems, ...page.console].join('\n')}\n${error.message}`);
    });
    assert.deepEqual(JSON.parse(await page.page.textContent('#result')), expected);
    assert.deepEqual(await suite.server.received(client), [JSON.stringify(expected)]);
    assert.deepEqual(page.problems, [], 'the page reported uncaught errors or a wasm trap');
    return await page.run(() => performance.getEntriesByType('resource').map((entry) => entry.name));
  } finally {
    await page.close();
  }
}
