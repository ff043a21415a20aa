//! Heartbeat: when to ping, when a connection counts as dead, and the round-trip time.
//!
//! Incoming traffic is recorded as a timestamp only, so a busy connection costs no timer work
//! per message; the ping timer checks the timestamp when it fires and waits out the rest of
//! the interval if something arrived meanwhile.
//!
//! Timers in hidden or busy pages fire late (browsers throttle background timers to once a
//! second, and to once a minute after a few minutes hidden), and a frozen page runs nothing at
//! all. A pong deadline that fires more than `timeout` after it was due says more about the
//! page than about the connection: the pong may be queued behind it. Such a deadline is
//! granted once more, `timeout` from the late firing, before the connection counts as dead.

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
    /// The last ping's deadline fired late and was granted once more.
    deadline_extended: bool,
}

impl Liveness {
    pub(crate) fn new(now: f64) -> Self {
        Liveness {
            last_received: now,
            awaiting_reply: false,
            ping_sent_at: None,
            deadline_extended: false,
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
        self.ping_now(now);
        PingDue::SendPing
    }

    /// Records a ping sent now, whatever the silence: its pong deadline starts.
    pub(crate) fn ping_now(&mut self, now: f64) {
        self.awaiting_reply = true;
        self.ping_sent_at = Some(now);
        self.deadline_extended = false;
    }

    /// Whether a pong deadline that fired `late_by_ms` after it was due gets one more
    /// `timeout_ms`: only when it was more than `timeout_ms` late, and once per ping. The
    /// pong of a ping that waited out a stall is not timed, as the stall would count as
    /// round trip.
    pub(crate) fn extend_deadline(&mut self, late_by_ms: f64, timeout_ms: u32) -> bool {
        if late_by_ms <= f64::from(timeout_ms) || self.deadline_extended {
            return false;
        }
        self.deadline_extended = true;
        self.ping_sent_at = None;
        true
    }
}
