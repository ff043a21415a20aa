//! Binding the listener and running until shutdown.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::time::timeout;

use crate::config::ServerConfig;
use crate::routes;
use crate::state::AppState;
use crate::tls::Tls;

/// How long shutdown waits for WebSocket sessions to finish their close handshakes.
const SESSIONS_GRACE: Duration = Duration::from_secs(3);

/// A server bound to its port but not yet serving: read the port from
/// [`local_addr`](Self::local_addr), then [`run`](Self::run) it.
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    router: Router,
    state: Arc<AppState>,
    tls: Option<Tls>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Binds 127.0.0.1 on `config.port`, never any other interface.
    ///
    /// # Errors
    ///
    /// The port cannot be bound, for example because it is in use; the error names the address.
    /// With [`ServerConfig::tls`], the certificate could not be made.
    pub async fn bind(config: ServerConfig) -> io::Result<Self> {
        let tls = if config.tls {
            Some(Tls::generate()?)
        } else {
            None
        };
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, config.port));
        let with_address = |error: io::Error| {
            io::Error::new(error.kind(), format!("cannot listen on {address}: {error}"))
        };
        let listener = TcpListener::bind(address).await.map_err(with_address)?;
        let local_addr = listener.local_addr().map_err(with_address)?;
        let resumable = match &config.session_store {
            Some(url) => AppState::shared_sessions(url).await?,
            None => AppState::memory_sessions(),
        };
        let state = Arc::new(AppState::new(config.allowed_origins.clone(), resumable));
        Ok(Self {
            listener,
            local_addr,
            router: routes::router(&config, Arc::clone(&state)),
            state,
            tls,
        })
    }

    /// The address actually bound: with port 0, the port the system picked.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://127.0.0.1:PORT`, or `https://…` with [`ServerConfig::tls`].
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.local_addr)
    }

    /// With [`ServerConfig::tls`], the self-signed certificate made at startup (DER), for
    /// clients that should trust it; `None` without TLS.
    pub fn certificate_der(&self) -> Option<&[u8]> {
        self.tls.as_ref().map(Tls::certificate_der)
    }

    /// Serves until `shutdown` resolves, then stops accepting, answers hanging handshakes,
    /// closes every WebSocket with 1001 (going away) and waits a bounded time for them.
    ///
    /// # Errors
    ///
    /// Serving failed; connections that fail on their own are logged, not returned.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
        let Self {
            listener,
            local_addr,
            router,
            state,
            tls,
        } = self;
        let stop = state.shutdown.clone();
        let shutdown = async move {
            shutdown.await;
            stop.cancel();
        };
        let served = match tls {
            None => {
                // Small frames go at once: without it, a frame written while the last one is
                // unacknowledged waits for the peer's delayed ACK (up to 40 ms), which a session's
                // echo followed by its ack meets.
                let listener = listener.tap_io(|tcp| {
                    let _ = tcp.set_nodelay(true);
                });
                axum::serve(listener, router)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
            Some(tls) => {
                axum::serve(tls.listen(listener, local_addr), router)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
        };
        state.shutdown.cancel();
        state.sessions.close();
        if timeout(SESSIONS_GRACE, state.sessions.wait())
            .await
            .is_err()
        {
            log_line!(
                "{} WebSocket sessions did not close within {SESSIONS_GRACE:?}; dropping them",
                state.sessions.len()
            );
        }
        served
    }
}

/// Binds and serves until `shutdown` resolves: [`Server::bind`] then [`Server::run`].
///
/// # Errors
///
/// As [`Server::bind`] and [`Server::run`].
pub async fn serve(
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    Server::bind(config).await?.run(shutdown).await
}
