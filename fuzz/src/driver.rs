//! A simulated driver for `Machine<Frame>`: a fake clock, fake timers and fake sockets.
//!
//! It carries out outputs the way `src/driver.rs` does in the browser and asserts, on every
//! output and after every operation, that the machine asks for nothing a real driver could
//! not do and loses no message. Frames are numbered in send order, so order is easy to check;
//! the browser holds what it was handed until a `Drain` lets it go, so a socket that dies
//! leaves a tail the machine must send again, in order, exactly once.

use resocket::core::{ConnId, Event, Input, Machine, Output, Policy, Sent, State, WireSize};

use crate::bounds::{BaseDelays, jittered_range};
use crate::scenario::{Op, Target};

const URL: &str = "wss://example.test/fuzz";

/// A numbered message of a fixed size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame(u64);

impl Frame {
    const SIZE: u64 = 8;
}

impl WireSize for Frame {
    fn wire_size(&self) -> u64 {
        Frame::SIZE
    }
}
const TRY_AGAIN_LATER: u16 = 1013;

/// The live socket as the simulated browser sees it: from `Output::Connect` until
/// `Input::Closed` or `Input::OpenFailed` is fed for it, or `Output::Abandon` names it.
#[derive(Clone, Copy, Debug)]
struct Socket {
    conn: ConnId,
    open: bool,
    /// The machine asked to close it (`Output::Close`).
    closing: bool,
}

/// The machine under test and everything the invariants need to know about its past.
pub struct Driver {
    machine: Machine<Frame>,
    now: f64,
    /// The attempt whose URL was asked for and not answered yet.
    pending_url: Option<ConnId>,
    socket: Option<Socket>,
    /// The highest id seen, so stale events can name any earlier one.
    last_conn: u64,
    /// Frames accepted by `send`, minus those reported dropped, in acceptance order.
    accepted: Vec<Frame>,
    /// How many of `accepted` were transmitted (always a prefix), minus those sent again.
    transmitted: usize,
    /// Messages the live socket's browser still holds (the newest transmitted on it).
    unsent: usize,
    /// What the next `Closed` event must report as requeued.
    expect_requeued: usize,
    /// Messages transmitted on the live socket since its last ping, while the ping waits for
    /// its pong: a pong proves the browser sent everything before the ping.
    since_ping: Option<usize>,
    next_frame: u64,
    /// The live socket was just closed with 1013, so a retry may wait the maximum delay.
    try_again_later: bool,
    /// The user closed and has not connected since: nothing may reconnect.
    closed_by_user: bool,
    /// The browser reported the network lost and not back since.
    offline: bool,
    /// The page is in the back/forward cache.
    suspended: bool,
    /// The user's reconnect is being carried out: the one attempt allowed while paused.
    reconnecting_by_hand: bool,
    base_delays: BaseDelays,
}

impl Driver {
    pub fn new(policy: Policy, seed: u64) -> Driver {
        Driver {
            machine: Machine::new(policy, seed).expect("the scenario builds valid policies"),
            now: 0.0,
            pending_url: None,
            socket: None,
            last_conn: 0,
            accepted: Vec::new(),
            transmitted: 0,
            unsent: 0,
            expect_requeued: 0,
            since_ping: None,
            next_frame: 0,
            try_again_later: false,
            closed_by_user: false,
            offline: false,
            suspended: false,
            reconnecting_by_hand: false,
            base_delays: BaseDelays::default(),
        }
    }

