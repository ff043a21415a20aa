//! The bounded queue of messages sent while the connection is not open.

use std::collections::VecDeque;

/// What happens to a send when the queue is full.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Overflow {
    /// Refuse the new message and hand it back to the caller (nothing is lost silently).
    #[default]
    Reject,
    /// Accept the new message and drop the oldest queued one, reporting the drop.
    DropOldest,
}

/// A queued message and its sequence number: numbers grow from the queue's front to its back,
/// with gaps where messages were taken out.
#[derive(Debug)]
struct Queued<F> {
    frame: F,
    seq: u64,
}

/// Messages waiting for the connection to open, oldest first.
#[derive(Debug)]
pub(crate) struct SendQueue<F> {
    items: VecDeque<Queued<F>>,
    capacity: usize,
    overflow: Overflow,
}

impl<F> SendQueue<F> {
    pub(crate) fn new(capacity: usize, overflow: Overflow) -> Self {
        SendQueue {
            items: VecDeque::new(),
            capacity,
            overflow,
        }
    }

    /// Queues `frame`, numbered `seq` (above every number queued). Returns how many older
    /// frames were dropped to make room, or the frame itself when it was refused.
    pub(crate) fn push(&mut self, frame: F, seq: u64) -> Result<usize, F> {
        let mut dropped = 0;
        while self.items.len() >= self.capacity {
            if self.overflow == Overflow::Reject || self.items.pop_front().is_none() {
                return Err(frame);
            }
            dropped += 1;
        }
        self.items.push_back(Queued { frame, seq });
        Ok(dropped)
    }

    /// Whether [`push`](Self::push) would refuse a frame now.
    pub(crate) fn refuses(&self) -> bool {
        self.overflow == Overflow::Reject && self.items.len() >= self.capacity
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &F> {
        self.items.iter().map(|queued| &queued.frame)
    }

    /// The sequence number of the oldest queued frame.
    pub(crate) fn front_seq(&self) -> Option<u64> {
        self.items.front().map(|queued| queued.seq)
    }

    /// Whether frame `seq` is queued.
    pub(crate) fn contains(&self, seq: u64) -> bool {
        self.position(seq).is_some()
    }

    /// Takes frame `seq` out of the queue, wherever it is.
    pub(crate) fn remove(&mut self, seq: u64) -> Option<F> {
        let index = self.position(seq)?;
        self.items.remove(index).map(|queued| queued.frame)
    }

    fn position(&self, seq: u64) -> Option<usize> {
        self.items
            .binary_search_by_key(&seq, |queued| queued.seq)
            .ok()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Puts back, in front and in order, frames accepted earlier that a dead socket never
    /// transmitted. They may take the queue past its capacity for a while: they were
    /// accepted, so refusing them now would lose them.
    /// They keep their sequence numbers, all below those queued since.
    pub(crate) fn requeue(&mut self, frames: VecDeque<(F, u64)>) {
        for (frame, seq) in frames.into_iter().rev() {
            self.items.push_front(Queued { frame, seq });
        }
    }

    /// Takes every queued frame, oldest first, with its sequence number.
    pub(crate) fn take_all(&mut self) -> impl Iterator<Item = (F, u64)> + use<F> {
        let items = std::mem::take(&mut self.items);
        items.into_iter().map(|queued| (queued.frame, queued.seq))
    }
}
