//! Lazy connection and idle close (`Policy::lazy`, `Policy::idle_close_ms`):
//! - lazy: `Connect` rests in `State::Idle` (no attempt, no timer) until something is wanted:
//!   a send (the attempt starts at the driver's next timer, due at once: a send brings no
//!   time) or a request (queued, then flushed on the open), or a listener
//!   (`Input::Interest`); a volatile send is not a demand; a close meanwhile leaves no timer;
//! - idle close: an open connection with nothing queued, no request pending and no listener
//!   closes cleanly (1000, "idle") after `idle_close_ms`; a send starts the wait over when the
//!   timer comes (a send carries no time), a pending request or a listener holds it off; the close is reported with
//!   `will_reconnect: true` and the socket rests in `State::Idle` until the next demand;
//! - a send while the idle close is under way is queued and connects once it is over; a
//!   user's close meanwhile keeps the socket closed;
//! - a connection lost while nothing is wanted rests instead of retrying; one that leaves
//!   unsent messages retries;
//! - while the network is lost, a demand waits in `State::Offline`;
//! - in session mode the idle close is 4001, and the next connection resumes the session.

use resocket_core::{
    Event, Input, Output, Policy, SendOptions, Sent, SessionFrame, State, Timer, session::Terms,
};
use resocket_sim::{Sim, exact};

fn lazy() -> Policy {
    Policy {
        lazy: true,
        ..exact()
    }
}

fn idle_after(ms: u32) -> Policy {
    Policy {
        idle_close_ms: Some(ms),
        ..exact()
    }
}

fn resting(sim: &Sim) {
    assert_eq!(sim.machine.state(), State::Idle);
    assert_eq!(sim.machine.socket(), None);
    assert_eq!(sim.pending_timers(), [], "a resting socket holds no timer");
}

#[test]
fn a_lazy_socket_connects_on_the_first_send() {
    let mut sim = Sim::new(lazy());
    sim.connect();
    resting(&sim);
    assert!(sim.connects.is_empty());
    let volatile = SendOptions {
        volatile: true,
        ..SendOptions::default()
    };
    assert_eq!(sim.send_with("cursor", volatile).unwrap().0, Sent::Skipped);
    resting(&sim);
    assert_eq!(sim.send("hello"), Ok(Sent::Queued { dropped: 0 }));
    // A send brings no time: the attempt starts at the driver's next timer, due at once.
    assert_eq!(sim.due_in(Timer::Retry), Some(0.0));
    sim.advance(0);
    assert_eq!(sim.machine.state(), State::Connecting);
    assert_eq!(sim.take_states(), [State::Idle, State::Connecting]);
    sim.open();
    assert_eq!(sim.transmitted, ["hello"]);
}

#[test]
fn a_close_right_after_a_waking_send_leaves_nothing_running() {
    let mut sim = Sim::new(lazy());
    sim.connect();
    sim.send("x").unwrap();
    sim.close(1000, "");
    assert_eq!(sim.machine.state(), State::Closed);
    assert_eq!(sim.pending_timers(), []);
    assert!(sim.connects.is_empty());
}

#[test]
fn a_lazy_socket_connects_for_a_request_or_a_listener() {
    let mut sim = Sim::new(lazy());
    sim.connect();
    sim.request("r", 1_000).unwrap();
    assert_eq!(sim.machine.state(), State::Connecting);

    let mut sim = Sim::new(lazy());
    sim.connect();
    sim.input(Input::Interest { listening: false });
    resting(&sim);
    sim.input(Input::Interest { listening: true });
    assert_eq!(sim.machine.state(), State::Connecting);

    // A listener before the start: the start connects.
    let mut sim = Sim::new(lazy());
    sim.input(Input::Interest { listening: true });
    sim.connect();
    assert_eq!(sim.machine.state(), State::Connecting);
}

#[test]
fn an_idle_connection_closes_cleanly_and_reconnects_on_the_next_send() {
    let mut sim = Sim::open_with(idle_after(1_000));
    assert_eq!(sim.due_in(Timer::IdleClose), Some(1_000.0));
    sim.advance(600);
    sim.send("a").unwrap();
    // A send brings no time: the wait starts over when the timer comes.
    sim.advance(400);
    assert!(sim.closes.is_empty(), "a send starts the wait over");
    assert_eq!(sim.due_in(Timer::IdleClose), Some(1_000.0));
    sim.advance(999);
    assert!(sim.closes.is_empty());
    sim.advance(1);
    let close = sim.closes.last().expect("an idle close").clone();
    assert_eq!((close.code, close.reason.as_str()), (1000, "idle"));
    assert_eq!(sim.machine.state(), State::Closing);
    sim.server_close(1000, "idle");
    resting(&sim);
    let closed = sim.take_events().into_iter().find_map(|event| match event {
        Event::Closed(closed) => Some(closed),
        _ => None,
    });
    assert!(closed.is_some_and(|closed| closed.will_reconnect && closed.code == 1000));
    sim.send("b").unwrap();
    sim.advance(0);
    assert_eq!(sim.machine.state(), State::Connecting);
    sim.open();
    assert_eq!(sim.transmitted, ["a", "b"]);
}

