//! The numbers the engine and the package's JavaScript agree on, written once: the engine
//! uses these enums, and `src/js/contract.js` is generated from them ([`js_module`], `make
//! contract`; `make lint` checks it is current).

use resocket_core::session::{BATCH_TAG, CONTROL_TAG, DEFAULT_WINDOW, MESSAGE_TAG, SUBPROTOCOL};
use resocket_core::{
    DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_SETUP_TIMEOUT_MS, Failure, MAX_TIMER_MS, Policy,
    PolicyOption, Removal, RequestFailure, State,
};

/// An enum numbered 0, 1, ... in declaration order, with the name each number has in the
/// generated JavaScript (`PREFIX_NAME`).
macro_rules! numbered {
    ($(#[$meta:meta])* $name:ident, $prefix:literal { $($(#[$vmeta:meta])* $variant:ident = $js:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every value, in number order.
            pub const ALL: &[$name] = &[$($name::$variant,)*];
            /// The prefix of the generated JavaScript names.
            pub const PREFIX: &str = $prefix;

            /// The value numbered `number`.
            pub fn from_number(number: u32) -> Option<Self> {
                usize::try_from(number).ok().and_then(|index| Self::ALL.get(index)).copied()
            }

            /// Its name in the generated JavaScript, after the prefix.
            pub const fn js_name(self) -> &'static str {
                match self {
                    $($name::$variant => $js,)*
                }
            }

            /// Its number, as the engine passes it.
            pub const fn number(self) -> u32 {
                self as u32
            }
        }
    };
}

numbered! {
    /// What `poll` asks the JavaScript to do; the operands are read with `arg(i)`, `text()` and
    /// `frame(i)`.
    Op, "OP" {
        /// Nothing left to do.
        Idle = "IDLE",
        /// Work out the URL and subprotocols of attempt `arg(0)`, then signal `URL_RESOLVED` or
        /// call `failed`.
        ResolveUrl = "RESOLVE_URL",
        /// Create the socket for attempt `arg(0)` from what was resolved; `arg(1)` 1: offer
        /// the session subprotocol after the user's.
        Connect = "CONNECT",
        /// `WebSocket.send` the message `frame(0)` (in session mode, after the message tag).
        Transmit = "TRANSMIT",
        /// Session mode: `WebSocket.send` the `arg(1)` text messages `frame(0)` to
        /// `frame(arg(1) - 1)` in one batch frame: the batch tag, then a JSON array of them.
        TransmitBatch = "TRANSMIT_BATCH",
        /// Session mode: signal `TURN_ENDED` at a microtask, once the current turn of the
        /// event loop is over (the messages sent in the rest of it wait to go out together).
        AwaitTurnEnd = "AWAIT_TURN_END",
        /// Send the heartbeat ping.
        Ping = "PING",
        /// Session mode: `WebSocket.send` the control frame `text()` as it is.
        Control = "CONTROL",
        /// Answer with `buffered(arg(0), socket.bufferedAmount)`.
        MeasureBuffered = "MEASURE_BUFFERED",
        /// Start the closing handshake of socket `arg(0)` with code `arg(1)` and reason `text()`.
        Close = "CLOSE",
        /// As `Close`, and forget the socket: no input may follow for it.
        Abandon = "ABANDON",
        /// Session mode: emit "resumed" (before "open"): recovered `arg(0)` (0 or 1), and the
        /// `arg(1)` messages of unknown fate, oldest first, `frame(0)` to `frame(arg(1) - 1)`.
        Resumed = "RESUMED",
        /// Emit "open".
        Opened = "OPENED",
        /// Emit "close": code, wasClean, willReconnect, requeued, unconfirmed; reason `text()`.
        Closed = "CLOSED",
        /// Emit "reconnecting": attempt, delay in ms.
        Reconnecting = "RECONNECTING",
        /// Emit "error": the [`FailureKind`] `arg(0)`, detail `text()`.
        Failed = "FAILED",
        /// Emit "error" RETRIES_EXHAUSTED: the retries made.
        RetriesExhausted = "RETRIES_EXHAUSTED",
        /// Emit "offline": no attempt starts until the network is back.
        WentOffline = "WENT_OFFLINE",
        /// Emit "online".
        WentOnline = "WENT_ONLINE",
        /// Fail request `arg(0)`: the [`RequestFailureKind`] `arg(1)`; `arg(2)` is the queue's
        /// capacity for a full queue.
        RequestFailed = "REQUEST_FAILED",
        /// The core's next deadline moved: keep the one timer on `arg(0)` (NaN: none).
        Deadline = "DEADLINE",
        /// Emit "statechange": the state is now number `arg(0)` of `STATES`.
        StateChanged = "STATE_CHANGED",
        /// Run the setup step on socket `arg(0)`: attempt `arg(1)`, resumed `arg(2)` (0 or 1);
        /// then signal `SETUP_DONE` or call `failed` with the setup step's error.
        RunSetup = "RUN_SETUP",
        /// Emit "removed": the message `frame(0)` was taken back before any socket had it,
        /// for the [`RemovalKind`] `arg(0)`.
        Removed = "REMOVED",
    }
}

