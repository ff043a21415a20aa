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
//! The connection logic lives in [`core`], a sans-IO state machine with no browser
//! dependency; the browser glue only carries out its decisions. The `browser` feature (on by
//! default) is everything else: without it the crate is [`core`] alone, with no dependencies.
#![deny(missing_docs)]

// The Rust examples of the README and the Rust guide compile as doctests.
#[cfg(all(doctest, feature = "browser"))]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
#[cfg(all(doctest, feature = "browser"))]
#[doc = include_str!("../docs/rust.md")]
struct RustGuideExamples;

#[cfg(feature = "browser")]
pub mod codec;
#[cfg(feature = "browser")]
mod config;
pub mod core;
#[cfg(feature = "browser")]
mod driver;
#[cfg(feature = "browser")]
mod error;
#[cfg(feature = "browser")]
mod message;
#[cfg(feature = "browser")]
mod socket;
#[cfg(feature = "browser")]
mod target;

#[cfg(feature = "browser")]
pub use codec::{Bytes, DecodeError, Json, Raw, Text};
#[cfg(feature = "browser")]
pub use config::{Config, Heartbeat};
pub use core::{Closed, Overflow, Sent, State};
#[cfg(feature = "browser")]
pub use error::Error;
#[cfg(feature = "browser")]
pub use message::Message;
#[cfg(feature = "browser")]
pub use socket::{Event, Receiver, Response, Sender, Socket};
