//! Property tests over random valid policies and random sequences of user requests (connect,
//! send, close, reconnect), socket events for the live socket or an old one (URL answers,
//! refused sockets, open, message, pong, error, close with random codes), listeners coming and
//! going, and clock advances, with lazy and idle-closing policies among the others.
//! After every step:
//! - at most one socket is live, and it is the one the machine reports (the `Sim` asserts
//!   this on every `Connect`, together with the next two);
//! - `Transmit` and `Ping` only go to an open socket the machine has not asked to close;
//! - every `Close` and `Abandon` names the live socket;
//! - every accepted frame is transmitted exactly once and in acceptance order, except those
//!   `DropOldest` reported dropped (always the oldest queued) and those still queued;
//! - `Event::Closed` count == sockets created + user closes that ended a socket-less wait;
//! - every retry delay is within the backoff bounds of its retry number (of the max delay
//!   after a 1013), matches its timer, and `max_retries` is never exceeded;
//! - after a user close nothing reconnects until the user connects again;
//! - a closed machine holds no pending timers;
//! - nothing panics.
//!
//! Also: `Backoff::delay_ms` stays within its bounds for any valid backoff and retry number.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use resocket_core::{
    Backoff, ConnId, Event, HeartbeatTiming, Input, Output, Overflow, Policy, SendError, Sent,
    State, Timer,
};
use resocket_sim::bounds::{delay_bounds, jittered_range};
use resocket_sim::{Sim, URL};

/// Which socket a socket event comes from.
#[derive(Clone, Copy, Debug)]
enum Target {
    Live,
    /// One of the sockets (or URL requests) the machine has moved on from, picked by index.
    Old(usize),
}

#[derive(Clone, Debug)]
enum Op {
    Connect,
    Send,
    Close(u16),
    Reconnect,
    /// The URL provider answers (`ok`) or fails.
    Url {
        target: Target,
        ok: bool,
    },
    /// The browser refuses to create the socket just asked for.
    OpenFailed,
    Opened(Target),
    Received(Target),
    Pong(Target),
    SocketError(Target),
    Closed {
        target: Target,
        code: u16,
        was_clean: bool,
        allowed: bool,
    },
    Advance(u32),
    /// The user starts or stops listening (a lazy or idle-closing socket connects for it).
    Interest(bool),
}

const CODES: [u16; 16] = [
    1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1015, 4000, 4001,
];

fn backoff() -> impl Strategy<Value = Backoff> {
    (
        0u32..3_000,
        0u32..60_000,
        prop_oneof![Just(1.0), 1.0..4.0, 1.0..f64::MAX],
        prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0],
    )
        .prop_map(|(a, b, grow_factor, jitter)| Backoff {
            min_delay_ms: a.min(b),
            max_delay_ms: a.max(b),
            grow_factor,
            jitter,
        })
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        backoff(),
        option::of(0u32..6),
        prop_oneof![Just(0u32), 1u32..10_000],
        // Not below 50 ms: shrinking drives every number to its minimum, and a 1 ms timeout
        // with no retry delay would make each long clock advance thousands of attempts.
        50u32..10_000,
        subsequence(CODES.to_vec(), 0..=8),
        option::of((1u32..5_000, 1u32..5_000)),
        1usize..6,
        prop_oneof![Just(Overflow::Reject), Just(Overflow::DropOldest)],
        (any::<bool>(), option::of(0u32..3_000)),
    )
        .prop_map(
            |(
                backoff,
                max_retries,
                min_uptime_ms,
                connect_timeout_ms,
                final_codes,
                heartbeat,
                queue_capacity,
                overflow,
                (lazy, idle_close_ms),
            )| {
                Policy {
                    backoff,
                    max_retries,
                    min_uptime_ms,
                    connect_timeout_ms,
                    final_codes,
                    heartbeat: heartbeat.map(|(interval_ms, timeout_ms)| HeartbeatTiming {
                        interval_ms,
                        timeout_ms,
                    }),
                    queue_capacity,
                    overflow,
                    lazy,
                    idle_close_ms,
                    // The machine never reads the message size limit; the driver does.
                    ..Policy::default()
                }
            },
        )
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![3 => Just(Target::Live), 1 => any::<usize>().prop_map(Target::Old)]
}