numbered! {
    /// What `signal` reports. Its operand is the attempt or socket for `UrlResolved`, `Opened`
    /// (with the socket's `protocol` staged) and `SocketError`, `navigator.onLine` (0 or 1) for
    /// `Connect` and `Resume`, unused for the rest.
    Signal, "SIGNAL" {
        /// Start connecting, if closed.
        Connect = "CONNECT",
        /// The URL of the attempt is known.
        UrlResolved = "URL_RESOLVED",
        /// The socket opened.
        Opened = "OPENED",
        /// The socket reported an error.
        SocketError = "SOCKET_ERROR",
        /// The global scope's `offline`.
        Offline = "OFFLINE",
        /// The global scope's `online`.
        Online = "ONLINE",
        /// `pagehide` with `persisted`.
        Suspend = "SUSPEND",
        /// `pageshow` with `persisted`.
        Resume = "RESUME",
        /// `visibilitychange` to visible.
        Wake = "WAKE",
        /// Session mode: the turn of the event loop an `AWAIT_TURN_END` was carried out in is
        /// over.
        TurnEnded = "TURN_ENDED",
        /// The setup step on socket `operand` finished.
        SetupDone = "SETUP_DONE",
        /// Whether anyone listens for messages now: the operand, 0 or 1 (`lazy`,
        /// `idleCloseMs`).
        Interest = "INTEREST",
    }
}

numbered! {
    /// What `read` reports.
    Figure, "FIGURE" {
        /// The connection state, by [`state_number`].
        State = "STATE",
        /// Retries since the last reset.
        RetryCount = "RETRY_COUNT",
        /// Messages waiting for the connection to open.
        QueuedCount = "QUEUED_COUNT",
        /// Their wire size.
        QueuedBytes = "QUEUED_BYTES",
        /// The round-trip time of the last heartbeat pong in ms; NaN before the first.
        RttMs = "RTT_MS",
    }
}

/// Added to `receive`'s answer when the core has something to do (outputs, or a deadline
/// that moved): the driver polls only then.
pub const RECEIVED_BUSY: u32 = 8;

numbered! {
    /// What `receive` says of an incoming message.
    ReceivedCode, "RECEIVED" {
        /// Deliver it.
        Message = "MESSAGE",
        /// Deliver it unless `answered` says it answers a request.
        MaybeAnswer = "MAYBE_ANSWER",
        /// The heartbeat's pong.
        Pong = "PONG",
        /// Larger than `maxMessageBytes`: report it, drop it.
        TooBig = "TOO_BIG",
        /// From a socket given up, or a session's control frame (the engine's): drop it.
        Stale = "STALE",
    }
}

