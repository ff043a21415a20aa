// Debian's Chromium, driven by playwright-core; never a browser Playwright downloads.

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Playwright gives the browser a fresh --user-data-dir (made with mkdtemp) and removes it
    // on close.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A page that records what would show a broken build or a wasm trap: uncaught errors and
 * console lines mentioning `unreachable`, `RuntimeError` or a Rust panic.
 */
export class WatchedPage {
  static TRAP = /unreachable|RuntimeError|panicked/i;

  constructor(page) {
    this.page = page;
    this.problems = [];
    this.console = [];
    page.on('pageerror', (error) => this.problems.push(`uncaught in page: ${error.stack ?? error}`));
    page.on('crash', () => this.problems.push('the page crashed'));
    page.on('console', (message) => {
      const line = `console.${message.type()}: ${message.text()}`;
      this.console.push(line);
      if (WatchedPage.TRAP.test(message.text())) this.problems.push(line);
    });
  }

  /** Runs `fn(arg)` in the page and returns its (awaited, JSON-like) result. */
  run(fn, arg) {
    return this.page.evaluate(fn, arg);
  }
}
