//! Connection lifecycle:
//! - `connect` starts the connect timeout, asks for the URL, then creates one socket; the open
//!   stops the timeout; `connect` while not closed does nothing;
//! - the connect timeout, while resolving the URL and while the socket is connecting, counts
//!   as a failed attempt (also towards `max_retries`), and covers both phases together;
//! - `close` while connecting closes that socket, with one `Closed` event when it is done;
//! - `close` while waiting for a retry or resolving the URL: exactly one `Closed` event,
//!   `will_reconnect: false`, and nothing afterwards;
//! - `close` twice: one close request, one event;
//! - `reconnect` while connecting, open, closing, waiting, resolving or closed: the old socket
//!   is abandoned first (never two live sockets) and a fresh attempt starts at once;
//! - stale inputs (every socket input for an old socket, a late URL, timers fired after being
//!   stopped, never started, or fired twice) are ignored;
//! - socket errors are reported while the socket is wanted, and ignored once closing;
//! - `state()` and `socket()` follow along; every change of state is reported once
//!   (`Event::StateChanged`), after the other events of the input that caused it, waiting to
//!   connecting included.

use resocket_core::{Backoff, ConnId, Event, Failure, Input, Output, Policy, State, Timer};
use resocket_sim::{Closure, Sim, URL, closed, exact};

fn outputs_since(sim: &Sim, mark: usize) -> Vec<Output<String>> {
    sim.log[mark..]
        .iter()
        .map(|(_, output)| output.clone())
        .collect()
}

/// Feeds `input` and checks that the machine did nothing about it.
fn assert_ignored(sim: &mut Sim, input: Input) {
    let (mark, state, socket) = (sim.log.len(), sim.machine.state(), sim.machine.socket());
    sim.input(input.clone());
    assert_eq!(outputs_since(sim, mark), [], "{input:?}");
    assert_eq!(sim.machine.state(), state, "{input:?}");
    assert_eq!(sim.machine.socket(), socket, "{input:?}");
}

/// Every input a socket (or its URL request) can produce, for `conn`.
fn socket_inputs(conn: ConnId) -> Vec<Input> {
    vec![
        Input::UrlResolved {
            conn,
            url: URL.into(),
        },
        Input::UrlFailed {
            conn,
            error: "late".into(),
        },
        Input::OpenFailed {
            conn,
            error: "late".into(),
        },
        Input::Opened {
            conn,
            protocol: String::new(),
        },
        Input::SocketError { conn },
        Input::Closed {
            conn,
            code: 1000,
            reason: String::new(),
            was_clean: true,
            unsent_bytes: 0,
            reconnect_allowed: true,
        },
    ]
}

#[test]
fn connect_asks_for_the_url_then_creates_one_socket() {
    let mut sim = Sim::new(exact());
    assert_eq!(sim.machine.state(), State::Closed);
    sim.connect();
    assert_eq!(
        outputs_since(&sim, 0),
        [
            Output::ResolveUrl { conn: ConnId(1) },
            // Reported once the input is taken in, after its other outputs.
            Output::Emit(Event::StateChanged(State::Connecting)),
            Output::Connect {
                conn: ConnId(1),
                url: URL.into(),
                session: false,
            },
        ]
    );
    assert_eq!(sim.due_in(Timer::Handshake), Some(5_000.0));
    assert_eq!(sim.machine.poll_timeout(), Some(5_000.0));
    assert_eq!(sim.machine.state(), State::Connecting);
    assert_eq!(sim.machine.socket(), Some(ConnId(1)));
}

#[test]
fn open_stops_the_connect_timeout() {
    let mut sim = Sim::new(exact());
    sim.connect();
    sim.advance(4_999);
    sim.open();
    assert_eq!(sim.take_events(), [Event::Open]);
    assert_eq!(sim.machine.state(), State::Open);
    assert_eq!(sim.due_in(Timer::Handshake), None);
    assert_eq!(sim.due_in(Timer::Uptime), Some(5_000.0));
    sim.advance(60_000);
    assert_eq!(sim.machine.state(), State::Open);
    assert!(sim.abandons.is_empty());
}