numbered! {
    /// What arrived, as `receive` is told: in plain mode a message (the pong or not), in
    /// session mode a frame by its first character (text) or byte (binary).
    Incoming, "INCOMING" {
        /// A message.
        Message = "MESSAGE",
        /// A message that equals the heartbeat's pong (checked only with a heartbeat).
        Pong = "PONG",
        /// Session mode: a message frame (the message tag, then the message); its size is
        /// the message's, tag excluded.
        Tagged = "TAGGED",
        /// Session mode: a control frame (a text frame starting with the control tag), its
        /// whole text staged.
        Control = "CONTROL",
        /// Session mode: any other frame (empty, another first character, a binary frame not
        /// starting with the message tag).
        Invalid = "INVALID",
    }
}

numbered! {
    /// What `answered` says of an incoming message's id.
    AnswerCode, "ANSWER" {
        /// No request has that id: deliver the message.
        NotAnAnswer = "NONE",
        /// It answers that request: settle it with the message.
        Request = "REQUEST",
        /// A late or second answer: drop it.
        Late = "LATE",
    }
}

numbered! {
    /// Why an attempt or connection failed (`Op::Failed`).
    FailureKind, "FAILURE" {
        /// The URL provider failed.
        UrlProvider = "URL_PROVIDER",
        /// The browser refused to create the socket.
        InvalidUrl = "INVALID_URL",
        /// The browser reported an error on the socket.
        Socket = "SOCKET",
        /// The attempt did not open within `connectionTimeout`.
        ConnectTimeout = "CONNECT_TIMEOUT",
        /// Session mode: the server does not speak the session protocol.
        NotASessionServer = "NOT_A_SESSION_SERVER",
        /// Session mode: the server broke the session protocol.
        Protocol = "PROTOCOL",
        /// The setup step threw.
        Setup = "SETUP",
        /// The setup step did not finish within `setupTimeoutMs`.
        SetupTimeout = "SETUP_TIMEOUT",
    }
}

numbered! {
    /// Why a request ended without an answer (`Op::RequestFailed`).
    RequestFailureKind, "REQUEST_FAILURE" {
        /// No answer within its timeout.
        TimedOut = "TIMEOUT",
        /// The connection it was handed to was lost.
        ConnectionLost = "CONNECTION_LOST",
        /// The socket closed for good.
        Closed = "CLOSED",
        /// Pushed out of the queue by `overflow: "drop-oldest"`.
        Dropped = "DROPPED",
        /// To be sent again, and the queue was full.
        QueueFull = "QUEUE_FULL",
        /// Its frame's time to live ran out while it was queued.
        Expired = "EXPIRED",
        /// Its frame was taken back while queued, by its signal.
        Aborted = "ABORTED",
    }
}

numbered! {
    /// Why a message was taken back (`Op::Removed`): named in JavaScript's "removed" event by
    /// [`Removal::name`].
    RemovalKind, "REMOVAL" {
        /// Its time to live ran out while it was queued.
        Expired = "EXPIRED",
        /// Its signal aborted while it was queued.
        Aborted = "ABORTED",
    }
}

impl RemovalKind {
    /// The kind of `removal`.
    pub fn of(removal: Removal) -> RemovalKind {
        match removal {
            Removal::Expired => RemovalKind::Expired,
            Removal::Aborted => RemovalKind::Aborted,
        }
    }

    /// The removal of this kind.
    pub const fn removal(self) -> Removal {
        match self {
            RemovalKind::Expired => Removal::Expired,
            RemovalKind::Aborted => Removal::Aborted,
        }
    }
}

numbered! {
    /// What `send_with` did with a message: the low two bits of its answer, whose rest is the
    /// message's id for `cancel` (the answer divided by 4).
    SentCode, "SENT" {
        /// Queued.
        Queued = "QUEUED",
        /// Handed to the open socket.
        Now = "NOW",
        /// Volatile, and the connection not open: dropped, nothing queued.
        Skipped = "SKIPPED",
    }
}

