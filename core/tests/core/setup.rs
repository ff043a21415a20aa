//! The setup step (`Policy::setup_timeout_ms`): on every new connection the machine asks the
//! driver to run it (`Output::RunSetup`) before anything queued goes out:
//! - while it runs the socket is connecting, sends wait in the queue, and what the step sends
//!   (`send_setup`, `request_setup`) goes out at once, ahead of them; once it is done the
//!   queue is flushed, then the user hears of the open;
//! - it runs again on every connection, counting its attempts; a step that fails or outlives
//!   `setup_timeout_ms` gives the connection up (1000, "setup failed") and the backoff policy
//!   retries, without resetting the retry count, the queue untouched;
//! - a step's messages are never sent again on the next connection (that runs its own step),
//!   and its requests fail with their connection, `resend_requests` or not;
//! - a step of a connection that is gone can send nothing; once done, its sends are ordinary;
//! - under 20 reconnects with messages waiting, every connection carries the step's messages
//!   first, and every queued message arrives once, in order;
//! - in session mode the step runs after the welcome: what the server lacked goes again
//!   first, then the step's messages, numbered ahead of what never left, then those;
//! - with control over each message: a volatile message is skipped while the step runs, and
//!   what waits for the step may still expire or be aborted, in both modes.

use resocket_core::{
    ConnId, Event, Failure, Input, MessageId, Policy, Removal, RequestFailure, SendError,
    SendOptions, Sent, SessionFrame, State, Timer,
};
use resocket_sim::session::{SessionServer, TERMS};
use resocket_sim::{Sim, exact};

const QUEUED: Result<Sent, resocket_core::Rejected<String>> = Ok(Sent::Queued { dropped: 0 });

fn with_setup() -> Policy {
    Policy {
        setup_timeout_ms: Some(2_000),
        ..exact()
    }
}

/// What the live connection's setup step sends.
fn setup_send(sim: &mut Sim, frame: &str) -> Result<Sent, resocket_core::Rejected<String>> {
    let conn = sim.conn();
    let sent = sim.machine.send_setup(conn, frame.to_owned());
    sim.run();
    sent
}

/// Retries after the backoff delay and opens the next connection.
fn retry_and_open(sim: &mut Sim) {
    let due = sim.machine.timer_due(Timer::Retry).expect("a retry");
    sim.advance((due - sim.now) as u32);
    sim.open();
}

#[test]
fn the_step_goes_first_and_the_queue_waits_for_it() {
    let mut sim = Sim::new(with_setup());
    sim.connect();
    assert_eq!(sim.send("queued"), QUEUED);
    sim.open();
    assert_eq!(sim.setups, [(sim.conn(), 1, false)]);
    assert_eq!(
        sim.machine.state(),
        State::Connecting,
        "until the step is done"
    );
    assert!(sim.transmitted.is_empty());
    assert_eq!(sim.send("during setup"), QUEUED, "user sends wait too");
    assert_eq!(setup_send(&mut sim, "auth"), Ok(Sent::Now));
    assert_eq!(setup_send(&mut sim, "subscribe"), Ok(Sent::Now));
    assert_eq!(sim.transmitted, ["auth", "subscribe"]);
    assert!(!sim.take_events().contains(&Event::Open));
    sim.setup_done();
    assert_eq!(
        sim.transmitted,
        ["auth", "subscribe", "queued", "during setup"]
    );
    assert_eq!(sim.take_events(), [Event::Open]);
    assert_eq!(sim.machine.state(), State::Open);
    assert_eq!(sim.send("after"), Ok(Sent::Now));
    assert!(
        sim.machine.timer_due(Timer::Handshake).is_none(),
        "the setup timeout stopped"
    );
}

