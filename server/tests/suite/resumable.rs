//! `/session`, resumable sessions (`PROTOCOL.md`), driven frame by frame:
//! - it selects `resocket.v1`; a request without it gets 400, and the plain endpoints never
//!   select it (a session client must learn it reached a plain server)
//! - messages are echoed, requests of `/rpc`'s shape answered (a `sleep` later), and
//!   `/received` lists each message once, in order; connections count under
//!   `endpoints.session`
//! - `/control` drop cuts the connection without a close frame; the session resumes on the
//!   next connection with what the server received, and nothing is recorded twice
//! - `~ping` gets `~pong`; `silent` withholds pongs and echoes but still reads; `stall` stops
//!   reading; both connections' sessions resume afterwards with every echo
//! - `close` (1000, answered 1000 by the client) and `restart` close the connection and keep
//!   the session
//! - `forget` cuts the connection and loses the session: a resume gets a new one; it reaches
//!   only the client named, or every session without one
//! - shutdown closes a session's connection with 1001 and waits for it

use std::collections::HashMap;
use std::time::Duration;

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error, Message};

use crate::support::{
    Client, PATIENCE, TestServer, assert_dropped, assert_quiet, expect_close, next_message,
    parse_response, with_header,
};

/// A session's identity and counts, as its client keeps them.
pub(crate) struct Session {
    pub id: String,
    key: String,
    epoch: String,
    /// The server's messages received.
    received: u64,
}

pub(crate) async fn control(server: &TestServer, query: &str) -> Value {
    let answer = server.http("POST", &format!("/control?{query}"), &[]).await;
    assert_eq!(answer.status, 200, "{query}: {}", answer.text());
    answer.json()
}

/// A connection to the session endpoint at `path`, as `client`.
async fn open_at(server: &TestServer, path: &str, client: &str) -> Client {
    let request = with_header(
        server.ws_request(&format!("{path}?client={client}")),
        "Sec-WebSocket-Protocol",
        "resocket.v1",
    );
    let (socket, response) = server.try_connect(request).await.expect("handshake");
    let protocol = response.headers().get("Sec-WebSocket-Protocol");
    assert_eq!(protocol.and_then(|v| v.to_str().ok()), Some("resocket.v1"));
    socket
}

