//! The receiving half of a session: counts what arrived and decides when to acknowledge it,
//! after a count, a share of the peer's window or a short delay, never once per message.

use super::ProtocolError;
use super::control::MAX_COUNT;

/// When the receiving half acknowledges.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AckPolicy {
    /// Acknowledge once this many messages arrived unacknowledged.
    pub every: u64,
    /// Acknowledge at most this long (ms) after the first unacknowledged message arrived.
    pub delay_ms: f64,
}

impl Default for AckPolicy {
    fn default() -> Self {
        AckPolicy {
            every: 64,
            delay_ms: 100.0,
        }
    }
}

/// Messages received in a session, and the acknowledgement owed for them.
#[derive(Debug)]
pub struct Incoming {
    received: u64,
    /// The count last acknowledged.
    acked: u64,
    /// Bytes received since the last acknowledgement.
    unacked_bytes: u64,
    /// When the first message since the last acknowledgement arrived.
    since: Option<f64>,
    /// The peer's window: acknowledge before half of it is used.
    peer_window: u64,
    policy: AckPolicy,
}

impl Incoming {
    /// Nothing received yet; the peer keeps `peer_window` bytes unacknowledged.
    pub fn new(policy: AckPolicy, peer_window: u64) -> Self {
        Incoming {
            received: 0,
            acked: 0,
            unacked_bytes: 0,
            since: None,
            peer_window,
            policy,
        }
    }

    /// The peer's window, as its handshake announced it.
    pub fn set_peer_window(&mut self, window: u64) {
        self.peer_window = window;
    }

    /// The peer's window, as its handshake announced it: it never has more than this many
    /// bytes of messages unacknowledged.
    pub fn peer_window(&self) -> u64 {
        self.peer_window
    }

    /// One message of `size` bytes arrived at `now`. Returns whether to acknowledge at once.
    pub fn receive(&mut self, size: u64, now: f64) -> Result<bool, ProtocolError> {
        if self.received >= MAX_COUNT {
            return Err(ProtocolError::new("more messages than a session counts"));
        }
        self.received += 1;
        self.unacked_bytes = self.unacked_bytes.saturating_add(size);
        self.since.get_or_insert(now);
        Ok(self.received - self.acked >= self.policy.every
            || self.unacked_bytes.saturating_mul(2) >= self.peer_window)
    }

    /// When an acknowledgement falls due, if one is owed.
    pub fn deadline(&self) -> Option<f64> {
        self.since.map(|since| since + self.policy.delay_ms)
    }

    /// The acknowledgement to send now (the count received in all), if one is owed.
    pub fn take_ack(&mut self) -> Option<u64> {
        if self.received == self.acked {
            return None;
        }
        self.acked = self.received;
        self.unacked_bytes = 0;
        self.since = None;
        Some(self.received)
    }

    /// Messages received in the whole session: what a resume asks the peer to send from.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// A session restored with `received` messages already received (and acknowledged
    /// with the resume that follows).
    pub fn restore(&mut self, received: u64) {
        self.restart();
        self.received = received.min(MAX_COUNT);
        self.acked = self.received;
    }

    /// The session was lost: a new one starts counting from 0.
    pub fn restart(&mut self) {
        self.received = 0;
        self.acked = 0;
        self.unacked_bytes = 0;
        self.since = None;
    }

    /// A new connection: what arrives next was sent again from `received` on, and whatever
    /// acknowledgement was owed goes with the handshake.
    pub fn reconnected(&mut self) {
        self.acked = self.received;
        self.unacked_bytes = 0;
        self.since = None;
    }
}
