//! What passes between the machine and a driver: the inputs it takes, the outputs it asks
//! for, and the ids that tie socket events to the socket they came from.
//!
//! A driver does IO only: it creates, sends on and closes browser sockets, runs the timers the
//! machine starts, and reports what the browser said. Everything it reports is a fact (an
//! event, a size, whether a message equals the pong, `navigator.onLine` at that moment); every
//! decision about those facts is the machine's.

use super::control::Removal;
use super::event::Event;
use super::requests::RequestFailure;

/// Identifies one socket (one connection attempt). Events from a socket the machine has moved
/// on from carry an old id and are ignored, so a late event can never disturb a newer socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// The timers the machine runs, privately: at most one of each kind is pending, and a driver
/// sees only the earliest deadline. Named for tests and diagnostics
/// ([`Machine::timer_due`](super::Machine::timer_due)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// The backoff delay before the next attempt.
    Retry,
    /// The opening handshake (`connect_timeout`; in session mode until the welcome), the setup
    /// step after it (`setup_timeout`), or the closing handshake after a close.
    Handshake,
    /// `min_uptime`: after it the retry count resets.
    Uptime,
    /// The heartbeat interval.
    Ping,
    /// The heartbeat timeout after a ping.
    PongDeadline,
    /// A later look at `bufferedAmount`, while the browser still holds many sent messages
    /// that are kept in case they must be sent again.
    Buffered,
    /// The earliest deadline of the requests waiting for their answers.
    Requests,
    /// In session mode, when the acknowledgement owed to the server falls due.
    SessionAck,
    /// The earliest deadline of the queued messages sent with a time to live.
    Expiry,
    /// `idle_close`: the open connection has been idle this long.
    IdleClose,
}

impl Timer {
    /// Every timer kind.
    pub const ALL: [Timer; 10] = [
        Timer::Retry,
        Timer::Handshake,
        Timer::Uptime,
        Timer::Ping,
        Timer::PongDeadline,
        Timer::Buffered,
        Timer::Requests,
        Timer::SessionAck,
        Timer::Expiry,
        Timer::IdleClose,
    ];

    /// A dense index, one slot per kind.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Something that happened: a user request, a socket event or a timer expiry.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// Start connecting, if closed.
    Connect {
        /// `navigator.onLine` now (true where the browser has no such flag): while it is
        /// false the socket waits in [`State::Offline`](super::State::Offline) instead.
        online: bool,
    },
    /// Close for good: no reconnect follows.
    Close {
        /// The code to send (checked by [`check_user_close`](super::close::check_user_close)).
        code: u16,
        /// The reason to send.
        reason: String,
    },
    /// Drop the current connection, if any, and start a fresh attempt at once with the retry
    /// count reset.
    Reconnect {
        /// The code to close the current connection with.
        code: u16,
        /// The reason to close the current connection with.
        reason: String,
        /// `navigator.onLine` now: the browser's network flag may have changed without an
        /// event reaching this socket. A reconnect by hand tries even while it is false.
        online: bool,
    },
    /// The URL for an attempt is known.
    UrlResolved {
        /// The attempt.
        conn: ConnId,
        /// The URL to open.
        url: String,
    },
    /// The URL provider failed.
    UrlFailed {
        /// The attempt.
        conn: ConnId,
        /// What went wrong.
        error: String,
    },
    /// Creating the socket failed (for example, the browser rejected the URL).
    OpenFailed {
        /// The attempt.
        conn: ConnId,
        /// What went wrong.
        error: String,
    },
    /// The socket opened.
    Opened {
        /// The socket.
        conn: ConnId,
        /// The subprotocol the server selected (`WebSocket.protocol`), empty for none.
        protocol: String,
    },
    /// The answer to [`Output::MeasureBuffered`]: the socket's `bufferedAmount`.
    Buffered {
        /// The socket.
        conn: ConnId,
        /// Bytes handed to the socket that the browser has not transmitted yet.
        unsent_bytes: u64,
    },
    /// The socket reported an error.
    SocketError {
        /// The socket.
        conn: ConnId,
    },
    /// The socket closed.
    Closed {
        /// The socket.
        conn: ConnId,
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
        /// Whether the closing handshake completed.
        was_clean: bool,
        /// The socket's `bufferedAmount` at the close: the newest messages it covers were
        /// never transmitted and are sent again on the next connection.
        unsent_bytes: u64,
        /// The user's `should_reconnect` verdict for this close: asked only when
        /// [`Machine::asks_about_close`](super::Machine::asks_about_close) says so, true
        /// otherwise (and when no predicate is set).
        reconnect_allowed: bool,
    },
    /// The browser reports the network lost (`offline` on the global scope, or
    /// `navigator.onLine` false at start). No attempt starts and no retry is scheduled until
    /// [`Online`](Input::Online): a wait for a retry stops, and a lost connection or failed
    /// attempt waits in [`State::Offline`] instead of retrying. An attempt under way runs its
    /// course; an open connection is kept (browsers keep loopback and some local connections
    /// up) and, with the heartbeat on, checked at once with a ping.
    Offline,
    /// The browser reports the network back (`online`). A socket in [`State::Offline`] starts
    /// an attempt at once, with the retry count reset (its failures were the network's); an
    /// open connection is checked at once with a ping, with the heartbeat on, as the route
    /// under it may have changed.
    Online,
    /// The page is going into the back/forward cache (`pagehide` with `persisted`). The
    /// connection is abandoned (reported as closed with 1001, "going away"; the wire carries
    /// 1000, as browsers let scripts send no 1001) and nothing is retried until
    /// [`Resume`](Input::Resume); sends are queued meanwhile. A close the user asked for
    /// ends at once.
    Suspend,
    /// The page came back from the back/forward cache (`pageshow` with `persisted`): a
    /// suspended socket starts an attempt at once, with the retry count reset, unless the
    /// network is lost.
    Resume {
        /// `navigator.onLine` now: the network may have come or gone while the page sat in
        /// the cache, with no event to say so.
        online: bool,
    },
    /// The page became visible again (`visibilitychange`). Its timers may have been throttled
    /// for a long while, so with the heartbeat on an open connection is checked at once: a
    /// ping, unless one already awaits its pong.
    Wake,
    /// The turn of the event loop an [`Output::AwaitTurnEnd`] was carried out in has ended:
    /// the messages sent since its first go out.
    TurnEnded,
    /// The setup step an [`Output::RunSetup`] started on socket `conn` finished: the queue is
    /// flushed and the connection opens.
    SetupDone {
        /// The socket.
        conn: ConnId,
    },
    /// The setup step on socket `conn` failed (threw, or was refused): the connection is
    /// closed and retried by the backoff policy.
    SetupFailed {
        /// The socket.
        conn: ConnId,
        /// What went wrong, for the user.
        error: String,
    },
    /// Whether the user listens for messages now (the JavaScript face: a `message` listener or
    /// `onmessage`; the Rust face: its event stream polled and not dropped). With
    /// [`Policy::lazy`](super::Policy::lazy) or
    /// [`Policy::idle_close_ms`](super::Policy::idle_close_ms), listening is a demand that
    /// connects, and keeps the connection from idling.
    Interest {
        /// Whether anyone listens.
        listening: bool,
    },
}

