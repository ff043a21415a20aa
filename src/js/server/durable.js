// A session held under a shared store (PROTOCOL.md, "Servers sharing sessions"), as
// resocket-axum's durable.rs holds one: every change is written before the client hears of
// it. The server's messages go on the wire once written; the client's are acknowledged once
// written; a resume's welcome waits until everything before it is written. So the server that
// takes the session over next (another process, after this one died) knows everything the
// client was told, and nothing is lost or doubled.
//
// Writes go in order, one at a time per session, each carrying what queued meanwhile: under
// load a write carries many messages, and a lone message waits one round trip to the store.

/** The most changes one write carries: a bound on a store request's size. */
const MOST_PER_WRITE = 512;

/** What the store's answers end a session here with. */
const MOVED = { code: 1012, reason: 'the session moved to another server', cause: 'moved' };
const STORE_FAILED = { code: 1011, reason: 'the session store failed', cause: 'store-failed' };

/**
 * What a session held under a shared store keeps beside the protocol's state, and the writer
 * of its changes. `standing` is where it stands when taken up (all of it written): its term,
 * the messages sent and received, and the client's messages its application handled. The
 * session learns through `landed(received, sent)` that a write landed, and through
 * `lost({ code, reason, cause })` that it ended here: another server holds it now (its
 * writes are refused), or the store failed; `carried()` says whether a connection carries it.
 */
export class Durable {
  /** The session's term in the store: this server's claim on it. */
  term;
  /** The server's messages written to the store: only those go on the wire. */
  writtenSent;
  /** The client's messages written to the store: only those are acknowledged. */
  writtenReceived;
  /** The server's messages handed to the current connection. */
  onWire;
  /** The count the last acknowledgement told the client. */
  acknowledgedOnWire;
  /** An acknowledgement fell due beyond what was written: it goes when the write lands. */
  ackOwed = false;
  /** The client's messages the application took. */
  taken;
  /** The server's messages the client acknowledged, as last queued to be written. */
  #acknowledged;

  #store;
  #id;
  #lifetimeMs;
  #landed;
  #lost;
  #carried;
  #queue = [];
  #writing = false;
  /** The session ended here: nothing more is written. */
  #stopped = false;
  #keepAlive;

  constructor({ store, id, lifetimeMs, standing, landed, lost, carried }) {
    this.#store = store;
    this.#id = id;
    this.#lifetimeMs = lifetimeMs;
    this.#landed = landed;
    this.#lost = lost;
    this.#carried = carried;
    this.term = standing.term;
    this.writtenSent = standing.sent;
    this.writtenReceived = standing.received;
    this.onWire = standing.sent;
    this.acknowledgedOnWire = standing.received;
    this.taken = standing.handled;
    this.#acknowledged = standing.sent - standing.unacknowledged.length;
    this.#armKeepAlive();
  }

  /**
   * Queues a change: `{ received: message }`, `{ sent: message, handled }` (with the count of
   * handled messages when the application's handler sent it, so that handling and answering
   * are written together), `{ handled: count }`, `{ touch: true }` (keeps the session a
   * lifetime from now); `acknowledge` queues the client's acknowledgements.
   */
  record(change) {
    if (this.#stopped) return;
    this.#queue.push(change);
    this.#pump();
  }

