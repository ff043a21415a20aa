//! A simulated driver for [`Machine<String>`]: a fake clock, fake timers and fake sockets.
//!
//! It carries out outputs the way `src/driver.rs` does in the browser (in order, with inputs
//! that outputs trigger joining the same queue) and asserts on every output that the machine
//! asks for nothing a real driver could not do: a second live socket, a send on a socket that
//! is not open, or a close of a socket that is not the live one.

use std::collections::VecDeque;

use resocket::core::{
    ConnId, Event, Input, Machine, Output, Policy, Received, Rejected, RequestFailure, Sent, Timer,
};

/// The URL the simulated fixed-URL provider resolves to.
pub const URL: &str = "wss://example.test/live";

/// The live socket as the simulated browser sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Socket {
    /// Its id.
    pub conn: ConnId,
    /// The open event was fed.
    pub open: bool,
    /// The machine asked to close it (`Output::Close`).
    pub closing: bool,
}

/// A `Close` or `Abandon` the machine asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closure {
    pub conn: ConnId,
    pub code: u16,
    pub reason: String,
}

pub struct Sim {
    pub machine: Machine<String>,
    /// Simulated time in milliseconds.
    pub now: f64,
    /// Answer every `ResolveUrl` at once with [`URL`], like a driver with a fixed URL. When
    /// false, the request waits in `resolving` for [`Sim::resolve`] or [`Sim::fail_url`].
    pub auto_resolve: bool,
    /// The last attempt that asked for a URL.
    pub resolving: Option<ConnId>,
    /// The socket that exists: from `Output::Connect` until `Input::Closed` (or
    /// `Input::OpenFailed`) is fed for it or `Output::Abandon` names it.
    pub socket: Option<Socket>,
    /// Every output carried out, with the time.
    pub log: Vec<(f64, Output<String>)>,
    /// Every event emitted, with the time; [`Sim::take_events`] drains it.
    pub events: Vec<(f64, Event)>,
    /// When each socket was created.
    pub connects: Vec<(f64, ConnId)>,
    /// Frames handed to an open socket, in order.
    pub transmitted: Vec<String>,
    /// When each ping was sent.
    pub pings: Vec<f64>,
    /// The live socket's `bufferedAmount`: what the simulated browser has not transmitted.
    /// Tests set it; it answers `MeasureBuffered` and goes with the next close. Unused when
    /// `wire` models the browser's buffer.
    pub unsent_bytes: u64,
    /// The browser's send buffer and the network behind it, when a test models them.
    pub wire: Option<Wire>,
    /// The heartbeat ping's size, as the machine was told.
    ping_size: u64,
    /// How many `MeasureBuffered` the machine asked for.
    pub measures: usize,
    pub closes: Vec<Closure>,
    pub abandons: Vec<Closure>,
    /// Every request the machine failed, in order.
    pub failed_requests: Vec<(u64, RequestFailure)>,
    /// Every change of the machine's timers, seen after each call: when, which, and its new
    /// deadline (`None`: stopped, or fired).
    pub timer_log: Vec<(f64, Timer, Option<f64>)>,
    timers_seen: [Option<f64>; Timer::ALL.len()],
}

impl Sim {
    /// A closed machine with `policy` and a fixed jitter seed.
    pub fn new(policy: Policy) -> Sim {
        Sim::with_seed(policy, 1)
    }

    pub fn with_seed(policy: Policy, seed: u64) -> Sim {
        Sim {
            machine: Machine::new(policy, seed).expect("valid policy"),
            now: 0.0,
            auto_resolve: true,
            resolving: None,
            socket: None,
            log: Vec::new(),
            events: Vec::new(),
            connects: Vec::new(),
            transmitted: Vec::new(),
            pings: Vec::new(),
            unsent_bytes: 0,
            wire: None,
            ping_size: 0,
            measures: 0,
            closes: Vec::new(),
            abandons: Vec::new(),
            failed_requests: Vec::new(),
            timer_log: Vec::new(),
            timers_seen: [None; Timer::ALL.len()],
        }
    }

