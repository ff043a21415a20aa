//! `--tls`: WSS and HTTPS on the same routes, with the certificate made at startup.

use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use resocket_server::{Server, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_tungstenite::tungstenite::Message;

use crate::support::PATIENCE;

/// A TLS connection that trusts only `certificate`, checked against the name `host`.
async fn tls_connect(
    addr: SocketAddr,
    certificate: &[u8],
    host: &'static str,
) -> std::io::Result<TlsStream<TcpStream>> {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(certificate.to_vec()))
        .expect("a valid certificate");
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(host).expect("a server name");
    TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
}

#[tokio::test]
async fn serves_wss_and_https_with_a_certificate_for_127_0_0_1_and_localhost() {
    let server = Server::bind(ServerConfig {
        port: 0,
        tls: true,
        ..ServerConfig::default()
    })
    .await
    .expect("bind");
    let addr = server.local_addr();
    assert_eq!(server.url(), format!("https://{addr}"));
    let certificate = server
        .certificate_der()
        .expect("a TLS server has a certificate")
        .to_vec();
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    let by_ip = timeout(PATIENCE, tls_connect(addr, &certificate, "127.0.0.1"))
        .await
        .expect("handshake in time")
        .expect("TLS to 127.0.0.1");
    let by_name = timeout(PATIENCE, tls_connect(addr, &certificate, "localhost"))
        .await
        .expect("handshake in time")
        .expect("TLS to localhost");

    let (mut client, _) = tokio_tungstenite::client_async(format!("wss://{addr}/echo"), by_ip)
        .await
        .expect("WebSocket handshake over TLS");
    client.send(Message::text("over tls")).await.expect("send");
    let echoed = timeout(PATIENCE, client.next())
        .await
        .expect("an echo in time")
        .expect("the stream is open")
        .expect("a message");
    assert_eq!(echoed, Message::text("over tls"));

    let mut https = by_name;
    https
        .write_all(b"GET /stats HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("write a request");
    let mut response = String::new();
    timeout(PATIENCE, https.read_to_string(&mut response))
        .await
        .expect("a response in time")
        .expect("read the response");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    let _ = client.close(None).await;
    let _ = stop.send(());
    timeout(PATIENCE * 2, running)
        .await
        .expect("shutdown finishes in time")
        .expect("server task did not panic")
        .expect("served without error");
}

#[tokio::test]
async fn plain_servers_have_no_certificate() {
    let server = Server::bind(ServerConfig {
        port: 0,
        ..ServerConfig::default()
    })
    .await
    .expect("bind");
    assert!(server.certificate_der().is_none());
    assert_eq!(server.url(), format!("http://{}", server.local_addr()));
}