#[test]
fn a_failed_step_gives_the_connection_up_and_retries_by_the_backoff_policy() {
    let mut sim = Sim::new(Policy {
        min_uptime_ms: 0,
        ..with_setup()
    });
    sim.connect();
    sim.send("waiting").unwrap();
    sim.open();
    let first = sim.conn();
    setup_send(&mut sim, "auth").unwrap();
    sim.input(Input::SetupFailed {
        conn: first,
        error: "bad token".into(),
    });
    assert_eq!(
        sim.abandons.last().map(|a| (a.code, a.reason.as_str())),
        Some((1000, "setup failed"))
    );
    let events = sim.take_events();
    assert_eq!(events[0], Event::Failed(Failure::Setup("bad token".into())));
    assert!(
        matches!(&events[1], Event::Closed(closed) if closed.will_reconnect && closed.requeued == 0)
    );
    assert!(matches!(events[2], Event::Reconnecting { attempt: 1, .. }));
    assert_eq!(sim.machine.queued_count(), 1, "the queue is untouched");
    retry_and_open(&mut sim);
    assert_eq!(sim.setups.last(), Some(&(sim.conn(), 2, false)));
    // A late answer of the first step changes nothing.
    sim.input(Input::SetupDone { conn: first });
    assert_eq!(sim.machine.state(), State::Connecting);
    assert_eq!(
        sim.machine.retry_count(),
        1,
        "not reset: no connection started"
    );
    setup_send(&mut sim, "auth").unwrap();
    sim.setup_done();
    assert_eq!(sim.transmitted, ["auth", "auth", "waiting"]);
    assert_eq!(sim.machine.retry_count(), 0);
}

#[test]
fn a_step_that_outlives_its_timeout_fails_the_connection() {
    let mut sim = Sim::new(with_setup());
    sim.connect();
    sim.open();
    sim.take_events();
    sim.advance(1_999);
    assert_eq!(sim.machine.state(), State::Connecting);
    sim.advance(1);
    let events = sim.take_events();
    assert_eq!(events[0], Event::Failed(Failure::SetupTimeout));
    assert!(matches!(&events[1], Event::Closed(closed) if closed.will_reconnect));
    assert_eq!(sim.machine.state(), State::Waiting);
}

#[test]
fn a_steps_messages_and_requests_end_with_its_connection() {
    let mut sim = Sim::new(Policy {
        resend_requests: true,
        ..with_setup()
    });
    sim.connect();
    sim.open();
    let conn = sim.conn();
    let frame = format!("{{\"id\":{}}}", sim.machine.next_request_id());
    let id = sim
        .machine
        .request_setup(conn, frame, 10_000, sim.now)
        .unwrap();
    sim.run();
    setup_send(&mut sim, "subscribe").unwrap();
    // The browser never transmitted either of them, and the connection drops.
    sim.unsent_bytes = 1_000;
    sim.drop_connection();
    assert_eq!(sim.failed_requests, [(id, RequestFailure::ConnectionLost)]);
    assert!(
        matches!(sim.take_events().iter().find(|e| matches!(e, Event::Closed(_))), Some(Event::Closed(closed)) if closed.requeued == 0 && closed.unconfirmed == 0),
        "nothing of the step goes back in the queue, nor counts as a message of unknown fate"
    );
    assert_eq!(sim.machine.queued_count(), 0);
    // The old step can send nothing more.
    let refused = sim.machine.send_setup(conn, "late".into()).unwrap_err();
    assert_eq!(refused.error, SendError::Closed);
    sim.unsent_bytes = 0;
    retry_and_open(&mut sim);
    sim.transmitted.clear();
    sim.setup_done();
    assert!(
        sim.transmitted.is_empty(),
        "the old step's messages are not resent"
    );
    // Once the step is done, its sends are ordinary ones on the same connection.
    assert_eq!(setup_send(&mut sim, "later"), Ok(Sent::Now));
    assert_eq!(sim.transmitted, ["later"]);
}

