#![cfg(target_arch = "wasm32")]
//! The Rust API in headless Chromium against the real test server:
//! - typed JSON round trip (struct with a nested enum), text and binary round trips;
//! - the `Json` codec writes what serde_json writes (integers of any size, integer map keys);
//! - outgoing frames are sized in UTF-8 bytes, as `bufferedAmount` counts them;
//! - a message that does not decode gives a decode-error event and the connection stays open;
//! - invalid URLs, subprotocols, options and close codes give an `Err`, never a panic;
//!   relative URLs resolve against the page's location;
//! - subprotocol negotiation; `start_closed` waits for `reconnect` and queues sends until then;
//! - sender and receiver halves work from separate `spawn_local` tasks, and `Sink` sends;
//! - user close stops reconnecting with exactly one `Closed` event, and later sends fail;
//! - dropping every handle closes the connection on the server.

mod browser_support;

use std::time::Duration;

use browser_support::*;
use futures_util::{SinkExt, StreamExt};
use resocket::codec::wire_size;
use resocket::codec::{Decoder, Encoder};
use resocket::{
    Bytes, Closed, Config, Error, Event, Json, Message, Raw, Sent, Socket, State, Text,
};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Shape {
    Circle { radius: f64 },
    Polygon(Vec<(i32, i32)>),
    Empty,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Drawing {
    id: u32,
    title: String,
    shapes: Vec<Shape>,
    tags: std::collections::BTreeMap<String, Option<bool>>,
}

fn drawing() -> Drawing {
    Drawing {
        id: 7,
        title: "naïve ☃ \"quoted\"".into(),
        shapes: vec![
            Shape::Circle { radius: 1.5 },
            Shape::Polygon(vec![(0, 0), (3, -4)]),
            Shape::Empty,
        ],
        tags: [("a".to_owned(), Some(true)), ("b".to_owned(), None)].into(),
    }
}

#[wasm_bindgen_test]
async fn typed_json_round_trip() {
    let mut socket: Socket<Drawing, Drawing> =
        Socket::open(Config::new(ws_url("/echo"))).expect("valid config");
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    assert_eq!(socket.try_send(&drawing()), Ok(Sent::Now));
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Message(drawing())
    );
}

