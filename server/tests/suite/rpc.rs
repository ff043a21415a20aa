//! `/rpc`:
//! - answers carry the request's id; a slow `sleep` is answered after requests sent later
//! - `notify` sends a message that is not an answer before its answer
//! - `id_field` renames the id; an invalid one refuses the upgrade with 400
//! - `ping` gets `pong`; sessions count under `endpoints.rpc` in `/stats`
//! - a binary request is MessagePack and is answered in MessagePack, a delayed answer too; a
//!   binary message that is not MessagePack gets a parse error, in MessagePack

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Error, Message};

use crate::support::{TestServer, next_message};

async fn next_json(client: &mut crate::support::Client) -> Value {
    match next_message(client).await {
        Message::Text(text) => serde_json::from_str(text.as_str()).expect("JSON"),
        other => panic!("expected a text message, got {other:?}"),
    }
}

async fn request(client: &mut crate::support::Client, request: Value) {
    client
        .send(Message::text(request.to_string()))
        .await
        .expect("send");
}

#[tokio::test]
async fn answers_by_id_and_not_in_request_order() {
    let server = TestServer::start().await;
    let mut client = server.connect("/rpc?client=rpc").await;
    request(
        &mut client,
        json!({"id": 1, "method": "sleep", "params": [300]}),
    )
    .await;
    request(
        &mut client,
        json!({"id": 2, "method": "add", "params": [2, 3]}),
    )
    .await;
    request(
        &mut client,
        json!({"id": 3, "method": "notify", "params": "hi"}),
    )
    .await;
    assert_eq!(next_json(&mut client).await, json!({"id": 2, "result": 5}));
    assert_eq!(
        next_json(&mut client).await,
        json!({"event": "notice", "params": "hi"})
    );
    assert_eq!(
        next_json(&mut client).await,
        json!({"id": 3, "result": true})
    );
    assert_eq!(
        next_json(&mut client).await,
        json!({"id": 1, "result": 300})
    );

    client.send(Message::text("ping")).await.expect("send");
    assert_eq!(next_message(&mut client).await, Message::text("pong"));
    let stats = server.stats().await;
    assert_eq!(stats["endpoints"]["rpc"]["open"], 1, "{stats}");
}

#[tokio::test]
async fn the_id_field_can_be_renamed_and_is_checked() {
    let server = TestServer::start().await;
    let mut client = server.connect("/rpc?id_field=rid").await;
    request(
        &mut client,
        json!({"rid": "x", "method": "echo", "params": [1]}),
    )
    .await;
    assert_eq!(
        next_json(&mut client).await,
        json!({"rid": "x", "result": [1]})
    );

    let too_long = format!("/rpc?id_field={}", "f".repeat(65));
    match server.try_connect(server.ws_request(&too_long)).await {
        Err(Error::Http(response)) => assert_eq!(response.status().as_u16(), 400),
        other => panic!("expected HTTP 400, got {other:?}"),
    }
}

async fn next_msgpack(client: &mut crate::support::Client) -> Value {
    match next_message(client).await {
        Message::Binary(bytes) => rmp_serde::from_slice(&bytes).expect("MessagePack"),
        other => panic!("expected a binary message, got {other:?}"),
    }
}

async fn request_msgpack(client: &mut crate::support::Client, request: Value) {
    let bytes = rmp_serde::to_vec_named(&request).expect("encodes");
    client
        .send(Message::Binary(bytes.into()))
        .await
        .expect("send");
}

#[tokio::test]
async fn binary_requests_are_answered_in_msgpack() {
    let server = TestServer::start().await;
    let mut client = server.connect("/rpc?client=rpc-msgpack").await;
    request_msgpack(
        &mut client,
        json!({"id": 1, "method": "sleep", "params": [100]}),
    )
    .await;
    request_msgpack(
        &mut client,
        json!({"id": 2, "method": "echo", "params": {"text": "é ✓", "list": [1, 2.5, null]}}),
    )
    .await;
    request_msgpack(&mut client, json!({"id": 3, "method": "fail"})).await;
    assert_eq!(
        next_msgpack(&mut client).await,
        json!({"id": 2, "result": {"text": "é ✓", "list": [1, 2.5, null]}})
    );
    assert_eq!(
        next_msgpack(&mut client).await,
        json!({"id": 3, "error": {"code": 1, "message": "failed as asked"}})
    );
    assert_eq!(
        next_msgpack(&mut client).await,
        json!({"id": 1, "result": 100})
    );
    // A text request on the same connection is still answered in JSON.
    request(
        &mut client,
        json!({"id": 4, "method": "add", "params": [1, 2]}),
    )
    .await;
    assert_eq!(next_json(&mut client).await, json!({"id": 4, "result": 3}));

    client
        .send(Message::Binary(vec![0xc1].into()))
        .await
        .expect("send");
    let refused = next_msgpack(&mut client).await;
    assert_eq!(refused["error"]["code"], -32_700, "{refused}");
}
