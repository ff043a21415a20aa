#![cfg(all(target_arch = "wasm32", feature = "msgpack"))]
//! The `MsgPack` and `Js` codecs in headless Chromium against the real test server:
//! - `MsgPack`: a typed round trip through /echo in binary frames, structs as maps by field
//!   name; bad frames (a text frame, a byte MessagePack never uses, trailing bytes, 100,000
//!   levels of nesting, the wrong shape) are decode errors carrying the frame, never a trap,
//!   and the socket stays open;
//! - `Js`: JavaScript values round trip as JSON text made and read by the browser's `JSON`,
//!   typed as `JsValue` or a `JsCast` type; values without a JSON form are `Error::Encode`;
//!   binary frames, text that is not JSON and JSON of another type are decode errors.

mod browser_support;

use browser_support::*;
use js_sys::{JSON, Object, Reflect, Uint8Array};
use resocket::codec::{Decoder, Encoder};
use resocket::{Config, Error, Event, Js, Message, MsgPack, Sent, Socket, State};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Side {
    Buy,
    Sell { limit: Option<f64> },
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Order {
    id: u64,
    symbol: String,
    side: Side,
    sizes: Vec<i32>,
}

fn order() -> Order {
    Order {
        id: u64::MAX,
        symbol: "naïve ☃".into(),
        side: Side::Sell { limit: Some(12.5) },
        sizes: vec![-1, 0, 70_000],
    }
}

/// `bytes` as an incoming binary frame (`MessageEvent.data` with binaryType "arraybuffer").
fn binary_frame(bytes: &[u8]) -> JsValue {
    Uint8Array::from(bytes).buffer().into()
}

#[wasm_bindgen_test]
async fn msgpack_round_trips_typed_values_in_binary_frames() {
    let mut socket: Socket<Order, Order, MsgPack> =
        Socket::open(Config::new(ws_url("/echo"))).expect("valid config");
    assert_eq!(socket.try_send(&order()), Ok(Sent::Queued { dropped: 0 }));
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    assert_eq!(next_event(&mut socket, 3000).await, Event::Message(order()));

    let frame = <MsgPack as Encoder<Order>>::encode(&order()).expect("encodes");
    let bytes = frame.dyn_into::<Uint8Array>().expect("binary").to_vec();
    // A map of 4 (0x84), its first key the 2-byte text "id" (0xa2), as JavaScript writes objects.
    assert_eq!(&bytes[..4], b"\x84\xa2id");
}

#[wasm_bindgen_test]
fn msgpack_bad_frames_are_decode_errors_carrying_the_frame() {
    let decode = |frame: &JsValue| <MsgPack as Decoder<Order>>::decode(frame);
    let text = decode(&JsValue::from_str("{\"id\": 1}")).expect_err("a text frame");
    assert_eq!(text.raw, Message::Text("{\"id\": 1}".into()));
    assert!(text.reason.contains("binary"), "{}", text.reason);
    let reserved = decode(&binary_frame(&[0xc1])).expect_err("a reserved byte");
    assert_eq!(reserved.raw, Message::Bytes(vec![0xc1]));
    let mut trailing = <MsgPack as Encoder<u8>>::encode(&5)
        .unwrap()
        .dyn_into::<Uint8Array>()
        .unwrap()
        .to_vec();
    trailing.push(0);
    let error = <MsgPack as Decoder<u8>>::decode(&binary_frame(&trailing)).expect_err("trailing");
    assert!(error.reason.contains("after"), "{}", error.reason);
    // 100,000 arrays, one inside the other: refused at 128 levels, never a stack overflow.
    let mut deep = vec![0x91; 99_999];
    deep.push(0x90);
    let error = <MsgPack as Decoder<serde_json::Value>>::decode(&binary_frame(&deep))
        .expect_err("too deep");
    assert!(error.reason.contains("nested deeper"), "{}", error.reason);
}

#[wasm_bindgen_test]
async fn msgpack_decode_errors_leave_the_socket_open() {
    // The server's garbage is a text frame; an echoed value of another shape is binary.
    let mut garbage: Socket<Order, Order, MsgPack> =
        Socket::open(Config::new(ws_url("/echo?garbage=1"))).unwrap();
    assert_eq!(next_event(&mut garbage, 3000).await, Event::Open);
    garbage.try_send(&order()).unwrap();
    match next_event(&mut garbage, 3000).await {
        Event::DecodeError(error) => assert!(error.raw.as_text().is_some()),
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(garbage.state(), State::Open);

    let mut wrong_shape: Socket<Side, Order, MsgPack> =
        Socket::open(Config::new(ws_url("/echo"))).unwrap();
    wrong_shape.try_send(&Side::Buy).unwrap();
    wrong_shape.try_send(&Side::Buy).unwrap();
    assert_eq!(next_event(&mut wrong_shape, 3000).await, Event::Open);
    for _ in 0..2 {
        match next_event(&mut wrong_shape, 3000).await {
            Event::DecodeError(error) => assert!(matches!(error.raw, Message::Bytes(_))),
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
    assert_eq!(wrong_shape.state(), State::Open);
}

/// `{ text, list: [1, 2.5, null] }` as a JavaScript object.
fn js_message(text: &str) -> JsValue {
    JSON::parse(&format!(r#"{{"text":{text:?},"list":[1,2.5,null]}}"#)).expect("JSON")
}

#[wasm_bindgen_test]
async fn js_values_round_trip_as_json_text() {
    let mut socket: Socket<JsValue, JsValue, Js> =
        Socket::open(Config::new(ws_url("/echo"))).unwrap();
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    socket.try_send(&js_message("é ✓")).unwrap();
    let Event::Message(echo) = next_event(&mut socket, 3000).await else {
        panic!("expected the echo");
    };
    assert_eq!(
        JSON::stringify(&echo).unwrap(),
        JSON::stringify(&js_message("é ✓")).unwrap()
    );

    // Typed as a `JsCast` type: an object arrives as an `Object`; a number is not one.
    let mut objects: Socket<JsValue, Object, Js> =
        Socket::open(Config::new(ws_url("/echo"))).unwrap();
    objects.try_send(&js_message("x")).unwrap();
    objects.try_send(&JsValue::from(5)).unwrap();
    assert_eq!(next_event(&mut objects, 3000).await, Event::Open);
    let Event::Message(object) = next_event(&mut objects, 3000).await else {
        panic!("expected the object");
    };
    let text = Reflect::get(&object, &"text".into()).unwrap();
    assert_eq!(text.as_string().as_deref(), Some("x"));
    match next_event(&mut objects, 3000).await {
        Event::DecodeError(error) => assert_eq!(error.raw, Message::Text("5".into())),
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(objects.state(), State::Open);
}

#[wasm_bindgen_test]
fn js_refuses_what_has_no_json_form_and_frames_that_are_not_json() {
    for value in [JsValue::bigint_from_str("1"), JsValue::UNDEFINED] {
        let encoded = <Js as Encoder<JsValue>>::encode(&value);
        assert!(matches!(encoded, Err(Error::Encode(_))), "{encoded:?}");
    }
    let decode = |frame: &JsValue| <Js as Decoder<JsValue>>::decode(frame);
    let binary = decode(&binary_frame(&[1, 2])).expect_err("binary");
    assert_eq!(binary.raw, Message::Bytes(vec![1, 2]));
    let broken = decode(&JsValue::from_str("{\"never\": ")).expect_err("not JSON");
    assert_eq!(broken.raw, Message::Text("{\"never\": ".into()));
    assert!(broken.reason.starts_with("not JSON"), "{}", broken.reason);
}
