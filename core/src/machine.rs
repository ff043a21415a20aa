//! The connection state machine: the only place that decides what happens next.
//!
//! It takes inputs (user requests, socket events, timer expiries), each with the current time,
//! and queues outputs for the driver to carry out in order. It never touches the browser,
//! reads no clock and draws no randomness of its own, so every policy can be tested natively
//! with a simulated clock.
//!
//! The browser's view of the network and the page comes in as inputs too: while the network
//! is reported lost or the page sits in the back/forward cache, the machine is paused (no
//! attempt starts, no retry timer runs) and resumes at once when that ends.

use std::collections::VecDeque;

use super::backoff::Rng;
use super::close::{ABNORMAL, GOING_AWAY, HEARTBEAT_TIMEOUT, NORMAL, TRY_AGAIN_LATER, WILL_RESUME};
use super::session::{
    Accepted, ClientSession, Control, Probe, SUBPROTOCOL, Saved, Slot, Transmission, Welcomed,
    WindowFull,
};

/// The close code of a connection whose peer broke the session protocol.
const PROTOCOL_ERROR: u16 = 1002;

/// How long after a `bufferedAmount` reading that left many messages held the next one is
/// taken: a burst of sends is read only at its end (the value moves between tasks), so without
/// a later look the messages of the last burst would stay held until the connection ends.
const BUFFERED_RECHECK_MS: u32 = 200;

/// How long a socket that reported an error while connecting has to report its close, before
/// it is given up as a failed handshake. Browsers report the close (1006) at once, as the
/// standard says; Node.js 22's `WebSocket` never does, and without this the attempt would
/// last until the connect timeout.
const CLOSE_AFTER_HANDSHAKE_ERROR_MS: u32 = 100;
use super::control::{Deadlines, MessageId, Removal, SendOptions};
use super::event::{Closed, Event, Failure, Rejected, SendError, Sent, State};
use super::heartbeat::{Liveness, PingDue};
use super::in_flight::{InFlight, Settled, WireSize};
use super::incoming::{Received, SessionFrame};
use super::io::{ConnId, Input, Output, Timer};
use super::policy::{MAX_TIMER_MS, Policy, PolicyError, PolicyOption};
use super::queue::SendQueue;
use super::requests::{Answered, RequestFailure, Requests, SETUP_SEQ};
use super::timers::Timers;

/// How a socket ended, as far as the machine knows.
struct Ending {
    code: u16,
    reason: String,
    was_clean: bool,
    /// The socket's final `bufferedAmount`; `None` when it was given up before it closed,
    /// so the browser may still send what it holds.
    unsent_bytes: Option<u64>,
}

