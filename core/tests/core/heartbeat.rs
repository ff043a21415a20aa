//! The heartbeat, with `interval` 1000 ms and `timeout` 500 ms unless said otherwise:
//! - it is off by default: no ping however long the silence;
//! - a ping goes out after `interval` of silence, only while open, and stops with the
//!   connection;
//! - no reply within `timeout` abandons the socket (4000, "heartbeat timeout") and reconnects,
//!   and the new connection starts a fresh schedule;
//! - a pong gives the round-trip time and cancels the deadline; any message does too, and a
//!   pong that follows other traffic is still timed, once per ping;
//! - traffic during the interval postpones the ping without starting or stopping timers;
//! - a pong with no ping outstanding, or from an abandoned socket, changes nothing.

use resocket_core::{ConnId, Event, HeartbeatTiming, Input, Policy, Received, State, Timer};
use resocket_sim::{Closure, Sim, closed, exact};

fn heartbeat() -> Policy {
    Policy {
        heartbeat: Some(HeartbeatTiming {
            interval_ms: 1_000,
            timeout_ms: 500,
        }),
        ..exact()
    }
}

/// The timers (re)armed between `from` and `to`, with their deadlines.
fn timers_armed_between(sim: &Sim, from: f64, to: f64) -> Vec<(Timer, f64)> {
    (sim.timer_log.iter())
        .filter(|(at, _, _)| (from..to).contains(at))
        .filter_map(|&(_, timer, due)| due.map(|due| (timer, due)))
        .collect()
}

#[test]
fn off_by_default() {
    assert_eq!(Policy::default().heartbeat, None);
    let mut sim = Sim::open_with(exact());
    assert_eq!(sim.due_in(Timer::Ping), None);
    sim.advance(3_600_000);
    assert!(sim.pings.is_empty());
    assert_eq!(sim.machine.state(), State::Open);
    assert_eq!(sim.take_events(), []);
}

#[test]
fn pings_after_an_interval_of_silence() {
    let mut sim = Sim::open_with(heartbeat());
    assert_eq!(sim.due_in(Timer::Ping), Some(1_000.0));
    sim.advance(999);
    assert!(sim.pings.is_empty());
    sim.advance(1);
    assert_eq!(sim.pings, [1_000.0]);
    assert_eq!(sim.due_in(Timer::PongDeadline), Some(500.0));
    assert_eq!(sim.due_in(Timer::Ping), None);
}

#[test]
fn silence_after_a_ping_abandons_the_socket_and_reconnects() {
    let mut sim = Sim::open_with(heartbeat());
    let conn = sim.conn();
    sim.advance(1_499);
    assert!(sim.abandons.is_empty());
    sim.advance(1);
    assert_eq!(
        sim.abandons,
        [Closure {
            conn,
            code: 4000,
            reason: "heartbeat timeout".into()
        }]
    );
    assert_eq!(
        sim.take_events(),
        [
            closed(4000, "heartbeat timeout", false, true),
            Event::Reconnecting {
                attempt: 1,
                delay_ms: 1_000
            }
        ]
    );
    assert_eq!(sim.socket, None);
    sim.advance(1_000);
    assert_eq!(sim.connects.len(), 2);
    // The new connection starts its own schedule from its open.
    sim.advance(250);
    sim.open();
    assert_eq!(sim.due_in(Timer::Ping), Some(1_000.0));
    sim.advance(1_000);
    assert_eq!(sim.pings, [1_000.0, 3_750.0]);
}

#[test]
fn pong_gives_the_round_trip_time_and_cancels_the_deadline() {
    let mut sim = Sim::open_with(heartbeat());
    assert_eq!(sim.machine.rtt_ms(), None);
    sim.advance(1_120);
    sim.pong();
    assert_eq!(sim.machine.rtt_ms(), Some(120.0));
    assert_eq!(sim.due_in(Timer::PongDeadline), None);
    assert_eq!(sim.due_in(Timer::Ping), Some(1_000.0));
    sim.advance(1_000);
    assert_eq!(sim.pings, [1_000.0, 2_120.0]);
    sim.advance(40);
    sim.pong();
    assert_eq!(sim.machine.rtt_ms(), Some(40.0));
    assert!(sim.abandons.is_empty());
    assert_eq!(sim.machine.state(), State::Open);
}

#[test]
fn a_new_connection_has_no_round_trip_time_until_its_own_first_pong() {
    let mut sim = Sim::open_with(heartbeat());
    sim.advance(1_030);
    sim.pong();
    assert_eq!(sim.machine.rtt_ms(), Some(30.0));
    sim.server_close(1012, "restart");
    // Kept while no connection replaces the one it measured.
    assert_eq!(sim.machine.rtt_ms(), Some(30.0));
    sim.advance(1_000);
    sim.resolve();
    sim.open();
    assert_eq!(sim.machine.rtt_ms(), None);
    sim.advance(1_050);
    sim.pong();
    assert_eq!(sim.machine.rtt_ms(), Some(50.0));
}

