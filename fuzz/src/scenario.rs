//! What a fuzz input decodes into: a valid policy, a jitter seed and a sequence of operations.
//!
//! Numbers are kept in small ranges (as in `core/tests/core/properties.rs`) so that short inputs
//! reach retries, timeouts, heartbeats and a full queue.

use arbitrary::{Arbitrary, Result, Unstructured};
use resocket_core::{Backoff, HeartbeatTiming, Overflow, Policy};

/// Operations per input: enough for long scenarios, few enough to keep each run fast.
const MAX_OPS: usize = 400;

/// Close codes servers send, final or not by default, plus our heartbeat code.
const SERVER_CODES: [u16; 16] = [
    1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1015, 4000, 4001,
];

/// One fuzz input, decoded.
#[derive(Debug)]
pub struct Scenario {
    pub policy: Policy,
    pub seed: u64,
    pub ops: Vec<Op>,
}

impl<'a> Arbitrary<'a> for Scenario {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let policy = policy(u)?;
        let seed = u.arbitrary()?;
        let mut ops = Vec::new();
        while ops.len() < MAX_OPS && !u.is_empty() {
            ops.push(u.arbitrary()?);
        }
        Ok(Scenario { policy, seed, ops })
    }
}

/// Which socket (or URL request) an event comes from.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Target {
    /// The live socket, or the URL request waiting for an answer.
    Live,
    /// Any other id handed out so far, picked by index: a late event for an old attempt.
    Stale(u8),
}

/// A close code and reason a user may send: 1000 or 3000 to 4999.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub struct UserCode(u16);

impl UserCode {
    pub fn code(self) -> u16 {
        match self.0 % 4 {
            0 => 1000,
            _ => 3000 + self.0 % 2000,
        }
    }
}

/// A close code a server or browser may report: usually a meaningful one, sometimes any.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum ServerCode {
    Known(u8),
    Any(u16),
}

impl ServerCode {
    pub fn code(self) -> u16 {
        match self {
            ServerCode::Known(index) => SERVER_CODES[usize::from(index) % SERVER_CODES.len()],
            ServerCode::Any(code) => code,
        }
    }
}

#[derive(Arbitrary, Clone, Debug)]
pub enum Op {
    Connect,
    Send,
    Close(UserCode),
    Reconnect(UserCode),
    /// The URL provider answers (`ok`) or fails.
    Url {
        target: Target,
        ok: bool,
    },
    /// The browser refuses to create the socket.
    OpenFailed(Target),
    Opened(Target),
    Received(Target),
    Pong(Target),
    SocketError(Target),
    /// The browser transmits up to this many of the messages it holds.
    Drain(u8),
    Closed {
        target: Target,
        code: ServerCode,
        reason: String,
        was_clean: bool,
        allowed: bool,
    },
    /// The driver's timer fires now, whether or not anything is due: early, or twice.
    Timeout,
    /// The clock moves on, firing due timers at their deadlines.
    Advance(u16),
    /// The page stalls (frozen, or its timers throttled): the clock moves on with no timer
    /// firing, then every timer that came due fires late.
    Stall(u16),
    /// The browser reports the network lost.
    Offline,
    /// The browser reports the network back.
    Online,
    /// The page goes into the back/forward cache.
    Suspend,
    /// The page comes back from the back/forward cache.
    Resume,
    /// The page becomes visible again.
    Wake,
    /// A request, with a timeout in ms (from 1).
    Request(u16),
    /// An incoming message carries a request id: one made so far, picked by index, or one
    /// never made.
    Answer(u8),
    /// The user stops waiting for a request, picked by index.
    Forget(u8),
}

fn policy(u: &mut Unstructured) -> Result<Policy> {
    let heartbeat = if u.arbitrary()? {
        Some(HeartbeatTiming {
            interval_ms: u.int_in_range(1..=5_000)?,
            timeout_ms: u.int_in_range(1..=5_000)?,
        })
    } else {
        None
    };
    let final_codes = (0..u.int_in_range(0..=8)?)
        .map(|_| u.choose(&SERVER_CODES).copied())
        .collect::<Result<_>>()?;
    Ok(Policy {
        backoff: backoff(u)?,
        max_retries: if u.arbitrary()? {
            Some(u.int_in_range(0..=5)?)
        } else {
            None
        },
        min_uptime_ms: if u.arbitrary()? {
            0
        } else {
            u.int_in_range(1..=10_000)?
        },
        // Not below 50 ms: with no retry delay, a 1 ms timeout would make each clock advance
        // thousands of attempts and slow the fuzzer down for nothing.
        connect_timeout_ms: u.int_in_range(50..=10_000)?,
        final_codes,
        heartbeat,
        queue_capacity: u.int_in_range(1..=5)?,
        overflow: if u.arbitrary()? {
            Overflow::DropOldest
        } else {
            Overflow::Reject
        },
        // Options the machine does not read (such as the message size limit) keep defaults.
        ..Policy::default()
    })
}

fn backoff(u: &mut Unstructured) -> Result<Backoff> {
    let a = u.int_in_range(0..=3_000)?;
    let b = u.int_in_range(0..=60_000)?;
    let grow_factor = match u.int_in_range(0..=2)? {
        0 => 1.0,
        1 => 1.0 + 3.0 * unit(u)?,
        _ => {
            let any: f64 = u.arbitrary()?;
            if any.is_finite() {
                any.abs().max(1.0)
            } else {
                1.0
            }
        }
    };
    let jitter = match u.int_in_range(0..=2)? {
        0 => 0.0,
        1 => 1.0,
        _ => unit(u)?,
    };
    Ok(Backoff {
        min_delay_ms: a.min(b),
        max_delay_ms: a.max(b),
        grow_factor,
        jitter,
    })
}

/// A number in `[0, 1]`.
fn unit(u: &mut Unstructured) -> Result<f64> {
    Ok(f64::from(u.arbitrary::<u32>()?) / f64::from(u32::MAX))
}
