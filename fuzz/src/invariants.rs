//! The `machine` target's invariants, on top of the checks every simulated driver makes: no
//! message lost, duplicated or reordered, retry delays within their bounds, nothing started
//! while paused or after a user close, and a machine whose state agrees with the browser.
//!
//! The browser holds what it was handed until a `Drain` lets it go, so a socket that dies
//! leaves a tail the machine must send again, in order, exactly once.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;

use resocket_core::{
    Answered, Closed, ConnId, Event, Machine, Output, Policy, RequestFailure, State, Timer,
};
use resocket_sim::bounds::{BaseDelays, jittered_range};
use resocket_sim::{Layer, Socket};

use crate::frame::Frame;

/// What the invariants need to know about the past, kept up to date by the driver's
/// operations and by every output.
#[derive(Debug, Default)]
pub struct Invariants {
    /// The attempt whose URL was asked for and not answered yet.
    pub pending_url: Option<ConnId>,
    /// The highest id seen, so stale events can name any earlier one.
    pub last_conn: u64,
    /// Frames accepted by `send`, minus those reported dropped, in acceptance order.
    pub accepted: Vec<Frame>,
    /// How many of `accepted` were transmitted (always a prefix), minus those sent again.
    pub transmitted: usize,
    /// Messages the live socket's browser still holds (the newest transmitted on it).
    pub unsent: usize,
    /// What the next `Closed` event must report as requeued.
    pub expect_requeued: usize,
    /// Messages transmitted on the live socket since its last ping, while the ping waits for
    /// its pong: a pong proves the browser sent everything before the ping.
    pub since_ping: Option<usize>,
    /// The live socket was just closed with 1013, so a retry may wait the maximum delay.
    pub try_again_later: bool,
    /// The user closed and has not connected since: nothing may reconnect.
    pub closed_by_user: bool,
    /// The browser reported the network lost and not back since.
    pub offline: bool,
    /// The page is in the back/forward cache.
    pub suspended: bool,
    /// The user's reconnect is being carried out: the one attempt allowed while paused.
    pub reconnecting_by_hand: bool,
    /// The user has connected (or reconnected, or closed) at least once: before that the
    /// machine reads as closed but keeps what is sent for its first connection.
    pub started: bool,
    /// Requests waiting for their answers: their frames and deadlines.
    requests: BTreeMap<u64, (Frame, f64)>,
    /// Requests that ended (answered, failed, forgotten) whose late answer is still to come.
    ended: BTreeSet<u64>,
    base_delays: BaseDelays,
}

impl Layer<Frame> for Invariants {
    fn carry_out(&mut self, output: &Output<Frame>, machine: &Machine<Frame>, now: f64) {
        match output {
            Output::ResolveUrl { conn } => {
                assert!(
                    !(self.offline || self.suspended) || self.reconnecting_by_hand,
                    "{conn:?} attempted while offline or suspended"
                );
                self.last_conn = self.last_conn.max(conn.0);
                self.pending_url = Some(*conn);
            }
            Output::Connect { conn, .. } => {
                assert!(!self.closed_by_user, "{conn:?} created after a user close");
                self.last_conn = self.last_conn.max(conn.0);
            }
            Output::Transmit(frame) => {
                assert_eq!(
                    self.accepted.get(self.transmitted),
                    Some(frame),
                    "{frame:?} out of order, twice, or never accepted"
                );
                self.transmitted += 1;
                self.unsent += 1;
                if let Some(since_ping) = &mut self.since_ping {
                    *since_ping += 1;
                }
            }
            Output::Ping => self.since_ping = Some(0),
            Output::Abandon { .. } => {
                // The browser may still send what it holds: it counts as transmitted.
                self.unsent = 0;
                self.since_ping = None;
            }
            Output::RequestFailed { id, failure } => self.request_failed(*id, *failure, now),
            Output::Emit(event) => self.check_event(event, machine.policy()),
            Output::MeasureBuffered { .. } | Output::Close { .. } => {}
            Output::Removed { .. } => panic!("removed, though nothing is sent with control"),
            // The target's policies are plain; `session` has its own target.
            Output::Control(_)
            | Output::TransmitBatch(_)
            | Output::AwaitTurnEnd
            | Output::Resumed { .. } => panic!("session output in plain mode"),
            // Nor do they have a setup step; the core's own tests drive it.
            Output::RunSetup { .. } => panic!("a setup step without one configured"),
        }
    }

    fn buffered_amount(&self) -> u64 {
        self.unsent as u64 * Frame::SIZE
    }
}

impl Invariants {
    /// Request `id` was made: its `frame` was accepted, and it times out at `deadline`.
    pub fn made(&mut self, id: u64, frame: Frame, deadline: f64) {
        assert!(
            self.requests.insert(id, (frame, deadline)).is_none(),
            "id {id} twice"
        );
    }

