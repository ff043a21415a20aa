// The demo page (www/, served by the test server at /) as a person uses it, in two browser
// windows:
// - both pages connect (#state shows the open state) and chat: a message typed in one
//   appears in #messages of both
// - clicking #drop in one page shows it reconnecting (#state, and a reconnecting line in #log),
//   then connected again; the chat still works afterwards
// - a message that looks like HTML (<img src=x onerror=...>) is shown as text: no element is
//   created and its handler never runs
// - a screenshot of the page is written to target/e2e/demo.png, and one in resumable mode to
//   target/e2e/demo-session.png (their paths are printed)
// - in resumable mode (`/?session`, /session-chat): messages both pages send while one page's
//   connection is down (the other's while it is #silent, then cut by #drop; its own from its
//   close event) arrive in both pages exactly once, in one order that keeps each sender's;
//   the dropped page logs a `resumed` line with recovered true and the tally counts no
//   doubled or missing message; a reload of a page keeps its client tag and its session
//   (a `resumed` line with recovered true) and the chat goes on both ways; #forget (the server
//   loses the session) shows a `resumed` line with recovered false, and the chat goes on
// - a server started as `make demo` starts it, with `--allow-origin` its own origin, serves the
//   demo page that connects; a WebSocket upgrade from any other origin is answered 403 (Node
//   requests with a foreign Origin header, and a browser page on another origin), one without
//   an Origin header (not a browser) is accepted
// Both tests record their rows of RELIABILITY.md's section 5 (support/report.js).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { outDir } from './support/paths.js';
import { reporter } from './support/report.js';
import { startServer } from './support/server.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite();
const report = reporter(import.meta.url);
const SCREENSHOT = path.join(outDir, 'demo.png');
const SESSION_SCREENSHOT = path.join(outDir, 'demo-session.png');
const XSS = '<img src=x onerror="window.__pwned=1">';
// #state shows the socket's state: the open state as OPEN (or "connected"), the wait before
// a retry as CONNECTING (or "reconnecting").
const OPEN_STATE = /^\s*(open|connected)\b/i;
const RETRY_STATE = /connecting/i;

/** Opens the demo in its own browser context, as `name`, and waits until it is connected. */
async function openDemo(name, server = suite.server, path = '/') {
  const demo = await suite.open(`${server.url}${path}`);
  const { page } = demo;
  await watchState(page);
  await waitForState(page, OPEN_STATE, 'connected');
  await page.fill('#name', name);
  return demo;
}

/** Records every text #state shows, in order, so a short-lived state is not missed between polls. */
async function watchState(page) {
  await page.evaluate(() => {
    const state = document.getElementById('state');
    window.__stateHistory = [state.textContent.trim()];
    new MutationObserver(() => {
      const text = state.textContent.trim();
      if (window.__stateHistory.at(-1) !== text) window.__stateHistory.push(text);
    }).observe(state, { childList: true, characterData: true, subtree: true });
  });
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
    const xssChecks = [];
    for (const [who, { page }] of [['Alice', alice], ['Bob', bob]]) {
      const check = await page.evaluate(() => ({
        pwned: window.__pwned,
        images: document.querySelectorAll('#messages img').length,
      }));
      assert.deepEqual(check, { pwned: undefined, images: 0 }, `${who}'s page rendered the message as HTML`);
      const shownAsText = (await messageTexts(page)).filter((text) => text.includes(XSS)).length;
      xssChecks.push({ who, ...check, shownAsText });
    }

    await mkdir(outDir, { recursive: true });
    await alice.page.screenshot({ path: SCREENSHOT, fullPage: true });
    t.diagnostic(`demo screenshot: ${SCREENSHOT}`);

    for (const [who, watched] of [['Alice', alice], ['Bob', bob]]) {
      assert.deepEqual(watched.problems, [], `${who}'s page reported uncaught errors or a wasm trap`);
    }
    report({
      section: 'security',
      row: 'the demo page renders messages as text (HTML injection probe)',
      checked: `${XSS} sent through the chat appears as text in both pages; window.__pwned, which its onerror ` +
        'handler would set, stays undefined, and #messages holds no <img>; no uncaught error on either page',
      figures: {
        'pages checked': xssChecks.length,
        'messages showing the markup as text': xssChecks.map(({ who, shownAsText }) => `${who} ${shownAsText}`).join(', '),
        'onerror handler ran': xssChecks.filter(({ pwned }) => pwned !== undefined).length,
        '<img> elements created': xssChecks.reduce((sum, { images }) => sum + images, 0),
      },
    });
  } finally {
    await alice.close();
    await bob.close();
  }
});

