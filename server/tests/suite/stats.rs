//! `/stats`, `/received` and `/reset`:
//! - `open`, `total` and `max_open` per endpoint and per client tag, `open` back to 0 after
//!   clients close or vanish
//! - `/received` lists a client's messages in arrival order across its connections
//! - `/reset` forgets totals and logs
//! - every answer allows any origin and forbids caching; a DELETE preflight is answered

use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{TestServer, next_message};

#[tokio::test]
async fn counts_open_total_and_max_open() {
    let server = TestServer::start().await;
    let first = server.connect("/echo?client=overlap").await;
    let second = server.connect("/echo?client=overlap").await;
    let chat = server.connect("/chat").await;
    server
        .wait_for_stats("3 open", |stats| {
            stats["clients"]["overlap"]["open"] == 2 && stats["endpoints"]["chat"]["open"] == 1
        })
        .await;
    drop((first, second, chat));

    for _ in 0..2 {
        let mut client = server.connect("/echo?client=serial").await;
        client.close(None).await.expect("close");
        server
            .wait_for_stats("serial closed", |stats| {
                stats["clients"]["serial"]["open"] == 0
            })
            .await;
    }

    let stats = server
        .wait_for_stats("every connection closed", |stats| {
            stats["endpoints"]["echo"]["open"] == 0 && stats["endpoints"]["chat"]["open"] == 0
        })
        .await;
    assert_eq!(
        stats,
        json!({
            "endpoints": {
                "echo": {"open": 0, "total": 4},
                "chat": {"open": 0, "total": 1},
                "rpc": {"open": 0, "total": 0},
                "session": {"open": 0, "total": 0},
                "session_chat": {"open": 0, "total": 0}
            },
            "clients": {
                "overlap": {"open": 0, "total": 2, "max_open": 2, "received": 0, "frames_in": 0, "frames_out": 0},
                "serial": {"open": 0, "total": 2, "max_open": 1, "received": 0, "frames_in": 0, "frames_out": 0},
            },
        })
    );
}

#[tokio::test]
async fn received_lists_messages_in_arrival_order_across_connections() {
    let server = TestServer::start().await;
    let mut first = server.connect("/echo?client=log").await;
    for message in [Message::text("1"), Message::binary(vec![0; 5])] {
        first.send(message.clone()).await.expect("send");
        assert_eq!(next_message(&mut first).await, message);
    }
    first.close(None).await.expect("close");
    let mut second = server.connect("/echo?client=log").await;
    second.send(Message::text("2")).await.expect("send");
    next_message(&mut second).await;

    let received = server.get("/received?client=log").await.json();
    assert_eq!(received, json!(["1", {"binary": 5}, "2"]));
    assert_eq!(server.stats().await["clients"]["log"]["received"], 3);
    assert_eq!(
        server.get("/received?client=nobody").await.json(),
        json!([])
    );
    assert_eq!(server.get("/received").await.status, 400);
}

#[tokio::test]
async fn reset_forgets_totals_and_logs() {
    let server = TestServer::start().await;
    let mut client = server.connect("/echo?client=before").await;
    client.send(Message::text("x")).await.expect("send");
    next_message(&mut client).await;

    for method in ["GET", "POST", "DELETE"] {
        assert_eq!(server.http(method, "/reset", &[]).await.status, 204);
    }
    let stats = server.stats().await;
    assert_eq!(stats["endpoints"]["echo"], json!({"open": 1, "total": 0}));
    assert_eq!(
        stats["clients"]["before"],
        json!({"open": 1, "total": 0, "max_open": 1, "received": 0, "frames_in": 0, "frames_out": 0})
    );
    assert_eq!(
        server.get("/received?client=before").await.json(),
        json!([])
    );

    client.close(None).await.expect("close");
    server
        .wait_for_stats("the open count to drop", |stats| {
            stats["endpoints"]["echo"]["open"] == 0 && stats["clients"]["before"]["open"] == 0
        })
        .await;
}

#[tokio::test]
async fn open_returns_to_zero_when_a_client_vanishes() {
    let server = TestServer::start().await;
    let client = server.connect("/echo?client=gone").await;
    server
        .wait_for_stats("the connection", |stats| {
            stats["clients"]["gone"]["open"] == 1
        })
        .await;
    // Dropping the stream ends TCP without a close frame.
    drop(client);
    server
        .wait_for_stats("open back to 0", |stats| {
            stats["clients"]["gone"]["open"] == 0 && stats["endpoints"]["echo"]["open"] == 0
        })
        .await;
}

#[tokio::test]
async fn answers_allow_any_origin_and_are_not_cached() {
    let server = TestServer::start().await;
    let origin = [("Origin", "http://127.0.0.1:9000")];
    for path in ["/stats", "/received?client=a", "/received"] {
        let response = server.http("GET", path, &origin).await;
        assert_eq!(
            response.header("Access-Control-Allow-Origin"),
            Some("*"),
            "{path}"
        );
        assert_eq!(response.header("Cache-Control"), Some("no-store"), "{path}");
    }
    let preflight = server
        .http(
            "OPTIONS",
            "/reset",
            &[
                ("Origin", "http://127.0.0.1:9000"),
                ("Access-Control-Request-Method", "DELETE"),
            ],
        )
        .await;
    assert!(
        (200..300).contains(&preflight.status),
        "{}",
        preflight.status
    );
    let methods = preflight
        .header("Access-Control-Allow-Methods")
        .unwrap_or("");
    assert!(methods.contains("DELETE"), "{methods}");
}
