//! The machine in session mode (`Policy::session`), through the simulated driver, against a
//! server made of `ServerSession` (the frames go through their text, both ways):
//! - an open socket sends `hello` and is connecting until the welcome; messages sent meanwhile
//!   go out after it, then the user hears of the open;
//! - a drop keeps every message: the next connection resumes with `next` = what arrived, and
//!   sends again exactly what the server lacks; the user hears `recovered: true`;
//! - a server that lost the session starts a new one: the user hears `recovered: false` with
//!   the messages of unknown fate, and those that never left go out;
//! - a server that does not select `resocket.v1` fails the socket for good, sending nothing;
//! - a frame the protocol refuses closes with 1002 and the next connection starts anew;
//! - acks go after 64 messages or 100 ms; the heartbeat pings with `~ping` and `~pong` answers;
//! - the window refuses sends while the unacknowledged bytes fill it; no welcome within the
//!   connect timeout is a connect timeout.

use resocket_core::session::{Control, Saved, SavedHeader, Terms};
use resocket_core::{
    Event, Failure, HeartbeatTiming, Input, Output, Policy, Received, SendError, Sent,
    SessionFrame, State,
};
use resocket_sim::session::{SessionServer as Server, TERMS};
use resocket_sim::{Sim, exact};

fn session_policy() -> Policy {
    Policy {
        session: Some(TERMS),
        ..exact()
    }
}

/// Connects and opens; returns the client's first control frame.
fn open(sim: &mut Sim) -> String {
    if sim.socket.is_none() {
        sim.connect();
    }
    sim.open();
    sim.controls.last().cloned().expect("a hello or resume")
}

fn control(sim: &mut Sim, text: &str) -> Received {
    sim.receive_session(SessionFrame::Control(text))
}

fn message(sim: &mut Sim) -> Received {
    sim.receive_session(SessionFrame::Messages { count: 1, size: 1 })
}

#[test]
fn the_welcome_opens_the_connection_and_kept_messages_go_first() {
    let mut sim = Sim::new(session_policy());
    sim.connect();
    assert_eq!(sim.send("early"), Ok(Sent::Queued { dropped: 0 }));
    let hello = open(&mut sim);
    assert_eq!(hello, "~hello v=1 window=102400 batch=1");
    assert_eq!(sim.machine.state(), State::Connecting, "until the welcome");
    assert_eq!(sim.send("meanwhile"), Ok(Sent::Queued { dropped: 0 }));
    assert!(sim.transmitted.is_empty(), "nothing before the welcome");
    let mut server = Server::new();
    let welcome = server.open(&hello).remove(0);
    assert_eq!(control(&mut sim, &welcome), Received::Protocol);
    assert_eq!(sim.transmitted, ["early", "meanwhile"]);
    assert_eq!(sim.machine.state(), State::Open);
    assert_eq!(
        sim.take_states().last(),
        Some(&State::Open),
        "the welcome reports the state change at once"
    );
    assert!(sim.take_events().contains(&Event::Open));
    assert!(
        sim.resumptions.is_empty(),
        "the first session is no resumption"
    );
    assert_eq!(sim.send("now"), Ok(Sent::Now));
    assert_eq!(message(&mut sim), Received::Message);
}

#[test]
fn a_drop_resumes_and_sends_again_exactly_what_the_server_lacks() {
    let mut sim = Sim::new(session_policy());
    let mut server = Server::new();
    let hello = open(&mut sim);
    let welcome = server.open(&hello).remove(0);
    control(&mut sim, &welcome);
    for text in ["a", "b", "c", "d"] {
        sim.send(text).unwrap();
    }
    // The server got two of them, and sent three messages of which the client got two.
    let server_session = server.session.as_mut().unwrap();
    server_session.message(1, 0.0).unwrap();
    server_session.message(1, 0.0).unwrap();
    for text in ["s0", "s1", "s2"] {
        server_session.send(text.to_owned()).unwrap();
    }
    message(&mut sim);
    message(&mut sim);
    sim.drop_connection();
    server.session.as_mut().unwrap().disconnected(0.0);
    assert!(sim.send("e").is_ok(), "kept while disconnected");
    // What a driver that keeps each message's data under an id reads: every message is held
    // until the server acknowledges it, the oldest first.
    assert_eq!(
        sim.machine.queued().collect::<Vec<_>>(),
        ["a", "b", "c", "d", "e"]
    );
    assert_eq!(sim.machine.oldest_held().map(String::as_str), Some("a"));
    let delay = sim.retry_delays()[0];
    sim.advance(delay);
    let resume = open(&mut sim);
    assert!(resume.starts_with("~resume v=1 id="), "{resume}");
    assert!(resume.contains(" next=2 "), "{resume}");
    sim.transmitted.clear();
    let welcome = server.open(&resume).remove(0);
    assert!(welcome.contains(" next=2 resumed=1 "), "{welcome}");
    control(&mut sim, &welcome);
    assert_eq!(
        sim.transmitted,
        ["c", "d", "e"],
        "the server's two are not sent again"
    );
    assert_eq!(sim.resumptions, [(true, vec![])]);
    assert_eq!(sim.machine.state(), State::Open);
}

