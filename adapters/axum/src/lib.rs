//! resocket's resumable sessions for axum: a WebSocket route whose handler gets a [`Session`],
//! a `Stream` of the client's messages and a way to send them, that survives the client's
//! reconnects. Every message either side accepts reaches the other exactly once and in order;
//! a client whose session is gone (the server restarted, or it came back too late) is told
//! which of its messages may not have arrived.
//!
//! The protocol is `PROTOCOL.md`'s, and its rules are [`resocket_core::session`]'s, the code
//! resocket's clients run too: this crate only carries them out over axum's WebSocket, with
//! sessions kept in memory ([`Sessions`]) and bounded (a window of unacknowledged bytes per
//! session, a number of sessions, a lifetime after the client went away).
//!
//! A [`SessionHandle`] reaches a session from other tasks than its handler ([`Session::handle`],
//! [`Sessions::get`], [`Sessions::handles`]): to send, to end the connection that carries it
//! (with a close frame or without, as a network failure would) while the session stays for
//! the client to resume, or to end the session itself. [`Sessions::upgrade_wrapped`] passes
//! each connection's socket through a wrapper of the application's (to count or log frames,
//! or inject faults in tests).
//!
//! Several servers can serve one application's sessions: [`Sessions::shared`] keeps them in a
//! [`SessionStore`] as well (`RedisStore` with the `redis` feature), so a client resumes on
//! whichever server it reaches next, even after the one it was on died. Every change is
//! written before the client hears of it, and a server that lost a session to another can no
//! longer change it (`PROTOCOL.md`, "Servers sharing sessions").
//!
//! Security: session ids, keys and the store's epoch come from the operating system's CSPRNG
//! (128 bits each); the key travels in frames, never in the URL, is compared in constant
//! time, and never logged. A connection resumes a session only with its key and the resume
//! hook's consent (by default: the same owner, as the application names it per request).
#![deny(missing_docs)]

mod connection;
mod durable;
mod message;
#[cfg(feature = "redis")]
mod redis_store;
mod session;
mod shared_store;
mod store;

pub use message::Message;
#[cfg(feature = "redis")]
pub use redis_store::RedisStore;
/// The WebSocket subprotocol a session's connection negotiates: `resocket.v1`.
pub use resocket_core::session::SUBPROTOCOL;
pub use session::{Session, SessionEnded, SessionHandle};
pub use shared_store::{Changes, NewSession, SessionStore, StoreError, StoreFuture, StoredSession};
pub use store::{ResumeHook, Sessions, SessionsConfig};
