//! Control over each message: how it is sent (volatile, with a time to live) and what becomes
//! of one taken back before any socket had it (expired, or cancelled by its sender).
//!
//! Only a message no socket was handed can be taken back: one the browser holds may already be
//! on the wire. Plain mode's queue is that place, and so is a dead socket's unsent tail once it
//! is back in the queue; in session mode, the session's kept messages that no connection was
//! ever handed.

/// How a message is sent ([`Machine::send_with`](super::Machine::send_with)). The default is
/// a plain send.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendOptions {
    /// Send it only if the connection is open now (in session mode: the session is ready);
    /// otherwise it is skipped ([`Sent::Skipped`](super::Sent::Skipped)) and nothing is
    /// queued, as socket.io's `volatile` emits: for data that is worthless later, such as a
    /// cursor position.
    pub volatile: bool,
    /// How long it may wait to be handed to a socket, in milliseconds (at most
    /// [`MAX_TIMER_MS`](super::MAX_TIMER_MS)): still queued after that, it is removed and
    /// reported ([`Output::Removed`](super::Output::Removed) with [`Removal::Expired`]). A
    /// message a dying socket never transmitted goes back to the queue with the deadline it
    /// had.
    pub ttl_ms: Option<u32>,
}

/// A message accepted by [`Machine::send_with`](super::Machine::send_with), to cancel it
/// with [`Machine::cancel`](super::Machine::cancel) while it is still queued. Ids are the
/// order messages were accepted in, from 0, per machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub u64);

/// Why a message was taken back before any socket had it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    /// Its time to live ran out while it was queued.
    Expired,
    /// Its sender cancelled it.
    Aborted,
}

impl Removal {
    /// The reason's name, as the JavaScript face's `"removed"` event gives it.
    pub fn name(self) -> &'static str {
        match self {
            Removal::Expired => "expired",
            Removal::Aborted => "aborted",
        }
    }
}

/// Entries kept before the first pruning; the threshold then doubles with what is left.
const FIRST_PRUNE_AT: usize = 64;

/// The deadlines of messages sent with a time to live, by sequence number. A message keeps its
/// entry while it may still be (or come back to) the queue; the machine prunes the others, so
/// the table stays within a multiple of the messages it holds.
#[derive(Debug)]
pub(crate) struct Deadlines {
    /// Sequence number and deadline, in the order they were added.
    entries: Vec<(u64, f64)>,
    prune_at: usize,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            entries: Vec::new(),
            prune_at: FIRST_PRUNE_AT,
        }
    }
}

impl Deadlines {
    /// Message `seq` expires at `at`. Returns whether the table has grown enough to be pruned
    /// ([`retain`](Self::retain)).
    pub(crate) fn insert(&mut self, seq: u64, at: f64) -> bool {
        self.entries.push((seq, at));
        self.entries.len() >= self.prune_at
    }

    pub(crate) fn remove(&mut self, seq: u64) {
        if let Some(index) = self.entries.iter().position(|&(s, _)| s == seq) {
            self.entries.swap_remove(index);
        }
    }

    /// Keeps the entries of the messages `live` says may still be taken back.
    pub(crate) fn retain(&mut self, mut live: impl FnMut(u64) -> bool) {
        self.entries.retain(|&(seq, _)| live(seq));
        self.prune_at = FIRST_PRUNE_AT.max(2 * self.entries.len());
    }

    /// The earliest deadline among the messages `removable` picks.
    pub(crate) fn earliest(&self, mut removable: impl FnMut(u64) -> bool) -> Option<f64> {
        (self.entries.iter())
            .filter(|&&(seq, _)| removable(seq))
            .map(|&(_, at)| at)
            .min_by(f64::total_cmp)
    }

    /// The messages `removable` picks whose deadline has come by `now`, earliest deadline
    /// first (the older message first on a tie).
    pub(crate) fn due(&self, now: f64, mut removable: impl FnMut(u64) -> bool) -> Vec<u64> {
        let mut due: Vec<(u64, f64)> = (self.entries.iter())
            .filter(|&&(seq, at)| at <= now && removable(seq))
            .copied()
            .collect();
        due.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        due.into_iter().map(|(seq, _)| seq).collect()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_entries_come_earliest_first() {
        let mut deadlines = Deadlines::default();
        deadlines.insert(1, 30.0);
        deadlines.insert(2, 10.0);
        deadlines.insert(3, 10.0);
        deadlines.insert(4, 50.0);
        assert_eq!(deadlines.due(30.0, |_| true), [2, 3, 1]);
        assert_eq!(deadlines.due(30.0, |seq| seq != 2), [3, 1]);
        assert_eq!(deadlines.earliest(|seq| seq > 2), Some(10.0));
        deadlines.remove(3);
        assert_eq!(deadlines.earliest(|seq| seq > 2), Some(50.0));
    }

    #[test]
    fn pruning_is_asked_for_as_the_table_doubles() {
        let mut deadlines = Deadlines::default();
        let asks = (0..10_000)
            .filter(|&seq| {
                let ask = deadlines.insert(seq, 0.0);
                if ask {
                    // Only the newest ten are still held.
                    deadlines.retain(|s| s + 10 > seq);
                }
                ask
            })
            .count();
        assert!(deadlines.entries.len() <= FIRST_PRUNE_AT);
        assert!(asks >= 10_000 / FIRST_PRUNE_AT, "pruned {asks} times");
    }
}