    /// Carries out one operation, then checks the invariants that hold between operations.
    pub fn step(&mut self, op: &Op) {
        match op {
            Op::Connect => {
                self.closed_by_user = false;
                let online = !self.offline;
                self.input(Input::Connect { online });
            }
            Op::Send => self.send(),
            Op::Close(code) => {
                self.closed_by_user = true;
                self.input(Input::Close {
                    code: code.code(),
                    reason: "user".into(),
                });
            }
            Op::Reconnect(code) => {
                self.closed_by_user = false;
                self.reconnecting_by_hand = true;
                self.input(Input::Reconnect {
                    code: code.code(),
                    reason: "reconnect".into(),
                    online: !self.offline,
                });
                self.reconnecting_by_hand = false;
            }
            Op::Url { target, ok } => {
                let conn = match target {
                    Target::Live => self.pending_url,
                    Target::Stale(index) => self.stale(*index),
                };
                if let Some(conn) = conn {
                    if self.pending_url == Some(conn) {
                        self.pending_url = None;
                    }
                    self.input(if *ok {
                        Input::UrlResolved {
                            conn,
                            url: URL.into(),
                        }
                    } else {
                        Input::UrlFailed {
                            conn,
                            error: "provider".into(),
                        }
                    });
                }
            }
            // A browser refuses a socket as it creates it: never once it opened or closes.
            Op::OpenFailed(target) => self.socket_input(
                *target,
                |s| !s.open && !s.closing,
                |conn| Input::OpenFailed {
                    conn,
                    error: "refused".into(),
                },
            ),
            Op::Opened(target) => {
                self.socket_input(*target, |s| !s.open, |conn| Input::Opened { conn })
            }
            // Messages and pongs only arrive on a socket that opened.
            Op::Received(target) => self.socket_receive(*target, false),
            Op::Pong(target) => {
                let answered =
                    matches!(target, Target::Live) && self.machine.state() == State::Open;
                if let Some(since_ping) = self.since_ping.take_if(|_| answered) {
                    self.unsent = self.unsent.min(since_ping);
                }
                self.socket_receive(*target, true);
            }
            Op::SocketError(target) => {
                self.socket_input(*target, |_| true, |conn| Input::SocketError { conn })
            }
            Op::Drain(count) => self.unsent = self.unsent.saturating_sub(usize::from(*count)),
            Op::Closed {
                target,
                code,
                reason,
                was_clean,
                allowed,
            } => {
                let code = code.code();
                let live = matches!(target, Target::Live);
                self.try_again_later = code == TRY_AGAIN_LATER && live;
                // Only the live socket's close is news; its unsent tail must come back.
                let unsent = if live { self.unsent } else { 0 };
                self.expect_requeued = unsent;
                self.socket_input(
                    *target,
                    |_| true,
                    |conn| Input::Closed {
                        conn,
                        code,
                        reason: reason.clone(),
                        was_clean: *was_clean,
                        unsent_bytes: unsent as u64 * Frame::SIZE,
                        reconnect_allowed: *allowed,
                    },
                );
                self.try_again_later = false;
                self.expect_requeued = 0;
            }
            Op::Timeout => {
                self.machine.handle_timeout(self.now);
                self.run();
            }
            Op::Advance(ms) => self.advance(*ms),
            Op::Stall(ms) => self.stall(*ms),
            Op::Offline => {
                self.offline = true;
                self.input(Input::Offline);
            }
            Op::Online => {
                self.offline = false;
                self.input(Input::Online);
            }
            Op::Suspend => {
                self.suspended = true;
                self.input(Input::Suspend);
            }
            Op::Resume => {
                self.suspended = false;
                let online = !self.offline;
                self.input(Input::Resume { online });
            }
            Op::Wake => self.input(Input::Wake),
        }
        self.check();
    }

    fn send(&mut self) {
        self.next_frame += 1;
        let frame = Frame(self.next_frame);
        let state = self.machine.state();
        // The ledger is updated before the outputs are carried out, as they may transmit it.
        match self.machine.send(frame) {
            Ok(Sent::Now) => assert_eq!(state, State::Open, "sent at once while {state:?}"),
            Ok(Sent::Queued { dropped }) => {
                // The dropped frames are the oldest queued: right after those transmitted.
                let oldest = self.transmitted;
                assert!(oldest + dropped <= self.accepted.len(), "dropped too many");
                self.accepted.drain(oldest..oldest + dropped);
            }
            Err(rejected) => {
                assert_eq!(rejected.frame, frame, "rejected a different frame");
                return;
            }
        }
        self.accepted.push(frame);
        self.run();
    }