#[test]
fn a_lost_session_reports_the_messages_of_unknown_fate() {
    let mut sim = Sim::new(session_policy());
    let mut server = Server::new();
    let hello = open(&mut sim);
    let welcome = server.open(&hello).remove(0);
    control(&mut sim, &welcome);
    sim.send("sent").unwrap();
    sim.drop_connection();
    sim.send("kept").unwrap();
    let delay = sim.retry_delays()[0];
    sim.advance(delay);
    let resume = open(&mut sim);
    sim.transmitted.clear();
    let mut restarted = Server::new(); // the store is gone
    let welcome = restarted.open(&resume).remove(0);
    assert!(welcome.contains(" resumed=0 "));
    control(&mut sim, &welcome);
    assert_eq!(sim.resumptions, [(false, vec!["sent".to_owned()])]);
    assert_eq!(sim.transmitted, ["kept"]);
}

#[test]
fn a_server_without_the_subprotocol_fails_for_good_and_gets_nothing() {
    let mut sim = Sim::new(session_policy());
    sim.connect();
    sim.send("hello?").unwrap();
    let conn = sim.conn();
    sim.input(resocket_core::Input::Opened {
        conn,
        protocol: String::new(),
    });
    assert!(
        sim.controls.is_empty() && sim.transmitted.is_empty(),
        "nothing sent"
    );
    let events = sim.take_events();
    assert!(events.contains(&Event::Failed(Failure::NotASessionServer)));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Closed(c) if !c.will_reconnect))
    );
    assert_eq!(sim.machine.state(), State::Closed);
}

#[test]
fn a_frame_the_protocol_refuses_closes_with_1002_and_the_next_connection_starts_anew() {
    let mut sim = Sim::new(session_policy());
    let mut server = Server::new();
    let hello = open(&mut sim);
    control(&mut sim, &server.open(&hello)[0]);
    sim.send("unanswered").unwrap();
    let refused = sim.receive_session(SessionFrame::Invalid("a frame starting with {"));
    assert_eq!(refused, Received::Protocol);
    assert_eq!(sim.abandons.last().map(|a| a.code), Some(1002));
    let delay = sim.retry_delays()[0];
    assert!(
        sim.take_events()
            .iter()
            .any(|e| matches!(e, Event::Failed(Failure::Protocol(_))))
    );
    sim.advance(delay);
    let next = open(&mut sim);
    assert!(next.starts_with("~hello"), "a new session: {next}");
    let mut fresh = Server::new();
    control(&mut sim, &fresh.open(&next)[0]);
    assert_eq!(sim.resumptions, [(false, vec!["unanswered".to_owned()])]);
}

#[test]
fn acks_go_after_64_messages_or_100_ms() {
    let mut sim = Sim::new(session_policy());
    let mut server = Server::new();
    let hello = open(&mut sim);
    control(&mut sim, &server.open(&hello)[0]);
    let acks = |sim: &Sim| {
        sim.controls
            .iter()
            .filter(|c| c.starts_with("~ack"))
            .count()
    };
    for _ in 0..64 {
        message(&mut sim);
    }
    assert_eq!(sim.controls.last().unwrap(), "~ack n=64");
    message(&mut sim);
    sim.advance(99);
    assert_eq!(acks(&sim), 1);
    sim.advance(1);
    assert_eq!(sim.controls.last().unwrap(), "~ack n=65");
}

#[test]
fn the_heartbeat_pings_with_a_control_frame() {
    let policy = Policy {
        heartbeat: Some(HeartbeatTiming {
            interval_ms: 1_000,
            timeout_ms: 500,
        }),
        ..session_policy()
    };
    let mut sim = Sim::new(policy);
    let mut server = Server::new();
    let hello = open(&mut sim);
    control(&mut sim, &server.open(&hello)[0]);
    sim.advance(1_000);
    assert_eq!(sim.controls.last().unwrap(), "~ping");
    assert!(sim.pings.is_empty(), "no plain ping in session mode");
    let pong = server
        .session
        .as_mut()
        .unwrap()
        .control(Control::Ping)
        .unwrap()
        .unwrap();
    assert_eq!(control(&mut sim, &pong.encode()), Received::Protocol);
    sim.advance(600);
    assert!(sim.abandons.is_empty(), "the pong kept the connection");
    assert!(sim.machine.rtt_ms().is_some());
}