#[test]
fn connect_while_not_closed_does_nothing() {
    let mut sim = Sim::new(exact());
    sim.connect();
    assert_ignored(&mut sim, Input::Connect { online: true });
    sim.open();
    assert_ignored(&mut sim, Input::Connect { online: true });
    sim.drop_connection();
    assert_ignored(&mut sim, Input::Connect { online: true });
    sim.auto_resolve = false;
    sim.advance(1_000);
    assert_ignored(&mut sim, Input::Connect { online: true });
    sim.resolve();
    sim.close(1000, "");
    // Documented: `connect` only starts from `Closed`, not while a close is under way.
    assert_ignored(&mut sim, Input::Connect { online: true });
}

#[test]
fn connect_timeout_while_resolving_the_url() {
    let mut sim = Sim::new(exact());
    sim.auto_resolve = false;
    sim.connect();
    sim.advance(4_999);
    assert_eq!(sim.take_events(), []);
    sim.advance(1);
    assert_eq!(
        sim.take_events(),
        [
            Event::Failed(Failure::ConnectTimeout),
            Event::Reconnecting {
                attempt: 1,
                delay_ms: 1_000
            }
        ]
    );
    assert!(sim.connects.is_empty());
    assert!(sim.abandons.is_empty());
    assert_eq!(sim.machine.state(), State::Waiting);
    // The provider answers too late: the attempt is over.
    assert_ignored(
        &mut sim,
        Input::UrlResolved {
            conn: ConnId(1),
            url: URL.into(),
        },
    );
    sim.advance(1_000);
    assert_eq!(sim.resolving, Some(ConnId(2)));
    assert_eq!(sim.machine.state(), State::Connecting);
}

#[test]
fn connect_timeout_while_the_socket_is_connecting() {
    let mut sim = Sim::new(exact());
    sim.connect();
    sim.advance(5_000);
    assert_eq!(
        sim.abandons,
        [Closure {
            conn: ConnId(1),
            code: 1000,
            reason: "connect timeout".into()
        }]
    );
    assert_eq!(
        sim.take_events(),
        [
            Event::Failed(Failure::ConnectTimeout),
            closed(1006, "connect timeout", false, true),
            Event::Reconnecting {
                attempt: 1,
                delay_ms: 1_000
            }
        ]
    );
    assert_eq!(sim.machine.socket(), None);
    for input in socket_inputs(ConnId(1)) {
        assert_ignored(&mut sim, input);
    }
    sim.advance(1_000);
    assert_eq!(sim.connects, [(0.0, ConnId(1)), (6_000.0, ConnId(2))]);
}

#[test]
fn connect_timeout_covers_resolution_and_handshake_together() {
    let mut sim = Sim::new(exact());
    sim.auto_resolve = false;
    sim.connect();
    sim.advance(3_000);
    sim.resolve();
    sim.advance(1_999);
    assert!(sim.abandons.is_empty());
    sim.advance(1);
    assert_eq!(sim.abandons.len(), 1);
}

#[test]
fn custom_connect_timeout() {
    let mut sim = Sim::new(Policy {
        connect_timeout_ms: 250,
        ..exact()
    });
    sim.connect();
    sim.advance(249);
    assert_eq!(sim.machine.state(), State::Connecting);
    sim.advance(1);
    assert_eq!(sim.machine.state(), State::Waiting);
}

#[test]
fn connect_timeouts_spend_the_retries() {
    let mut sim = Sim::new(Policy {
        max_retries: Some(1),
        ..exact()
    });
    sim.connect();
    sim.advance(5_000 + 1_000 + 5_000);
    assert_eq!(
        sim.take_events(),
        [
            Event::Failed(Failure::ConnectTimeout),
            closed(1006, "connect timeout", false, true),
            Event::Reconnecting {
                attempt: 1,
                delay_ms: 1_000
            },
            Event::Failed(Failure::ConnectTimeout),
            closed(1006, "connect timeout", false, false),
            Event::RetriesExhausted { retries: 1 },
        ]
    );
    assert_eq!(sim.machine.state(), State::Closed);
}

#[test]
fn close_while_connecting() {
    let mut sim = Sim::new(exact());
    sim.connect();
    sim.close(1000, "bye");
    assert_eq!(
        sim.closes,
        [Closure {
            conn: ConnId(1),
            code: 1000,
            reason: "bye".into()
        }]
    );
    assert_eq!(sim.machine.state(), State::Closing);
    // Closing a connecting socket makes the browser report an error of our own making.
    sim.socket_error();
    assert_eq!(sim.take_events(), []);
    sim.drop_connection();
    assert_eq!(sim.take_events(), [closed(1006, "", false, false)]);
    assert_eq!(sim.machine.state(), State::Closed);
    sim.advance(3_600_000);
    assert_eq!(sim.connects.len(), 1);
}

