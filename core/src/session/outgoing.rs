//! The sending half of a session: every message is numbered (implicitly, by its place in the
//! session) and kept until the peer acknowledges it, within a byte bound.

use std::collections::VecDeque;

use super::ProtocolError;
use super::control::MAX_COUNT;
use crate::WireSize;

/// Messages sent in a session, kept from the peer's last acknowledgement on.
#[derive(Debug)]
pub struct Outgoing<F> {
    /// Messages sent in the whole session: the number of the next one.
    sent: u64,
    /// Messages the peer has acknowledged: those before this are forgotten.
    acked: u64,
    /// Messages handed to a connection at least once: those after this never left.
    transmitted: u64,
    /// The messages `acked..sent`, oldest first, with their sizes.
    held: VecDeque<(F, u64)>,
    held_bytes: u64,
    window: u64,
}

/// A send refused because the unacknowledged messages fill the window: the frame, handed back.
#[derive(Debug, PartialEq, Eq)]
pub struct WindowFull<F>(pub F);

impl<F: WireSize> Outgoing<F> {
    /// An empty sending half that keeps up to `window` bytes of unacknowledged messages.
    pub fn new(window: u64) -> Self {
        Outgoing {
            sent: 0,
            acked: 0,
            transmitted: 0,
            held: VecDeque::new(),
            held_bytes: 0,
            window,
        }
    }

    /// A sending half restored from a saved session: `acknowledged` messages were
    /// acknowledged, and `unacknowledged` follow them, all counted as handed to a connection.
    pub fn restored(window: u64, acknowledged: u64, unacknowledged: Vec<F>) -> Self {
        let held: VecDeque<(F, u64)> = (unacknowledged.into_iter())
            .map(|frame| {
                let size = frame.wire_size();
                (frame, size)
            })
            .collect();
        let sent = acknowledged.saturating_add(held.len() as u64);
        Outgoing {
            sent,
            acked: acknowledged,
            transmitted: sent,
            held_bytes: held.iter().map(|(_, size)| size).sum(),
            held,
            window,
        }
    }

    /// Numbers `frame` and keeps it until it is acknowledged; returns its number. Refused
    /// while the kept messages fill the window, unless none is kept: a message larger than
    /// the window still goes, alone.
    pub fn push(&mut self, frame: F) -> Result<u64, WindowFull<F>> {
        let size = frame.wire_size();
        if !self.held.is_empty() && self.held_bytes.saturating_add(size) > self.window {
            return Err(WindowFull(frame));
        }
        let number = self.sent;
        self.sent += 1;
        self.held_bytes += size;
        self.held.push_back((frame, size));
        Ok(number)
    }

    /// Numbers and keeps `frame`, which was accepted earlier (and held back, see
    /// [`hold_back`](Self::hold_back)): never refused, though it may take the kept messages
    /// past the window for a while, as refusing it now would lose it.
    pub fn push_accepted(&mut self, frame: F) {
        let size = frame.wire_size();
        self.sent += 1;
        self.held_bytes += size;
        self.held.push_back((frame, size));
    }

    /// Takes out the messages never handed to a connection, oldest first, and forgets their
    /// numbers: the peer never saw them, so messages sent next take those numbers, and these
    /// go back in after them with [`push_accepted`](Self::push_accepted). A connection's setup
    /// step sends ahead of them this way.
    pub fn hold_back(&mut self) -> VecDeque<F> {
        let never_left = usize::try_from(self.sent.saturating_sub(self.transmitted))
            .unwrap_or(usize::MAX)
            .min(self.held.len());
        let first = self.held.len() - never_left;
        let held_back: VecDeque<F> = (self.held.drain(first..))
            .map(|(frame, size)| {
                self.held_bytes -= size;
                frame
            })
            .collect();
        self.sent -= held_back.len() as u64;
        held_back
    }

    /// Whether a send of `size` bytes would be kept now.
    pub fn has_room(&self, size: u64) -> bool {
        self.held.is_empty() || self.held_bytes.saturating_add(size) <= self.window
    }

