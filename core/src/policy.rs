//! Every connection policy in one place, with the defaults and the checks that keep them sane.

use super::backoff::Backoff;
use super::close::DEFAULT_FINAL_CODES;
use super::heartbeat::HeartbeatTiming;
use super::queue::Overflow;
use super::session::{MAX_COUNT, Terms};

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
    /// Resumable sessions (`PROTOCOL.md`): with terms, every connection carries one session
    /// in which each message reaches the server exactly once and in order, across drops; the
    /// terms' window bounds the unacknowledged bytes (sends wait beyond it) and replaces the
    /// send queue. `None`: plain WebSocket messages.
    pub session: Option<Terms>,
    /// The driver runs a setup step on every new connection before the queue is flushed
    /// ([`Output::RunSetup`](crate::Output::RunSetup)), and it must finish within this many
    /// ms; `None`: no setup step, queued messages go out as soon as the connection opens.
    pub setup_timeout_ms: Option<u32>,
    /// Connect only on demand (graphql-ws's `lazy`): [`Input::Connect`](super::Input::Connect)
    /// leaves the socket [`State::Idle`](super::State::Idle) until a message is sent, a
    /// request made or someone listens ([`Input::Interest`](super::Input::Interest)); a
    /// connection lost while nothing is wanted is not retried until something is.
    pub lazy: bool,
    /// Close the open connection cleanly (1000; 4001 in session mode, which keeps the session)
    /// after this long (ms) with nothing queued or unacknowledged, no request pending and no
    /// one listening, any send restarting the wait; it connects again on the next demand, as
    /// with [`lazy`](Self::lazy). `None`: never.
    pub idle_close_ms: Option<u32>,
}

/// The default [`Policy::max_message_bytes`]: 16 MiB. Far above what chat, game-state or
/// document-sync messages need, yet a tab survives a server that sends a few of them, and it
/// matches the largest single frame common servers accept by default (axum/tungstenite's
/// `max_frame_size`).
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 16 << 20;

/// The default [`Policy::setup_timeout_ms`] once a setup step is given: 10 s, the time a
/// request waits for its answer by default, as a setup step usually waits for one or two.
pub const DEFAULT_SETUP_TIMEOUT_MS: u32 = 10_000;

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
            session: None,
            setup_timeout_ms: None,
            lazy: false,
            idle_close_ms: None,
        }
    }
}

/// A policy option, as errors name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyOption {
    /// [`Backoff::min_delay_ms`].
    MinDelay,
    /// [`Backoff::max_delay_ms`].
    MaxDelay,
    /// [`Backoff::grow_factor`].
    GrowFactor,
    /// [`Backoff::jitter`].
    Jitter,
    /// [`Policy::min_uptime_ms`].
    MinUptime,
    /// [`Policy::connect_timeout_ms`].
    ConnectTimeout,
    /// [`Policy::max_retries`].
    MaxRetries,
    /// [`HeartbeatTiming::interval_ms`].
    HeartbeatInterval,
    /// [`HeartbeatTiming::timeout_ms`].
    HeartbeatTimeout,
    /// [`Policy::queue_capacity`].
    QueueCapacity,
    /// [`Policy::max_message_bytes`].
    MaxMessageBytes,
    /// [`Policy::final_codes`].
    FinalCodes,
    /// The window of [`Policy::session`].
    SessionWindow,
    /// [`Policy::setup_timeout_ms`].
    SetupTimeout,
    /// [`Policy::idle_close_ms`].
    IdleClose,
}

