//! `/session-chat`, the chat on resumable sessions, driven frame by frame:
//! - every message reaches every session, the sender's included, in one global order;
//!   connections count under `endpoints.session_chat`, messages in `/received`
//! - a session whose connection `/control` dropped gets what the chat said meanwhile when it
//!   resumes, once and in order, and its messages sent again are broadcast once
//! - a session that acknowledges nothing, so its window stays full, is ended with 1013 once
//!   the grace is over; the rest of the chat goes on with every message
//! - `forget` ends chat sessions too: a resume gets a new session

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;

use crate::resumable::{control, handshake_at, receive, send, session_of};
use crate::support::{TestServer, assert_dropped};

const PATH: &str = "/session-chat";

#[tokio::test]
async fn messages_reach_every_session_in_one_order() {
    let server = TestServer::start().await;
    let (mut alice, welcome) = handshake_at(&server, PATH, "alice", None).await;
    let mut alice_session = session_of(&welcome);
    let (mut bob, welcome) = handshake_at(&server, PATH, "bob", None).await;
    let mut bob_session = session_of(&welcome);

    tokio::join!(
        send(&mut alice, &["a1", "a2"]),
        send(&mut bob, &["b1", "b2"])
    );
    let seen_by_alice = receive(&mut alice, &mut alice_session, 4).await;
    let seen_by_bob = receive(&mut bob, &mut bob_session, 4).await;
    assert_eq!(seen_by_alice, seen_by_bob);
    let from = |prefix: char| -> Vec<&String> {
        (seen_by_alice.iter())
            .filter(|text| text.starts_with(prefix))
            .collect()
    };
    assert_eq!(from('a'), ["a1", "a2"]);
    assert_eq!(from('b'), ["b1", "b2"]);

    let stats = server.stats().await;
    assert_eq!(
        stats["endpoints"]["session_chat"],
        json!({"open": 2, "total": 2})
    );
    assert_eq!(
        stats["endpoints"]["session"],
        json!({"open": 0, "total": 0})
    );
    assert_eq!(stats["clients"]["alice"]["received"], 2, "{stats}");
}

#[tokio::test]
async fn a_dropped_session_resumes_with_what_it_missed() {
    let server = TestServer::start().await;
    let (mut alice, welcome) = handshake_at(&server, PATH, "alice", None).await;
    let mut alice_session = session_of(&welcome);
    let (mut bob, welcome) = handshake_at(&server, PATH, "bob", None).await;
    let mut bob_session = session_of(&welcome);
    send(&mut alice, &["before"]).await;
    assert_eq!(receive(&mut bob, &mut bob_session, 1).await, ["before"]);
    assert_eq!(receive(&mut alice, &mut alice_session, 1).await, ["before"]);

    assert_eq!(
        control(&server, "client=alice&action=drop").await,
        json!({"affected": 1})
    );
    assert_dropped(&mut alice).await;
    send(&mut bob, &["while away 1", "while away 2"]).await;
    assert_eq!(
        receive(&mut bob, &mut bob_session, 2).await,
        ["while away 1", "while away 2"]
    );

    let (mut alice, welcome) = handshake_at(&server, PATH, "alice", Some(&alice_session)).await;
    assert_eq!(welcome["id"], alice_session.id);
    send(&mut alice, &["back"]).await;
    assert_eq!(
        receive(&mut alice, &mut alice_session, 3).await,
        ["while away 1", "while away 2", "back"]
    );
    assert_eq!(receive(&mut bob, &mut bob_session, 1).await, ["back"]);
}

#[tokio::test]
async fn a_session_that_never_acknowledges_is_ended_and_the_chat_goes_on() {
    let server = TestServer::start().await;
    let (mut silent, _) = handshake_at(&server, PATH, "silent", None).await;
    let (mut bob, welcome) = handshake_at(&server, PATH, "bob", None).await;
    let mut bob_session = session_of(&welcome);
    // 120 KB: more than the 100 KB window of the session that acknowledges nothing.
    let texts: Vec<String> = (0..120)
        .map(|n| format!("{n:04}{}", "x".repeat(996)))
        .collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    send(&mut bob, &texts).await;
    let mut got = Vec::new();
    for _ in 0..2 {
        got.extend(receive(&mut bob, &mut bob_session, 40).await);
        let ack = format!("~ack n={}", got.len());
        bob.send(Message::text(ack)).await.expect("send");
    }

    // The chat waits out the grace (5 s) on the full window, then ends that session: its
    // close frame follows the messages that filled the window.
    let close = timeout(Duration::from_secs(15), async {
        loop {
            match silent.next().await {
                Some(Ok(Message::Close(frame))) => break frame,
                Some(Ok(_)) => {}
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    })
    .await
    .expect("the session ended in time")
    .expect("a close frame with a code");
    assert_eq!(
        (u16::from(close.code), close.reason.as_str()),
        (1013, "fell behind the chat")
    );
    got.extend(receive(&mut bob, &mut bob_session, 40).await);
    assert_eq!(got, texts);
}

#[tokio::test]
async fn forget_ends_chat_sessions() {
    let server = TestServer::start().await;
    let (mut alice, welcome) = handshake_at(&server, PATH, "alice", None).await;
    let session = session_of(&welcome);
    assert_eq!(
        control(&server, "client=alice&action=forget").await,
        json!({"affected": 1})
    );
    assert_dropped(&mut alice).await;
    let (_alice, welcome) = handshake_at(&server, PATH, "alice", Some(&session)).await;
    assert_ne!(welcome["id"], session.id);
}
