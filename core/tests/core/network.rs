//! Network and page awareness, with the heartbeat (when on) at `interval` 1000 ms and
//! `timeout` 500 ms:
//! - `Offline` stops a wait for a retry and pauses in `State::Offline`: no attempt and no
//!   timer however long it lasts; a lost connection or a failed attempt pauses too, without
//!   a retry or a `Reconnecting` event, and never spends `max_retries`;
//! - `Online` starts an attempt at once, with the retry count reset;
//! - an open connection survives `Offline`, checked at once by a ping when the heartbeat is
//!   on; `Online` checks it again;
//! - `Connect` while offline pauses at once; a closed socket ignores the network;
//! - the user's `Close` ends a pause for good, the user's `Reconnect` tries at once (and
//!   pauses again if that fails); sends are queued while paused and go out on open;
//! - `Suspend` abandons the connection (1000 on the wire, reported as 1001 "going away"),
//!   pauses in `State::Suspended` until `Resume`, which connects at once unless offline;
//!   a close the user asked for ends at once;
//! - repeated signals change nothing and say nothing;
//! - `Wake` pings an open connection at once unless a ping awaits its pong;
//! - a pong deadline that fires more than `timeout` late is granted once more, from the late
//!   firing, and its pong is not timed; a deadline late by `timeout` or less, or late again
//!   after its grant, declares the connection dead; a late ping timer just pings;
//! - properties: random sequences of network and page signals, stalls and socket events
//!   never start an attempt while paused unless the user reconnects, a paused machine holds
//!   no timer and no socket, and its state names the cause.

use proptest::collection::vec;
use proptest::prelude::*;
use resocket_core::{Closed, Event, HeartbeatTiming, Input, Output, Policy, State, Timer};
use resocket_sim::{Closure, Sim, URL, closed, exact};

fn heartbeat() -> Policy {
    Policy {
        heartbeat: Some(HeartbeatTiming {
            interval_ms: 1_000,
            timeout_ms: 500,
        }),
        ..exact()
    }
}

/// The socket dropped and now waits out its first retry delay (1000 ms).
fn waiting(policy: Policy) -> Sim {
    let mut sim = Sim::open_with(policy);
    sim.drop_connection();
    assert_eq!(sim.machine.state(), State::Waiting);
    sim.take_events();
    sim
}

#[test]
fn offline_stops_a_wait_and_online_connects_at_once() {
    let mut sim = waiting(exact());
    assert_eq!(sim.due_in(Timer::Retry), Some(1_000.0));
    sim.input(Input::Offline);
    assert_eq!(sim.machine.state(), State::Offline);
    assert!(sim.machine.is_offline());
    assert_eq!(sim.take_events(), [Event::Offline]);
    assert_eq!(sim.pending_timers(), []);
    assert_eq!(sim.timer_log.last(), Some(&(0.0, Timer::Retry, None)));

    sim.advance(3_600_000);
    assert_eq!(sim.connects.len(), 1, "no attempt while offline");
    assert_eq!(sim.take_events(), []);

    sim.input(Input::Online);
    assert_eq!(sim.take_events(), [Event::Online]);
    assert_eq!(sim.connects.len(), 2);
    assert_eq!(sim.connects[1].0, sim.now, "the attempt starts at once");
    assert_eq!(sim.machine.state(), State::Connecting);
    assert_eq!(sim.machine.retry_count(), 0);
    sim.open();
    assert_eq!(sim.take_events(), [Event::Open]);
}

#[test]
fn a_connection_lost_while_offline_waits_for_online() {
    let mut sim = Sim::open_with(exact());
    sim.input(Input::Offline);
    assert_eq!(sim.machine.state(), State::Open, "the connection is kept");
    assert_eq!(sim.take_events(), [Event::Offline]);
    sim.drop_connection();
    assert_eq!(sim.take_events(), [closed(1006, "", false, true)]);
    assert_eq!(sim.machine.state(), State::Offline);
    assert_eq!(sim.pending_timers(), []);
    sim.advance(600_000);
    assert_eq!(sim.connects.len(), 1);
    sim.input(Input::Online);
    assert_eq!(sim.connects.len(), 2);
    assert_eq!(sim.take_events(), [Event::Online]);
}

