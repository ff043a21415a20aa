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

/// Messages waiting for the connection to open, oldest first.
#[derive(Debug)]
pub(crate) struct SendQueue<F> {
    items: VecDeque<F>,
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

    /// Queues `frame`. Returns how many older frames were dropped to make room, or the frame
    /// itself when it was refused.
    pub(crate) fn push(&mut self, frame: F) -> Result<usize, F> {
        let mut dropped = 0;
        while self.items.len() >= self.capacity {
            if self.overflow == Overflow::Reject || self.items.pop_front().is_none() {
                return Err(frame);
            }
            dropped += 1;
        }
        self.items.push_back(frame);
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
        self.items.iter()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Puts back, in front and in order, frames accepted earlier that a dead socket never
    /// transmitted. They may take the queue past its capacity for a while: they were
    /// accepted, so refusing them now would lose them.
    pub(crate) fn requeue(&mut self, frames: VecDeque<F>) {
        for frame in frames.into_iter().rev() {
            self.items.push_front(frame);
        }
    }

    /// Takes every queued frame, oldest first.
    pub(crate) fn take_all(&mut self) -> VecDeque<F> {
        std::mem::take(&mut self.items)
    }
}
