//! Demo and test server for resocket.
//!
//! Serves the demo page and the npm package, and WebSocket endpoints that misbehave on request,
//! so the browser tests can prove how the client reacts to drops, close codes, silence, delays,
//! refused handshakes and garbage. `/stats` and `/received` let a test check from the server's
//! side what the client did: how many sockets it held at once and what it sent, in which order.
//! The plain endpoints accept the first subprotocol a client offers, except `resocket.v1`,
//! which only `/session` and `/session-chat` speak.
//!
//! | route | what it does |
//! | --- | --- |
//! | `/` | static files from [`ServerConfig::www`] |
//! | `/pkg/` | static files from [`ServerConfig::pkg`] |
//! | `/echo` | WebSocket echo; query parameters inject faults (`drop_after`, `close_after`, `code`, `reason`, `silent`, `delay_ms`, `reject`, `garbage`, `hang`) |
//! | `/chat` | WebSocket broadcast to every `/chat` client, the sender included |
//! | `/rpc` | WebSocket requests answered by id: `{"id":1,"method":"add","params":[2,3]}` gets `{"id":1,"result":5}` (methods `add`, `echo`, `sleep`, `notify`, `fail`; `id_field=NAME` renames the id); a binary request is MessagePack and is answered in MessagePack |
//! | `/session` | resumable sessions (`PROTOCOL.md`, subprotocol `resocket.v1`) on resocket-axum: every message echoed, requests of `/rpc`'s shape answered, each message recorded once in `/received` however many connections carried it; `/control` faults act on the connection and the session resumes, `forget` loses it |
//! | `/session-chat` | `/chat` on resumable sessions, as `/session` serves them (the demo page's resumable mode, `/?session`): every message goes to every session of the chat, the sender's included, in one order, exactly once, a session whose connection is down getting it when it resumes; one whose window stays full for 5 s is ended (1013) |
//! | `/stats` | open and total connections per endpoint and per `client=NAME` tag, as JSON |
//! | `/received?client=NAME` | what that client sent, in arrival order, as JSON |
//! | `/reset` | forgets totals and received messages (`GET`, `POST` or `DELETE`) |
//! | `/control?client=NAME&action=A` | `drop`, `silent`, `stall` or `close` (`code`, `reason`) that client's open sessions, `restart` the server (`down_ms`), or `forget` the resumable sessions (`/session`, `/session-chat`) of that client (of every client without `client`), as JSON `{"affected": N}` (`GET` or `POST`) |
//!
//! The server listens on 127.0.0.1 only. With [`ServerConfig::tls`] it serves HTTPS and WSS on the
//! same routes, with a self-signed certificate made at startup ([`Server::certificate_der`]).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use resocket_server::{Server, ServerConfig};
//!
//! let server = Server::bind(ServerConfig { port: 0, ..ServerConfig::default() }).await?;
//! println!("listening on {}", server.local_addr());
//! server.run(async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```

#![deny(missing_docs)]

/// Writes a line to the server's log (stderr), never failing: `eprintln!` panics when stderr is
/// gone (a launcher that closed its end of the pipe), and a log line must not take a
/// connection down with it.
macro_rules! log_line {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod chat;
mod config;
mod connection;
mod control;
mod echo;
mod faults;
mod live_sessions;
mod resumable;
mod routes;
mod rpc;
mod server;
mod session;
mod session_chat;
mod state;
mod static_files;
mod stats;
mod stats_http;
mod tls;
mod upgrade;
mod wire;

pub use config::ServerConfig;
pub use server::{Server, serve};
