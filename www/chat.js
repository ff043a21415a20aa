// The chat: messages as they come back from the server (our own included, since /chat and
// /session-chat send every message to everybody), and below them the ones still waiting in
// the send queue.

import { appendPinned, element } from "./dom.js";
import { clockTime } from "./time.js";

/** Messages kept on screen. */
const MESSAGES_KEPT = 500;

/**
 * The chat message in `data`, with its fields checked, or null for anything else: other
 * clients may send whatever JSON they like.
 */
export function toChatMessage(data) {
  if (data === null || typeof data !== "object" || data.type !== "chat") return null;
  if (typeof data.text !== "string") return null;
  const from = typeof data.from === "string" && data.from.trim() ? data.from : "anonymous";
  // A number no Date can hold (NaN, 1e20) would make the time unprintable.
  const printable = typeof data.sentAt === "number" && !Number.isNaN(new Date(data.sentAt).getTime());
  const sentAt = printable ? data.sentAt : Date.now();
  const message = { from, text: data.text, sentAt };
  // The sender's tag and number, for the tally; a message without them is not counted there.
  if (typeof data.sender === "string" && Number.isSafeInteger(data.seq) && data.seq > 0) {
    message.sender = data.sender;
    message.seq = data.seq;
  }
  return message;
}

export class ChatView {
  #messages;
  #outbox;
  #scroller;

  constructor(messages, outbox, scroller) {
    this.#messages = messages;
    this.#outbox = outbox;
    this.#scroller = scroller;
  }

  /** Shows a message that came back from the server. */
  show(message, mine) {
    const item = bubble(message, mine ? "message mine" : "message");
    appendPinned(this.#scroller, this.#messages, item);
    while (this.#messages.childElementCount > MESSAGES_KEPT) {
      this.#messages.firstElementChild.remove();
    }
  }

  /** Shows a message that `send` queued, until the queue goes out. */
  queue(message) {
    const item = bubble(message, "message mine pending");
    item.querySelector(".message-time").textContent = "queued";
    appendPinned(this.#scroller, this.#outbox, item);
  }

  /**
   * Keeps the newest `queuedCount` queued messages: the queue goes out oldest first, so the
   * ones the socket no longer holds are the oldest shown.
   */
  trimQueued(queuedCount) {
    while (this.#outbox.childElementCount > queuedCount) this.#outbox.firstElementChild.remove();
  }
}

function bubble(message, className) {
  const item = element("li", className);
  const avatar = element("span", "avatar", initials(message.from));
  avatar.style.setProperty("--hue", String(hue(message.from)));
  avatar.setAttribute("aria-hidden", "true");

  const sentAt = new Date(message.sentAt);
  const time = element("time", "message-time", clockTime(sentAt));
  time.dateTime = sentAt.toISOString();
  time.title = sentAt.toLocaleString();
  const meta = element("div", "message-meta");
  meta.append(element("span", "message-from", message.from), time);

  const body = element("div", "message-body");
  body.append(meta, element("p", "message-text", message.text));
  item.append(avatar, body);
  return item;
}

function initials(name) {
  const words = name.trim().split(/\s+/u).filter(Boolean);
  const letters = words.slice(0, 2).map((word) => Array.from(word)[0] ?? "");
  return letters.join("").toUpperCase() || "?";
}

/** A stable colour per name, so each person is recognisable at a glance. */
function hue(name) {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.codePointAt(0)) % 360;
  return hash;
}
