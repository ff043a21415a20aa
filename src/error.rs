//! The one error type of the Rust API.

use std::time::Duration;

use crate::codec::DecodeError;
use resocket_core::{CloseCodeError, Failure, PolicyError, Removal, SendError};

/// Everything that can go wrong, each variant carrying the offending input. More may come:
/// match with a wildcard.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The URL cannot be used for a WebSocket.
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A subprotocol name is not a valid token, or is given twice.
    InvalidProtocol {
        /// The protocol given.
        protocol: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An option is out of range.
    InvalidOption(PolicyError),
    /// A close code or reason that a browser may not send.
    InvalidClose(CloseCodeError),
    /// The socket is closed (or closing): call `reconnect` before sending. Also what a
    /// request waiting for its answer fails with when the socket closes for good (`close()`, a
    /// final close code, `max_retries` ran out, or the socket was dropped).
    Closed,
    /// The send queue is full and the overflow policy is to reject.
    QueueFull {
        /// The queue's capacity.
        capacity: usize,
    },
    /// In session mode, the messages the server has not acknowledged fill the session's
    /// window; the `Sink` waits instead.
    WindowFull {
        /// The window, in bytes.
        window: u64,
    },
    /// The message could not be encoded.
    Encode(String),
    /// A connection attempt or connection failed; the socket retries as its policy says.
    Connection(Failure),
    /// An incoming message was larger than `max_message_bytes` and was dropped; the
    /// connection stays open.
    MessageTooBig {
        /// The message's size, as measured: UTF-16 code units for text, bytes for binary.
        size: u64,
        /// The `max_message_bytes` in force.
        limit: usize,
    },
    /// A request got no answer within its timeout (time spent queued included).
    RequestTimeout {
        /// The request's id.
        id: u64,
        /// The timeout it was given.
        timeout: Duration,
    },
    /// The connection a request went out on was lost before its answer came. The server may or
    /// may not have acted on it; `Config::resend_requests` sends such requests again instead.
    ConnectionLost {
        /// The request's id.
        id: u64,
    },
    /// A request was still queued, waiting for a connection, when newer sends pushed it out of
    /// the full queue (`Overflow::DropOldest`): it never left the browser.
    Dropped {
        /// The request's id.
        id: u64,
    },
    /// The server answered a request with an `error` member (other than `null`).
    #[cfg(feature = "json")]
    Remote {
        /// The request's id.
        id: u64,
        /// The `error` member, as sent.
        error: serde_json::Value,
    },
    /// [`Socket::open`](crate::Socket::open) was called outside a browser (not on
    /// `wasm32-unknown-unknown`), where there is no `WebSocket` to drive. Native code drives
    /// [`resocket_core::Machine`] itself.
    NotInBrowser,
    /// The answer to a request has neither a `result` nor an `error` member, or its `result`
    /// does not decode into the response type. The error's `raw` is the whole answer.
    Decode {
        /// The request's id.
        id: u64,
        /// The answer and what is wrong with it.
        error: DecodeError,
    },
    /// A time to live ([`SendOptions::ttl`](crate::SendOptions::ttl), a request's) longer
    /// than a browser timer runs (2^31 - 1 ms, about 24.8 days); nothing was sent.
    InvalidTtl(Duration),
    /// A request's frame was taken back while still queued, before any socket had it: its
    /// time to live ran out ([`Removal::Expired`]) or it was cancelled. The server never saw
    /// it.
    Removed {
        /// The request's id.
        id: u64,
        /// Why.
        reason: Removal,
    },
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::InvalidUrl { url, reason } => {
                write!(f, "invalid WebSocket URL {}: {reason}", quoted(url))
            }
            Error::InvalidProtocol { protocol, reason } => {
                write!(f, "invalid subprotocol {}: {reason}", quoted(protocol))
            }
            Error::InvalidOption(error) => error.fmt(f),
            Error::InvalidClose(error) => error.fmt(f),
            Error::Closed => f.write_str("the socket is closed; call reconnect() before sending"),
            Error::NotInBrowser => f.write_str(
                "resocket's Socket runs in a browser (wasm32-unknown-unknown), where WebSocket \
                 exists; native code can drive resocket_core::Machine itself",
            ),
            Error::QueueFull { capacity } => write!(
                f,
                "the send queue is full ({capacity} messages) while disconnected; \
                 wait for the open event, raise queue_capacity, or use Overflow::DropOldest"
            ),
            Error::WindowFull { window } => write!(
                f,
                "the session's window is full ({window} bytes the server has not acknowledged); \
                 wait for its acknowledgements (the Sink waits)"
            ),
            Error::Encode(reason) => write!(f, "the message could not be encoded: {reason}"),
            Error::Connection(failure) => failure.fmt(f),
            Error::MessageTooBig { size, limit } => write!(
                f,
                "an incoming message of size {size} exceeded max_message_bytes ({limit}) and was \
                 dropped; the connection stays open"
            ),
            Error::RequestTimeout { id, timeout } => write!(
                f,
                "request {id} got no answer within {} ms; the server may still act on it",
                // As u64: formatting a u128 would ship its own code for one message.
                u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX)
            ),
            Error::ConnectionLost { id } => write!(
                f,
                "the connection request {id} was sent on was lost before the answer came; the \
                 server may or may not have acted on it (resend_requests(true) sends idempotent \
                 requests again)"
            ),
            Error::Dropped { id } => write!(
                f,
                "request {id} was pushed out of the full send queue by newer sends \
                 (Overflow::DropOldest) before a connection opened; it was never sent"
            ),
            #[cfg(feature = "json")]
            Error::Remote { id, error } => {
                write!(f, "the server answered request {id} with an error: ")?;
                match error.get("message").and_then(serde_json::Value::as_str) {
                    Some(message) => f.write_str(message),
                    // Written to a String first: `Value`'s Display adapts the formatter to
                    // io::Write, which brings io errors' Debug and Unicode tables along.
                    None => f.write_str(&serde_json::to_string(error).unwrap_or_default()),
                }
            }
            Error::InvalidTtl(ttl) => write!(
                f,
                "invalid time to live of {} ms: expected from 0 to 2147483647 ms (the browser \
                 timer limit)",
                u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX)
            ),
            Error::Removed { id, reason } => write!(
                f,
                "request {id} was removed from the send queue ({}) before any connection had it; \
                 it was never sent",
                reason.name()
            ),
            Error::Decode { id, error } => write!(
                f,
                "the answer to request {id} could not be decoded: {}",
                error.reason
            ),
        }
    }
}

