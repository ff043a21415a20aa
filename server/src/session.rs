//! How a WebSocket session ends, and the close handshakes both endpoints share.

use std::fmt;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, close_code};
use tokio::time::timeout;

/// How long a close handshake may take before the connection is dropped anyway; also bounds a
/// send stuck behind a client that stopped reading.
pub(crate) const CLOSE_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(2);

/// Why a session ended, as the log's closing line tells it.
#[derive(Debug)]
pub(crate) enum Outcome {
    ClientClosed(Option<CloseFrame>),
    /// The stream ended, or failed, without a close frame from the client.
    Lost(Option<axum::Error>),
    /// The server closed TCP without a close frame, for the reason given (`drop_after`, or
    /// `/control`).
    Dropped(&'static str),
    ServerClosed {
        frame: CloseFrame,
        why: &'static str,
        answered: bool,
    },
    SendFailed(axum::Error),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ClientClosed(Some(frame)) => {
                write!(
                    f,
                    "client closed with {} {:?}",
                    frame.code,
                    frame.reason.as_str()
                )
            }
            Self::ClientClosed(None) => write!(f, "client closed without a code"),
            Self::Lost(None) => write!(f, "connection lost without a close frame"),
            Self::Lost(Some(error)) => write!(f, "connection lost without a close frame: {error}"),
            Self::Dropped(why) => write!(f, "dropped without a close frame by {why}"),
            Self::ServerClosed {
                frame,
                why,
                answered,
            } => {
                let answer = if *answered {
                    "answered"
                } else {
                    "not answered"
                };
                let reason = frame.reason.as_str();
                write!(
                    f,
                    "server closed with {} {reason:?} ({why}), {answer}",
                    frame.code
                )
            }
            Self::SendFailed(error) => write!(f, "sending failed: {error}"),
        }
    }
}

/// The close frame sent to every session when the server shuts down.
pub(crate) fn going_away() -> CloseFrame {
    CloseFrame {
        code: close_code::AWAY,
        reason: Utf8Bytes::from_static("server shutting down"),
    }
}

/// Starts a close handshake and waits, within bounds, for the client's answer.
pub(crate) async fn server_close(
    socket: &mut WebSocket,
    frame: CloseFrame,
    why: &'static str,
) -> Outcome {
    let handshake = async {
        socket
            .send(Message::Close(Some(frame.clone())))
            .await
            .is_ok()
            && finish_closing(socket).await
    };
    let answered = timeout(CLOSE_HANDSHAKE_TIMEOUT, handshake)
        .await
        .unwrap_or(false);
    Outcome::ServerClosed {
        frame,
        why,
        answered,
    }
}

/// Completes a close handshake the client started.
pub(crate) async fn client_closed(socket: &mut WebSocket, frame: Option<CloseFrame>) -> Outcome {
    // The answering close frame is only written by the next read. A timeout only means the
    // answer did not get out in time; the connection is dropped either way.
    let _ = timeout(CLOSE_HANDSHAKE_TIMEOUT, finish_closing(socket)).await;
    Outcome::ClientClosed(frame)
}

/// Reads until the connection ends, which also writes the automatic answer to a close frame.
/// Returns whether a close frame arrived meanwhile.
async fn finish_closing(socket: &mut WebSocket) -> bool {
    let mut close_received = false;
    while let Some(Ok(message)) = socket.recv().await {
        close_received |= matches!(message, Message::Close(_));
    }
    close_received
}
