//! The axum adapter over real sockets on 127.0.0.1: an axum server with an echo handler, and a
//! client made of `resocket_core::session::ClientSession` (the clients' own protocol code) over
//! tokio-tungstenite.
//! - a new session echoes every message once, in order;
//! - a connection dropped with echoes on the wire resumes: every echo arrives once, in order,
//!   and the handler saw every message once;
//! - a session the server does not have starts anew, with the client's unacknowledged
//!   messages reported;
//! - a stolen session id without the key, or another owner, is refused with 1008 and gets
//!   nothing; the owner then resumes;
//! - a request without the subprotocol gets 400; a first frame that is not hello or resume
//!   gets 1002; the session limit gets 1013;
//! - the client's heartbeat `~ping` gets a `~pong` at once;
//! - the client's close (1000) ends the session: the handler's stream ends;
//! - a session its client does not come back to within its lifetime ends, and a late resume
//!   starts anew with the client told what was unacknowledged;
//! - 10,000 session creations (a flood of new sessions that never come back) keep the store
//!   within its limit: those beyond it are refused with 1013 until older ones expire;
//! - a `SessionHandle` (from the store, by id or listed): sends from another task; terminates
//!   the session's connection without a close frame, and the client resumes with every echo
//!   once, in order; closes it with the code and reason asked for, and the client's answer
//!   (1000) does not end the session; ends the session: its connection closes with the code
//!   asked for, the handler's stream ends, sends fail, the store forgets it and the client
//!   starts anew;
//! - `upgrade_wrapped`: the wrapper sees the connection's frames, and the session works
//!   through it.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use resocket_axum::{SessionEnded, Sessions, SessionsConfig};
use resocket_core::session::{Control, Terms, Welcomed};
use support::{Client, TERMS, eventually, frames_until_the_end, numbered, open, text};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};

#[derive(Clone)]
struct App {
    sessions: Sessions,
    /// Messages the echo handlers received, all sessions together.
    handled: Arc<AtomicUsize>,
    /// Handlers whose stream ended.
    ended: Arc<AtomicUsize>,
    /// The first character of each text frame `/wrapped` read.
    frames: Arc<std::sync::Mutex<Vec<char>>>,
}

async fn echo(
    upgrade: WebSocketUpgrade,
    headers: HeaderMap,
    State(app): State<App>,
) -> axum::response::Response {
    let owner = headers
        .get("x-user")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let (handled, ended) = (app.handled.clone(), app.ended.clone());
    app.sessions
        .upgrade(upgrade, headers, owner, move |mut session| async move {
            while let Some(message) = session.next().await {
                handled.fetch_add(1, Ordering::Relaxed);
                if session.send(message).await.is_err() {
                    break;
                }
            }
            ended.fetch_add(1, Ordering::Relaxed);
        })
}

/// `/wrapped`: the echo of `/echo` through `upgrade_wrapped`, noting the first character of
/// every text frame the connection reads in `App::frames`.
async fn wrapped(
    upgrade: WebSocketUpgrade,
    headers: HeaderMap,
    State(app): State<App>,
) -> axum::response::Response {
    let frames = app.frames.clone();
    app.sessions.upgrade_wrapped(
        upgrade,
        headers,
        "",
        move |socket| {
            socket.inspect(move |frame| {
                if let Ok(axum::extract::ws::Message::Text(text)) = frame {
                    let first = text.chars().next().unwrap_or(' ');
                    frames.lock().unwrap().push(first);
                }
            })
        },
        |mut session| async move {
            while let Some(message) = session.next().await {
                if session.send(message).await.is_err() {
                    break;
                }
            }
        },
    )
}