impl std::error::Error for Error {}

/// `text` in double quotes, with quotes, backslashes and control characters escaped as
/// `{:?}` escapes them. `{:?}` also escapes the characters Unicode calls unprintable, and the
/// tables for that would ship in the npm package's wasm for a few error messages.
pub(crate) fn quoted(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\0' => quoted.push_str("\\0"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            c if c.is_control() => quoted.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

impl From<SendError> for Error {
    fn from(error: SendError) -> Self {
        match error {
            SendError::Closed => Error::Closed,
            SendError::QueueFull { capacity } => Error::QueueFull { capacity },
            SendError::WindowFull { window } => Error::WindowFull { window },
        }
    }
}

impl From<PolicyError> for Error {
    fn from(error: PolicyError) -> Self {
        Error::InvalidOption(error)
    }
}

impl From<CloseCodeError> for Error {
    fn from(error: CloseCodeError) -> Self {
        Error::InvalidClose(error)
    }
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn quoted_escapes_as_debug_does() {
        for text in [
            "",
            "wss://example.com/a b",
            "say \"hi\"",
            "a\\b",
            "\0\t\r\n\u{1b}\u{7f}\u{85}",
            "é✓",
        ] {
            assert_eq!(quoted(text), format!("{text:?}"));
        }
    }
}