#[wasm_bindgen_test]
fn json_writes_what_serde_json_writes() {
    use std::collections::BTreeMap;

    // Integers that a JavaScript number cannot hold go out exactly, keys as strings.
    let big = BTreeMap::from([(7_u64, u64::MAX)]);
    let frame = <Json as Encoder<_>>::encode(&big).unwrap();
    assert_eq!(
        frame.as_string().as_deref(),
        Some(r#"{"7":18446744073709551615}"#)
    );
    let back: BTreeMap<u64, u64> = <Json as Decoder<_>>::decode(&frame).unwrap();
    assert_eq!(back, big);
    // JSON has no keys but strings.
    let tuple_keys = BTreeMap::from([((1_u8, 2_u8), 3_u8)]);
    assert!(matches!(
        <Json as Encoder<_>>::encode(&tuple_keys),
        Err(Error::Encode(_))
    ));
}

#[wasm_bindgen_test]
fn frames_are_sized_in_utf8_bytes() {
    for (text, size) in [
        ("", 0),
        ("plain ascii", 11),
        ("h\u{e9}llo", 6),
        ("\u{7f}\u{80}", 3),
        ("\u{1f980}", 4),
    ] {
        assert_eq!(wire_size(&JsValue::from_str(text)), size, "{text:?}");
    }
    // A lone surrogate, which a Rust string cannot hold, is sent as U+FFFD.
    let lone = JsValue::from(js_sys::JsString::from_char_code1(0xD800));
    assert_eq!(wire_size(&lone), 3);
    let bytes = JsValue::from(js_sys::Uint8Array::new_with_length(5));
    assert_eq!(wire_size(&bytes), 5);
}

#[wasm_bindgen_test]
async fn text_and_binary_round_trip() {
    let mut text: Socket<String, String, Text> =
        Socket::open(Config::new(ws_url("/echo"))).unwrap();
    let mut bytes: Socket<Vec<u8>, Vec<u8>, Bytes> =
        Socket::open(Config::new(ws_url("/echo"))).unwrap();
    // Queued before open, flushed on open.
    assert_eq!(
        text.try_send(&"hé 🦀".to_owned()),
        Ok(Sent::Queued { dropped: 0 })
    );
    let payload: Vec<u8> = vec![0, 255, 0xC3, 0x28, 7]; // not UTF-8 on purpose
    bytes.try_send(&payload).unwrap();
    assert_eq!(next_event(&mut text, 3000).await, Event::Open);
    assert_eq!(
        next_event(&mut text, 3000).await,
        Event::Message("hé 🦀".to_owned())
    );
    assert_eq!(next_event(&mut bytes, 3000).await, Event::Open);
    assert_eq!(next_event(&mut bytes, 3000).await, Event::Message(payload));

    let mut raw: Socket<Message, Message, Raw> =
        Socket::open(Config::new(ws_url("/echo"))).unwrap();
    raw.try_send(&Message::Bytes(vec![1, 2, 3])).unwrap();
    raw.try_send(&Message::Text("t".into())).unwrap();
    assert_eq!(next_event(&mut raw, 3000).await, Event::Open);
    assert_eq!(
        next_event(&mut raw, 3000).await,
        Event::Message(Message::Bytes(vec![1, 2, 3]))
    );
    assert_eq!(
        next_event(&mut raw, 3000).await,
        Event::Message(Message::Text("t".into()))
    );
}

#[wasm_bindgen_test]
async fn undecodable_message_is_reported_and_the_connection_stays_open() {
    let mut socket: Socket<Drawing, Drawing> =
        Socket::open(Config::new(ws_url("/echo?garbage=1"))).unwrap();
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    for _ in 0..2 {
        socket.try_send(&drawing()).unwrap();
        match next_event(&mut socket, 3000).await {
            Event::DecodeError(error) => {
                let raw = error.raw.as_text().expect("garbage arrives as text");
                assert!(raw.starts_with("{\"garbage\""), "raw text kept: {raw}");
                assert!(!error.reason.is_empty());
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
        assert_eq!(socket.state(), State::Open);
    }

    // Valid JSON of the wrong shape is a decode error too.
    let mut wrong_shape: Socket<String, Drawing, resocket::Json> =
        Socket::open(Config::new(ws_url("/echo"))).unwrap();
    wrong_shape.try_send(&"just a string".to_owned()).unwrap();
    assert_eq!(next_event(&mut wrong_shape, 3000).await, Event::Open);
    match next_event(&mut wrong_shape, 3000).await {
        Event::DecodeError(error) => {
            assert_eq!(error.raw, Message::Text("\"just a string\"".into()))
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(wrong_shape.state(), State::Open);
}

#[wasm_bindgen_test]
fn invalid_input_gives_errors_not_panics() {
    for url in [
        "ftp://example.com/",
        "http://[::1",
        "ws://example.com/#fragment",
    ] {
        let opened = Socket::<String, String, Text>::open(Config::new(url));
        assert!(
            matches!(opened, Err(Error::InvalidUrl { .. })),
            "{url:?} must be refused, got {:?}",
            opened.err()
        );
    }
    // Relative URLs resolve against the page's location, as the WebSocket standard says.
    let relative = Socket::<String, String, Text>::open(Config::new("/echo").start_closed(true));
    assert!(relative.is_ok(), "{:?}", relative.err());

    let with_protocols = |protocols: &[&str]| {
        Socket::<String, String, Text>::open(
            Config::new(ws_url("/echo")).protocols(protocols.to_vec()),
        )
        .err()
    };
    assert!(matches!(
        with_protocols(&["a b"]),
        Some(Error::InvalidProtocol { .. })
    ));
    assert!(matches!(
        with_protocols(&["x", "x"]),
        Some(Error::InvalidProtocol { .. })
    ));
    assert!(matches!(
        with_protocols(&[""]),
        Some(Error::InvalidProtocol { .. })
    ));

    let invalid = [
        Config::new(ws_url("/echo")).jitter(f64::NAN),
        Config::new(ws_url("/echo")).jitter(1.5),
        Config::new(ws_url("/echo")).grow_factor(0.5),
        Config::new(ws_url("/echo")).queue_capacity(0),
        Config::new(ws_url("/echo")).connect_timeout(Duration::ZERO),
        Config::new(ws_url("/echo")).min_delay(Duration::from_secs(60)),
        Config::new(ws_url("/echo")).max_delay(Duration::from_secs(100 * 24 * 3600)),
    ];
    for config in invalid {
        let opened = Socket::<String, String, Text>::open(config);
        assert!(
            matches!(opened, Err(Error::InvalidOption(_))),
            "{:?}",
            opened.err()
        );
    }

    let socket: Socket<String, String, Text> = Socket::open(Config::new(ws_url("/echo"))).unwrap();
    assert!(matches!(
        socket.close_with(1006, ""),
        Err(Error::InvalidClose(_))
    ));
    assert!(matches!(
        socket.close_with(4000, &"x".repeat(124)),
        Err(Error::InvalidClose(_))
    ));
    assert!(matches!(
        socket.reconnect_with(2000, ""),
        Err(Error::InvalidClose(_))
    ));
    assert!(socket.close_with(4999, "fine").is_ok());
}

#[wasm_bindgen_test]
async fn negotiates_a_subprotocol() {
    let config = Config::new(ws_url("/echo")).protocols(["chat.v2", "chat.v1"]);
    let mut socket: Socket<String, String, Text> = Socket::open(config).unwrap();
    assert_eq!(socket.protocol(), None);
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    assert_eq!(socket.protocol().as_deref(), Some("chat.v2"));
}

#[wasm_bindgen_test]
async fn start_closed_waits_for_reconnect() {
    let client = "start-closed";
    let config = Config::new(ws_url(&format!("/echo?client={client}"))).start_closed(true);
    let mut socket: Socket<String, String, Text> = Socket::open(config).unwrap();
    assert_eq!(socket.state(), State::Closed);
    assert_eq!(
        socket.try_send(&"early".to_owned()),
        Ok(Sent::Queued { dropped: 0 })
    );
    expect_quiet(&mut socket, 200).await;
    assert_eq!(client_stats(client).await.1, 0, "no connection was made");
    socket.reconnect();
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Message("early".into())
    );
}

#[wasm_bindgen_test]
async fn halves_work_from_separate_tasks() {
    let socket: Socket<u32, u32> = Socket::open(Config::new(ws_url("/echo"))).unwrap();
    let (sender, mut receiver) = socket.split();
    let mut sink = sender.clone();
    wasm_bindgen_futures::spawn_local(async move {
        for n in 0..50 {
            SinkExt::send(&mut sink, n).await.expect("the Sink accepts");
        }
    });
    let (done_tx, done_rx) = futures_channel::oneshot::channel();
    wasm_bindgen_futures::spawn_local(async move {
        let mut seen = Vec::new();
        while seen.len() < 50 {
            if let Event::Message(n) = next_event(&mut receiver, 3000).await {
                seen.push(n);
            }
        }
        let _ = done_tx.send(seen);
    });
    let seen = done_rx.await.expect("receiver task finished");
    assert_eq!(seen, (0..50).collect::<Vec<_>>());
    assert_eq!(sender.state(), State::Open);
    assert_eq!(sender.state().to_string(), "open");
    assert_eq!(
        format!("{sender:?}"),
        "Sender { state: Open, retry_count: 0, queued_count: 0, .. }"
    );
}

#[wasm_bindgen_test]
async fn the_receiver_reads_the_state_and_debug_shows_no_secret() {
    let config = Config::new(ws_url("/echo?token=secret-token"));
    let shown = format!("{config:?}");
    assert!(shown.contains("/echo?[redacted]"), "{shown}");
    assert!(!shown.contains("secret-token"), "{shown}");
    let socket: Socket<String, String, Text> = Socket::open(config).unwrap();
    let (sender, mut receiver) = socket.split();
    assert_eq!(receiver.state(), State::Connecting);
    let event = next_event(&mut receiver, 3000).await;
    assert_eq!(event.clone(), Event::Open);
    assert_eq!(receiver.state(), State::Open);
    assert!(format!("{receiver:?}").starts_with("Receiver { state: Open"));
    drop(sender);
    // The receiver does not keep the connection: with every sender gone it reads closed.
    assert_eq!(receiver.state(), State::Closed);
}

#[wasm_bindgen_test]
async fn user_close_stops_reconnecting() {
    let client = "user-close";
    let config =
        Config::new(ws_url(&format!("/echo?client={client}"))).min_delay(Duration::from_millis(20));
    let mut socket: Socket<String, String, Text> = Socket::open(config).unwrap();
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    socket.close_with(4001, "done").unwrap();
    socket.close(); // a second close changes nothing
    assert_eq!(socket.state(), State::Closing);
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Closed(Closed {
            code: 4001,
            reason: "done".into(),
            was_clean: true,
            will_reconnect: false,
            requeued: 0,
            unconfirmed: 0
        })
    );
    assert_eq!(socket.state(), State::Closed);
    expect_quiet(&mut socket, 300).await;
    assert_eq!(socket.try_send(&"late".to_owned()), Err(Error::Closed));
    assert_eq!(wait_for_open_count(client, 0, 2000).await, (0, 1, 1));
}

#[wasm_bindgen_test]
async fn close_while_connecting_gives_one_closed_event() {
    let mut socket: Socket<String, String, Text> =
        Socket::open(Config::new(ws_url("/echo?hang=1"))).unwrap();
    assert_eq!(socket.state(), State::Connecting);
    socket.close();
    socket.close();
    match next_event(&mut socket, 3000).await {
        Event::Closed(Closed {
            will_reconnect: false,
            ..
        }) => {}
        other => panic!("expected the final close, got {other:?}"),
    }
    assert_eq!(socket.state(), State::Closed);
    expect_quiet(&mut socket, 300).await;
}

#[wasm_bindgen_test]
async fn dropping_every_handle_closes_the_connection() {
    let client = "drop-closes";
    let socket: Socket<String, String, Text> =
        Socket::open(Config::new(ws_url(&format!("/echo?client={client}")))).unwrap();
    let (sender, mut receiver) = socket.split();
    assert_eq!(next_event(&mut receiver, 3000).await, Event::Open);
    assert_eq!(wait_for_open_count(client, 1, 2000).await.0, 1);
    let second_sender = sender.clone();
    drop(sender);
    sleep(100).await;
    assert_eq!(
        client_stats(client).await.0,
        1,
        "a live sender keeps the connection"
    );
    drop(second_sender);
    assert_eq!(
        wait_for_open_count(client, 0, 3000).await.0,
        0,
        "the server saw the close"
    );
    let mut rest = Vec::new();
    while let Some(event) = receiver.next().await {
        rest.push(event);
    }
    assert!(
        rest.iter()
            .all(|event| matches!(event, Event::StateChanged(_))),
        "the stream ends with the last sender: {rest:?}"
    );
}

#[wasm_bindgen_test]
async fn the_sink_waits_for_room_in_a_full_queue_and_a_sender_close_keeps_the_connection() {
    let client = "sink-backpressure";
    let config = Config::new(ws_url(&format!("/echo?client={client}")))
        .start_closed(true)
        .queue_capacity(2);
    let socket: Socket<String, String, Text> = Socket::open(config).unwrap();
    let (sender, mut receiver) = socket.split();
    let mut sink = sender.clone();
    for text in ["a", "b"] {
        SinkExt::send(&mut sink, text.to_owned()).await.unwrap();
    }
    assert_eq!(
        sender.try_send(&"refused".to_owned()),
        Err(Error::QueueFull { capacity: 2 })
    );
    // The Sink waits instead of failing: its send completes once the open drains the queue.
    let (done_tx, done_rx) = futures_channel::oneshot::channel();
    let mut waiting = sink.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let sent = SinkExt::send(&mut waiting, "c".to_owned()).await;
        let _ = done_tx.send(sent);
    });
    sleep(100).await;
    assert_eq!(sender.queued_count(), 2, "c waits outside the queue");
    sender.reconnect();
    assert_eq!(within(3000, done_rx).await, Ok(Ok(())));
    let mut echoed = Vec::new();
    while echoed.len() < 3 {
        if let Event::Message(text) = next_event(&mut receiver, 3000).await {
            echoed.push(text);
        }
    }
    assert_eq!(echoed, ["a", "b", "c"]);
    // Closing one handle's sink ends its sending only; the shared connection stays open.
    SinkExt::close(&mut sink).await.unwrap();
    assert_eq!(sender.state(), State::Open);
    sender.try_send(&"still".to_owned()).unwrap();
    assert_eq!(
        next_event(&mut receiver, 3000).await,
        Event::Message("still".to_owned())
    );
    // Once the socket is closed, the Sink fails at once rather than waiting.
    sender.close();
    assert_eq!(
        SinkExt::send(&mut sink, "late".to_owned()).await,
        Err(Error::Closed)
    );
}

/// The `log` feature: the debug lines reach the `log` crate, redacted, without `debug(true)`.
#[cfg(feature = "log")]
mod log_feature {
    use std::sync::Mutex;

    use super::*;

    static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

    struct Collect;

    impl log::Log for Collect {
        fn enabled(&self, metadata: &log::Metadata) -> bool {
            metadata.target() == "resocket"
        }

        fn log(&self, record: &log::Record) {
            if self.enabled(record.metadata()) && record.level() == log::Level::Debug {
                if let Ok(mut lines) = LINES.lock() {
                    lines.push(record.args().to_string());
                }
            }
        }

        fn flush(&self) {}
    }

    #[wasm_bindgen_test]
    async fn the_debug_lines_go_to_the_log_crate_redacted() {
        log::set_logger(&Collect).expect("the only logger of this test binary");
        log::set_max_level(log::LevelFilter::Debug);
        let config = Config::new(ws_url("/echo?client=log-feature&token=secret-token"));
        let socket: Socket<String, String, Text> = Socket::open(config).unwrap();
        let (sender, mut receiver) = socket.split();
        assert_eq!(next_event(&mut receiver, 3000).await, Event::Open);
        sender.close();
        wait_for(&mut receiver, 3000, |event| {
            matches!(event, Event::Closed(_))
        })
        .await;
        let lines = LINES.lock().map(|lines| lines.clone()).unwrap_or_default();
        assert!(
            lines.iter().any(
                |line| line.starts_with("connecting to ") && line.ends_with("/echo?[redacted]")
            ),
            "{lines:?}"
        );
        for expected in ["state connecting", "open", "state open", "state closing"] {
            assert!(
                lines.iter().any(|line| line == expected),
                "{expected}: {lines:?}"
            );
        }
        assert!(
            lines
                .iter()
                .any(|line| line.starts_with("close code=1000 ")),
            "{lines:?}"
        );
        assert!(
            !lines.iter().any(|line| line.contains("secret-token")),
            "{lines:?}"
        );
    }
}
