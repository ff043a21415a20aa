//! A session held under a shared store ([`SessionStore`]): every change is written before the
//! client hears of it. The server's messages go on the wire once written; the client's are
//! acknowledged once written. So the server that takes the session over next (another node,
//! after this one died) knows everything the client was told, and nothing is lost or doubled.
//!
//! Writes go in order through one task per session ([`write_behind`]), which gathers what
//! queued meanwhile into one write: under load a write carries many messages, and a lone
//! message waits one round trip to the store.

use std::sync::{Arc, Weak};
use std::time::Duration;

use resocket_core::session::Control;
use tokio::sync::{mpsc, oneshot};

use crate::message::Message;
use crate::session::{Kick, Shared, State};
use crate::shared_store::{Changes, SessionStore};

/// The most changes one write carries: a bound on a store request's size.
const MOST_PER_WRITE: usize = 512;

/// What a session held under a shared store keeps beside the protocol's state.
pub(crate) struct Durable {
    /// The session's term in the store: this server's claim on it.
    pub(crate) term: u64,
    changes: mpsc::UnboundedSender<Change>,
    /// The server's messages written to the store: only those go on the wire.
    written_sent: u64,
    /// The client's messages written to the store: only those are acknowledged.
    written_received: u64,
    /// The server's messages handed to the current connection.
    on_wire: u64,
    /// The count the last acknowledgement told the client.
    acknowledged_on_wire: u64,
    /// An acknowledgement fell due beyond what was written: it goes when the write lands.
    ack_owed: bool,
    /// The client's messages the application took from its inbox.
    pub(crate) taken: u64,
    /// The session moved to another server, or the store failed: the application's stream
    /// ends at once (the next holder hands what it had not handled to its own handler).
    pub(crate) gone: bool,
}

/// One change to write, in order.
pub(crate) enum Change {
    /// A message of the client's, counted as received.
    Received(Message),
    /// A message to the client, numbered; with the application's handled count when its
    /// handler sent it, so that handling and answering are written together.
    Sent {
        message: Message,
        handled: Option<u64>,
    },
    /// The client acknowledged this many of the server's messages.
    Acknowledged(u64),
    /// The application handled this many of the client's messages.
    Handled(u64),
    /// Keeps the session alive in the store for another lifetime.
    Touch,
    /// Answers once everything before it is written.
    Flush(oneshot::Sender<()>),
}

/// Where a session held under a shared store stands, when it is taken up.
pub(crate) struct Standing {
    pub(crate) term: u64,
    /// Messages sent, all written.
    pub(crate) sent: u64,
    /// Messages received, all written.
    pub(crate) received: u64,
    /// Messages the application handled.
    pub(crate) handled: u64,
}

impl Durable {
    /// A session that stands at `standing`, its writes going to `changes`.
    pub(crate) fn new(standing: &Standing, changes: mpsc::UnboundedSender<Change>) -> Durable {
        Durable {
            term: standing.term,
            changes,
            written_sent: standing.sent,
            written_received: standing.received,
            on_wire: standing.sent,
            acknowledged_on_wire: standing.received,
            ack_owed: false,
            taken: standing.handled,
            gone: false,
        }
    }

    /// Queues `change` to be written.
    pub(crate) fn record(&self, change: Change) {
        // The writer lives as long as the session; once it stopped the session is gone.
        let _ = self.changes.send(change);
    }

    /// Waits until every change queued so far is written; an error if the session is gone.
    pub(crate) fn flush(&self) -> oneshot::Receiver<()> {
        let (done, written) = oneshot::channel();
        self.record(Change::Flush(done));
        written
    }

    /// A new connection resumes from the client's `next`, having been sent everything written
    /// from there (what follows goes as it is written), and told the client's count.
    pub(crate) fn resumed(&mut self, next: u64, replayed: usize) {
        self.on_wire = next + replayed as u64;
        self.acknowledged_on_wire = self.written_received;
        self.ack_owed = false;
    }

    /// How many of the messages from the client's `next` on are written and may be sent again.
    pub(crate) fn replayable(&self, next: u64) -> usize {
        usize::try_from(self.written_sent.saturating_sub(next)).unwrap_or(usize::MAX)
    }
}

/// The acknowledgement `ack` (the core's, for all it counted), as far as it is written; the
/// rest goes when its write lands.
pub(crate) fn acknowledgement(durable: &mut Durable, ack: Control) -> Option<Control> {
    let Control::Ack { received } = ack else {
        return Some(ack);
    };
    let written = received.min(durable.written_received);
    durable.ack_owed = written < received;
    if written <= durable.acknowledged_on_wire {
        return None;
    }
    durable.acknowledged_on_wire = written;
    Some(Control::Ack { received: written })
}

