//! Reconnect backoff, driven through the machine with a simulated clock:
//! - the first attempt starts at once; retry n waits `min(max, min * grow^(n-1))`, exactly,
//!   with the default and a custom policy, and the attempt starts when the delay ends;
//! - `Backoff::delay_ms` by itself: the formula, the cap, clamped random numbers, huge retry
//!   numbers, a zero minimum that stays zero whatever the factor, and a factor just above 1
//!   that keeps growing past retry 1000;
//! - jitter keeps every delay in `[(1 - jitter) * delay, delay]` and spreads it over that range;
//! - `max_retries`: spent retries leave the socket closed with `RetriesExhausted`, and a
//!   `connect` by hand starts over;
//! - a `Backoff` built by hand with a jitter outside `[0, 1]` never waits past the maximum
//!   (found by the `text` fuzz target);
//! - the retry count resets only after `min_uptime` of uptime (or at once when it is 0), so a
//!   server that accepts and drops at once gets growing delays;
//! - failed URL resolution and refused sockets count as failed attempts;
//! - a zero delay still goes through the retry timer.

use resocket_core::{Backoff, ConnId, Event, Failure, Policy, SendError, State, Timer};
use resocket_sim::bounds::delay_bounds;
use resocket_sim::{Sim, closed, exact};

#[test]
fn first_attempt_starts_at_once() {
    let mut sim = Sim::new(Policy::default());
    sim.connect();
    assert_eq!(sim.connects, [(0.0, ConnId(1))]);
    assert_eq!(sim.due_in(Timer::Retry), None);
    assert_eq!(sim.machine.state(), State::Connecting);
}

#[test]
fn default_delays_double_from_one_second_up_to_thirty() {
    let mut sim = Sim::new(exact());
    sim.connect();
    let delays = sim.fail_attempts(8);
    assert_eq!(
        delays,
        [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]
    );
    let starts: Vec<f64> = sim.connects.iter().map(|&(at, _)| at).collect();
    assert_eq!(
        starts,
        [
            0.0, 1_000.0, 3_000.0, 7_000.0, 15_000.0, 31_000.0, 61_000.0, 91_000.0, 121_000.0
        ]
    );
}

#[test]
fn retry_starts_exactly_when_its_delay_ends() {
    let mut sim = Sim::new(exact());
    sim.connect();
    sim.advance(250);
    sim.drop_connection();
    assert_eq!(sim.due_in(Timer::Retry), Some(1_000.0));
    sim.advance(999);
    assert_eq!(sim.connects.len(), 1);
    assert_eq!(sim.machine.state(), State::Waiting);
    sim.advance(1);
    assert_eq!(sim.connects, [(0.0, ConnId(1)), (1_250.0, ConnId(2))]);
    assert_eq!(sim.machine.state(), State::Connecting);
}

#[test]
fn reconnecting_events_number_the_retries_and_match_the_timer() {
    let mut sim = Sim::new(exact());
    sim.connect();
    for attempt in 1..=4 {
        sim.drop_connection();
        let delay_ms = 1_000 * 2u32.pow(attempt - 1);
        assert_eq!(
            sim.take_events(),
            [
                closed(1006, "", false, true),
                Event::Reconnecting { attempt, delay_ms }
            ]
        );
        assert_eq!(sim.due_in(Timer::Retry), Some(f64::from(delay_ms)));
        assert_eq!(sim.machine.retry_count(), attempt);
        sim.advance(delay_ms);
    }
}

#[test]
fn custom_backoff_grows_by_its_factor_and_caps_at_its_max() {
    let mut policy = exact();
    policy.backoff = Backoff {
        min_delay_ms: 100,
        max_delay_ms: 1_000,
        grow_factor: 3.0,
        jitter: 0.0,
    };
    let mut sim = Sim::new(policy);
    sim.connect();
    assert_eq!(sim.fail_attempts(6), [100, 300, 900, 1_000, 1_000, 1_000]);
}

#[test]
fn fractional_growth_rounds_to_whole_milliseconds() {
    let mut policy = exact();
    policy.backoff.grow_factor = 1.5;
    let mut sim = Sim::new(policy);
    sim.connect();
    assert_eq!(sim.fail_attempts(4), [1_000, 1_500, 2_250, 3_375]);
}

