//! What becomes of messages handed to a socket that dies:
//! - the tail the final `bufferedAmount` covers (never transmitted, or only in part) is queued
//!   again in order, ahead of messages sent while disconnected, and goes out first on the next
//!   connection; `Event::Closed` counts it as `requeued`;
//! - the rest is counted as `unconfirmed`, except what a heartbeat pong confirmed (everything
//!   handed before its ping); pings in the tail count their bytes but are never resent;
//! - a socket given up without waiting for its close (heartbeat timeout, `reconnect()`)
//!   requeues nothing, as the browser may still send what it holds;
//! - after a user close the unsent tail stays queued until the user reconnects;
//! - requeued messages may take the queue past its capacity, and new sends are refused until
//!   it drains;
//! - `bufferedAmount` readings are asked for rarely in a burst, and what they show transmitted
//!   is let go; while many messages are held, another reading follows 200 ms later, so a
//!   burst's messages are not kept once the browser has sent them;
//! - property: over random sends, partial transmissions and deaths, with a network that
//!   delivers whatever left the browser, the server receives every accepted message exactly
//!   once and in order; and `oldest_held` never names a message older than one still to be
//!   transmitted, so a driver that lets go of older messages (the npm package's) never loses
//!   one.

use proptest::collection::vec;
use proptest::prelude::*;
use resocket_core::{Closed, Event, HeartbeatTiming, Policy, SendError, State, Timer};
use resocket_sim::{Sim, Wire, exact};

fn closed_event(sim: &mut Sim) -> (usize, u64) {
    sim.take_events()
        .into_iter()
        .find_map(|event| match event {
            Event::Closed(Closed {
                requeued,
                unconfirmed,
                ..
            }) => Some((requeued, unconfirmed)),
            _ => None,
        })
        .expect("a Closed event")
}

/// Pings after 1 s of silence, gives up 0.5 s after a ping.
fn with_heartbeat() -> Policy {
    Policy {
        heartbeat: Some(HeartbeatTiming {
            interval_ms: 1_000,
            timeout_ms: 500,
        }),
        ..exact()
    }
}

/// The index a property-test frame starts with.
fn index(frame: &str) -> usize {
    let digits = frame
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(frame.len());
    frame[..digits]
        .parse()
        .expect("a frame starts with its index")
}

fn send_all(sim: &mut Sim, frames: &[&str]) {
    for frame in frames {
        sim.send(frame).expect("accepted");
    }
}

#[test]
fn the_unsent_tail_goes_out_first_on_the_next_connection() {
    let mut sim = Sim::open_with(exact());
    send_all(&mut sim, &["one", "two", "three"]);
    // "two" and "three" (8 bytes) never left the browser.
    sim.unsent_bytes = 8;
    sim.drop_connection();
    assert_eq!(closed_event(&mut sim), (2, 1));
    assert_eq!(sim.machine.queued_count(), 2);
    send_all(&mut sim, &["four"]);
    sim.advance(1_000);
    sim.open();
    assert_eq!(
        sim.transmitted,
        ["one", "two", "three", "two", "three", "four"]
    );
}

#[test]
fn a_partly_transmitted_message_is_sent_again_whole() {
    let mut sim = Sim::open_with(exact());
    send_all(&mut sim, &["aaaa", "bbbb"]);
    sim.unsent_bytes = 2;
    sim.drop_connection();
    assert_eq!(closed_event(&mut sim), (1, 1));
    assert_eq!(sim.machine.queued().collect::<Vec<_>>(), ["bbbb"]);
}

#[test]
fn a_pong_confirms_everything_sent_before_its_ping() {
    let policy = with_heartbeat();
    let mut sim = Sim::open_with(policy);
    send_all(&mut sim, &["a", "b"]);
    sim.advance(1_000);
    assert_eq!(sim.pings.len(), 1);
    send_all(&mut sim, &["c"]);
    sim.pong();
    sim.drop_connection();
    assert_eq!(closed_event(&mut sim), (0, 1));
}

#[test]
fn ping_bytes_in_the_tail_never_make_a_transmitted_message_go_again() {
    let policy = with_heartbeat();
    let mut sim = Sim::with_ping_size(policy, 4);
    sim.connect();
    sim.open();
    send_all(&mut sim, &["sent"]);
    sim.advance(1_000);
    // Only the 4-byte ping is unsent: "sent" left the browser.
    sim.unsent_bytes = 4;
    sim.drop_connection();
    assert_eq!(closed_event(&mut sim), (0, 1));
    assert_eq!(sim.machine.queued_count(), 0);
}

#[test]
fn an_abandoned_socket_requeues_nothing() {
    let policy = with_heartbeat();
    let mut sim = Sim::open_with(policy);
    send_all(&mut sim, &["a", "b"]);
    sim.advance(1_500);
    assert_eq!(sim.abandons.len(), 1);
    assert_eq!(closed_event(&mut sim), (0, 2));
    assert_eq!(sim.machine.queued_count(), 0);

    let mut sim = Sim::open_with(exact());
    send_all(&mut sim, &["a"]);
    sim.reconnect();
    assert_eq!(closed_event(&mut sim), (0, 1));
}

