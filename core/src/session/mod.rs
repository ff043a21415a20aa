//! Resumable sessions: the protocol of `PROTOCOL.md`, sans-IO, for both ends.
//!
//! In a session every message either side accepts reaches the other exactly once and in
//! order, across dropped connections: each side numbers what it sends (implicitly, by its
//! place in the session), keeps it until the peer's cumulative acknowledgement, and on a new
//! connection the client's `resume` and the server's `welcome` say where each should send
//! again from. A server that lost the session answers with a new one, and the client's
//! application learns exactly which of its messages may not have arrived.
//!
//! [`ClientSession`] is the client's side, [`ServerSession`] the server's, [`Control`] the
//! control frames both read and write. Frames other than control frames carry messages:
//! [`MESSAGE_TAG`] then the message, or [`BATCH_TAG`] then a JSON array of text messages
//! ([`Batch`] bounds those, and a client gathers them per turn of its event loop).
//! Nothing here does IO or reads a clock: the caller passes the time, and the randomness of
//! session ids and keys.

mod batch;
mod client;
mod control;
mod incoming;
mod outgoing;
mod probe;
mod saved;
mod server;
mod slot;

pub use batch::{Batch, MAX_BATCH_BYTES, Transmission};
pub use client::{Accepted, ClientSession, Welcomed};
pub use control::{
    CONTROL_TAG, Control, Identity, MAX_CONTROL_LEN, MAX_COUNT, MAX_TOKEN_LEN, Terms, same_secret,
    token,
};
pub use incoming::{AckPolicy, Incoming};
pub use outgoing::{Outgoing, WindowFull};
pub(crate) use probe::Probe;
pub use saved::{Saved, SavedHeader};
pub use server::{Opening, ServerSession, StoredCounts};
pub(crate) use slot::Slot;

/// The protocol version this side speaks.
pub const VERSION: u32 = 1;

/// The WebSocket subprotocol a client offers and a server that speaks the protocol selects.
/// A connection where the server selected none is not a session: the client fails it clearly
/// rather than send anything a plain server would take for a message.
pub const SUBPROTOCOL: &str = "resocket.v1";

/// The first character (text frames) or byte (binary frames) of a frame that carries one
/// message: the rest of the frame is the message.
pub const MESSAGE_TAG: u8 = b'm';

/// The first character of a text frame that carries several text messages, in order: the
/// rest of the frame is a JSON array of strings. Only sent to a side whose terms say it reads
/// batches.
pub const BATCH_TAG: u8 = b'b';

/// The default window: the bytes of unacknowledged messages a side keeps before its sends
/// wait, as SignalR's stateful reconnect keeps 100 KB.
pub const DEFAULT_WINDOW: u64 = 100 * 1024;

/// What a frame carries, by its first character or byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameKind {
    /// One message, after the tag.
    Message,
    /// Several text messages, as a JSON array after the tag.
    Batch,
    /// A control frame ([`Control::parse`] reads the whole frame).
    Control,
}

impl FrameKind {
    /// What a frame starting with `first` carries (its first character's byte for a text
    /// frame); a frame that starts otherwise, or is empty, is a protocol error.
    pub fn of(first: Option<u8>) -> Result<FrameKind, ProtocolError> {
        match first {
            Some(MESSAGE_TAG) => Ok(FrameKind::Message),
            Some(BATCH_TAG) => Ok(FrameKind::Batch),
            Some(b'~') => Ok(FrameKind::Control),
            _ => Err(ProtocolError::new(
                "a frame that is not of the session protocol",
            )),
        }
    }
}

/// A peer broke the protocol: the connection is closed with 1002 and this as its reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolError {
    reason: String,
}

impl ProtocolError {
    /// A protocol error for `reason` (at most 123 bytes, to fit a close frame).
    pub fn new(reason: &str) -> Self {
        ProtocolError {
            reason: reason.to_owned(),
        }
    }

    fn missing(field: &str) -> Self {
        ProtocolError {
            reason: ["a control frame without ", field].concat(),
        }
    }

    fn invalid(field: &str) -> Self {
        ProtocolError {
            reason: ["a control frame with an invalid ", field].concat(),
        }
    }

    /// What was wrong, short enough for a close reason (at most 123 bytes).
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "session protocol error: {}", self.reason)
    }
}

impl std::error::Error for ProtocolError {}