#[test]
fn grow_factor_one_keeps_the_minimum_delay() {
    let mut policy = exact();
    policy.backoff.grow_factor = 1.0;
    let mut sim = Sim::new(policy);
    sim.connect();
    assert_eq!(sim.fail_attempts(5), [1_000; 5]);
}

#[test]
fn delay_formula() {
    let backoff = Backoff::default();
    assert_eq!(backoff.delay_ms(1, 0.0), 1_000);
    assert_eq!(backoff.delay_ms(2, 0.0), 2_000);
    assert_eq!(backoff.delay_ms(5, 0.0), 16_000);
    assert_eq!(backoff.delay_ms(6, 0.0), 30_000);
    // Retry 0 does not exist; it is treated as the first rather than shrinking the delay.
    assert_eq!(backoff.delay_ms(0, 0.0), 1_000);
    // Huge retry numbers neither overflow nor leave the cap.
    assert_eq!(backoff.delay_ms(u32::MAX, 0.0), 30_000);
    // The random number scales the delay by `1 - jitter * random`.
    assert_eq!(backoff.delay_ms(1, 0.5), 750);
    assert_eq!(backoff.delay_ms(3, 0.25), 3_500);
    assert_eq!(backoff.max_delay_jittered_ms(0.0), 30_000);
    assert_eq!(backoff.max_delay_jittered_ms(0.5), 22_500);
    // Random numbers out of `[0, 1]` are clamped, never leaving the jitter range.
    assert_eq!(backoff.delay_ms(1, 7.0), 500);
    assert_eq!(backoff.delay_ms(1, -3.0), 1_000);
}

#[test]
fn zero_minimum_delay_stays_zero_however_far_the_factor_grows() {
    let backoff = Backoff {
        min_delay_ms: 0,
        max_delay_ms: 30_000,
        grow_factor: 1e200,
        jitter: 0.0,
    };
    for retry in [1, 2, 3, 10, 1_000, u32::MAX] {
        assert_eq!(backoff.delay_ms(retry, 0.0), 0, "retry {retry}");
    }
    let mut sim = Sim::new(Policy {
        backoff,
        ..Policy::default()
    });
    sim.connect();
    assert_eq!(sim.fail_attempts(4), [0; 4]);
}

#[test]
fn huge_factor_reaches_the_cap_without_overflow() {
    let backoff = Backoff {
        min_delay_ms: 1,
        max_delay_ms: 30_000,
        grow_factor: f64::MAX,
        jitter: 0.0,
    };
    assert_eq!(backoff.delay_ms(1, 0.0), 1);
    assert_eq!(backoff.delay_ms(2, 0.0), 30_000);
    assert_eq!(backoff.delay_ms(3, 0.0), 30_000);
}

#[test]
fn jitter_keeps_delays_within_bounds_and_spreads_them() {
    let backoff = Backoff::default();
    let mut low_half = 0;
    let mut high_half = 0;
    for seed in 0..200 {
        let mut sim = Sim::with_seed(Policy::default(), seed);
        sim.connect();
        for (retry, delay) in (1..).zip(sim.fail_attempts(7)) {
            let bounds = delay_bounds(&backoff, retry);
            assert!(
                bounds.contains(&delay),
                "seed {seed} retry {retry}: {delay}"
            );
            let middle = (bounds.start() + bounds.end()) / 2;
            if delay < middle {
                low_half += 1;
            } else {
                high_half += 1;
            }
        }
    }
    // 1400 draws from a uniform factor: each half gets roughly 700.
    assert!(
        low_half > 550 && high_half > 550,
        "{low_half} / {high_half}"
    );
}

#[test]
fn full_jitter_spans_zero_to_the_delay() {
    let mut policy = Policy::default();
    policy.backoff.jitter = 1.0;
    let mut shortest = u32::MAX;
    for seed in 0..200 {
        let mut sim = Sim::with_seed(policy.clone(), seed);
        sim.connect();
        let delay = sim.fail_attempts(1)[0];
        assert!(delay <= 1_000, "seed {seed}: {delay}");
        shortest = shortest.min(delay);
    }
    assert!(shortest < 50, "{shortest}");
}