#[test]
fn close_while_waiting_for_a_retry() {
    let mut sim = Sim::open_with(exact());
    sim.drop_connection();
    sim.take_events();
    sim.advance(500);
    sim.close(1000, "stop");
    assert_eq!(sim.take_events(), [closed(1000, "stop", true, false)]);
    assert_eq!(sim.machine.state(), State::Closed);
    assert_eq!(sim.due_in(Timer::Retry), None);
    sim.advance(3_600_000);
    assert_eq!(sim.connects.len(), 1);
    assert_eq!(sim.take_events(), []);
}

#[test]
fn close_while_resolving_the_url() {
    let mut sim = Sim::new(exact());
    sim.auto_resolve = false;
    sim.connect();
    sim.close(4000, "changed my mind");
    assert_eq!(
        sim.take_events(),
        [closed(4000, "changed my mind", true, false)]
    );
    assert_eq!(sim.due_in(Timer::Handshake), None);
    assert_eq!(sim.machine.state(), State::Closed);
    assert!(sim.closes.is_empty());
    sim.resolve();
    sim.fail_url("late");
    sim.advance(3_600_000);
    assert!(sim.connects.is_empty());
    assert_eq!(sim.take_events(), []);
}

#[test]
fn close_twice_gives_one_close() {
    let mut sim = Sim::open_with(exact());
    sim.close(1000, "first");
    assert_ignored(
        &mut sim,
        Input::Close {
            code: 4001,
            reason: "second".into(),
        },
    );
    sim.server_close(1000, "first");
    sim.close(1000, "third");
    assert_eq!(sim.closes.len(), 1);
    assert_eq!(sim.take_events(), [closed(1000, "first", true, false)]);

    let mut sim = Sim::open_with(exact());
    sim.drop_connection();
    sim.take_events();
    sim.close(1000, "");
    sim.close(1000, "");
    assert_eq!(sim.take_events(), [closed(1000, "", true, false)]);
}

#[test]
fn close_before_connect_does_nothing() {
    let mut sim = Sim::new(exact());
    assert_ignored(
        &mut sim,
        Input::Close {
            code: 1000,
            reason: String::new(),
        },
    );
    assert_eq!(sim.take_events(), []);
}

#[test]
fn reconnect_while_connecting_abandons_the_old_socket_first() {
    let mut sim = Sim::new(exact());
    sim.connect();
    let mark = sim.log.len();
    sim.reconnect();
    let old = ConnId(1);
    assert_eq!(
        outputs_since(&sim, mark),
        [
            Output::Abandon {
                conn: old,
                code: 1000,
                reason: "reconnect".into()
            },
            Output::Emit(closed(1000, "reconnect", false, true)),
            Output::ResolveUrl { conn: ConnId(2) },
            Output::Connect {
                conn: ConnId(2),
                url: URL.into(),
                session: false,
            },
        ]
    );
    for input in socket_inputs(old) {
        assert_ignored(&mut sim, input);
    }
    sim.open();
    assert_eq!(sim.machine.socket(), Some(ConnId(2)));
    assert_eq!(sim.machine.state(), State::Open);
}

#[test]
fn reconnect_while_open_starts_a_fresh_attempt_at_once() {
    let mut sim = Sim::new(exact());
    sim.connect();
    sim.fail_attempts(2);
    sim.open();
    sim.take_events();
    sim.advance(100);
    sim.reconnect();
    assert_eq!(sim.abandons[0].conn, ConnId(3));
    assert_eq!(sim.take_events(), [closed(1000, "reconnect", false, true)]);
    assert_eq!(sim.connects.last(), Some(&(3_100.0, ConnId(4))));
    assert_eq!(sim.machine.retry_count(), 0);
    assert_eq!(sim.due_in(Timer::Uptime), None);
}