/// Something the driver must do, in the order given.
#[derive(Clone, Debug, PartialEq)]
pub enum Output<F> {
    /// Work out the URL for a new attempt, then answer with [`Input::UrlResolved`] or
    /// [`Input::UrlFailed`].
    ResolveUrl {
        /// The attempt.
        conn: ConnId,
    },
    /// Create a socket for the URL; answer with [`Input::OpenFailed`] if that throws.
    Connect {
        /// The new socket's id, to tag its events with.
        conn: ConnId,
        /// The URL.
        url: String,
        /// In session mode, offer the session subprotocol
        /// ([`SUBPROTOCOL`](crate::session::SUBPROTOCOL)) after the user's. False in plain
        /// mode, and for the attempt that checks whether a server that keeps failing the
        /// handshake speaks the protocol at all.
        session: bool,
    },
    /// Send a message on the open socket. In session mode, as the protocol's message frame:
    /// the `m` tag, then the message.
    Transmit(F),
    /// In session mode, send these text messages, oldest first, in one batch frame on the open
    /// socket: the `b` tag, then a JSON array of them (`PROTOCOL.md`). Only to a server whose
    /// terms say it reads batches.
    TransmitBatch(Vec<F>),
    /// In session mode, a message went out as the first of a turn of the driver's event loop,
    /// and the ones sent in the rest of the turn wait to go out together: feed
    /// [`Input::TurnEnded`] once the turn ends, at a microtask (`queueMicrotask`), before any
    /// other task runs.
    AwaitTurnEnd,
    /// In session mode, send this control frame's text as it is, on the open socket.
    Control(String),
    /// In session mode, the server's welcome on a new connection settled the session: it
    /// went on (`recovered`), or the server no longer had it and a new one began. Tell the
    /// user, with the messages of unknown fate: they reached a connection, were never
    /// acknowledged, and are not sent again.
    Resumed {
        /// Whether the session went on.
        recovered: bool,
        /// When not recovered, the lost session's unacknowledged messages, oldest first.
        unacknowledged: Vec<F>,
    },
    /// Run the user's setup step on socket `conn`, which is open (in session mode: welcomed,
    /// with the messages the server lacked sent again) while nothing queued has gone out.
    /// What the step sends goes through [`Machine::send_setup`](super::Machine::send_setup)
    /// and [`Machine::request_setup`](super::Machine::request_setup), ahead of the queue; the
    /// driver answers with [`Input::SetupDone`] or [`Input::SetupFailed`].
    RunSetup {
        /// The socket.
        conn: ConnId,
        /// How many times the setup step has run on this socket, this time included.
        attempt: u32,
        /// In session mode, whether the server resumed the session (what the last setup
        /// established may still stand); false otherwise.
        resumed: bool,
    },
    /// Send the heartbeat ping on the open socket.
    Ping,
    /// Read the socket's `bufferedAmount` and answer with [`Input::Buffered`], so messages
    /// the browser has transmitted need no longer be kept for a resend.
    MeasureBuffered {
        /// The socket.
        conn: ConnId,
    },
    /// Start the closing handshake and keep listening: an [`Input::Closed`] follows.
    Close {
        /// The socket.
        conn: ConnId,
        /// The code.
        code: u16,
        /// The reason.
        reason: String,
    },
    /// Close the socket, detach its handlers and forget it: no input may follow for it.
    Abandon {
        /// The socket.
        conn: ConnId,
        /// The code.
        code: u16,
        /// The reason.
        reason: String,
    },
    /// A request ended without an answer: fail it. Its id is remembered, so an answer that
    /// comes later is dropped.
    RequestFailed {
        /// The request's id.
        id: u64,
        /// Why.
        failure: RequestFailure,
    },
    /// Tell the user.
    Emit(Event),
    /// A message was taken back before any socket had it: its time to live ran out, or its
    /// sender cancelled it. Tell the user, with the message. (A request's frame taken back
    /// fails its request instead: [`Output::RequestFailed`].)
    Removed {
        /// The message.
        frame: F,
        /// Why.
        reason: Removal,
    },
}
