//! Shutdown:
//! - open WebSockets get a 1001 close frame and `run` returns
//! - a hanging handshake does not hold shutdown up; it is answered 503

use std::time::Duration;

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{sleep, timeout};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::support::{PATIENCE, TestServer, next_message, parse_response};

#[tokio::test]
async fn shutdown_closes_websockets_with_going_away() {
    let server = TestServer::start().await;
    let mut echo = server.connect("/echo").await;
    let mut chat = server.connect("/chat").await;
    server
        .wait_for_stats("both sessions", |stats| {
            stats["endpoints"]["echo"]["open"] == 1 && stats["endpoints"]["chat"]["open"] == 1
        })
        .await;

    let stopping = tokio::spawn(server.shut_down());
    for client in [&mut echo, &mut chat] {
        match next_message(client).await {
            Message::Close(Some(frame)) => assert_eq!(frame.code, CloseCode::Away),
            other => panic!("expected close 1001, got {other:?}"),
        }
        // Reading on sends the client's answering close frame, completing the handshake.
        let end = timeout(PATIENCE, client.next())
            .await
            .expect("connection ends");
        assert!(end.is_none(), "{end:?}");
    }
    stopping.await.expect("join").expect("run returns Ok");
}

#[tokio::test]
async fn a_hanging_handshake_does_not_hold_shutdown_up() {
    let server = TestServer::start().await;
    let mut hanging = TcpStream::connect(server.addr).await.expect("connect");
    let handshake = format!(
        "GET /echo?hang=1 HTTP/1.1\r\nHost: {}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        server.addr
    );
    hanging
        .write_all(handshake.as_bytes())
        .await
        .expect("write");
    // Give the request time to reach its handler, so shutdown finds it in flight.
    sleep(Duration::from_millis(100)).await;

    server.shut_down().await.expect("run returns Ok");
    let mut raw = Vec::new();
    timeout(PATIENCE, hanging.read_to_end(&mut raw))
        .await
        .expect("answered at shutdown")
        .expect("read");
    assert_eq!(parse_response(&raw).status, 503);
}