/** A free loopback port: the allowlist has to name the server's origin before it starts. */
async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve, reject) => probe.listen(0, '127.0.0.1', resolve).on('error', reject));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A WebSocket upgrade request from Node: resolves with the status the server answered. */
function upgradeStatus(url, origin) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        ...(origin ? { Origin: origin } : {}),
      },
    });
    request.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.statusCode);
    });
    request.on('response', (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', reject);
    request.setTimeout(5000, () => request.destroy(new Error(`no answer to the upgrade from ${origin}`)));
    request.end();
  });
}

test('with --allow-origin, the demo connects from its own origin and other origins get 403', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const own = `http://127.0.0.1:${port}`;
  const server = await startServer({ port, args: ['--allow-origin', own] });
  let demo;
  let foreign;
  try {
    assert.equal(server.url, own);
    demo = await openDemo('Carol', server);
    await say(demo.page, 'from the allowed origin');
    await waitForMessage(demo.page, 'from the allowed origin', 'the demo page');

    const statuses = {};
    for (const path of ['/echo', '/chat']) {
      for (const [label, origin] of [
        ['own origin', own],
        ['another origin', 'http://evil.example'],
        ['another port', `http://127.0.0.1:${port + 1}`],
        ['localhost (not listed)', `http://localhost:${port}`],
        ['no Origin header', undefined],
      ]) {
        statuses[`${path} from ${label}`] = await upgradeStatus(`${own}${path}?client=origin-probe`, origin);
      }
    }
    for (const [probe, status] of Object.entries(statuses)) {
      const expected = /another|localhost/.test(probe) ? 403 : 101;
      assert.equal(status, expected, `${probe}: HTTP ${status}`);
    }

    // A real browser page on another origin (the static server of the test pages).
    foreign = await suite.openHarness();
    const fromPage = await foreign.run(async (url) => {
      const socket = new WebSocket(url);
      return new Promise((resolve) => {
        let opened = false;
        socket.onopen = () => { opened = true; };
        socket.onclose = (event) => resolve({ opened, code: event.code });
      });
    }, `ws://127.0.0.1:${port}/chat?client=origin-page`);
    assert.deepEqual(fromPage, { opened: false, code: 1006 }, 'a page on another origin must not connect');
    const pageOrigin = new URL(suite.web.url).origin;
    const refusals = server.log().split('\n').filter((line) => line.includes('refused with 403'));
    assert.ok(
      refusals.some((line) => line.includes(`origin=${pageOrigin}`)),
      `the server refused the page's origin ${pageOrigin}:\n${server.log()}`,
    );
    const browserSaw = foreign.console.find((line) => /origin-page.*\b403\b/.test(line)) ?? 'nothing logged';
    for (const [who, watched] of [['the demo page', demo], ['the foreign page', foreign]]) {
      assert.deepEqual(watched.problems, [], `${who} reported uncaught errors or a wasm trap`);
    }

    const counts = (status) => Object.values(statuses).filter((value) => value === status).length;
    report({
      section: 'security',
      row: 'the demo server\'s Origin allowlist (--allow-origin, the flag `make demo` starts it with)',
      checked: 'the demo page served from the listed origin connects and chats; WebSocket upgrades to /echo and ' +
        '/chat with any other Origin (another host, another port, localhost when only 127.0.0.1 is listed) ' +
        'are answered 403, and a browser page on another origin cannot connect (close 1006, the server logs ' +
        'the 403); an upgrade without an Origin header (not a browser) is accepted',
      figures: {
        'upgrade requests (Node)': Object.keys(statuses).length,
        'answered 101 (own origin, no Origin)': counts(101),
        'answered 403 (foreign origins)': counts(403),
        'browser page on another origin': `opened ${fromPage.opened}, close ${fromPage.code}`,
        'the browser reported': browserSaw.replace(/^console\.\w+: /, '').replace(/ws:\/\/\S+/, 'ws://…'),
        'server log lines "refused with 403"': refusals.length,
      },
    });
  } finally {
    await foreign?.close();
    await demo?.close();
    await server.stop();
  }
});

/** The texts of the chat messages a page shows, in order. */
async function chatTexts(page) {
  return page.locator('#messages .message-text').allTextContents();
}

/** Waits until `page` shows every one of `texts`. */
async function waitForTexts(page, texts, who) {
  await page.waitForFunction(
    (texts) => {
      const shown = new Set([...document.querySelectorAll('#messages .message-text')].map((p) => p.textContent));
      return texts.every((text) => shown.has(text));
    },
    texts,
    { timeout: 15_000 },
  ).catch(async (error) => {
    throw new Error(`${who} never showed all of ${JSON.stringify(texts)}; it shows ` +
      `${JSON.stringify(await chatTexts(page))}\n${error.message}`);
  });
}

/** The tally under the chat's title. */
async function tallyOf(page) {
  const tally = {};
  for (const name of ['sent', 'received', 'yours', 'doubled', 'missing']) {
    tally[name] = Number(await page.locator(`#tally-${name}`).textContent());
  }
  return tally;
}

