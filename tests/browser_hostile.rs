#![cfg(target_arch = "wasm32")]
//! Hostile input from the network, in headless Chromium against the real test server:
//! - a binary frame that is not UTF-8 into the `Text` codec is a decode error carrying the
//!   bytes, and the socket stays open and usable;
//! - invalid JSON, JSON of the wrong shape and a binary frame into the `Json` codec are decode
//!   errors, and the socket stays open and usable;
//! - JSON nested 100,000 levels deep is a decode error, never a trap; the depth limit is
//!   `MAX_JSON_DEPTH` (128) levels, for `serde_json::Value` and for a recursive serde type;
//! - a 64 MiB message is refused by the default `max_message_bytes` (16 MiB) with
//!   `Error::MessageTooBig`, the socket stays open and the next message arrives; the limit
//!   counts text in UTF-16 code units and is checked by `Config`;
//! - a flood of 100,000 tiny messages all arrive, in order.
//!
//! Hostile payloads go out as they are and come back from `/echo` to the decoder under test.

mod browser_support;

use std::marker::PhantomData;

use browser_support::*;
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use gloo_timers::future::TimeoutFuture;
use resocket::codec::{DecodeError, Decoder, Encoder, MAX_JSON_DEPTH};
use resocket::{Config, Error, Event, Json, Message, Raw, Socket, State, Text};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Record {
    id: u32,
    name: String,
}

/// A recursive serde type: each level is an object holding the next.
#[derive(Deserialize, Debug, PartialEq)]
struct Node {
    child: Option<Box<Node>>,
}

/// Sends frames as they are (like [`Raw`]) and decodes what comes back with `D`, so one
/// socket on `/echo` delivers hostile frames to the decoder under test. (`/chat` would mix
/// the frames of tests that run concurrently.)
struct Hostile<D>(PhantomData<D>);

impl<D> Encoder<Message> for Hostile<D> {
    fn encode(message: &Message) -> Result<JsValue, Error> {
        <Raw as Encoder<Message>>::encode(message)
    }
}

impl<T, D: Decoder<T>> Decoder<T> for Hostile<D> {
    fn decode(data: &JsValue) -> Result<T, DecodeError> {
        D::decode(data)
    }
}

/// An open socket on `/echo` that sends raw frames and decodes them with `D`.
async fn hostile<In: std::fmt::Debug + PartialEq, D: Decoder<In>>()
-> Socket<Message, In, Hostile<D>> {
    let mut socket: Socket<Message, In, Hostile<D>> =
        Socket::open(Config::new(ws_url("/echo"))).expect("valid config");
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    socket
}

