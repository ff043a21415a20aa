//! Requests and incoming messages, as the machine classifies them:
//! - a message is too big, the heartbeat's pong, possibly an answer, a plain message, or stale;
//! - requests get ids from 1; an answer settles its request once, a second answer and answers
//!   to ended requests are dropped once, other ids are messages;
//! - deadlines: one timer on the earliest, time queued included;
//! - a lost connection fails what was handed to it (`ConnectionLost`), but not what it never
//!   transmitted: that tail is requeued and its requests stay pending, answered on the next
//!   connection; with `resend_requests` lost ones go out again once, never twice;
//! - a queued request pushed out by `DropOldest` fails at once with `Dropped`;
//! - closing for good, running out of retries or closing before the first start fail every
//!   request with `Closed`; a forgotten request ends quietly;
//! - the reconnect predicate is asked only about closes that would be retried.

use resocket_core::{
    Answered, ConnId, HeartbeatTiming, Overflow, Policy, Received, RequestFailure, State, Timer,
};
use resocket_sim::{Sim, exact};

fn with_requests(resend: bool) -> Policy {
    Policy {
        resend_requests: resend,
        ..exact()
    }
}

#[test]
fn incoming_messages_are_classified() {
    let mut sim = Sim::open_with(Policy {
        max_message_bytes: 10,
        heartbeat: Some(HeartbeatTiming {
            interval_ms: 1_000,
            timeout_ms: 500,
        }),
        ..exact()
    });
    let conn = sim.conn();
    assert_eq!(
        sim.receive_on(conn, 11, true),
        Received::TooBig { limit: 10 }
    );
    assert_eq!(sim.receive_on(conn, 4, true), Received::Pong);
    assert_eq!(sim.receive_on(conn, 10, false), Received::Message);
    assert_eq!(sim.receive_on(ConnId(99), 1, false), Received::Stale);
    sim.request("r", 1_000).unwrap();
    assert_eq!(sim.receive_on(conn, 1, false), Received::MaybeAnswer);
    // While the user's close is under way, messages still arrive.
    sim.close(1000, "");
    assert_eq!(sim.receive_on(conn, 1, false), Received::MaybeAnswer);

    // Without a heartbeat, a message equal to the pong is a message.
    let mut sim = Sim::open_with(exact());
    assert_eq!(sim.pong(), Received::Message);
}

#[test]
fn an_answer_settles_once_and_later_answers_are_dropped_once() {
    let mut sim = Sim::open_with(exact());
    assert_eq!(sim.machine.next_request_id(), 1);
    let id = sim.request("r1", 1_000).unwrap();
    assert_eq!(id, 1);
    assert_eq!(sim.machine.next_request_id(), 2);
    assert_eq!(sim.machine.answered(7), Answered::NotAnAnswer);
    assert_eq!(sim.machine.answered(id), Answered::Request);
    assert_eq!(sim.due_in(Timer::Requests), None, "nothing left to time");
    assert_eq!(sim.machine.answered(id), Answered::Late);
    assert_eq!(sim.machine.answered(id), Answered::NotAnAnswer);
    sim.advance(5_000);
    assert!(sim.failed_requests.is_empty());
}

#[test]
fn requests_time_out_by_one_timer_time_queued_included() {
    let mut sim = Sim::new(exact());
    let slow = sim.request("slow", 3_000).unwrap();
    let quick = sim.request("quick", 1_000).unwrap();
    assert_eq!(sim.due_in(Timer::Requests), Some(1_000.0));
    sim.advance(999);
    assert!(sim.failed_requests.is_empty());
    sim.advance(1);
    assert_eq!(sim.failed_requests, [(quick, RequestFailure::TimedOut)]);
    assert_eq!(sim.due_in(Timer::Requests), Some(2_000.0));
    sim.advance(2_000);
    assert_eq!(sim.failed_requests[1], (slow, RequestFailure::TimedOut));
    assert_eq!(sim.machine.answered(slow), Answered::Late);
    assert_eq!(sim.pending_timers(), []);
}

#[test]
fn a_lost_connection_fails_what_it_took_and_keeps_what_it_never_sent() {
    let mut sim = Sim::open_with(with_requests(false));
    let sent = sim.request("sent", 10_000).unwrap();
    let unsent = sim.request("unsent", 10_000).unwrap();
    // The browser still held the second request's 6 bytes when the socket died.
    sim.unsent_bytes = 6;
    sim.drop_connection();
    assert_eq!(
        sim.failed_requests,
        [(sent, RequestFailure::ConnectionLost)]
    );
    assert_eq!(sim.machine.queued_count(), 1);
    sim.advance(1_000);
    sim.open();
    assert_eq!(sim.transmitted, ["sent", "unsent", "unsent"]);
    assert_eq!(sim.machine.answered(unsent), Answered::Request);
    assert_eq!(sim.machine.answered(sent), Answered::Late);
}