    /// The user stops waiting for request `id`.
    pub fn forget(&mut self, id: u64) {
        if self.requests.remove(&id).is_some() {
            self.ended.insert(id);
        }
    }

    /// What the machine must say of a message carrying `id`; the answer is taken into account.
    pub fn expected_answer(&mut self, id: u64) -> Answered {
        if self.requests.remove(&id).is_some() {
            self.ended.insert(id);
            Answered::Request
        } else if self.ended.remove(&id) {
            Answered::Late
        } else {
            Answered::NotAnAnswer
        }
    }

    /// Every request ends once, for a reason that holds.
    fn request_failed(&mut self, id: u64, failure: RequestFailure, now: f64) {
        let Some((frame, deadline)) = self.requests.remove(&id) else {
            panic!("request {id} failed ({failure:?}) but was not waiting");
        };
        self.ended.insert(id);
        let position = self.accepted.iter().position(|accepted| *accepted == frame);
        match failure {
            RequestFailure::TimedOut => assert!(now >= deadline, "{id} timed out early"),
            // Transmitted, and not in the unsent tail that goes back to the queue.
            RequestFailure::ConnectionLost => assert!(
                position.is_some_and(|at| at < self.transmitted - self.expect_requeued),
                "{id} lost while its frame was not transmitted"
            ),
            RequestFailure::Dropped => {
                assert_eq!(position, None, "{id} dropped while its frame is queued")
            }
            RequestFailure::Closed => {}
            RequestFailure::QueueFull { .. } => panic!("{id}: resend is off"),
            RequestFailure::Expired | RequestFailure::Aborted => {
                panic!("{id}: no request here has a time to live or is aborted")
            }
        }
    }

    fn check_event(&mut self, event: &Event, policy: &Policy) {
        match *event {
            Event::Reconnecting { attempt, delay_ms } => {
                assert!(!self.closed_by_user, "reconnecting after a user close");
                assert!(attempt >= 1);
                assert!(policy.max_retries.is_none_or(|max| attempt <= max));
                let backoff = &policy.backoff;
                let base = self.base_delays.get(backoff, attempt);
                let retry_bounds = give_or_take_a_ms(jittered_range(backoff, base));
                let longest = f64::from(backoff.max_delay_ms);
                let try_again_bounds = give_or_take_a_ms(jittered_range(backoff, longest));
                let in_bounds = retry_bounds.contains(&delay_ms)
                    || (self.try_again_later && try_again_bounds.contains(&delay_ms));
                assert!(
                    in_bounds,
                    "retry {attempt} waits {delay_ms} ms with {backoff:?}"
                );
            }
            Event::RetriesExhausted { retries } => {
                assert_eq!(Some(retries), policy.max_retries);
            }
            Event::Closed(Closed { requeued, .. }) => {
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

    /// The invariants that hold between operations, for `machine` and the browser's live
    /// `socket`.
    pub fn check(&self, machine: &Machine<Frame>, socket: Option<Socket>) {
        assert_eq!(
            socket.map(|socket| socket.conn),
            machine.socket(),
            "the machine and the browser disagree"
        );
        if machine.state() == State::Open {
            let socket = socket.expect("open with no socket");
            assert!(socket.open && !socket.closing, "open while {socket:?}");
        }
        if machine.state() == State::Closed && self.started {
            assert!(
                machine.poll_timeout().is_none(),
                "a closed machine holds timers"
            );
            assert!(self.requests.is_empty(), "a closed machine holds requests");
        }
        assert_eq!(machine.is_offline(), self.offline);
        let paused = self.offline || self.suspended;
        match machine.state() {
            State::Offline | State::Suspended => {
                assert!(paused, "paused with the network and the page back");
                // Requests time out while paused.
                let running = Timer::ALL
                    .into_iter()
                    .filter(|&timer| timer != Timer::Requests);
                assert!(
                    running
                        .clone()
                        .all(|timer| machine.timer_due(timer).is_none()),
                    "a paused machine holds timers: {:?}",
                    running
                        .filter(|&t| machine.timer_due(t).is_some())
                        .collect::<Vec<_>>()
                );
                assert!(socket.is_none(), "a paused machine holds a socket");
                let cause = if self.suspended {
                    State::Suspended
                } else {
                    State::Offline
                };
                assert_eq!(machine.state(), cause, "the state names another cause");
            }
            State::Waiting => assert!(!paused, "waiting to retry while paused"),
            // Connecting, open, closing, closed, and any state this target does not know yet.
            _ => {}
        }
        assert!(
            machine
                .queued()
                .eq(self.accepted[self.transmitted..].iter()),
            "the queue holds other frames than those accepted and not yet transmitted"
        );
    }
}

/// `range` widened by 1 ms each way: step-by-step products and the core's `powi` may differ
/// in the last bit, which can tip the rounding.
fn give_or_take_a_ms(range: RangeInclusive<u32>) -> RangeInclusive<u32> {
    range.start().saturating_sub(1)..=range.end().saturating_add(1)
}
