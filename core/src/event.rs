//! What the machine tells the outside world: events, connection state, send results.

/// Something the user of the socket should hear about.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The connection opened (and its setup step, if any, finished); queued messages were
    /// already handed to it.
    Open,
    /// A connection ended, or the user closed a socket that had none.
    ///
    /// Emitted once for every socket that was created, whether or not it opened, and once
    /// when [`close`](super::Input::Close) ends a wait for a retry.
    Closed(Closed),
    /// A retry was scheduled.
    Reconnecting {
        /// Retry number since the last reset, counting from 1.
        attempt: u32,
        /// How long until the attempt starts, in milliseconds.
        delay_ms: u32,
    },
    /// An attempt or connection failed; the following events say what happens next.
    Failed(Failure),
    /// `max_retries` were spent: the socket stays closed until it is reconnected by hand.
    RetriesExhausted {
        /// The retries made.
        retries: u32,
    },
    /// The browser reports the network lost, while the socket is connected or trying, or the
    /// socket was started while it was lost. No attempt starts until [`Online`](Event::Online)
    /// (a lost connection or a failed attempt waits in [`State::Offline`] instead of
    /// retrying); an open connection is kept, as it may still work (loopback, local network).
    Offline,
    /// The browser reports the network back, after an [`Offline`](Event::Offline): a socket
    /// waiting in [`State::Offline`] starts an attempt at once, with the retry count reset.
    Online,
    /// The [`State`] changed: reported after the other events of the same input, once per
    /// input that changed it (a state passed through within one input is not reported).
    StateChanged(State),
}

/// How a connection ended (or the wait for one), as [`Event::Closed`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closed {
    /// The close code (1006 when no close frame was received).
    pub code: u16,
    /// The close reason, possibly empty.
    pub reason: String,
    /// Whether the closing handshake completed.
    pub was_clean: bool,
    /// Whether another attempt follows.
    pub will_reconnect: bool,
    /// Messages the browser had not transmitted when the socket died: they are back at the
    /// front of the queue, in order, and go out first on the next connection.
    pub requeued: usize,
    /// Messages the browser transmitted, or may have, on this connection that no heartbeat
    /// pong confirmed: whether the server read them is unknown.
    pub unconfirmed: u64,
}

/// Why an attempt or connection failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The URL provider returned an error.
    UrlProvider(String),
    /// The browser refused to create a socket for the URL (or protocols) given.
    InvalidUrl(String),
    /// The browser reported an error on the socket. Browsers deliberately give no detail;
    /// the close event that follows carries the code.
    Socket,
    /// The attempt did not open within `connect_timeout` (in session mode: did not open and
    /// get the server's welcome within it).
    ConnectTimeout,
    /// In session mode, the server did not select the `resocket.v1` subprotocol: it does not
    /// speak the session protocol. The socket closes for good rather than send it anything.
    NotASessionServer,
    /// In session mode, the server broke the session protocol: the connection is closed with
    /// 1002, and the next one starts a new session.
    Protocol(String),
    /// The setup step ([`Policy::setup_timeout_ms`](crate::Policy::setup_timeout_ms)) failed
    /// with this error: the connection is closed and retried by the backoff policy.
    Setup(String),
    /// The setup step did not finish within `setup_timeout`: the connection is closed and
    /// retried by the backoff policy.
    SetupTimeout,
}

impl core::fmt::Display for Failure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Failure::UrlProvider(error) => write!(f, "the URL provider failed: {error}"),
            Failure::InvalidUrl(error) => write!(f, "the browser refused the URL: {error}"),
            Failure::Socket => {
                f.write_str("the connection failed or broke (WebSocket gives no detail)")
            }
            Failure::ConnectTimeout => {
                f.write_str("the connection did not open within connect_timeout")
            }
            Failure::NotASessionServer => f.write_str(
                "the server does not speak resocket's session protocol (it did not select the \
                 resocket.v1 subprotocol)",
            ),
            Failure::Protocol(reason) => {
                write!(f, "the server broke the session protocol: {reason}")
            }
            Failure::Setup(error) => write!(f, "the setup step failed: {error}"),
            Failure::SetupTimeout => {
                f.write_str("the setup step did not finish within setup_timeout")
            }
        }
    }
}

/// The connection state, as the user sees it. More states may come: match with a wildcard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum State {
    /// An attempt is under way: resolving the URL or waiting for the handshake.
    Connecting,
    /// Connected: sends go straight to the socket.
    Open,
    /// The user asked to close; waiting for the closing handshake.
    Closing,
    /// Waiting out the backoff delay before the next attempt; sends are queued.
    Waiting,
    /// Not connected, and not trying until the browser reports the network back; sends are
    /// queued.
    Offline,
    /// Not connected because the page is in the back/forward cache; an attempt starts when it
    /// is shown again. Sends are queued.
    Suspended,
    /// Not connected and not trying: not started yet (sends are queued for the first
    /// connection), closed by the user, closed by the server with a final code, or out of
    /// retries (sends are refused).
    Closed,
    /// Not connected, and not trying until something is wanted ([`Policy::lazy`] before the
    /// first demand, or after [`Policy::idle_close_ms`] closed an idle connection): a send, a
    /// request or a listener connects. Sends are queued.
    ///
    /// [`Policy::lazy`]: super::Policy::lazy
    /// [`Policy::idle_close_ms`]: super::Policy::idle_close_ms
    Idle,
}

impl State {
    /// The state's name, as the JavaScript face's `state` property gives it (`"waiting"`).
    pub fn name(self) -> &'static str {
        match self {
            State::Connecting => "connecting",
            State::Open => "open",
            State::Closing => "closing",
            State::Waiting => "waiting",
            State::Offline => "offline",
            State::Suspended => "suspended",
            State::Closed => "closed",
            State::Idle => "idle",
        }
    }
}

/// The state's [`name`](State::name), for a UI or a log line.
impl core::fmt::Display for State {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a sent message went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    /// Handed to the open socket: the browser transmits it. This is not a delivery receipt;
    /// a [`Closed`](Event::Closed) event counts what a dying connection left unconfirmed.
    Now,
    /// Queued until the connection opens.
    Queued {
        /// Older queued messages dropped to make room (only with `Overflow::DropOldest`).
        dropped: usize,
    },
    /// A volatile message ([`SendOptions::volatile`](super::SendOptions::volatile)) found the
    /// connection not open (in session mode: the session not ready): it was dropped, and
    /// nothing was queued.
    Skipped,
}

/// Why a message was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendError {
    /// The socket is closed or closing; reconnect it first.
    Closed,
    /// The queue already holds `capacity` messages and the policy is to reject.
    QueueFull {
        /// The queue's capacity.
        capacity: usize,
    },
    /// In session mode, the unacknowledged messages fill the session's window: wait for the
    /// server's acknowledgements.
    WindowFull {
        /// The window, in bytes.
        window: u64,
    },
}

/// A message that was not accepted, handed back with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected<F> {
    /// The message, untouched.
    pub frame: F,
    /// Why it was refused.
    pub error: SendError,
}