    /// Any id handed out so far except the live socket's, picked without listing them: long
    /// runs of timeouts hand out tens of thousands of ids.
    fn stale(&self, index: u8) -> Option<ConnId> {
        let live = self.socket.map(|socket| socket.conn.0);
        let count = self.last_conn - u64::from(live.is_some());
        if count == 0 {
            return None;
        }
        let pick = 1 + u64::from(index) % count;
        // Ids above the live one shift up by one to skip it.
        Some(ConnId(if live.is_some_and(|live| pick >= live) {
            pick + 1
        } else {
            pick
        }))
    }

    /// Feeds a socket event for the live socket, if `possible` for it, or for a stale id.
    /// A message (`pong`: the pong) arrives on a socket that opened.
    fn socket_receive(&mut self, target: Target, pong: bool) {
        let conn = match target {
            Target::Live => self.socket.filter(|s| s.open).map(|s| s.conn),
            Target::Stale(index) => self.stale(index),
        };
        if let Some(conn) = conn {
            self.machine.receive(conn, Frame::SIZE, pong, self.now);
            self.run();
        }
    }

    fn socket_input(
        &mut self,
        target: Target,
        possible: impl Fn(&Socket) -> bool,
        input: impl FnOnce(ConnId) -> Input,
    ) {
        let conn = match target {
            Target::Live => self.socket.filter(|s| possible(s)).map(|s| s.conn),
            Target::Stale(index) => self.stale(index),
        };
        if let Some(conn) = conn {
            self.input(input(conn));
        }
    }

    /// The clock moves on, with the driver's one timer firing at each deadline the machine
    /// names.
    fn advance(&mut self, ms: u16) {
        let until = self.now + f64::from(ms);
        while let Some(at) = self.machine.poll_timeout().filter(|&at| at <= until) {
            self.now = self.now.max(at);
            self.machine.handle_timeout(self.now);
            self.run();
        }
        self.now = until;
    }

    fn stall(&mut self, ms: u16) {
        self.now += f64::from(ms);
        while self.machine.poll_timeout().is_some_and(|at| at <= self.now) {
            self.machine.handle_timeout(self.now);
            self.run();
        }
    }

    fn input(&mut self, input: Input) {
        if let Some(socket) = self.socket.as_mut() {
            match input {
                Input::Opened { conn } if conn == socket.conn => socket.open = true,
                Input::Closed { conn, .. } | Input::OpenFailed { conn, .. }
                    if conn == socket.conn =>
                {
                    self.socket = None;
                }
                _ => {}
            }
        }
        self.machine.handle(input, self.now);
        self.run();
    }

    fn run(&mut self) {
        while let Some(output) = self.machine.poll_output() {
            self.execute(output);
        }
    }

    fn execute(&mut self, output: Output<Frame>) {
        match output {
            Output::ResolveUrl { conn } => {
                assert!(
                    !(self.offline || self.suspended) || self.reconnecting_by_hand,
                    "{conn:?} attempted while offline or suspended"
                );
                self.last_conn = self.last_conn.max(conn.0);
                self.pending_url = Some(conn);
            }
            Output::Connect { conn, .. } => {
                assert!(
                    self.socket.is_none(),
                    "{conn:?} created while {:?} lives",
                    self.socket
                );
                assert!(!self.closed_by_user, "{conn:?} created after a user close");
                self.last_conn = self.last_conn.max(conn.0);
                self.socket = Some(Socket {
                    conn,
                    open: false,
                    closing: false,
                });
            }
            Output::Transmit(frame) => {
                self.assert_sendable("transmit");
                assert_eq!(
                    self.accepted.get(self.transmitted),
                    Some(&frame),
                    "{frame:?} out of order, twice, or never accepted"
                );
                self.transmitted += 1;
                self.unsent += 1;
                if let Some(since_ping) = &mut self.since_ping {
                    *since_ping += 1;
                }
            }
            Output::MeasureBuffered { conn } => {
                self.assert_sendable("measure");
                let unsent_bytes = self.unsent as u64 * Frame::SIZE;
                self.input(Input::Buffered { conn, unsent_bytes });
            }
            Output::Ping => {
                self.assert_sendable("ping");
                self.since_ping = Some(0);
            }
            Output::Close { conn, .. } => {
                let socket = self.socket.as_mut().expect("close with no live socket");
                assert_eq!(socket.conn, conn, "close names a socket that is not live");
                socket.closing = true;
            }
            Output::Abandon { conn, .. } => {
                let socket = self.socket.take().expect("abandon with no live socket");
                assert_eq!(socket.conn, conn, "abandon names a socket that is not live");
                // The browser may still send what it holds: it counts as transmitted.
                self.unsent = 0;
                self.since_ping = None;
            }
            Output::RequestFailed { .. } => panic!("a request failed, but none was made"),
            Output::Emit(event) => self.check_event(&event),
        }
    }

