//! Close codes, one class at a time:
//! - a close the user asked for sends its code and reason and never reconnects, whatever
//!   code the server answers with, and a server that never answers is abandoned;
//! - normal server closes (1000, 1001, 1011, 1012) and lost connections (1006) reconnect;
//! - each default final code (1002, 1003, 1007, 1008, 1009, 1010) stops for good;
//! - custom final codes replace the defaults; an empty list retries everything;
//! - the `should_reconnect` predicate (`reconnect_allowed`) vetoes a reconnect, and cannot
//!   override a final code;
//! - 1013 (try again later) waits the max delay, jittered, and still counts as a retry;
//! - final codes and vetoes also apply to a socket that closes before it opens;
//! - a socket that reports an error while connecting and then no close (Node.js 22's
//!   `WebSocket`) is given up 100 ms later as a 1006 close; one whose close follows (browsers)
//!   is reported as it closed, once; a close code below 1000 (Bun's 0) is reported as 1006;
//! - `close::name` names the codes.

use resocket_core::close::{self, DEFAULT_FINAL_CODES};
use resocket_core::{Backoff, Event, Failure, Policy, State, Timer};
use resocket_sim::bounds::jittered_range;
use resocket_sim::{Closure, Sim, closed, exact};

/// Open at time 0, then the server closes with `code`; returns the events of the close.
fn server_closes(policy: Policy, code: u16) -> (Sim, Vec<Event>) {
    let mut sim = Sim::open_with(policy);
    sim.advance(10_000);
    sim.server_close(code, "server says");
    let events = sim.take_events();
    (sim, events)
}

fn assert_reconnects(sim: &mut Sim, delay_ms: u32) {
    assert_eq!(sim.machine.state(), State::Waiting);
    let before = sim.connects.len();
    sim.advance(delay_ms);
    assert_eq!(sim.connects.len(), before + 1);
    assert_eq!(sim.machine.state(), State::Connecting);
}

fn assert_stays_closed(sim: &mut Sim) {
    assert_eq!(sim.machine.state(), State::Closed);
    assert_eq!(sim.pending_timers(), [], "a closed machine holds no timers");
    let before = sim.connects.len();
    sim.advance(3_600_000);
    assert_eq!(sim.connects.len(), before);
    assert_eq!(sim.take_events(), []);
}

#[test]
fn user_close_sends_its_code_and_never_reconnects() {
    let mut sim = Sim::open_with(exact());
    sim.close(4001, "done here");
    assert_eq!(
        sim.closes,
        [Closure {
            conn: sim.conn(),
            code: 4001,
            reason: "done here".into()
        }]
    );
    assert_eq!(sim.machine.state(), State::Closing);
    assert_eq!(sim.take_events(), []);
    sim.server_close(4001, "done here");
    assert_eq!(sim.take_events(), [closed(4001, "done here", true, false)]);
    assert_stays_closed(&mut sim);
}

#[test]
fn user_close_never_reconnects_whatever_the_server_answers() {
    for (code, was_clean) in [(1000, true), (1001, true), (1006, false), (1011, true)] {
        let mut sim = Sim::open_with(exact());
        sim.close(1000, "");
        sim.socket_closed(code, "", was_clean, true);
        assert_eq!(
            sim.take_events(),
            [closed(code, "", was_clean, false)],
            "{code}"
        );
        assert_stays_closed(&mut sim);
    }
}

#[test]
fn user_close_that_the_server_never_answers_is_abandoned_after_the_timeout() {
    let mut sim = Sim::open_with(exact());
    sim.close(1000, "bye");
    let conn = sim.conn();
    assert_eq!(sim.due_in(Timer::Handshake), Some(5_000.0));
    sim.advance(4_999);
    assert!(sim.abandons.is_empty());
    sim.advance(1);
    assert_eq!(
        sim.abandons,
        [Closure {
            conn,
            code: 1000,
            reason: "close timeout".into()
        }]
    );
    assert_eq!(
        sim.take_events(),
        [closed(1006, "close timeout", false, false)]
    );
    assert_stays_closed(&mut sim);
}

#[test]
fn normal_server_closes_reconnect() {
    for code in [1000, 1001, 1011, 1012] {
        let (mut sim, events) = server_closes(exact(), code);
        assert_eq!(
            events,
            [
                closed(code, "server says", true, true),
                Event::Reconnecting {
                    attempt: 1,
                    delay_ms: 1_000
                }
            ],
            "{code}"
        );
        assert_reconnects(&mut sim, 1_000);
    }
}