    /// The peer has received `received` messages in all: those are forgotten. An ack below
    /// an earlier one is stale and ignored (it may cross a resume); one beyond what was sent
    /// is a protocol error.
    pub fn acknowledge(&mut self, received: u64) -> Result<(), ProtocolError> {
        if received > self.sent {
            return Err(ProtocolError::new("an ack of messages never sent"));
        }
        while self.acked < received {
            if let Some((_, size)) = self.held.pop_front() {
                self.held_bytes -= size;
            }
            self.acked += 1;
        }
        Ok(())
    }

    /// A new connection resumes the session and the peer says it has received `next`
    /// messages: those are forgotten, and the rest are to be sent again, in order. A `next`
    /// before the last acknowledgement (the peer lost what it acknowledged) or beyond what was
    /// sent is a protocol error.
    pub fn resume_from(&mut self, next: u64) -> Result<impl Iterator<Item = &F>, ProtocolError> {
        if next < self.acked {
            return Err(ProtocolError::new(
                "a resume from before what was acknowledged",
            ));
        }
        self.acknowledge(next)?;
        Ok(self.held.iter().map(|(frame, _)| frame))
    }

    /// Takes back the kept message at `index` (0 the oldest kept), if no connection was ever
    /// handed it: the newer ones, which never left either, take the numbers down by one.
    pub fn withdraw(&mut self, index: usize) -> Option<F> {
        if index < self.held.len().saturating_sub(self.never_left()) {
            return None;
        }
        let (frame, size) = self.held.remove(index)?;
        self.sent -= 1;
        self.held_bytes -= size;
        Some(frame)
    }

    /// How many of the newest kept messages no connection was ever handed.
    pub fn never_left(&self) -> usize {
        let left = self.transmitted.max(self.acked);
        usize::try_from(self.sent.saturating_sub(left)).unwrap_or(usize::MAX)
    }

    /// Every message sent so far has been handed to a connection.
    pub fn all_transmitted(&mut self) {
        self.transmitted = self.sent;
    }

    /// Every message sent so far has been handed to a connection but the newest `waiting`,
    /// which wait to go out together (a batch of the turn).
    pub fn all_transmitted_but(&mut self, waiting: usize) {
        let handed = self.sent.saturating_sub(waiting as u64);
        // Never below what the peer acknowledged, however it got there.
        self.transmitted = handed.max(self.acked);
    }

    /// The session was lost: starts a new session's count. Returns the messages whose fate
    /// cannot be known (handed to a connection, never acknowledged), oldest first, for the
    /// application; those that never left are kept, numbered from 0 in the new session.
    pub fn restart(&mut self) -> Vec<F> {
        let unknown =
            usize::try_from(self.transmitted.saturating_sub(self.acked)).unwrap_or(usize::MAX);
        let lost: Vec<F> = (self.held.drain(..unknown.min(self.held.len())))
            .map(|(frame, _)| frame)
            .collect();
        self.sent = self.held.len() as u64;
        self.acked = 0;
        self.transmitted = 0;
        self.held_bytes = self.held.iter().map(|(_, size)| size).sum();
        lost
    }

    /// The bytes of unacknowledged messages kept before sends are refused.
    pub fn window(&self) -> u64 {
        self.window
    }

    /// Messages sent in the whole session.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Messages the peer has acknowledged.
    pub fn acknowledged(&self) -> u64 {
        self.acked
    }

    /// Messages kept, unacknowledged.
    pub fn pending(&self) -> usize {
        self.held.len()
    }

    /// Bytes of the messages kept.
    pub fn pending_bytes(&self) -> u64 {
        self.held_bytes
    }

    /// The unacknowledged messages, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &F> {
        self.held.iter().map(|(frame, _)| frame)
    }

    /// Whether numbering may go on: a session that sent 2^53 - 1 messages must end, as the
    /// counts would no longer be exact in JavaScript.
    pub fn exhausted(&self) -> bool {
        self.sent >= MAX_COUNT
    }
}
