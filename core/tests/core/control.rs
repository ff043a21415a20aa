//! Control over each message (`send_with`, `cancel`, `request_with`, `abort_request`):
//! - a volatile message is skipped, queuing nothing, unless the connection is open (in session
//!   mode: the session ready); when open it goes out as any;
//! - a message with a time to live still queued at its deadline is removed and reported
//!   (`Output::Removed`, `Expired`), earliest deadline first, on one timer that runs only while
//!   something may expire; one handed to a socket is not removed, but if the socket dies
//!   without transmitting it, it goes back to the queue with its original deadline;
//! - cancelling takes back a queued message (reported `Aborted`), never one handed to a socket;
//! - a request whose frame is taken back fails (`Expired`, `Aborted`) instead of a report;
//!   aborting a request whose frame was handed only forgets it;
//! - taking messages from the middle of the queue leaves requests where they are: those
//!   queued after stay pending through a lost connection, those handed fail;
//! - in session mode only kept messages no connection was ever handed may be taken back;
//! - property: over random sends (some with a time to live), cancels, requests, partial
//!   transmissions, deaths and time, the server receives every message accepted and not
//!   removed exactly once, in order, and nothing removed; nothing stays queued once its
//!   deadline has come and the timer fired; a cancel succeeds exactly when the message is queued; a request fails
//!   `ConnectionLost` only if its frame was transmitted, and `Expired`/`Aborted` only if its
//!   frame never reached the server.

use std::collections::HashMap;

use proptest::collection::vec;
use proptest::prelude::*;
use resocket_core::session::Terms;
use resocket_core::{
    MessageId, Output, Policy, Removal, RequestFailure, SendOptions, Sent, State, Timer,
};
use resocket_sim::{Sim, Wire, exact};

fn ttl(ms: u32) -> SendOptions {
    SendOptions {
        ttl_ms: Some(ms),
        ..SendOptions::default()
    }
}

const VOLATILE: SendOptions = SendOptions {
    volatile: true,
    ttl_ms: None,
};

fn removed(sim: &Sim) -> Vec<(f64, &str, Removal)> {
    (sim.removed.iter())
        .map(|(at, frame, reason)| (*at, frame.as_str(), *reason))
        .collect()
}

#[test]
fn a_volatile_message_is_skipped_unless_the_connection_is_open() {
    let mut sim = Sim::new(exact());
    sim.connect();
    let (sent, id) = sim.send_with("cursor", VOLATILE).unwrap();
    assert_eq!(sent, Sent::Skipped);
    assert_eq!(sim.machine.queued_count(), 0, "nothing queued");
    assert!(!sim.cancel(id), "nothing to cancel");
    sim.open();
    assert_eq!(sim.send_with("cursor 2", VOLATILE).unwrap().0, Sent::Now);
    assert_eq!(sim.transmitted, ["cursor 2"]);
    sim.drop_connection();
    assert_eq!(sim.machine.state(), State::Waiting);
    assert_eq!(
        sim.send_with("cursor 3", VOLATILE).unwrap().0,
        Sent::Skipped
    );
    sim.close(1000, "");
    let refused = sim.send_with("late", VOLATILE).unwrap_err();
    assert_eq!(
        refused.frame, "late",
        "a closed socket refuses, as for any send"
    );
}

#[test]
fn queued_messages_expire_earliest_deadline_first_on_one_timer() {
    let mut sim = Sim::new(exact());
    sim.connect();
    sim.auto_resolve = false;
    sim.send_with("slow", ttl(300)).unwrap();
    sim.send_with("fast", ttl(100)).unwrap();
    sim.send("plain").unwrap();
    sim.send_with("middle", ttl(200)).unwrap();
    assert_eq!(sim.due_in(Timer::Expiry), Some(100.0));
    sim.advance(250);
    assert_eq!(
        removed(&sim),
        [
            (100.0, "fast", Removal::Expired),
            (200.0, "middle", Removal::Expired)
        ]
    );
    assert_eq!(sim.due_in(Timer::Expiry), Some(50.0));
    sim.open();
    assert_eq!(sim.transmitted, ["slow", "plain"]);
    assert_eq!(sim.due_in(Timer::Expiry), None, "nothing queued, no timer");
    sim.advance(1_000);
    assert_eq!(sim.removed.len(), 2, "handed: not removed");
}

