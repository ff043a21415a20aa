//! `--tls`: a self-signed certificate made at startup and a listener that hands axum finished
//! TLS handshakes, so HTTPS and WSS serve the same routes as HTTP and WS.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::{sleep, timeout};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::server::TlsStream;
use tokio_util::task::AbortOnDropHandle;

/// A client that has not finished its TLS handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Finished handshakes waiting for axum to take them.
const BACKLOG: usize = 64;

/// The certificate (for `127.0.0.1` and `localhost`) and the rustls setup that serves it.
pub(crate) struct Tls {
    acceptor: TlsAcceptor,
    certificate: CertificateDer<'static>,
}

impl Tls {
    /// A fresh self-signed certificate, rustls with the `ring` provider, HTTP/1.1 only.
    pub(crate) fn generate() -> io::Result<Self> {
        let generated = rcgen::generate_simple_self_signed(vec![
            "127.0.0.1".to_owned(),
            "localhost".to_owned(),
        ])
        .map_err(|error| io::Error::other(format!("cannot make a certificate: {error}")))?;
        let certificate = generated.cert.der().clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            generated.signing_key.serialize_der(),
        ));
        let tls_error = |error: rustls::Error| io::Error::other(format!("TLS setup: {error}"));
        let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_no_client_auth()
            .with_single_cert(vec![certificate.clone()], key)
            .map_err(tls_error)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            certificate,
        })
    }

    /// The certificate in DER, for clients that should trust it.
    pub(crate) fn certificate_der(&self) -> &[u8] {
        self.certificate.as_ref()
    }

    /// Accepts on `listener` in a background task and runs each handshake in its own task, so
    /// a slow or silent client never holds up the others.
    pub(crate) fn listen(&self, listener: TcpListener, local_addr: SocketAddr) -> TlsListener {
        let (ready, handshakes) = mpsc::channel(BACKLOG);
        let acceptor = self.acceptor.clone();
        let accepting = tokio::spawn(async move {
            loop {
                let (tcp, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Usually out of file descriptors: wait instead of spinning.
                        log_line!("accept failed: {error}");
                        sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = tcp.set_nodelay(true);
                let acceptor = acceptor.clone();
                let ready = ready.clone();
                tokio::spawn(async move {
                    match timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            let _ = ready.send((stream, peer)).await;
                        }
                        Ok(Err(error)) => log_line!("TLS handshake with {peer} failed: {error}"),
                        Err(_) => log_line!("TLS handshake with {peer} timed out"),
                    }
                });
            }
        });
        TlsListener {
            handshakes,
            local_addr,
            _accepting: AbortOnDropHandle::new(accepting),
        }
    }
}

/// What `axum::serve` accepts from under `--tls`: connections whose handshake is done.
pub(crate) struct TlsListener {
    handshakes: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local_addr: SocketAddr,
    /// Stops accepting when axum drops the listener at shutdown.
    _accepting: AbortOnDropHandle<()>,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.handshakes.recv().await {
            Some(accepted) => accepted,
            // The accepting task only ends when this listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}