#[test]
fn an_attempt_under_way_runs_its_course_and_a_failure_pauses() {
    let mut sim = Sim::new(exact());
    sim.connect();
    sim.input(Input::Offline);
    assert_eq!(sim.machine.state(), State::Connecting);
    assert_eq!(sim.take_events(), [Event::Offline]);
    sim.drop_connection();
    assert_eq!(sim.take_events(), [closed(1006, "", false, true)]);
    assert_eq!(sim.machine.state(), State::Offline);

    // A connect timeout pauses the same way.
    sim.input(Input::Online);
    sim.take_events();
    sim.input(Input::Offline);
    sim.take_events();
    sim.advance(5_000);
    assert_eq!(sim.abandons.len(), 1);
    assert_eq!(sim.machine.state(), State::Offline);
    assert_eq!(sim.pending_timers(), []);

    // An attempt that opens while offline (a loopback server) stays open.
    sim.input(Input::Online);
    sim.input(Input::Offline);
    sim.open();
    assert_eq!(sim.machine.state(), State::Open);
}

#[test]
fn offline_never_spends_retries() {
    let mut sim = Sim::open_with(Policy {
        max_retries: Some(1),
        ..exact()
    });
    sim.fail_attempts(1);
    assert_eq!(sim.machine.retry_count(), 1);
    sim.input(Input::Offline);
    sim.drop_connection();
    assert_eq!(
        sim.take_events(),
        [Event::Offline, closed(1006, "", false, true)],
        "no RetriesExhausted while offline"
    );
    sim.input(Input::Online);
    assert_eq!(sim.machine.retry_count(), 0);
    sim.drop_connection();
    assert_eq!(
        sim.retry_delays(),
        [1_000],
        "a fresh count after the network came back"
    );
}

#[test]
fn an_open_connection_is_checked_when_the_network_changes() {
    let mut sim = Sim::open_with(heartbeat());
    sim.advance(300);
    sim.input(Input::Offline);
    assert_eq!(sim.pings, [300.0]);
    assert_eq!(sim.due_in(Timer::PongDeadline), Some(500.0));
    assert_eq!(sim.due_in(Timer::Ping), None);
    sim.advance(40);
    sim.pong();
    assert_eq!(sim.machine.rtt_ms(), Some(40.0));
    assert_eq!(sim.due_in(Timer::Ping), Some(1_000.0));

    sim.advance(100);
    sim.input(Input::Online);
    assert_eq!(sim.pings, [300.0, 440.0]);
    assert_eq!(sim.take_events(), [Event::Offline, Event::Online]);
    // Silence after the check: dead as usual.
    sim.advance(500);
    assert_eq!(sim.abandons.len(), 1);
    assert_eq!(sim.abandons[0].code, 4000);
}

#[test]
fn without_a_heartbeat_the_network_signals_send_nothing() {
    let mut sim = Sim::open_with(exact());
    let before = sim.log.len();
    sim.input(Input::Offline);
    sim.input(Input::Online);
    sim.input(Input::Wake);
    let outputs: Vec<_> = sim.log[before..].iter().map(|(_, o)| o.clone()).collect();
    assert_eq!(
        outputs,
        [Output::Emit(Event::Offline), Output::Emit(Event::Online)]
    );
    assert_eq!(sim.machine.state(), State::Open);
}

#[test]
fn connect_while_offline_pauses_and_a_closed_socket_ignores_the_network() {
    let mut sim = Sim::new(exact());
    sim.input(Input::Offline);
    assert_eq!(sim.take_events(), [], "not started: nothing to say");
    assert_eq!(sim.machine.state(), State::Closed);
    sim.connect();
    assert_eq!(sim.machine.state(), State::Offline);
    assert_eq!(sim.take_events(), [Event::Offline]);
    assert_eq!(sim.connects, []);
    assert_eq!(sim.pending_timers(), []);
    sim.input(Input::Online);
    assert_eq!(sim.connects.len(), 1);

    sim.open();
    sim.close(1000, "bye");
    sim.server_close(1000, "bye");
    sim.take_events();
    sim.input(Input::Offline);
    sim.input(Input::Online);
    assert_eq!(sim.take_events(), []);
    assert_eq!(sim.connects.len(), 1);
    assert_eq!(sim.machine.state(), State::Closed);
}

