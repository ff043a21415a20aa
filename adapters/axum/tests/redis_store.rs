//! Sessions shared through Redis (`RedisStore`, the `redis` feature): two servers on one
//! Redis of the test's own, each an axum echo server as an application writes it, and the
//! session client of `support`.
//! - a session resumes on the other server with every echo once and in order, and the server
//!   that held it can no longer change it: its late send never reaches the client, and its
//!   copy of the session ends;
//! - a stolen session id without the key is refused on the other server too, and gets nothing;
//! - a store that lost its data: the client starts a new session, told exactly which of its
//!   messages were not acknowledged;
//! - a client's close (1000) removes the session from the store.
//!
//! The two-process test, with a server killed mid-burst and both client faces, is
//! `tests/e2e/session-nodes.test.js`.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use resocket_axum::{RedisStore, SessionStore, Sessions, SessionsConfig};
use resocket_core::session::{Control, Welcomed};
use support::redis::Redis;
use support::{Client, TERMS, eventually, numbered, open, text};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

#[derive(Clone)]
struct Node {
    sessions: Sessions,
    /// Messages this server's handlers read.
    handled: Arc<AtomicUsize>,
}

async fn echo(
    upgrade: WebSocketUpgrade,
    headers: HeaderMap,
    State(node): State<Node>,
) -> axum::response::Response {
    let owner = headers
        .get("x-user")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let handled = node.handled.clone();
    node.sessions
        .upgrade(upgrade, headers, owner, move |mut session| async move {
            while let Some(message) = session.next().await {
                handled.fetch_add(1, Ordering::Relaxed);
                if session.send(message).await.is_err() {
                    break;
                }
            }
        })
}

/// A server on `redis`, and its URL.
async fn node(redis: &Redis) -> (String, Node) {
    let store = RedisStore::connect(&redis.url, "test:").await.unwrap();
    let node = Node {
        sessions: Sessions::shared(SessionsConfig::default(), store)
            .await
            .unwrap(),
        handled: Arc::default(),
    };
    let router = Router::new()
        .route("/echo", get(echo))
        .with_state(node.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/echo", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, node)
}

#[tokio::test]
async fn a_session_resumes_on_the_other_server_and_the_first_can_no_longer_change_it() {
    let redis = Redis::start().await;
    let (url_a, a) = node(&redis).await;
    let (url_b, b) = node(&redis).await;
    let mut client = Client::new();
    client.connect(&url_a, "ada").await.unwrap();
    for message in numbered(0..50) {
        client.send(&message).await;
    }
    client.receive_until(20).await;
    client.drop_connection();
    let id = client.session.identity().unwrap().id.clone();
    let held_by_a = a.sessions.get(&id).expect("a holds the session");

    client.connect(&url_b, "ada").await.unwrap();
    assert!(matches!(client.welcomed[1], Welcomed::Resumed { .. }));
    for message in numbered(50..100) {
        client.send(&message).await;
    }
    client.receive_until(100).await;
    assert_eq!(client.got, numbered(0..100), "every echo once, in order");
    assert!(b.sessions.get(&id).is_some(), "b holds it now");

    // The server that held it sends late: the write is refused, nothing reaches the client,
    // and its copy ends.
    let _ = held_by_a.send("late").await;
    eventually("a's copy ending", || held_by_a.is_ended()).await;
    assert!(a.sessions.get(&id).is_none());
    client.send("after").await;
    client.receive_until(101).await;
    assert_eq!(client.got.last().map(String::as_str), Some("after"));
    let handled = a.handled.load(Ordering::Relaxed) + b.handled.load(Ordering::Relaxed);
    assert!(handled >= 101, "every message was handled: {handled}");
}

#[tokio::test]
async fn a_stolen_id_without_the_key_is_refused_on_the_other_server_too() {
    let redis = Redis::start().await;
    let (url_a, _a) = node(&redis).await;
    let (url_b, _b) = node(&redis).await;
    let mut owner = Client::new();
    owner.connect(&url_a, "ada").await.unwrap();
    owner.send("secret").await;
    owner.receive_until(1).await;
    owner.drop_connection();
    let mut stolen = owner.session.identity().unwrap().clone();
    stolen.key = "0".repeat(32);

    let mut socket = open(&url_b, "ada").await;
    let resume = Control::Resume {
        version: 1,
        identity: stolen,
        next: 0,
        terms: TERMS,
    };
    socket.send(text(resume.encode())).await.unwrap();
    let mut frames = Vec::new();
    while let Some(Ok(frame)) = socket.next().await {
        frames.push(frame);
    }
    let [Message::Close(Some(close))] = &frames[..] else {
        panic!("only a close frame: {frames:?}");
    };
    assert_eq!(u16::from(close.code), 1008);

    owner.connect(&url_b, "ada").await.unwrap();
    assert!(matches!(owner.welcomed[1], Welcomed::Resumed { .. }));
    owner.send("still mine").await;
    owner.receive_until(2).await;
    assert_eq!(owner.got, ["secret", "still mine"]);
}

#[tokio::test]
async fn a_store_that_lost_its_data_starts_a_new_session_and_names_what_was_unacknowledged() {
    let redis = Redis::start().await;
    let (url_a, _a) = node(&redis).await;
    let (url_b, _b) = node(&redis).await;
    let mut client = Client::new();
    client.connect(&url_a, "ada").await.unwrap();
    client.send("acknowledged").await;
    client.receive_until(1).await;
    // The echo came after the message was written and counted; the ack follows within 100 ms.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    client.receive_pending().await;
    redis.flush().await;
    client.send("in flight").await;
    client.drop_connection();
    client.send("unsent").await;

    client.connect(&url_b, "ada").await.unwrap();
    let Welcomed::Started {
        replaced,
        unacknowledged,
        transmit,
    } = &client.welcomed[1]
    else {
        panic!("a new session: {:?}", client.welcomed[1]);
    };
    assert!(*replaced);
    assert_eq!(unacknowledged, &["in flight"]);
    assert_eq!(transmit, &["unsent"]);
}

#[tokio::test]
async fn the_clients_close_removes_the_session_from_the_store() {
    let redis = Redis::start().await;
    let (url_a, _a) = node(&redis).await;
    let store = RedisStore::connect(&redis.url, "test:").await.unwrap();
    let mut client = Client::new();
    client.connect(&url_a, "ada").await.unwrap();
    client.send("one").await;
    client.receive_until(1).await;
    let id = client.session.identity().unwrap().id.clone();
    assert!(store.load(&id).await.unwrap().is_some());
    let socket = client.socket.as_mut().unwrap();
    let close = CloseFrame {
        code: CloseCode::Normal,
        reason: "".into(),
    };
    socket.close(Some(close)).await.unwrap();
    for _ in 0..250 {
        if store.load(&id).await.unwrap().is_none() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the store still keeps the session");
}
