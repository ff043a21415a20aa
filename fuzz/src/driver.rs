//! The `machine` target's driver: it turns each scenario operation into inputs for the shared
//! simulated driver (`resocket-sim`), which carries out the outputs and checks them, with the
//! target's [`Invariants`] on top, then checks the invariants that hold between operations.

use resocket_core::{ConnId, Input, Machine, Policy, Sent, State};
use resocket_sim::Socket;

use crate::frame::Frame;
use crate::invariants::Invariants;
use crate::scenario::{Op, Target};

const TRY_AGAIN_LATER: u16 = 1013;

/// The machine under test, in the shared simulated driver, with the invariants on top.
pub struct Driver {
    sim: resocket_sim::Driver<Frame, Invariants>,
    /// The number the next frame sent gets.
    next_frame: u64,
}

impl Driver {
    /// A closed machine with `policy` and the jitter seed `seed`, in a driver that leaves URL
    /// requests to the scenario.
    pub fn new(policy: Policy, seed: u64) -> Driver {
        let machine = Machine::new(policy, seed).expect("the scenario builds valid policies");
        let mut sim = resocket_sim::Driver::with_layer(machine, Invariants::default());
        // URL requests are answered by the scenario's operations: late, for a stale attempt,
        // with a failure, or never.
        sim.auto_resolve = false;
        Driver { sim, next_frame: 0 }
    }

