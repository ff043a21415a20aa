//! The server side of the npm package (`resocket/server`): the session protocol's server half
//! (`PROTOCOL.md`), resocket-core's [`ServerSession`](resocket_core::session::ServerSession),
//! behind a small numeric interface that the package's Node adapter (`src/js/server/`) drives
//! over the `ws` package.
//!
//! The adapter owns every Node object: the sockets, the timers, the messages themselves, the
//! map from session ids to handles and the application's resume hook. It reports what arrived
//! (a first frame, a message's size, a control frame) and the time, and carries out what the
//! answer says: the frame to send, the messages to send again, the error to close with. Every
//! decision of the protocol (what a first frame asks for, whether a key matches, the
//! numbering, when to acknowledge, the window, what a resume sends again, what is a protocol
//! error, when a session without a connection has waited long enough) is the core's, the same
//! code resocket-axum and the clients run. Randomness (ids, keys, the store's epoch) comes from
//! the adapter (Node's `crypto.randomBytes`), as the module has none of its own.
//!
//! The module imports nothing and exports plain functions of numbers (`exports.rs`, built for
//! wasm32 only); what they do is [`Store`]'s, tested natively.

#[cfg(target_arch = "wasm32")]
mod exports;
mod store;

pub use store::{Claim, Frame, Opened, Resumed, Sent, Store};
