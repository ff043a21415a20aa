//! Resumable sessions (`resocket_core::session`), a client and a server talking through an
//! in-memory link that can drop a connection with frames still on the wire:
//! - control frames read back as written; malformed, oversized, repeated or unknown ones are
//!   protocol errors, unknown fields are ignored;
//! - messages both ways arrive once and in order across drops (what was on the wire is sent
//!   again from where the receiver stopped, nothing it had is sent twice), and acks come after
//!   a count, half the peer's window or a delay, never once per message;
//! - a server that lost the session starts a new one: the client learns exactly which of its
//!   messages reached a connection unacknowledged, and sends those that never left;
//! - a peer that breaks the protocol (an ack of messages never sent, a message before the
//!   welcome, a welcome for another session, a resume the session cannot serve) is refused,
//!   and a refused resume leaves the session intact for its owner;
//! - the window bounds the unacknowledged bytes: a full one refuses sends until acks come;
//! - a property test: random sends, deliveries, drops, acks and clock steps, then a final
//!   resume: each side received exactly what the other sent, in order.

use proptest::prelude::*;
use resocket_core::session::{
    Accepted, AckPolicy, ClientSession, Control, FrameKind, MAX_COUNT, Opening, ServerSession,
    StoredCounts, Terms, Welcomed, WindowFull, same_secret, token,
};
use resocket_sim::session::{Link, Run, Step, TERMS, identity};

#[test]
fn control_frames_read_back_as_written() {
    let frames = [
        Control::Hello {
            version: 1,
            terms: TERMS,
        },
        Control::Resume {
            version: 1,
            identity: identity(1),
            next: MAX_COUNT,
            terms: Terms {
                window: 7,
                batches: false,
            },
        },
        Control::Welcome {
            identity: identity(2),
            next: 0,
            resumed: false,
            terms: TERMS,
        },
        Control::Ack { received: 42 },
    ];
    for frame in frames {
        assert_eq!(
            Control::parse(&frame.encode()),
            Ok(frame.clone()),
            "{}",
            frame.encode()
        );
    }
    assert_eq!(Control::Ack { received: 42 }.encode(), "~ack n=42");
    assert_eq!(
        Control::Hello {
            version: 1,
            terms: TERMS
        }
        .encode(),
        "~hello v=1 window=102400 batch=1"
    );
}

#[test]
fn malformed_control_frames_are_protocol_errors() {
    let long = format!("~ack n=1 pad={}", "x".repeat(600));
    let bad = [
        "",
        "ack n=1",
        "~",
        "~ack",
        "~ack n=",
        "~ack n=-1",
        "~ack n=+1",
        "~ack n=1.0",
        "~ack n=9007199254740992",
        "~ack n=99999999999999999999",
        "~ack n=1 n=2",
        "~ack n=1  x=2",
        "~ack n",
        "~nope n=1",
        "~hello v=1 window=1",
        "~hello v=1 window=1 batch=2",
        "~welcome id=a key=b epoch=c next=0 resumed=yes window=1 batch=0",
        "~resume v=1 id=a key=b/c epoch=e next=0 window=1 batch=0",
        "~resume v=1 id= key=b epoch=e next=0 window=1 batch=0",
        &format!(
            "~resume v=1 id={} key=b epoch=e next=0 window=1 batch=0",
            "a".repeat(65)
        ),
        &long,
    ];
    for text in bad {
        assert!(Control::parse(text).is_err(), "{text:?} was accepted");
    }
    assert_eq!(
        Control::parse("~ack n=3 later=field"),
        Ok(Control::Ack { received: 3 }),
        "unknown fields are ignored"
    );
}

#[test]
fn frame_kinds_come_from_the_first_byte() {
    assert_eq!(FrameKind::of(Some(b'm')), Ok(FrameKind::Message));
    assert_eq!(FrameKind::of(Some(b'b')), Ok(FrameKind::Batch));
    assert_eq!(FrameKind::of(Some(b'~')), Ok(FrameKind::Control));
    assert!(FrameKind::of(Some(b'{')).is_err());
    assert!(FrameKind::of(None).is_err());
}

#[test]
fn secrets_compare_whole() {
    assert!(same_secret("abc", "abc"));
    assert!(!same_secret("abc", "abd"));
    assert!(!same_secret("abc", "abcd"));
    assert_eq!(token(&[0, 1, 255]), "0001ff");
}

fn numbered(prefix: &str, range: std::ops::Range<u32>) -> Vec<String> {
    range.map(|n| format!("{prefix}{n}")).collect()
}