#[test]
fn after_a_user_close_the_unsent_tail_waits_for_a_reconnect() {
    let mut sim = Sim::open_with(exact());
    send_all(&mut sim, &["a", "b"]);
    sim.close(1000, "bye");
    sim.unsent_bytes = 1;
    sim.socket_closed(1000, "bye", false, true);
    assert_eq!(closed_event(&mut sim), (1, 1));
    assert_eq!(sim.machine.state(), State::Closed);
    sim.connect();
    sim.open();
    assert_eq!(sim.transmitted, ["a", "b", "b"]);
}

#[test]
fn requeued_messages_may_overfill_the_queue_until_it_drains() {
    let mut sim = Sim::open_with(Policy {
        queue_capacity: 1,
        ..exact()
    });
    send_all(&mut sim, &["a", "b", "c"]);
    sim.unsent_bytes = 3;
    sim.drop_connection();
    assert_eq!(sim.machine.queued_count(), 3);
    let refused = sim.send("d").unwrap_err();
    assert_eq!(refused.error, SendError::QueueFull { capacity: 1 });
    sim.advance(1_000);
    sim.open();
    assert_eq!(sim.transmitted, ["a", "b", "c", "a", "b", "c"]);
    sim.send("d").expect("the queue drained");
}

#[test]
fn readings_are_rare_and_let_transmitted_messages_go() {
    let mut sim = Sim::open_with(exact());
    for n in 0..10_000 {
        sim.send(&n.to_string()).expect("open");
    }
    // The browser has transmitted everything each time it is asked.
    assert!(
        (1..=400).contains(&sim.measures),
        "{} readings for 10,000 sends",
        sim.measures
    );
    // The last reading showed nothing unsent, so little is left to settle.
    sim.unsent_bytes = 4;
    sim.drop_connection();
    assert_eq!(closed_event(&mut sim), (1, 9_999));
    assert_eq!(sim.machine.queued().collect::<Vec<_>>(), ["9999"]);
}

#[test]
fn messages_held_after_a_burst_are_let_go_once_the_browser_sent_them() {
    let mut sim = Sim::open_with(exact());
    sim.wire = Some(Wire::default());
    for n in 0..1_000 {
        sim.send(&n.to_string()).expect("open");
    }
    // Every reading during the burst found everything still unsent.
    assert_eq!(sim.machine.held_count(), 1_000);
    wire(&mut sim).drain(u64::MAX);
    sim.advance(199);
    assert_eq!(sim.machine.held_count(), 1_000, "not before the recheck");
    sim.advance(1);
    assert_eq!(sim.machine.held_count(), 0);
    assert_eq!(
        sim.due_in(Timer::Buffered),
        None,
        "nothing left to look at again"
    );
}

/// One step of the delivery property.
#[derive(Clone, Debug)]
enum Step {
    Send(usize),
    /// The network takes this many bytes from the front of the browser's buffer.
    Drain(u64),
    /// The connection dies with whatever is still in the browser's buffer.
    Die,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0usize..12).prop_map(Step::Send),
        2 => (0u64..40).prop_map(Step::Drain),
        1 => Just(Step::Die),
    ]
}

fn wire(sim: &mut Sim) -> &mut Wire {
    sim.wire.as_mut().expect("the wire is modelled")
}

proptest! {
    #[test]
    fn the_server_gets_every_accepted_message_once_in_order(steps in vec(step(), 1..150)) {
        let mut sim = Sim::open_with(Policy { queue_capacity: 10_000, min_uptime_ms: 0, ..exact() });
        sim.wire = Some(Wire::default());
        let mut accepted = Vec::new();
        // Messages before this index are held nowhere, as `oldest_held` told after each step.
        let mut let_go = 0;
        let mut checked = 0;
        for step in steps {
            match step {
                Step::Send(padding) => {
                    let frame = format!("{}{}", accepted.len(), "é".repeat(padding));
                    sim.send(&frame).expect("accepted");
                    accepted.push(frame);
                }
                Step::Drain(bytes) => wire(&mut sim).drain(bytes),
                Step::Die => {
                    sim.drop_connection();
                    sim.advance(1_000);
                    sim.open();
                }
            }
            for frame in &sim.transmitted[checked..] {
                prop_assert!(index(frame) >= let_go, "{frame} transmitted after it was let go");
            }
            checked = sim.transmitted.len();
            let oldest = sim.machine.oldest_held().map_or(accepted.len(), |frame| index(frame));
            prop_assert!(oldest >= let_go, "oldest_held went back from {let_go} to {oldest}");
            let_go = oldest;
        }
        let wire = wire(&mut sim);
        wire.drain(u64::MAX);
        prop_assert_eq!(&wire.delivered, &accepted);
    }
}