async fn serve(config: SessionsConfig) -> (String, App) {
    let app = App {
        sessions: Sessions::new(config),
        handled: Arc::default(),
        ended: Arc::default(),
        frames: Arc::default(),
    };
    let router = Router::new()
        .route("/echo", get(echo))
        .route("/wrapped", get(wrapped))
        .with_state(app.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/echo", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, app)
}

#[tokio::test]
async fn a_new_session_echoes_every_message_once_in_order() {
    let (url, app) = serve(SessionsConfig::default()).await;
    let mut client = Client::new();
    client.connect(&url, "ada").await.unwrap();
    assert!(matches!(
        client.welcomed[0],
        Welcomed::Started {
            replaced: false,
            ..
        }
    ));
    for message in numbered(0..200) {
        client.send(&message).await;
    }
    client.receive_until(200).await;
    assert_eq!(client.got, numbered(0..200));
    assert_eq!(app.handled.load(Ordering::Relaxed), 200);
    assert_eq!(app.sessions.len(), 1);
}

#[tokio::test]
async fn a_burst_past_both_windows_still_flows_as_acks_come_behind_it() {
    // The client sends 600 KB of 1 KB messages before reading anything (its window allows
    // it); the handler echoes each, and its sends wait once the server's 100 KB window holds
    // unacknowledged echoes. The client's acks come behind its burst on the same connection,
    // so the server must go on reading past a full inbox, or neither side ever moves again.
    let config = SessionsConfig {
        inbox_capacity: 16,
        ..SessionsConfig::default()
    };
    let (url, app) = serve(config).await;
    let mut client = Client::with_terms(Terms {
        window: 1024 * 1024,
        batches: false,
    });
    client.connect(&url, "ada").await.unwrap();
    let padding = "x".repeat(1024);
    let burst: Vec<String> = (0..600).map(|n| format!("{n} {padding}")).collect();
    for message in &burst {
        client.send(message).await;
    }
    client.receive_until(burst.len()).await;
    assert_eq!(client.got, burst);
    assert_eq!(app.handled.load(Ordering::Relaxed), burst.len());
}

#[tokio::test]
async fn a_window_larger_than_the_server_takes_is_refused_at_the_handshake() {
    let config = SessionsConfig {
        max_client_window: 4096,
        ..SessionsConfig::default()
    };
    let (url, _app) = serve(config).await;
    let mut client = Client::with_terms(Terms {
        window: 4097,
        batches: false,
    });
    let refused = client.connect(&url, "ada").await.unwrap_err();
    let frame = refused.expect("a close frame");
    assert_eq!(u16::from(frame.code), 1002);
    assert_eq!(
        frame.reason.as_str(),
        "a window larger than the server takes"
    );
}

#[tokio::test]
async fn a_dropped_connection_resumes_with_every_echo_once_in_order() {
    let (url, app) = serve(SessionsConfig::default()).await;
    let mut client = Client::new();
    client.connect(&url, "ada").await.unwrap();
    for message in numbered(0..100) {
        client.send(&message).await;
    }
    client.receive_until(30).await;
    client.drop_connection(); // echoes 30.. are on the wire or not yet sent
    for message in numbered(100..120) {
        client.send(&message).await; // kept until the resume
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    client.connect(&url, "ada").await.unwrap();
    assert!(matches!(client.welcomed[1], Welcomed::Resumed { .. }));
    client.receive_until(120).await;
    assert_eq!(client.got, numbered(0..120));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        app.handled.load(Ordering::Relaxed),
        120,
        "each message handled once"
    );
    assert_eq!(app.sessions.len(), 1);
}

#[tokio::test]
async fn a_session_the_server_lost_starts_anew_and_reports_what_was_unacknowledged() {
    let (url, _app) = serve(SessionsConfig::default()).await;
    let mut client = Client::new();
    client.connect(&url, "ada").await.unwrap();
    client.send("before").await;
    client.receive_until(1).await;
    client.drop_connection();
    // Another server (the first one's store is gone) gets the resume.
    let (other, _) = serve(SessionsConfig::default()).await;
    client.send("never left").await;
    client.connect(&other, "ada").await.unwrap();
    let Welcomed::Started {
        replaced,
        unacknowledged,
        transmit,
    } = &client.welcomed[1]
    else {
        panic!("a new session: {:?}", client.welcomed[1]);
    };
    assert!(*replaced);
    assert_eq!(transmit, &["never left"]);
    // "before" was echoed, but its ack may not have come before the drop.
    assert!(unacknowledged.len() <= 1, "{unacknowledged:?}");
    client.got.clear();
    client.receive_until(1).await;
    assert_eq!(client.got, ["never left"]);
}

#[tokio::test]
async fn a_stolen_id_without_the_key_or_another_owner_gets_nothing() {
    let (url, app) = serve(SessionsConfig::default()).await;
    let mut owner = Client::new();
    owner.connect(&url, "ada").await.unwrap();
    owner.send("secret").await;
    owner.receive_until(1).await;
    owner.drop_connection();
    let identity = owner.session.identity().unwrap().clone();

    let mut wrong_key = identity.clone();
    wrong_key.key = "0".repeat(32);
    for (user, identity, reason) in [
        (
            "mallory",
            wrong_key,
            "resume refused: the key does not match",
        ),
        (
            "mallory",
            identity.clone(),
            "resume refused by the application",
        ),
    ] {
        let mut socket = open(&url, user).await;
        let resume = Control::Resume {
            version: 1,
            identity,
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
        assert_eq!(
            (u16::from(close.code), close.reason.as_str()),
            (1008, reason)
        );
    }
    owner.connect(&url, "ada").await.unwrap();
    assert!(
        matches!(owner.welcomed[1], Welcomed::Resumed { .. }),
        "the owner's session is intact"
    );
    owner.send("still mine").await;
    owner.receive_until(2).await;
    assert_eq!(owner.got, ["secret", "still mine"]);
    assert_eq!(app.sessions.len(), 1);
}

#[tokio::test]
async fn what_is_not_a_session_is_refused() {
    let (url, _app) = serve(SessionsConfig {
        max_sessions: 1,
        ..SessionsConfig::default()
    })
    .await;
    let plain = tokio_tungstenite::connect_async(&url).await;
    match plain {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 400),
        other => panic!("a 400 for a request without the subprotocol: {other:?}"),
    }

    let mut socket = open(&url, "ada").await;
    socket.send(text("mhello".into())).await.unwrap();
    let Some(Ok(Message::Close(Some(close)))) = socket.next().await else {
        panic!("a close")
    };
    assert_eq!(u16::from(close.code), 1002);

    let mut first = Client::new();
    first.connect(&url, "ada").await.unwrap();
    let mut second = Client::new();
    let refused = second.connect(&url, "bob").await.unwrap_err().unwrap();
    assert_eq!(u16::from(refused.code), 1013);
}

#[tokio::test]
async fn the_clients_close_ends_the_session() {
    let (url, app) = serve(SessionsConfig::default()).await;
    let mut client = Client::new();
    client.connect(&url, "ada").await.unwrap();
    let mut socket = client.socket.take().unwrap();
    let close = CloseFrame {
        code: 1000.into(),
        reason: "done".into(),
    };
    socket.close(Some(close)).await.unwrap();
    drop(socket);
    for _ in 0..50 {
        if app.ended.load(Ordering::Relaxed) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        app.ended.load(Ordering::Relaxed),
        1,
        "the handler's stream ended"
    );
    assert_eq!(app.sessions.len(), 0);
}

#[tokio::test]
async fn a_session_ends_when_its_client_does_not_come_back_in_time() {
    let config = SessionsConfig {
        lifetime: Duration::from_millis(200),
        ..SessionsConfig::default()
    };
    let (url, app) = serve(config).await;
    let mut client = Client::new();
    client.connect(&url, "ada").await.unwrap();
    client.send("one").await;
    client.receive_until(1).await;
    client.drop_connection();
    client.send("two").await;
    for _ in 0..100 {
        if app.sessions.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(app.sessions.is_empty(), "expired and reaped");
    assert_eq!(
        app.ended.load(Ordering::Relaxed),
        1,
        "the handler's stream ended"
    );
    client.connect(&url, "ada").await.unwrap();
    assert!(matches!(
        &client.welcomed[1],
        Welcomed::Started { replaced: true, transmit, .. } if transmit == &["two"]
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_new_sessions_stays_within_the_limit() {
    const LIMIT: usize = 500;
    const FLOOD: usize = 10_000;
    let config = SessionsConfig {
        max_sessions: LIMIT,
        lifetime: Duration::from_millis(100),
        ..SessionsConfig::default()
    };
    let (url, app) = serve(config).await;
    let (mut accepted, mut refused, mut most) = (0, 0, 0);
    for _ in 0..FLOOD / 50 {
        let batch = (0..50).map(|_| {
            let url = url.clone();
            tokio::spawn(async move { Client::new().connect(&url, "").await })
        });
        for outcome in futures_util::future::join_all(batch).await {
            match outcome.unwrap() {
                Ok(()) => accepted += 1,
                Err(Some(close)) if u16::from(close.code) == 1013 => refused += 1,
                Err(other) => panic!("neither accepted nor refused with 1013: {other:?}"),
            }
        }
        most = most.max(app.sessions.len());
    }
    assert!(most <= LIMIT, "{most} sessions kept at once, limit {LIMIT}");
    assert_eq!(accepted + refused, FLOOD);
    assert!(
        accepted > LIMIT,
        "expired sessions make room: {accepted} accepted"
    );
}

#[tokio::test]
async fn a_ping_gets_a_pong() {
    let (url, _app) = serve(SessionsConfig::default()).await;
    let mut client = Client::new();
    client.connect(&url, "ada").await.unwrap();
    let socket = client.socket.as_mut().unwrap();
    socket.send(text(Control::Ping.encode())).await.unwrap();
    let pong = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .unwrap();
    assert_eq!(pong.unwrap().unwrap(), text("~pong".into()));
}

/// The session `client` has on the server, as a handle.
fn handle_of(app: &App, client: &Client) -> resocket_axum::SessionHandle {
    let id = &client.session.identity().unwrap().id;
    app.sessions.get(id).expect("the store keeps the session")
}

#[tokio::test]
async fn a_handle_sends_from_another_task_and_the_store_lists_it() {
    let (url, app) = serve(SessionsConfig::default()).await;
    let mut client = Client::new();
    client.connect(&url, "ada").await.unwrap();
    let handle = handle_of(&app, &client);
    assert_eq!(handle.owner(), "ada");
    assert!(handle.is_connected());
    let listed: Vec<String> = app
        .sessions
        .handles()
        .iter()
        .map(|h| h.id().to_owned())
        .collect();
    assert_eq!(listed, [handle.id().to_owned()]);
    tokio::spawn(async move { handle.send("pushed").await })
        .await
        .unwrap()
        .unwrap();
    client.receive_until(1).await;
    assert_eq!(client.got, ["pushed"]);
}

#[tokio::test]
async fn terminating_the_connection_sends_no_close_frame_and_the_client_resumes() {
    let (url, app) = serve(SessionsConfig::default()).await;
    let mut client = Client::new();
    client.connect(&url, "ada").await.unwrap();
    for message in numbered(0..50) {
        client.send(&message).await;
    }
    client.receive_until(20).await;
    let handle = handle_of(&app, &client);
    assert!(handle.terminate_connection());
    assert!(!handle.terminate_connection(), "one connection, ended once");
    let mut socket = client.socket.take().unwrap();
    let last = frames_until_the_end(&mut socket).await;
    assert!(
        !last.iter().any(|frame| matches!(frame, Message::Close(_))),
        "no close frame: {last:?}"
    );
    // Echoes that came before the end count as received.
    for frame in last {
        if let Message::Text(text) = frame
            && let Some(message) = text.strip_prefix('m')
        {
            client.session.message(message.len() as u64, 0.0).unwrap();
            client.got.push(message.to_owned());
        }
    }
    client.drop_connection();
    eventually("the server to notice", || !handle.is_connected()).await;
    for message in numbered(50..60) {
        client.send(&message).await;
    }
    client.connect(&url, "ada").await.unwrap();
    assert!(matches!(client.welcomed[1], Welcomed::Resumed { .. }));
    assert!(handle.is_connected());
    client.receive_until(60).await;
    assert_eq!(client.got, numbered(0..60));
    eventually("each message handled once", || {
        app.handled.load(Ordering::Relaxed) == 60
    })
    .await;
    assert_eq!(app.ended.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn closing_the_connection_keeps_the_session_even_when_the_client_answers_1000() {
    let (url, app) = serve(SessionsConfig::default()).await;
    let mut client = Client::new();
    client.connect(&url, "ada").await.unwrap();
    client.send("one").await;
    client.receive_until(1).await;
    let handle = handle_of(&app, &client);
    assert!(handle.close_connection(1000, "moving you"));
    let mut socket = client.socket.take().unwrap();
    // tokio-tungstenite answers the close frame with the same code, 1000.
    let last = frames_until_the_end(&mut socket).await;
    let Some(Message::Close(Some(close))) = last.last() else {
        panic!("a close frame last: {last:?}");
    };
    assert_eq!(
        (u16::from(close.code), close.reason.as_str()),
        (1000, "moving you")
    );
    client.drop_connection();
    eventually("the server to notice", || !handle.is_connected()).await;
    assert!(!handle.is_ended());
    assert_eq!(app.sessions.len(), 1);
    client.connect(&url, "ada").await.unwrap();
    assert!(matches!(client.welcomed[1], Welcomed::Resumed { .. }));
    client.send("two").await;
    client.receive_until(2).await;
    assert_eq!(client.got, ["one", "two"]);
}

#[tokio::test]
async fn ending_the_session_closes_its_connection_and_the_client_starts_anew() {
    let (url, app) = serve(SessionsConfig::default()).await;
    let mut client = Client::new();
    client.connect(&url, "ada").await.unwrap();
    client.send("one").await;
    client.receive_until(1).await;
    let handle = handle_of(&app, &client);
    handle.end(4001, &"why ".repeat(40));
    let mut socket = client.socket.take().unwrap();
    let last = frames_until_the_end(&mut socket).await;
    let Some(Message::Close(Some(close))) = last.last() else {
        panic!("a close frame last: {last:?}");
    };
    assert_eq!(u16::from(close.code), 4001);
    assert_eq!(
        close.reason.len(),
        123,
        "the reason cut to what a frame holds"
    );
    eventually("the handler's stream to end", || {
        app.ended.load(Ordering::Relaxed) == 1
    })
    .await;
    assert!(handle.is_ended());
    assert!(app.sessions.get(handle.id()).is_none());
    assert_eq!(app.sessions.len(), 0);
    assert_eq!(handle.send("late").await, Err(SessionEnded));
    handle.end(1000, "again"); // nothing more happens
    client.drop_connection();
    client.connect(&url, "ada").await.unwrap();
    assert!(matches!(
        &client.welcomed[1],
        Welcomed::Started { replaced: true, .. }
    ));
}

#[tokio::test]
async fn a_wrapped_connection_shows_its_frames_to_the_wrapper() {
    let (url, app) = serve(SessionsConfig::default()).await;
    let url = url.replace("/echo", "/wrapped");
    let mut client = Client::new();
    client.connect(&url, "").await.unwrap();
    for message in ["a", "b", "c"] {
        client.send(message).await;
    }
    client.receive_until(3).await;
    assert_eq!(client.got, ["a", "b", "c"]);
    assert_eq!(*app.frames.lock().unwrap(), ['~', 'm', 'm', 'm']);
}
