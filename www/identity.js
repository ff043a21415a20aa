// Who this page is: a random client tag, which the server's /control uses to find this page's
// connection, and a friendly display name for the chat.

const ADJECTIVES = [
  "Brave", "Calm", "Clever", "Eager", "Gentle", "Happy", "Jolly", "Kind", "Lively", "Lucky",
  "Nimble", "Proud", "Quick", "Quiet", "Sunny", "Swift", "Witty", "Zesty",
];
const ANIMALS = [
  "Otter", "Falcon", "Panda", "Lynx", "Heron", "Koala", "Badger", "Dolphin", "Fox", "Gecko",
  "Ibis", "Marmot", "Puffin", "Quokka", "Robin", "Tapir", "Walrus", "Yak",
];

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