impl FailureKind {
    /// The kind of `failure`, and its detail for `text()` if it has one.
    pub fn of(failure: Failure) -> (FailureKind, Option<String>) {
        match failure {
            Failure::UrlProvider(detail) => (FailureKind::UrlProvider, Some(detail)),
            Failure::InvalidUrl(detail) => (FailureKind::InvalidUrl, Some(detail)),
            Failure::Socket => (FailureKind::Socket, None),
            Failure::ConnectTimeout => (FailureKind::ConnectTimeout, None),
            Failure::NotASessionServer => (FailureKind::NotASessionServer, None),
            Failure::Protocol(detail) => (FailureKind::Protocol, Some(detail)),
            Failure::Setup(detail) => (FailureKind::Setup, Some(detail)),
            Failure::SetupTimeout => (FailureKind::SetupTimeout, None),
        }
    }

    /// The error's `code` in JavaScript, and the start of its message (the detail follows).
    pub const fn error(self) -> (&'static str, &'static str) {
        match self {
            FailureKind::UrlProvider => ("URL_PROVIDER", "the URL provider failed: "),
            FailureKind::InvalidUrl => ("INVALID_URL", "the browser refused the URL: "),
            FailureKind::Socket => (
                "SOCKET",
                "the connection failed or broke (WebSocket gives no detail)",
            ),
            FailureKind::ConnectTimeout => (
                "CONNECT_TIMEOUT",
                "the connection did not open within connectionTimeout",
            ),
            FailureKind::NotASessionServer => (
                "NOT_A_SESSION_SERVER",
                "the server does not speak resocket's session protocol (it did not select the \
                 resocket.v1 subprotocol)",
            ),
            FailureKind::Protocol => ("PROTOCOL", "the server broke the session protocol: "),
            FailureKind::Setup => ("SETUP", "the setup step failed: "),
            FailureKind::SetupTimeout => (
                "SETUP_TIMEOUT",
                "the setup step did not finish within setupTimeoutMs",
            ),
        }
    }
}

impl RequestFailureKind {
    /// The kind of `failure`, and the queue's capacity for a full queue (0 otherwise).
    pub fn of(failure: RequestFailure) -> (RequestFailureKind, usize) {
        match failure {
            RequestFailure::TimedOut => (RequestFailureKind::TimedOut, 0),
            RequestFailure::ConnectionLost => (RequestFailureKind::ConnectionLost, 0),
            RequestFailure::Closed => (RequestFailureKind::Closed, 0),
            RequestFailure::Dropped => (RequestFailureKind::Dropped, 0),
            RequestFailure::QueueFull { capacity } => (RequestFailureKind::QueueFull, capacity),
            RequestFailure::Expired => (RequestFailureKind::Expired, 0),
            RequestFailure::Aborted => (RequestFailureKind::Aborted, 0),
        }
    }

    /// The rejection's `code` in JavaScript.
    pub const fn error_code(self) -> &'static str {
        match self {
            RequestFailureKind::TimedOut => "REQUEST_TIMEOUT",
            RequestFailureKind::ConnectionLost => "CONNECTION_LOST",
            RequestFailureKind::Closed => "CLOSED",
            RequestFailureKind::Dropped => "DROPPED",
            RequestFailureKind::QueueFull => "QUEUE_FULL",
            RequestFailureKind::Expired => "EXPIRED",
            RequestFailureKind::Aborted => "ABORTED",
        }
    }
}

/// The states by number, as `read(FIGURE_STATE)` reports them (named in JavaScript's
/// `socket.state` by [`State::name`]): each with its `readyState` (every state that will
/// connect again is CONNECTING, 0). A table, not a `match`: `State` may grow, and a new state belongs here.
pub const STATES: [(State, u8); 8] = [
    (State::Connecting, 0),
    (State::Open, 1),
    (State::Closing, 2),
    (State::Closed, 3),
    (State::Waiting, 0),
    (State::Offline, 0),
    (State::Suspended, 0),
    (State::Idle, 0),
];