    /// A closed machine told that the heartbeat ping is `bytes` long.
    pub fn with_ping_size(policy: Policy, bytes: u64) -> Sim {
        let mut sim = Sim::new(policy.clone());
        sim.machine = Machine::new(policy, 1)
            .expect("valid policy")
            .with_ping_size(bytes);
        sim.ping_size = bytes;
        sim
    }

    /// Connected and open at time 0, with the events so far drained.
    pub fn open_with(policy: Policy) -> Sim {
        let mut sim = Sim::new(policy);
        sim.connect();
        sim.open();
        sim.take_events();
        sim
    }

    /// Feeds `input` at the current time and carries out the outputs.
    pub fn input(&mut self, input: Input) {
        self.feed(input);
        self.run();
    }

    pub fn send(&mut self, frame: &str) -> Result<Sent, Rejected<String>> {
        let sent = self.machine.send(frame.to_string());
        self.run();
        sent
    }

    /// Sends `frame` as a request with `timeout_ms`.
    pub fn request(&mut self, frame: &str, timeout_ms: u32) -> Result<u64, Rejected<String>> {
        let id = self
            .machine
            .request(frame.to_string(), timeout_ms, self.now);
        self.run();
        id
    }

    /// Connects, with the network as the machine last heard of it.
    pub fn connect(&mut self) {
        let online = !self.machine.is_offline();
        self.input(Input::Connect { online });
    }

    pub fn close(&mut self, code: u16, reason: &str) {
        self.input(Input::Close {
            code,
            reason: reason.into(),
        });
    }

    /// Reconnects by hand, with the network as the machine last heard of it.
    pub fn reconnect(&mut self) {
        let online = !self.machine.is_offline();
        self.input(Input::Reconnect {
            code: 1000,
            reason: "reconnect".into(),
            online,
        });
    }

    /// The page comes back from the back/forward cache, with the network as the machine last
    /// heard of it.
    pub fn resume(&mut self) {
        let online = !self.machine.is_offline();
        self.input(Input::Resume { online });
    }

    /// The live socket's id; panics if there is none.
    pub fn conn(&self) -> ConnId {
        self.socket.expect("a live socket").conn
    }

    /// Answers the pending URL request with [`URL`].
    pub fn resolve(&mut self) {
        let conn = self.resolving.expect("a URL request");
        self.input(Input::UrlResolved {
            conn,
            url: URL.into(),
        });
    }

    pub fn fail_url(&mut self, error: &str) {
        let conn = self.resolving.expect("a URL request");
        self.input(Input::UrlFailed {
            conn,
            error: error.into(),
        });
    }

    /// The browser refused to create the live socket.
    pub fn fail_open(&mut self, error: &str) {
        let conn = self.conn();
        self.input(Input::OpenFailed {
            conn,
            error: error.into(),
        });
    }

    pub fn open(&mut self) {
        let conn = self.conn();
        self.input(Input::Opened { conn });
    }

    /// A one-byte message arrives on the live socket.
    pub fn receive(&mut self) -> Received {
        let conn = self.conn();
        self.receive_on(conn, 1, false)
    }

    /// The heartbeat's pong arrives on the live socket.
    pub fn pong(&mut self) -> Received {
        let conn = self.conn();
        self.receive_on(conn, 4, true)
    }

    /// A message of `size` arrives on socket `conn`; `pong` when it equals the pong.
    pub fn receive_on(&mut self, conn: ConnId, size: u64, pong: bool) -> Received {
        let received = self.machine.receive(conn, size, pong, self.now);
        self.run();
        received
    }

    pub fn socket_error(&mut self) {
        let conn = self.conn();
        self.input(Input::SocketError { conn });
    }

    /// The live socket closes cleanly with `code`, and no `should_reconnect` predicate objects.
    pub fn server_close(&mut self, code: u16, reason: &str) {
        self.socket_closed(code, reason, true, true);
    }