    /// Carries out one operation, then checks the invariants that hold between operations.
    pub fn step(&mut self, op: &Op) {
        match op {
            Op::Connect => {
                self.sim.started = true;
                self.sim.closed_by_user = false;
                let online = !self.sim.offline;
                self.sim.input(Input::Connect { online });
            }
            Op::Send => self.send(),
            Op::Close(code) => {
                self.sim.started = true;
                self.sim.closed_by_user = true;
                self.sim.input(Input::Close {
                    code: code.code(),
                    reason: "user".into(),
                });
            }
            Op::Reconnect(code) => {
                self.sim.started = true;
                self.sim.closed_by_user = false;
                self.sim.reconnecting_by_hand = true;
                let online = !self.sim.offline;
                self.sim.input(Input::Reconnect {
                    code: code.code(),
                    reason: "reconnect".into(),
                    online,
                });
                self.sim.reconnecting_by_hand = false;
            }
            Op::Url { target, ok } => {
                let conn = match target {
                    Target::Live => self.sim.pending_url,
                    Target::Stale(index) => self.stale(*index),
                };
                if let Some(conn) = conn {
                    if self.sim.pending_url == Some(conn) {
                        self.sim.pending_url = None;
                    }
                    if *ok {
                        self.sim.resolve_for(conn);
                    } else {
                        self.sim.fail_url_for(conn, "provider");
                    }
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
                let opened = |conn| Input::Opened {
                    conn,
                    protocol: String::new(),
                };
                self.socket_input(*target, |s| !s.open, opened)
            }
            // Messages and pongs only arrive on a socket that opened.
            Op::Received(target) => self.socket_receive(*target, false),
            Op::Pong(target) => {
                let answered =
                    matches!(target, Target::Live) && self.sim.machine.state() == State::Open;
                if let Some(since_ping) = self.sim.since_ping.take_if(|_| answered) {
                    self.sim.unsent = self.sim.unsent.min(since_ping);
                }
                self.socket_receive(*target, true);
            }
            Op::SocketError(target) => {
                self.socket_input(*target, |_| true, |conn| Input::SocketError { conn })
            }
            Op::Drain(count) => {
                self.sim.unsent = self.sim.unsent.saturating_sub(usize::from(*count))
            }
            Op::Closed {
                target,
                code,
                reason,
                was_clean,
                allowed,
            } => {
                let code = code.code();
                let live = matches!(target, Target::Live);
                self.sim.try_again_later = code == TRY_AGAIN_LATER && live;
                // Only the live socket's close is news; its unsent tail must come back.
                let unsent = if live { self.sim.unsent } else { 0 };
                self.sim.expect_requeued = unsent;
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
                self.sim.try_again_later = false;
                self.sim.expect_requeued = 0;
            }
            Op::Timeout => self.sim.fire_timer(),
            Op::Advance(ms) => self.sim.advance(u32::from(*ms)),
            Op::Stall(ms) => self.sim.stall(u32::from(*ms)),
            Op::Offline => {
                self.sim.offline = true;
                self.sim.input(Input::Offline);
            }
            Op::Online => {
                self.sim.offline = false;
                self.sim.input(Input::Online);
            }
            Op::Suspend => {
                self.sim.suspended = true;
                self.sim.input(Input::Suspend);
            }
            Op::Resume => {
                self.sim.suspended = false;
                let online = !self.sim.offline;
                self.sim.input(Input::Resume { online });
            }
            Op::Wake => self.sim.input(Input::Wake),
            Op::Request(timeout) => self.request(u32::from(*timeout).max(1)),
            Op::Answer(index) => self.answer(*index),
            Op::Forget(index) => {
                let id = self.request_id(*index);
                self.sim.forget(id);
                self.sim.machine.forget_request(id);
                self.sim.run();
            }
        }
        self.sim.check(&self.sim.machine, self.sim.socket);
    }

    fn send(&mut self) {
        self.next_frame += 1;
        let frame = Frame(self.next_frame);
        let state = self.sim.machine.state();
        // The ledger is updated before the outputs are carried out, as they may transmit it.
        match self.sim.machine.send(frame) {
            Ok(Sent::Now) => assert_eq!(state, State::Open, "sent at once while {state:?}"),
            Ok(Sent::Skipped) => panic!("a plain send is never skipped"),
            Ok(Sent::Queued { dropped }) => {
                // The dropped frames are the oldest queued: right after those transmitted.
                let oldest = self.sim.transmitted;
                assert!(
                    oldest + dropped <= self.sim.accepted.len(),
                    "dropped too many"
                );
                self.sim.accepted.drain(oldest..oldest + dropped);
            }
            Err(rejected) => {
                assert_eq!(rejected.frame, frame, "rejected a different frame");
                return;
            }
        }
        self.sim.accepted.push(frame);
        self.sim.run();
    }

    /// Sends a request, as `send` sends a message.
    fn request(&mut self, timeout_ms: u32) {
        self.next_frame += 1;
        let frame = Frame(self.next_frame);
        let (state, queued) = (self.sim.machine.state(), self.sim.machine.queued_count());
        let id = self.sim.machine.next_request_id();
        match self.sim.machine.request(frame, timeout_ms, self.sim.now) {
            Ok(made) => assert_eq!(made, id, "the request got another id than announced"),
            Err(rejected) => {
                assert_eq!(rejected.frame, frame, "rejected a different frame");
                return;
            }
        }
        if state != State::Open {
            // Queued: the frames it pushed out are the oldest queued.
            let dropped = queued + 1 - self.sim.machine.queued_count();
            let oldest = self.sim.transmitted;
            self.sim.accepted.drain(oldest..oldest + dropped);
        }
        self.sim.accepted.push(frame);
        let deadline = self.sim.now + f64::from(timeout_ms);
        self.sim.made(id, frame, deadline);
        self.sim.run();
    }

    /// An incoming message carries the id of request `index` (or of one never made).
    fn answer(&mut self, index: u8) {
        let id = self.request_id(index);
        let expected = self.sim.expected_answer(id);
        assert_eq!(self.sim.machine.answered(id), expected, "request {id}");
        self.sim.run();
    }

    /// A request id: one made so far, or the next one.
    fn request_id(&self, index: u8) -> u64 {
        1 + u64::from(index) % self.sim.machine.next_request_id()
    }

    /// Any id handed out so far except the live socket's, picked without listing them: long
    /// runs of timeouts hand out tens of thousands of ids.
    fn stale(&self, index: u8) -> Option<ConnId> {
        let live = self.sim.socket.map(|socket| socket.conn.0);
        let count = self.sim.last_conn - u64::from(live.is_some());
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

    /// Feeds a message (`pong`: the pong) from the live socket, if it opened, or from a stale
    /// id.
    fn socket_receive(&mut self, target: Target, pong: bool) {
        let conn = match target {
            Target::Live => self.sim.socket.filter(|s| s.open).map(|s| s.conn),
            Target::Stale(index) => self.stale(index),
        };
        if let Some(conn) = conn {
            self.sim.receive_on(conn, Frame::SIZE, pong);
        }
    }

    /// Feeds a socket event for the live socket, if `possible` for it, or for a stale id.
    fn socket_input(
        &mut self,
        target: Target,
        possible: impl Fn(&Socket) -> bool,
        input: impl FnOnce(ConnId) -> Input,
    ) {
        let conn = match target {
            Target::Live => self.sim.socket.filter(|s| possible(s)).map(|s| s.conn),
            Target::Stale(index) => self.stale(index),
        };
        if let Some(conn) = conn {
            self.sim.input(input(conn));
        }
    }
}