#[test]
fn resend_sends_a_lost_request_again_once_and_an_unsent_one_once() {
    let mut sim = Sim::open_with(with_requests(true));
    let sent = sim.request("sent", 10_000).unwrap();
    let unsent = sim.request("unsent", 10_000).unwrap();
    sim.unsent_bytes = 6;
    sim.drop_connection();
    assert!(sim.failed_requests.is_empty());
    assert_eq!(sim.machine.queued_count(), 2);
    sim.advance(1_000);
    sim.open();
    // The unsent tail first, in order, then the request sent again.
    assert_eq!(sim.transmitted, ["sent", "unsent", "unsent", "sent"]);
    // Lost again: both go out again, once each.
    sim.drop_connection();
    sim.advance(2_000);
    sim.open();
    assert_eq!(&sim.transmitted[4..], ["sent", "unsent"]);
    assert_eq!(sim.machine.answered(sent), Answered::Request);
    assert_eq!(sim.machine.answered(unsent), Answered::Request);
    assert!(sim.failed_requests.is_empty());
}

#[test]
fn resend_into_a_full_queue_fails_the_request() {
    let mut sim = Sim::open_with(Policy {
        queue_capacity: 1,
        ..with_requests(true)
    });
    let first = sim.request("a", 10_000).unwrap();
    let second = sim.request("b", 10_000).unwrap();
    sim.drop_connection();
    assert_eq!(
        sim.failed_requests,
        [(second, RequestFailure::QueueFull { capacity: 1 })]
    );
    assert_eq!(sim.machine.queued_count(), 1);
    sim.advance(1_000);
    sim.open();
    assert_eq!(sim.transmitted, ["a", "b", "a"]);
    assert_eq!(sim.machine.answered(first), Answered::Request);
}

#[test]
fn a_request_pushed_out_of_the_queue_fails_at_once() {
    let mut sim = Sim::new(Policy {
        queue_capacity: 2,
        overflow: Overflow::DropOldest,
        ..exact()
    });
    let request = sim.request("request", 60_000).unwrap();
    sim.send("one").unwrap();
    assert!(sim.failed_requests.is_empty());
    sim.send("two").unwrap();
    assert_eq!(sim.failed_requests, [(request, RequestFailure::Dropped)]);
    assert_eq!(sim.machine.answered(request), Answered::Late);
}

#[test]
fn closing_for_good_fails_every_request() {
    // Closed by the user while open.
    let mut sim = Sim::open_with(exact());
    let id = sim.request("r", 10_000).unwrap();
    sim.close(1000, "");
    assert!(sim.failed_requests.is_empty(), "the close is under way");
    sim.server_close(1000, "");
    assert_eq!(sim.failed_requests, [(id, RequestFailure::Closed)]);

    // A final close code, with a queued request.
    let mut sim = Sim::open_with(exact());
    sim.drop_connection();
    let id = sim.request("r", 10_000).unwrap();
    sim.advance(1_000);
    sim.server_close(1008, "policy");
    assert_eq!(sim.failed_requests, [(id, RequestFailure::Closed)]);

    // Out of retries.
    let mut sim = Sim::new(Policy {
        max_retries: Some(0),
        ..exact()
    });
    sim.connect();
    let id = sim.request("r", 10_000).unwrap();
    sim.drop_connection();
    assert_eq!(sim.machine.state(), State::Closed);
    assert_eq!(sim.failed_requests, [(id, RequestFailure::Closed)]);

    // Never started.
    let mut sim = Sim::new(exact());
    let id = sim.request("r", 10_000).unwrap();
    sim.close(1000, "");
    assert_eq!(sim.failed_requests, [(id, RequestFailure::Closed)]);
    assert_eq!(
        sim.machine.poll_timeout(),
        None,
        "a closed machine holds no timer"
    );
    assert!(sim.request("r", 10_000).is_err());
}

#[test]
fn a_forgotten_request_ends_quietly() {
    let mut sim = Sim::open_with(exact());
    let id = sim.request("r", 1_000).unwrap();
    sim.machine.forget_request(id);
    sim.advance(2_000);
    sim.drop_connection();
    assert!(sim.failed_requests.is_empty());
    assert_eq!(sim.machine.answered(id), Answered::Late);
}

#[test]
fn the_predicate_is_asked_only_about_closes_that_would_be_retried() {
    let mut sim = Sim::open_with(exact());
    let conn = sim.conn();
    assert!(sim.machine.asks_about_close(conn, 1006));
    assert!(sim.machine.asks_about_close(conn, 4000));
    assert!(!sim.machine.asks_about_close(conn, 1008), "a final code");
    assert!(
        !sim.machine.asks_about_close(ConnId(99), 1006),
        "another socket"
    );
    sim.close(1000, "");
    assert!(
        !sim.machine.asks_about_close(conn, 1000),
        "the user's close"
    );
}