    /// The live socket closes cleanly with `code`, and the predicate vetoes a reconnect.
    pub fn server_close_vetoed(&mut self, code: u16, reason: &str) {
        self.socket_closed(code, reason, true, false);
    }

    /// The live socket is lost without a close frame (1006).
    pub fn drop_connection(&mut self) {
        self.socket_closed(1006, "", false, true);
    }

    pub fn socket_closed(&mut self, code: u16, reason: &str, was_clean: bool, allowed: bool) {
        let conn = self.conn();
        let unsent_bytes = self.buffered_amount();
        self.unsent_bytes = 0;
        if let Some(wire) = &mut self.wire {
            // Whatever the dead socket still held never reaches the server.
            wire.buffer.clear();
        }
        self.input(Input::Closed {
            conn,
            code,
            reason: reason.into(),
            was_clean,
            unsent_bytes,
            reconnect_allowed: allowed,
        });
    }

    /// Moves the clock on by `ms`, with the driver's one timer firing at each deadline the
    /// machine names.
    pub fn advance(&mut self, ms: u32) {
        let until = self.now + f64::from(ms);
        while let Some(at) = self.machine.poll_timeout().filter(|&at| at <= until) {
            self.now = self.now.max(at);
            self.machine.handle_timeout(self.now);
            self.run();
        }
        self.now = until;
    }

    /// The page stalls for `ms` (frozen, or its timers throttled): the clock moves on with no
    /// timer firing, then the driver's timer fires now, late, until nothing is due.
    pub fn stall(&mut self, ms: u32) {
        self.now += f64::from(ms);
        while self.machine.poll_timeout().is_some_and(|at| at <= self.now) {
            self.machine.handle_timeout(self.now);
            self.run();
        }
    }

    /// Milliseconds until `timer` fires, if it is pending.
    pub fn due_in(&self, timer: Timer) -> Option<f64> {
        self.machine.timer_due(timer).map(|at| at - self.now)
    }

    /// The timers pending, in `Timer::ALL` order.
    pub fn pending_timers(&self) -> Vec<Timer> {
        Timer::ALL
            .into_iter()
            .filter(|&timer| self.machine.timer_due(timer).is_some())
            .collect()
    }

    /// The events emitted since the last call.
    pub fn take_events(&mut self) -> Vec<Event> {
        self.events.drain(..).map(|(_, event)| event).collect()
    }

    /// The delays of the `Reconnecting` events emitted since the last `take_events`.
    pub fn retry_delays(&self) -> Vec<u32> {
        self.events
            .iter()
            .filter_map(|(_, event)| match event {
                Event::Reconnecting { delay_ms, .. } => Some(*delay_ms),
                _ => None,
            })
            .collect()
    }

    /// Fails attempts by dropping each socket before it opens, `count` times, waiting out
    /// every retry delay; returns the delays in order.
    pub fn fail_attempts(&mut self, count: usize) -> Vec<u32> {
        let mut delays = Vec::new();
        for _ in 0..count {
            self.drop_connection();
            let delay = *self.retry_delays().last().expect("a retry");
            self.take_events();
            delays.push(delay);
            self.advance(delay);
        }
        delays
    }

    /// Updates the simulated browser for an input, then hands the input to the machine.
    fn feed(&mut self, input: Input) {
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
    }

    fn run(&mut self) {
        while let Some(output) = self.machine.poll_output() {
            self.log.push((self.now, output.clone()));
            self.execute(output);
        }
        for timer in Timer::ALL {
            let due = self.machine.timer_due(timer);
            if std::mem::replace(&mut self.timers_seen[timer.index()], due) != due {
                self.timer_log.push((self.now, timer, due));
            }
        }
    }

