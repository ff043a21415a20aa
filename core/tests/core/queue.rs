//! The send queue:
//! - sends while connecting (resolving or handshaking) or waiting for a retry are queued and
//!   flushed in order right after the open, before `Event::Open`; sends made in reaction to
//!   the open land behind them;
//! - sends while open go straight out; a flushed frame is never sent again after a reconnect;
//! - the queue survives failed attempts and is flushed once, on the first open;
//! - overflow: the default rejects the new frame and hands it back; `DropOldest` keeps the
//!   newest and reports each drop; the default capacity is 1000;
//! - sends are rejected while closing and after a close, without touching the queue;
//! - a socket not started yet (`start_closed`) queues for its first connection, until it is
//!   closed;
//! - `send_readiness` says what a send would meet (room, a full queue, a closed socket)
//!   without sending, for a driver that waits instead of failing.

use resocket_core::{Event, Output, Overflow, Policy, Rejected, SendError, Sent, State};
use resocket_sim::{Sim, exact};

const QUEUED: Result<Sent, Rejected<String>> = Ok(Sent::Queued { dropped: 0 });

fn capacity(capacity: usize, overflow: Overflow) -> Policy {
    Policy {
        queue_capacity: capacity,
        overflow,
        ..exact()
    }
}

#[test]
fn sends_while_connecting_are_flushed_in_order_before_the_open_event() {
    let mut sim = Sim::new(exact());
    sim.connect();
    for frame in ["a", "b", "c"] {
        assert_eq!(sim.send(frame), QUEUED);
    }
    assert_eq!(sim.machine.queued_count(), 3);
    assert!(sim.transmitted.is_empty());
    let before = sim.log.len();
    sim.open();
    let after_open: Vec<_> = sim.log[before..]
        .iter()
        .map(|(_, output)| output.clone())
        .filter(|output| matches!(output, Output::Transmit(_) | Output::Emit(_)))
        .collect();
    assert_eq!(
        after_open,
        [
            Output::Transmit("a".to_string()),
            Output::Transmit("b".to_string()),
            Output::Transmit("c".to_string()),
            Output::Emit(Event::Open),
            Output::Emit(Event::StateChanged(State::Open)),
        ]
    );
    assert_eq!(sim.machine.queued_count(), 0);
}

#[test]
fn sends_while_resolving_the_url_are_queued() {
    let mut sim = Sim::new(exact());
    sim.auto_resolve = false;
    sim.connect();
    assert_eq!(sim.send("early"), QUEUED);
    sim.resolve();
    sim.open();
    assert_eq!(sim.transmitted, ["early"]);
}

#[test]
fn sends_in_reaction_to_the_open_land_behind_the_queue() {
    let mut sim = Sim::new(exact());
    sim.connect();
    sim.send("queued").unwrap();
    sim.open();
    assert_eq!(sim.take_events(), [Event::Open]);
    assert_eq!(sim.send("after open"), Ok(Sent::Now));
    assert_eq!(sim.transmitted, ["queued", "after open"]);
}

#[test]
fn sends_while_open_go_straight_out() {
    let mut sim = Sim::open_with(exact());
    assert_eq!(sim.send("one"), Ok(Sent::Now));
    assert_eq!(sim.transmitted, ["one"]);
    assert_eq!(sim.send("two"), Ok(Sent::Now));
    assert_eq!(sim.transmitted, ["one", "two"]);
    assert_eq!(sim.machine.queued_count(), 0);
}

#[test]
fn queue_survives_failed_attempts_and_is_flushed_once() {
    let mut sim = Sim::new(exact());
    sim.connect();
    sim.send("1").unwrap();
    sim.drop_connection();
    assert_eq!(sim.machine.state(), State::Waiting);
    assert_eq!(sim.send("2"), QUEUED);
    sim.advance(1_000);
    sim.fail_open("refused");
    assert_eq!(sim.send("3"), QUEUED);
    sim.advance(2_000);
    assert!(sim.transmitted.is_empty());
    sim.open();
    assert_eq!(sim.transmitted, ["1", "2", "3"]);
    // A flushed frame belongs to that connection: it is not sent again after a reconnect.
    sim.drop_connection();
    sim.send("4").unwrap();
    sim.advance(4_000);
    sim.open();
    assert_eq!(sim.transmitted, ["1", "2", "3", "4"]);
}

#[test]
fn overflow_rejects_the_new_frame_by_default() {
    assert_eq!(Policy::default().overflow, Overflow::Reject);
    let mut sim = Sim::new(capacity(3, Overflow::Reject));
    sim.connect();
    for frame in ["a", "b", "c"] {
        assert_eq!(sim.send(frame), QUEUED);
    }
    assert_eq!(
        sim.send("d"),
        Err(Rejected {
            frame: "d".to_string(),
            error: SendError::QueueFull { capacity: 3 }
        })
    );
    assert_eq!(sim.machine.queued_count(), 3);
    sim.open();
    assert_eq!(sim.transmitted, ["a", "b", "c"]);
}