/// The fields of a control frame of `kind`.
fn fields(frame: &Message, kind: &str) -> HashMap<String, String> {
    let Message::Text(text) = frame else {
        panic!("expected ~{kind}, got {frame:?}");
    };
    let rest = text
        .strip_prefix(&format!("~{kind} "))
        .unwrap_or_else(|| panic!("expected ~{kind}, got {text}"));
    rest.split(' ')
        .filter_map(|field| field.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

/// Opens a connection for `client` and starts a session (`hello`) or resumes `session`.
async fn handshake(
    server: &TestServer,
    client: &str,
    session: Option<&Session>,
) -> (Client, HashMap<String, String>) {
    handshake_at(server, "/session", client, session).await
}

/// [`handshake`] with the session endpoint at `path`.
pub(crate) async fn handshake_at(
    server: &TestServer,
    path: &str,
    client: &str,
    session: Option<&Session>,
) -> (Client, HashMap<String, String>) {
    let mut socket = open_at(server, path, client).await;
    let first = match session {
        None => "~hello v=1 window=102400 batch=0".to_owned(),
        Some(session) => format!(
            "~resume v=1 id={} key={} epoch={} next={} window=102400 batch=0",
            session.id, session.key, session.epoch, session.received
        ),
    };
    socket.send(Message::text(first)).await.expect("send");
    let welcome = fields(&next_message(&mut socket).await, "welcome");
    (socket, welcome)
}

pub(crate) fn session_of(welcome: &HashMap<String, String>) -> Session {
    Session {
        id: welcome["id"].clone(),
        key: welcome["key"].clone(),
        epoch: welcome["epoch"].clone(),
        received: 0,
    }
}

pub(crate) async fn send(socket: &mut Client, messages: &[&str]) {
    for message in messages {
        socket
            .send(Message::text(format!("m{message}")))
            .await
            .expect("send");
    }
}

/// The next `count` messages of the session, skipping acks; counted in `session`.
pub(crate) async fn receive(
    socket: &mut Client,
    session: &mut Session,
    count: usize,
) -> Vec<String> {
    let mut got = Vec::new();
    while got.len() < count {
        match next_message(socket).await {
            Message::Text(text) if text.starts_with("~ack ") => {}
            Message::Text(text) if text.starts_with('m') => {
                session.received += 1;
                got.push(text[1..].to_owned());
            }
            other => panic!("expected a message or an ack, got {other:?}"),
        }
    }
    got
}

async fn received(server: &TestServer, client: &str) -> Value {
    server
        .get(&format!("/received?client={client}"))
        .await
        .json()
}

/// Waits until `/received` lists `count` messages of `client`.
async fn wait_received(server: &TestServer, client: &str, count: usize) {
    server
        .wait_for_stats("the messages recorded", |stats| {
            stats["clients"][client]["received"] == count
        })
        .await;
}

#[tokio::test]
async fn echoes_answers_requests_and_records_each_message() {
    let server = TestServer::start().await;
    let (mut socket, welcome) = handshake(&server, "s", None).await;
    assert_eq!(
        (welcome["resumed"].as_str(), welcome["next"].as_str()),
        ("0", "0")
    );
    let mut session = session_of(&welcome);
    let sleep = json!({"id": 1, "method": "sleep", "params": [200]}).to_string();
    let add = json!({"id": 2, "method": "add", "params": [2, 3]}).to_string();
    send(&mut socket, &["one", &sleep, &add, r#"{"id":3}"#]).await;
    let got = receive(&mut socket, &mut session, 4).await;
    assert_eq!(
        got,
        [
            "one",
            r#"{"id":2,"result":5}"#,
            r#"{"id":3}"#,
            r#"{"id":1,"result":200}"#
        ]
    );
    assert_eq!(
        received(&server, "s").await,
        json!(["one", sleep, add, r#"{"id":3}"#])
    );
    let stats = server.stats().await;
    assert_eq!(
        stats["endpoints"]["session"],
        json!({"open": 1, "total": 1})
    );
}

#[tokio::test]
async fn only_session_clients_get_resocket_v1() {
    let server = TestServer::start().await;
    match server
        .try_connect(server.ws_request("/session?client=plain"))
        .await
    {
        Err(Error::Http(response)) => assert_eq!(response.status().as_u16(), 400),
        other => panic!("expected 400 without the subprotocol, got {other:?}"),
    }
    // tokio-tungstenite refuses an answer that selects none of the offered subprotocols
    // (browsers accept it): the handshake is read raw.
    for (offered, selected) in [("resocket.v1", None), ("resocket.v1, chat", Some("chat"))] {
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        let request = format!(
            "GET /echo HTTP/1.1\r\nHost: {}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Protocol: {offered}\r\n\r\n",
            server.addr
        );
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0];
            timeout(PATIENCE, stream.read_exact(&mut byte))
                .await
                .expect("an answer in time")
                .expect("read");
            head.push(byte[0]);
        }
        let response = parse_response(&head);
        assert_eq!(response.status, 101, "{offered}");
        assert_eq!(
            response.header("Sec-WebSocket-Protocol"),
            selected,
            "{offered}"
        );
    }
}

#[tokio::test]
async fn a_dropped_connection_resumes_and_nothing_is_recorded_twice() {
    let server = TestServer::start().await;
    let (mut socket, welcome) = handshake(&server, "d", None).await;
    let mut session = session_of(&welcome);
    send(&mut socket, &["1", "2", "3"]).await;
    assert_eq!(receive(&mut socket, &mut session, 3).await, ["1", "2", "3"]);
    assert_eq!(
        control(&server, "client=d&action=drop").await,
        json!({"affected": 1})
    );
    assert_dropped(&mut socket).await;

    let (mut socket, welcome) = handshake(&server, "d", Some(&session)).await;
    assert_eq!(
        (welcome["resumed"].as_str(), welcome["next"].as_str()),
        ("1", "3")
    );
    assert_eq!(welcome["id"], session.id);
    send(&mut socket, &["4"]).await;
    assert_eq!(receive(&mut socket, &mut session, 1).await, ["4"]);
    assert_eq!(received(&server, "d").await, json!(["1", "2", "3", "4"]));
    let stats = server.stats().await;
    assert_eq!(stats["clients"]["d"]["total"], 2, "{stats}");
    assert_eq!(stats["clients"]["d"]["max_open"], 1, "{stats}");
}

#[tokio::test]
async fn silent_and_stall_withhold_what_they_should_and_the_session_resumes() {
    let server = TestServer::start().await;
    let (mut socket, welcome) = handshake(&server, "q", None).await;
    let mut session = session_of(&welcome);
    socket.send(Message::text("~ping")).await.expect("send");
    assert_eq!(next_message(&mut socket).await, Message::text("~pong"));

    control(&server, "client=q&action=silent").await;
    socket.send(Message::text("~ping")).await.expect("send");
    send(&mut socket, &["heard"]).await;
    assert_quiet(&mut socket, Duration::from_millis(300)).await;
    wait_received(&server, "q", 1).await;

    control(&server, "client=q&action=stall").await;
    send(&mut socket, &["unread"]).await;
    assert_quiet(&mut socket, Duration::from_millis(300)).await;
    assert_eq!(received(&server, "q").await, json!(["heard"]));
    control(&server, "client=q&action=drop").await;
    assert_dropped(&mut socket).await;

    // The server has "heard" (never acknowledged) but not "unread": the client sends that
    // one again, and gets the echo the silence withheld.
    let (mut socket, welcome) = handshake(&server, "q", Some(&session)).await;
    assert_eq!(
        (welcome["resumed"].as_str(), welcome["next"].as_str()),
        ("1", "1")
    );
    send(&mut socket, &["unread"]).await;
    assert_eq!(
        receive(&mut socket, &mut session, 2).await,
        ["heard", "unread"]
    );
    assert_eq!(received(&server, "q").await, json!(["heard", "unread"]));
}

#[tokio::test]
async fn close_and_restart_end_the_connection_and_keep_the_session() {
    let server = TestServer::start().await;
    let (mut socket, welcome) = handshake(&server, "c", None).await;
    let mut session = session_of(&welcome);
    control(&server, "client=c&action=close").await;
    // The client answers with 1000, which does not end its session here.
    let frame = expect_close(&mut socket).await.expect("a close code");
    assert_eq!(frame.code, CloseCode::Normal);
    assert_dropped(&mut socket).await;

    let (mut socket, welcome) = handshake(&server, "c", Some(&session)).await;
    assert_eq!(welcome["resumed"], "1");
    send(&mut socket, &["after close"]).await;
    assert_eq!(receive(&mut socket, &mut session, 1).await, ["after close"]);

    control(&server, "action=restart&down_ms=0").await;
    let frame = expect_close(&mut socket).await.expect("a close code");
    assert_eq!(frame.code, CloseCode::Restart);
    let (_socket, welcome) = handshake(&server, "c", Some(&session)).await;
    assert_eq!(
        (welcome["resumed"].as_str(), welcome["next"].as_str()),
        ("1", "1")
    );
}

#[tokio::test]
async fn forget_loses_the_sessions_of_the_client_named() {
    let server = TestServer::start().await;
    let (mut socket, welcome) = handshake(&server, "f", None).await;
    let mut session = session_of(&welcome);
    let (mut bystander, _) = handshake(&server, "other", None).await;
    send(&mut socket, &["kept"]).await;
    assert_eq!(receive(&mut socket, &mut session, 1).await, ["kept"]);

    assert_eq!(
        control(&server, "client=f&action=forget").await,
        json!({"affected": 1})
    );
    assert_dropped(&mut socket).await;
    let (mut socket, welcome) = handshake(&server, "f", Some(&session)).await;
    assert_eq!(
        (welcome["resumed"].as_str(), welcome["next"].as_str()),
        ("0", "0")
    );
    assert_ne!(welcome["id"], session.id);
    let mut session = session_of(&welcome);
    send(&mut socket, &["anew"]).await;
    assert_eq!(receive(&mut socket, &mut session, 1).await, ["anew"]);
    send(&mut bystander, &["untouched"]).await;
    let mut other = Session {
        received: 0,
        ..session_of(&welcome)
    };
    assert_eq!(receive(&mut bystander, &mut other, 1).await, ["untouched"]);

    assert_eq!(
        control(&server, "action=forget").await,
        json!({"affected": 2})
    );
    assert_dropped(&mut socket).await;
    assert_dropped(&mut bystander).await;
}

#[tokio::test]
async fn shutdown_closes_session_connections_with_going_away() {
    let server = TestServer::start().await;
    let (mut socket, _) = handshake(&server, "bye", None).await;
    let stopping = tokio::spawn(server.shut_down());
    let frame = expect_close(&mut socket).await.expect("a close code");
    assert_eq!(frame.code, CloseCode::Away);
    assert_dropped(&mut socket).await;
    stopping.await.expect("join").expect("run returns Ok");
}
