// A resumable session kept across a page reload (`session: { persist }`): written to
// sessionStorage when the page goes away, taken (read and removed) by the next page's socket of
// the same name. The entry is the one the Rust face writes: JSON `{ header, messages }`, the
// header the core's line, each message a string or `{ bytes: [...] }`. A shared connection's
// leader tab hands its session to the next leader the same way, through localStorage.

const entry = (name) => `resocket.session.${name}`;

/** `sessionStorage` (or `localStorage`), where the page may use one (a sandboxed frame's access throws). */
export function storage(kind = "sessionStorage") {
  try {
    return globalThis[kind] ?? null;
  } catch {
    return null;
  }
}

/** The session an earlier page saved under `name` ({ header, messages }) in `store`, removed; or null. */
export function takeSaved(name, store = storage()) {
  try {
    const text = store?.getItem(entry(name));
    if (text == null) return null;
    store.removeItem(entry(name));
    const { header, messages } = JSON.parse(text);
    if (typeof header !== "string" || !Array.isArray(messages)) return null;
    return { header, messages: messages.map((message) => (typeof message === "string" ? message : Uint8Array.from(message.bytes))) };
  } catch {
    // Storage is the page's to tamper with: what does not read is no session.
    return null;
  }
}

/** Saves `saved` ({ header, messages }) under `name` in `store`, or removes the entry for null; false if it could not be written. */
export function putSaved(name, saved, store = storage()) {
  if (!store) return false;
  try {
    if (!saved) {
      store.removeItem(entry(name));
      return true;
    }
    const messages = saved.messages.map(storable);
    if (messages.includes(undefined)) throw new TypeError("a Blob cannot be saved synchronously");
    store.setItem(entry(name), JSON.stringify({ header: saved.header, messages }));
    return true;
  } catch {
    try {
      store.removeItem(entry(name));
    } catch {}
    return false;
  }
}

/** A message as the entry keeps it: a string, or its bytes; undefined for a Blob. */
function storable(message) {
  if (typeof message === "string") return message;
  if (message instanceof ArrayBuffer) return { bytes: Array.from(new Uint8Array(message)) };
  if (ArrayBuffer.isView(message)) return { bytes: Array.from(new Uint8Array(message.buffer, message.byteOffset, message.byteLength)) };
  return undefined;
}