#[test]
fn a_steps_request_is_answered_before_the_queue_moves() {
    let mut sim = Sim::new(with_setup());
    sim.connect();
    sim.send("waiting").unwrap();
    sim.open();
    let conn = sim.conn();
    let id = sim
        .machine
        .request_setup(conn, "auth".into(), 1_000, sim.now)
        .unwrap();
    sim.run();
    assert_eq!(sim.transmitted, ["auth"]);
    assert_eq!(sim.receive(), resocket_core::Received::MaybeAnswer);
    assert_eq!(sim.machine.answered(id), resocket_core::Answered::Request);
    sim.setup_done();
    assert_eq!(sim.transmitted, ["auth", "waiting"]);
}

#[test]
fn under_twenty_reconnects_every_connection_carries_the_step_first() {
    let mut sim = Sim::new(Policy {
        min_uptime_ms: 0,
        ..with_setup()
    });
    sim.connect();
    let mut next = 0;
    let mut expected = Vec::new();
    for round in 0..20 {
        for _ in 0..3 {
            let text = format!("m{next}");
            next += 1;
            sim.send(&text).unwrap();
            expected.push(text);
        }
        if round == 0 {
            sim.open();
        } else {
            retry_and_open(&mut sim);
        }
        let start = sim.transmitted.len();
        setup_send(&mut sim, &format!("setup{round}")).unwrap();
        // Every other step is cut short by a drop: what waited stays queued.
        if round % 2 == 1 {
            sim.drop_connection();
            assert_eq!(sim.transmitted[start..], [format!("setup{round}")]);
            continue;
        }
        sim.setup_done();
        assert_eq!(sim.transmitted[start], format!("setup{round}"));
        sim.drop_connection();
    }
    // The last step was cut short: the next connection delivers what still waits.
    retry_and_open(&mut sim);
    sim.setup_done();
    let delivered: Vec<_> = (sim.transmitted.iter())
        .filter(|frame| frame.starts_with('m'))
        .cloned()
        .collect();
    assert_eq!(delivered, expected, "every queued message once, in order");
    assert_eq!(sim.setups.len(), 21);
}

// Session mode.

fn session_setup() -> Policy {
    Policy {
        session: Some(TERMS),
        ..with_setup()
    }
}

/// Connects (unless a socket exists) and opens; the server welcomes the client's first frame.
fn open_session(sim: &mut Sim, server: &mut SessionServer) -> ConnId {
    if sim.socket.is_none() {
        sim.connect();
    }
    sim.open();
    welcome(sim, server);
    sim.conn()
}

/// The server answers the client's last `hello` or `resume` with its welcome.
fn welcome(sim: &mut Sim, server: &mut SessionServer) {
    let first = sim.controls.last().cloned().expect("a hello or resume");
    let welcome = server.open(&first).remove(0);
    sim.receive_session(SessionFrame::Control(&welcome));
}

#[test]
fn in_session_mode_the_step_is_numbered_ahead_of_what_never_left() {
    let mut sim = Sim::new(session_setup());
    let mut server = SessionServer::new();
    sim.connect();
    sim.send("early").unwrap();
    let conn = open_session(&mut sim, &mut server);
    assert_eq!(sim.setups, [(conn, 1, false)]);
    assert_eq!(sim.machine.state(), State::Connecting);
    assert!(
        sim.transmitted.is_empty(),
        "what never left waits for the step"
    );
    assert_eq!(sim.machine.queued_count(), 1);
    setup_send(&mut sim, "auth").unwrap();
    assert_eq!(sim.send("meanwhile"), QUEUED);
    sim.setup_done();
    assert_eq!(sim.transmitted, ["auth", "early", "meanwhile"]);
    assert_eq!(sim.machine.state(), State::Open);
    // The server reads them in that order: numbers 0, 1, 2.
    let server = server.session.as_mut().unwrap();
    for _ in 0..3 {
        server.message(1, 0.0).unwrap();
    }
    assert_eq!(server.received(), 3);
}

