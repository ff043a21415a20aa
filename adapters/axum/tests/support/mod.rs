//! What the adapter's test files share: a session client made of
//! `resocket_core::session::ClientSession` (the clients' own protocol code) over
//! tokio-tungstenite, and waiting helpers.
#![allow(dead_code)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use resocket_core::session::{AckPolicy, ClientSession, Control, DEFAULT_WINDOW, Terms, Welcomed};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub const TERMS: Terms = Terms {
    window: DEFAULT_WINDOW,
    batches: false,
};

/// A session client: the protocol's client side over one connection at a time.
pub struct Client {
    pub session: ClientSession<String>,
    pub socket: Option<Socket>,
    pub got: Vec<String>,
    pub welcomed: Vec<Welcomed<String>>,
}

impl Client {
    pub fn new() -> Client {
        Client::with_terms(TERMS)
    }

    pub fn with_terms(terms: Terms) -> Client {
        Client {
            session: ClientSession::new(terms, AckPolicy::default()),
            socket: None,
            got: Vec::new(),
            welcomed: Vec::new(),
        }
    }

    /// Connects as `user` and runs the handshake; the close frame if the server refused.
    pub async fn connect(&mut self, url: &str, user: &str) -> Result<(), Option<CloseFrame>> {
        let mut socket = open(url, user).await;
        socket
            .send(text(self.session.opened().encode()))
            .await
            .unwrap();
        let welcome = loop {
            match socket.next().await {
                Some(Ok(Message::Text(frame))) => break Control::parse(&frame).unwrap(),
                Some(Ok(Message::Close(frame))) => return Err(frame),
                Some(Ok(_)) => {}
                _ => return Err(None),
            }
        };
        let welcomed = self.session.control(welcome).unwrap().unwrap();
        let resend = match &welcomed {
            Welcomed::Resumed { replay } => replay.clone(),
            Welcomed::Started { transmit, .. } => transmit.clone(),
        };
        for message in resend {
            socket.send(text(format!("m{message}"))).await.unwrap();
        }
        self.welcomed.push(welcomed);
        self.socket = Some(socket);
        Ok(())
    }

    pub async fn send(&mut self, message: &str) {
        let accepted = self.session.send(message.to_owned()).unwrap();
        if let (resocket_core::session::Accepted::Transmit, Some(socket)) =
            (accepted, &mut self.socket)
        {
            socket.send(text(format!("m{message}"))).await.unwrap();
        }
    }

    /// Reads frames until `count` messages arrived in all; acks as the protocol says.
    pub async fn receive_until(&mut self, count: usize) {
        let socket = self.socket.as_mut().unwrap();
        while self.got.len() < count {
            let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
                .await
                .expect("a frame within 5 s")
                .expect("the connection is open")
                .unwrap();
            let Message::Text(frame) = frame else {
                continue;
            };
            if let Some(message) = frame.strip_prefix('m') {
                let ack_now = self.session.message(message.len() as u64, 0.0).unwrap();
                self.got.push(message.to_owned());
                if ack_now && let Some(ack) = self.session.take_ack() {
                    socket.send(text(ack.encode())).await.unwrap();
                }
            } else {
                self.session
                    .control(Control::parse(&frame).unwrap())
                    .unwrap();
            }
        }
    }

    /// Reads what arrives within 200 ms of quiet (acks, say), as [`receive_until`] does.
    pub async fn receive_pending(&mut self) {
        loop {
            let wanted = self.got.len() + 1;
            let more = tokio::time::timeout(Duration::from_millis(200), async {
                let socket = self.socket.as_mut().unwrap();
                socket.next().await
            })
            .await;
            let Ok(Some(Ok(frame))) = more else {
                return;
            };
            let Message::Text(frame) = frame else {
                continue;
            };
            if let Some(message) = frame.strip_prefix('m') {
                self.session.message(message.len() as u64, 0.0).unwrap();
                self.got.push(message.to_owned());
                debug_assert_eq!(self.got.len(), wanted);
            } else {
                let control = Control::parse(&frame).unwrap();
                self.session.control(control).unwrap();
            }
        }
    }

    /// The connection dies without a close frame.
    pub fn drop_connection(&mut self) {
        self.socket = None;
        self.session.disconnected();
    }
}

pub async fn open(url: &str, user: &str) -> Socket {
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "resocket.v1".parse().unwrap());
    request
        .headers_mut()
        .insert("x-user", user.parse().unwrap());
    let (socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], "resocket.v1");
    socket
}

pub fn text(frame: String) -> Message {
    Message::Text(frame.into())
}

pub fn numbered(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|n| format!("msg {n}")).collect()
}

/// Waits (at most 5 s) until `done` holds.
pub async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..250 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("never saw {what}");
}

/// The frames until the connection ends: what the server sent before it went.
pub async fn frames_until_the_end(socket: &mut Socket) -> Vec<Message> {
    let mut frames = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("the connection ends within 5 s")
        {
            Some(Ok(frame)) => frames.push(frame),
            Some(Err(_)) | None => return frames,
        }
    }
}

#[cfg(feature = "redis")]
pub mod redis;