impl Ending {
    fn abandoned(code: u16, reason: &str) -> Self {
        Ending {
            code,
            reason: reason.into(),
            was_clean: false,
            unsent_bytes: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Not started yet (a socket opened with `start_closed`): sends are queued for the first
    /// connection, as the user has not said they are done.
    Idle,
    Closed,
    Resolving(ConnId),
    Connecting(ConnId),
    Open(ConnId),
    Closing(ConnId),
    Waiting,
    /// Not connected, not trying: the network is lost or the page suspended.
    Paused,
    /// Not connected, not trying until something is wanted (`lazy`, `idle_close_ms`).
    Dormant,
}

/// The connection state machine, generic over the outgoing frame type `F`.
///
/// ```
/// use resocket_core::{Input, Machine, Output, Policy};
///
/// let mut machine: Machine<String> = Machine::new(Policy::default(), 7).unwrap();
/// machine.handle(Input::Connect { online: true }, 0.0);
/// assert!(matches!(machine.poll_output(), Some(Output::ResolveUrl { .. })));
/// // The connect timeout runs: the driver arms one timer for the machine's next deadline.
/// assert_eq!(machine.poll_timeout(), Some(5_000.0));
/// ```
#[derive(Debug)]
pub struct Machine<F> {
    policy: Policy,
    phase: Phase,
    retries: u32,
    last_conn: u64,
    rng: Rng,
    queue: SendQueue<F>,
    liveness: Option<Liveness>,
    /// The messages handed to the open socket, while one is open.
    in_flight: Option<InFlight<F>>,
    /// The heartbeat ping's size, as `bufferedAmount` counts it.
    ping_size: u64,
    rtt_ms: Option<f64>,
    timers: Timers,
    /// The time of the input being handled.
    now: f64,
    /// The browser reported the network lost.
    offline: bool,
    /// The page is in the back/forward cache.
    suspended: bool,
    /// The sequence number the next accepted frame gets (see [`Requests`]).
    next_seq: u64,
    requests: Requests<F>,
    outputs: VecDeque<Output<F>>,
    /// The state last reported with [`Event::StateChanged`].
    reported_state: State,
    /// In session mode ([`Policy::session`]), the session across connections; it keeps the
    /// messages sent until the server acknowledges them, in place of the queue.
    session: Slot<F>,
    /// In session mode, whether the next attempt checks for a server without the protocol.
    probe: Probe,
    /// The open connection runs its setup step ([`Output::RunSetup`]): sends wait in the
    /// queue (in session mode too) and the user hears of the open once it is done.
    setting_up: bool,
    /// The connecting socket that reported an error, whose close is awaited for
    /// [`CLOSE_AFTER_HANDSHAKE_ERROR_MS`].
    handshake_errored: Option<ConnId>,
    /// How many times the setup step has run.
    setup_runs: u32,
    /// In session mode, the session's count of messages sent just after the last setup step's
    /// newest message: until the server acknowledges that many, messages sent before the step
    /// may be held behind the step's.
    setup_numbered_until: u64,
    /// The deadlines of the messages sent with a time to live.
    deadlines: Deadlines,
    /// In session mode, the sequence numbers of the newest messages the session keeps, in the
    /// session's order (a setup step's messages, [`SETUP_SEQ`], go ahead of older ones that
    /// waited for it; those acknowledged are let go lazily): where to find a message to take
    /// back.
    session_seqs: VecDeque<u64>,
    /// The user listens for messages ([`Input::Interest`]).
    interest: bool,
    /// The closing handshake under way is an idle close: the socket rests afterwards, and
    /// sends meanwhile are queued for the next connection.
    idle_closing: bool,
    /// Something was sent since the idle timer started: when it fires, the wait starts over
    /// instead of closing. (A send carries no time to restart the timer with.)
    idle_activity: bool,
}

impl<F: Clone + WireSize> Machine<F> {
    /// A machine that has not started connecting, with the given policy; `seed` drives the
    /// backoff jitter.
    pub fn new(policy: Policy, seed: u64) -> Result<Self, PolicyError> {
        policy.validate()?;
        let queue = SendQueue::new(policy.queue_capacity, policy.overflow);
        let requests = Requests::new();
        let session = Slot::new(policy.session).map_err(|()| PolicyOption::SessionWindow)?;
        Ok(Machine {
            session,
            probe: Probe::default(),
            policy,
            phase: Phase::Idle,
            retries: 0,
            last_conn: 0,
            rng: Rng::new(seed),
            queue,
            liveness: None,
            in_flight: None,
            ping_size: 0,
            rtt_ms: None,
            timers: Timers::default(),
            now: 0.0,
            offline: false,
            suspended: false,
            next_seq: 0,
            requests,
            outputs: VecDeque::new(),
            reported_state: State::Closed,
            setting_up: false,
            handshake_errored: None,
            setup_runs: 0,
            setup_numbered_until: 0,
            deadlines: Deadlines::default(),
            session_seqs: VecDeque::new(),
            interest: false,
            idle_closing: false,
            idle_activity: false,
        })
    }

    /// Tells the machine the size of the heartbeat ping the driver sends, which the browser
    /// counts in `bufferedAmount` like any message; without it the machine could take a ping's
    /// unsent bytes for a message's and send that message twice.
    #[must_use]
    pub fn with_ping_size(mut self, bytes: u64) -> Self {
        self.ping_size = bytes;
        self
    }

    /// The next thing for the driver to do, oldest first.
    pub fn poll_output(&mut self) -> Option<Output<F>> {
        self.outputs.pop_front()
    }

    /// Whether [`poll_output`](Self::poll_output) has something: a driver that crosses a
    /// boundary per call can skip polling when it has not.
    pub fn has_output(&self) -> bool {
        !self.outputs.is_empty()
    }

    /// The connection state.
    pub fn state(&self) -> State {
        match self.phase {
            Phase::Idle | Phase::Closed => State::Closed,
            Phase::Resolving(_) | Phase::Connecting(_) => State::Connecting,
            // In session mode the connection is open once the server's welcome came, and with
            // a setup step once that is done.
            Phase::Open(_)
                if self.setting_up || self.session.get().is_some_and(|s| !s.is_ready()) =>
            {
                State::Connecting
            }
            Phase::Open(_) => State::Open,
            Phase::Closing(_) => State::Closing,
            Phase::Waiting => State::Waiting,
            Phase::Paused if self.suspended => State::Suspended,
            Phase::Paused => State::Offline,
            Phase::Dormant => State::Idle,
        }
    }

    /// Whether the browser reported the network lost and not back since.
    pub fn is_offline(&self) -> bool {
        self.offline
    }

    /// The socket that currently exists, if any.
    pub fn socket(&self) -> Option<ConnId> {
        match self.phase {
            Phase::Connecting(conn) | Phase::Open(conn) | Phase::Closing(conn) => Some(conn),
            Phase::Idle
            | Phase::Closed
            | Phase::Resolving(_)
            | Phase::Waiting
            | Phase::Paused
            | Phase::Dormant => None,
        }
    }

    /// Retries since the last reset (a connection that lasted `min_uptime`, or a reconnect
    /// by hand).
    pub fn retry_count(&self) -> u32 {
        self.retries
    }

    /// Messages waiting for the connection to open; in session mode, the messages the server
    /// has not acknowledged yet (kept to be sent again).
    pub fn queued_count(&self) -> usize {
        // In session mode the queue holds only what waits for a setup step.
        let kept = self.session.get().map_or(0, |s| s.outgoing().pending());
        kept + self.queue.len()
    }

    /// The messages waiting for the connection to open, oldest first; in session mode, the
    /// messages the server has not acknowledged (those [`queued_count`](Self::queued_count)
    /// counts).
    pub fn queued(&self) -> impl Iterator<Item = &F> {
        let session = self.session.get().into_iter();
        (session.flat_map(|session| session.outgoing().iter())).chain(self.queue.iter())
    }

    /// Whether the messages held are held in the order they were sent, as
    /// [`oldest_held`](Self::oldest_held) assumes: always, but in session mode from a setup
    /// step's first message until the server acknowledged the step's messages.
    pub fn holds_in_send_order(&self) -> bool {
        (self.session.get())
            .is_none_or(|session| session.outgoing().acknowledged() >= self.setup_numbered_until)
    }

    /// Messages handed to the open socket that are kept until the browser is known to have
    /// transmitted them, so they can be sent again if the connection dies first.
    pub fn held_count(&self) -> usize {
        self.in_flight.as_ref().map_or(0, InFlight::held_messages)
    }

    /// The oldest message the machine holds, once its outputs are taken. Messages are held in
    /// the order they were sent (the open socket's before the queue's, which fills only while
    /// no socket is open or when the unsent ones of a dead socket go back in front), so every
    /// message sent before this one is held nowhere: a driver that keeps each message's data
    /// itself, under an id, can let go of the data of older ids.
    /// In session mode the session keeps every message until the server acknowledges it.
    /// A setup step in session mode breaks the order: its messages go ahead of older ones that
    /// waited for it. Until the server has acknowledged them
    /// ([`holds_in_send_order`](Self::holds_in_send_order) is false) this is the oldest of the
    /// session's, or else the queue's, and a driver that numbers its messages looks through
    /// [`queued`](Self::queued) for the oldest.
    pub fn oldest_held(&self) -> Option<&F> {
        if let Some(session) = self.session.get() {
            return session
                .outgoing()
                .iter()
                .next()
                .or(self.queue.iter().next());
        }
        let handed = self.in_flight.as_ref().and_then(InFlight::oldest);
        handed.or_else(|| self.queue.iter().next())
    }

    /// The queue's capacity.
    pub fn queue_capacity(&self) -> usize {
        self.queue.capacity()
    }

    /// The round-trip time of the last heartbeat pong on the current (or last) connection, in
    /// milliseconds; `None` from each open until that connection's first pong.
    pub fn rtt_ms(&self) -> Option<f64> {
        self.rtt_ms
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Sends `frame` now if the connection is open, queues it if an attempt is under way,
    /// pending or not started yet, and hands it back if the socket was closed or the queue is
    /// full.
    pub fn send(&mut self, frame: F) -> Result<Sent, Rejected<F>> {
        let sent = self.accept(frame, false).map(|(sent, _)| sent);
        self.after_call();
        sent
    }

    /// Sends `frame` as [`send`](Self::send) does, at time `now`, with `options`: skipped
    /// unless the connection is open when volatile, removed once its time to live runs out
    /// while it is still queued. Returns where it went and its id, to
    /// [`cancel`](Self::cancel) it while it is queued.
    pub fn send_with(
        &mut self,
        frame: F,
        options: SendOptions,
        now: f64,
    ) -> Result<(Sent, MessageId), Rejected<F>> {
        self.now = now;
        let accepted = self.accept(frame, options.volatile);
        if let (Ok((sent, seq)), Some(ttl_ms)) = (&accepted, options.ttl_ms) {
            self.expire_after(*seq, *sent, ttl_ms);
        }
        self.wake();
        self.after_timed_call();
        accepted.map(|(sent, seq)| (sent, MessageId(seq)))
    }

    /// Message `seq`, which went where `sent` says, expires `ttl_ms` from now if it is still
    /// queued then.
    fn expire_after(&mut self, seq: u64, sent: Sent, ttl_ms: u32) {
        // In session mode a message handed to a connection never comes back to be taken; in
        // plain mode it may, when its socket dies before transmitting it.
        let may_wait = match sent {
            Sent::Queued { .. } => true,
            Sent::Now => !self.session.is_some(),
            Sent::Skipped => false,
        };
        if !may_wait {
            return;
        }
        let deadline = self.now + f64::from(ttl_ms.min(MAX_TIMER_MS));
        if self.deadlines.insert(seq, deadline) {
            self.prune_deadlines();
        }
    }

    /// Takes message `id` back if no socket was handed it yet, reporting it
    /// ([`Output::Removed`] with [`Removal::Aborted`], or its request's failure). False when
    /// it is gone already: handed to a socket (it is not recalled), removed, or skipped.
    pub fn cancel(&mut self, id: MessageId) -> bool {
        let Some(frame) = self.withdraw(id.0) else {
            return false;
        };
        self.removed(id.0, frame, Removal::Aborted);
        self.after_call();
        true
    }

    /// In session mode, the session as a page saves it to resume after a reload (see
    /// [`restore_session`](Self::restore_session)); none before the server named one, nor
    /// once the user closed the socket (which ends the session).
    pub fn saved_session(&self) -> Option<Saved<F>> {
        if matches!(self.phase, Phase::Closing(_) | Phase::Closed) && !self.idle_closing {
            return None;
        }
        let mut saved = self.session.get().and_then(ClientSession::save)?;
        // What waits for a setup step was accepted, and follows the session's messages.
        saved.unacknowledged.extend(self.queue.iter().cloned());
        Some(saved)
    }

    /// In session mode, before the first connection: the next connection resumes `saved`
    /// (from an earlier page) instead of starting a new session, and sends again what the
    /// server lacks of its messages. False, changing nothing, outside session mode, once the
    /// machine has started connecting, or after a send.
    pub fn restore_session(&mut self, saved: Saved<F>) -> bool {
        self.phase == Phase::Idle && self.session.restore(saved)
    }

    /// What [`send`](Self::send) would do with a frame now, without sending one: for a
    /// driver that applies backpressure (waits while the queue refuses) instead of failing.
    /// Ask again after the outputs of any input: the queue drains when a connection opens.
    pub fn send_readiness(&self) -> Result<(), SendError> {
        if let (Some(session), false) = (self.session.get(), self.setting_up) {
            return match self.phase {
                Phase::Closing(_) if self.idle_closing => Ok(()),
                Phase::Closed | Phase::Closing(_) => Err(SendError::Closed),
                // Room for at least a byte: the window is not full.
                _ if session.has_room(1) => Ok(()),
                _ => Err(SendError::WindowFull {
                    window: session.outgoing().window(),
                }),
            };
        }
        match self.phase {
            Phase::Closing(_) if !self.idle_closing => Err(SendError::Closed),
            Phase::Closed => Err(SendError::Closed),
            Phase::Open(_) if !self.setting_up => Ok(()),
            Phase::Open(_)
            | Phase::Idle
            | Phase::Resolving(_)
            | Phase::Connecting(_)
            | Phase::Closing(_)
            | Phase::Waiting
            | Phase::Paused
            | Phase::Dormant => {
                if self.queue.refuses() {
                    Err(SendError::QueueFull {
                        capacity: self.queue.capacity(),
                    })
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Sends `frame` from the setup step that [`Output::RunSetup`] started on socket `conn`:
    /// handed to the socket at once, ahead of the queue (in session mode, numbered ahead of
    /// the messages that wait). Once the step is done it is an ordinary [`send`](Self::send).
    /// Refused as closed when `conn` is no longer the socket's connection: the step belongs
    /// to a connection that is gone, and the next one runs its own.
    pub fn send_setup(&mut self, conn: ConnId, frame: F) -> Result<Sent, Rejected<F>> {
        self.accept_setup(conn, frame).map(|(sent, _)| sent)
    }

    /// Sends `frame`, which carries [`next_request_id`](Self::next_request_id), from the setup
    /// step on socket `conn` as [`send_setup`](Self::send_setup) does, and waits for its
    /// answer as [`request`](Self::request) does. A setup step's request is never sent again:
    /// it fails when its connection is lost.
    pub fn request_setup(
        &mut self,
        conn: ConnId,
        frame: F,
        timeout_ms: u32,
        now: f64,
    ) -> Result<u64, Rejected<F>> {
        if !self.setting_up && self.phase == Phase::Open(conn) {
            return self.request(frame, timeout_ms, now);
        }
        self.now = now;
        let (_, seq) = self.accept_setup(conn, frame)?;
        let deadline = now + f64::from(timeout_ms.min(MAX_TIMER_MS));
        let id = self.requests.add(None, seq, deadline);
        self.arm_request_timer();
        Ok(id)
    }

    /// Accepts `frame` from the setup step on socket `conn`; with its sequence number
    /// ([`SETUP_SEQ`] while the step runs).
    fn accept_setup(&mut self, conn: ConnId, frame: F) -> Result<(Sent, u64), Rejected<F>> {
        if self.phase != Phase::Open(conn) {
            let error = SendError::Closed;
            return Err(Rejected { frame, error });
        }
        if !self.setting_up {
            return self.accept(frame, false);
        }
        if let Some(session) = self.session.get_mut() {
            let window = session.outgoing().window();
            match session.send(frame.clone()) {
                Ok(_) => {
                    self.setup_numbered_until = session.outgoing().sent();
                    self.keep_session_seq(SETUP_SEQ);
                    self.transmit_in_session(frame);
                }
                Err(WindowFull(frame)) => {
                    let error = SendError::WindowFull { window };
                    return Err(Rejected { frame, error });
                }
            }
        } else {
            let size = frame.wire_size();
            if let Some(in_flight) = &mut self.in_flight {
                in_flight.hand_setup(size);
            }
            self.outputs.push_back(Output::Transmit(frame));
        }
        Ok((Sent::Now, SETUP_SEQ))
    }

    /// The id the next [`request`](Self::request) gets, for the driver to write into its
    /// frame: ids count a socket's requests from 1.
    pub fn next_request_id(&self) -> u64 {
        self.requests.next_id()
    }

    /// Sends `frame`, which carries [`next_request_id`](Self::next_request_id), as
    /// [`send`](Self::send) does, and waits for its answer: incoming messages carrying the id
    /// settle it ([`answered`](Self::answered)); otherwise an
    /// [`Output::RequestFailed`] ends it, after `timeout_ms` (time queued included, at most
    /// [`MAX_TIMER_MS`]) or when the connection it was handed to is lost, the socket closes
    /// for good or the queue drops it. Returns the request's id.
    pub fn request(&mut self, frame: F, timeout_ms: u32, now: f64) -> Result<u64, Rejected<F>> {
        self.request_with(frame, timeout_ms, None, now)
    }

    /// [`request`](Self::request), its frame expiring after `ttl_ms` if it is still queued
    /// then (see [`SendOptions::ttl_ms`]): the request fails with
    /// [`RequestFailure::Expired`], and the server never saw it.
    pub fn request_with(
        &mut self,
        frame: F,
        timeout_ms: u32,
        ttl_ms: Option<u32>,
        now: f64,
    ) -> Result<u64, Rejected<F>> {
        self.now = now;
        let kept = self.policy.resend_requests.then(|| frame.clone());
        let accepted = self.accept(frame, false);
        let Ok((sent, seq)) = accepted else {
            self.after_call();
            return accepted.map(|_| 0);
        };
        if let Some(ttl_ms) = ttl_ms {
            self.expire_after(seq, sent, ttl_ms);
        }
        let deadline = now + f64::from(timeout_ms.min(MAX_TIMER_MS));
        let id = self.requests.add(kept, seq, deadline);
        self.arm_request_timer();
        self.wake();
        self.after_timed_call();
        Ok(id)
    }

    /// The user no longer waits for request `id` (the future was dropped, the call aborted):
    /// it ends, and an answer that comes later is dropped.
    pub fn forget_request(&mut self, id: u64) {
        self.requests.end(id);
        self.stop_request_timer_if_idle();
        self.after_call();
    }

    /// The user cancelled request `id` at time `now`: its frame is taken back if no socket
    /// was handed it yet, and the request fails with [`RequestFailure::Aborted`]; otherwise it
    /// ends as [`forget_request`](Self::forget_request) ends it. Returns whether the frame
    /// was taken back.
    pub fn abort_request(&mut self, id: u64, now: f64) -> bool {
        self.now = now;
        let withdrawn = (self.requests.seq_of(id)).and_then(|seq| Some((seq, self.withdraw(seq)?)));
        let taken = withdrawn.is_some();
        match withdrawn {
            Some((seq, frame)) => self.removed(seq, frame, Removal::Aborted),
            None => {
                self.requests.end(id);
                self.stop_request_timer_if_idle();
            }
        }
        self.after_timed_call();
        taken
    }

    /// A message of `size` arrived on socket `conn` (measured without copying it: a text's
    /// UTF-16 length, a binary message's bytes), `pong` when it equals the heartbeat's pong
    /// (the driver checks only when it has a heartbeat): what to do with it. Every message
    /// counts as a sign of life.
    pub fn receive(&mut self, conn: ConnId, size: u64, pong: bool, now: f64) -> Received {
        if self.session.is_some() {
            // A frame must say what it is in session mode: `receive_session`.
            return self.receive_session(conn, SessionFrame::Invalid("untagged"), now);
        }
        self.now = now;
        let open = self.phase == Phase::Open(conn);
        if !open && self.phase != Phase::Closing(conn) {
            return Received::Stale;
        }
        let limit = self.policy.max_message_bytes;
        let too_big = usize::try_from(size).map_or(true, |size| size > limit);
        let pong = pong && !too_big && self.policy.heartbeat.is_some();
        if open {
            if pong {
                self.ponged(now);
            }
            self.received(now);
        }
        if too_big {
            Received::TooBig { limit }
        } else if pong {
            Received::Pong
        } else if self.requests.may_be_answered() {
            Received::MaybeAnswer
        } else {
            Received::Message
        }
    }

    /// In session mode, a frame arrived on socket `conn`: messages (deliver them, or ask
    /// about answers, as [`receive`](Self::receive) says), or a control frame (the machine's).
    /// A frame the protocol refuses closes the connection with 1002.
    pub fn receive_session(&mut self, conn: ConnId, frame: SessionFrame<'_>, now: f64) -> Received {
        let received = self.take_session_frame(conn, frame, now);
        // A welcome opens the connection, a broken protocol ends it, an ack may leave it idle.
        self.arm_timers();
        self.report_state();
        received
    }

    fn take_session_frame(&mut self, conn: ConnId, frame: SessionFrame<'_>, now: f64) -> Received {
        self.now = now;
        let open = self.phase == Phase::Open(conn);
        let result = match (open, self.session.get_mut()) {
            (true, Some(session)) => match frame {
                SessionFrame::Messages { count, size } => {
                    let each = size / count.max(1);
                    let mut ack_now = false;
                    let mut counted = Ok(());
                    for _ in 0..count {
                        match session.message(each, now) {
                            Ok(ack) => ack_now |= ack,
                            Err(error) => counted = Err(error),
                        }
                    }
                    counted.map(|()| Some(ack_now))
                }
                SessionFrame::Control(text) => Control::parse(text).map(|control| {
                    self.session_control(conn, control, now);
                    None
                }),
                SessionFrame::Invalid(what) => Err(crate::session::ProtocolError::new(
                    &["a frame that is not of the session protocol (", what, ")"].concat(),
                )),
            },
            _ => return Received::Stale,
        };
        match result {
            Ok(Some(ack_now)) => {
                self.received(now);
                if ack_now {
                    self.send_session_ack();
                } else {
                    self.arm_session_ack();
                }
                let limit = self.policy.max_message_bytes;
                if usize::try_from(size_of(frame)).map_or(true, |size| size > limit) {
                    Received::TooBig { limit }
                } else if self.requests.may_be_answered() {
                    Received::MaybeAnswer
                } else {
                    Received::Message
                }
            }
            Ok(None) => Received::Protocol,
            Err(error) => {
                self.session_broken(conn, error.reason().to_owned());
                Received::Protocol
            }
        }
    }

    /// A control frame from the server on the open socket `conn`.
    fn session_control(&mut self, conn: ConnId, control: Control, now: f64) {
        if control == Control::Pong {
            if self.policy.heartbeat.is_some() {
                self.ponged(now);
            }
            self.received(now);
            return;
        }
        let Some(session) = self.session.get_mut() else {
            return;
        };
        // With a setup step, what never left waits for it: the welcome numbers only the rest,
        // and the step's messages go ahead.
        let held_back = match control {
            Control::Welcome { .. } if self.policy.setup_timeout_ms.is_some() => {
                session.hold_back()
            }
            _ => VecDeque::new(),
        };
        match session.control(control) {
            Ok(Some(welcomed)) => {
                // The messages held back take their sequence numbers with them.
                let seqs = self.take_session_seqs(held_back.len());
                self.queue
                    .requeue(held_back.into_iter().zip(seqs).collect());
                self.welcomed(conn, welcomed, now);
            }
            Ok(None) => self.received(now),
            Err(error) => {
                session.give_back(held_back);
                self.session_broken(conn, error.reason().to_owned());
            }
        }
    }

    /// In session mode, the sequence numbers of the newest `count` messages the session kept,
    /// oldest first, no longer kept there (0 for one it has none of: a message restored from an
    /// earlier page's session).
    fn take_session_seqs(&mut self, count: usize) -> Vec<u64> {
        let mut seqs: Vec<u64> = (0..count)
            .map(|_| self.session_seqs.pop_back().unwrap_or(0))
            .collect();
        seqs.reverse();
        seqs
    }

    /// In session mode, keeps `frame` (sequence number `seq`), accepted earlier, for the next
    /// connection, after what the session keeps.
    fn give_back_to_session(&mut self, frame: F, seq: u64) {
        if let Some(session) = self.session.get_mut() {
            session.give_back([frame]);
            self.keep_session_seq(seq);
        }
    }

    /// The server's welcome settled the session on socket `conn`: what was kept goes out,
    /// then the user hears of it and of the open.
    fn welcomed(&mut self, conn: ConnId, welcomed: Welcomed<F>, now: f64) {
        self.stop_timer(Timer::Handshake);
        self.probe.welcomed();
        let recovered = matches!(welcomed, Welcomed::Resumed { .. });
        match welcomed {
            Welcomed::Resumed { replay } => {
                for frame in replay {
                    self.transmit_in_session(frame);
                }
                self.outputs.push_back(Output::Resumed {
                    recovered: true,
                    unacknowledged: Vec::new(),
                });
            }
            Welcomed::Started {
                replaced,
                unacknowledged,
                transmit,
            } => {
                for frame in transmit {
                    self.transmit_in_session(frame);
                }
                if replaced {
                    self.outputs.push_back(Output::Resumed {
                        recovered: false,
                        unacknowledged,
                    });
                }
            }
        }
        self.connection_ready(conn, recovered, now);
    }

    /// The server broke the protocol on socket `conn`: the connection closes with 1002 and
    /// the next one starts a new session (what this one left unacknowledged is reported then).
    fn session_broken(&mut self, conn: ConnId, reason: String) {
        if let Some(session) = self.session.get_mut() {
            session.forget();
        }
        self.abandon(conn, PROTOCOL_ERROR, &reason);
        self.emit(Event::Failed(Failure::Protocol(reason.clone())));
        self.connection_ended(Ending::abandoned(PROTOCOL_ERROR, &reason), true);
    }

    /// In session mode, hands `frame` to the welcomed connection: at once, or with the rest of
    /// the turn of the event loop in a batch (see [`ClientSession::transmit`]).
    fn transmit_in_session(&mut self, frame: F) {
        let Some(session) = self.session.get_mut() else {
            return;
        };
        let outputs = &mut self.outputs;
        if session.transmit(frame, |sent| outputs.push_back(transmission(sent))) {
            outputs.push_back(Output::AwaitTurnEnd);
        }
    }

    /// The turn of the event loop ended: in session mode, what waited for it goes out on the
    /// open connection.
    fn turn_ended(&mut self) {
        if !matches!(self.phase, Phase::Open(_)) {
            return;
        }
        if let Some(session) = self.session.get_mut() {
            let outputs = &mut self.outputs;
            session.turn_ended(|sent| outputs.push_back(transmission(sent)));
        }
    }

    /// Sends the acknowledgement owed to the server, if any.
    fn send_session_ack(&mut self) {
        self.stop_timer(Timer::SessionAck);
        if let Some(ack) = self.session.get_mut().and_then(ClientSession::take_ack) {
            self.outputs.push_back(Output::Control(ack.encode()));
        }
    }

    /// Keeps the acknowledgement timer on the session's deadline.
    fn arm_session_ack(&mut self) {
        let deadline = self.session.get().and_then(ClientSession::ack_deadline);
        if let (Some(at), None) = (deadline, self.timers.due(Timer::SessionAck)) {
            self.timers.start(Timer::SessionAck, at);
        }
    }

    /// A message that [`receive`](Self::receive) said may answer a request carries `id`
    /// (the driver read it from the member its requests put ids in).
    pub fn answered(&mut self, id: u64) -> Answered {
        let answered = self.requests.answered(id);
        self.stop_request_timer_if_idle();
        // At the time of the `receive` that asked.
        self.after_timed_call();
        answered
    }

    /// Whether the user's reconnect predicate is to be asked about socket `conn` closing with
    /// `code`: only a close that would otherwise be retried (not one the user asked for, not
    /// a final code) is the user's to veto. Its verdict goes in
    /// [`Input::Closed`]`::reconnect_allowed`.
    pub fn asks_about_close(&self, conn: ConnId, code: u16) -> bool {
        matches!(self.phase, Phase::Connecting(c) | Phase::Open(c) if c == conn)
            && !self.policy.final_codes.contains(&code)
    }

    /// Accepts `frame` for sending (unless it is `volatile` and the connection not open);
    /// with its sequence number.
    fn accept(&mut self, frame: F, volatile: bool) -> Result<(Sent, u64), Rejected<F>> {
        if let Err(error) = self.send_readiness() {
            return Err(Rejected { frame, error });
        }
        let seq = self.next_seq;
        if volatile && !self.ready_to_transmit() {
            self.next_seq += 1;
            return Ok((Sent::Skipped, seq));
        }
        // While a setup step runs, sends wait in the queue, in session mode too.
        if let (Some(session), false) = (self.session.get_mut(), self.setting_up) {
            let window = session.outgoing().window();
            let sent = match session.send(frame.clone()) {
                Ok(Accepted::Transmit) => {
                    self.transmit_in_session(frame);
                    Sent::Now
                }
                Ok(Accepted::Kept) => Sent::Queued { dropped: 0 },
                Err(WindowFull(frame)) => {
                    let error = SendError::WindowFull { window };
                    return Err(Rejected { frame, error });
                }
            };
            self.next_seq += 1;
            self.keep_session_seq(seq);
            self.active();
            return Ok((sent, seq));
        }
        let sent = if let (Phase::Open(conn), false) = (self.phase, self.setting_up) {
            self.transmit(conn, frame, seq);
            Sent::Now
        } else {
            match self.queue.push(frame, seq) {
                Ok(dropped) => Sent::Queued { dropped },
                // Not while ready; refused all the same rather than assumed.
                Err(frame) => {
                    let capacity = self.queue.capacity();
                    let error = SendError::QueueFull { capacity };
                    return Err(Rejected { frame, error });
                }
            }
        };
        self.next_seq += 1;
        if matches!(sent, Sent::Queued { dropped } if dropped > 0) {
            self.fail_dropped_requests();
        }
        self.active();
        Ok((sent, seq))
    }

    /// Something was sent: a resting socket connects (at the driver's next timer: a send
    /// brings no time to start an attempt with), an open one's idle wait starts over.
    fn active(&mut self) {
        self.idle_activity = true;
        if self.phase == Phase::Dormant && self.timers.due(Timer::Retry).is_none() {
            self.timers.start(Timer::Retry, self.now);
        }
    }

    /// Whether the user wants the connection: something waits to be sent, acknowledged or
    /// answered, or someone listens.
    fn has_demand(&self) -> bool {
        let unacknowledged = self
            .session
            .get()
            .is_some_and(|s| s.outgoing().pending() > 0);
        self.interest || self.queue.len() > 0 || self.requests.any_pending() || unacknowledged
    }

    /// Whether the socket rests while nothing is wanted (`lazy`, `idle_close_ms`).
    fn rests_when_idle(&self) -> bool {
        self.policy.lazy || self.policy.idle_close_ms.is_some()
    }

    /// A resting socket that is wanted again connects (or waits for the network or the page).
    fn wake(&mut self) {
        if self.phase != Phase::Dormant || !self.has_demand() {
            return;
        }
        self.retries = 0;
        if self.paused() {
            self.stop_timer(Timer::Retry);
            self.phase = Phase::Paused;
            if self.offline {
                self.emit(Event::Offline);
            }
        } else {
            self.start_attempt();
        }
    }

    /// Starts connecting after a `Connect`, or rests until something is wanted when lazy.
    fn start_or_rest(&mut self) {
        if self.policy.lazy && !self.has_demand() {
            self.phase = Phase::Dormant;
        } else {
            self.start_attempt();
        }
    }

    /// Keeps the idle timer running while the open connection carries nothing wanted.
    fn arm_idle_timer(&mut self) {
        let idle = match (self.policy.idle_close_ms, self.phase) {
            (Some(ms), Phase::Open(_)) if self.ready_to_transmit() && !self.has_demand() => {
                Some(ms)
            }
            _ => None,
        };
        match idle {
            Some(ms) if self.timers.due(Timer::IdleClose).is_none() => {
                self.idle_activity = false;
                self.start_timer(Timer::IdleClose, ms);
            }
            Some(_) => {}
            None => self.stop_timer(Timer::IdleClose),
        }
    }

    /// The open connection `conn` stayed idle for `idle_close_ms`: it closes cleanly, and the
    /// socket rests until something is wanted. In session mode with 4001, so the session
    /// resumes on the next connection.
    fn idle_close(&mut self, conn: ConnId) {
        let in_session = (self.session.get()).is_some_and(|session| session.identity().is_some());
        let code = if in_session { WILL_RESUME } else { NORMAL };
        self.stop_connection_timers();
        self.outputs.push_back(Output::Close {
            conn,
            code,
            reason: "idle".into(),
        });
        self.phase = Phase::Closing(conn);
        self.idle_closing = true;
        self.start_timer(Timer::Handshake, self.policy.connect_timeout_ms);
    }

    /// An idle close ended (`ending`): what was sent meanwhile connects again, or the socket
    /// rests.
    fn idle_closed(&mut self, ending: Ending) {
        self.idle_closing = false;
        if let Some(session) = self.session.get_mut() {
            session.disconnected();
        }
        self.emit_closed(ending, true);
        self.phase = Phase::Dormant;
        self.wake();
    }

    /// Whether a frame sent now goes straight to a socket: the connection is open (in session
    /// mode, the session ready on it).
    fn ready_to_transmit(&self) -> bool {
        matches!(self.phase, Phase::Open(_))
            && !self.setting_up
            && self.session.get().is_none_or(|s| s.is_ready())
    }

    /// The sequence number of the first frame not yet handed to a socket: the queue holds the
    /// newest numbers (see [`Requests`]).
    fn first_waiting_seq(&self) -> u64 {
        self.queue.front_seq().unwrap_or(self.next_seq)
    }

    /// In session mode, notes that the session keeps message `seq`, its newest.
    fn keep_session_seq(&mut self, seq: u64) {
        let kept = self.session.get().map_or(0, |s| s.outgoing().pending());
        // The acknowledged ones went from the front.
        while self.session_seqs.len() >= kept && self.session_seqs.pop_front().is_some() {}
        self.session_seqs.push_back(seq);
    }

    /// In session mode, where the session keeps message `seq` (0 its oldest kept), and how
    /// many of the newest it keeps never left.
    fn session_place(&self, seq: u64) -> Option<(usize, usize)> {
        let outgoing = self.session.get()?.outgoing();
        let kept = outgoing.pending();
        // In the session's order, not always the numbers' (a setup step's go ahead).
        let position = self.session_seqs.iter().position(|&kept| kept == seq)?;
        let from_back = self.session_seqs.len() - position;
        let index = kept.checked_sub(from_back)?;
        Some((index, outgoing.never_left()))
    }

    /// Whether message `seq` may be taken back now: queued (in session mode, waiting for a
    /// setup step), or in session mode kept, never handed to a connection, and the session not
    /// ready.
    fn removable(&self, seq: u64) -> bool {
        self.queue.contains(seq)
            || (self.session.get()).is_some_and(|s| !s.is_ready() && self.never_left(seq))
    }

    /// In session mode, whether the session keeps message `seq` and no connection was ever
    /// handed it.
    fn never_left(&self, seq: u64) -> bool {
        let kept = self.session.get().map_or(0, |s| s.outgoing().pending());
        (self.session_place(seq)).is_some_and(|(index, never_left)| index + never_left >= kept)
    }

    /// Whether message `seq` may still be, or come back to be, taken back: queued, or held by
    /// the open socket (it goes back to the queue if the socket dies without sending it).
    fn may_be_removable(&self, seq: u64) -> bool {
        if self.session.is_some() {
            return self.never_left(seq) || self.queue.contains(seq);
        }
        let held = (self.in_flight.as_ref().and_then(InFlight::oldest_seq))
            .is_some_and(|oldest| seq >= oldest);
        held || self.queue.contains(seq)
    }

    /// Takes message `seq` back if it is removable.
    fn withdraw(&mut self, seq: u64) -> Option<F> {
        if !self.removable(seq) {
            return None;
        }
        if self.queue.contains(seq) {
            return self.queue.remove(seq);
        }
        let (index, _) = self.session_place(seq)?;
        let frame = self.session.get_mut()?.withdraw(index)?;
        if let Some(position) = self.session_seqs.iter().position(|&kept| kept == seq) {
            self.session_seqs.remove(position);
        }
        Some(frame)
    }

    /// Message `seq` was taken back: its request fails, or the user hears of it.
    fn removed(&mut self, seq: u64, frame: F, reason: Removal) {
        self.deadlines.remove(seq);
        let Some(id) = self.requests.with_seq(seq) else {
            self.outputs.push_back(Output::Removed { frame, reason });
            return;
        };
        self.requests.end(id);
        let failure = match reason {
            Removal::Expired => RequestFailure::Expired,
            Removal::Aborted => RequestFailure::Aborted,
        };
        failed(&mut self.outputs, id, failure);
        self.stop_request_timer_if_idle();
    }

    /// Takes back the messages whose time to live ran out by `now`, earliest first.
    fn expire(&mut self, now: f64) {
        let due = self.deadlines.due(now, |seq| self.removable(seq));
        for seq in due {
            if let Some(frame) = self.withdraw(seq) {
                self.removed(seq, frame, Removal::Expired);
            }
        }
        self.prune_deadlines();
    }

    /// Forgets the deadlines of messages that can no longer be taken back.
    fn prune_deadlines(&mut self) {
        let mut deadlines = std::mem::take(&mut self.deadlines);
        deadlines.retain(|seq| self.may_be_removable(seq));
        self.deadlines = deadlines;
    }

    /// After a call that sends, takes back or ends something and brings no time: the expiry
    /// timer, the idle timer stopped if something is wanted (it starts only with a time), and
    /// the state (a send may wake a resting socket).
    fn after_call(&mut self) {
        self.arm_expiry_timer();
        if self.has_demand() {
            self.stop_timer(Timer::IdleClose);
        }
        self.report_state();
    }

    /// After such a call at time `self.now`: every timer that follows it, and the state.
    fn after_timed_call(&mut self) {
        self.arm_timers();
        self.report_state();
    }

    /// Keeps the timers that follow what is queued and wanted on their deadlines.
    fn arm_timers(&mut self) {
        self.arm_expiry_timer();
        self.arm_idle_timer();
    }

    /// Keeps the expiry timer on the earliest deadline of the messages that may be taken back
    /// now; none while everything goes straight out.
    fn arm_expiry_timer(&mut self) {
        let earliest = if self.deadlines.is_empty() {
            None
        } else {
            self.deadlines.earliest(|seq| self.removable(seq))
        };
        match earliest {
            Some(at) if self.timers.due(Timer::Expiry) != Some(at) => {
                self.timers.start(Timer::Expiry, at);
            }
            Some(_) => {}
            None => self.stop_timer(Timer::Expiry),
        }
    }

    /// When the machine next needs [`handle_timeout`](Self::handle_timeout), on its clock
    /// (the `now` of its inputs); `None` while no timer runs. Ask again after every call that
    /// takes `now` or changes the machine: one driver timer for this deadline is all it needs.
    pub fn poll_timeout(&self) -> Option<f64> {
        self.timers.next()
    }

    /// The deadline [`poll_timeout`](Self::poll_timeout) named has come: fires, in deadline
    /// order, every timer due by `now`. A timer it arms that is due at once fires at the next
    /// call, so the driver's event loop gets its turn between retries. Harmless when nothing
    /// is due (a driver timer that fired early, or a deadline that moved).
    pub fn handle_timeout(&mut self, now: f64) {
        self.now = now;
        let mark = self.timers.mark();
        while let Some((timer, due)) = self.timers.take_due(now, mark) {
            self.timer_fired(timer, due, now);
        }
        self.arm_timers();
        self.report_state();
    }

    /// Emits [`Event::StateChanged`] if the state moved since it was last reported.
    fn report_state(&mut self) {
        let state = self.state();
        if state != self.reported_state {
            self.reported_state = state;
            self.emit(Event::StateChanged(state));
        }
    }

    /// When `timer` is due, if it runs: for tests and diagnostics (a driver needs only
    /// [`poll_timeout`](Self::poll_timeout)).
    pub fn timer_due(&self, timer: Timer) -> Option<f64> {
        self.timers.due(timer)
    }

    /// Takes in one input at time `now` (milliseconds on any monotonic clock).
    pub fn handle(&mut self, input: Input, now: f64) {
        self.now = now;
        self.take_input(input, now);
        self.arm_timers();
        self.report_state();
    }

    fn take_input(&mut self, input: Input, now: f64) {
        match input {
            Input::Connect { online } => {
                if matches!(self.phase, Phase::Idle | Phase::Closed) {
                    self.offline = !online;
                    self.retries = 0;
                    if self.offline || self.suspended {
                        self.phase = Phase::Paused;
                        if self.offline {
                            self.emit(Event::Offline);
                        }
                    } else {
                        self.start_or_rest();
                    }
                }
            }
            Input::Close { code, reason } => self.close(code, reason),
            Input::Reconnect {
                code,
                reason,
                online,
            } => {
                self.note_network(online);
                self.reconnect(code, reason);
            }
            Input::UrlResolved { conn, url } => {
                if self.phase == Phase::Resolving(conn) {
                    self.phase = Phase::Connecting(conn);
                    let session = self.session.is_some() && self.probe.next_offers();
                    self.outputs
                        .push_back(Output::Connect { conn, url, session });
                }
            }
            Input::UrlFailed { conn, error } => {
                if self.phase == Phase::Resolving(conn) {
                    self.attempt_failed(Failure::UrlProvider(error));
                }
            }
            Input::OpenFailed { conn, error } => {
                if self.phase == Phase::Connecting(conn) {
                    self.attempt_failed(Failure::InvalidUrl(error));
                }
            }
            Input::Opened { conn, protocol } => {
                if self.phase == Phase::Connecting(conn) {
                    self.opened(conn, &protocol, now);
                }
            }
            Input::Buffered { conn, unsent_bytes } => {
                if let (Phase::Open(current), Some(in_flight)) = (self.phase, &mut self.in_flight)
                    && current == conn
                {
                    in_flight.transmitted(unsent_bytes);
                    if in_flight.holds_many() {
                        self.start_timer(Timer::Buffered, BUFFERED_RECHECK_MS);
                    }
                }
            }
            Input::SocketError { conn } => {
                // Closing a socket that is still connecting makes the browser report an error
                // of our own making; only errors on live, wanted sockets are news.
                let wanted =
                    matches!(self.phase, Phase::Connecting(c) | Phase::Open(c) if c == conn);
                if wanted {
                    self.emit(Event::Failed(Failure::Socket));
                }
                if self.phase == Phase::Connecting(conn) && self.handshake_errored != Some(conn) {
                    self.handshake_errored = Some(conn);
                    let due = self.now + f64::from(CLOSE_AFTER_HANDSHAKE_ERROR_MS);
                    if self.timers.due(Timer::Handshake).is_none_or(|at| at > due) {
                        self.start_timer(Timer::Handshake, CLOSE_AFTER_HANDSHAKE_ERROR_MS);
                    }
                }
            }
            Input::Closed {
                conn,
                code,
                reason,
                was_clean,
                unsent_bytes,
                reconnect_allowed,
            } => {
                // No close code is below 1000: Bun reports a connection that failed as closed
                // with 0. It is what browsers report, an abnormal close.
                let code = if code < 1000 { ABNORMAL } else { code };
                let ending = Ending {
                    code,
                    reason,
                    was_clean,
                    unsent_bytes: Some(unsent_bytes),
                };
                self.socket_closed(conn, ending, reconnect_allowed);
            }
            Input::Offline => self.went_offline(),
            Input::Online => self.went_online(),
            Input::Suspend => self.suspend(),
            Input::Resume { online } => {
                if online {
                    self.went_online();
                } else {
                    self.went_offline();
                }
                self.resume();
            }
            Input::Wake => self.check_liveness(),
            Input::TurnEnded => self.turn_ended(),
            Input::SetupDone { conn } => {
                if self.setting_up && self.phase == Phase::Open(conn) {
                    self.setting_up = false;
                    self.stop_timer(Timer::Handshake);
                    self.connection_started(conn, now);
                }
            }
            Input::SetupFailed { conn, error } => self.setup_failed(conn, Failure::Setup(error)),
            Input::Interest { listening } => {
                self.interest = listening;
                self.wake();
            }
        }
    }

    /// Takes in the browser's network flag, read by the driver for a reconnect by hand: the
    /// user hears of a change, and nothing else moves, as the reconnect starts an attempt.
    fn note_network(&mut self, online: bool) {
        let offline = !online;
        if self.offline == offline {
            return;
        }
        self.offline = offline;
        if !matches!(self.phase, Phase::Idle | Phase::Closed | Phase::Dormant) {
            self.emit(if online {
                Event::Online
            } else {
                Event::Offline
            });
        }
    }

    fn went_offline(&mut self) {
        if std::mem::replace(&mut self.offline, true) {
            return;
        }
        match self.phase {
            Phase::Idle | Phase::Closed | Phase::Dormant => return,
            Phase::Waiting => {
                self.stop_timer(Timer::Retry);
                self.phase = Phase::Paused;
            }
            Phase::Resolving(_)
            | Phase::Connecting(_)
            | Phase::Open(_)
            | Phase::Closing(_)
            | Phase::Paused => {}
        }
        self.emit(Event::Offline);
        self.check_liveness();
    }

    fn went_online(&mut self) {
        if !std::mem::take(&mut self.offline) {
            return;
        }
        match self.phase {
            Phase::Idle | Phase::Closed | Phase::Dormant => {}
            Phase::Paused if !self.suspended => {
                self.emit(Event::Online);
                self.retries = 0;
                self.start_attempt();
            }
            Phase::Resolving(_)
            | Phase::Connecting(_)
            | Phase::Open(_)
            | Phase::Closing(_)
            | Phase::Waiting
            | Phase::Paused => {
                self.emit(Event::Online);
                self.check_liveness();
            }
        }
    }

    fn suspend(&mut self) {
        if std::mem::replace(&mut self.suspended, true) {
            return;
        }
        match self.phase {
            Phase::Idle | Phase::Closed | Phase::Paused | Phase::Dormant => {}
            Phase::Resolving(_) | Phase::Waiting => {
                self.stop_timer(Timer::Retry);
                self.stop_timer(Timer::Handshake);
                self.phase = Phase::Paused;
            }
            Phase::Connecting(conn) | Phase::Open(conn) => {
                self.stop_connection_timers();
                self.abandon(conn, NORMAL, "going away");
                self.phase = Phase::Paused;
                self.emit_closed(Ending::abandoned(GOING_AWAY, "going away"), true);
            }
            // The user asked to close: the page leaving finishes the job. An idle close
            // rests, as it would have.
            Phase::Closing(conn) => {
                self.stop_connection_timers();
                self.abandon(conn, NORMAL, "going away");
                let idle = std::mem::take(&mut self.idle_closing);
                self.phase = if idle { Phase::Dormant } else { Phase::Closed };
                self.emit_closed(Ending::abandoned(GOING_AWAY, "going away"), idle);
            }
        }
    }

    fn resume(&mut self) {
        if std::mem::take(&mut self.suspended) && self.phase == Phase::Paused && !self.offline {
            self.retries = 0;
            self.start_attempt();
        }
    }

    /// Pings at once, when the connection is open, the heartbeat on and no ping awaits its
    /// pong: after a wake or a network change, the regular schedule would notice a dead
    /// connection only after up to a whole interval.
    fn check_liveness(&mut self) {
        if !matches!(self.phase, Phase::Open(_)) || self.timers.due(Timer::PongDeadline).is_some() {
            return;
        }
        let (Some(heartbeat), Some(liveness)) = (self.policy.heartbeat, self.liveness.as_mut())
        else {
            return;
        };
        liveness.ping_now(self.now);
        self.stop_timer(Timer::Ping);
        self.send_ping(heartbeat.timeout_ms);
    }

    fn start_attempt(&mut self) {
        // Whatever closing was under way was left behind (a reconnect by hand), and so is a
        // wake a send asked for.
        self.idle_closing = false;
        self.stop_timer(Timer::Retry);
        self.last_conn += 1;
        let conn = ConnId(self.last_conn);
        self.phase = Phase::Resolving(conn);
        self.start_timer(Timer::Handshake, self.policy.connect_timeout_ms);
        self.outputs.push_back(Output::ResolveUrl { conn });
    }

    fn opened(&mut self, conn: ConnId, protocol: &str, now: f64) {
        self.phase = Phase::Open(conn);
        if let Some(session) = self.session.get_mut() {
            if protocol != SUBPROTOCOL {
                // A plain server would take the handshake for a message: nothing is sent, and
                // trying again would meet the same server.
                self.abandon(conn, NORMAL, "the server does not speak resocket.v1");
                self.emit(Event::Failed(Failure::NotASessionServer));
                let ending = Ending::abandoned(NORMAL, "the server does not speak resocket.v1");
                self.connection_ended(ending, false);
                return;
            }
            // The connect timeout runs on until the welcome.
            let first = session.opened().encode();
            self.outputs.push_back(Output::Control(first));
            return;
        }
        self.stop_timer(Timer::Handshake);
        self.connection_ready(conn, false, now);
    }

    /// The connection is ready for messages: open (plain mode) or welcomed (session mode,
    /// `resumed` when the session went on). The setup step runs, if there is one; else the
    /// connection starts.
    fn connection_ready(&mut self, conn: ConnId, resumed: bool, now: f64) {
        self.in_flight = Some(InFlight::new(self.ping_size));
        // A round trip measures one connection: the new one has none until its first pong.
        self.rtt_ms = None;
        let Some(timeout_ms) = self.policy.setup_timeout_ms else {
            return self.connection_started(conn, now);
        };
        self.setting_up = true;
        self.setup_runs = self.setup_runs.saturating_add(1);
        self.start_timer(Timer::Handshake, timeout_ms);
        self.outputs.push_back(Output::RunSetup {
            conn,
            attempt: self.setup_runs,
            resumed,
        });
    }

    /// The setup step on socket `conn` failed: the connection is given up and retried by the
    /// backoff policy (the retry count was not reset: the connection never started).
    fn setup_failed(&mut self, conn: ConnId, failure: Failure) {
        if !(self.setting_up && self.phase == Phase::Open(conn)) {
            return;
        }
        self.abandon(conn, NORMAL, "setup failed");
        self.emit(Event::Failed(failure));
        self.connection_ended(Ending::abandoned(NORMAL, "setup failed"), true);
    }

    /// The connection is ready and its setup step, if any, done: what waited goes out.
    fn connection_started(&mut self, conn: ConnId, now: f64) {
        if self.policy.min_uptime_ms == 0 {
            self.retries = 0;
        } else {
            self.start_timer(Timer::Uptime, self.policy.min_uptime_ms);
        }
        // Queued messages go out before the user hears of the open, so anything the user
        // sends in reaction to it lands behind them.
        for (frame, seq) in self.queue.take_all() {
            match self.session.get_mut() {
                // In session mode, what waited for the setup step.
                Some(session) => {
                    let accepted = session.send_accepted(frame.clone());
                    self.keep_session_seq(seq);
                    if accepted == Accepted::Transmit {
                        self.transmit_in_session(frame);
                    }
                }
                None => self.transmit(conn, frame, seq),
            }
        }
        if let Some(heartbeat) = self.policy.heartbeat {
            self.liveness = Some(Liveness::new(now));
            self.start_timer(Timer::Ping, heartbeat.interval_ms);
        }
        self.emit(Event::Open);
    }

    /// The heartbeat's pong arrived on the open socket.
    fn ponged(&mut self, now: f64) {
        if let Some(rtt) = self.liveness.as_mut().and_then(|l| l.pong_rtt(now)) {
            self.rtt_ms = Some(rtt);
        }
        if let Some(in_flight) = &mut self.in_flight {
            in_flight.pong();
        }
    }

    fn received(&mut self, now: f64) {
        let answered_ping = self.liveness.as_mut().is_some_and(|l| l.received(now));
        if let (true, Some(heartbeat)) = (answered_ping, self.policy.heartbeat) {
            self.stop_timer(Timer::PongDeadline);
            self.start_timer(Timer::Ping, heartbeat.interval_ms);
        }
    }

    fn close(&mut self, code: u16, reason: String) {
        match self.phase {
            // Already closed as far as the user can tell, so no event; what waited for the
            // first connection will not be sent.
            Phase::Idle | Phase::Dormant => {
                self.stop_timer(Timer::Retry);
                self.phase = Phase::Closed;
                self.fail_all_requests();
            }
            // An idle close under way becomes the user's: the socket stays closed after it.
            Phase::Closing(_) => self.idle_closing = false,
            Phase::Closed => {}
            Phase::Resolving(_) | Phase::Waiting | Phase::Paused => {
                self.stop_timer(Timer::Retry);
                self.stop_timer(Timer::Handshake);
                self.phase = Phase::Closed;
                let ending = Ending {
                    code,
                    reason,
                    was_clean: true,
                    unsent_bytes: None,
                };
                self.emit_closed(ending, false);
            }
            Phase::Connecting(conn) | Phase::Open(conn) => {
                // The messages of this turn go out before the close that ends the session.
                self.turn_ended();
                self.stop_connection_timers();
                self.outputs.push_back(Output::Close { conn, code, reason });
                self.phase = Phase::Closing(conn);
                self.start_timer(Timer::Handshake, self.policy.connect_timeout_ms);
            }
        }
    }

    fn reconnect(&mut self, code: u16, reason: String) {
        match self.phase {
            Phase::Connecting(conn) | Phase::Open(conn) | Phase::Closing(conn) => {
                self.stop_connection_timers();
                self.abandon(conn, code, &reason);
                let ending = Ending {
                    code,
                    reason,
                    was_clean: false,
                    unsent_bytes: None,
                };
                self.emit_closed(ending, true);
            }
            Phase::Resolving(_) | Phase::Waiting => {
                self.stop_timer(Timer::Retry);
                self.stop_timer(Timer::Handshake);
            }
            // A reconnect by hand tries even while paused (the user may know better than the
            // browser's network flag; should it fail, the machine pauses again) or resting.
            Phase::Idle | Phase::Closed | Phase::Paused | Phase::Dormant => {}
        }
        self.retries = 0;
        self.start_attempt();
    }

    fn socket_closed(&mut self, conn: ConnId, ending: Ending, reconnect_allowed: bool) {
        match self.phase {
            Phase::Closing(current) if current == conn && self.idle_closing => {
                self.stop_timer(Timer::Handshake);
                self.idle_closed(ending);
            }
            Phase::Closing(current) if current == conn => {
                self.stop_timer(Timer::Handshake);
                self.phase = Phase::Closed;
                self.emit_closed(ending, false);
            }
            Phase::Connecting(current) | Phase::Open(current) if current == conn => {
                if self.phase == Phase::Connecting(conn) {
                    self.probe.handshake_failed();
                }
                let reconnect =
                    reconnect_allowed && !self.policy.final_codes.contains(&ending.code);
                self.connection_ended(ending, reconnect);
            }
            _ => {}
        }
    }

    /// Timer `timer`, due at `due`, fired at `now`.
    fn timer_fired(&mut self, timer: Timer, due: f64, now: f64) {
        match (timer, self.phase) {
            (Timer::Retry, Phase::Waiting) => self.start_attempt(),
            // A send woke the resting socket.
            (Timer::Retry, Phase::Dormant) => self.wake(),
            (Timer::Handshake, Phase::Resolving(_)) => self.attempt_failed(Failure::ConnectTimeout),
            // The error was the failure; its close never came.
            (Timer::Handshake, Phase::Connecting(conn)) if self.handshake_errored == Some(conn) => {
                self.probe.handshake_failed();
                self.abandon(conn, NORMAL, "connection failed");
                let reconnect = !self.policy.final_codes.contains(&ABNORMAL);
                self.connection_ended(Ending::abandoned(ABNORMAL, ""), reconnect);
            }
            (Timer::Handshake, Phase::Connecting(conn)) => {
                self.probe.handshake_failed();
                self.abandon(conn, NORMAL, "connect timeout");
                self.emit(Event::Failed(Failure::ConnectTimeout));
                self.connection_ended(Ending::abandoned(ABNORMAL, "connect timeout"), true);
            }
            (Timer::Handshake, Phase::Open(conn)) if self.setting_up => {
                self.setup_failed(conn, Failure::SetupTimeout);
            }
            // In session mode the connect timeout covers the wait for the welcome.
            (Timer::Handshake, Phase::Open(conn)) => {
                self.abandon(conn, NORMAL, "connect timeout");
                self.emit(Event::Failed(Failure::ConnectTimeout));
                self.connection_ended(Ending::abandoned(ABNORMAL, "connect timeout"), true);
            }
            (Timer::Handshake, Phase::Closing(conn)) if self.idle_closing => {
                self.abandon(conn, NORMAL, "close timeout");
                self.idle_closed(Ending::abandoned(ABNORMAL, "close timeout"));
            }
            (Timer::Handshake, Phase::Closing(conn)) => {
                self.abandon(conn, NORMAL, "close timeout");
                self.phase = Phase::Closed;
                self.emit_closed(Ending::abandoned(ABNORMAL, "close timeout"), false);
            }
            (Timer::Uptime, Phase::Open(_)) => self.retries = 0,
            (Timer::Buffered, Phase::Open(conn))
                if self
                    .in_flight
                    .as_mut()
                    .is_some_and(InFlight::ask_for_reading) =>
            {
                self.outputs.push_back(Output::MeasureBuffered { conn });
            }
            (Timer::Ping, Phase::Open(_)) => self.ping_due(now),
            (Timer::SessionAck, Phase::Open(_)) => self.send_session_ack(),
            (Timer::Expiry, _) => self.expire(now),
            (Timer::IdleClose, Phase::Open(conn)) if !self.has_demand() => {
                match (
                    std::mem::take(&mut self.idle_activity),
                    self.policy.idle_close_ms,
                ) {
                    (true, Some(ms)) => self.start_timer(Timer::IdleClose, ms),
                    _ => self.idle_close(conn),
                }
            }
            (Timer::Requests, _) => {
                let outputs = &mut self.outputs;
                let failure = RequestFailure::TimedOut;
                (self.requests).end_expired(now, |id| failed(outputs, id, failure));
                self.arm_request_timer();
            }
            (Timer::PongDeadline, Phase::Open(conn)) => {
                let late_by = now - due;
                if let (Some(heartbeat), Some(liveness)) =
                    (self.policy.heartbeat, self.liveness.as_mut())
                    && liveness.extend_deadline(late_by, heartbeat.timeout_ms)
                {
                    self.start_timer(Timer::PongDeadline, heartbeat.timeout_ms);
                    return;
                }
                self.abandon(conn, HEARTBEAT_TIMEOUT, "heartbeat timeout");
                let ending = Ending::abandoned(HEARTBEAT_TIMEOUT, "heartbeat timeout");
                self.connection_ended(ending, true);
            }
            // Every timer is stopped when its phase ends, so these cannot fire; ignoring them
            // keeps a confused driver harmless.
            _ => {}
        }
    }

    fn ping_due(&mut self, now: f64) {
        let (Some(heartbeat), Some(liveness)) = (self.policy.heartbeat, self.liveness.as_mut())
        else {
            return;
        };
        match liveness.ping_due(now, heartbeat.interval_ms) {
            PingDue::WaitMore(ms) => self.start_timer(Timer::Ping, ms),
            PingDue::SendPing => self.send_ping(heartbeat.timeout_ms),
        }
    }

    fn send_ping(&mut self, timeout_ms: u32) {
        let ping = match self.session.get() {
            Some(_) => Output::Control(Control::Ping.encode()),
            None => Output::Ping,
        };
        self.outputs.push_back(ping);
        if let Some(in_flight) = &mut self.in_flight {
            in_flight.hand_ping();
        }
        self.start_timer(Timer::PongDeadline, timeout_ms);
    }

    fn abandon(&mut self, conn: ConnId, code: u16, reason: &str) {
        // A session outlives the connections the machine leaves while it means to go on; only
        // a close the user asked for ends it with 1000.
        let leaving_for_good =
            matches!(self.phase, Phase::Closing(_) | Phase::Closed) && !self.idle_closing;
        let in_session = (self.session.get()).is_some_and(|session| session.identity().is_some());
        let code = if code == NORMAL && in_session && !leaving_for_good {
            WILL_RESUME
        } else {
            code
        };
        self.outputs.push_back(Output::Abandon {
            conn,
            code,
            reason: reason.into(),
        });
        // Whatever follows, the session is not ready on a socket given up: its messages wait
        // for the next welcome.
        if let Some(session) = self.session.get_mut() {
            session.disconnected();
        }
    }

    /// An attempt failed before any socket existed.
    fn attempt_failed(&mut self, failure: Failure) {
        self.stop_timer(Timer::Handshake);
        self.emit(Event::Failed(failure));
        self.retry_or_give_up(false);
    }

    /// The socket is gone (closed by the peer, lost, or abandoned by us).
    fn connection_ended(&mut self, ending: Ending, reconnect: bool) {
        self.stop_connection_timers();
        if let Some(session) = self.session.get_mut() {
            session.disconnected();
        }
        let will_reconnect = reconnect && (self.paused() || self.can_retry());
        let try_again_later = ending.code == TRY_AGAIN_LATER;
        self.emit_closed(ending, will_reconnect);
        // Nothing wanted (the unsent tail, requeued above, is): rest until something is.
        if reconnect && self.rests_when_idle() && !self.has_demand() {
            self.phase = Phase::Dormant;
        } else if reconnect {
            self.retry_or_give_up(try_again_later);
        } else {
            self.phase = Phase::Closed;
        }
    }

    /// Reports the end of a socket (or of the wait for one), first settling what became of
    /// the messages handed to it: the unsent ones go back to the front of the queue.
    fn emit_closed(&mut self, ending: Ending, will_reconnect: bool) {
        let (requeued, unconfirmed) = match (self.in_flight.take(), ending.unsent_bytes) {
            (None, _) => (0, 0),
            (Some(in_flight), None) => (0, in_flight.abandon()),
            (Some(in_flight), Some(unsent_bytes)) => {
                let Settled {
                    unsent,
                    unconfirmed,
                } = in_flight.settle(unsent_bytes);
                let requeued = unsent.len();
                self.queue.requeue(unsent);
                (requeued, unconfirmed)
            }
        };
        if will_reconnect {
            // In session mode nothing handed to a connection is lost: the session sends it
            // again if the server did not get it.
            if !self.session.is_some() {
                self.requests_lost();
            }
        } else {
            self.fail_all_requests();
        }
        self.emit(Event::Closed(Closed {
            code: ending.code,
            reason: ending.reason,
            was_clean: ending.was_clean,
            will_reconnect,
            requeued,
            unconfirmed,
        }));
    }

    /// The socket the requests handed to it were on is gone, and another attempt follows:
    /// they fail, or with `resend_requests` go to the back of the queue to be sent again.
    /// Those it never transmitted are back in the queue already, and stay pending.
    fn requests_lost(&mut self) {
        let first_waiting = self.first_waiting_seq();
        if !self.policy.resend_requests {
            let (outputs, failure) = (&mut self.outputs, RequestFailure::ConnectionLost);
            (self.requests).end_sent_before(first_waiting, |id| failed(outputs, id, failure));
            return;
        }
        let mut dropped = 0;
        for id in self.requests.sent_before(first_waiting) {
            let Some(frame) = self.requests.frame_to_resend(id) else {
                continue;
            };
            match self.queue.push(frame, self.next_seq) {
                Ok(pushed_out) => {
                    dropped += pushed_out;
                    self.requests.resent(id, self.next_seq);
                    self.next_seq += 1;
                }
                Err(_) => {
                    let capacity = self.queue.capacity();
                    if self.requests.end(id) {
                        failed(
                            &mut self.outputs,
                            id,
                            RequestFailure::QueueFull { capacity },
                        );
                    }
                }
            }
        }
        if dropped > 0 {
            self.fail_dropped_requests();
        }
    }

    /// `Overflow::DropOldest` pushed frames out of the queue: their requests fail.
    fn fail_dropped_requests(&mut self) {
        let first_waiting = self.first_waiting_seq();
        let (outputs, failure) = (&mut self.outputs, RequestFailure::Dropped);
        (self.requests).end_sent_before(first_waiting, |id| failed(outputs, id, failure));
    }

    /// The socket closed for good: no request will be answered.
    fn fail_all_requests(&mut self) {
        let (outputs, failure) = (&mut self.outputs, RequestFailure::Closed);
        self.requests.end_all(|id| failed(outputs, id, failure));
        self.stop_timer(Timer::Requests);
    }

    /// With no request left, the requests' timer has nothing to wait for: a closed or idle
    /// machine holds no timer.
    fn stop_request_timer_if_idle(&mut self) {
        if self.requests.next_deadline().is_none() {
            self.stop_timer(Timer::Requests);
        }
    }

    /// Keeps the requests' timer on the earliest deadline, when it is not already due sooner.
    fn arm_request_timer(&mut self) {
        let Some(deadline) = self.requests.next_deadline() else {
            return;
        };
        if self
            .timers
            .due(Timer::Requests)
            .is_some_and(|due| due <= deadline)
        {
            return;
        }
        self.timers.start(Timer::Requests, deadline);
    }

    /// Hands frame `seq` to the open socket, keeping track of it until its fate is known.
    fn transmit(&mut self, conn: ConnId, frame: F, seq: u64) {
        let measure = self
            .in_flight
            .as_mut()
            .is_some_and(|in_flight| in_flight.hand(frame.clone(), seq));
        self.outputs.push_back(Output::Transmit(frame));
        if measure {
            self.outputs.push_back(Output::MeasureBuffered { conn });
        }
    }

    fn can_retry(&self) -> bool {
        self.policy.max_retries.is_none_or(|max| self.retries < max)
    }

    /// Whether attempts wait for the network or the page to come back.
    fn paused(&self) -> bool {
        self.offline || self.suspended
    }

    fn retry_or_give_up(&mut self, try_again_later: bool) {
        // Retrying now would fail for the same reason; the resume starts a fresh count.
        if self.paused() {
            self.phase = Phase::Paused;
            return;
        }
        if !self.can_retry() {
            self.phase = Phase::Closed;
            self.fail_all_requests();
            self.emit(Event::RetriesExhausted {
                retries: self.retries,
            });
            return;
        }
        self.retries = self.retries.saturating_add(1);
        let random = self.rng.next_unit();
        let backoff = &self.policy.backoff;
        let delay_ms = if try_again_later {
            backoff.max_delay_jittered_ms(random)
        } else {
            backoff.delay_ms(self.retries, random)
        };
        self.phase = Phase::Waiting;
        // Even a zero delay goes through a timer: the browser gets its turn between attempts,
        // so a URL that fails synchronously cannot spin in a tight loop.
        self.start_timer(Timer::Retry, delay_ms);
        self.emit(Event::Reconnecting {
            attempt: self.retries,
            delay_ms,
        });
    }

    /// Ends what belongs to the current connection: its timers, its setup step (what waited
    /// for that stays queued; in session mode it goes back into the session, kept for the next
    /// connection), and its setup step's requests.
    fn stop_connection_timers(&mut self) {
        self.liveness = None;
        if std::mem::take(&mut self.setting_up) && self.session.is_some() {
            for (frame, seq) in self.queue.take_all() {
                self.give_back_to_session(frame, seq);
            }
        }
        let (outputs, failure) = (&mut self.outputs, RequestFailure::ConnectionLost);
        self.requests.end_setup(|id| failed(outputs, id, failure));
        for timer in [
            Timer::Handshake,
            Timer::Uptime,
            Timer::Ping,
            Timer::PongDeadline,
            Timer::Buffered,
            Timer::SessionAck,
        ] {
            self.stop_timer(timer);
        }
    }

    fn start_timer(&mut self, timer: Timer, after_ms: u32) {
        self.timers.start(timer, self.now + f64::from(after_ms));
    }

    fn stop_timer(&mut self, timer: Timer) {
        self.timers.stop(timer);
    }

    fn emit(&mut self, event: Event) {
        self.outputs.push_back(Output::Emit(event));
    }
}

/// Tells the driver that request `id` failed.
fn failed<F>(outputs: &mut VecDeque<Output<F>>, id: u64, failure: RequestFailure) {
    outputs.push_back(Output::RequestFailed { id, failure });
}

/// The output that carries out a session's transmission.
fn transmission<F>(sent: Transmission<F>) -> Output<F> {
    match sent {
        Transmission::One(frame) => Output::Transmit(frame),
        Transmission::Batch(frames) => Output::TransmitBatch(frames),
    }
}

/// The size a session frame reports, for the message size limit.
fn size_of(frame: SessionFrame<'_>) -> u64 {
    match frame {
        SessionFrame::Messages { size, .. } => size,
        SessionFrame::Control(_) | SessionFrame::Invalid(_) => 0,
    }
}