#[test]
fn an_unsent_message_goes_back_with_its_deadline_and_expires() {
    let mut sim = Sim::open_with(exact());
    sim.wire = Some(Wire::default());
    sim.send("plain").unwrap();
    sim.send_with("ttl", ttl(500)).unwrap();
    assert_eq!(
        sim.due_in(Timer::Expiry),
        None,
        "handed: nothing to expire yet"
    );
    sim.advance(400);
    // The browser never sent either: both go back, "ttl" with its deadline at 500.
    sim.drop_connection();
    assert_eq!(sim.machine.queued_count(), 2);
    assert_eq!(sim.due_in(Timer::Expiry), Some(100.0));
    sim.advance(100);
    assert_eq!(removed(&sim), [(500.0, "ttl", Removal::Expired)]);
    sim.advance(1_000);
    sim.open();
    sim.wire.as_mut().unwrap().drain(u64::MAX);
    assert_eq!(sim.wire.as_ref().unwrap().delivered, ["plain"]);
}

#[test]
fn cancelling_takes_back_a_queued_message_but_never_a_handed_one() {
    let mut sim = Sim::new(exact());
    sim.connect();
    let (_, a) = sim.send_with("a", SendOptions::default()).unwrap();
    let (_, b) = sim.send_with("b", SendOptions::default()).unwrap();
    sim.send("c").unwrap();
    assert!(sim.cancel(b));
    assert!(!sim.cancel(b), "once");
    assert!(!sim.cancel(MessageId(99)), "never sent");
    assert_eq!(removed(&sim), [(0.0, "b", Removal::Aborted)]);
    sim.open();
    assert_eq!(sim.transmitted, ["a", "c"]);
    assert!(!sim.cancel(a), "handed to the socket: not recalled");
    let (sent, d) = sim.send_with("d", SendOptions::default()).unwrap();
    assert_eq!(sent, Sent::Now);
    assert!(!sim.cancel(d));
    assert_eq!(sim.removed.len(), 1);
}

#[test]
fn a_request_whose_frame_is_taken_back_fails_with_the_reason() {
    let mut sim = Sim::new(exact());
    sim.connect();
    let expiring = sim
        .machine
        .request_with("r1".into(), 10_000, Some(100), 0.0);
    let aborted = sim.machine.request("r2".into(), 10_000, 0.0);
    let kept = sim.machine.request("r3".into(), 10_000, 0.0);
    let (expiring, aborted, kept) = (expiring.unwrap(), aborted.unwrap(), kept.unwrap());
    sim.run();
    assert!(sim.machine.abort_request(aborted, sim.now));
    sim.run();
    sim.advance(100);
    assert_eq!(
        sim.failed_requests,
        [
            (aborted, RequestFailure::Aborted),
            (expiring, RequestFailure::Expired)
        ]
    );
    assert!(sim.removed.is_empty(), "requests fail rather than report");
    sim.open();
    assert_eq!(sim.transmitted, ["r3"]);
    assert!(
        !sim.machine.abort_request(kept, sim.now),
        "handed: only forgotten"
    );
    sim.run();
    assert_eq!(sim.failed_requests.len(), 2);
    assert_eq!(sim.machine.answered(kept), resocket_core::Answered::Late);
}

#[test]
fn requests_queued_behind_a_removed_message_stay_pending_through_a_lost_connection() {
    let mut sim = Sim::open_with(exact());
    sim.wire = Some(Wire::default());
    let handed = sim.request("handed", 10_000).unwrap();
    sim.wire.as_mut().unwrap().drain(u64::MAX);
    sim.drop_connection();
    assert_eq!(
        sim.failed_requests,
        [(handed, RequestFailure::ConnectionLost)]
    );
    let (_, gone) = sim.send_with("gone", SendOptions::default()).unwrap();
    let queued = sim.request("queued", 10_000).unwrap();
    assert!(sim.cancel(gone));
    sim.advance(1_000);
    sim.open();
    // "queued" is handed now, and no longer the queue's: a lost connection fails it.
    assert_eq!(sim.failed_requests.len(), 1, "still pending");
    sim.wire.as_mut().unwrap().drain(u64::MAX);
    sim.drop_connection();
    assert_eq!(
        sim.failed_requests[1..],
        [(queued, RequestFailure::ConnectionLost)]
    );
}

fn session_policy() -> Policy {
    Policy {
        session: Some(Terms {
            window: 1_000,
            batches: false,
        }),
        ..exact()
    }
}

