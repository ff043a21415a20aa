// The tally under the chat's title: what this page sent and received since it loaded, and
// whether each sender's messages came in order. Every chat message carries its sender's tag
// and number (1, 2, 3, ... per tab): a number at or below one already seen from that sender
// is a message doubled (or out of order), a number beyond the next one means messages were
// missed. So a visitor can check what a drop, a restart or a reload cost.

export class Tally {
  #fields;
  #counts = { sent: 0, received: 0, yours: 0, doubled: 0, missing: 0 };
  /** The last number received from each sender tag. */
  #lastNumber = new Map();

  /** `fields`: the elements for sent, received, yours, doubled and missing. */
  constructor(fields) {
    this.#fields = fields;
    this.#render();
  }

  /** This page handed a message to the socket. */
  sent() {
    this.#counts.sent += 1;
    this.#render();
  }

  /** A chat message arrived; `mine` when this tab sent it. */
  received(message, mine) {
    this.#counts.received += 1;
    if (mine) this.#counts.yours += 1;
    if (message.sender !== undefined) {
      const last = this.#lastNumber.get(message.sender);
      // The first message seen from a sender is where its count starts.
      if (last !== undefined && message.seq <= last) {
        this.#counts.doubled += 1;
      } else {
        if (last !== undefined) this.#counts.missing += message.seq - last - 1;
        this.#lastNumber.set(message.sender, message.seq);
      }
    }
    this.#render();
  }

  #render() {
    for (const [name, count] of Object.entries(this.#counts)) {
      const field = this.#fields[name];
      const text = String(count);
      if (field.textContent !== text) field.textContent = text;
    }
    for (const name of ["doubled", "missing"]) {
      this.#fields[name].parentElement.classList.toggle("attention", this.#counts[name] > 0);
    }
  }
}