#[test]
fn the_user_decides_while_paused() {
    let mut sim = waiting(exact());
    sim.input(Input::Offline);
    sim.take_events();

    // Sends queue, as while waiting.
    assert!(sim.send("queued").is_ok());
    assert_eq!(sim.machine.queued_count(), 1);

    // Reconnect tries at once; a failure pauses again without a retry.
    sim.reconnect();
    assert_eq!(sim.connects.len(), 2);
    assert_eq!(sim.machine.state(), State::Connecting);
    sim.drop_connection();
    assert_eq!(sim.take_events(), [closed(1006, "", false, true)]);
    assert_eq!(sim.machine.state(), State::Offline);

    // Close ends the pause for good.
    sim.close(1000, "done");
    assert_eq!(sim.take_events(), [closed(1000, "done", true, false)]);
    assert_eq!(sim.machine.state(), State::Closed);
    sim.input(Input::Online);
    assert_eq!(sim.connects.len(), 2);
    assert_eq!(sim.take_events(), []);

    // The queue is kept for a later connection.
    sim.connect();
    sim.open();
    assert_eq!(sim.transmitted, ["queued"]);
}

#[test]
fn suspend_closes_going_away_and_resume_reconnects() {
    let mut sim = Sim::open_with(heartbeat());
    let conn = sim.conn();
    sim.send("before").unwrap();
    sim.input(Input::Suspend);
    assert_eq!(
        sim.abandons,
        [Closure {
            conn,
            code: 1000,
            reason: "going away".into()
        }]
    );
    assert_eq!(
        sim.take_events(),
        [Event::Closed(Closed {
            code: 1001,
            reason: "going away".into(),
            was_clean: false,
            will_reconnect: true,
            requeued: 0,
            unconfirmed: 1,
        })]
    );
    assert_eq!(sim.machine.state(), State::Suspended);
    assert_eq!(sim.pending_timers(), []);
    assert!(sim.send("during").is_ok());

    sim.advance(3_600_000);
    assert_eq!(sim.connects.len(), 1);
    sim.resume();
    assert_eq!(sim.connects.len(), 2);
    assert_eq!(sim.machine.retry_count(), 0);
    sim.open();
    assert_eq!(sim.transmitted, ["before", "during"]);
    assert_eq!(sim.take_events(), [Event::Open]);
}

#[test]
fn suspend_pauses_a_wait_or_an_attempt_without_a_socket() {
    let mut sim = waiting(exact());
    sim.input(Input::Suspend);
    assert_eq!(sim.machine.state(), State::Suspended);
    assert_eq!(sim.pending_timers(), []);
    assert_eq!(sim.take_events(), []);
    sim.resume();
    assert_eq!(sim.connects.len(), 2);

    let mut sim = Sim::new(exact());
    sim.auto_resolve = false;
    sim.connect();
    let stale = sim.resolving.unwrap();
    sim.input(Input::Suspend);
    assert_eq!(sim.machine.state(), State::Suspended);
    assert_eq!(sim.pending_timers(), []);
    // The provider's late answer is for an attempt given up.
    sim.input(Input::UrlResolved {
        conn: stale,
        url: URL.into(),
    });
    assert_eq!(sim.connects, []);
    sim.resume();
    assert_ne!(sim.resolving, Some(stale));
    sim.resolve();
    assert_eq!(sim.connects.len(), 1);
}

#[test]
fn suspend_finishes_a_close_the_user_asked_for() {
    let mut sim = Sim::open_with(exact());
    sim.close(1000, "bye");
    sim.input(Input::Suspend);
    assert_eq!(sim.abandons.len(), 1);
    assert_eq!(
        sim.take_events(),
        [closed(1001, "going away", false, false)]
    );
    assert_eq!(sim.machine.state(), State::Closed);
    assert_eq!(sim.pending_timers(), []);
    sim.resume();
    assert_eq!(sim.connects.len(), 1);
}