#[test]
fn pong_after_other_traffic_is_still_timed_once() {
    let mut sim = Sim::open_with(heartbeat());
    sim.advance(1_010);
    sim.receive(); // answers the deadline, but is not the pong
    assert_eq!(sim.due_in(Timer::PongDeadline), None);
    sim.advance(25);
    sim.pong();
    assert_eq!(sim.machine.rtt_ms(), Some(35.0));
    // A second pong for the same ping gives no new measurement.
    sim.advance(500);
    sim.pong();
    assert_eq!(sim.machine.rtt_ms(), Some(35.0));
}

#[test]
fn any_message_after_a_ping_cancels_the_deadline() {
    let mut sim = Sim::open_with(heartbeat());
    sim.advance(1_499);
    sim.receive();
    assert_eq!(sim.due_in(Timer::PongDeadline), None);
    sim.advance(1);
    assert!(sim.abandons.is_empty());
    assert_eq!(sim.machine.rtt_ms(), None);
    // The next interval of silence counts from the message.
    sim.advance(998);
    assert_eq!(sim.pings, [1_000.0]);
    sim.advance(1);
    assert_eq!(sim.pings, [1_000.0, 2_499.0]);
}

#[test]
fn traffic_during_the_interval_postpones_the_ping_without_timer_churn() {
    let mut sim = Sim::open_with(heartbeat());
    let before = sim.log.len();
    for at in [300, 600, 900] {
        sim.advance(300);
        assert_eq!(sim.now, f64::from(at));
        sim.receive();
    }
    assert_eq!(
        sim.log.len(),
        before,
        "messages must not touch the machine's outputs"
    );
    sim.advance(100);
    // The ping timer fired at 1000, found 100 ms of silence and waits out the other 900.
    assert!(sim.pings.is_empty());
    assert_eq!(
        timers_armed_between(&sim, 1.0, 1_001.0),
        [(Timer::Ping, 1_900.0)]
    );
    sim.advance(899);
    assert!(sim.pings.is_empty());
    sim.advance(1);
    assert_eq!(sim.pings, [1_900.0]);
}

#[test]
fn steady_traffic_never_pings() {
    let mut sim = Sim::open_with(heartbeat());
    for _ in 0..100 {
        sim.advance(400);
        sim.receive();
    }
    assert!(sim.pings.is_empty());
    assert!(sim.abandons.is_empty());
    // The ping timer is re-armed when it fires (at most once per 800 ms here, as the
    // silence it finds is under 400 ms), never once per message.
    let checks = timers_armed_between(&sim, 1.0, sim.now + 1.0);
    assert!(checks.len() <= 50, "{} timers armed", checks.len());
    assert!(checks.iter().all(|&(timer, _)| timer == Timer::Ping));
}

#[test]
fn pong_without_an_outstanding_ping_only_counts_as_traffic() {
    let mut sim = Sim::open_with(heartbeat());
    sim.advance(500);
    let before = sim.log.len();
    sim.pong();
    assert_eq!(sim.log.len(), before);
    assert_eq!(sim.machine.rtt_ms(), None);
    sim.advance(1_000);
    assert_eq!(sim.pings, [1_500.0]);
}

#[test]
fn no_heartbeat_before_the_open() {
    let mut sim = Sim::new(heartbeat());
    sim.connect();
    assert_eq!(sim.due_in(Timer::Ping), None);
    sim.advance(4_000);
    assert!(sim.pings.is_empty());
    assert_eq!(sim.machine.state(), State::Connecting);
}

#[test]
fn heartbeat_stops_with_the_connection() {
    let mut sim = Sim::open_with(heartbeat());
    sim.advance(1_000);
    sim.close(1000, "");
    assert_eq!(sim.due_in(Timer::Ping), None);
    assert_eq!(sim.due_in(Timer::PongDeadline), None);
    sim.advance(4_000);
    assert_eq!(sim.pings, [1_000.0]);
    assert!(sim.abandons.is_empty());

    let mut sim = Sim::open_with(heartbeat());
    sim.advance(500);
    sim.drop_connection();
    assert_eq!(sim.due_in(Timer::Ping), None);
    sim.advance(999);
    assert!(sim.pings.is_empty());
}

#[test]
fn events_from_the_abandoned_socket_are_ignored() {
    let mut sim = Sim::open_with(heartbeat());
    sim.advance(1_500);
    let dead = ConnId(1);
    assert_eq!(sim.abandons[0].conn, dead);
    sim.take_events();
    let before = sim.log.len();
    assert_eq!(sim.receive_on(dead, 4, true), Received::Stale);
    assert_eq!(sim.receive_on(dead, 1, false), Received::Stale);
    sim.input(Input::Closed {
        conn: dead,
        code: 4000,
        reason: "heartbeat timeout".into(),
        was_clean: false,
        unsent_bytes: 0,
        reconnect_allowed: true,
    });
    assert_eq!(sim.log.len(), before);
    assert_eq!(sim.machine.rtt_ms(), None);
    assert_eq!(sim.machine.state(), State::Waiting);
}

#[test]
fn custom_timing_is_honoured() {
    let mut sim = Sim::open_with(Policy {
        heartbeat: Some(HeartbeatTiming {
            interval_ms: 15_000,
            timeout_ms: 5_000,
        }),
        ..exact()
    });
    sim.advance(15_000);
    assert_eq!(sim.pings, [15_000.0]);
    sim.advance(4_999);
    assert!(sim.abandons.is_empty());
    sim.advance(1);
    assert_eq!(sim.abandons.len(), 1);
}
