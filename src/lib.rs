//! resocket: a browser WebSocket client that stays connected.
//!
//! A [`Socket`] wraps the browser's `WebSocket` with automatic reconnects (capped, jittered
//! exponential backoff), a heartbeat that detects dead connections, a bounded queue for
//! messages sent while disconnected, a clear close-code policy, and typed messages through
//! serde. It is a [`Stream`](futures_core::Stream) of [`Event`]s and a
//! [`Sink`](futures_sink::Sink) of messages, and runs in windows and Web Workers alike.
//!
//! ```no_run
//! use std::time::Duration;
//! use futures_util::StreamExt;
//! use resocket::{Config, Event, Heartbeat, Socket};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug)]
//! enum Chat { Join { name: String }, Say { text: String } }
//!
//! # async fn run() -> Result<(), resocket::Error> {
//! let config = Config::new("wss://example.com/chat")
//!     .heartbeat(Heartbeat::new(Duration::from_secs(15), Duration::from_secs(5)));
//! let socket: Socket<Chat, Chat> = Socket::open(config)?;
//! let (sender, mut events) = socket.split();
//! sender.try_send(&Chat::Join { name: "ada".into() })?;
//! while let Some(event) = events.next().await {
//!     if let Event::Message(message) = event {
//!         web_sys::console::log_1(&format!("{message:?}").into()); // println! prints nothing in a browser
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Every decision (when to retry, when a connection is dead, what a full queue does, which
//! messages go again after a drop) is made by [`resocket_core`], a sans-IO state machine with
//! no browser dependency that the npm package's engine runs too; this crate's browser glue only
//! carries out its decisions. Its types that this API shows are re-exported here.
#![deny(missing_docs)]

// The Rust examples of the README and the Rust guide compile as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
#[cfg(doctest)]
#[doc = include_str!("../docs/rust.md")]
struct RustGuideExamples;

pub mod codec;
mod config;
mod control;
mod driver;
mod error;
mod message;
mod setup;
mod socket;
mod target;

#[cfg(feature = "msgpack")]
pub use codec::MsgPack;
pub use codec::{Bytes, DecodeError, Js, Json, Raw, Text};
#[cfg(feature = "session")]
pub use config::Session;
pub use config::{Config, Heartbeat};
pub use control::{SendHandle, SendOptions};
pub use error::Error;
pub use message::Message;
pub use resocket_core::{
    Backoff, CloseCodeError, Closed, Failure, HeartbeatTiming, Overflow, Policy, PolicyError,
    PolicyOption, Removal, Sent, State,
};
pub use setup::Setup;
#[cfg(feature = "json")]
pub use socket::Response;
pub use socket::{Event, Receiver, Sender, Socket};