#[test]
fn jitter_bounds_hold_for_any_random_number() {
    let backoff = Backoff {
        min_delay_ms: 700,
        max_delay_ms: 20_000,
        grow_factor: 1.7,
        jitter: 0.3,
    };
    for retry in 1..12 {
        let bounds = delay_bounds(&backoff, retry);
        for step in 0..=100 {
            let random = f64::from(step) / 100.0;
            let delay = backoff.delay_ms(retry, random);
            assert!(
                bounds.contains(&delay),
                "retry {retry} random {random}: {delay}"
            );
        }
    }
}

#[test]
fn jitter_out_of_range_never_waits_past_the_maximum() {
    for jitter in [
        -1.4e308,
        -0.5,
        1.5,
        f64::NAN,
        f64::NEG_INFINITY,
        f64::INFINITY,
    ] {
        let backoff = Backoff {
            min_delay_ms: 1_000,
            max_delay_ms: 30_000,
            grow_factor: 2.0,
            jitter,
        };
        for random in [0.0, 0.5, 0.999] {
            let longest = backoff.max_delay_jittered_ms(random);
            assert!(backoff.delay_ms(3, random) <= 30_000, "jitter {jitter}");
            assert!(longest <= 30_000, "jitter {jitter}");
        }
    }
}

#[test]
fn spent_retries_leave_the_socket_closed_and_say_so() {
    let mut sim = Sim::new(Policy {
        max_retries: Some(3),
        ..exact()
    });
    sim.connect();
    assert_eq!(sim.fail_attempts(3), [1_000, 2_000, 4_000]);
    sim.drop_connection();
    assert_eq!(
        sim.take_events(),
        [
            closed(1006, "", false, false),
            Event::RetriesExhausted { retries: 3 }
        ]
    );
    assert_eq!(sim.machine.state(), State::Closed);
    assert_eq!(sim.due_in(Timer::Retry), None);
    sim.advance(3_600_000);
    assert_eq!(sim.connects.len(), 4);
    assert_eq!(sim.take_events(), []);
    assert_eq!(sim.send("late").unwrap_err().error, SendError::Closed);
}

#[test]
fn zero_max_retries_gives_up_after_the_first_attempt() {
    let mut sim = Sim::new(Policy {
        max_retries: Some(0),
        ..exact()
    });
    sim.connect();
    sim.server_close(1001, "going away");
    assert_eq!(
        sim.take_events(),
        [
            closed(1001, "going away", true, false),
            Event::RetriesExhausted { retries: 0 }
        ]
    );
    assert_eq!(sim.machine.state(), State::Closed);
}

#[test]
fn failed_url_resolution_can_spend_the_retries() {
    let mut sim = Sim::new(Policy {
        max_retries: Some(1),
        ..exact()
    });
    sim.auto_resolve = false;
    sim.connect();
    sim.fail_url("no token");
    sim.advance(1_000);
    sim.fail_url("still no token");
    assert_eq!(
        sim.take_events(),
        [
            Event::Failed(Failure::UrlProvider("no token".into())),
            Event::Reconnecting {
                attempt: 1,
                delay_ms: 1_000
            },
            Event::Failed(Failure::UrlProvider("still no token".into())),
            Event::RetriesExhausted { retries: 1 },
        ]
    );
    assert_eq!(sim.machine.state(), State::Closed);
}

#[test]
fn connect_after_exhaustion_starts_over_with_a_fresh_count() {
    let mut sim = Sim::new(Policy {
        max_retries: Some(2),
        ..exact()
    });
    sim.connect();
    sim.fail_attempts(2);
    sim.drop_connection();
    assert_eq!(sim.machine.state(), State::Closed);
    sim.take_events();
    sim.connect();
    assert_eq!(sim.machine.retry_count(), 0);
    assert_eq!(sim.connects.len(), 4);
    assert_eq!(sim.fail_attempts(2), [1_000, 2_000]);
}

#[test]
fn reconnect_by_hand_resets_the_count() {
    let mut sim = Sim::new(exact());
    sim.connect();
    sim.fail_attempts(3);
    assert_eq!(sim.machine.retry_count(), 3);
    sim.reconnect();
    assert_eq!(sim.machine.retry_count(), 0);
    assert_eq!(sim.fail_attempts(1), [1_000]);
}

