#![cfg(target_arch = "wasm32")]
//! Request/response in headless Chromium against the test server's `/rpc`:
//! - `add` is answered, without the event stream ever being read; ids count from 1;
//! - answers out of request order (`sleep`) settle the right requests;
//! - `notify`'s message that is not an answer reaches the stream, its answer does not, nor do
//!   messages carrying ids resocket did not give (they pass through);
//! - `fail` is `Error::Remote` carrying the error member; a `result` that does not fit the
//!   response type is `Error::Decode`; a request that is not an object is `Error::Encode`;
//! - no answer in time is `Error::RequestTimeout`, and the late answer never reaches the
//!   stream; neither does the answer to a request whose future was dropped;
//! - a request made before the first connection (`start_closed`) is queued and answered after
//!   `reconnect`, counts against the queue, and a full queue refuses it;
//! - the server dropping the connection (`/control action=drop`) fails the requests sent on it
//!   with `Error::ConnectionLost`, and with `resend_requests` they are answered on the next
//!   connection;
//! - `close()` fails pending requests with `Error::Closed`, and later requests too, also on a
//!   socket that never started (no `Closed` event there);
//! - `?id_field=` with `Config::request_id_field` correlates by another member;
//! - with the `MsgPack` codec (the `msgpack` feature), requests go out as binary MessagePack
//!   and /rpc's MessagePack answers settle them, without reaching the stream (a notice does);
//!   an error answer is `Error::Remote`, a result that does not fit is `Error::Decode` carrying
//!   the answer's bytes; no answer in time is `Error::RequestTimeout`, the late answer dropped.

mod browser_support;

use std::time::Duration;

use browser_support::*;
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use resocket::{Closed, Config, Error, Event, Socket, State};
use serde::Deserialize;
use serde_json::{Value, json};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

type Rpc = Socket<Value, Value>;

fn fast(config: Config) -> Config {
    config
        .min_delay(Duration::from_millis(30))
        .max_delay(Duration::from_millis(200))
        .jitter(0.0)
}

fn call(method: &str, params: Value) -> Value {
    json!({ "method": method, "params": params })
}

const SECONDS: Duration = Duration::from_secs(5);

async fn open_rpc(config: Config) -> Rpc {
    let mut socket: Rpc = Socket::open(fast(config)).expect("valid config");
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    socket
}

#[wasm_bindgen_test]
async fn add_is_answered_without_reading_the_stream() {
    let socket: Rpc = Socket::open(Config::new(ws_url("/rpc"))).unwrap();
    let first = socket.request::<_, i64>(&call("add", json!([2, 3])), SECONDS);
    let second = socket.request::<_, f64>(&call("add", json!([0.5, 2])), SECONDS);
    assert_eq!((first.id(), second.id()), (1, 2));
    assert_eq!(within(3000, first).await, Ok(5));
    assert_eq!(within(3000, second).await, Ok(2.5));
}

#[wasm_bindgen_test]
async fn answers_out_of_order_settle_their_own_requests() {
    let socket = open_rpc(Config::new(ws_url("/rpc"))).await;
    let slow = socket.request::<_, u64>(&call("sleep", json!([300])), SECONDS);
    let quick = socket.request::<_, String>(&call("echo", json!("quick")), SECONDS);
    let slow = match select(slow, quick).await {
        Either::Right((quick, slow)) => {
            assert_eq!(quick, Ok("quick".to_owned()));
            slow
        }
        Either::Left((slow, _)) => panic!("the slow request settled first: {slow:?}"),
    };
    assert_eq!(within(3000, slow).await, Ok(300));
}

#[wasm_bindgen_test]
async fn only_messages_that_are_not_answers_reach_the_stream() {
    let mut socket = open_rpc(Config::new(ws_url("/rpc"))).await;
    let notified = socket.request::<_, bool>(&call("notify", json!({"n": 1})), SECONDS);
    assert_eq!(within(3000, notified).await, Ok(true));
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Message(json!({"event": "notice", "params": {"n": 1}}))
    );
    // An id resocket did not give passes through as a message, even with a request pending.
    let pending = socket.request::<_, u64>(&call("sleep", json!([300])), SECONDS);
    socket
        .try_send(&json!({"id": 99, "method": "echo", "params": "not mine"}))
        .unwrap();
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Message(json!({"id": 99, "result": "not mine"}))
    );
    assert_eq!(within(3000, pending).await, Ok(300));
    expect_quiet(&mut socket, 300).await;
}

