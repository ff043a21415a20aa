// The test of the framework examples' chat page (examples/yew/, examples/leptos/,
// examples/dioxus/, each on its binding crate in crates/), one body for the three: the
// example-*.test.js files call `exampleChatTest(framework)`. The page is built by
// scripts/e2e-tests.sh into target/e2e/example-FRAMEWORK/. In two browser contexts:
// - both pages connect (the #state badge shows open) and chat both ways: a message sent from
//   one appears in #messages of both, with its sender's name
// - after a heartbeat's pong (every 2 s of silence), the next event shows the round-trip time
//   in #rtt
// - `/control?action=drop` drops one client: its badge shows reconnecting, then open again,
//   its retry count went up; a message sent while it was down shows in #queued (1, then 0)
//   and reaches both pages once the socket is back
// - the #add button's requests to /rpc come back answered: the total the server added to
// - Close closes the socket with 1000 (the badge shows closed, the server has nothing open),
//   Reconnect opens it again
// - a message that looks like HTML (<img src=x onerror=...>) is shown as text: no element is
//   created and its handler never runs
// - leaving unmounts the chat component: the hook drops its socket, which closes with 1000
//   (the server has nothing open for that client); joining again opens a new one
// - neither page had an uncaught error or a wasm trap
// - a screenshot of the page is written to target/e2e/example-FRAMEWORK.png (its path is
//   printed)

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { outDir, repoRoot } from './paths.js';
import { e2eSuite } from './suite.js';

const XSS = '<img src=x onerror="window.__pwned=1">';
/** The elements whose every text is recorded, so a short-lived one is not missed between polls. */
const WATCHED = ['state', 'queued'];