#[test]
fn the_window_refuses_sends_while_full() {
    let policy = Policy {
        session: Some(Terms {
            window: 10,
            batches: false,
        }),
        ..exact()
    };
    let mut sim = Sim::new(policy);
    sim.connect();
    sim.send("0123456789").unwrap();
    let refused = sim.send("x").unwrap_err();
    assert_eq!(refused.error, SendError::WindowFull { window: 10 });
    assert_eq!(
        sim.machine.send_readiness(),
        Err(SendError::WindowFull { window: 10 })
    );
    assert_eq!(sim.machine.queued_count(), 1);
}

#[test]
fn no_welcome_within_the_connect_timeout_is_a_connect_timeout() {
    let mut sim = Sim::new(session_policy());
    open(&mut sim);
    sim.advance(5_000);
    let events = sim.take_events();
    assert!(
        events.contains(&Event::Failed(Failure::ConnectTimeout)),
        "{events:?}"
    );
    assert!(
        sim.log
            .iter()
            .any(|(_, o)| matches!(o, Output::Abandon { .. }))
    );
}

#[test]
fn leaving_a_connection_to_resume_never_says_1000_which_ends_the_session() {
    let mut sim = Sim::new(session_policy());
    let mut server = Server::new();
    let hello = open(&mut sim);
    let welcome = server.open(&hello).remove(0);
    control(&mut sim, &welcome);
    // reconnect() with 1000 (as both faces default to) and the back/forward cache both leave
    // a connection the session goes on from.
    sim.reconnect();
    assert_eq!(sim.abandons.last().map(|a| a.code), Some(4001));
    let resume = open(&mut sim);
    control(&mut sim, &server.open(&resume).remove(0));
    sim.input(Input::Suspend);
    assert_eq!(sim.abandons.last().map(|a| a.code), Some(4001));
    sim.resume();
    let resume = open(&mut sim);
    control(&mut sim, &server.open(&resume).remove(0));
    assert_eq!(sim.resumptions, [(true, vec![]), (true, vec![])]);
    // The user's close ends the session: 1000 as asked.
    sim.close(1000, "bye");
    assert_eq!(sim.closes.last().map(|c| c.code), Some(1000));
}

#[test]
fn before_any_welcome_a_connection_is_left_with_1000() {
    let mut sim = Sim::new(session_policy());
    open(&mut sim);
    sim.reconnect();
    assert_eq!(
        sim.abandons.last().map(|a| a.code),
        Some(1000),
        "no session to keep yet"
    );
}

/// A session with four messages sent, two acknowledged by the server, and two of the
/// server's received; the server got three.
fn session_to_save(server: &mut Server) -> Sim {
    let mut sim = Sim::new(session_policy());
    let hello = open(&mut sim);
    control(&mut sim, &server.open(&hello).remove(0));
    for text in ["a", "b", "c", "d"] {
        sim.send(text).unwrap();
    }
    let server_session = server.session.as_mut().unwrap();
    for _ in 0..3 {
        server_session.message(1, 0.0).unwrap();
    }
    for text in ["s0", "s1"] {
        server_session.send(text.to_owned()).unwrap();
    }
    control(&mut sim, "~ack n=2");
    message(&mut sim);
    message(&mut sim);
    sim
}

#[test]
fn a_saved_session_resumes_on_a_new_page_and_sends_only_what_the_server_lacks() {
    let mut server = Server::new();
    let old_page = session_to_save(&mut server);
    let saved = old_page.machine.saved_session().expect("a named session");
    assert_eq!((saved.received, saved.acknowledged), (2, 2));
    assert_eq!(saved.unacknowledged, ["c", "d"]);
    // The page reloads: only the header's text and the messages survive.
    let header = SavedHeader::read(&saved.header()).unwrap();
    let saved = Saved::from_parts(header, saved.unacknowledged.clone());
    server.session.as_mut().unwrap().disconnected(0.0);

    let mut new_page = Sim::new(session_policy());
    assert!(new_page.machine.restore_session(saved));
    assert_eq!(
        new_page.machine.queued_count(),
        2,
        "kept until acknowledged"
    );
    let resume = open(&mut new_page);
    assert!(resume.starts_with("~resume v=1 id="), "{resume}");
    assert!(resume.contains(" next=2 "), "{resume}");
    let welcome = server.open(&resume).remove(0);
    assert!(welcome.contains(" next=3 resumed=1 "), "{welcome}");
    control(&mut new_page, &welcome);
    assert_eq!(new_page.transmitted, ["d"], "the server had a, b and c");
    assert_eq!(new_page.resumptions, [(true, vec![])]);
    assert_eq!(new_page.machine.state(), State::Open);
}

