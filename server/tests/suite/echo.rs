//! `/echo` replies:
//! - text and binary come back as sent, in order
//! - the text `ping` is answered with `pong`
//! - `garbage=1` answers with invalid JSON, `ping` still gets `pong`
//! - `silent=1` answers nothing, yet counts what arrives
//! - `delay_ms` holds every reply back at least that long, keeping the order
//! - the first subprotocol the client offers is accepted

use std::time::Duration;

use futures_util::SinkExt;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{TestServer, assert_quiet, next_message, with_header};

#[tokio::test]
async fn echoes_text_and_binary_in_order() {
    let server = TestServer::start().await;
    let mut client = server.connect("/echo").await;
    let sent = [
        Message::text("first"),
        Message::binary(vec![0, 1, 2, 255]),
        Message::text("{\"n\": 3}"),
        Message::binary(Vec::new()),
    ];
    for message in &sent {
        client.send(message.clone()).await.expect("send");
    }
    for message in sent {
        assert_eq!(next_message(&mut client).await, message);
    }
}

#[tokio::test]
async fn ping_is_answered_with_pong() {
    let server = TestServer::start().await;
    let mut client = server.connect("/echo").await;
    client.send(Message::text("ping")).await.expect("send");
    assert_eq!(next_message(&mut client).await, Message::text("pong"));
}

#[tokio::test]
async fn garbage_answers_invalid_json_and_still_pongs() {
    let server = TestServer::start().await;
    let mut client = server.connect("/echo?garbage=1").await;
    client
        .send(Message::text("{\"ok\": true}"))
        .await
        .expect("send");
    client.send(Message::binary(vec![1])).await.expect("send");
    client.send(Message::text("ping")).await.expect("send");
    for _ in 0..2 {
        let Message::Text(reply) = next_message(&mut client).await else {
            panic!("garbage is text");
        };
        assert!(
            serde_json::from_str::<serde_json::Value>(&reply).is_err(),
            "{reply}"
        );
    }
    assert_eq!(next_message(&mut client).await, Message::text("pong"));
}

#[tokio::test]
async fn silent_answers_nothing_but_counts() {
    let server = TestServer::start().await;
    let mut client = server.connect("/echo?silent=1&client=quiet").await;
    client.send(Message::text("hello")).await.expect("send");
    client.send(Message::text("ping")).await.expect("send");
    assert_quiet(&mut client, Duration::from_millis(300)).await;
    server
        .wait_for_stats("2 messages from quiet", |stats| {
            stats["clients"]["quiet"]["received"] == 2
        })
        .await;
}

#[tokio::test]
async fn delay_ms_holds_every_reply_back_in_order() {
    let server = TestServer::start().await;
    let mut client = server.connect("/echo?delay_ms=150").await;
    let sent_at = Instant::now();
    client.send(Message::text("a")).await.expect("send");
    client.send(Message::text("ping")).await.expect("send");
    client.send(Message::text("b")).await.expect("send");
    assert_eq!(next_message(&mut client).await, Message::text("a"));
    assert!(sent_at.elapsed() >= Duration::from_millis(150));
    assert_eq!(next_message(&mut client).await, Message::text("pong"));
    assert_eq!(next_message(&mut client).await, Message::text("b"));
}

#[tokio::test]
async fn first_offered_subprotocol_is_accepted() {
    let server = TestServer::start().await;
    let request = with_header(
        server.ws_request("/echo"),
        "Sec-WebSocket-Protocol",
        "resocket.v2, resocket.v1",
    );
    let (_client, response) = server.try_connect(request).await.expect("handshake");
    let protocol = response.headers().get("Sec-WebSocket-Protocol");
    assert_eq!(
        protocol.and_then(|value| value.to_str().ok()),
        Some("resocket.v2")
    );
}