fn op() -> impl Strategy<Value = Op> {
    let code = prop_oneof![3 => select(CODES.to_vec()), 1 => any::<u16>()];
    prop_oneof![
        2 => Just(Op::Connect),
        4 => Just(Op::Send),
        1 => select(vec![1000u16, 3000, 4000, 4999]).prop_map(Op::Close),
        1 => Just(Op::Reconnect),
        2 => (target(), any::<bool>()).prop_map(|(target, ok)| Op::Url { target, ok }),
        1 => Just(Op::OpenFailed),
        3 => target().prop_map(Op::Opened),
        2 => target().prop_map(Op::Received),
        1 => target().prop_map(Op::Pong),
        1 => target().prop_map(Op::SocketError),
        2 => (target(), code, any::<bool>(), prop::bool::weighted(0.8)).prop_map(
            |(target, code, was_clean, allowed)| Op::Closed {
                target,
                code,
                was_clean,
                allowed,
            }
        ),
        5 => prop_oneof![0u32..20, 0u32..2_000, 0u32..60_000].prop_map(Op::Advance),
        1 => any::<bool>().prop_map(Op::Interest),
    ]
}

/// A simulated run and the bookkeeping its invariants need.
struct Run {
    sim: Sim,
    /// Accepted frames, minus those reported dropped, in acceptance order.
    accepted: Vec<String>,
    frames_sent: usize,
    /// Sockets the browser refused to create: they get no `Closed` event.
    refused: usize,
    /// User closes that ended a wait (or URL resolution) with no socket.
    socketless_closes: usize,
    /// The user closed and has not connected since.
    closed_by_user: bool,
}

impl Run {
    fn new(policy: Policy, seed: u64, auto_resolve: bool) -> Run {
        let mut sim = Sim::with_seed(policy, seed);
        sim.auto_resolve = auto_resolve;
        Run {
            sim,
            accepted: Vec::new(),
            frames_sent: 0,
            refused: 0,
            socketless_closes: 0,
            closed_by_user: false,
        }
    }

    fn live(&self) -> Option<ConnId> {
        self.sim.socket.map(|socket| socket.conn)
    }

    /// The socket (or URL request) `target` names, if there is one.
    fn conn(&self, target: Target) -> Option<ConnId> {
        match target {
            Target::Live => self.live(),
            Target::Old(index) => {
                let last = self.sim.resolving.map_or(0, |conn| conn.0);
                let old: Vec<ConnId> = (1..=last)
                    .map(ConnId)
                    .filter(|&conn| Some(conn) != self.live())
                    .collect();
                old.get(index % old.len().max(1)).copied()
            }
        }
    }