#[test]
fn lost_connection_reconnects() {
    let mut sim = Sim::open_with(exact());
    sim.drop_connection();
    assert_eq!(
        sim.take_events(),
        [
            closed(1006, "", false, true),
            Event::Reconnecting {
                attempt: 1,
                delay_ms: 1_000
            }
        ]
    );
    assert_reconnects(&mut sim, 1_000);
}

#[test]
fn each_default_final_code_stops_for_good() {
    assert_eq!(DEFAULT_FINAL_CODES, [1002, 1003, 1007, 1008, 1009, 1010]);
    assert_eq!(Policy::default().final_codes, DEFAULT_FINAL_CODES);
    for code in DEFAULT_FINAL_CODES {
        let (mut sim, events) = server_closes(exact(), code);
        assert_eq!(events, [closed(code, "server says", true, false)], "{code}");
        assert_stays_closed(&mut sim);
    }
}

#[test]
fn custom_final_codes_replace_the_defaults() {
    let policy = Policy {
        final_codes: vec![4001, 1000],
        ..exact()
    };
    for code in [4001, 1000] {
        let (mut sim, events) = server_closes(policy.clone(), code);
        assert_eq!(events, [closed(code, "server says", true, false)], "{code}");
        assert_stays_closed(&mut sim);
    }
    for code in [1008, 4002, 1001] {
        let (mut sim, events) = server_closes(policy.clone(), code);
        assert_eq!(events[0], closed(code, "server says", true, true), "{code}");
        assert_reconnects(&mut sim, 1_000);
    }
}

#[test]
fn empty_final_codes_retry_every_server_close() {
    let policy = Policy {
        final_codes: Vec::new(),
        ..exact()
    };
    for code in DEFAULT_FINAL_CODES {
        let (mut sim, events) = server_closes(policy.clone(), code);
        assert_eq!(events[0], closed(code, "server says", true, true), "{code}");
        assert_reconnects(&mut sim, 1_000);
    }
}

#[test]
fn predicate_vetoes_a_reconnect() {
    for code in [1000, 1001, 1006, 1011, 1013, 4000] {
        let mut sim = Sim::open_with(exact());
        sim.server_close_vetoed(code, "no");
        assert_eq!(
            sim.take_events(),
            [closed(code, "no", true, false)],
            "{code}"
        );
        assert_stays_closed(&mut sim);
    }
}

#[test]
fn predicate_cannot_override_a_final_code() {
    let mut sim = Sim::open_with(exact());
    sim.server_close(1008, "policy");
    assert_eq!(sim.take_events(), [closed(1008, "policy", true, false)]);
    assert_stays_closed(&mut sim);
}

#[test]
fn final_codes_and_vetoes_apply_before_the_open_too() {
    let mut sim = Sim::new(exact());
    sim.connect();
    sim.server_close(1002, "bad handshake");
    assert_eq!(
        sim.take_events(),
        [closed(1002, "bad handshake", true, false)]
    );
    assert_stays_closed(&mut sim);

    sim.connect();
    sim.server_close_vetoed(1006, "");
    assert_eq!(sim.take_events(), [closed(1006, "", true, false)]);
    assert_stays_closed(&mut sim);
}

/// A failed first handshake: the error, the 1006 close, and the first retry's wait.
fn failed_handshake_then_retry() -> [Event; 3] {
    [
        Event::Failed(Failure::Socket),
        closed(1006, "", false, true),
        Event::Reconnecting {
            attempt: 1,
            delay_ms: 1_000,
        },
    ]
}

#[test]
fn a_handshake_error_without_a_close_ends_the_attempt_soon_as_1006() {
    let mut sim = Sim::new(exact());
    sim.connect();
    let conn = sim.conn();
    sim.socket_error();
    assert_eq!(sim.take_events(), [Event::Failed(Failure::Socket)]);
    sim.advance(99);
    assert_eq!(
        sim.machine.state(),
        State::Connecting,
        "the close may still come"
    );
    sim.advance(1);
    assert_eq!(
        sim.abandons,
        [Closure {
            conn,
            code: 1000,
            reason: "connection failed".into()
        }]
    );
    assert_eq!(
        sim.take_events(),
        [
            closed(1006, "", false, true),
            Event::Reconnecting {
                attempt: 1,
                delay_ms: 1_000
            }
        ]
    );
    assert_reconnects(&mut sim, 1_000);
    // With 1006 a final code, the failed handshake stops for good.
    let mut sim = Sim::new(Policy {
        final_codes: vec![1006],
        ..exact()
    });
    sim.connect();
    sim.socket_error();
    sim.advance(100);
    assert_eq!(
        sim.take_events(),
        [
            Event::Failed(Failure::Socket),
            closed(1006, "", false, false)
        ]
    );
    assert_stays_closed(&mut sim);
}

