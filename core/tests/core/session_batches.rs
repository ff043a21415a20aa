//! Batch frames in session mode (`PROTOCOL.md`, "Frames"), through the simulated driver and
//! on `ClientSession` itself:
//! - to a server that reads batches, the first message of a turn of the event loop goes out at
//!   once and alone, the rest of the turn's wait for its end and go out in one batch frame; the
//!   driver is asked once per turn to say when it ends;
//! - a lone message goes out at once, in a message frame: batching adds no wait;
//! - batches are bounded by `MAX_BATCH_BYTES`; a text larger than that goes alone, and a binary
//!   message breaks a batch, the order of the sends kept;
//! - to a server that does not read batches, every message goes alone, at once;
//! - a close in the middle of a turn sends the turn's messages first; a connection lost in the
//!   middle of one leaves them unsent: a resume sends them, and a lost session sends them as the
//!   new session's first messages instead of reporting them of unknown fate;
//! - the messages a welcome sends again go out batched too;
//! - each message of an incoming batch counts: acks count messages, not frames.

use resocket_core::session::{
    AckPolicy, Batch, ClientSession, Control, DEFAULT_WINDOW, MAX_BATCH_BYTES, Terms, Transmission,
};
use resocket_core::{Output, Policy, Received, SessionFrame, WireSize};
use resocket_sim::session::identity;
use resocket_sim::{Sim, exact};

const READS_BATCHES: Terms = Terms {
    window: DEFAULT_WINDOW,
    batches: true,
};

fn session_policy() -> Policy {
    Policy {
        session: Some(READS_BATCHES),
        ..exact()
    }
}

fn welcome(batches: bool, resumed: bool) -> String {
    Control::Welcome {
        identity: identity(1),
        next: 0,
        resumed,
        terms: Terms {
            window: DEFAULT_WINDOW,
            batches,
        },
    }
    .encode()
}

/// Waits out the retry delay after a lost connection, and opens the next one.
fn reopen(sim: &mut Sim) {
    let delay = *sim.retry_delays().last().expect("a retry");
    sim.advance(delay);
    sim.open();
}

/// A session socket welcomed by a server whose terms say `batches`.
fn welcomed(batches: bool) -> Sim {
    let mut sim = Sim::new(session_policy());
    sim.connect();
    sim.open();
    sim.receive_session(SessionFrame::Control(&welcome(batches, false)));
    sim.take_events();
    sim
}

fn turn_ends_asked(sim: &Sim) -> usize {
    (sim.log.iter())
        .filter(|(_, output)| matches!(output, Output::AwaitTurnEnd))
        .count()
}

fn numbered(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("message {i}")).collect()
}

#[test]
fn a_turn_sends_its_first_message_at_once_and_the_rest_in_one_batch() {
    let mut sim = welcomed(true);
    let texts = numbered(5);
    sim.in_one_turn(|sim| {
        for text in &texts {
            sim.send(text).unwrap();
        }
        assert_eq!(
            sim.transmitted,
            texts[..1],
            "the first at once, the rest wait"
        );
        assert!(sim.batches.is_empty());
    });
    assert_eq!(sim.transmitted, texts, "every message, in order");
    assert_eq!(
        sim.batches,
        [texts[1..].to_vec()],
        "the rest of the turn in one batch"
    );
    assert_eq!(
        turn_ends_asked(&sim),
        1,
        "the driver is asked once per turn"
    );
}

#[test]
fn a_lone_message_goes_at_once_alone() {
    let mut sim = welcomed(true);
    sim.in_one_turn(|sim| {
        sim.send("alone").unwrap();
        assert_eq!(sim.transmitted, ["alone"], "before the turn ends");
    });
    sim.send("another turn").unwrap();
    assert_eq!(sim.transmitted, ["alone", "another turn"]);
    assert!(sim.batches.is_empty());
    // Two messages in a turn: the second alone as well, a batch of one being no batch.
    sim.in_one_turn(|sim| {
        sim.send("a").unwrap();
        sim.send("b").unwrap();
    });
    assert!(sim.batches.is_empty());
    assert_eq!(sim.transmitted.len(), 4);
}

#[test]
fn batches_stay_within_their_bound_and_a_larger_text_goes_alone() {
    let mut sim = welcomed(true);
    let text = "x".repeat(1000);
    let large = "y".repeat(MAX_BATCH_BYTES as usize + 1);
    sim.in_one_turn(|sim| {
        sim.send("first").unwrap();
        for _ in 0..40 {
            sim.send(&text).unwrap();
        }
        sim.send(&large).unwrap();
        sim.send("after").unwrap();
        sim.send("last").unwrap();
    });
    let per_batch = (MAX_BATCH_BYTES / 1000) as usize;
    let sizes: Vec<usize> = sim.batches.iter().map(Vec::len).collect();
    assert_eq!(sizes, [per_batch, per_batch, 40 - 2 * per_batch, 2]);
    for batch in &sim.batches {
        let bytes: u64 = batch.iter().map(WireSize::wire_size).sum();
        assert!(bytes <= MAX_BATCH_BYTES, "a batch of {bytes} bytes");
    }
    assert_eq!(sim.transmitted.len(), 44, "every message, once");
    assert_eq!(
        sim.transmitted[41], large,
        "the large text alone, in its place"
    );
    assert_eq!(sim.transmitted[42..], ["after", "last"]);
    let bound = Batch::new();
    assert!(bound.admits(MAX_BATCH_BYTES) && !bound.admits(MAX_BATCH_BYTES + 1));
}

