//! `/control?client=NAME&action=A`:
//! - `drop` ends that client's sessions on both endpoints without a close frame; others stay
//! - `silent` stops that client's echoes, pongs and broadcasts, yet what it sends is still read
//!   and a later `close` still reaches it
//! - `stall` stops reading and answering that client's sessions: what it sends is no longer
//!   received, and a later `drop` still ends the session
//! - `close` sends the code and reason asked for, 1000 and no reason by default
//! - `restart` closes every session with 1012, answers upgrades 503 for `down_ms`, then accepts
//! - GET and POST answer `{"affected": N}`, allow any origin and are not cached
//! - bad requests answer 400 with an explanation

use std::time::Duration;

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio::time::{Instant, sleep};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error, Message};

use crate::support::{
    PATIENCE, TestServer, assert_dropped, assert_quiet, expect_close, next_message,
};

/// Calls `/control` with POST, as the demo page does, and returns the answer's JSON.
async fn control(server: &TestServer, query: &str) -> Value {
    let answer = server.http("POST", &format!("/control?{query}"), &[]).await;
    assert_eq!(answer.status, 200, "{query}: {}", answer.text());
    answer.json()
}

#[tokio::test]
async fn drop_ends_only_that_clients_sessions_without_a_close_frame() {
    let server = TestServer::start().await;
    let mut echo = server.connect("/echo?client=alice").await;
    let mut chat = server.connect("/chat?client=alice").await;
    let mut bystander = server.connect("/echo?client=bob").await;
    server
        .wait_for_stats("alice twice and bob", |stats| {
            stats["clients"]["alice"]["open"] == 2 && stats["clients"]["bob"]["open"] == 1
        })
        .await;

    let answer = control(&server, "client=alice&action=drop").await;
    assert_eq!(answer, json!({"affected": 2}));
    assert_dropped(&mut echo).await;
    assert_dropped(&mut chat).await;

    bystander
        .send(Message::text("still here"))
        .await
        .expect("send");
    assert_eq!(
        next_message(&mut bystander).await,
        Message::text("still here")
    );
}

#[tokio::test]
async fn silent_stops_pongs_echoes_and_broadcasts_but_keeps_reading() {
    let server = TestServer::start().await;
    let mut quiet_echo = server.connect("/echo?client=quiet").await;
    let mut quiet_chat = server.connect("/chat?client=quiet").await;
    let mut loud = server.connect("/chat?client=loud").await;
    server
        .wait_for_stats("quiet twice and loud", |stats| {
            stats["clients"]["quiet"]["open"] == 2 && stats["clients"]["loud"]["open"] == 1
        })
        .await;

    let answer = control(&server, "client=quiet&action=silent").await;
    assert_eq!(answer, json!({"affected": 2}));
    for text in ["hello", "ping"] {
        quiet_echo.send(Message::text(text)).await.expect("send");
    }
    for text in ["ping", "from quiet"] {
        quiet_chat.send(Message::text(text)).await.expect("send");
    }
    loud.send(Message::text("from loud")).await.expect("send");

    // What the silent client sends still arrives and is passed on.
    let mut seen_by_loud = [next_message(&mut loud).await, next_message(&mut loud).await];
    seen_by_loud.sort_by_key(|message| message.to_string());
    assert_eq!(
        seen_by_loud,
        [Message::text("from loud"), Message::text("from quiet")]
    );
    server
        .wait_for_stats("4 messages from quiet", |stats| {
            stats["clients"]["quiet"]["received"] == 4
        })
        .await;
    let quiet = Duration::from_millis(300);
    tokio::join!(
        assert_quiet(&mut quiet_echo, quiet),
        assert_quiet(&mut quiet_chat, quiet)
    );

    // Silence ends nothing: a close asked for afterwards still goes out.
    control(&server, "client=quiet&action=close&code=4000").await;
    let frame = expect_close(&mut quiet_chat).await.expect("a close code");
    assert_eq!(frame.code, CloseCode::from(4000));
}

#[tokio::test]
async fn stall_stops_reading_until_a_drop_ends_the_session() {
    let server = TestServer::start().await;
    let mut echo = server.connect("/echo?client=stuck").await;
    echo.send(Message::text("read")).await.expect("send");
    assert_eq!(next_message(&mut echo).await, Message::text("read"));

    let answer = control(&server, "client=stuck&action=stall").await;
    assert_eq!(answer, json!({"affected": 1}));
    echo.send(Message::text("unread")).await.expect("send");
    assert_quiet(&mut echo, Duration::from_millis(300)).await;
    let stats = server.stats().await;
    assert_eq!(stats["clients"]["stuck"]["received"], 1, "{stats}");

    control(&server, "client=stuck&action=drop").await;
    assert_dropped(&mut echo).await;
}