#[test]
fn a_handshake_error_followed_by_its_close_is_reported_once_as_it_closed() {
    let mut sim = Sim::new(exact());
    sim.connect();
    sim.socket_error();
    sim.socket_closed(1006, "", false, true);
    assert_eq!(sim.take_events(), failed_handshake_then_retry());
    sim.advance(100);
    assert_eq!(sim.abandons, []);
    assert_eq!(sim.take_events(), []);
    assert_reconnects(&mut sim, 900);
}

#[test]
fn a_close_code_below_1000_is_reported_as_1006() {
    let mut sim = Sim::new(exact());
    sim.connect();
    sim.socket_error();
    sim.socket_closed(0, "", false, true);
    assert_eq!(sim.take_events(), failed_handshake_then_retry());
}

#[test]
fn try_again_later_waits_the_max_delay() {
    let (mut sim, events) = server_closes(exact(), close::TRY_AGAIN_LATER);
    assert_eq!(
        events,
        [
            closed(1013, "server says", true, true),
            Event::Reconnecting {
                attempt: 1,
                delay_ms: 30_000
            }
        ]
    );
    sim.advance(29_999);
    assert_eq!(sim.connects.len(), 1);
    assert_reconnects(&mut sim, 1);
    // It counted as retry 1: the next failure is retry 2.
    sim.drop_connection();
    assert_eq!(sim.retry_delays(), [2_000]);
}

#[test]
fn try_again_later_honours_a_custom_max_delay() {
    let policy = Policy {
        backoff: Backoff {
            max_delay_ms: 120_000,
            ..exact().backoff
        },
        ..exact()
    };
    let (_, events) = server_closes(policy, 1013);
    assert_eq!(
        events[1],
        Event::Reconnecting {
            attempt: 1,
            delay_ms: 120_000
        }
    );
}

#[test]
fn try_again_later_delay_is_jittered() {
    let backoff = Backoff::default();
    let range = jittered_range(&backoff, 30_000.0);
    assert_eq!(range, 15_000..=30_000);
    let mut delays = Vec::new();
    for seed in 0..100 {
        let mut sim = Sim::with_seed(Policy::default(), seed);
        sim.connect();
        sim.open();
        sim.server_close(1013, "");
        let delay = sim.retry_delays()[0];
        assert!(range.contains(&delay), "seed {seed}: {delay}");
        delays.push(delay);
    }
    delays.sort_unstable();
    delays.dedup();
    assert!(delays.len() > 50, "only {} distinct delays", delays.len());
}

#[test]
fn try_again_later_can_still_be_final_or_vetoed() {
    let policy = Policy {
        final_codes: vec![1013],
        ..exact()
    };
    let (mut sim, events) = server_closes(policy, 1013);
    assert_eq!(events, [closed(1013, "server says", true, false)]);
    assert_stays_closed(&mut sim);
}

#[test]
fn try_again_later_respects_max_retries() {
    let policy = Policy {
        max_retries: Some(0),
        ..exact()
    };
    let (mut sim, events) = server_closes(policy, 1013);
    assert_eq!(
        events,
        [
            closed(1013, "server says", true, false),
            Event::RetriesExhausted { retries: 0 }
        ]
    );
    assert_stays_closed(&mut sim);
}

#[test]
fn codes_have_names() {
    assert_eq!(close::name(1000), "normal closure");
    assert_eq!(close::name(1006), "abnormal closure");
    assert_eq!(close::name(1008), "policy violation");
    assert_eq!(close::name(1013), "try again later");
    assert_eq!(close::name(3500), "registered by a library or framework");
    assert_eq!(close::name(close::HEARTBEAT_TIMEOUT), "private use");
    assert_eq!(close::name(1004), "unassigned");
    assert_eq!(close::name(2000), "unassigned");
}