  /** The client acknowledged `count` of the server's messages in all: written if that is news. */
  acknowledge(count) {
    if (count <= this.#acknowledged) return;
    this.#acknowledged = count;
    this.record({ acknowledged: count });
  }

  /** Resolves true once every change queued so far is written; false if the session ended here first. */
  flush() {
    if (this.#stopped) return Promise.resolve(false);
    return new Promise((resolve) => this.record({ flushed: resolve }));
  }

  /** The session ended here: nothing more is written, and waiting flushes answer false. */
  stop() {
    this.#stopped = true;
    clearTimeout(this.#keepAlive);
    for (const change of this.#queue.splice(0)) change.flushed?.(false);
  }

  get stopped() {
    return this.#stopped;
  }

  /**
   * A new connection resumes from the client's `next`, having been sent `replayed` written
   * messages from there (what follows goes as it is written), and told the client's count.
   */
  resumed(next, replayed) {
    this.onWire = next + replayed;
    this.acknowledgedOnWire = this.writtenReceived;
    this.ackOwed = false;
  }

  /** How many of the messages from the client's `next` on are written, and may be sent again. */
  replayable(next) {
    return Math.max(0, this.writtenSent - next);
  }

  /**
   * The acknowledgement to send for the core's `~ack` of `received` messages: as far as it is
   * written (undefined when that tells the client nothing new); the rest goes when its write
   * lands.
   */
  acknowledgement(received) {
    const written = Math.min(received, this.writtenReceived);
    this.ackOwed = written < received;
    if (written <= this.acknowledgedOnWire) return undefined;
    this.acknowledgedOnWire = written;
    return written;
  }

  /** The acknowledgement owed since a write landed, if any. */
  owedAcknowledgement() {
    if (!this.ackOwed || this.writtenReceived <= this.acknowledgedOnWire) return undefined;
    this.ackOwed = false;
    this.acknowledgedOnWire = this.writtenReceived;
    return this.writtenReceived;
  }

  #pump() {
    if (this.#writing || this.#stopped || this.#queue.length === 0) return;
    const batch = new Batch(this.#queue.splice(0, MOST_PER_WRITE));
    if (batch.empty) {
      batch.answer(true);
      this.#pump();
      return;
    }
    this.#writing = true;
    const { changes } = batch;
    // A store that throws instead of rejecting fails the same way.
    const written = new Promise((resolve) => resolve(this.#store.write(this.#id, this.term, changes, this.#lifetimeMs)));
    written.then((held) => {
      this.#writing = false;
      if (this.#stopped) return batch.answer(false);
      if (held !== true) return this.#end(MOVED, batch);
      this.writtenReceived += changes.received.length;
      this.writtenSent += changes.sent.length;
      this.#armKeepAlive();
      this.#landed(changes.received.length, changes.sent.length);
      batch.answer(true);
      this.#pump();
    }, () => {
      this.#writing = false;
      if (this.#stopped) return batch.answer(false);
      this.#end(STORE_FAILED, batch);
    });
  }

  #end(why, batch) {
    this.stop();
    batch.answer(false);
    this.#lost(why);
  }

  /** Often enough that a session a connection carries never expires in the store. */
  #armKeepAlive() {
    clearTimeout(this.#keepAlive);
    if (this.#stopped) return;
    this.#keepAlive = setTimeout(() => {
      // A session nobody carries expires a lifetime after its last write.
      if (this.#carried()) this.record({ touch: true });
      else this.#armKeepAlive();
    }, this.#lifetimeMs / 3);
    this.#keepAlive.unref?.();
  }
}

/** What one write carries: the changes, merged in order, and the flushes waiting for it. */
class Batch {
  changes = { received: [], sent: [], acknowledged: undefined, handled: undefined };
  touch = false;
  flushes = [];

  constructor(queued) {
    const { changes } = this;
    for (const change of queued) {
      if ('received' in change) changes.received.push(change.received);
      if ('sent' in change) changes.sent.push(change.sent);
      if (change.acknowledged !== undefined) changes.acknowledged = Math.max(changes.acknowledged ?? 0, change.acknowledged);
      if (change.handled !== undefined) changes.handled = Math.max(changes.handled ?? 0, change.handled);
      if (change.touch) this.touch = true;
      if (change.flushed) this.flushes.push(change.flushed);
    }
  }

  /** Nothing to write: the flushes answer at once. */
  get empty() {
    const { received, sent, acknowledged, handled } = this.changes;
    return !this.touch && received.length === 0 && sent.length === 0 && acknowledged === undefined && handled === undefined;
  }

  answer(written) {
    for (const flushed of this.flushes) flushed(written);
  }
}