#[test]
fn reconnect_while_closing_ends_the_close_with_one_event() {
    let mut sim = Sim::open_with(exact());
    sim.close(1000, "bye");
    sim.reconnect();
    assert_eq!(sim.abandons[0].conn, ConnId(1));
    assert_eq!(sim.take_events(), [closed(1000, "reconnect", false, true)]);
    assert_eq!(sim.machine.socket(), Some(ConnId(2)));
    assert_ignored(
        &mut sim,
        Input::Closed {
            conn: ConnId(1),
            code: 1000,
            reason: "bye".into(),
            was_clean: true,
            unsent_bytes: 0,
            reconnect_allowed: true,
        },
    );
    // The close timeout of the abandoned socket is gone too.
    sim.open();
    sim.advance(60_000);
    assert_eq!(sim.machine.state(), State::Open);
}

#[test]
fn reconnect_while_waiting_skips_the_delay() {
    let mut sim = Sim::open_with(exact());
    sim.drop_connection();
    sim.take_events();
    sim.advance(10);
    sim.reconnect();
    assert_eq!(sim.take_events(), []);
    assert_eq!(sim.due_in(Timer::Retry), None);
    assert_eq!(sim.connects.last(), Some(&(10.0, ConnId(2))));
    sim.open();
    sim.advance(60_000);
    assert_eq!(sim.connects.len(), 2, "the cancelled retry must not fire");
}

#[test]
fn reconnect_while_resolving_forgets_the_old_request() {
    let mut sim = Sim::new(exact());
    sim.auto_resolve = false;
    sim.connect();
    sim.reconnect();
    assert_eq!(sim.take_events(), []);
    assert_eq!(sim.resolving, Some(ConnId(2)));
    assert_ignored(
        &mut sim,
        Input::UrlResolved {
            conn: ConnId(1),
            url: URL.into(),
        },
    );
    sim.resolve();
    assert_eq!(sim.machine.socket(), Some(ConnId(2)));
}

#[test]
fn reconnect_while_closed_connects() {
    let mut sim = Sim::new(exact());
    sim.reconnect();
    assert_eq!(sim.take_events(), []);
    assert_eq!(sim.connects, [(0.0, ConnId(1))]);
}

#[test]
fn connect_again_after_a_close() {
    let mut sim = Sim::open_with(exact());
    sim.close(1000, "");
    sim.server_close(1000, "");
    sim.connect();
    sim.open();
    assert_eq!(sim.machine.socket(), Some(ConnId(2)));
    assert_eq!(sim.machine.state(), State::Open);
}

#[test]
fn events_for_an_old_socket_are_ignored_in_every_state() {
    let mut sim = Sim::open_with(exact());
    sim.drop_connection();
    let old = ConnId(1);
    // Waiting.
    for input in socket_inputs(old) {
        assert_ignored(&mut sim, input);
    }
    // Connecting.
    sim.advance(1_000);
    for input in socket_inputs(old) {
        assert_ignored(&mut sim, input);
    }
    // Open.
    sim.open();
    for input in socket_inputs(old) {
        assert_ignored(&mut sim, input);
    }
    // Closing.
    sim.close(1000, "");
    for input in socket_inputs(old) {
        assert_ignored(&mut sim, input);
    }
    // Closed.
    sim.server_close(1000, "");
    for input in socket_inputs(ConnId(2)) {
        assert_ignored(&mut sim, input);
    }
    // An id from the future is no better.
    for input in socket_inputs(ConnId(99)) {
        assert_ignored(&mut sim, input);
    }
}

/// The driver's timer fires when nothing is due: nothing happens, no timer moves.
fn assert_quiet_timeout(sim: &mut Sim) {
    let (mark, state, timers) = (sim.log.len(), sim.machine.state(), sim.pending_timers());
    let deadlines: Vec<_> = timers.iter().map(|&timer| sim.due_in(timer)).collect();
    sim.machine.handle_timeout(sim.now);
    assert_eq!(sim.machine.poll_output(), None);
    assert_eq!(outputs_since(sim, mark), []);
    assert_eq!(sim.machine.state(), state);
    assert_eq!(sim.pending_timers(), timers);
    let after: Vec<_> = timers.iter().map(|&timer| sim.due_in(timer)).collect();
    assert_eq!(after, deadlines);
}

