//! Every connection policy in one place, with the defaults and the checks that keep them sane.

use super::backoff::Backoff;
use super::close::DEFAULT_FINAL_CODES;
use super::heartbeat::HeartbeatTiming;
use super::queue::Overflow;

/// The longest delay a browser timer honours (`setTimeout` fires at once beyond it).
pub const MAX_TIMER_MS: u32 = i32::MAX as u32;

/// How a connection behaves: reconnects, timeouts, heartbeat and send queue.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Delays between reconnect attempts.
    pub backoff: Backoff,
    /// Retries allowed after the first attempt before giving up; `None` retries forever.
    pub max_retries: Option<u32>,
    /// A connection must stay open this long (ms) before the retry count resets to 0, so a
    /// server that accepts and drops at once cannot cause a fast reconnect loop.
    pub min_uptime_ms: u32,
    /// How long (ms) an attempt may take from its start (URL resolution included) to open;
    /// also bounds the closing handshake after [`close`](crate::core::Input::Close).
    pub connect_timeout_ms: u32,
    /// Server close codes after which the connection is not retried.
    pub final_codes: Vec<u16>,
    /// Ping on silence and detect dead connections; `None` turns the heartbeat off.
    pub heartbeat: Option<HeartbeatTiming>,
    /// The most messages kept while the connection is not open.
    pub queue_capacity: usize,
    /// What a send does when the queue is full.
    pub overflow: Overflow,
    /// The largest incoming message delivered, as the driver measures it without copying:
    /// a text message's length in UTF-16 code units (JavaScript's `string.length`, which is at
    /// most its UTF-8 size and at least a third of it), a binary message's bytes. Larger
    /// messages are reported and dropped; the connection stays open.
    pub max_message_bytes: usize,
    /// Send a request again, same id, on the next connection when the connection it was
    /// handed to is lost, instead of failing it with
    /// [`RequestFailure::ConnectionLost`](super::RequestFailure::ConnectionLost).
    pub resend_requests: bool,
}

/// The default [`Policy::max_message_bytes`]: 16 MiB. Far above what chat, game-state or
/// document-sync messages need, yet a tab survives a server that sends a few of them, and it
/// matches the largest single frame common servers accept by default (axum/tungstenite's
/// `max_frame_size`).
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 16 << 20;

impl Default for Policy {
    fn default() -> Self {
        Policy {
            backoff: Backoff::default(),
            max_retries: None,
            min_uptime_ms: 5_000,
            connect_timeout_ms: 5_000,
            final_codes: DEFAULT_FINAL_CODES.to_vec(),
            heartbeat: None,
            queue_capacity: 1_000,
            overflow: Overflow::Reject,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            resend_requests: false,
        }
    }
}

/// An option that is out of range, named as in the Rust API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// The option's name.
    pub option: &'static str,
    /// What a valid value looks like.
    pub expected: &'static str,
}

impl core::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "invalid option `{}`: expected {}",
            self.option, self.expected
        )
    }
}

impl std::error::Error for PolicyError {}

impl Policy {
    /// Checks every option, reporting the first one that is out of range.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let fail = |option, expected| Err(PolicyError { option, expected });
        let backoff = &self.backoff;
        if backoff.max_delay_ms > MAX_TIMER_MS {
            return fail(
                "max_delay",
                "at most 2147483647 ms (the browser timer limit)",
            );
        }
        if backoff.min_delay_ms > backoff.max_delay_ms {
            return fail("min_delay", "a delay no longer than max_delay");
        }
        if !(backoff.grow_factor.is_finite() && backoff.grow_factor >= 1.0) {
            return fail("grow_factor", "a finite number of at least 1");
        }
        if !(0.0..=1.0).contains(&backoff.jitter) {
            return fail("jitter", "a number from 0 to 1");
        }
        if self.min_uptime_ms > MAX_TIMER_MS {
            return fail("min_uptime", "at most 2147483647 ms");
        }
        if self.connect_timeout_ms == 0 || self.connect_timeout_ms > MAX_TIMER_MS {
            return fail("connect_timeout", "from 1 to 2147483647 ms");
        }
        if let Some(heartbeat) = self.heartbeat {
            if heartbeat.interval_ms == 0 || heartbeat.interval_ms > MAX_TIMER_MS {
                return fail("heartbeat interval", "from 1 to 2147483647 ms");
            }
            if heartbeat.timeout_ms == 0 || heartbeat.timeout_ms > MAX_TIMER_MS {
                return fail("heartbeat timeout", "from 1 to 2147483647 ms");
            }
        }
        if self.queue_capacity == 0 {
            return fail("queue_capacity", "at least 1 message");
        }
        if self.max_message_bytes == 0 {
            return fail("max_message_bytes", "at least 1 byte");
        }
        Ok(())
    }
}
