// The status bar: what the socket reports. Refreshed after every event and ten times a second,
// since the heartbeat RTT and the queue change without an event, and the countdown ticks.

const STATE_NAMES = ["CONNECTING", "OPEN", "CLOSING", "CLOSED"];
const REFRESH_MS = 100;

export class StatusBar {
  #socket;
  #fields;
  #nextAttemptAt = null;

  /** `fields`: the elements for state, retryCount, countdown, rtt, queued and queuedStat. */
  constructor(socket, fields) {
    this.#socket = socket;
    this.#fields = fields;
    setInterval(() => this.render(), REFRESH_MS);
    this.render();
  }

  /** A retry was scheduled `delayMs` from now. */
  reconnecting(delayMs) {
    this.#nextAttemptAt = performance.now() + delayMs;
    this.render();
  }

  /** No retry is pending any more: the socket opened, or stays closed. */
  settled() {
    this.#nextAttemptAt = null;
    this.render();
  }

  render() {
    const socket = this.#socket;
    const fields = this.#fields;
    const state = STATE_NAMES[socket.readyState] ?? String(socket.readyState);
    setText(fields.state, state);
    fields.state.dataset.state = state;
    setText(fields.retryCount, String(socket.retryCount));

    const queued = socket.queuedCount;
    setText(fields.queued, String(queued));
    fields.queuedStat.classList.toggle("attention", queued > 0);

    const rtt = socket.rttMs;
    fields.rtt.dataset.ms = rtt === undefined ? "" : String(rtt);
    setText(fields.rtt, rtt === undefined ? "—" : formatRtt(rtt));

    if (this.#nextAttemptAt === null) {
      fields.countdown.dataset.ms = "";
      setText(fields.countdown, "—");
    } else {
      const left = Math.max(0, Math.round(this.#nextAttemptAt - performance.now()));
      fields.countdown.dataset.ms = String(left);
      setText(fields.countdown, left > 0 ? `${(left / 1000).toFixed(1)} s` : "now");
    }
  }
}

/** Sub-millisecond round trips are common on localhost; "0 ms" would look broken. */
function formatRtt(ms) {
  if (ms < 1) return "<1 ms";
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** Writes only on change, so screen readers and devtools are not flooded every 100 ms. */
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}