/// `state`'s number in [`STATES`] (a state missing from the table reads as closed).
pub fn state_number(state: State) -> u32 {
    let closed = STATES.iter().position(|&(s, _)| s == State::Closed);
    let index = STATES.iter().position(|&(s, _)| s == state).or(closed);
    index.unwrap_or(0) as u32
}

/// The numbers `create` takes, staged in this order as 64-bit floats (the final close codes
/// follow them): the policy option each sets. NaN turns the heartbeat (its interval), session
/// mode (its window), the setup step (its timeout) or the idle close off.
pub const POLICY_FIELDS: [PolicyOption; 14] = [
    PolicyOption::MinDelay,
    PolicyOption::MaxDelay,
    PolicyOption::GrowFactor,
    PolicyOption::Jitter,
    PolicyOption::MinUptime,
    PolicyOption::ConnectTimeout,
    PolicyOption::MaxRetries,
    PolicyOption::QueueCapacity,
    PolicyOption::MaxMessageBytes,
    PolicyOption::HeartbeatInterval,
    PolicyOption::HeartbeatTimeout,
    PolicyOption::SessionWindow,
    PolicyOption::SetupTimeout,
    PolicyOption::IdleClose,
];

/// What a policy field takes, for the JavaScript to check the options in the constructor,
/// before the engine may have loaded (it is fetched on first use): the same refusals as
/// `create` (a test runs the JavaScript's check against the engine's for each field).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// Milliseconds, rounded half away from zero: from `least` to [`MAX_TIMER_MS`], or to the
    /// (rounded) value of the field `up_to`.
    Millis {
        /// The least value.
        least: u32,
        /// The field whose value bounds this one, instead of the timer limit.
        up_to: Option<PolicyOption>,
    },
    /// A whole number from `least` to `most`, or, if `unlimited`, `Infinity`.
    Whole {
        /// The least value.
        least: u32,
        /// The greatest value.
        most: u32,
        /// Whether `Infinity` is taken (for no limit).
        unlimited: bool,
    },
    /// A finite number from `least` to `most`.
    Real {
        /// The least value.
        least: f64,
        /// The greatest value.
        most: f64,
    },
}

impl Rule {
    /// The rule of `option`, as `policy` in `policy.rs` and the core's validation apply it.
    pub const fn of(option: PolicyOption) -> Rule {
        match option {
            PolicyOption::MinDelay => Rule::Millis {
                least: 0,
                up_to: Some(PolicyOption::MaxDelay),
            },
            PolicyOption::MaxDelay | PolicyOption::MinUptime | PolicyOption::IdleClose => {
                Rule::Millis {
                    least: 0,
                    up_to: None,
                }
            }
            PolicyOption::ConnectTimeout
            | PolicyOption::HeartbeatInterval
            | PolicyOption::HeartbeatTimeout
            | PolicyOption::SetupTimeout => Rule::Millis {
                least: 1,
                up_to: None,
            },
            PolicyOption::GrowFactor => Rule::Real {
                least: 1.0,
                most: f64::MAX,
            },
            PolicyOption::Jitter => Rule::Real {
                least: 0.0,
                most: 1.0,
            },
            PolicyOption::MaxRetries => Rule::Whole {
                least: 0,
                most: u32::MAX,
                unlimited: true,
            },
            PolicyOption::QueueCapacity | PolicyOption::MaxMessageBytes => Rule::Whole {
                least: 1,
                most: u32::MAX,
                unlimited: true,
            },
            PolicyOption::FinalCodes => Rule::Whole {
                least: 1000,
                most: 4999,
                unlimited: false,
            },
            PolicyOption::SessionWindow => Rule::Whole {
                least: 1,
                most: u32::MAX,
                unlimited: false,
            },
        }
    }

