// The demo page (www/, served by the test server at /) as a person uses it, in two browser
// windows:
// - both pages connect (#state shows the open state) and chat: a message typed in one
//   appears in #messages of both
// - clicking #drop in one page shows it reconnecting (#state, and a reconnecting line in #log),
//   then connected again; the chat still works afterwards
// - a message that looks like HTML (<img src=x onerror=...>) is shown as text: no element is
//   created and its handler never runs
// - a screenshot of the page is written to target/e2e/demo.png (its path is printed)

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { outDir } from './support/paths.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite();
const SCREENSHOT = path.join(outDir, 'demo.png');
const XSS = '<img src=x onerror="window.__pwned=1">';
// #state shows the socket's state: the open state as OPEN (or "connected"), the wait before
// a retry as CONNECTING (or "reconnecting").
const OPEN_STATE = /^\s*(open|connected)\b/i;
const RETRY_STATE = /connecting/i;

/** Opens the demo in its own browser context, as `name`, and waits until it is connected. */
async function openDemo(name) {
  const demo = await suite.open(`${suite.server.url}/`);
  const { page } = demo;
  // Every text #state shows, in order, so a short-lived state is not missed between polls.
  await page.evaluate(() => {
    const state = document.getElementById('state');
    window.__stateHistory = [state.textContent.trim()];
    new MutationObserver(() => {
      const text = state.textContent.trim();
      if (window.__stateHistory.at(-1) !== text) window.__stateHistory.push(text);
    }).observe(state, { childList: true, characterData: true, subtree: true });
  });
  await waitForState(page, OPEN_STATE, 'connected');
  await page.fill('#name', name);
  return demo;
}

async function waitForState(page, pattern, what) {
  try {
    await page.waitForFunction(
      ([source, flags]) => new RegExp(source, flags).test(document.getElementById('state').textContent),
      [pattern.source, pattern.flags],
      { timeout: 8000 },
    );
  } catch (error) {
    const shown = await page.locator('#state').textContent();
    throw new Error(`#state never showed ${what} (${pattern}); it shows "${shown}"\n${error.message}`);
  }
}

async function say(page, text) {
  await page.fill('#text', text);
  await page.click('#send');
}

async function messageTexts(page) {
  return page.locator('#messages li').allTextContents();
}

async function waitForMessage(page, text, who) {
  await page.waitForFunction(
    (text) => [...document.querySelectorAll('#messages li')].some((li) => li.textContent.includes(text)),
    text,
    { timeout: 5000 },
  ).catch(async (error) => {
    throw new Error(`${who} never showed "${text}"; it shows ${JSON.stringify(await messageTexts(page))}\n${error.message}`);
  });
}

test('two demo pages chat; #drop reconnects; HTML in messages stays text; screenshot', { timeout: 60_000 }, async (t) => {
  const alice = await openDemo('Alice');
  const bob = await openDemo('Bob');
  try {
    await say(alice.page, 'hello from Alice');
    await waitForMessage(bob.page, 'hello from Alice', 'Bob\'s page');
    await waitForMessage(alice.page, 'hello from Alice', 'Alice\'s page');
    await say(bob.page, 'hi Alice, Bob here');
    await waitForMessage(alice.page, 'hi Alice, Bob here', 'Alice\'s page');
    const fromAlice = (await messageTexts(bob.page)).find((text) => text.includes('hello from Alice'));
    assert.match(fromAlice, /Alice/, 'the sender\'s name is shown with the message');

    await alice.page.evaluate(() => { window.__stateHistory = [document.getElementById('state').textContent.trim()]; });
    await alice.page.click('#drop');
    // Wait for the whole story in #state: reconnecting, then open again.
    await alice.page.waitForFunction(([retry, open]) => {
      const history = window.__stateHistory;
      const retryAt = history.findIndex((text) => new RegExp(retry, 'i').test(text));
      return retryAt > 0 && history.slice(retryAt + 1).some((text) => new RegExp(open, 'i').test(text));
    }, [RETRY_STATE.source, OPEN_STATE.source], { timeout: 8000 }).catch(async (error) => {
      const history = await alice.page.evaluate(() => window.__stateHistory);
      throw new Error(`#state did not show reconnecting, then connected: ${JSON.stringify(history)}\n${error.message}`);
    });
    const history = await alice.page.evaluate(() => window.__stateHistory);
    assert.ok(OPEN_STATE.test(history[0]), `#state was open before the drop: ${JSON.stringify(history)}`);
    assert.ok(OPEN_STATE.test(history.at(-1)), `#state ends open: ${JSON.stringify(history)}`);
    const logText = await alice.page.locator('#log').textContent();
    assert.match(logText, /reconnecting/i, 'the event log tells of the retry');
    assert.match(logText, /1006/, 'the event log tells the drop\'s close code');

    await say(alice.page, 'back after the drop');
    await waitForMessage(bob.page, 'back after the drop', 'Bob\'s page');

    await say(alice.page, XSS);
    await waitForMessage(bob.page, XSS, 'Bob\'s page');
    await waitForMessage(alice.page, XSS, 'Alice\'s page');
    await bob.page.waitForTimeout(300);
    for (const [who, { page }] of [['Alice', alice], ['Bob', bob]]) {
      const check = await page.evaluate(() => ({
        pwned: window.__pwned,
        images: document.querySelectorAll('#messages img').length,
      }));
      assert.deepEqual(check, { pwned: undefined, images: 0 }, `${who}'s page rendered the message as HTML`);
    }

    await mkdir(outDir, { recursive: true });
    await alice.page.screenshot({ path: SCREENSHOT, fullPage: true });
    t.diagnostic(`demo screenshot: ${SCREENSHOT}`);

    for (const [who, watched] of [['Alice', alice], ['Bob', bob]]) {
      assert.deepEqual(watched.problems, [], `${who}'s page reported uncaught errors or a wasm trap`);
    }
  } finally {
    await alice.close();
    await bob.close();
  }
});
