//! A resumable session's connection as resocket-axum reads and writes it ([`Wire`]), with
//! `/control`'s faults applied: what `/session` and `/session-chat` share.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::time::Sleep;
use tokio_util::sync::WaitForCancellationFutureOwned;
use tokio_util::task::task_tracker::TaskTrackerToken;

use crate::connection::Connection;
use crate::live_sessions::{Registration, Stop};
use crate::session::{CLOSE_HANDSHAKE_TIMEOUT, Outcome, going_away};
use crate::state::AppState;
use crate::stats::{Endpoint, OpenConnection};

/// One resumable session's connection as the adapter reads and writes it, with `/control`'s
/// faults applied, counted in `/stats` and logged like the other endpoints' connections.
pub(crate) struct Wire {
    /// `None` once the connection was cut: dropping the socket closes TCP.
    socket: Option<WebSocket>,
    control: Registration,
    /// The server shutting down; `None` once it did.
    shutdown: Option<Pin<Box<WaitForCancellationFutureOwned>>>,
    closing: Closing,
    connection: Connection,
    /// Messages the client sent on this connection, for the log.
    messages: u64,
    outcome: Option<Outcome>,
    /// Counted open while the connection lives; counts its frames in session mode.
    open: OpenConnection,
    /// Shutdown waits for the connection, as for those of the other endpoints.
    _tracked: TaskTrackerToken,
}

/// A close handshake the server started (`/control` close or restart, shutdown).
enum Closing {
    No,
    ToSend {
        frame: CloseFrame,
        why: &'static str,
    },
    /// Sent: the client's answer ends the connection (and does not reach the adapter, which
    /// would take an answer of 1000 for the client ending its session), or the deadline does.
    Sent {
        frame: CloseFrame,
        why: &'static str,
        deadline: Pin<Box<Sleep>>,
    },
}

impl Wire {
    pub(crate) fn new(
        socket: WebSocket,
        connection: Connection,
        endpoint: Endpoint,
        state: &AppState,
    ) -> Wire {
        // Registered before it counts as open, so `/control` reaches it once `/stats` shows it.
        let control = state.live.register(connection.client());
        let open = state.stats.open(endpoint, connection.client());
        connection.log_opened(socket.protocol());
        Wire {
            socket: Some(socket),
            control,
            shutdown: Some(Box::pin(state.shutdown.clone().cancelled_owned())),
            closing: Closing::No,
            connection,
            messages: 0,
            outcome: None,
            open,
            _tracked: state.sessions.token(),
        }
    }

    /// Takes in the commands `/control` sent and the server's shutdown.
    fn obey(&mut self, cx: &mut Context<'_>) {
        if let Some(shutdown) = &mut self.shutdown
            && shutdown.as_mut().poll(cx).is_ready()
        {
            self.shutdown = None;
            self.close(going_away(), "shutdown");
        }
        while let Poll::Ready(stop) = self.control.poll_stop(cx) {
            match stop {
                Some(Stop::Drop) => self.cut(Outcome::Dropped("/control drop")),
                Some(Stop::Close { frame, why }) => self.close(frame, why),
                // Stalled: the registration says so from now on.
                None => {}
            }
        }
    }

    fn close(&mut self, frame: CloseFrame, why: &'static str) {
        if matches!(self.closing, Closing::No) {
            self.closing = Closing::ToSend { frame, why };
        }
    }

    /// Ends the connection at once, without a close frame.
    fn cut(&mut self, outcome: Outcome) {
        if self.socket.take().is_some() {
            self.outcome.get_or_insert(outcome);
        }
    }

    /// Sends the close frame that is due, and gives up on its answer after the deadline.
    /// Pending only while the frame waits for room.
    fn poll_closing(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(socket) = &mut self.socket else {
            return Poll::Ready(());
        };
        match &mut self.closing {
            Closing::No => {}
            Closing::ToSend { frame, why } => {
                let (frame, why) = (frame.clone(), *why);
                let sent = match ready!(socket.poll_ready_unpin(cx)) {
                    Ok(()) => socket.start_send_unpin(Message::Close(Some(frame.clone()))),
                    Err(error) => Err(error),
                };
                if sent.is_err() {
                    self.cut(Outcome::ServerClosed {
                        frame,
                        why,
                        answered: false,
                    });
                    return Poll::Ready(());
                }
                let deadline = Box::pin(tokio::time::sleep(CLOSE_HANDSHAKE_TIMEOUT));
                self.closing = Closing::Sent {
                    frame,
                    why,
                    deadline,
                };
                return self.poll_closing(cx);
            }
            Closing::Sent {
                frame,
                why,
                deadline,
            } => {
                let _ = socket.poll_flush_unpin(cx);
                if deadline.as_mut().poll(cx).is_ready() {
                    let outcome = Outcome::ServerClosed {
                        frame: frame.clone(),
                        why,
                        answered: false,
                    };
                    self.cut(outcome);
                }
            }
        }
        Poll::Ready(())
    }