    /// The rule as the JavaScript reads it: `[kind, least, most, upTo]`; kind 0 milliseconds,
    /// 1 a whole number, 2 a whole number or `Infinity`, 3 a finite number; `upTo` the index
    /// of the bounding field in [`POLICY_FIELDS`], or -1.
    fn js(self) -> String {
        match self {
            Rule::Millis { least, up_to } => {
                let up_to = up_to
                    .and_then(|o| POLICY_FIELDS.iter().position(|&f| f == o))
                    .map_or(-1, |index| index as i64);
                format!("[0, {least}, {MAX_TIMER_MS}, {up_to}]")
            }
            Rule::Whole {
                least,
                most,
                unlimited,
            } => format!("[{}, {least}, {most}, -1]", 1 + u8::from(unlimited)),
            Rule::Real { least, most } => format!("[3, {least:?}, {most:?}, -1]"),
        }
    }
}

/// A policy option's name in the JavaScript face.
pub const fn js_option(option: PolicyOption) -> &'static str {
    match option {
        PolicyOption::MinDelay => "minReconnectionDelay",
        PolicyOption::MaxDelay => "maxReconnectionDelay",
        PolicyOption::GrowFactor => "reconnectionDelayGrowFactor",
        PolicyOption::Jitter => "jitter",
        PolicyOption::MinUptime => "minUptime",
        PolicyOption::ConnectTimeout => "connectionTimeout",
        PolicyOption::MaxRetries => "maxRetries",
        PolicyOption::QueueCapacity => "maxEnqueuedMessages",
        PolicyOption::MaxMessageBytes => "maxMessageBytes",
        PolicyOption::HeartbeatInterval => "heartbeat.intervalMs",
        PolicyOption::HeartbeatTimeout => "heartbeat.timeoutMs",
        PolicyOption::FinalCodes => FINAL_CODES_OPTION,
        PolicyOption::SessionWindow => "session.window",
        PolicyOption::SetupTimeout => "setupTimeoutMs",
        PolicyOption::IdleClose => "idleCloseMs",
    }
}

/// The JavaScript name of the final close codes option.
pub const FINAL_CODES_OPTION: &str = "finalCloseCodes";

