// resocket/vue: `useSocket(url, options)`, the socket of a URL and options shared by every
// component that uses it (registry.js), its view as read-only refs. Held from the call (a
// component's setup) until the effect scope that made it is disposed (the component
// unmounts), or, outside a scope, until `release()`.
import { computed, getCurrentScope, onScopeDispose, shallowRef } from "vue";
import { UNHELD, hold } from "./registry.js";

export function useSocket(url, options) {
  const view = shallowRef(UNHELD);
  const held = hold(url, options, () => {
    view.value = held.view();
  });
  view.value = held.view();
  if (getCurrentScope()) onScopeDispose(held.release);
  // A computed ref per figure: a component that shows the state alone is not rendered again
  // for each message.
  const field = (name) => computed(() => view.value[name]);
  return {
    state: field("state"),
    lastMessage: field("lastMessage"),
    error: field("error"),
    retryCount: field("retryCount"),
    queuedCount: field("queuedCount"),
    rttMs: field("rttMs"),
    socket: held.socket,
    send: held.send,
    request: held.request,
    release: held.release,
  };
}
