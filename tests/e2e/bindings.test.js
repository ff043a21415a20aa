// The framework bindings (resocket/react, resocket/vue, resocket/svelte) in a Vite 8 app
// (bindings-app/, a page per framework with the frameworks' Vite plugins, built once, in
// development mode, with the package installed as `resocket`), in Chromium; for each:
// - two chat components on the same URL and options share one socket: the server sees one
//   connection, made once the engine had loaded, so a socket made and closed at once would
//   have reached it; in React under StrictMode, which mounts each chat twice (counted), too
// - each chat shows "connecting", then "open", and nothing else
// - a send from one chat is echoed: both show it as their last message, and the `onMessage`
//   of each heard it once; the server received it once
// - a dropped connection (/control) shows in both chats (waiting, connecting, open), which are
//   open again on one new connection
// - unmounting every chat closes the socket with 1000
// - the page logged no error or warning (no "WebSocket is closed before the connection is
//   established", no framework warning) and had no uncaught error

import assert from 'node:assert/strict';
import path from 'node:path';
import { before, test } from 'node:test';
import { linkPackage } from './support/consumer.js';
import { e2eDir, outDir } from './support/paths.js';
import { e2eSuite } from './support/suite.js';

const appDir = path.join(e2eDir, 'bindings-app');
const distDir = path.join(outDir, 'bindings-app');
const suite = e2eSuite({ mounts: { '/bindings/': distDir } });

before(async () => {
  await linkPackage(appDir);
  const { build } = await import('vite');
  await build({ root: appDir, configFile: path.join(appDir, 'vite.config.js'), logLevel: 'warn' });
}, { timeout: 120_000 });

async function waitFor(condition, message, timeout = 5000) {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The texts of every chat's `.name` output, in order. */
const outputs = (page, name) => page.locator(`.chat .${name}`).allTextContents();

async function waitForOutputs(watched, name, expected) {
  await watched.page.waitForFunction(
    ({ name, expected }) => JSON.stringify([...document.querySelectorAll(`.chat .${name}`)].map((output) => output.textContent)) === expected,
    { name, expected: JSON.stringify(expected) },
    { timeout: 5000 },
  ).catch(async (error) => {
    throw new Error(`the chats' .${name} never showed ${JSON.stringify(expected)}: they show ${JSON.stringify(await outputs(watched.page, name))}\n` +
      `${[...watched.problems, ...watched.console].join('\n')}\n${error.message}`);
  });
}

for (const { framework, strict } of [{ framework: 'react', strict: true }, { framework: 'vue' }, { framework: 'svelte' }]) {
  test(`resocket/${framework}: two chats share one socket${strict ? ' under StrictMode' : ''}, echo, come back from a drop, and close it when unmounted`, { timeout: 30_000 }, async () => {
    const client = `${framework}-${Date.now().toString(36)}`;
    const query = new URLSearchParams({ framework, ws: suite.server.wsUrl, client });
    const watched = await suite.open(`${suite.web.url}/bindings/index.html?${query}`);
    const { page } = watched;
    try {
      await page.waitForFunction(() => window.app !== undefined, null, { timeout: 10_000 });
      await page.evaluate(() => window.app.mount(2));
      await waitForOutputs(watched, 'state', ['open', 'open']);
      if (strict) assert.equal(await page.evaluate(() => window.app.mounts), 4, 'StrictMode mounted each chat twice');
      assert.equal(suite.server.opened(client).length, 1, 'one connection for both chats');
      assert.deepEqual(await page.evaluate(() => window.app.states), [['connecting', 'open'], ['connecting', 'open']]);

      await page.click('.chat[data-index="1"] .send');
      await waitForOutputs(watched, 'last', ['{"from":1}', '{"from":1}']);
      await waitForOutputs(watched, 'heard', ['1', '1']);
      assert.deepEqual(await suite.server.received(client), ['{"from":1}']);

      await suite.server.control(`client=${client}&action=drop`);
      const reconnected = ['connecting', 'open', 'waiting', 'connecting', 'open'];
      await waitFor(async () => JSON.stringify(await page.evaluate(() => window.app.states)) === JSON.stringify([reconnected, reconnected]),
        async () => `the chats did not show the drop and the reconnect: ${JSON.stringify(await page.evaluate(() => window.app.states))}`);
      assert.equal(suite.server.opened(client).length, 2, 'one connection again for both chats');

      await page.evaluate(() => window.app.unmount());
      await waitFor(() => suite.server.closings(client).length === 2,
        () => `the server saw no close after the chats unmounted: ${JSON.stringify(suite.server.closings(client))}`);
      assert.match(suite.server.closings(client)[1], /^client closed with 1000\b/);
      assert.equal(suite.server.opened(client).length, 2, 'no connection after the close');
      const complaints = watched.console.filter((line) => /^console\.(error|warning):/.test(line));
      assert.deepEqual(complaints, [], 'the page logged no error or warning');
      assert.deepEqual(watched.problems, [], 'the page had no uncaught error or wasm trap');
    } finally {
      await watched.close();
    }
  });
}