    fn check_event(&mut self, event: &Event) {
        let policy = self.machine.policy();
        match *event {
            Event::Reconnecting { attempt, delay_ms } => {
                assert!(!self.closed_by_user, "reconnecting after a user close");
                assert!(attempt >= 1);
                assert!(policy.max_retries.is_none_or(|max| attempt <= max));
                let backoff = &policy.backoff;
                let in_bounds = self
                    .base_delays
                    .bounds(backoff, attempt)
                    .contains(&delay_ms)
                    || (self.try_again_later
                        && jittered_range(backoff, f64::from(backoff.max_delay_ms))
                            .contains(&delay_ms));
                assert!(
                    in_bounds,
                    "retry {attempt} waits {delay_ms} ms with {backoff:?}"
                );
            }
            Event::RetriesExhausted { retries } => {
                assert_eq!(Some(retries), policy.max_retries);
            }
            Event::Closed { requeued, .. } => {
                assert_eq!(
                    requeued, self.expect_requeued,
                    "requeued other than the unsent tail"
                );
                // The tail goes back to the front of the queue, to be transmitted again.
                self.transmitted -= requeued;
                self.unsent = 0;
                self.since_ping = None;
                self.expect_requeued = 0;
            }
            _ => {}
        }
    }

    fn assert_sendable(&self, what: &str) {
        let socket = self
            .socket
            .unwrap_or_else(|| panic!("{what} with no live socket"));
        assert!(socket.open && !socket.closing, "{what} on {socket:?}");
    }

    /// The invariants that hold between operations.
    fn check(&self) {
        let machine = &self.machine;
        let live = self.socket.map(|socket| socket.conn);
        assert_eq!(
            live,
            machine.socket(),
            "the machine and the browser disagree"
        );
        if machine.state() == State::Open {
            let socket = self.socket.expect("open with no socket");
            assert!(socket.open && !socket.closing, "open while {socket:?}");
        }
        if machine.state() == State::Closed {
            assert!(
                self.machine.poll_timeout().is_none(),
                "a closed machine holds timers"
            );
        }
        assert_eq!(machine.is_offline(), self.offline);
        let paused = self.offline || self.suspended;
        match machine.state() {
            State::Offline | State::Suspended => {
                assert!(paused, "paused with the network and the page back");
                assert!(
                    self.machine.poll_timeout().is_none(),
                    "a paused machine holds timers"
                );
                assert!(self.socket.is_none(), "a paused machine holds a socket");
                let cause = if self.suspended {
                    State::Suspended
                } else {
                    State::Offline
                };
                assert_eq!(machine.state(), cause, "the state names another cause");
            }
            State::Waiting => assert!(!paused, "waiting to retry while paused"),
            State::Connecting | State::Open | State::Closing | State::Closed => {}
        }
        assert!(
            machine
                .queued()
                .eq(self.accepted[self.transmitted..].iter()),
            "the queue holds other frames than those accepted and not yet transmitted"
        );
    }
}
