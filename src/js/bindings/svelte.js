// resocket/svelte: `socketStore(url, options)`, a readable store (Svelte's store contract, so
// `$store` works in Svelte 3 to 5) of the view of the socket of a URL and options, shared by
// every store made for them (registry.js). The store holds the socket from its first
// subscriber to its last, so `onMessage` is called once per message however many subscribe.
// Server rendering subscribes to read `$store` once, and nothing there tells it from a mount:
// where there is no `document`, the store holds no socket and shows `UNHELD`.
import { UNHELD, callsFor, connectionKey, hold } from "./registry.js";

export function socketStore(url, options) {
  const key = connectionKey(url, options);
  const subscribers = new Set();
  let held = null;
  return {
    subscribe(run) {
      if (typeof document === "undefined") {
        run(UNHELD);
        return () => {};
      }
      // One entry per subscription, so a function subscribed twice is called twice.
      const subscriber = () => run(held.view());
      subscribers.add(subscriber);
      held ??= hold(url, options, () => {
        for (const each of [...subscribers]) each();
      });
      subscriber();
      return () => {
        if (!subscribers.delete(subscriber) || subscribers.size) return;
        held.release();
        held = null;
      };
    },
    ...callsFor(key),
    get socket() {
      return held?.socket ?? null;
    },
  };
}