impl PolicyOption {
    /// Its name in the Rust API.
    pub const fn name(self) -> &'static str {
        match self {
            PolicyOption::MinDelay => "min_delay",
            PolicyOption::MaxDelay => "max_delay",
            PolicyOption::GrowFactor => "grow_factor",
            PolicyOption::Jitter => "jitter",
            PolicyOption::MinUptime => "min_uptime",
            PolicyOption::ConnectTimeout => "connect_timeout",
            PolicyOption::MaxRetries => "max_retries",
            PolicyOption::HeartbeatInterval => "heartbeat interval",
            PolicyOption::HeartbeatTimeout => "heartbeat timeout",
            PolicyOption::QueueCapacity => "queue_capacity",
            PolicyOption::MaxMessageBytes => "max_message_bytes",
            PolicyOption::FinalCodes => "final_codes",
            PolicyOption::SessionWindow => "session window",
            PolicyOption::SetupTimeout => "setup_timeout",
            PolicyOption::IdleClose => "idle_close",
        }
    }

    /// What a valid value looks like: the one text every face shows for it.
    pub const fn expected(self) -> &'static str {
        match self {
            PolicyOption::MinDelay => "from 0 ms up to the maximum delay",
            PolicyOption::MaxDelay => "from 0 to 2147483647 ms (the browser timer limit)",
            PolicyOption::GrowFactor => "a finite number of at least 1",
            PolicyOption::Jitter => "a number from 0 to 1",
            PolicyOption::MinUptime | PolicyOption::IdleClose => "from 0 to 2147483647 ms",
            PolicyOption::ConnectTimeout
            | PolicyOption::HeartbeatInterval
            | PolicyOption::HeartbeatTimeout
            | PolicyOption::SetupTimeout => "from 1 to 2147483647 ms",
            PolicyOption::MaxRetries => "a whole number of at least 0, or unlimited",
            PolicyOption::QueueCapacity => "a whole number of messages, at least 1",
            PolicyOption::MaxMessageBytes => "a whole number of bytes, at least 1",
            PolicyOption::FinalCodes => "close codes from 1000 to 4999",
            #[cfg(feature = "session")]
            PolicyOption::SessionWindow => "a whole number of bytes, at least 1",
            // Without the feature, every session window is refused: say why.
            #[cfg(not(feature = "session"))]
            PolicyOption::SessionWindow => {
                "a whole number of bytes, at least 1 (session mode needs resocket-core's \
                 `session` feature)"
            }
        }
    }
}

/// An option that is out of range; it reads as the option's name in the Rust API and what a
/// valid value looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// The option.
    pub option: PolicyOption,
}

impl From<PolicyOption> for PolicyError {
    fn from(option: PolicyOption) -> Self {
        PolicyError { option }
    }
}

impl core::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let option = self.option;
        write!(
            f,
            "invalid option `{}`: expected {}",
            option.name(),
            option.expected()
        )
    }
}

impl std::error::Error for PolicyError {}

impl Policy {
    /// Checks every option, reporting the first one that is out of range.
    pub fn validate(&self) -> Result<(), PolicyError> {
        self.first_invalid()
            .map_or(Ok(()), |option| Err(option.into()))
    }

    /// The first option out of range, if any.
    pub fn first_invalid(&self) -> Option<PolicyOption> {
        let timer = |ms: u32, least: u32| (least..=MAX_TIMER_MS).contains(&ms);
        let backoff = &self.backoff;
        let heartbeat = self.heartbeat.unwrap_or(HeartbeatTiming {
            interval_ms: 1,
            timeout_ms: 1,
        });
        let checks = [
            (timer(backoff.max_delay_ms, 0), PolicyOption::MaxDelay),
            (
                backoff.min_delay_ms <= backoff.max_delay_ms,
                PolicyOption::MinDelay,
            ),
            (
                backoff.grow_factor.is_finite() && backoff.grow_factor >= 1.0,
                PolicyOption::GrowFactor,
            ),
            ((0.0..=1.0).contains(&backoff.jitter), PolicyOption::Jitter),
            (timer(self.min_uptime_ms, 0), PolicyOption::MinUptime),
            (
                timer(self.connect_timeout_ms, 1),
                PolicyOption::ConnectTimeout,
            ),
            (
                timer(heartbeat.interval_ms, 1),
                PolicyOption::HeartbeatInterval,
            ),
            (
                timer(heartbeat.timeout_ms, 1),
                PolicyOption::HeartbeatTimeout,
            ),
            (self.queue_capacity > 0, PolicyOption::QueueCapacity),
            (self.max_message_bytes > 0, PolicyOption::MaxMessageBytes),
            (
                self.final_codes
                    .iter()
                    .all(|code| (1000..=4999).contains(code)),
                PolicyOption::FinalCodes,
            ),
            (
                self.session
                    .is_none_or(|terms| (1..=MAX_COUNT).contains(&terms.window)),
                PolicyOption::SessionWindow,
            ),
            (
                self.setup_timeout_ms.is_none_or(|ms| timer(ms, 1)),
                PolicyOption::SetupTimeout,
            ),
            (
                self.idle_close_ms.is_none_or(|ms| timer(ms, 0)),
                PolicyOption::IdleClose,
            ),
        ];
        checks
            .into_iter()
            .find_map(|(valid, option)| (!valid).then_some(option))
    }
}