    fn execute(&mut self, output: Output<String>) {
        match output {
            Output::ResolveUrl { conn } => {
                self.resolving = Some(conn);
                if self.auto_resolve {
                    // Like the driver: the answer's outputs join the queue being carried out.
                    self.feed(Input::UrlResolved {
                        conn,
                        url: URL.into(),
                    });
                }
            }
            Output::Connect { conn, url } => {
                assert_eq!(
                    self.socket, None,
                    "{conn:?} created while another socket lives"
                );
                assert_eq!(
                    self.resolving,
                    Some(conn),
                    "{conn:?} connects without its URL"
                );
                assert_eq!(url, URL);
                self.socket = Some(Socket {
                    conn,
                    open: false,
                    closing: false,
                });
                self.connects.push((self.now, conn));
            }
            Output::Transmit(frame) => {
                self.assert_sendable("transmit");
                if let Some(wire) = &mut self.wire {
                    wire.buffer
                        .push_back((Some(frame.clone()), frame.len() as u64));
                }
                self.transmitted.push(frame);
            }
            Output::Ping => {
                self.assert_sendable("ping");
                if let Some(wire) = &mut self.wire {
                    wire.buffer.push_back((None, self.ping_size));
                }
                self.pings.push(self.now);
            }
            Output::MeasureBuffered { conn } => {
                self.assert_sendable("measure");
                self.measures += 1;
                self.feed(Input::Buffered {
                    conn,
                    unsent_bytes: self.buffered_amount(),
                });
            }
            Output::Close { conn, code, reason } => {
                let socket = self.socket.as_mut().expect("close with no live socket");
                assert_eq!(socket.conn, conn, "close names a socket that is not live");
                socket.closing = true;
                self.closes.push(Closure { conn, code, reason });
            }
            Output::Abandon { conn, code, reason } => {
                let socket = self.socket.take().expect("abandon with no live socket");
                assert_eq!(socket.conn, conn, "abandon names a socket that is not live");
                self.abandons.push(Closure { conn, code, reason });
            }
            Output::RequestFailed { id, failure } => self.failed_requests.push((id, failure)),
            Output::Emit(event) => self.events.push((self.now, event)),
        }
    }

    fn buffered_amount(&self) -> u64 {
        match &self.wire {
            Some(wire) => wire.unsent(),
            None => self.unsent_bytes,
        }
    }

    fn assert_sendable(&self, what: &str) {
        let socket = self
            .socket
            .unwrap_or_else(|| panic!("{what} with no live socket"));
        assert!(socket.open && !socket.closing, "{what} on {socket:?}");
    }
}

/// The simulated browser's send buffer and a network that delivers, in order, every message
/// that leaves it whole.
#[derive(Debug, Default)]
pub struct Wire {
    /// Messages (`None`: pings) not yet wholly transmitted, with their bytes still unsent.
    pub buffer: VecDeque<(Option<String>, u64)>,
    /// What the server received.
    pub delivered: Vec<String>,
}

impl Wire {
    /// The network takes `bytes` from the front of the buffer.
    pub fn drain(&mut self, mut bytes: u64) {
        while let Some((frame, left)) = self.buffer.front_mut() {
            let taken = bytes.min(*left);
            *left -= taken;
            bytes -= taken;
            if *left > 0 {
                break;
            }
            if let Some(frame) = frame.take() {
                self.delivered.push(frame);
            }
            self.buffer.pop_front();
        }
    }

    /// The bytes not transmitted yet: the browser's `bufferedAmount`.
    pub fn unsent(&self) -> u64 {
        self.buffer.iter().map(|(_, left)| left).sum()
    }
}

/// The default policy without jitter, so every delay is exact.
pub fn exact() -> Policy {
    let mut policy = Policy::default();
    policy.backoff.jitter = 0.0;
    policy
}

/// An `Event::Closed` of a connection that carried no messages, shorter to write.
pub fn closed(code: u16, reason: &str, was_clean: bool, will_reconnect: bool) -> Event {
    Event::Closed {
        code,
        reason: reason.into(),
        was_clean,
        will_reconnect,
        requeued: 0,
        unconfirmed: 0,
    }
}
