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

// `CloseEvent` and `ErrorEvent` are the browser's (and Deno's and Bun's); Node.js has neither
// before version 23 and no `ErrorEvent` at all. Where one is missing, an `Event` of the same type
// carries the same fields. Looked up when an event is made, never when the module loads.

/** A "close" event: `CloseEvent`'s, or an `Event` with its fields. */
export function closeEvent({ code, reason, wasClean }, fields) {
  const event = typeof CloseEvent === "function"
    ? new CloseEvent("close", { code, reason, wasClean })
    : withFields(new Event("close"), { code, reason, wasClean });
  return withFields(event, fields);
}

/** An "error" event: `ErrorEvent`'s, or an `Event` with its fields; `data`, if given, too. */
export function errorEvent(error, data) {
  const { message } = error;
  const event = typeof ErrorEvent === "function"
    ? new ErrorEvent("error", { message, error })
    : withFields(new Event("error"), { message, error });
  return data === undefined ? event : withFields(event, { data });
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
