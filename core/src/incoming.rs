//! What an incoming message is, as the machine classifies it from what the driver measured.

/// What to do with an incoming message, from [`Machine::receive`](super::Machine::receive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// Deliver it to the user.
    Message,
    /// Deliver it unless it answers a request: requests are pending (or the ids of ended ones
    /// remembered), so read the id it carries, if any, and ask
    /// [`Machine::answered`](super::Machine::answered) first.
    MaybeAnswer,
    /// The heartbeat's pong: not for the user.
    Pong,
    /// Larger than `max_message_bytes`: dropped undelivered (and reported to the user). The
    /// connection stays open: a browser may not close with 1009, and closing would make a
    /// reconnect loop of a server that keeps sending the same message.
    TooBig {
        /// The limit in force.
        limit: usize,
    },
    /// From a socket the machine has given up: dropped.
    Stale,
    /// In session mode, a control frame or a frame the protocol refused: nothing for the
    /// user (a refusal closes the connection).
    Protocol,
}

/// An incoming frame in session mode, as the driver reads it: its first character or byte
/// ([`FrameKind`](crate::session::FrameKind)) tells which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionFrame<'a> {
    /// `count` messages (one, or a batch's) of `size` in all, measured as for
    /// [`Machine::receive`](super::Machine::receive), tag excluded.
    Messages {
        /// How many.
        count: u64,
        /// Their size in all.
        size: u64,
    },
    /// A control frame's whole text.
    Control(&'a str),
    /// A frame the protocol does not allow (an unknown tag, a malformed batch).
    Invalid(&'a str),
}
