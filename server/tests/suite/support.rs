//! What every test needs: a server on a free port, a WebSocket client, raw HTTP requests and
//! bounded polling of `/stats`.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::StreamExt;
use resocket_server::{Server, ServerConfig};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, timeout};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Longest wait for something that should happen at once; only reached when a test fails.
pub const PATIENCE: Duration = Duration::from_secs(3);

pub struct TestServer {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    running: JoinHandle<io::Result<()>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(ServerConfig::default()).await
    }

    pub async fn start_with(config: ServerConfig) -> Self {
        let server = Server::bind(ServerConfig { port: 0, ..config })
            .await
            .expect("bind a free port");
        let addr = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let running = tokio::spawn(server.run(async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            stop,
            running,
        }
    }

    /// Triggers shutdown and waits, bounded, for `run` to return.
    pub async fn shut_down(self) -> io::Result<()> {
        let _ = self.stop.send(());
        timeout(PATIENCE * 2, self.running)
            .await
            .expect("shutdown finishes in time")
            .expect("server task did not panic")
    }

    pub fn ws_request(&self, path: &str) -> Request {
        format!("ws://{}{path}", self.addr)
            .into_client_request()
            .expect("valid WebSocket URL")
    }

    pub async fn connect(&self, path: &str) -> Client {
        self.connect_with(self.ws_request(path)).await
    }

    pub async fn connect_with(&self, request: Request) -> Client {
        let (client, _) = self.try_connect(request).await.expect("handshake succeeds");
        client
    }

    pub async fn try_connect(
        &self,
        request: Request,
    ) -> tungstenite::Result<(Client, tungstenite::handshake::client::Response)> {
        timeout(PATIENCE, tokio_tungstenite::connect_async(request))
            .await
            .expect("handshake answered in time")
    }

    pub async fn http(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
        http(self.addr, method, path, headers).await
    }

    pub async fn get(&self, path: &str) -> HttpResponse {
        self.http("GET", path, &[]).await
    }

    pub async fn stats(&self) -> Value {
        self.get("/stats").await.json()
    }

    /// Polls `/stats` until `done` holds; panics with the last answer after [`PATIENCE`].
    pub async fn wait_for_stats(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let stats = self.stats().await;
            if done(&stats) {
                return stats;
            }
            assert!(
                Instant::now() < deadline,
                "never saw {what}; last /stats: {stats}"
            );
            sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Adds a header to a WebSocket handshake request.
pub fn with_header(mut request: Request, name: &'static str, value: &'static str) -> Request {
    request
        .headers_mut()
        .insert(name, HeaderValue::from_static(value));
    request
}

pub struct HttpResponse {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("{error} in JSON body {:?}", self.text()))
    }
}

/// One HTTP/1.1 request on a fresh connection that the server closes after answering.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> HttpResponse {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        let mut request =
            format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        io::Result::Ok(raw)
    };
    let raw = timeout(PATIENCE, exchange)
        .await
        .expect("HTTP answer in time")
        .expect("HTTP exchange");
    parse_response(&raw)
}

pub fn parse_response(raw: &[u8]) -> HttpResponse {
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("end of HTTP head");
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("HTTP status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    HttpResponse {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// The next message, failing the test if none comes in time.
pub async fn next_message(client: &mut Client) -> Message {
    timeout(PATIENCE, client.next())
        .await
        .expect("a message in time")
        .expect("connection still open")
        .expect("a valid message")
}

/// Asserts nothing arrives for `quiet`.
pub async fn assert_quiet(client: &mut Client, quiet: Duration) {
    if let Ok(received) = timeout(quiet, client.next()).await {
        panic!("expected silence, got {received:?}");
    }
}

/// Asserts the connection ends without a close frame, as a browser's 1006.
pub async fn assert_dropped(client: &mut Client) {
    match timeout(PATIENCE, client.next()).await {
        Ok(None | Some(Err(_))) => {}
        Ok(Some(Ok(message))) => panic!("expected an abrupt end, got {message:?}"),
        Err(_) => panic!("connection still open"),
    }
}

/// The close frame that must come next.
pub async fn expect_close(client: &mut Client) -> Option<CloseFrame> {
    match next_message(client).await {
        Message::Close(frame) => frame,
        other => panic!("expected a close frame, got {other:?}"),
    }
}
