// resocket/react: `useSocket(url, options)`, the socket of a URL and options shared by every
// component that uses it (registry.js), its view read with useSyncExternalStore.
//
// The socket is held from the store's subscription, an effect, never from a render: a render
// React throws away would otherwise hold it for good. Under StrictMode the subscription is
// made, dropped and made again at once, and the registry's delayed close keeps that to one
// socket and one connection.
import { useCallback, useInsertionEffect, useMemo, useRef, useSyncExternalStore } from "react";
import { UNHELD, callsFor, connectionKey, hold, viewOf } from "./registry.js";

const unheld = () => UNHELD;

export function useSocket(url, options) {
  const key = connectionKey(url, options);
  // The latest render's options, for `onMessage`: an inline function is new at every render,
  // and subscribing again for it would make no difference to the socket.
  const latest = useRef(options);
  useInsertionEffect(() => {
    latest.current = options;
  });
  // `key` stands for url and options: the same key is the same socket.
  const subscribe = useCallback(
    (changed) => hold(url, { ...options, onMessage: (data) => latest.current?.onMessage?.(data) }, changed).release,
    [key],
  );
  const view = useSyncExternalStore(subscribe, () => viewOf(key), unheld);
  const calls = useMemo(() => callsFor(key), [key]);
  return { ...view, ...calls };
}