#[test]
fn in_session_mode_a_resume_sends_again_first_then_runs_the_step() {
    let mut sim = Sim::new(Policy {
        min_uptime_ms: 0,
        ..session_setup()
    });
    let mut server = SessionServer::new();
    open_session(&mut sim, &mut server);
    setup_send(&mut sim, "auth").unwrap();
    sim.setup_done();
    sim.send("a").unwrap();
    // The server got "auth" only; the connection drops; "b" is sent meanwhile.
    server.session.as_mut().unwrap().message(1, 0.0).unwrap();
    sim.drop_connection();
    server.session.as_mut().unwrap().disconnected(0.0);
    sim.send("b").unwrap();
    // Cut short once: the step's connection drops before it is done; "b" stays kept.
    retry_and_open(&mut sim);
    welcome(&mut sim, &mut server);
    assert_eq!(sim.setups.last().map(|s| s.2), Some(true), "resumed");
    let saved = sim.machine.saved_session().unwrap();
    assert_eq!(
        saved.unacknowledged,
        ["a", "b"],
        "a reload now keeps what waits for the step"
    );
    sim.transmitted.clear();
    sim.drop_connection();
    server.session.as_mut().unwrap().disconnected(0.0);
    assert_eq!(sim.machine.queued().collect::<Vec<_>>(), ["a", "b"]);
    retry_and_open(&mut sim);
    welcome(&mut sim, &mut server);
    assert_eq!(
        sim.transmitted,
        ["a"],
        "what the server lacked, then the step"
    );
    setup_send(&mut sim, "auth again").unwrap();
    sim.setup_done();
    assert_eq!(sim.transmitted, ["a", "auth again", "b"]);
}

// With control over each message.

fn send_with(sim: &mut Sim, frame: &str, options: SendOptions) -> (Sent, MessageId) {
    let sent = sim.machine.send_with(frame.to_owned(), options, sim.now);
    sim.run();
    sent.expect("accepted")
}

const VOLATILE: SendOptions = SendOptions {
    volatile: true,
    ttl_ms: None,
};

fn ttl(ms: u32) -> SendOptions {
    SendOptions {
        volatile: false,
        ttl_ms: Some(ms),
    }
}

#[test]
fn a_volatile_message_is_skipped_while_the_step_runs() {
    let mut sim = Sim::new(with_setup());
    sim.connect();
    sim.open();
    assert_eq!(send_with(&mut sim, "cursor", VOLATILE).0, Sent::Skipped);
    sim.setup_done();
    assert_eq!(send_with(&mut sim, "cursor", VOLATILE).0, Sent::Now);
    assert_eq!(sim.transmitted, ["cursor"]);
}

#[test]
fn what_waits_for_the_step_may_expire_or_be_aborted_in_both_modes() {
    for session in [false, true] {
        let policy = if session {
            session_setup()
        } else {
            with_setup()
        };
        let mut sim = Sim::new(policy);
        let mut server = SessionServer::new();
        sim.connect();
        send_with(&mut sim, "stale", ttl(100));
        let (_, aborted) = send_with(&mut sim, "aborted", SendOptions::default());
        send_with(&mut sim, "kept", ttl(10_000));
        if session {
            open_session(&mut sim, &mut server);
        } else {
            sim.open();
        }
        assert_eq!(sim.machine.state(), State::Connecting, "the step runs");
        assert!(
            sim.machine.cancel(aborted),
            "waiting for the step: taken back"
        );
        sim.advance(100);
        sim.setup_done();
        let removed: Vec<_> = sim
            .removed
            .iter()
            .map(|(_, frame, why)| (frame.as_str(), *why))
            .collect();
        assert_eq!(
            removed,
            [("aborted", Removal::Aborted), ("stale", Removal::Expired)],
            "session mode: {session}"
        );
        assert_eq!(sim.transmitted, ["kept"], "session mode: {session}");
    }
}
