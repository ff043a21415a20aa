// The events a socket dispatches, for both kinds of socket (a ReSocket, and a shared socket in
// a tab): their types, the `on*` handler properties, and extra fields on DOM events.

export const EVENT_TYPES = ["open", "message", "close", "reconnecting", "error", "offline", "online", "statechange", "resumed", "removed"];

/** `event` with `fields` as read-only enumerable properties. */
export function withFields(event, fields) {
  for (const [name, value] of Object.entries(fields)) {
    Object.defineProperty(event, name, { value, enumerable: true });
  }
  return event;
}

/**
 * Gives `Class` the properties `onopen`, `onmessage`, ...: one handler per event type, kept in
 * the table `handlers(socket)` returns (see `handlerTable`); `set(socket, type, handler)`, if
 * given, hears each one set.
 */
export function defineHandlers(Class, handlers, set) {
  for (const type of EVENT_TYPES) {
    Object.defineProperty(Class.prototype, `on${type}`, {
      get() { return handlers(this)[type]; },
      set(handler) {
        handlers(this)[type] = handler;
        set?.(this, type, handler);
      },
      configurable: true,
    });
  }
}

/**
 * The handler table of `socket`, whose handlers it calls before the listeners of each event,
 * through listeners of its own that the socket's `addEventListener` does not see (they are no
 * one listening, for `lazy`).
 */
export function handlerTable(socket) {
  const table = Object.fromEntries(EVENT_TYPES.map((type) => [type, null]));
  const listen = EventTarget.prototype.addEventListener;
  for (const type of EVENT_TYPES) listen.call(socket, type, (event) => table[type]?.call(socket, event));
  return table;
}