/** The `resumed` lines of a page's event log: `{recovered, unacknowledged}` each. */
async function resumedLines(page) {
  return page.evaluate(() => [...document.querySelectorAll('#log li[data-kind="resumed"]')].map((line) => ({
    recovered: line.dataset.recovered,
    unacknowledged: line.dataset.unacknowledged,
  })));
}

async function waitForResumed(page, who) {
  await page.waitForFunction(
    () => document.querySelector('#log li[data-kind="resumed"][data-recovered="true"]') !== null,
    null,
    { timeout: 15_000 },
  ).catch(async (error) => {
    throw new Error(`${who} logged no resumed line with recovered true; it logged ` +
      `${JSON.stringify(await resumedLines(page))}\n${error.message}`);
  });
}

test('resumable mode: messages across #drop arrive once and in order in both pages; a reload keeps the session', { timeout: 90_000 }, async (t) => {
  const alice = await openDemo('Alice', suite.server, '/?session');
  const bob = await openDemo('Bob', suite.server, '/?session');
  try {
    for (const { page } of [alice, bob]) {
      assert.equal(await page.locator('#chat-title').textContent(), 'Resumable chat');
      assert.equal(await page.locator('#mode-session').getAttribute('aria-current'), 'page');
      assert.equal(await page.evaluate(() => new URL(window.resocketDemo.socket.url).pathname), '/session-chat');
    }
    const sent = { Alice: [], Bob: [] };
    const all = () => [...sent.Alice, ...sent.Bob];
    await say(alice.page, 'Alice 1, before the drop');
    sent.Alice.push('Alice 1, before the drop');
    await say(bob.page, 'Bob 1, before the drop');
    sent.Bob.push('Bob 1, before the drop');
    await waitForTexts(alice.page, all(), 'Alice\'s page');
    await waitForTexts(bob.page, all(), 'Bob\'s page');

    // Alice's connection goes silent (the server sends it nothing more, heartbeat pongs
    // included, and the heartbeat needs 2 s to notice), Bob sends, then #drop cuts Alice's
    // connection: Bob's messages never reached Alice on it. Alice's page sends from its close
    // event, so its messages leave while it is disconnected.
    const whileAway = { Alice: ['Alice 2, while away', 'Alice 3, while away', 'Alice 4, while away'],
      Bob: ['Bob 2, while Alice is away', 'Bob 3, while Alice is away', 'Bob 4, while Alice is away'] };
    await alice.page.evaluate((texts) => {
      window.__closes = 0;
      window.resocketDemo.socket.addEventListener('close', () => {
        window.__closes += 1;
        if (window.__closes > 1) return;
        window.__stateAtSend = window.resocketDemo.socket.readyState;
        for (const text of texts) {
          document.getElementById('text').value = text;
          document.getElementById('composer').requestSubmit();
        }
      });
    }, whileAway.Alice);
    await alice.page.click('#silent');
    await alice.page.waitForFunction(() => document.querySelector('#log li[data-action="silent"]') !== null);
    await bob.page.evaluate((texts) => {
      for (const text of texts) {
        document.getElementById('text').value = text;
        document.getElementById('composer').requestSubmit();
      }
    }, whileAway.Bob);
    sent.Bob.push(...whileAway.Bob);
    await waitForTexts(bob.page, whileAway.Bob, 'Bob\'s page');
    const bobsShownBeforeDrop = (await chatTexts(alice.page)).filter((text) => whileAway.Bob.includes(text));
    assert.deepEqual(bobsShownBeforeDrop, [], 'the silenced connection delivered nothing');
    await alice.page.click('#drop');
    await alice.page.waitForFunction(() => window.__closes >= 1, null, { timeout: 8000 });
    sent.Alice.push(...whileAway.Alice);
    assert.equal(await alice.page.evaluate(() => window.__stateAtSend), 0, 'Alice sent while CONNECTING');

    await waitForResumed(alice.page, 'Alice\'s page');
    await waitForState(alice.page, OPEN_STATE, 'connected again');
    // A last message: the session delivers in order, so once it is shown nothing sent before
    // it can still arrive (a doubled message would come before it).
    await say(bob.page, 'Bob 5, the last');
    sent.Bob.push('Bob 5, the last');
    await waitForTexts(alice.page, all(), 'Alice\'s page');
    await waitForTexts(bob.page, all(), 'Bob\'s page');

    const shown = { Alice: await chatTexts(alice.page), Bob: await chatTexts(bob.page) };
    for (const [who, texts] of Object.entries(shown)) {
      assert.equal(texts.length, all().length, `${who}'s page shows each message once: ${JSON.stringify(texts)}`);
      assert.deepEqual([...texts].sort(), [...all()].sort(), `${who}'s page shows exactly what was sent`);
      for (const sender of ['Alice', 'Bob']) {
        assert.deepEqual(texts.filter((text) => text.startsWith(sender)), sent[sender],
          `${who}'s page shows ${sender}'s messages in the order sent`);
      }
    }
    assert.deepEqual(shown.Alice, shown.Bob, 'both pages show one order');
    const logText = await alice.page.locator('#log').textContent();
    assert.match(logText, /1006/, 'Alice\'s event log tells the drop\'s close code');
    assert.deepEqual(await resumedLines(alice.page), [{ recovered: 'true', unacknowledged: '0' }],
      'Alice\'s page logged one resumed line, recovered');
    assert.deepEqual(await tallyOf(alice.page),
      { sent: sent.Alice.length, received: all().length, yours: sent.Alice.length, doubled: 0, missing: 0 });
    assert.deepEqual(await tallyOf(bob.page),
      { sent: sent.Bob.length, received: all().length, yours: sent.Bob.length, doubled: 0, missing: 0 });

    await mkdir(outDir, { recursive: true });
    await alice.page.screenshot({ path: SESSION_SCREENSHOT, fullPage: true });
    t.diagnostic(`demo screenshot, resumable mode: ${SESSION_SCREENSHOT}`);

    // A reload: the same client tag, the session resumed (saved with `persist`).
    const clientId = await alice.page.locator('#client-id').textContent();
    await alice.page.reload();
    await watchState(alice.page);
    await waitForState(alice.page, OPEN_STATE, 'connected after the reload');
    assert.equal(await alice.page.locator('#client-id').textContent(), clientId, 'the reload keeps the client tag');
    await waitForResumed(alice.page, 'Alice\'s reloaded page');
    assert.deepEqual(await resumedLines(alice.page), [{ recovered: 'true', unacknowledged: '0' }]);
    const afterReload = ['Bob 6, after the reload', 'Alice 5, after the reload'];
    await say(bob.page, afterReload[0]);
    await say(alice.page, afterReload[1]);
    await waitForTexts(alice.page, afterReload, 'Alice\'s reloaded page');
    await waitForTexts(bob.page, afterReload, 'Bob\'s page');
    for (const [who, { page }] of [['Alice', alice], ['Bob', bob]]) {
      const texts = await chatTexts(page);
      assert.equal(new Set(texts).size, texts.length, `${who}'s page shows no message twice: ${JSON.stringify(texts)}`);
      const tally = await tallyOf(page);
      assert.deepEqual({ doubled: tally.doubled, missing: tally.missing }, { doubled: 0, missing: 0 },
        `${who}'s tally: ${JSON.stringify(tally)}`);
    }
    assert.deepEqual((await chatTexts(bob.page)).slice(-2), afterReload, 'Bob\'s page ends with both, in order');

    // "Lose the session": the server forgets it, the page comes back to a new one and says so.
    await alice.page.click('#forget');
    await alice.page.waitForFunction(
      () => document.querySelector('#log li[data-kind="resumed"][data-recovered="false"]') !== null,
      null,
      { timeout: 15_000 },
    ).catch(async (error) => {
      throw new Error(`no resumed line with recovered false after #forget: ${JSON.stringify(await resumedLines(alice.page))}\n${error.message}`);
    });
    await waitForState(alice.page, OPEN_STATE, 'connected to a new session');
    await say(bob.page, 'Bob 7, after the loss');
    await waitForTexts(alice.page, ['Bob 7, after the loss'], 'Alice\'s page on its new session');

    for (const [who, watched] of [['Alice', alice], ['Bob', bob]]) {
      assert.deepEqual(watched.problems, [], `${who}'s page reported uncaught errors or a wasm trap`);
    }
    report({
      section: 'lost',
      row: 'the demo page in resumable mode (/?session): a chat across #drop and a reload',
      checked: 'two pages on /session-chat with session: { persist }; one page\'s connection goes #silent, the ' +
        'other sends 3 messages (not shown there), #drop cuts it and it sends 3 from its close event (while ' +
        'disconnected); both pages then show every ' +
        'message once, in one order keeping each sender\'s, the dropped page logs resumed with recovered true, ' +
        'and the tallies count no doubled or missing message; a reload keeps the client tag and the session ' +
        '(resumed, recovered true) and the chat goes on both ways with no message twice; after #forget the page ' +
        'logs resumed with recovered false and still receives the chat',
      figures: {
        'messages before the reload': all().length,
        'shown by each page': `Alice ${shown.Alice.length}, Bob ${shown.Bob.length}`,
        'the other\'s messages shown by the dropped page before the drop': bobsShownBeforeDrop.length,
        'resumed lines (drop, reload, #forget)': 'recovered true, recovered true, recovered false',
      },
    });
  } finally {
    await alice.close();
    await bob.close();
  }
});