#[test]
fn resume_while_offline_waits_for_the_network() {
    let mut sim = Sim::open_with(exact());
    sim.input(Input::Suspend);
    sim.input(Input::Offline);
    assert_eq!(sim.machine.state(), State::Suspended);
    sim.resume();
    assert_eq!(sim.machine.state(), State::Offline);
    assert_eq!(sim.connects.len(), 1);
    sim.input(Input::Online);
    assert_eq!(sim.connects.len(), 2);

    // And the other way round: online while suspended waits for the resume.
    let mut sim = Sim::open_with(exact());
    sim.input(Input::Offline);
    sim.input(Input::Suspend);
    sim.input(Input::Online);
    assert_eq!(sim.machine.state(), State::Suspended);
    assert_eq!(sim.connects.len(), 1);
    sim.resume();
    assert_eq!(sim.connects.len(), 2);
}

#[test]
fn repeated_signals_change_nothing() {
    let mut sim = waiting(exact());
    sim.input(Input::Online);
    sim.resume();
    assert_eq!(sim.machine.state(), State::Waiting);
    assert_eq!(sim.take_events(), []);
    sim.input(Input::Offline);
    let before = sim.log.len();
    sim.input(Input::Offline);
    assert_eq!(sim.log.len(), before);
    sim.input(Input::Suspend);
    let before = sim.log.len();
    sim.input(Input::Suspend);
    assert_eq!(sim.log.len(), before);
    assert_eq!(sim.take_events(), [Event::Offline]);
}

#[test]
fn wake_pings_an_open_connection_at_once() {
    let mut sim = Sim::open_with(heartbeat());
    sim.advance(400);
    sim.input(Input::Wake);
    assert_eq!(sim.pings, [400.0]);
    assert_eq!(sim.due_in(Timer::PongDeadline), Some(500.0));
    assert_eq!(sim.due_in(Timer::Ping), None);

    // A ping awaiting its pong is enough.
    sim.advance(100);
    sim.input(Input::Wake);
    assert_eq!(sim.pings, [400.0]);
    assert_eq!(sim.due_in(Timer::PongDeadline), Some(400.0));

    sim.pong();
    assert_eq!(sim.machine.rtt_ms(), Some(100.0));
    assert_eq!(sim.due_in(Timer::Ping), Some(1_000.0));
    sim.advance(1_000);
    assert_eq!(sim.pings, [400.0, 1_500.0], "back on schedule");

    // A dead connection is found a timeout after the wake.
    let mut sim = Sim::open_with(heartbeat());
    sim.advance(200);
    sim.input(Input::Wake);
    sim.advance(500);
    assert_eq!(sim.abandons.len(), 1);
    assert_eq!(sim.abandons[0].reason, "heartbeat timeout");
}

#[test]
fn wake_does_nothing_unless_open() {
    for mut sim in [waiting(heartbeat()), Sim::new(heartbeat())] {
        let before = sim.log.len();
        sim.input(Input::Wake);
        assert_eq!(sim.log.len(), before);
    }
    let mut sim = Sim::open_with(heartbeat());
    sim.close(1000, "");
    let before = sim.log.len();
    sim.input(Input::Wake);
    assert_eq!(sim.log.len(), before);
}

#[test]
fn a_late_pong_deadline_is_granted_once_more() {
    let mut sim = Sim::open_with(heartbeat());
    sim.advance(1_000);
    assert_eq!(sim.pings, [1_000.0]);
    // The page froze for a minute: the deadline due at 1500 fires at 61000.
    sim.stall(60_000);
    assert_eq!(sim.abandons, [], "a late timer is no verdict");
    assert_eq!(sim.due_in(Timer::PongDeadline), Some(500.0));
    assert_eq!(sim.pings, [1_000.0], "the ping in flight is waited for");
    // The pong was queued behind the timer.
    sim.pong();
    assert_eq!(sim.machine.rtt_ms(), None, "a stall is no round trip");
    assert_eq!(sim.machine.state(), State::Open);
    assert_eq!(sim.due_in(Timer::Ping), Some(1_000.0));
    assert_eq!(sim.take_events(), []);
}

