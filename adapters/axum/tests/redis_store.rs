//! Sessions shared through Redis (`RedisStore`, the `redis` feature): two servers on one
//! Redis of the test's own, each an axum echo server as an application writes it, and the
//! session client of `support`.
//! - a session resumes on the other server with every echo once and in order, and the server
//!   that held it can no longer change it: its late send never reaches the client, and its
//!   copy of the session ends;
//! - a server killed while busy (its runtime shut down mid-burst, its store writes slowed so
//!   that acting before a write lands would show): the client resumes on the other with every
//!   echo once and in order, and the other's handler handles the rest;
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
use std::time::Duration;

use axum::Router;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use resocket_axum::{
    Changes, NewSession, RedisStore, SessionStore, Sessions, SessionsConfig, StoreFuture,
    StoredSession,
};
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
    /// How long its handlers work on each message.
    pace: Duration,
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
    let (handled, pace) = (node.handled.clone(), node.pace);
    node.sessions
        .upgrade(upgrade, headers, owner, move |mut session| async move {
            while let Some(message) = session.next().await {
                handled.fetch_add(1, Ordering::Relaxed);
                if !pace.is_zero() {
                    tokio::time::sleep(pace).await;
                }
                if session.send(message).await.is_err() {
                    break;
                }
            }
        })
}

/// A server on `redis`, and its URL.
async fn node(redis: &Redis) -> (String, Node) {
    node_on(&redis.url, Duration::ZERO).await
}

async fn node_on(redis_url: &str, pace: Duration) -> (String, Node) {
    let store = RedisStore::connect(redis_url, "test:").await.unwrap();
    // The slow server's writes are slow too: a server that acted before its write landed
    // would be caught by the kill.
    let sessions = if pace.is_zero() {
        Sessions::shared(SessionsConfig::default(), store).await
    } else {
        Sessions::shared(SessionsConfig::default(), SlowStore(store)).await
    };
    let node = Node {
        sessions: sessions.unwrap(),
        handled: Arc::default(),
        pace,
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

/// A Redis store whose writes each take 100 ms longer.
struct SlowStore(RedisStore);

impl SessionStore for SlowStore {
    fn epoch(&self) -> StoreFuture<'_, String> {
        self.0.epoch()
    }
    fn create<'a>(&'a self, session: &'a NewSession, lifetime: Duration) -> StoreFuture<'a, ()> {
        self.0.create(session, lifetime)
    }
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<StoredSession>> {
        self.0.load(id)
    }
    fn claim<'a>(&'a self, id: &'a str, term: u64) -> StoreFuture<'a, bool> {
        self.0.claim(id, term)
    }
    fn write<'a>(
        &'a self,
        id: &'a str,
        term: u64,
        changes: &'a Changes,
        lifetime: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            self.0.write(id, term, changes, lifetime).await
        })
    }
    fn remove<'a>(&'a self, id: &'a str, term: u64) -> StoreFuture<'a, ()> {
        self.0.remove(id, term)
    }
}

/// A slow server on `redis` with a runtime of its own, which the test kills: its tasks stop
/// wherever they are (mid-write to Redis, mid-send), and its sockets close.
fn doomed_node(redis: &Redis) -> (String, tokio::runtime::Runtime) {
    let redis_url = redis.url.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        // A millisecond per message: the burst keeps it busy for two seconds.
        let pace = Duration::from_millis(1);
        let (url, _node) = runtime.block_on(node_on(&redis_url, pace));
        (url, runtime)
    })
    .join()
    .unwrap()
}

#[tokio::test]
async fn a_server_killed_while_busy_loses_nothing_and_doubles_nothing() {
    let redis = Redis::start().await;
    let (url_a, runtime_a) = doomed_node(&redis);
    let (url_b, b) = node(&redis).await;
    let mut client = Client::new();
    client.connect(&url_a, "ada").await.unwrap();
    // All at once: the server is still reading, writing and echoing them when it dies.
    for message in numbered(0..2000) {
        client.send(&message).await;
    }
    client.receive_until(200).await;
    runtime_a.shutdown_background();
    client.drop_connection();

    client.connect(&url_b, "ada").await.unwrap();
    assert!(matches!(client.welcomed[1], Welcomed::Resumed { .. }));
    client.receive_until(2000).await;
    assert_eq!(client.got, numbered(0..2000), "every echo once, in order");
    let handled_by_b = b.handled.load(Ordering::Relaxed);
    assert!(
        (1..=1800).contains(&handled_by_b),
        "b handled the rest: {handled_by_b}"
    );
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
    tokio::time::sleep(Duration::from_millis(300)).await;
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
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the store still keeps the session");
}
