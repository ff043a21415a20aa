//! What the server is told at startup.

use std::path::PathBuf;

/// Startup settings of the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// TCP port on 127.0.0.1; 0 picks a free one, which [`Server::local_addr`] then tells.
    ///
    /// [`Server::local_addr`]: crate::Server::local_addr
    pub port: u16,
    /// Directory served at `/`. A missing directory answers 404s.
    pub www: PathBuf,
    /// Directory served at `/pkg/`, where `wasm-pack` writes the npm package.
    pub pkg: PathBuf,
    /// Origins allowed to open WebSockets. Empty allows every origin; requests without an
    /// `Origin` header (non-browser clients) are always allowed.
    pub allowed_origins: Vec<String>,
    /// Serve HTTPS and WSS instead of HTTP and WS, with a self-signed certificate for
    /// `127.0.0.1` and `localhost` made at startup.
    pub tls: bool,
    /// A Redis URL (`redis://…`, `redis+unix://…`): `/session` keeps its sessions there, shared
    /// with every server started on the same Redis, so a client resumes on whichever it
    /// reaches. Without it they are kept in memory.
    pub session_store: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            port: 8080,
            www: PathBuf::from("www"),
            pkg: PathBuf::from("pkg"),
            allowed_origins: Vec::new(),
            tls: false,
            session_store: None,
        }
    }
}
