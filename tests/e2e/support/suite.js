// One e2e test file's world: the test server, a static server for the test pages (and
// whatever else the file mounts), and Chromium; each test gets its own browser context. With
// RESOCKET_E2E_HOST=node, each test's page is a Node.js 22 process instead (node-host.js), and
// the tests that need a browser are skipped, saying why.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, WatchedPage } from './browser.js';
import { NodePage, ON_NODE, RUST_FACE_ON_NODE } from './node-host.js';
import { pagesDir, pkgDir } from './paths.js';
import { startServer } from './server.js';
import { startStaticServer } from './static.js';

const WEB_BUILD = path.join(pkgDir, 'web', 'resocket.js');

export function requirePackage() {
  if (!existsSync(WEB_BUILD) || !existsSync(path.join(pkgDir, 'package.json'))) {
    throw new Error(`${WEB_BUILD} is missing: build the package first with \`make package\``);
  }
}

/**
 * Registers `before`/`after` hooks that start and stop everything, and returns the context
 * the tests use. `mounts` adds directories to the static server (URL prefix -> directory);
 * `www` is the directory the test server serves at `/` (default: the demo's `www/`).
 */
export function e2eSuite({ mounts = {}, www } = {}) {
  const suite = {
    /** @type {import('./server.js').TestServer} */ server: undefined,
    /** The static server: `/` test pages, `/pkg/` the package, plus `mounts`. */ web: undefined,
    browser: undefined,

    /** A fresh context and page at `url`, watched for errors and wasm traps. */
    async open(url) {
      const context = await suite.browser.newContext();
      const watched = new WatchedPage(await context.newPage());
      watched.close = () => context.close();
      await watched.page.goto(url);
      return watched;
    },

    /**
     * The harness page (pages/harness.js): `window.ReSocket`, `window.h`; from the static
     * server, or from `origin` (the test server's, when its `www` serves the pages); its
     * `h.url` and `h.http` name `server` (default: the test server).
     */
    async openHarness(origin = suite.web?.url, server = suite.server) {
      if (ON_NODE) return NodePage.open(server.wsUrl, server.url, mounts);
      const query = new URLSearchParams({ ws: server.wsUrl, http: server.url });
      const watched = await suite.open(`${origin}/harness.html?${query}`);
      return suite.harnessReady(watched);
    },

    /**
     * `count` harness pages in one browser context, as tabs of one origin are: `tabs.pages`,
     * `tabs.open()` one more, `tabs.close()` them all. `withoutSharedWorker` removes
     * `SharedWorker` from each page before its scripts run.
     */
    async openTabs(count, { withoutSharedWorker = false } = {}) {
      const context = await suite.browser.newContext();
      if (withoutSharedWorker) await context.addInitScript(() => { delete globalThis.SharedWorker; });
      const query = new URLSearchParams({ ws: suite.server.wsUrl, http: suite.server.url });
      const tabs = {
        pages: [],
        async open() {
          const watched = new WatchedPage(await context.newPage());
          watched.close = () => watched.page.close({ runBeforeUnload: false });
          await watched.page.goto(`${suite.web.url}/harness.html?${query}`);
          tabs.pages.push(await suite.harnessReady(watched));
          return watched;
        },
        close: () => context.close(),
      };
      for (let i = 0; i < count; i += 1) await tabs.open();
      return tabs;
    },

    /** `watched`, once its harness page has loaded the package. */
    async harnessReady(watched) {
      try {
        await watched.page.waitForFunction(() => window.harnessReady === true, null, { timeout: 10_000 });
      } catch (error) {
        await watched.close();
        throw new Error(`the harness page did not load the package: ${watched.problems.join('\n')}\n` +
          `${watched.console.join('\n')}\n${error.message}`);
      }
      return watched;
    },

    /**
     * A test with its own harness page: `fn(page, t)`. Afterwards the page must have had no
     * uncaught error and no wasm trap. `server`, a function, names another server for the page
     * (support/adapters.js). `browserOnly`, a reason, skips the test on the Node.js host, as
     * does opening a socket of the Rust face there (a wasm-bindgen web build, for browsers).
     */
    test(name, fn, { timeout = 20_000, server, browserOnly } = {}) {
      if (ON_NODE && browserOnly) {
        test(name, { skip: `Node.js host: ${browserOnly}` });
        return;
      }
      test(name, { timeout }, async (t) => {
        const page = await suite.openHarness(undefined, server?.());
        try {
          await fn(page, t);
          assert.deepEqual(page.problems, [], 'the page reported uncaught errors or a wasm trap');
        } catch (error) {
          if (ON_NODE && error.message.includes(RUST_FACE_ON_NODE)) {
            t.skip(`Node.js host: ${RUST_FACE_ON_NODE}`);
            return;
          }
          if (page.console.length) {
            error.message += `\n--- page console ---\n${page.console.slice(-30).join('\n')}`;
          }
          throw error;
        } finally {
          await page.close();
        }
      });
    },
  };

  before(async () => {
    requirePackage();
    suite.server = await startServer(www === undefined ? {} : { www });
    if (ON_NODE) return;
    suite.web = await startStaticServer({ '/': pagesDir, '/pkg/': pkgDir, ...mounts });
    suite.browser = await launchBrowser();
  });

  after(async () => {
    await suite.browser?.close();
    await suite.web?.stop();
    await suite.server?.stop();
  });

  return suite;
}
