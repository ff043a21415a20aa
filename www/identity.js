// Who this page is: a random client tag, which the server's /control uses to find this page's
// connection, and a friendly display name for the chat. Both are kept for the tab
// (sessionStorage), so a reload is the same client: a resumable session belongs to its
// client tag, and only the same tag resumes it.

const ADJECTIVES = [
  "Brave", "Calm", "Clever", "Eager", "Gentle", "Happy", "Jolly", "Kind", "Lively", "Lucky",
  "Nimble", "Proud", "Quick", "Quiet", "Sunny", "Swift", "Witty", "Zesty",
];
const ANIMALS = [
  "Otter", "Falcon", "Panda", "Lynx", "Heron", "Koala", "Badger", "Dolphin", "Fox", "Gecko",
  "Ibis", "Marmot", "Puffin", "Quokka", "Robin", "Tapir", "Walrus", "Yak",
];
const PREFIX = "resocket-demo.";
/** Where values are kept when the browser refuses storage: for this page only. */
const unstored = new Map();

function randomBelow(n) {
  return crypto.getRandomValues(new Uint32Array(1))[0] % n;
}

/** `guest-` and four hex digits, e.g. `guest-3fa9`. */
export function randomClientId() {
  const hex = Array.from(crypto.getRandomValues(new Uint8Array(2)), (byte) =>
    byte.toString(16).padStart(2, "0"),
  );
  return `guest-${hex.join("")}`;
}

/** e.g. `Swift Otter`. */
export function randomDisplayName() {
  return `${ADJECTIVES[randomBelow(ADJECTIVES.length)]} ${ANIMALS[randomBelow(ANIMALS.length)]}`;
}

/** The value this tab keeps under `key`, made by `make` (and kept) the first time. */
export function keptForTab(key, make) {
  const kept = readKept(key);
  if (kept !== null) return kept;
  const value = make();
  keepForTab(key, value);
  return value;
}

/** Keeps `value` under `key` for this tab; where storage is refused, for this page only. */
export function keepForTab(key, value) {
  try {
    sessionStorage.setItem(PREFIX + key, value);
  } catch {
    // Storage disabled or full: the page works, a reload just starts afresh.
    unstored.set(key, value);
  }
}

function readKept(key) {
  try {
    return sessionStorage.getItem(PREFIX + key);
  } catch {
    return unstored.get(key) ?? null;
  }
}
