// resocket/vue: `useSocket(url, options)`, the socket of a URL and options shared by every
// component that uses it (registry.js), its view as read-only refs. In a component, held from
// its mount until it unmounts (its effect scope is disposed): server rendering runs `setup` but
// mounts nothing, so it makes no socket. Outside a component, held from the call until the
// effect scope that made it is disposed, or, outside a scope, until `release()`.
import { computed, getCurrentInstance, getCurrentScope, onMounted, onScopeDispose, shallowRef } from "vue";
import { UNHELD, callsFor, connectionKey, hold } from "./registry.js";

export function useSocket(url, options) {
  const key = connectionKey(url, options);
  const view = shallowRef(UNHELD);
  let held = null;
  const take = () => {
    held ??= hold(url, options, () => {
      view.value = held.view();
    });
    view.value = held.view();
  };
  const release = () => {
    held?.release();
    held = null;
  };
  if (getCurrentInstance()) onMounted(take);
  else take();
  if (getCurrentScope()) onScopeDispose(release);
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
    socket: field("socket"),
    ...callsFor(key),
    release,
  };
}