#[test]
fn a_saved_session_the_server_lost_reports_every_saved_message_as_of_unknown_fate() {
    let mut server = Server::new();
    let saved = session_to_save(&mut server)
        .machine
        .saved_session()
        .unwrap();
    let mut new_page = Sim::new(session_policy());
    assert!(new_page.machine.restore_session(saved));
    let resume = open(&mut new_page);
    let welcome = Server::new().open(&resume).remove(0); // the store is gone
    control(&mut new_page, &welcome);
    let unknown = vec!["c".to_owned(), "d".to_owned()];
    assert_eq!(new_page.resumptions, [(false, unknown)]);
    assert!(new_page.transmitted.is_empty());
}

#[test]
fn a_session_is_restored_only_before_connecting_and_before_any_send() {
    let mut server = Server::new();
    let saved = session_to_save(&mut server)
        .machine
        .saved_session()
        .unwrap();
    let mut sent_first = Sim::new(session_policy());
    sent_first.send("mine").unwrap();
    assert!(!sent_first.machine.restore_session(saved.clone()));
    let mut connecting = Sim::new(session_policy());
    connecting.connect();
    assert!(!connecting.machine.restore_session(saved.clone()));
    let mut plain = Sim::new(exact());
    assert!(!plain.machine.restore_session(saved));
    assert!(
        Sim::new(session_policy()).machine.saved_session().is_none(),
        "no name yet"
    );
    let mut closed = session_to_save(&mut server);
    closed.close(1000, "done");
    assert!(
        closed.machine.saved_session().is_none(),
        "a close ends the session"
    );
}

#[test]
fn a_saved_header_that_was_tampered_with_is_an_error() {
    let mut server = Server::new();
    let header = session_to_save(&mut server)
        .machine
        .saved_session()
        .unwrap()
        .header();
    assert!(header.starts_with("resocket-session v=1 id="), "{header}");
    for bad in [
        "",
        "resocket-session",
        "resocket-session v=2",
        &header.replace("received=2", "received=-1"),
        &header.replace(" key=", " key=!"),
        &header.replace("resocket-session", "~resume"),
        &format!("{header} received=3"),
    ] {
        assert!(SavedHeader::read(bad).is_err(), "{bad:?}");
    }
    assert!(
        SavedHeader::read(&format!("{header} later=1")).is_ok(),
        "unknown fields ignored"
    );
}

/// The `session` flag of the last `Output::Connect`.
fn last_offer(sim: &Sim) -> bool {
    sim.log
        .iter()
        .rev()
        .find_map(|(_, output)| match output {
            Output::Connect { session, .. } => Some(*session),
            _ => None,
        })
        .expect("an attempt")
}

#[test]
fn after_a_failed_handshake_one_attempt_checks_for_a_server_without_the_protocol() {
    // Browsers fail the handshake when the server selects none of the offered subprotocols,
    // so a plain server first looks like a down one.
    let mut sim = Sim::new(session_policy());
    sim.connect();
    assert!(last_offer(&sim), "attempts offer resocket.v1");
    sim.fail_attempts(1);
    assert!(!last_offer(&sim), "the probe offers none");
    // A plain server opens it: the socket fails for good, having sent nothing.
    sim.open();
    assert!(
        sim.take_events()
            .contains(&Event::Failed(Failure::NotASessionServer))
    );
    assert_eq!(sim.machine.state(), State::Closed);
    assert!(sim.controls.is_empty() && sim.transmitted.is_empty());
}

#[test]
fn a_down_session_server_is_probed_once_per_run_of_failures() {
    let mut sim = Sim::new(session_policy());
    sim.connect();
    sim.fail_attempts(2); // the first attempt, then the probe: a session server refuses it
    let offers: Vec<bool> = (sim.log.iter())
        .filter_map(|(_, output)| match output {
            Output::Connect { session, .. } => Some(*session),
            _ => None,
        })
        .collect();
    assert_eq!(offers, [true, false, true]);
    sim.fail_attempts(3);
    assert!(last_offer(&sim), "no second probe in the same run");
    // The server is back: a session, then a later outage probes once again.
    let mut server = Server::new();
    let hello = open(&mut sim);
    control(&mut sim, &server.open(&hello).remove(0));
    assert_eq!(sim.machine.state(), State::Open);
    sim.drop_connection();
    let delay = sim.retry_delays()[sim.retry_delays().len() - 1];
    sim.advance(delay);
    assert!(
        last_offer(&sim),
        "a drop after opening is no failed handshake"
    );
    sim.fail_attempts(1);
    assert!(!last_offer(&sim), "a new run of failures probes again");
}