#[test]
fn a_late_deadline_still_finds_a_dead_connection() {
    let mut sim = Sim::open_with(heartbeat());
    sim.advance(1_000);
    sim.stall(60_000);
    sim.advance(499);
    assert_eq!(sim.abandons, []);
    sim.advance(1);
    assert_eq!(sim.abandons.len(), 1);
    assert_eq!(sim.abandons[0].code, 4000);
    assert_eq!(sim.now, 61_500.0);
}

#[test]
fn the_grant_is_once_per_ping() {
    let mut sim = Sim::open_with(heartbeat());
    sim.advance(1_000);
    sim.stall(60_000);
    assert_eq!(sim.abandons, []);
    // Still throttled: the granted deadline fires a minute late too.
    sim.stall(60_000);
    assert_eq!(sim.abandons.len(), 1);

    // Each ping has its own grant.
    let mut sim = Sim::open_with(heartbeat());
    sim.advance(1_000);
    sim.stall(60_000);
    sim.pong();
    sim.advance(1_000);
    assert_eq!(sim.pings.len(), 2);
    sim.stall(60_000);
    assert_eq!(sim.abandons, []);
    sim.receive();
    assert_eq!(sim.machine.state(), State::Open);
}

#[test]
fn the_tolerance_is_the_timeout() {
    let late_by = |ms: u32| {
        let mut sim = Sim::open_with(heartbeat());
        sim.advance(1_499);
        sim.stall(1 + ms);
        sim.abandons.len()
    };
    assert_eq!(late_by(0), 1);
    assert_eq!(late_by(500), 1, "late by the timeout: still a verdict");
    assert_eq!(late_by(501), 0, "later than that: granted once more");
}

#[test]
fn a_late_ping_timer_just_pings() {
    let mut sim = Sim::open_with(heartbeat());
    sim.advance(999);
    sim.stall(59_001);
    assert_eq!(sim.pings, [60_000.0]);
    assert_eq!(sim.due_in(Timer::PongDeadline), Some(500.0));
    sim.advance(500);
    assert_eq!(sim.abandons.len(), 1, "a punctual deadline decides");
}

#[derive(Clone, Debug)]
enum Op {
    Offline,
    Online,
    Suspend,
    Resume,
    Wake,
    Connect,
    Reconnect,
    Close,
    Send,
    Opened,
    Pong,
    Dropped,
    Advance(u32),
    Stall(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => Just(Op::Offline),
        1 => Just(Op::Online),
        1 => Just(Op::Suspend),
        1 => Just(Op::Resume),
        1 => Just(Op::Wake),
        1 => Just(Op::Connect),
        1 => Just(Op::Reconnect),
        1 => Just(Op::Close),
        1 => Just(Op::Send),
        3 => Just(Op::Opened),
        2 => Just(Op::Pong),
        2 => Just(Op::Dropped),
        3 => (0u32..3_000).prop_map(Op::Advance),
        2 => (0u32..120_000).prop_map(Op::Stall),
    ]
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        proptest::option::of(0u32..4),
        proptest::option::of((1u32..3_000, 1u32..3_000)),
        50u32..5_000,
    )
        .prop_map(|(max_retries, heartbeat, connect_timeout_ms)| Policy {
            max_retries,
            heartbeat: heartbeat.map(|(interval_ms, timeout_ms)| HeartbeatTiming {
                interval_ms,
                timeout_ms,
            }),
            connect_timeout_ms,
            ..Policy::default()
        })
}