#[test]
fn a_timeout_with_nothing_due_changes_nothing() {
    let mut sim = Sim::new(exact());
    assert_quiet_timeout(&mut sim);
    sim.connect();
    sim.open();
    // Early: the uptime timer is due at 5000.
    sim.advance(4_999);
    assert_quiet_timeout(&mut sim);
    sim.drop_connection();
    sim.advance(1_000);
    assert_eq!(sim.connects.len(), 2);
    // Twice: the retry already fired.
    assert_quiet_timeout(&mut sim);
    assert_eq!(sim.connects.len(), 2);
    sim.close(1000, "");
    assert_quiet_timeout(&mut sim);
}

#[test]
fn a_timer_armed_due_at_once_fires_at_the_next_timeout() {
    // With no retry delay, the connect timeout's firing arms a retry due at once: it waits
    // for the driver's next turn, so failures cannot loop inside one call.
    let mut sim = Sim::new(Policy {
        backoff: Backoff {
            min_delay_ms: 0,
            max_delay_ms: 0,
            ..exact().backoff
        },
        ..exact()
    });
    sim.connect();
    sim.machine.handle_timeout(5_000.0);
    assert_eq!(sim.machine.state(), State::Waiting);
    assert_eq!(sim.machine.timer_due(Timer::Retry), Some(5_000.0));
    assert_eq!(sim.machine.poll_timeout(), Some(5_000.0));
    sim.machine.handle_timeout(5_000.0);
    assert_eq!(sim.machine.state(), State::Connecting);
}

#[test]
fn socket_errors_are_reported_and_the_close_decides() {
    let mut sim = Sim::new(exact());
    sim.connect();
    sim.socket_error();
    assert_eq!(sim.take_events(), [Event::Failed(Failure::Socket)]);
    assert_eq!(sim.machine.state(), State::Connecting);
    sim.open();
    sim.socket_error();
    assert_eq!(
        sim.take_events(),
        [Event::Open, Event::Failed(Failure::Socket)]
    );
    assert_eq!(sim.machine.state(), State::Open);
    sim.drop_connection();
    assert_eq!(sim.take_events()[0], closed(1006, "", false, true));
}

#[test]
fn state_and_socket_follow_the_lifecycle() {
    let mut sim = Sim::new(exact());
    sim.auto_resolve = false;
    let mut seen = Vec::new();
    let mut look = |sim: &Sim| seen.push((sim.machine.state(), sim.machine.socket()));
    look(&sim);
    sim.connect();
    look(&sim);
    sim.resolve();
    look(&sim);
    sim.open();
    look(&sim);
    sim.drop_connection();
    look(&sim);
    sim.advance(1_000);
    sim.resolve();
    sim.close(1000, "");
    look(&sim);
    sim.drop_connection();
    look(&sim);
    assert_eq!(
        seen,
        [
            (State::Closed, None),
            (State::Connecting, None),
            (State::Connecting, Some(ConnId(1))),
            (State::Open, Some(ConnId(1))),
            (State::Waiting, None),
            (State::Closing, Some(ConnId(2))),
            (State::Closed, None),
        ]
    );
}

#[test]
fn each_state_change_is_reported_once_after_the_events_that_caused_it() {
    let mut sim = Sim::new(exact());
    sim.connect();
    assert_eq!(sim.take_states(), [State::Connecting]);
    sim.open();
    assert_eq!(sim.take_states(), [State::Open]);
    sim.drop_connection();
    assert_eq!(sim.take_states(), [State::Waiting]);
    // The change a UI could not see before: the wait ends and an attempt starts.
    sim.advance(1_000);
    assert_eq!(sim.take_states(), [State::Connecting]);
    sim.open();
    sim.input(Input::Offline);
    assert_eq!(
        sim.take_states(),
        [State::Open],
        "an open connection is kept offline"
    );
    sim.drop_connection();
    assert_eq!(sim.take_states(), [State::Offline]);
    sim.input(Input::Online);
    assert_eq!(sim.take_states(), [State::Connecting]);
    sim.close(1000, "");
    assert_eq!(sim.take_states(), [State::Closing]);
    sim.drop_connection();
    assert_eq!(sim.take_states(), [State::Closed]);
    // The state change follows the other events of the same input.
    let last = sim.log.iter().rev().find_map(|(_, output)| match output {
        Output::Emit(event) => Some(event.clone()),
        _ => None,
    });
    assert_eq!(last, Some(Event::StateChanged(State::Closed)));
    sim.close(1000, "");
    assert_eq!(sim.take_states(), [], "no change, no report");
}