/// The JavaScript module the package imports: every number above as a constant the minifier
/// inlines, the tables, and the options' defaults from [`Policy::default`].
pub fn js_module() -> String {
    let mut js = String::from(
        "// Generated from npm-core/src/contract.rs by `make contract`: do not edit.\n\
         // The numbers the engine (npm-core) and the package's JavaScript agree on.\n",
    );
    constants(
        &mut js,
        Op::PREFIX,
        Op::ALL.iter().map(|v| (v.js_name(), v.number())),
    );
    constants(
        &mut js,
        Signal::PREFIX,
        Signal::ALL.iter().map(|v| (v.js_name(), v.number())),
    );
    constants(
        &mut js,
        Figure::PREFIX,
        Figure::ALL.iter().map(|v| (v.js_name(), v.number())),
    );
    let received = ReceivedCode::ALL.iter().map(|v| (v.js_name(), v.number()));
    constants(&mut js, ReceivedCode::PREFIX, received);
    constants(
        &mut js,
        ReceivedCode::PREFIX,
        [("BUSY", RECEIVED_BUSY)].into_iter(),
    );
    constants(
        &mut js,
        Incoming::PREFIX,
        Incoming::ALL.iter().map(|v| (v.js_name(), v.number())),
    );
    constants(
        &mut js,
        AnswerCode::PREFIX,
        AnswerCode::ALL.iter().map(|v| (v.js_name(), v.number())),
    );
    let kinds = RequestFailureKind::ALL
        .iter()
        .map(|v| (v.js_name(), v.number()));
    constants(&mut js, RequestFailureKind::PREFIX, kinds);
    js.push_str("/** By failure kind: the error code and the start of its message. */\n");
    let failures = FailureKind::ALL.iter().map(|kind| {
        let (code, message) = kind.error();
        format!("[{}, {}]", quote(code), quote(message))
    });
    list(&mut js, "FAILURES", failures);
    js.push_str("/** By request failure kind: the rejection's code. */\n");
    let codes = RequestFailureKind::ALL
        .iter()
        .map(|kind| quote(kind.error_code()));
    list(&mut js, "REQUEST_FAILURES", codes);
    constants(
        &mut js,
        SentCode::PREFIX,
        SentCode::ALL.iter().map(|v| (v.js_name(), v.number())),
    );
    js.push_str("/** By removal kind: the \"removed\" event's `reason`. */\n");
    let removals = RemovalKind::ALL
        .iter()
        .map(|kind| quote(kind.removal().name()));
    list(&mut js, "REMOVALS", removals);
    js.push_str("/** The states by number, as `state` names them. */\n");
    list(
        &mut js,
        "STATES",
        STATES.iter().map(|(state, _)| quote(state.name())),
    );
    js.push_str("/** `readyState` by state number. */\n");
    list(
        &mut js,
        "READY_STATES",
        STATES.iter().map(|(_, ready)| ready.to_string()),
    );
    js.push_str("/** The options `create` takes, in order (the final close codes follow). */\n");
    list(
        &mut js,
        "POLICY_FIELDS",
        POLICY_FIELDS.iter().map(|&option| quote(js_option(option))),
    );
    js.push_str("/** By policy field: what a valid value looks like, as the engine says it. */\n");
    list(
        &mut js,
        "POLICY_EXPECTED",
        POLICY_FIELDS.iter().map(|option| quote(option.expected())),
    );
    js.push_str(
        "/** By policy field: [kind (0 milliseconds, rounded; 1 a whole number; 2 a whole \
         number or Infinity; 3 a finite number), least, most, the index of the field bounding \
         it or -1]. NaN leaves a heartbeat field or the session window out. */\n",
    );
    list(
        &mut js,
        "POLICY_RULES",
        POLICY_FIELDS.iter().map(|&option| Rule::of(option).js()),
    );
    js.push_str(&format!(
        "/** The index of `{FINAL_CODES_OPTION}` in `create`'s refusals. */\nexport const FINAL_CODES_FIELD = {};\n",
        POLICY_FIELDS.len()
    ));
    js.push_str(&format!(
        "/** What `{FINAL_CODES_OPTION}` must hold, and the rule of each code. */\nexport const FINAL_CODES_EXPECTED = {};\nexport const FINAL_CODES_RULE = {};\n",
        quote(PolicyOption::FinalCodes.expected()),
        Rule::of(PolicyOption::FinalCodes).js()
    ));
    js.push_str(&format!(
        "/** The longest delay a browser timer takes. */\nexport const MAX_TIMER_MS = {MAX_TIMER_MS};\n"
    ));
    js.push_str(&format!(
        "/** Session mode: the subprotocol offered, and the first character code of a message \
         frame, of a batch frame and of a control frame. */\nexport const SESSION_SUBPROTOCOL = {};\n\
         export const MESSAGE_TAG = {MESSAGE_TAG};\nexport const BATCH_TAG = {BATCH_TAG};\n\
         export const CONTROL_TAG = {};\n",
        quote(SUBPROTOCOL),
        u32::from(CONTROL_TAG)
    ));
    defaults(&mut js);
    js
}