fn nested_arrays(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn nested_nodes(depth: usize) -> String {
    format!("{}null{}", "{\"child\":".repeat(depth), "}".repeat(depth))
}

#[wasm_bindgen_test]
async fn binary_that_is_not_utf8_into_text_is_a_decode_error() {
    let mut text = hostile::<String, Text>().await;
    let sender = text.sender();
    let invalid = vec![b'o', b'k', 0xC3, 0x28, 0xFF, 0xFE];
    sender.try_send(&Message::Bytes(invalid.clone())).unwrap();
    match next_event(&mut text, 3000).await {
        Event::DecodeError(error) => {
            assert_eq!(error.raw, Message::Bytes(invalid));
            assert!(error.reason.contains("UTF-8"), "{}", error.reason);
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(text.state(), State::Open);
    sender.try_send(&Message::Bytes("héllo".into())).unwrap();
    assert_eq!(
        next_event(&mut text, 3000).await,
        Event::Message("héllo".to_owned())
    );
}

#[wasm_bindgen_test]
async fn invalid_and_wrong_shape_json_are_decode_errors() {
    let mut json = hostile::<Record, Json>().await;
    let sender = json.sender();
    let hostile = [
        Message::Text("{\"id\": 1, \"name\": ".into()),
        Message::Text("not json at all".into()),
        Message::Text(String::new()),
        Message::Text("\"just a string\"".into()),
        Message::Text("{\"id\": \"seven\", \"name\": \"x\"}".into()),
        Message::Text("{\"id\": -1, \"name\": \"x\"}".into()),
        Message::Text("{\"id\": 1e300, \"name\": \"x\"}".into()),
        Message::Text("[1, 2, 3]".into()),
        Message::Text("null".into()),
        Message::Bytes(b"{\"id\": 1, \"name\": \"binary\"}".to_vec()),
    ];
    for frame in hostile {
        sender.try_send(&frame).unwrap();
        match next_event(&mut json, 3000).await {
            Event::DecodeError(error) => {
                assert_eq!(error.raw, frame);
                assert!(!error.reason.is_empty());
            }
            other => panic!("expected a decode error for {frame:?}, got {other:?}"),
        }
        assert_eq!(json.state(), State::Open);
    }
    let fine = Record {
        id: 1,
        name: "fine".into(),
    };
    sender
        .try_send(&Message::Text(serde_json::to_string(&fine).unwrap()))
        .unwrap();
    assert_eq!(next_event(&mut json, 3000).await, Event::Message(fine));
}

#[wasm_bindgen_test]
async fn deeply_nested_json_is_a_decode_error_not_a_trap() {
    let mut json = hostile::<Value, Json>().await;
    let sender = json.sender();

    for depth in [MAX_JSON_DEPTH + 1, 500, 100_000] {
        let text = nested_arrays(depth);
        sender.try_send(&Message::Text(text.clone())).unwrap();
        match next_event(&mut json, 5000).await {
            Event::DecodeError(error) => {
                assert_eq!(error.raw, Message::Text(text));
                assert!(error.reason.contains("nested"), "{}", error.reason);
            }
            other => panic!("expected a decode error at depth {depth}, got {other:?}"),
        }
        assert_eq!(json.state(), State::Open);
    }
    // Brackets inside strings do not count.
    let in_strings = format!("[{:?}]", "[{".repeat(1000));
    sender.try_send(&Message::Text(in_strings.clone())).unwrap();
    assert_eq!(
        next_event(&mut json, 3000).await,
        Event::Message(serde_json::from_str(&in_strings).unwrap())
    );
    let deepest = nested_arrays(MAX_JSON_DEPTH);
    sender.try_send(&Message::Text(deepest.clone())).unwrap();
    match next_event(&mut json, 3000).await {
        Event::Message(value) => assert_eq!(value.to_string(), deepest),
        other => panic!("expected the deepest allowed value, got {other:?}"),
    }

    // A recursive serde type: each level is an object, so the limit counts the same way.
    let decode = |depth| <Json as Decoder<Node>>::decode(&JsValue::from_str(&nested_nodes(depth)));
    assert!(decode(MAX_JSON_DEPTH).is_ok());
    for depth in [MAX_JSON_DEPTH + 1, 500, 100_000] {
        let error = decode(depth).expect_err("too deep");
        assert!(error.reason.contains("nested"), "{}", error.reason);
    }
}

#[wasm_bindgen_test]
async fn a_64_mib_message_is_refused_and_the_socket_stays_usable() {
    let mut raw: Socket<Message, Message, Raw> =
        Socket::open(Config::new(ws_url("/echo"))).unwrap();
    assert_eq!(next_event(&mut raw, 3000).await, Event::Open);
    let size = 64 << 20;
    raw.try_send(&Message::Bytes(vec![7; size])).unwrap();
    assert_eq!(
        next_event(&mut raw, 20_000).await,
        Event::Error(Error::MessageTooBig {
            size: size as u64,
            limit: 16 << 20,
        })
    );
    assert_eq!(raw.state(), State::Open);
    raw.try_send(&Message::Text("after".into())).unwrap();
    assert_eq!(
        next_event(&mut raw, 3000).await,
        Event::Message(Message::Text("after".into()))
    );
}

#[wasm_bindgen_test]
async fn max_message_bytes_counts_utf16_units_and_bytes() {
    let mut raw: Socket<Message, Message, Raw> =
        Socket::open(Config::new(ws_url("/echo")).max_message_bytes(10)).unwrap();
    assert_eq!(next_event(&mut raw, 3000).await, Event::Open);
    let at_limit = [
        Message::Text("0123456789".into()),
        // 10 UTF-16 code units, 20 bytes of UTF-8: text is measured in code units.
        Message::Text("é".repeat(10)),
        Message::Bytes(vec![0; 10]),
    ];
    for message in at_limit {
        raw.try_send(&message).unwrap();
        assert_eq!(next_event(&mut raw, 3000).await, Event::Message(message));
    }
    let over = [
        (Message::Text("01234567890".into()), 11),
        // One astral character is two UTF-16 code units.
        (Message::Text("🦀".repeat(6)), 12),
        (Message::Bytes(vec![0; 11]), 11),
    ];
    for (message, size) in over {
        raw.try_send(&message).unwrap();
        assert_eq!(
            next_event(&mut raw, 3000).await,
            Event::Error(Error::MessageTooBig { size, limit: 10 })
        );
    }
    assert_eq!(raw.state(), State::Open);

    let refused =
        Socket::<Message, Message, Raw>::open(Config::new(ws_url("/echo")).max_message_bytes(0));
    match refused {
        Err(Error::InvalidOption(error)) => assert_eq!(error.option.name(), "max_message_bytes"),
        other => panic!("expected an invalid option, got {:?}", other.err()),
    }
}

#[wasm_bindgen_test]
async fn a_flood_of_100k_tiny_messages_arrives_in_order() {
    const COUNT: usize = 100_000;
    let mut text: Socket<String, String, Text> =
        Socket::open(Config::new(ws_url("/echo"))).unwrap();
    assert_eq!(next_event(&mut text, 3000).await, Event::Open);
    for n in 0..COUNT {
        text.try_send(&n.to_string()).unwrap();
    }
    let collect = async {
        let mut next = 0;
        while next < COUNT {
            match text.next().await {
                Some(Event::Message(message)) => {
                    assert_eq!(message, next.to_string(), "message {next} out of order");
                    next += 1;
                }
                Some(Event::StateChanged(State::Open)) => {}
                other => panic!("expected message {next}, got {other:?}"),
            }
        }
    };
    if let Either::Right(_) = select(Box::pin(collect), TimeoutFuture::new(60_000)).await {
        panic!("the flood did not arrive within 60 s");
    }
    assert_eq!(text.state(), State::Open);
}