#[test]
fn a_new_session_carries_messages_both_ways_with_few_acks() {
    let mut link = Link::new();
    link.client_send("early"); // before any connection: kept, sent after the welcome
    link.connect();
    assert!(matches!(
        &link.client_events[..],
        [Welcomed::Started { replaced: false, unacknowledged, .. }] if unacknowledged.is_empty()
    ));
    for text in numbered("c", 0..200) {
        link.client_send(&text);
    }
    for text in numbered("s", 0..200) {
        link.server_send(&text);
    }
    link.settle();
    link.advance(100.0);
    link.settle();
    let mut expected = vec!["early".to_owned()];
    expected.extend(numbered("c", 0..200));
    assert_eq!(link.server_got, expected);
    assert_eq!(link.client_got, numbered("s", 0..200));
    assert_eq!(
        link.acks_sent, 4,
        "three after 64 messages each, one after the delay"
    );
    assert_eq!(
        link.client.outgoing().pending(),
        0,
        "everything acknowledged"
    );
    assert_eq!(link.server.as_ref().unwrap().outgoing().pending(), 0);
}

#[test]
fn a_drop_with_frames_on_the_wire_loses_nothing_and_doubles_nothing() {
    let mut link = Link::new();
    link.connect();
    for text in numbered("c", 0..10) {
        link.client_send(&text);
    }
    for text in numbered("s", 0..10) {
        link.server_send(&text);
    }
    // Seven of the client's and four of the server's arrive; the rest die on the wire.
    for _ in 0..7 {
        link.step_server();
    }
    for _ in 0..4 {
        link.step_client();
    }
    link.drop_connection();
    link.client_send("while down");
    link.server_send("while away");
    link.connect();
    link.settle();
    let mut client_sent = numbered("c", 0..10);
    client_sent.push("while down".into());
    let mut server_sent = numbered("s", 0..10);
    server_sent.push("while away".into());
    assert_eq!(link.server_got, client_sent);
    assert_eq!(link.client_got, server_sent);
    assert!(matches!(
        &link.client_events[1],
        Welcomed::Resumed { replay } if replay.len() == 4
    ));
}

#[test]
fn a_lost_session_names_the_messages_of_unknown_fate_and_sends_those_that_never_left() {
    let mut link = Link::new();
    link.connect();
    for text in numbered("c", 0..5) {
        link.client_send(&text);
    }
    link.step_server();
    link.step_server();
    link.drop_connection();
    link.client_send("never left");
    link.server = None; // the server restarts without its store
    link.connect();
    link.settle();
    assert!(matches!(
        &link.client_events[1],
        Welcomed::Started { replaced: true, unacknowledged, transmit }
            if *unacknowledged == numbered("c", 0..5) && *transmit == ["never left"]
    ));
    assert_eq!(link.server_got, ["c0", "c1", "never left"]);
    assert_eq!(link.client.received(), 0, "the new session counts from 0");
    assert_ne!(link.client.identity(), Some(&identity(1)));
}

#[test]
fn a_peer_that_breaks_the_protocol_is_refused() {
    let mut client: ClientSession<String> = ClientSession::new(TERMS, AckPolicy::default());
    client.opened();
    assert!(
        client.message(1, 0.0).is_err(),
        "a message before the welcome"
    );
    assert!(
        client.control(Control::Ack { received: 0 }).is_err(),
        "an ack before the welcome"
    );
    let welcome = Control::Welcome {
        identity: identity(1),
        next: 3,
        resumed: false,
        terms: TERMS,
    };
    assert!(
        client.control(welcome).is_err(),
        "a new session that received messages"
    );

    let mut client: ClientSession<String> = ClientSession::new(TERMS, AckPolicy::default());
    client.opened();
    let welcome = |identity, resumed| Control::Welcome {
        identity,
        next: 0,
        resumed,
        terms: TERMS,
    };
    assert!(
        client.control(welcome(identity(1), true)).is_err(),
        "a resume of nothing"
    );
    client.opened();
    client.control(welcome(identity(1), false)).unwrap();
    client.send("one".into()).unwrap();
    assert!(
        client.control(Control::Ack { received: 2 }).is_err(),
        "an ack beyond what was sent"
    );
    assert!(
        client.control(welcome(identity(1), false)).is_err(),
        "a second welcome"
    );
    assert!(
        client
            .control(Control::Hello {
                version: 1,
                terms: TERMS
            })
            .is_err(),
        "a client's frame"
    );
    client.disconnected();
    client.opened();
    assert!(
        client.control(welcome(identity(2), true)).is_err(),
        "another session's resume"
    );

    assert!(
        Opening::read("~ack n=1").is_err(),
        "a connection opened by an ack"
    );
    assert!(
        Opening::read("~hello v=2 window=1 batch=0").is_err(),
        "another version"
    );
}