proptest! {
    #[test]
    fn paused_means_no_attempt_no_timer_no_socket(
        policy in policy(),
        seed in any::<u64>(),
        ops in vec(op(), 1..150),
    ) {
        let mut sim = Sim::with_seed(policy, seed);
        let (mut offline, mut suspended) = (false, false);
        for op in &ops {
            let attempts_before = sim.resolving;
            let mut by_hand = false;
            match op {
                Op::Offline => {
                    offline = true;
                    sim.input(Input::Offline);
                }
                Op::Online => {
                    offline = false;
                    sim.input(Input::Online);
                }
                Op::Suspend => {
                    suspended = true;
                    sim.input(Input::Suspend);
                }
                Op::Resume => {
                    suspended = false;
                    sim.resume();
                }
                Op::Wake => sim.input(Input::Wake),
                Op::Connect => sim.connect(),
                Op::Reconnect => {
                    by_hand = true;
                    sim.reconnect();
                }
                Op::Close => sim.close(1000, "user"),
                Op::Send => {
                    let _ = sim.send("m");
                }
                Op::Opened => {
                    if sim.socket.is_some_and(|s| !s.open && !s.closing) {
                        sim.open();
                    }
                }
                Op::Pong => {
                    if sim.socket.is_some_and(|s| s.open) {
                        sim.pong();
                    }
                }
                Op::Dropped => {
                    if sim.socket.is_some() {
                        sim.drop_connection();
                    }
                }
                Op::Advance(ms) => sim.advance(*ms),
                Op::Stall(ms) => sim.stall(*ms),
            }
            let paused = offline || suspended;
            if paused && !by_hand {
                prop_assert_eq!(sim.resolving, attempts_before, "an attempt while paused");
            }
            match sim.machine.state() {
                State::Offline | State::Suspended => {
                    prop_assert!(paused);
                    prop_assert_eq!(sim.pending_timers(), []);
                    prop_assert_eq!(sim.machine.socket(), None);
                    let expected = if suspended { State::Suspended } else { State::Offline };
                    prop_assert_eq!(sim.machine.state(), expected);
                }
                State::Waiting => prop_assert!(!paused, "a retry timer while paused"),
                _ => {}
            }
            prop_assert_eq!(sim.machine.is_offline(), offline);
        }
    }
}

#[test]
fn resume_reads_the_network_as_it_is_now() {
    // Cached while offline, restored while online, with no `online` event in between: the
    // page shows and connects at once.
    let mut sim = Sim::open_with(exact());
    sim.input(Input::Offline);
    sim.input(Input::Suspend);
    sim.take_events();
    sim.input(Input::Resume { online: true });
    assert_eq!(sim.take_events(), [Event::Online]);
    assert_eq!(sim.machine.state(), State::Connecting);
    assert_eq!(sim.connects.len(), 2);

    // Cached while online, restored while offline: it waits for the network.
    let mut sim = Sim::open_with(exact());
    sim.input(Input::Suspend);
    sim.take_events();
    sim.input(Input::Resume { online: false });
    assert_eq!(sim.take_events(), [Event::Offline]);
    assert_eq!(sim.machine.state(), State::Offline);
    assert_eq!(sim.connects.len(), 1);
    assert_eq!(sim.pending_timers(), []);
}

#[test]
fn a_reconnect_by_hand_reads_the_network_and_tries_once() {
    // The flag turned false without an event: the user hears of it, and the attempt is made.
    let mut sim = Sim::open_with(exact());
    sim.input(Input::Reconnect {
        code: 1000,
        reason: String::new(),
        online: false,
    });
    let events = sim.take_events();
    assert_eq!(events[0], Event::Offline);
    assert!(sim.machine.is_offline());
    assert_eq!(sim.machine.state(), State::Connecting);
    assert_eq!(sim.connects.len(), 2);

    // Back online without an event while paused: one attempt, one URL asked for.
    sim.drop_connection();
    assert_eq!(sim.machine.state(), State::Offline);
    let resolves = |sim: &Sim| {
        (sim.log.iter())
            .filter(|(_, output)| matches!(output, Output::ResolveUrl { .. }))
            .count()
    };
    let before = resolves(&sim);
    sim.input(Input::Reconnect {
        code: 1000,
        reason: String::new(),
        online: true,
    });
    assert_eq!(resolves(&sim) - before, 1);
    assert!(sim.take_events().contains(&Event::Online));
    assert_eq!(sim.machine.state(), State::Connecting);
}

#[test]
fn connect_reads_the_network() {
    let mut sim = Sim::new(exact());
    sim.input(Input::Connect { online: false });
    assert_eq!(sim.machine.state(), State::Offline);
    assert_eq!(sim.take_events(), [Event::Offline]);
    assert!(sim.connects.is_empty());
    sim.input(Input::Online);
    assert_eq!(sim.connects.len(), 1);
}