#[test]
fn a_server_that_reads_no_batches_gets_every_message_alone() {
    let mut sim = welcomed(false);
    let texts = numbered(5);
    sim.in_one_turn(|sim| {
        for text in &texts {
            sim.send(text).unwrap();
        }
        assert_eq!(sim.transmitted, texts, "each at once");
    });
    assert!(sim.batches.is_empty());
    assert_eq!(turn_ends_asked(&sim), 0);
}

#[test]
fn a_close_in_the_turn_sends_the_turn_first() {
    let mut sim = welcomed(true);
    sim.in_one_turn(|sim| {
        for text in ["a", "b", "c"] {
            sim.send(text).unwrap();
        }
        sim.machine.handle(
            resocket_core::Input::Close {
                code: 1000,
                reason: String::new(),
            },
            sim.now,
        );
    });
    let order: Vec<&str> = (sim.log.iter())
        .filter_map(|(_, output)| match output {
            Output::Transmit(_) => Some("message"),
            Output::TransmitBatch(_) => Some("batch"),
            Output::Close { .. } => Some("close"),
            _ => None,
        })
        .collect();
    assert_eq!(order, ["message", "batch", "close"]);
    assert_eq!(sim.transmitted, ["a", "b", "c"]);
}

#[test]
fn a_connection_lost_in_the_turn_leaves_its_batch_to_the_next_welcome() {
    // Resumed: the server says what it lacks, and the batch goes again.
    let mut sim = welcomed(true);
    sim.in_one_turn(|sim| {
        for text in ["a", "b", "c"] {
            sim.send(text).unwrap();
        }
        sim.drop_connection();
    });
    assert_eq!(sim.transmitted, ["a"], "b and c never left");
    reopen(&mut sim);
    let resumed = Control::Welcome {
        identity: identity(1),
        next: 1,
        resumed: true,
        terms: READS_BATCHES,
    };
    sim.receive_session(SessionFrame::Control(&resumed.encode()));
    assert_eq!(sim.transmitted, ["a", "b", "c"]);
    assert_eq!(sim.resumptions, [(true, Vec::new())]);

    // Lost: what left is of unknown fate, what never left starts the new session.
    let mut sim = welcomed(true);
    sim.in_one_turn(|sim| {
        for text in ["a", "b", "c"] {
            sim.send(text).unwrap();
        }
        sim.drop_connection();
    });
    reopen(&mut sim);
    let lost = Control::Welcome {
        identity: identity(2),
        next: 0,
        resumed: false,
        terms: READS_BATCHES,
    };
    sim.receive_session(SessionFrame::Control(&lost.encode()));
    assert_eq!(sim.resumptions, [(false, vec!["a".to_owned()])]);
    assert_eq!(
        sim.transmitted,
        ["a", "b", "c"],
        "b and c as the new session's first"
    );
}

#[test]
fn what_a_welcome_sends_again_goes_out_batched() {
    let mut sim = Sim::new(session_policy());
    sim.connect();
    for text in numbered(4) {
        sim.send(&text).unwrap();
    }
    sim.open();
    sim.receive_session(SessionFrame::Control(&welcome(true, false)));
    assert_eq!(sim.transmitted, numbered(4));
    assert_eq!(sim.batches, [numbered(4)[1..].to_vec()]);
}

#[test]
fn each_message_of_an_incoming_batch_counts_toward_the_ack() {
    let mut sim = welcomed(true);
    // A batch of 64 reported message by message, as the drivers do.
    for _ in 0..63 {
        assert_eq!(
            sim.receive_session(SessionFrame::Messages { count: 1, size: 3 }),
            Received::Message
        );
    }
    assert!(!sim.controls.iter().any(|c| c.starts_with("~ack")));
    sim.receive_session(SessionFrame::Messages { count: 1, size: 3 });
    assert_eq!(sim.controls.last().map(String::as_str), Some("~ack n=64"));
}

/// A message of a client that sends text and binary.
#[derive(Clone, Debug, PartialEq)]
enum Mixed {
    Text(&'static str),
    Binary(&'static [u8]),
}

impl WireSize for Mixed {
    fn wire_size(&self) -> u64 {
        match self {
            Mixed::Text(text) => text.len() as u64,
            Mixed::Binary(bytes) => bytes.len() as u64,
        }
    }

    fn is_text(&self) -> bool {
        matches!(self, Mixed::Text(_))
    }
}

#[test]
fn a_binary_message_breaks_a_batch_and_keeps_its_place() {
    let mut session = ClientSession::new(READS_BATCHES, AckPolicy::default());
    session.opened();
    session
        .control(Control::parse(&welcome(true, false)).unwrap())
        .unwrap();
    let mut sent = Vec::new();
    let mut turn_opened = Vec::new();
    let messages = [
        Mixed::Text("a"),
        Mixed::Text("b"),
        Mixed::Text("c"),
        Mixed::Binary(b"d"),
        Mixed::Text("e"),
        Mixed::Text("f"),
    ];
    for message in messages.iter().cloned() {
        session.send(message.clone()).unwrap();
        turn_opened.push(session.transmit(message, |out| sent.push(out)));
    }
    session.turn_ended(|out| sent.push(out));
    assert_eq!(turn_opened, [true, false, false, false, false, false]);
    assert_eq!(
        sent,
        [
            Transmission::One(Mixed::Text("a")),
            Transmission::Batch(vec![Mixed::Text("b"), Mixed::Text("c")]),
            Transmission::One(Mixed::Binary(b"d")),
            Transmission::Batch(vec![Mixed::Text("e"), Mixed::Text("f")]),
        ]
    );
    // The next turn starts anew.
    let mut next = Vec::new();
    assert!(session.transmit(Mixed::Text("g"), |out| next.push(out)));
    assert_eq!(next, [Transmission::One(Mixed::Text("g"))]);
}