#[test]
fn a_pending_request_or_a_listener_holds_the_idle_close_off() {
    let mut sim = Sim::open_with(idle_after(100));
    let id = sim.request("r", 10_000).unwrap();
    assert_eq!(sim.due_in(Timer::IdleClose), None);
    sim.advance(500);
    assert!(sim.closes.is_empty());
    // The answer arrives: `answered` follows the `receive` that brought the time.
    let conn = sim.conn();
    sim.receive_on(conn, 1, false);
    sim.machine.answered(id);
    sim.run();
    assert_eq!(
        sim.due_in(Timer::IdleClose),
        Some(100.0),
        "idle once answered"
    );
    sim.input(Input::Interest { listening: true });
    assert_eq!(sim.due_in(Timer::IdleClose), None);
    sim.advance(500);
    assert!(sim.closes.is_empty());
    sim.input(Input::Interest { listening: false });
    sim.advance(100);
    assert_eq!(sim.closes.len(), 1);
}

#[test]
fn a_send_during_the_idle_close_is_queued_and_connects_after_it() {
    let mut sim = Sim::open_with(idle_after(100));
    sim.advance(100);
    assert_eq!(sim.machine.state(), State::Closing);
    assert_eq!(sim.send("late"), Ok(Sent::Queued { dropped: 0 }));
    sim.server_close(1000, "idle");
    assert_eq!(
        sim.machine.state(),
        State::Connecting,
        "wanted again: no rest"
    );
    sim.open();
    assert_eq!(sim.transmitted, ["late"]);
}

#[test]
fn a_user_close_during_the_idle_close_keeps_the_socket_closed() {
    let mut sim = Sim::open_with(idle_after(100));
    sim.advance(100);
    sim.close(1000, "bye");
    sim.server_close(1000, "idle");
    assert_eq!(sim.machine.state(), State::Closed);
    assert!(sim.send("after").is_err());
}

#[test]
fn a_connection_lost_while_nothing_is_wanted_rests_instead_of_retrying() {
    let mut sim = Sim::new(lazy());
    sim.connect();
    sim.send("sent").unwrap();
    sim.advance(0);
    sim.open();
    sim.drop_connection();
    resting(&sim);
    assert!(sim.retry_delays().is_empty());

    // What the dead socket never sent is wanted: it retries.
    let mut sim = Sim::new(lazy());
    sim.connect();
    sim.send("first").unwrap();
    sim.advance(0);
    sim.open();
    sim.send("unsent").unwrap();
    sim.unsent_bytes = 6;
    sim.drop_connection();
    assert_eq!(sim.machine.state(), State::Waiting);
}

#[test]
fn a_demand_while_offline_waits_for_the_network() {
    let mut sim = Sim::new(lazy());
    sim.connect();
    sim.input(Input::Offline);
    resting(&sim);
    sim.send("x").unwrap();
    sim.advance(0);
    assert_eq!(sim.machine.state(), State::Offline);
    assert!(sim.connects.is_empty());
    sim.input(Input::Online);
    assert_eq!(sim.machine.state(), State::Connecting);
}

#[test]
fn in_session_mode_the_idle_close_keeps_the_session_to_resume() {
    let policy = Policy {
        session: Some(Terms {
            window: 1_000,
            batches: false,
        }),
        ..idle_after(100)
    };
    let mut sim = Sim::new(policy);
    sim.connect();
    sim.open();
    let welcome = "~welcome id=a key=k epoch=e next=0 resumed=0 window=1000 batch=0";
    sim.receive_session(SessionFrame::Control(welcome));
    assert_eq!(sim.machine.state(), State::Open);
    sim.advance(100);
    let close = sim.closes.last().expect("an idle close").clone();
    assert_eq!(close.code, 4001, "the session is kept");
    sim.server_close(4001, "idle");
    resting(&sim);
    assert!(sim.machine.saved_session().is_some());
    sim.send("again").unwrap();
    sim.advance(0);
    sim.open();
    assert!(
        sim.controls
            .last()
            .is_some_and(|c| c.starts_with("~resume v=1 id=a")),
        "{:?}",
        sim.controls
    );
    let resumed = "~welcome id=a key=k epoch=e next=0 resumed=1 window=1000 batch=0";
    sim.receive_session(SessionFrame::Control(resumed));
    assert_eq!(sim.transmitted, ["again"]);
    assert!(
        !sim.log
            .iter()
            .any(|(_, output)| matches!(output, Output::Abandon { .. }))
    );
}