#[test]
fn in_session_mode_only_messages_that_never_left_are_taken_back() {
    let mut sim = Sim::new(session_policy());
    sim.connect();
    sim.open();
    // Handshaking: kept, never handed, not ready.
    let (sent, _) = sim.send_with("early", VOLATILE).unwrap();
    assert_eq!(
        sent,
        Sent::Skipped,
        "volatile waits for the session, not the socket"
    );
    let (sent, kept) = sim.send_with("kept", ttl(100)).unwrap();
    assert_eq!(sent, Sent::Queued { dropped: 0 });
    let (_, cancelled) = sim.send_with("cancelled", SendOptions::default()).unwrap();
    assert!(sim.cancel(cancelled));
    sim.advance(100);
    assert_eq!(
        removed(&sim),
        [
            (0.0, "cancelled", Removal::Aborted),
            (100.0, "kept", Removal::Expired)
        ]
    );
    assert!(!sim.cancel(kept), "already removed");
    assert_eq!(sim.machine.queued_count(), 0);
}

#[test]
fn in_session_mode_a_message_handed_once_is_never_taken_back() {
    use resocket_core::SessionFrame;
    let mut sim = Sim::new(session_policy());
    sim.connect();
    sim.open();
    let welcome = "~welcome id=a key=k epoch=e next=0 resumed=0 window=1000 batch=0";
    sim.receive_session(SessionFrame::Control(welcome));
    assert_eq!(sim.machine.state(), State::Open);
    let (sent, handed) = sim.send_with("handed", ttl(100)).unwrap();
    assert_eq!(sent, Sent::Now);
    assert!(!sim.cancel(handed), "ready: on its way");
    sim.drop_connection();
    assert!(
        !sim.cancel(handed),
        "handed to a connection once: the session resends it"
    );
    let (_, after) = sim.send_with("after", ttl(100)).unwrap();
    sim.advance(100);
    assert_eq!(removed(&sim), [(100.0, "after", Removal::Expired)]);
    assert_eq!(sim.machine.queued().collect::<Vec<_>>(), ["handed"]);
    assert!(!sim.cancel(after));
    assert!(
        !(sim.log.iter())
            .any(|(_, o)| matches!(o, Output::Removed { frame, .. } if frame == "handed"))
    );
}

/// One step of the control property.
#[derive(Clone, Debug)]
enum Step {
    /// A send, with a time to live or none.
    Send(Option<u32>),
    /// A request, its frame with a time to live or none.
    Request(Option<u32>),
    /// Cancel the message (or abort the request) sent this many sends ago.
    Cancel(usize),
    /// The network takes this many bytes from the front of the browser's buffer.
    Drain(u64),
    /// The connection dies with whatever is still in the browser's buffer.
    Die,
    /// A new connection opens, if none is.
    Open,
    Advance(u32),
}

fn step() -> impl Strategy<Value = Step> {
    let ttl = prop::option::of(0u32..600);
    prop_oneof![
        4 => ttl.clone().prop_map(Step::Send),
        2 => ttl.prop_map(Step::Request),
        2 => (0usize..8).prop_map(Step::Cancel),
        2 => (0u64..40).prop_map(Step::Drain),
        1 => Just(Step::Die),
        1 => Just(Step::Open),
        2 => (0u32..400).prop_map(Step::Advance),
    ]
}

/// What the property knows of a message it sent.
struct Tracked {
    id: Option<MessageId>,
    request: Option<u64>,
    deadline: Option<f64>,
    /// An abort was tried: the request is over, wherever its frame is.
    aborted: bool,
}