    fn step(&mut self, op: &Op) {
        let events_before = self.sim.events.len();
        let connects_before = self.sim.connects.len();
        let mut try_again_later = false;
        match *op {
            Op::Connect => {
                self.closed_by_user = false;
                self.sim.connect();
            }
            Op::Reconnect => {
                self.closed_by_user = false;
                self.sim.reconnect();
            }
            Op::Close(code) => {
                let state = self.sim.machine.state();
                let waiting = matches!(state, State::Waiting | State::Connecting);
                if waiting && self.sim.machine.socket().is_none() {
                    self.socketless_closes += 1;
                }
                self.closed_by_user = true;
                self.sim.close(code, "user");
            }
            Op::Send => self.send(),
            Op::Url { target, ok } => {
                let conn = match target {
                    // Only an attempt that is still resolving can be answered for the first time.
                    Target::Live => self.sim.resolving.filter(|_| {
                        self.sim.machine.state() == State::Connecting
                            && self.sim.machine.socket().is_none()
                    }),
                    Target::Old(_) => self.conn(target),
                };
                if let Some(conn) = conn {
                    self.sim.input(if ok {
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
            Op::OpenFailed => {
                // A browser refuses a socket as it is created, never later.
                if let Some(socket) = self.sim.socket.filter(|s| !s.open && !s.closing) {
                    self.refused += 1;
                    self.sim.input(Input::OpenFailed {
                        conn: socket.conn,
                        error: "refused".into(),
                    });
                }
            }
            Op::Opened(target) => self.socket_input(target, |conn| Input::Opened {
                conn,
                protocol: String::new(),
            }),
            Op::Received(target) => self.socket_receive(target, false),
            Op::Pong(target) => self.socket_receive(target, true),
            Op::SocketError(target) => {
                self.socket_input(target, |conn| Input::SocketError { conn })
            }
            Op::Closed {
                target,
                code,
                was_clean,
                allowed,
            } => {
                try_again_later = code == 1013 && matches!(target, Target::Live);
                self.socket_input(target, |conn| Input::Closed {
                    conn,
                    code,
                    reason: "server".into(),
                    was_clean,
                    unsent_bytes: 0,
                    reconnect_allowed: allowed,
                });
            }
            Op::Advance(ms) => self.sim.advance(ms),
            Op::Interest(listening) => self.sim.input(Input::Interest { listening }),
        }
        self.check(events_before, connects_before, try_again_later);
    }

    fn socket_receive(&mut self, target: Target, pong: bool) {
        if let Some(conn) = self.conn(target) {
            self.sim.receive_on(conn, 4, pong);
        }
    }

    fn socket_input(&mut self, target: Target, input: impl FnOnce(ConnId) -> Input) {
        if let Some(conn) = self.conn(target) {
            self.sim.input(input(conn));
        }
    }

    fn send(&mut self) {
        self.frames_sent += 1;
        let frame = format!("m{}", self.frames_sent);
        let (state, queued) = (self.sim.machine.state(), self.sim.machine.queued_count());
        match self.sim.send(&frame) {
            Ok(Sent::Now) => assert_eq!(state, State::Open),
            Ok(Sent::Skipped) => panic!("a plain send is never skipped"),
            Ok(Sent::Queued { dropped }) => {
                // The dropped frames are the oldest still queued: right after those sent.
                let oldest_queued = self.sim.transmitted.len();
                assert!(oldest_queued + dropped <= self.accepted.len());
                self.accepted.drain(oldest_queued..oldest_queued + dropped);
                if dropped > 0 {
                    assert_eq!(self.sim.machine.policy().overflow, Overflow::DropOldest);
                }
            }
            Err(rejected) => {
                assert_eq!(rejected.frame, frame);
                match rejected.error {
                    SendError::Closed => {
                        assert!(matches!(state, State::Closed | State::Closing))
                    }
                    SendError::QueueFull { capacity } => {
                        let policy = self.sim.machine.policy();
                        assert_eq!(policy.overflow, Overflow::Reject);
                        assert_eq!((queued, capacity), (policy.queue_capacity, capacity));
                    }
                    SendError::WindowFull { .. } => panic!("a window outside session mode"),
                }
                return;
            }
        }
        self.accepted.push(frame);
    }

    fn check(&self, events_before: usize, connects_before: usize, try_again_later: bool) {
        let sim = &self.sim;
        let machine = &sim.machine;
        assert_eq!(
            self.live(),
            machine.socket(),
            "the machine and the browser disagree"
        );
        if machine.state() == State::Closed {
            assert_eq!(sim.pending_timers(), [], "a closed machine holds no timers");
        }

        let sent = &sim.transmitted;
        assert_eq!(sent.len() + machine.queued_count(), self.accepted.len());
        assert_eq!(
            sent[..],
            self.accepted[..sent.len()],
            "frames out of order or lost"
        );

        let closed_events = sim
            .events
            .iter()
            .filter(|(_, event)| matches!(event, Event::Closed(_)))
            .count();
        let ended = sim.connects.len() - self.refused - usize::from(self.live().is_some());
        assert_eq!(closed_events, ended + self.socketless_closes);

        let policy = machine.policy();
        for (_, event) in &sim.events[events_before..] {
            match *event {
                Event::Reconnecting { attempt, delay_ms } => {
                    assert!(!self.closed_by_user, "reconnecting after a user close");
                    assert!(attempt >= 1);
                    assert!(policy.max_retries.is_none_or(|max| attempt <= max));
                    let bounds = if try_again_later {
                        jittered_range(&policy.backoff, f64::from(policy.backoff.max_delay_ms))
                    } else {
                        delay_bounds(&policy.backoff, attempt)
                    };
                    assert!(bounds.contains(&delay_ms), "retry {attempt}: {delay_ms} ms");
                }
                Event::RetriesExhausted { retries } => {
                    assert_eq!(Some(retries), policy.max_retries);
                }
                _ => {}
            }
        }
        if self.closed_by_user {
            assert_eq!(
                sim.connects.len(),
                connects_before,
                "connected after a user close"
            );
        }
    }

    /// Each retry's timer was armed with the delay its event announced, when it was.
    fn check_retry_timers(&self) {
        for (at, output) in &self.sim.log {
            if let Output::Emit(Event::Reconnecting { delay_ms, .. }) = output {
                let armed = (*at, Timer::Retry, Some(at + f64::from(*delay_ms)));
                assert!(self.sim.timer_log.contains(&armed), "{armed:?}");
            }
        }
    }
}

proptest! {
    #[test]
    fn invariants_hold_for_any_sequence(
        policy in policy(),
        seed in any::<u64>(),
        auto_resolve in prop::bool::weighted(0.7),
        ops in vec(op(), 1..120),
    ) {
        let mut run = Run::new(policy, seed, auto_resolve);
        for op in &ops {
            run.step(op);
        }
        run.check_retry_timers();
    }

    #[test]
    fn backoff_delay_stays_within_its_bounds(
        backoff in backoff(),
        retry in 1u32..2_000,
        random in 0.0..1.0f64,
    ) {
        let delay = backoff.delay_ms(retry, random);
        let bounds = delay_bounds(&backoff, retry);
        prop_assert!(bounds.contains(&delay), "{delay} not in {bounds:?}");
    }
}
