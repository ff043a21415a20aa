// The Yew example (examples/yew/, its `use_socket` hook and chat page), built by
// scripts/e2e-tests.sh into target/e2e/example-yew/, in two browser contexts:
// - both pages connect (the #state badge shows open) and chat both ways: a message sent from
//   one appears in #messages of both, with its sender's name
// - `/control?action=drop` drops one client: its badge shows reconnecting, then open again,
//   its retry count went up, and the chat works afterwards
// - a message that looks like HTML (<img src=x onerror=...>) is shown as text: no element is
//   created and its handler never runs
// - leaving unmounts the chat component: the hook drops its socket, which closes with 1000
//   (the server has nothing open for that client); joining again opens a new one
// - neither page had an uncaught error or a wasm trap
// - a screenshot of the page is written to target/e2e/example-yew.png (its path is printed)

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { outDir, repoRoot } from './support/paths.js';
import { e2eSuite } from './support/suite.js';

const BUILD = path.join(outDir, 'example-yew');
const suite = e2eSuite({
  mounts: {
    '/example-yew/': path.join(repoRoot, 'examples', 'yew', 'www'),
    '/example-yew/pkg/': BUILD,
  },
});
const SCREENSHOT = path.join(outDir, 'example-yew.png');
const XSS = '<img src=x onerror="window.__pwned=1">';

/** Opens the example as client `name`, records every text its badge shows, waits for open. */
async function openExample(name) {
  if (!existsSync(path.join(BUILD, 'resocket_example_yew.js'))) {
    throw new Error(`${BUILD} is missing: scripts/e2e-tests.sh builds it`);
  }
  const ws = `${suite.server.wsUrl}/chat?client=${name}`;
  const example = await suite.open(`${suite.web.url}/example-yew/?${new URLSearchParams({ ws })}`);
  const { page } = example;
  await page.waitForSelector('#state', { timeout: 10_000 }).catch((error) => {
    throw new Error(`the example did not render: ${example.problems.join('\n')}\n${example.console.join('\n')}\n${error.message}`);
  });
  // Every text the badge shows, in order, so a short-lived state is not missed between polls.
  await page.evaluate(() => {
    const state = document.getElementById('state');
    window.__stateHistory = [state.textContent.trim()];
    new MutationObserver(() => {
      const text = document.getElementById('state')?.textContent.trim();
      if (text !== undefined && window.__stateHistory.at(-1) !== text) window.__stateHistory.push(text);
    }).observe(document.body, { childList: true, characterData: true, subtree: true });
  });
  await waitForState(page, 'open');
  await page.fill('#name', name);
  return example;
}

async function waitForState(page, label) {
  await page.waitForFunction(
    (label) => document.getElementById('state')?.textContent.trim() === label,
    label,
    { timeout: 8000 },
  ).catch(async (error) => {
    const shown = await page.locator('#state').textContent();
    throw new Error(`#state never showed "${label}"; it shows "${shown}"\n${error.message}`);
  });
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

test('two Yew example pages chat through use_socket; a drop shows reconnecting, then open; HTML stays text; leaving closes the socket', { timeout: 60_000 }, async (t) => {
  const alice = await openExample('yew-alice');
  const bob = await openExample('yew-bob');
  try {
    await say(alice.page, 'hello from Alice');
    await waitForMessage(bob.page, 'yew-alice: hello from Alice', 'Bob\'s page');
    await waitForMessage(alice.page, 'yew-alice: hello from Alice', 'Alice\'s page');
    assert.equal(await alice.page.inputValue('#text'), '', 'a sent message clears the input');
    await say(bob.page, 'hi Alice, Bob here');
    await waitForMessage(alice.page, 'yew-bob: hi Alice, Bob here', 'Alice\'s page');
    await waitForMessage(bob.page, 'yew-bob: hi Alice, Bob here', 'Bob\'s page');
    assert.equal(await alice.page.textContent('#retries'), 'retries: 0');

    await alice.page.evaluate(() => { window.__stateHistory = [document.getElementById('state').textContent.trim()]; });
    const dropped = await (await fetch(`${suite.server.url}/control?client=yew-alice&action=drop`)).json();
    assert.equal(dropped.affected, 1, 'the server dropped Alice\'s one session');
    // The whole story on the badge: reconnecting, then open again.
    await alice.page.waitForFunction(() => {
      const history = window.__stateHistory;
      const retryAt = history.indexOf('reconnecting');
      return retryAt > 0 && history.slice(retryAt + 1).includes('open');
    }, null, { timeout: 8000 }).catch(async (error) => {
      const history = await alice.page.evaluate(() => window.__stateHistory);
      throw new Error(`#state did not show reconnecting, then open: ${JSON.stringify(history)}\n${error.message}`);
    });
    const history = await alice.page.evaluate(() => window.__stateHistory);
    assert.equal(history[0], 'open', `#state was open before the drop: ${JSON.stringify(history)}`);
    assert.equal(history.at(-1), 'open', `#state ends open: ${JSON.stringify(history)}`);
    assert.match(await alice.page.textContent('#retries'), /^retries: [1-9]/, 'the retry count went up');
    assert.equal(await bob.page.textContent('#state'), 'open', 'Bob stayed connected');

    await say(alice.page, 'back after the drop');
    await waitForMessage(bob.page, 'yew-alice: back after the drop', 'Bob\'s page');
    await waitForMessage(alice.page, 'yew-alice: back after the drop', 'Alice\'s page');

    await say(bob.page, XSS);
    await waitForMessage(alice.page, `yew-bob: ${XSS}`, 'Alice\'s page');
    await waitForMessage(bob.page, `yew-bob: ${XSS}`, 'Bob\'s page');
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
    assert.equal(aliceLines.length, 4, `each message shown once: ${JSON.stringify(aliceLines)}`);

    await mkdir(outDir, { recursive: true });
    await alice.page.screenshot({ path: SCREENSHOT, fullPage: true });
    t.diagnostic(`example screenshot: ${SCREENSHOT}`);

    assert.equal((await suite.server.client('yew-alice')).open, 1);
    await alice.page.click('#join');
    await alice.page.waitForSelector('#state', { state: 'detached', timeout: 5000 });
    await waitFor(async () => (await suite.server.client('yew-alice')).open === 0, 5000,
      'the server still has a connection of Alice\'s after the chat unmounted');
    assert.match(suite.server.closings('yew-alice').at(-1), /client closed with 1000\b/,
      `the unmounted chat's socket closed with 1000: ${JSON.stringify(suite.server.closings('yew-alice'))}`);
    await alice.page.click('#join');
    await waitForState(alice.page, 'open');
    assert.equal((await suite.server.client('yew-alice')).open, 1, 'joining again opened one connection');
    for (const [who, watched] of [['Alice', alice], ['Bob', bob]]) {
      assert.deepEqual(watched.problems, [], `${who}'s page reported uncaught errors or a wasm trap`);
    }
  } finally {
    await alice.close();
    await bob.close();
  }
});