/// The options' defaults, from the core's.
fn defaults(js: &mut String) {
    let policy = Policy::default();
    let backoff = &policy.backoff;
    let codes: Vec<String> = policy.final_codes.iter().map(u16::to_string).collect();
    let fields = [
        ("minReconnectionDelay", backoff.min_delay_ms.to_string()),
        ("maxReconnectionDelay", backoff.max_delay_ms.to_string()),
        (
            "reconnectionDelayGrowFactor",
            backoff.grow_factor.to_string(),
        ),
        ("jitter", backoff.jitter.to_string()),
        ("minUptime", policy.min_uptime_ms.to_string()),
        ("connectionTimeout", policy.connect_timeout_ms.to_string()),
        (
            "maxRetries",
            policy
                .max_retries
                .map_or("Infinity".into(), |n| n.to_string()),
        ),
        ("maxEnqueuedMessages", policy.queue_capacity.to_string()),
        ("maxMessageBytes", DEFAULT_MAX_MESSAGE_BYTES.to_string()),
        (FINAL_CODES_OPTION, format!("[{}]", codes.join(", "))),
        (
            &quote(js_option(PolicyOption::SessionWindow)),
            DEFAULT_WINDOW.to_string(),
        ),
        (
            js_option(PolicyOption::SetupTimeout),
            DEFAULT_SETUP_TIMEOUT_MS.to_string(),
        ),
    ];
    js.push_str("/** The options' defaults: the core's. */\nexport const DEFAULTS = {\n");
    for (name, value) in fields {
        js.push_str(&format!("  {name}: {value},\n"));
    }
    js.push_str("};\n");
}

fn constants<'a>(js: &mut String, prefix: &str, values: impl Iterator<Item = (&'a str, u32)>) {
    for (name, number) in values {
        js.push_str(&format!("export const {prefix}_{name} = {number};\n"));
    }
}

fn list(js: &mut String, name: &str, items: impl Iterator<Item = String>) {
    let items: Vec<String> = items.collect();
    js.push_str(&format!("export const {name} = [{}];\n", items.join(", ")));
}

/// `text` as a JavaScript string literal (the texts here are plain ASCII without quotes or
/// backslashes, which [`js_module`]'s test checks).
fn quote(text: &str) -> String {
    format!("\"{text}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_declaration_order() {
        for (index, op) in Op::ALL.iter().enumerate() {
            assert_eq!(op.number() as usize, index);
            assert_eq!(Op::from_number(index as u32), Some(*op));
        }
        assert_eq!(Op::from_number(Op::ALL.len() as u32), None);
        assert_eq!(Signal::from_number(u32::MAX), None);
    }

    #[test]
    fn every_state_has_a_number() {
        for (index, &(state, ..)) in STATES.iter().enumerate() {
            assert_eq!(state_number(state) as usize, index);
        }
    }

    #[test]
    fn the_generated_module_quotes_plain_text_only() {
        let js = js_module();
        for line in js.lines().filter(|line| line.contains('"')) {
            let quoted = line.split('"').skip(1).step_by(2);
            for text in quoted {
                assert!(text.chars().all(|c| c.is_ascii() && c != '\\'), "{text}");
            }
        }
        assert!(js.contains("export const OP_IDLE = 0;\n"));
        assert!(js.contains("export const DEFAULTS = {\n  minReconnectionDelay: 1000,"));
    }

    /// The hand-written types name every error code and state the engine can report.
    #[test]
    fn the_types_name_every_code_and_state() {
        let types = include_str!("../../src/js/resocket.d.ts");
        let union = |name: &str| {
            let start = types
                .find(name)
                .unwrap_or_else(|| panic!("{name} in resocket.d.ts"));
            let end = start + types[start..].find(';').unwrap_or(0);
            types[start..end].to_owned()
        };
        let codes = union("readonly code:\n");
        let failures = FailureKind::ALL.iter().map(|kind| kind.error().0);
        let requests = RequestFailureKind::ALL.iter().map(|kind| kind.error_code());
        for code in failures.chain(requests) {
            assert!(
                codes.contains(&quote(code)),
                "ReSocketError's code lacks {code}"
            );
        }
        let states = union("export type ReSocketState =");
        for name in STATES.map(|(state, _)| state.name()) {
            let name = quote(name);
            assert!(states.contains(&name), "ReSocketState lacks {name}");
        }
    }

    #[test]
    fn the_checked_in_module_is_current() {
        let checked_in = include_str!("../../src/js/contract.js");
        assert!(
            checked_in == js_module(),
            "src/js/contract.js is out of date: run `make contract`"
        );
    }
}