#[test]
fn retry_count_resets_only_after_min_uptime() {
    let mut sim = Sim::new(exact());
    sim.connect();
    sim.fail_attempts(1);
    sim.open();
    sim.advance(4_999);
    sim.drop_connection();
    // Up 4999 ms, short of min_uptime: this is retry 2.
    assert_eq!(sim.retry_delays(), [2_000]);
    sim.take_events();
    sim.advance(2_000);
    sim.open();
    sim.take_events();
    assert_eq!(sim.due_in(Timer::Uptime), Some(5_000.0));
    sim.advance(5_000);
    assert_eq!(sim.machine.retry_count(), 0);
    sim.drop_connection();
    // Up 5000 ms: the count started over.
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
}

#[test]
fn custom_min_uptime_is_honoured() {
    let mut sim = Sim::new(Policy {
        min_uptime_ms: 60_000,
        ..exact()
    });
    sim.connect();
    sim.fail_attempts(1);
    sim.open();
    sim.advance(59_999);
    assert_eq!(sim.machine.retry_count(), 1);
    sim.advance(1);
    assert_eq!(sim.machine.retry_count(), 0);
}

#[test]
fn zero_min_uptime_resets_the_count_on_open() {
    let mut sim = Sim::new(Policy {
        min_uptime_ms: 0,
        ..exact()
    });
    sim.connect();
    sim.fail_attempts(3);
    sim.open();
    assert_eq!(sim.machine.retry_count(), 0);
    assert_eq!(sim.due_in(Timer::Uptime), None);
    assert_eq!(sim.fail_attempts(1), [1_000]);
}

#[test]
fn server_that_accepts_and_drops_at_once_gets_growing_delays() {
    let mut sim = Sim::new(exact());
    sim.connect();
    let mut delays = Vec::new();
    for _ in 0..7 {
        sim.open();
        sim.server_close(1000, "");
        delays.push(sim.retry_delays()[0]);
        sim.take_events();
        sim.advance(delays[delays.len() - 1]);
    }
    assert_eq!(delays, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
}

#[test]
fn uptime_that_ends_early_does_not_reset_the_count_later() {
    let mut sim = Sim::new(exact());
    sim.connect();
    sim.fail_attempts(2);
    sim.open();
    sim.advance(1_000);
    sim.drop_connection();
    assert_eq!(sim.due_in(Timer::Uptime), None);
    sim.take_events();
    // Waiting through the rest of the old min_uptime must not reset anything.
    sim.advance(4_000);
    assert_eq!(sim.machine.retry_count(), 3);
}

#[test]
fn failed_url_resolution_and_refused_sockets_count_as_failed_attempts() {
    let mut sim = Sim::new(exact());
    sim.auto_resolve = false;
    sim.connect();
    sim.fail_url("token service down");
    assert_eq!(
        sim.take_events(),
        [
            Event::Failed(Failure::UrlProvider("token service down".into())),
            Event::Reconnecting {
                attempt: 1,
                delay_ms: 1_000
            }
        ]
    );
    assert!(sim.connects.is_empty());
    sim.advance(1_000);
    sim.resolve();
    sim.fail_open("SyntaxError");
    assert_eq!(
        sim.take_events(),
        [
            Event::Failed(Failure::InvalidUrl("SyntaxError".into())),
            Event::Reconnecting {
                attempt: 2,
                delay_ms: 2_000
            }
        ]
    );
    assert_eq!(sim.machine.state(), State::Waiting);
}

#[test]
fn zero_delay_still_waits_for_the_retry_timer() {
    let mut policy = exact();
    policy.backoff.min_delay_ms = 0;
    policy.backoff.max_delay_ms = 0;
    let mut sim = Sim::new(policy);
    sim.connect();
    sim.drop_connection();
    assert_eq!(sim.retry_delays(), [0]);
    assert_eq!(sim.due_in(Timer::Retry), Some(0.0));
    assert_eq!(sim.connects.len(), 1);
    sim.advance(0);
    assert_eq!(sim.connects.len(), 2);
}

#[test]
fn a_factor_just_above_one_keeps_growing_past_a_thousand_retries() {
    let backoff = Backoff {
        min_delay_ms: 1_000,
        max_delay_ms: 30_000,
        grow_factor: 1.001,
        jitter: 0.0,
    };
    // 1000 × 1.001^1000 ≈ 2717, 1000 × 1.001^2000 ≈ 7382; the cap is reached near retry 3400.
    assert_eq!(backoff.delay_ms(1_001, 0.0), 2_717);
    assert_eq!(backoff.delay_ms(2_001, 0.0), 7_382);
    assert_eq!(backoff.delay_ms(5_000, 0.0), 30_000);
}