#[wasm_bindgen_test]
async fn an_error_answer_is_a_remote_error() {
    let socket: Rpc = Socket::open(Config::new(ws_url("/rpc"))).unwrap();
    let failed = socket.request::<_, u64>(&call("fail", json!([])), SECONDS);
    let error = within(3000, failed).await.expect_err("the server fails it");
    assert_eq!(
        error,
        Error::Remote {
            id: 1,
            error: json!({"code": 1, "message": "failed as asked"})
        }
    );
    assert_eq!(
        error.to_string(),
        "the server answered request 1 with an error: failed as asked"
    );
    let unknown = socket.request::<_, u64>(&call("nope", json!([])), SECONDS);
    assert!(matches!(
        within(3000, unknown).await,
        Err(Error::Remote { id: 2, error }) if error["code"] == -32601
    ));
}

#[derive(Deserialize, Debug, PartialEq)]
struct Sum {
    total: i64,
}

#[wasm_bindgen_test]
async fn a_result_that_does_not_fit_is_a_decode_error() {
    let socket: Rpc = Socket::open(Config::new(ws_url("/rpc"))).unwrap();
    let added = socket.request::<_, Sum>(&call("add", json!([2, 3])), SECONDS);
    match within(3000, added).await {
        Err(Error::Decode { id: 1, error }) => {
            assert_eq!(error.raw.as_text(), Some(r#"{"id":1,"result":5}"#));
            assert!(error.reason.contains("invalid type"), "{}", error.reason);
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    let not_an_object = socket.request::<_, u64>(&json!([1, 2]), SECONDS);
    assert_eq!(not_an_object.id(), 0);
    match within(100, not_an_object).await {
        Err(Error::Encode(reason)) => assert!(reason.contains("JSON object"), "{reason}"),
        other => panic!("expected an encode error, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn no_answer_in_time_is_a_timeout_and_the_late_answer_is_dropped() {
    let mut socket = open_rpc(Config::new(ws_url("/rpc"))).await;
    let timeout = Duration::from_millis(200);
    let started = now_ms();
    let slow = socket.request::<_, u64>(&call("sleep", json!([600])), timeout);
    assert_eq!(
        within(3000, slow).await,
        Err(Error::RequestTimeout { id: 1, timeout })
    );
    let took = now_ms() - started;
    assert!((190.0..500.0).contains(&took), "timed out after {took} ms");
    // A forgotten request: its answer is dropped too.
    drop(socket.request::<_, u64>(&call("sleep", json!([300])), SECONDS));
    expect_quiet(&mut socket, 800).await;
    let after = socket.request::<_, i64>(&call("add", json!([1, 1])), SECONDS);
    assert_eq!(within(3000, after).await, Ok(2));
}

#[wasm_bindgen_test]
async fn a_request_made_before_connecting_is_queued_and_answered() {
    let mut socket: Rpc = Socket::open(fast(
        Config::new(ws_url("/rpc"))
            .start_closed(true)
            .queue_capacity(2),
    ))
    .unwrap();
    let early = socket.request::<_, i64>(&call("add", json!([20, 22])), SECONDS);
    socket
        .try_send(&json!({"method": "nothing to answer"}))
        .unwrap();
    assert_eq!(socket.queued_count(), 2);
    let refused = socket.request::<_, i64>(&call("add", json!([1, 1])), SECONDS);
    assert_eq!(
        within(100, refused).await,
        Err(Error::QueueFull { capacity: 2 })
    );
    sleep(200).await;
    socket.reconnect();
    wait_for(&mut socket, 3000, |event| *event == Event::Open).await;
    assert_eq!(within(3000, early).await, Ok(42));
}

#[wasm_bindgen_test]
async fn the_timeout_covers_the_wait_in_the_queue() {
    let socket: Rpc = Socket::open(Config::new(ws_url("/rpc")).start_closed(true)).unwrap();
    let timeout = Duration::from_millis(150);
    let queued = socket.request::<_, i64>(&call("add", json!([1, 2])), timeout);
    assert_eq!(
        within(2000, queued).await,
        Err(Error::RequestTimeout { id: 1, timeout })
    );
    assert_eq!(socket.state(), State::Closed);
}

#[wasm_bindgen_test]
async fn a_lost_connection_fails_the_requests_sent_on_it() {
    let client = "request-lost";
    let mut socket = open_rpc(Config::new(ws_url(&format!("/rpc?client={client}")))).await;
    let first = socket.request::<_, u64>(&call("sleep", json!([3000])), SECONDS);
    let second = socket.request::<_, u64>(&call("sleep", json!([3000])), SECONDS);
    sleep(100).await;
    let dropped = get_json(&format!("/control?client={client}&action=drop")).await;
    assert_eq!(dropped["affected"], 1);
    assert_eq!(
        within(2000, first).await,
        Err(Error::ConnectionLost { id: 1 })
    );
    assert_eq!(
        within(100, second).await,
        Err(Error::ConnectionLost { id: 2 })
    );
    assert!(matches!(
        next_event(&mut socket, 3000).await,
        Event::Closed(Closed {
            will_reconnect: true,
            ..
        })
    ));
    wait_for(&mut socket, 3000, |event| *event == Event::Open).await;
    let after = socket.request::<_, i64>(&call("add", json!([2, 2])), SECONDS);
    assert_eq!(within(3000, after).await, Ok(4));
}

#[wasm_bindgen_test]
async fn with_resend_a_lost_connection_s_requests_are_answered_on_the_next() {
    let client = "request-resend";
    let mut socket =
        open_rpc(Config::new(ws_url(&format!("/rpc?client={client}"))).resend_requests(true)).await;
    let slow = socket.request::<_, u64>(&call("sleep", json!([400])), SECONDS);
    sleep(100).await;
    let dropped = get_json(&format!("/control?client={client}&action=drop")).await;
    assert_eq!(dropped["affected"], 1);
    assert_eq!(within(3000, slow).await, Ok(400));
    assert_eq!(
        client_stats(client).await.1,
        2,
        "answered on a second connection"
    );
    // Only lifecycle events reached the stream, no answer.
    while let Either::Left((Some(event), _)) = select(socket.next(), Box::pin(sleep(300))).await {
        assert!(
            !matches!(event, Event::Message(_)),
            "an answer reached the stream: {event:?}"
        );
    }
}

#[wasm_bindgen_test]
async fn close_fails_pending_and_later_requests() {
    let mut socket = open_rpc(Config::new(ws_url("/rpc"))).await;
    let pending = socket.request::<_, u64>(&call("sleep", json!([3000])), SECONDS);
    socket.close();
    assert_eq!(within(3000, pending).await, Err(Error::Closed));
    assert!(matches!(
        next_event(&mut socket, 3000).await,
        Event::Closed(Closed {
            will_reconnect: false,
            ..
        })
    ));
    let later = socket.request::<_, i64>(&call("add", json!([1, 1])), SECONDS);
    assert_eq!(within(100, later).await, Err(Error::Closed));
}

#[wasm_bindgen_test]
async fn closing_a_socket_that_never_started_fails_its_queued_requests() {
    let socket: Rpc = Socket::open(Config::new(ws_url("/rpc")).start_closed(true)).unwrap();
    let queued = socket.request::<_, i64>(&call("add", json!([1, 2])), SECONDS);
    socket.close();
    assert_eq!(within(100, queued).await, Err(Error::Closed));
}

#[wasm_bindgen_test]
async fn dropping_the_socket_fails_pending_requests() {
    let socket = open_rpc(Config::new(ws_url("/rpc"))).await;
    let pending = socket.request::<_, u64>(&call("sleep", json!([3000])), SECONDS);
    drop(socket);
    assert_eq!(within(100, pending).await, Err(Error::Closed));
}

#[wasm_bindgen_test]
async fn another_id_member_is_used_when_configured() {
    let mut socket =
        open_rpc(Config::new(ws_url("/rpc?id_field=rid")).request_id_field("rid")).await;
    // An `id` member of the request is the request's own business.
    let echoed = socket.request::<_, Value>(&call("echo", json!({"id": 1})), SECONDS);
    assert_eq!(within(3000, echoed).await, Ok(json!({"id": 1})));
    let added = socket.request::<_, i64>(
        &json!({"method": "add", "params": [3, 4], "rid": 77}),
        SECONDS,
    );
    assert_eq!(added.id(), 2, "the id given replaces any in the request");
    assert_eq!(within(3000, added).await, Ok(7));
    expect_quiet(&mut socket, 200).await;
}

#[cfg(feature = "msgpack")]
mod msgpack {
    use resocket::{Message, MsgPack};

    use super::*;

    type PackedRpc = Socket<Value, Value, MsgPack>;

    async fn open_packed(config: Config) -> PackedRpc {
        let mut socket: PackedRpc = Socket::open(fast(config)).expect("valid config");
        assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
        socket
    }

    #[wasm_bindgen_test]
    async fn msgpack_requests_are_answered_in_msgpack() {
        let client = "request-msgpack";
        let mut socket = open_packed(Config::new(ws_url(&format!("/rpc?client={client}")))).await;
        let added = socket.request::<_, i64>(&call("add", json!([2, 3])), SECONDS);
        let echoed = socket.request::<_, Value>(&call("echo", json!({"text": "é ✓"})), SECONDS);
        let notified = socket.request::<_, bool>(&call("notify", json!(7)), SECONDS);
        assert_eq!((added.id(), echoed.id(), notified.id()), (1, 2, 3));
        assert_eq!(within(3000, added).await, Ok(5));
        assert_eq!(within(3000, echoed).await, Ok(json!({"text": "é ✓"})));
        assert_eq!(within(3000, notified).await, Ok(true));
        // The notice is a message, decoded by the codec; the answers are not.
        assert_eq!(
            next_event(&mut socket, 3000).await,
            Event::Message(json!({"event": "notice", "params": 7}))
        );
        expect_quiet(&mut socket, 200).await;
        assert_eq!(
            received(client).await,
            ["<binary>"; 3],
            "the requests went out as binary frames"
        );
    }

    #[wasm_bindgen_test]
    async fn a_msgpack_error_answer_is_a_remote_error() {
        let socket = open_packed(Config::new(ws_url("/rpc"))).await;
        let failed = socket.request::<_, u64>(&call("fail", json!([])), SECONDS);
        assert_eq!(
            within(3000, failed).await,
            Err(Error::Remote {
                id: 1,
                error: json!({"code": 1, "message": "failed as asked"})
            })
        );
        let added = socket.request::<_, Sum>(&call("add", json!([2, 3])), SECONDS);
        match within(3000, added).await {
            Err(Error::Decode { id: 2, error }) => {
                // {"id": 2, "result": 5}, as the server packs it: the answer's bytes, kept.
                let Message::Bytes(bytes) = &error.raw else {
                    panic!("expected the answer's bytes, got {:?}", error.raw);
                };
                assert_eq!(bytes.first(), Some(&0x82), "a map of two members");
                assert!(error.reason.contains("invalid type"), "{}", error.reason);
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    #[wasm_bindgen_test]
    async fn no_msgpack_answer_in_time_is_a_timeout_and_the_late_answer_is_dropped() {
        let mut socket = open_packed(Config::new(ws_url("/rpc"))).await;
        let timeout = Duration::from_millis(200);
        let slow = socket.request::<_, u64>(&call("sleep", json!([500])), timeout);
        assert_eq!(
            within(3000, slow).await,
            Err(Error::RequestTimeout { id: 1, timeout })
        );
        expect_quiet(&mut socket, 600).await;
        let after = socket.request::<_, i64>(&call("add", json!([1, 1])), SECONDS);
        assert_eq!(within(3000, after).await, Ok(2));
    }
}