/// A write landed: its messages go on the wire, and an acknowledgement owed for its received
/// messages goes too.
fn landed(state: &mut State, received: u64, sent: u64) {
    let Some(durable) = state.durable.as_mut() else {
        return;
    };
    durable.written_received += received;
    durable.written_sent += sent;
    if state.writer.is_none() {
        return;
    }
    let durable = state.durable.as_mut().expect("checked above");
    let outgoing = state.session.outgoing();
    let skip = durable.on_wire.saturating_sub(outgoing.acknowledged());
    let count = durable.written_sent.saturating_sub(durable.on_wire);
    let frames: Vec<_> = (outgoing.iter())
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(usize::try_from(count).unwrap_or(usize::MAX))
        .map(crate::message::frame_of)
        .collect();
    durable.on_wire += frames.len() as u64;
    let ack =
        (durable.ack_owed && durable.written_received > durable.acknowledged_on_wire).then(|| {
            durable.acknowledged_on_wire = durable.written_received;
            durable.ack_owed = false;
            Control::Ack {
                received: durable.written_received,
            }
        });
    for frame in frames {
        state.transmit(frame);
    }
    if let Some(ack) = ack {
        state.transmit(ws_text(&ack));
    }
}

fn ws_text(control: &Control) -> axum::extract::ws::Message {
    axum::extract::ws::Message::Text(control.encode().into())
}

/// What one write carries.
#[derive(Default)]
struct Batch {
    changes: Changes,
    touch: bool,
    flushes: Vec<oneshot::Sender<()>>,
    count: usize,
}

impl Batch {
    fn add(&mut self, change: Change) {
        self.count += 1;
        match change {
            Change::Received(message) => self.changes.received.push(message),
            Change::Sent { message, handled } => {
                self.changes.sent.push(message);
                if handled.is_some() {
                    self.changes.handled = handled;
                }
            }
            Change::Acknowledged(count) => self.changes.acknowledged = Some(count),
            Change::Handled(count) => self.changes.handled = Some(count),
            Change::Touch => self.touch = true,
            Change::Flush(done) => self.flushes.push(done),
        }
    }
}

/// Writes a session's changes to `store`, in order, until the session ends here: it moved to
/// another server (its connection closes with 1012, and the client resumes it there), or the
/// store failed (1011; the store's copy stays for the client's next connection).
pub(crate) async fn write_behind(
    shared: Weak<Shared>,
    store: Arc<dyn SessionStore>,
    lifetime: Duration,
    mut changes: mpsc::UnboundedReceiver<Change>,
) {
    // Often enough that a held session never expires in the store.
    let keep_alive = lifetime / 3;
    loop {
        let first = match tokio::time::timeout(keep_alive, changes.recv()).await {
            Ok(Some(change)) => change,
            Ok(None) => return,
            // A session nobody carries expires a lifetime after its last write.
            Err(_) if carried(&shared) => Change::Touch,
            Err(_) => continue,
        };
        let mut batch = Batch::default();
        batch.add(first);
        while batch.count < MOST_PER_WRITE
            && let Ok(change) = changes.try_recv()
        {
            batch.add(change);
        }
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let Some(term) = shared.lock().durable.as_ref().map(|durable| durable.term) else {
            return;
        };
        if batch.changes.is_empty() && !batch.touch {
            batch.flushes.into_iter().for_each(|done| {
                let _ = done.send(());
            });
            continue;
        }
        let written = store
            .write(&shared.id, term, &batch.changes, lifetime)
            .await;
        match written {
            Ok(true) => {
                let received = batch.changes.received.len() as u64;
                let sent = batch.changes.sent.len() as u64;
                landed(&mut shared.lock(), received, sent);
                for done in batch.flushes {
                    let _ = done.send(());
                }
            }
            Ok(false) => {
                shared.gone(1012, "the session moved to another server");
                return;
            }
            Err(_) => {
                shared.gone(1011, "the session store failed");
                return;
            }
        }
    }
}

fn carried(shared: &Weak<Shared>) -> bool {
    shared
        .upgrade()
        .is_some_and(|shared| shared.lock().writer.is_some())
}

/// Ends a session here without touching the store: for [`Shared::gone`].
pub(crate) fn leave(state: &mut State, code: u16, reason: &str) {
    if let Some(durable) = state.durable.as_mut() {
        durable.gone = true;
    }
    state.kick(Kick::Close {
        code,
        reason: reason.to_owned(),
    });
}