#[test]
fn a_resume_the_session_cannot_serve_is_refused_and_the_session_stays_intact() {
    let (mut server, _) = ServerSession::start(identity(1), TERMS, AckPolicy::default(), TERMS);
    for text in numbered("s", 0..3) {
        server.send(text).unwrap();
    }
    server.control(Control::Ack { received: 1 }).unwrap();
    server.disconnected(0.0);
    assert!(server.resume(4, TERMS).is_err(), "beyond what was sent");
    assert!(
        server.resume(0, TERMS).is_err(),
        "before what was acknowledged"
    );
    let (welcome, replay) = server.resume(2, TERMS).unwrap();
    assert!(matches!(
        welcome,
        Control::Welcome {
            resumed: true,
            next: 0,
            ..
        }
    ));
    assert_eq!(replay, ["s2"]);
}

#[test]
fn a_session_taken_up_from_a_store_resumes_where_the_other_server_left_it() {
    let stored = StoredCounts {
        acknowledged: 5,
        unacknowledged: numbered("s", 5..8),
        received: 12,
    };
    let mut server = ServerSession::restored(identity(1), TERMS, AckPolicy::default(), stored, 0.0);
    assert!(
        server.expired(120_000.0, 120_000.0),
        "it waits as a disconnected session"
    );
    assert!(
        server.resume(4, TERMS).is_err(),
        "before what was acknowledged"
    );
    assert!(server.resume(9, TERMS).is_err(), "beyond what was sent");
    let (welcome, replay) = server.resume(6, TERMS).unwrap();
    assert!(matches!(
        welcome,
        Control::Welcome {
            resumed: true,
            next: 12,
            ..
        }
    ));
    assert_eq!(replay, ["s6", "s7"]);
    assert_eq!(server.send("s8".to_owned()), Ok(Accepted::Transmit));
    assert_eq!(server.outgoing().sent(), 9);
}

#[test]
fn a_session_waits_its_lifetime_for_its_client() {
    let (mut server, _) =
        ServerSession::<String>::start(identity(1), TERMS, AckPolicy::default(), TERMS);
    assert!(!server.expired(1e9, 120_000.0), "connected");
    server.disconnected(1_000.0);
    assert!(!server.expired(120_999.0, 120_000.0));
    assert!(server.expired(121_000.0, 120_000.0));
    server.resume(0, TERMS).unwrap();
    assert!(!server.expired(1e9, 120_000.0), "resumed");
}

#[test]
fn the_window_bounds_unacknowledged_bytes() {
    let terms = Terms {
        window: 10,
        batches: false,
    };
    let mut client: ClientSession<String> = ClientSession::new(terms, AckPolicy::default());
    assert_eq!(
        client.send("x".repeat(25)),
        Ok(Accepted::Kept),
        "alone, larger than the window"
    );
    assert_eq!(client.send("y".into()), Err(WindowFull("y".to_owned())));
    assert!(!client.has_room(1));
    client.opened();
    let welcome = Control::Welcome {
        identity: identity(1),
        next: 0,
        resumed: false,
        terms: TERMS,
    };
    client.control(welcome).unwrap();
    client.control(Control::Ack { received: 1 }).unwrap();
    assert!(client.has_room(10));
    for text in ["aaaa", "bbbb"] {
        assert_eq!(client.send(text.into()), Ok(Accepted::Transmit));
    }
    assert!(client.send("ccc".into()).is_err(), "4 + 4 + 3 > 10");
    assert_eq!(client.outgoing().pending_bytes(), 8);
}

#[test]
fn acks_come_before_half_the_peers_window_is_used() {
    let small = Terms {
        window: 100,
        batches: false,
    };
    let (mut server, _) =
        ServerSession::<String>::start(identity(1), TERMS, AckPolicy::default(), small);
    assert!(!server.message(49, 0.0).unwrap());
    assert!(
        server.message(1, 0.0).unwrap(),
        "50 of the client's 100 bytes"
    );
    assert_eq!(server.take_ack(), Some(Control::Ack { received: 2 }));
    assert_eq!(server.take_ack(), None, "nothing owed");
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => Just(Step::ClientSend),
        4 => Just(Step::ServerSend),
        5 => Just(Step::DeliverToServer),
        5 => Just(Step::DeliverToClient),
        1 => Just(Step::Drop),
        1 => Just(Step::Connect),
        2 => (0u8..200).prop_map(Step::Advance),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_message_arrives_once_and_in_order(steps in proptest::collection::vec(step(), 1..400)) {
        let mut run = Run::default();
        for step in steps {
            run.step(step);
        }
        run.settle();
        prop_assert_eq!(run.check(), Ok(()));
    }
}