#[tokio::test]
async fn close_sends_the_code_and_reason_asked_for() {
    let server = TestServer::start().await;
    let mut coded = server.connect("/echo?client=coded").await;
    let mut plain = server.connect("/chat?client=plain").await;
    server
        .wait_for_stats("both clients", |stats| {
            stats["clients"]["coded"]["open"] == 1 && stats["clients"]["plain"]["open"] == 1
        })
        .await;

    let answer = control(
        &server,
        "client=coded&action=close&code=1008&reason=see%20you",
    )
    .await;
    assert_eq!(answer, json!({"affected": 1}));
    let frame = expect_close(&mut coded).await.expect("a close code");
    assert_eq!(frame.code, CloseCode::Policy);
    assert_eq!(frame.reason.as_str(), "see you");

    let answer = server.get("/control?client=plain&action=close").await;
    assert_eq!(answer.json(), json!({"affected": 1}));
    let frame = expect_close(&mut plain).await.expect("a close code");
    assert_eq!(frame.code, CloseCode::Normal);
    assert_eq!(frame.reason.as_str(), "");

    let answer = control(&server, "client=nobody&action=close").await;
    assert_eq!(answer, json!({"affected": 0}));
}

#[tokio::test]
async fn restart_closes_everybody_and_refuses_upgrades_for_down_ms() {
    let down = Duration::from_millis(500);
    let server = TestServer::start().await;
    let mut untagged = server.connect("/echo").await;
    let mut tagged = server.connect("/chat?client=x").await;
    server
        .wait_for_stats("both sessions", |stats| {
            stats["endpoints"]["echo"]["open"] == 1 && stats["endpoints"]["chat"]["open"] == 1
        })
        .await;

    let restarted_at = Instant::now();
    let answer = control(
        &server,
        &format!("client=x&action=restart&down_ms={}", down.as_millis()),
    )
    .await;
    assert_eq!(answer, json!({"affected": 2}));
    for client in [&mut untagged, &mut tagged] {
        let frame = expect_close(client).await.expect("a close code");
        assert_eq!(frame.code, CloseCode::Restart);
        assert_eq!(frame.reason.as_str(), "service restart");
    }

    for path in ["/echo?client=x", "/chat?client=x"] {
        match server.try_connect(server.ws_request(path)).await {
            Err(Error::Http(response)) => assert_eq!(response.status().as_u16(), 503),
            other => panic!("expected HTTP 503 during the downtime, got {other:?}"),
        }
    }
    let refused = server.get("/chat").await;
    assert_eq!(refused.status, 503);
    assert!(refused.text().contains("restarting"), "{}", refused.text());

    let back = loop {
        match server
            .try_connect(server.ws_request("/chat?client=x"))
            .await
        {
            Ok((client, _)) => break client,
            Err(Error::Http(response)) if response.status().as_u16() == 503 => {}
            Err(error) => panic!("expected 503 or an upgrade, got {error:?}"),
        }
        assert!(restarted_at.elapsed() < down + PATIENCE, "never came back");
        sleep(Duration::from_millis(20)).await;
    };
    assert!(restarted_at.elapsed() >= down);
    drop(back);
}

#[tokio::test]
async fn answers_allow_any_origin_and_are_not_cached() {
    let server = TestServer::start().await;
    let origin = [("Origin", "http://127.0.0.1:9000")];
    for (method, path) in [
        ("GET", "/control?client=a&action=drop"),
        ("POST", "/control?client=a&action=silent"),
        ("POST", "/control?action=explode"),
    ] {
        let answer = server.http(method, path, &origin).await;
        assert_eq!(
            answer.header("Access-Control-Allow-Origin"),
            Some("*"),
            "{path}"
        );
        assert_eq!(answer.header("Cache-Control"), Some("no-store"), "{path}");
    }
    let preflight = server
        .http(
            "OPTIONS",
            "/control",
            &[
                ("Origin", "http://127.0.0.1:9000"),
                ("Access-Control-Request-Method", "POST"),
            ],
        )
        .await;
    assert!(
        (200..300).contains(&preflight.status),
        "{}",
        preflight.status
    );
}

#[tokio::test]
async fn bad_requests_answer_400_with_an_explanation() {
    let server = TestServer::start().await;
    let long_reason = format!("client=a&action=close&reason={}", "r".repeat(124));
    let cases = [
        ("client=a", "action="),
        ("client=a&action=explode", "explode"),
        ("action=drop", "client=NAME"),
        ("action=close&client=", "client=NAME"),
        ("client=a&action=close&code=1006", "code"),
        ("client=a&action=close&code=abc", "code"),
        (long_reason.as_str(), "reason"),
        (
            "client=a&action=drop&code=1000",
            "only applies to action=close",
        ),
        (
            "client=a&action=close&down_ms=5",
            "only applies to action=restart",
        ),
        ("action=restart&down_ms=60001", "down_ms"),
        ("action=restart&down_ms=soon", "down_ms"),
    ];
    for (query, mentioned) in cases {
        for method in ["GET", "POST"] {
            let answer = server.http(method, &format!("/control?{query}"), &[]).await;
            assert_eq!(answer.status, 400, "{method} {query}");
            assert!(
                answer.text().contains(mentioned),
                "{query}: {}",
                answer.text()
            );
        }
    }
}