    /// Whether what the adapter sends goes out: not once the connection is silenced (but its
    /// own close frame does) or closing.
    fn passes(&self, frame: &Message) -> bool {
        matches!(self.closing, Closing::No)
            && (matches!(frame, Message::Close(_)) || !self.control.is_silenced())
    }
}

impl Stream for Wire {
    type Item = Result<Message, axum::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        this.obey(cx);
        ready!(this.poll_closing(cx));
        let Some(socket) = &mut this.socket else {
            return Poll::Ready(None);
        };
        if this.control.is_stalled() {
            // Woken by the next command.
            return Poll::Pending;
        }
        match ready!(socket.poll_next_unpin(cx)) {
            Some(Ok(Message::Close(answer))) => {
                if let Closing::Sent { frame, why, .. } = &this.closing {
                    let outcome = Outcome::ServerClosed {
                        frame: frame.clone(),
                        why,
                        answered: true,
                    };
                    this.cut(outcome);
                    return Poll::Ready(None);
                }
                this.outcome
                    .get_or_insert(Outcome::ClientClosed(answer.clone()));
                Poll::Ready(Some(Ok(Message::Close(answer))))
            }
            Some(Ok(message)) => {
                let messages = messages_in(&message);
                this.messages += messages;
                if messages > 0 {
                    this.open.message_frame(true);
                }
                Poll::Ready(Some(Ok(message)))
            }
            Some(Err(error)) => {
                let lost = axum::Error::new(error.to_string());
                this.outcome.get_or_insert(Outcome::Lost(Some(lost)));
                Poll::Ready(Some(Err(error)))
            }
            None => {
                this.outcome.get_or_insert(Outcome::Lost(None));
                Poll::Ready(None)
            }
        }
    }
}

impl Sink<Message> for Wire {
    type Error = axum::Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let this = &mut *self;
        match &mut this.socket {
            Some(socket) if matches!(this.closing, Closing::No) => socket.poll_ready_unpin(cx),
            _ => Poll::Ready(Ok(())),
        }
    }

    fn start_send(mut self: Pin<&mut Self>, frame: Message) -> Result<(), Self::Error> {
        if !self.passes(&frame) {
            return Ok(());
        }
        if let Message::Close(Some(close)) = &frame {
            let outcome = Outcome::ServerClosed {
                frame: close.clone(),
                why: "the session adapter",
                answered: false,
            };
            self.outcome.get_or_insert(outcome);
        }
        if carries_messages(&frame) {
            self.open.message_frame(false);
        }
        match &mut self.socket {
            Some(socket) => socket.start_send_unpin(frame),
            None => Ok(()),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        match &mut self.socket {
            Some(socket) => socket.poll_flush_unpin(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        match &mut self.socket {
            Some(socket) => socket.poll_close_unpin(cx),
            None => Poll::Ready(Ok(())),
        }
    }
}

impl Drop for Wire {
    fn drop(&mut self) {
        let outcome = self.outcome.take().unwrap_or(Outcome::Lost(None));
        self.connection.log_closed(self.messages, &outcome);
    }
}

/// Whether a frame carries messages (a message or batch frame, `PROTOCOL.md`, "Frames").
fn carries_messages(frame: &Message) -> bool {
    match frame {
        Message::Text(text) => text.starts_with('m') || text.starts_with('b'),
        Message::Binary(bytes) => bytes.first() == Some(&b'm'),
        _ => false,
    }
}

/// How many of the session's messages a frame carries (`PROTOCOL.md`, "Frames").
fn messages_in(frame: &Message) -> u64 {
    match frame {
        Message::Text(text) if text.starts_with('m') => 1,
        Message::Text(text) if text.starts_with('b') => {
            serde_json::from_str::<Vec<serde::de::IgnoredAny>>(&text[1..])
                .map_or(0, |batch| batch.len() as u64)
        }
        Message::Binary(bytes) if bytes.first() == Some(&b'm') => 1,
        _ => 0,
    }
}