#[test]
fn queue_accepts_again_once_flushed() {
    let mut sim = Sim::new(capacity(1, Overflow::Reject));
    sim.connect();
    sim.send("a").unwrap();
    assert!(sim.send("b").is_err());
    sim.open();
    sim.drop_connection();
    assert_eq!(sim.send("c"), QUEUED);
}

#[test]
fn drop_oldest_keeps_the_newest_and_reports_each_drop() {
    let mut sim = Sim::new(capacity(3, Overflow::DropOldest));
    sim.connect();
    for frame in ["a", "b", "c"] {
        assert_eq!(sim.send(frame), QUEUED);
    }
    assert_eq!(sim.send("d"), Ok(Sent::Queued { dropped: 1 }));
    assert_eq!(sim.send("e"), Ok(Sent::Queued { dropped: 1 }));
    assert_eq!(sim.machine.queued_count(), 3);
    sim.open();
    assert_eq!(sim.transmitted, ["c", "d", "e"]);
}

#[test]
fn drop_oldest_with_room_for_one() {
    let mut sim = Sim::new(capacity(1, Overflow::DropOldest));
    sim.connect();
    assert_eq!(sim.send("a"), QUEUED);
    assert_eq!(sim.send("b"), Ok(Sent::Queued { dropped: 1 }));
    assert_eq!(sim.send("c"), Ok(Sent::Queued { dropped: 1 }));
    sim.open();
    assert_eq!(sim.transmitted, ["c"]);
}

#[test]
fn default_capacity_is_a_thousand() {
    let mut sim = Sim::new(Policy::default());
    sim.connect();
    for n in 0..1_000 {
        assert_eq!(sim.send(&n.to_string()), QUEUED, "frame {n}");
    }
    let rejected = sim.send("1000").unwrap_err();
    assert_eq!(rejected.error, SendError::QueueFull { capacity: 1_000 });
    assert_eq!(rejected.frame, "1000");
    sim.open();
    let expected: Vec<String> = (0..1_000).map(|n| n.to_string()).collect();
    assert_eq!(sim.transmitted, expected);
}

#[test]
fn sends_are_rejected_while_closing_and_after_a_close() {
    let mut sim = Sim::new(exact());
    let closed = |frame: &str| {
        Err(Rejected {
            frame: frame.to_string(),
            error: SendError::Closed,
        })
    };
    sim.connect();
    sim.open();
    sim.close(1000, "");
    assert_eq!(sim.machine.state(), State::Closing);
    assert_eq!(sim.send("closing"), closed("closing"));
    sim.server_close(1000, "");
    assert_eq!(sim.send("closed"), closed("closed"));
    assert_eq!(sim.machine.queued_count(), 0);
    assert!(sim.transmitted.is_empty());
}

#[test]
fn a_socket_not_started_yet_queues_for_its_first_connection() {
    let mut sim = Sim::new(exact());
    assert_eq!(sim.machine.state(), State::Closed);
    assert_eq!(sim.send("early"), Ok(Sent::Queued { dropped: 0 }));
    sim.connect();
    sim.open();
    assert_eq!(sim.transmitted, ["early"]);
}

#[test]
fn closing_a_socket_not_started_yet_refuses_later_sends_without_an_event() {
    let mut sim = Sim::new(exact());
    sim.close(1000, "");
    assert_eq!(sim.machine.state(), State::Closed);
    assert_eq!(sim.send("late").unwrap_err().error, SendError::Closed);
    assert!(sim.events.is_empty(), "{:?}", sim.events);
}

#[test]
fn sends_are_rejected_after_a_final_close() {
    let mut sim = Sim::open_with(exact());
    sim.server_close(1008, "policy");
    assert_eq!(sim.send("x").unwrap_err().error, SendError::Closed);
}

#[test]
fn send_readiness_says_what_a_send_would_meet_without_sending() {
    let full = Err(SendError::QueueFull { capacity: 2 });
    let mut sim = Sim::new(capacity(2, Overflow::Reject));
    // Not started yet: sends queue for the first connection.
    assert_eq!(sim.machine.send_readiness(), Ok(()));
    sim.connect();
    assert_eq!(sim.send("a"), QUEUED);
    assert_eq!(sim.machine.send_readiness(), Ok(()));
    assert_eq!(sim.send("b"), QUEUED);
    assert_eq!(sim.machine.send_readiness(), full);
    assert_eq!(sim.machine.queued_count(), 2, "asking sent nothing");
    sim.resolve();
    sim.open();
    assert_eq!(
        sim.machine.send_readiness(),
        Ok(()),
        "the open drained the queue"
    );
    sim.close(1000, "");
    assert_eq!(sim.machine.send_readiness(), Err(SendError::Closed));

    let mut dropping = Sim::new(capacity(1, Overflow::DropOldest));
    dropping.connect();
    assert_eq!(dropping.send("a"), QUEUED);
    assert_eq!(
        dropping.machine.send_readiness(),
        Ok(()),
        "drop-oldest always has room"
    );
}
