//! The `--allow-origin` list:
//! - a listed origin, or no `Origin` header at all, may open a WebSocket
//! - any other origin is refused with 403 on every WebSocket endpoint
//! - without a list, every origin may

use resocket_server::ServerConfig;
use tokio_tungstenite::tungstenite::Error;

use crate::support::{TestServer, with_header};

#[tokio::test]
async fn only_listed_origins_may_connect() {
    let server = TestServer::start_with(ServerConfig {
        allowed_origins: vec![
            "http://127.0.0.1:9000".to_owned(),
            "http://localhost:9000/".to_owned(),
        ],
        ..ServerConfig::default()
    })
    .await;
    for origin in ["http://127.0.0.1:9000", "http://localhost:9000"] {
        let request = with_header(server.ws_request("/echo"), "Origin", origin);
        server.connect_with(request).await;
    }
    server.connect("/chat").await;

    for path in ["/echo", "/chat"] {
        let request = with_header(server.ws_request(path), "Origin", "http://evil.example");
        match server.try_connect(request).await {
            Err(Error::Http(response)) => assert_eq!(response.status().as_u16(), 403),
            other => panic!("expected HTTP 403, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn without_a_list_every_origin_may_connect() {
    let server = TestServer::start().await;
    let request = with_header(
        server.ws_request("/echo"),
        "Origin",
        "http://anywhere.example",
    );
    server.connect_with(request).await;
}
