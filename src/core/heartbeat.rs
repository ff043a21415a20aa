//! Heartbeat: when to ping, when a connection counts as dead, and the round-trip time.
//!
//! Incoming traffic is recorded as a timestamp only, so a busy connection costs no timer work
//! per message; the ping timer checks the timestamp when it fires and waits out the rest of
//! the interval if something arrived meanwhile.

/// Heartbeat timing, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeartbeatTiming {
    /// Silence after which a ping is sent.
    pub interval_ms: u32,
    /// How long to wait after a ping for anything at all to arrive before the connection is
    /// declared dead.
    pub timeout_ms: u32,
}

/// What the ping timer should do when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PingDue {
    /// Something arrived recently: check again after this many milliseconds.
    WaitMore(u32),
    /// The connection has been silent for a whole interval: send a ping now.
    SendPing,
}

/// The liveness of one open connection.
#[derive(Clone, Debug)]
pub(crate) struct Liveness {
    last_received: f64,
    /// A ping went out and nothing has arrived since: the pong deadline is running.
    awaiting_reply: bool,
    /// When the last ping went out, until its pong comes back. Kept apart from
    /// `awaiting_reply` because other traffic may answer the deadline before the pong arrives.
    ping_sent_at: Option<f64>,
}

impl Liveness {
    pub(crate) fn new(now: f64) -> Self {
        Liveness {
            last_received: now,
            awaiting_reply: false,
            ping_sent_at: None,
        }
    }

    /// Records incoming traffic. Returns true when it answers an outstanding ping, in which
    /// case the caller stops the pong deadline and restarts the ping interval.
    pub(crate) fn received(&mut self, now: f64) -> bool {
        self.last_received = now;
        std::mem::take(&mut self.awaiting_reply)
    }

    /// The round-trip time of a pong, if it answers a ping (each ping is timed once).
    pub(crate) fn pong_rtt(&mut self, now: f64) -> Option<f64> {
        self.ping_sent_at.take().map(|sent| (now - sent).max(0.0))
    }

    pub(crate) fn ping_due(&mut self, now: f64, interval_ms: u32) -> PingDue {
        let silent_for = now - self.last_received;
        let interval = f64::from(interval_ms);
        if silent_for < interval {
            // At least 1 ms, so a timer that fires a hair early cannot spin.
            return PingDue::WaitMore(((interval - silent_for).ceil() as u32).max(1));
        }
        self.awaiting_reply = true;
        self.ping_sent_at = Some(now);
        PingDue::SendPing
    }
}