/** Registers the chat test of the example in examples/FRAMEWORK/ (`yew`, `leptos`, `dioxus`). */
export function exampleChatTest(framework) {
  const build = path.join(outDir, `example-${framework}`);
  const suite = e2eSuite({
    mounts: {
      // One page for the three (examples/chat/www/), which loads ./pkg/example.js.
      [`/example-${framework}/`]: path.join(repoRoot, 'examples', 'chat', 'www'),
      [`/example-${framework}/pkg/`]: build,
    },
  });
  const screenshot = path.join(outDir, `example-${framework}.png`);

  /** Opens the example as client `name`, records the texts of WATCHED, waits for open. */
  async function openExample(name) {
    if (!existsSync(path.join(build, 'example.js'))) {
      throw new Error(`${build} is missing: scripts/e2e-tests.sh builds it`);
    }
    const query = new URLSearchParams({
      ws: `${suite.server.wsUrl}/chat?client=${name}`,
      rpc: `${suite.server.wsUrl}/rpc?client=${name}-rpc`,
    });
    const example = await suite.open(`${suite.web.url}/example-${framework}/?${query}`);
    const { page } = example;
    await page.waitForSelector('#state', { timeout: 10_000 }).catch((error) => {
      throw new Error(`the example did not render: ${example.problems.join('\n')}\n${example.console.join('\n')}\n${error.message}`);
    });
    await page.evaluate((watched) => {
      const text = (id) => document.getElementById(id)?.textContent.trim();
      window.__history = Object.fromEntries(watched.map((id) => [id, [text(id)]]));
      new MutationObserver(() => {
        for (const id of watched) {
          const shown = text(id);
          if (shown !== undefined && window.__history[id].at(-1) !== shown) window.__history[id].push(shown);
        }
      }).observe(document.body, { childList: true, characterData: true, subtree: true });
    }, WATCHED);
    await waitForState(page, 'open');
    await page.fill('#name', name);
    return example;
  }

  test(`two ${framework} example pages chat through use_socket; a drop shows reconnecting, then open, and queues; rtt, requests, close and reconnect; HTML stays text; leaving closes the socket`, { timeout: 90_000 }, async (t) => {
    const [aliceName, bobName] = [`${framework}-alice`, `${framework}-bob`];
    const alice = await openExample(aliceName);
    const bob = await openExample(bobName);
    const line = (who, text) => `${who}: ${text}`;
    try {
      await say(alice.page, 'hello from Alice');
      await waitForMessage(bob.page, line(aliceName, 'hello from Alice'), 'Bob\'s page');
      await waitForMessage(alice.page, line(aliceName, 'hello from Alice'), 'Alice\'s page');
      assert.equal(await alice.page.inputValue('#text'), '', 'a sent message clears the input');
      await say(bob.page, 'hi Alice, Bob here');
      await waitForMessage(alice.page, line(bobName, 'hi Alice, Bob here'), 'Alice\'s page');
      await waitForMessage(bob.page, line(bobName, 'hi Alice, Bob here'), 'Bob\'s page');
      assert.equal(await alice.page.textContent('#retries'), 'retries: 0');
      assert.equal(await alice.page.textContent('#queued'), 'queued: 0');

      // The pong comes after 2 s of silence; it is no event, the next message shows it.
      await alice.page.waitForTimeout(3000);
      await say(alice.page, 'after a pong');
      await waitForMessage(alice.page, line(aliceName, 'after a pong'), 'Alice\'s page');
      await waitForText(alice.page, '#rtt', /^rtt: \d+ ms$/);

      await alice.page.evaluate(() => {
        for (const id of Object.keys(window.__history)) {
          window.__history[id] = [document.getElementById(id).textContent.trim()];
        }
      });
      const dropped = await (await fetch(`${suite.server.url}/control?client=${aliceName}&action=drop`)).json();
      assert.equal(dropped.affected, 1, 'the server dropped Alice\'s one session');
      // Sent while the socket waits to retry (at least 500 ms): queued until it is back.
      await waitForState(alice.page, 'reconnecting');
      await say(alice.page, 'queued while down');
      await waitForState(alice.page, 'open');
      await waitForMessage(bob.page, line(aliceName, 'queued while down'), 'Bob\'s page');
      await waitForMessage(alice.page, line(aliceName, 'queued while down'), 'Alice\'s page');
      const history = await alice.page.evaluate(() => window.__history);
      assert.deepEqual(history.state.slice(0, 2), ['open', 'reconnecting'], `#state showed open, then reconnecting: ${JSON.stringify(history.state)}`);
      assert.equal(history.state.at(-1), 'open', `#state ends open: ${JSON.stringify(history.state)}`);
      assert.deepEqual(history.queued, ['queued: 0', 'queued: 1', 'queued: 0'], 'the message waited in the queue, then went out');
      assert.match(await alice.page.textContent('#retries'), /^retries: [1-9]/, 'the retry count went up');
      assert.equal(await bob.page.textContent('#state'), 'open', 'Bob stayed connected');

      // Each answer is the next request's first term: 0 + 1, then 1 + 1.
      for (const total of ['1', '2']) {
        await alice.page.click('#add');
        await waitForText(alice.page, '#total', total);
      }
      assert.equal(await alice.page.textContent('#rpc-error'), '');

      await alice.page.click('#close');
      await waitForState(alice.page, 'closed');
      await waitFor(async () => (await suite.server.client(aliceName)).open === 0, 5000,
        'the server still has a connection of Alice\'s after Close');
      assert.match(suite.server.closings(aliceName).at(-1), /client closed with 1000\b/,
        `Close closed with 1000: ${JSON.stringify(suite.server.closings(aliceName))}`);
      await alice.page.click('#reconnect');
      await waitForState(alice.page, 'open');
      assert.equal((await suite.server.client(aliceName)).open, 1, 'Reconnect opened one connection');

      await say(bob.page, XSS);
      await waitForMessage(alice.page, line(bobName, XSS), 'Alice\'s page');
      await waitForMessage(bob.page, line(bobName, XSS), 'Bob\'s page');
      await alice.page.waitForTimeout(300);
      for (const [who, { page }] of [['Alice', alice], ['Bob', bob]]) {
        const check = await page.evaluate(() => ({
          pwned: window.__pwned,
          images: document.querySelectorAll('img').length,
        }));
        assert.deepEqual(check, { pwned: undefined, images: 0 }, `${who}'s page rendered the message as HTML`);
      }

      const [aliceLines, bobLines] = [await messageTexts(alice.page), await messageTexts(bob.page)];
      assert.deepEqual(aliceLines, bobLines, 'both pages show the same messages in the same order');
      assert.equal(aliceLines.length, 5, `each message shown once: ${JSON.stringify(aliceLines)}`);

      await mkdir(outDir, { recursive: true });
      await alice.page.screenshot({ path: screenshot, fullPage: true });
      t.diagnostic(`example screenshot: ${screenshot}`);

      await alice.page.click('#join');
      await alice.page.waitForSelector('#state', { state: 'detached', timeout: 5000 });
      await waitFor(async () => (await suite.server.client(aliceName)).open === 0, 5000,
        'the server still has a connection of Alice\'s after the chat unmounted');
      assert.match(suite.server.closings(aliceName).at(-1), /client closed with 1000\b/,
        `the unmounted chat's socket closed with 1000: ${JSON.stringify(suite.server.closings(aliceName))}`);
      await alice.page.click('#join');
      await waitForState(alice.page, 'open');
      assert.equal((await suite.server.client(aliceName)).open, 1, 'joining again opened one connection');
      for (const [who, watched] of [['Alice', alice], ['Bob', bob]]) {
        assert.deepEqual(watched.problems, [], `${who}'s page reported uncaught errors or a wasm trap`);
      }
    } finally {
      await alice.close();
      await bob.close();
    }
  });
}

async function waitForText(page, selector, expected) {
  await page.waitForFunction(
    ([selector, source, flags, text]) => {
      const shown = document.querySelector(selector)?.textContent.trim();
      return shown !== undefined && (source === null ? shown === text : new RegExp(source, flags).test(shown));
    },
    expected instanceof RegExp
      ? [selector, expected.source, expected.flags, null]
      : [selector, null, null, expected],
    { timeout: 8000 },
  ).catch(async (error) => {
    const shown = await page.locator(selector).textContent();
    throw new Error(`${selector} never showed ${expected}; it shows "${shown}"\n${error.message}`);
  });
}

function waitForState(page, label) {
  return waitForText(page, '#state', label);
}

async function waitFor(condition, timeout, message) {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function say(page, text) {
  await page.fill('#text', text);
  await page.click('#send');
}

async function messageTexts(page) {
  return page.locator('#messages li').allTextContents();
}

async function waitForMessage(page, line, who) {
  await page.waitForFunction(
    (line) => [...document.querySelectorAll('#messages li')].some((li) => li.textContent === line),
    line,
    { timeout: 5000 },
  ).catch(async (error) => {
    throw new Error(`${who} never showed "${line}"; it shows ${JSON.stringify(await messageTexts(page))}\n${error.message}`);
  });
}
