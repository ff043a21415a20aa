// The event log: one line per socket event or demo action, newest at the bottom.

import { appendPinned, element } from "./dom.js";
import { preciseTime } from "./time.js";

/** Lines kept; older ones are dropped so a long session stays fast. */
const LINES_KEPT = 300;

export class EventLog {
  #list;

  /** `list` is the scrolling `ol` itself. */
  constructor(list) {
    this.#list = list;
  }

  /**
   * Adds a line: `kind` (open, close, reconnecting, error, message, queued, control, action)
   * colours its tag, `details` becomes `data-*` attributes for tests to read.
   */
  add(kind, text, details = {}) {
    const line = element("li", `log-line log-${kind}`);
    line.dataset.kind = kind;
    for (const [name, value] of Object.entries(details)) line.dataset[name] = String(value);
    const now = new Date();
    const time = element("time", "log-time", preciseTime(now));
    time.dateTime = now.toISOString();
    line.append(time, element("span", "log-kind", kind), element("span", "log-text", text));
    appendPinned(this.#list, this.#list, line);
    while (this.#list.childElementCount > LINES_KEPT) this.#list.firstElementChild.remove();
  }

  clear() {
    this.#list.replaceChildren();
  }
}