proptest! {
    #[test]
    fn removed_messages_never_arrive_and_the_rest_arrive_once_in_order(steps in vec(step(), 1..150)) {
        let policy = Policy { queue_capacity: 10_000, min_uptime_ms: 0, ..exact() };
        let mut sim = Sim::open_with(policy);
        sim.wire = Some(Wire::default());
        let mut messages: Vec<(String, Tracked)> = Vec::new();
        for step in steps {
            let n = messages.len();
            match step {
                Step::Send(ttl_ms) => {
                    let frame = format!("m{n}");
                    let options = SendOptions { ttl_ms, ..SendOptions::default() };
                    let (_, id) = sim.send_with(&frame, options).expect("accepted");
                    let deadline = ttl_ms.map(|ms| sim.now + f64::from(ms));
                    messages.push((frame, Tracked { id: Some(id), request: None, deadline, aborted: false }));
                }
                Step::Request(ttl_ms) => {
                    let frame = format!("r{n}");
                    let id = sim.machine.request_with(frame.clone(), 1_000_000, ttl_ms, sim.now);
                    sim.run();
                    let deadline = ttl_ms.map(|ms| sim.now + f64::from(ms));
                    let request = Some(id.expect("accepted"));
                    messages.push((frame, Tracked { id: None, request, deadline, aborted: false }));
                }
                Step::Cancel(back) => {
                    let Some((frame, sent)) = messages.len().checked_sub(back + 1).map(|i| &mut messages[i]) else {
                        continue;
                    };
                    let queued = sim.machine.queued().any(|queued| queued == frame);
                    let taken = match (sent.id, sent.request) {
                        (Some(id), _) => sim.machine.cancel(id),
                        // A request aborted once is over, wherever its frame is.
                        (None, Some(_)) if sent.aborted => continue,
                        (None, Some(request)) => sim.machine.abort_request(request, sim.now) || {
                            sent.aborted = true;
                            continue;
                        },
                        (None, None) => unreachable!(),
                    };
                    sim.run();
                    prop_assert_eq!(taken, queued, "{} taken back exactly when queued", frame);
                }
                Step::Drain(bytes) => sim.wire.as_mut().unwrap().drain(bytes),
                Step::Die => {
                    if sim.machine.state() == State::Open {
                        sim.drop_connection();
                    }
                }
                Step::Open => {
                    if sim.machine.state() != State::Open {
                        sim.advance(1_000);
                        sim.open();
                    }
                }
                Step::Advance(ms) => sim.advance(ms),
            }
            // A driver's timer fires as soon as the deadline it is on has come.
            sim.advance(0);
            let deadlines: HashMap<&str, Option<f64>> =
                messages.iter().map(|(frame, sent)| (frame.as_str(), sent.deadline)).collect();
            for queued in sim.machine.queued() {
                let deadline = deadlines[queued.as_str()];
                prop_assert!(deadline.is_none_or(|at| at > sim.now), "{} queued at its deadline", queued);
            }
        }
        sim.wire.as_mut().unwrap().drain(u64::MAX);
        let mut taken: Vec<String> = sim.removed.iter().map(|(_, frame, _)| frame.clone()).collect();
        let requests: HashMap<u64, &str> = (messages.iter())
            .filter_map(|(frame, sent)| Some((sent.request?, frame.as_str())))
            .collect();
        for (id, failure) in &sim.failed_requests {
            let frame = requests[id];
            match failure {
                RequestFailure::Expired | RequestFailure::Aborted => taken.push(frame.to_owned()),
                RequestFailure::ConnectionLost => {
                    prop_assert!(sim.transmitted.iter().any(|t| t == frame), "{} lost, never sent", frame);
                }
                other => prop_assert!(false, "{frame} failed: {other:?}"),
            }
        }
        let delivered = &sim.wire.as_ref().unwrap().delivered;
        for frame in &taken {
            prop_assert!(!delivered.contains(frame), "{} removed and delivered", frame);
            let expired_at = (sim.removed.iter())
                .find(|(_, f, reason)| f == frame && *reason == Removal::Expired)
                .map(|(at, ..)| *at);
            if let Some(at) = expired_at {
                let deadline = deadline_of(&messages, frame);
                prop_assert!(deadline.is_some_and(|d| d <= at), "{} expired early", frame);
            }
        }
        // What arrived and what still waits are what was accepted and not taken back: each
        // once, in order.
        let lost: Vec<&str> = (sim.failed_requests.iter())
            .filter(|(_, failure)| *failure == RequestFailure::ConnectionLost)
            .map(|(id, _)| requests[id])
            .collect();
        let arrived_or_waiting: Vec<&str> = (delivered.iter().map(String::as_str))
            .chain(sim.machine.queued().map(String::as_str))
            .filter(|frame| !lost.contains(frame))
            .collect();
        let expected: Vec<&str> = (messages.iter())
            .map(|(frame, _)| frame.as_str())
            .filter(|frame| !taken.iter().any(|t| t == frame) && !lost.contains(frame))
            .collect();
        prop_assert_eq!(arrived_or_waiting, expected);
    }
}

fn deadline_of(messages: &[(String, Tracked)], frame: &str) -> Option<f64> {
    (messages.iter())
        .find(|(f, _)| f == frame)
        .and_then(|(_, tracked)| tracked.deadline)
}
