//! `/echo` fault injection:
//! - `drop_after=N` ends TCP after the N-th echo without a close frame; 0 right after the upgrade
//! - `close_after=N&code=C&reason=R` closes with that code and reason; 0 right after the upgrade
//! - `reject=S` refuses the upgrade with status S
//! - `hang=1` never answers the handshake and is not counted as open
//! - invalid or contradictory values answer 400 with an explanation

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error, Message};

use crate::support::{PATIENCE, TestServer, assert_dropped, expect_close, next_message};

#[tokio::test]
async fn drop_after_ends_tcp_without_close_frame() {
    let server = TestServer::start().await;
    let mut client = server.connect("/echo?drop_after=2").await;
    for text in ["one", "ping", "two", "three"] {
        client.send(Message::text(text)).await.expect("send");
    }
    assert_eq!(next_message(&mut client).await, Message::text("one"));
    assert_eq!(next_message(&mut client).await, Message::text("pong"));
    assert_eq!(next_message(&mut client).await, Message::text("two"));
    assert_dropped(&mut client).await;
}

#[tokio::test]
async fn drop_after_zero_ends_tcp_right_after_upgrade() {
    let server = TestServer::start().await;
    let mut client = server.connect("/echo?drop_after=0").await;
    assert_dropped(&mut client).await;
}

#[tokio::test]
async fn close_after_closes_with_code_and_reason() {
    let server = TestServer::start().await;
    let mut client = server
        .connect("/echo?close_after=1&code=4001&reason=see%20you")
        .await;
    client.send(Message::text("only")).await.expect("send");
    client.send(Message::text("ignored")).await.expect("send");
    assert_eq!(next_message(&mut client).await, Message::text("only"));
    let frame = expect_close(&mut client).await.expect("a close code");
    assert_eq!(frame.code, CloseCode::from(4001));
    assert_eq!(frame.reason.as_str(), "see you");
    // The client's answer completes the handshake and the server ends the connection.
    let end = timeout(PATIENCE, client.next())
        .await
        .expect("connection ends");
    assert!(
        matches!(end, None | Some(Err(Error::ConnectionClosed))),
        "{end:?}"
    );
}

#[tokio::test]
async fn close_after_zero_closes_normally_right_after_upgrade() {
    let server = TestServer::start().await;
    let mut client = server.connect("/echo?close_after=0").await;
    let frame = expect_close(&mut client).await.expect("a close code");
    assert_eq!(frame.code, CloseCode::Normal);
    assert_eq!(frame.reason.as_str(), "");
}

#[tokio::test]
async fn reject_refuses_the_upgrade_with_that_status() {
    let server = TestServer::start().await;
    for status in [401, 403, 503] {
        let request = server.ws_request(&format!("/echo?reject={status}"));
        match server.try_connect(request).await {
            Err(Error::Http(response)) => assert_eq!(response.status().as_u16(), status),
            other => panic!("expected HTTP {status}, got {other:?}"),
        }
    }
    let stats = server.stats().await;
    assert_eq!(stats["endpoints"]["echo"]["total"], 0);
}

#[tokio::test]
async fn hang_never_answers_the_handshake_and_is_not_counted() {
    let server = TestServer::start().await;
    let request = server.ws_request("/echo?hang=1&client=h");
    let handshake = tokio_tungstenite::connect_async(request);
    assert!(
        timeout(Duration::from_millis(300), handshake)
            .await
            .is_err()
    );
    let stats = server.stats().await;
    assert_eq!(stats["endpoints"]["echo"]["open"], 0);
    assert_eq!(stats["endpoints"]["echo"]["total"], 0);
    assert!(stats["clients"].get("h").is_none(), "{stats}");
}

#[tokio::test]
async fn bad_values_answer_400_with_an_explanation() {
    let server = TestServer::start().await;
    let cases = [
        ("drop_after=soon", "drop_after"),
        ("close_after=-1", "close_after"),
        ("close_after=1&code=1006", "code"),
        ("close_after=1&code=2000", "code"),
        ("close_after=1&code=5000", "code"),
        ("code=4000", "close_after"),
        ("delay_ms=1.5", "delay_ms"),
        ("reject=200", "reject"),
        ("reject=600", "reject"),
        ("silent=yes", "silent"),
        ("hang=2", "hang"),
        ("drop_after=1&close_after=1", "cannot be combined"),
    ];
    for (query, mentioned) in cases {
        let response = server.get(&format!("/echo?{query}")).await;
        assert_eq!(response.status, 400, "{query}");
        assert!(
            response.text().contains(mentioned),
            "{query}: {}",
            response.text()
        );
    }
    let request = server.ws_request("/echo?drop_after=x");
    match server.try_connect(request).await {
        Err(Error::Http(response)) => assert_eq!(response.status().as_u16(), 400),
        other => panic!("expected HTTP 400, got {other:?}"),
    }
}
