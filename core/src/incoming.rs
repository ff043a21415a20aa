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
}
