//! The application's handle on a session ([`Session`]), and the state it shares with the
//! connections that carry it in turn.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use axum::extract::ws;
use futures_util::{Sink, Stream};
use resocket_core::session::{Accepted, ServerSession, WindowFull};
use tokio::sync::{Notify, mpsc};

use crate::message::{Message, frame_of};

/// What a session shares between its handle and its connections.
pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    /// Wakes the application's sends that wait for room in the window.
    pub(crate) room: Notify,
    /// The session's id, public.
    pub(crate) id: String,
    /// Who the application said the session belongs to when it accepted it.
    pub(crate) owner: String,
}

pub(crate) struct State {
    pub(crate) session: ServerSession<Message>,
    /// The writer of the connection that carries the session now, and that connection's
    /// number; a connection that resumes the session replaces it.
    pub(crate) writer: Option<(u64, mpsc::UnboundedSender<ws::Message>)>,
    /// Where messages for the application go; `None` once the session ended.
    pub(crate) inbox: Option<mpsc::Sender<Message>>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock means a panic elsewhere already; the state itself is consistent
        // between calls, so go on with it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Ends the session: the application's stream ends once drained, its sends fail.
    pub(crate) fn end(&self) {
        let mut state = self.lock();
        state.inbox = None;
        state.writer = None;
        drop(state);
        self.room.notify_waiters();
    }
}

impl State {
    /// Hands `frame` to the current connection, if there is one.
    pub(crate) fn transmit(&self, frame: ws::Message) {
        if let Some((_, writer)) = &self.writer {
            let _ = writer.send(frame);
        }
    }

    /// Whether connection `number` carries the session now.
    pub(crate) fn carried_by(&self, number: u64) -> bool {
        self.writer
            .as_ref()
            .is_some_and(|(current, _)| *current == number)
    }

    pub(crate) fn ended(&self) -> bool {
        self.inbox.is_none()
    }
}

/// The session ended (its client closed it, or did not come back within its lifetime): the
/// message was not sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionEnded;

impl std::fmt::Display for SessionEnded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the session ended")
    }
}

impl std::error::Error for SessionEnded {}

/// One client's session, as the application's handler gets it: a [`Stream`] of the client's
/// messages and a way to send (which waits while the window is full), across every
/// connection the client resumes it on.
///
/// The stream ends when the session does: the client closed it (close code 1000), or did not
/// come back within the lifetime. [`unacknowledged`](Self::unacknowledged) then says which
/// messages the client may not have received.
pub struct Session {
    pub(crate) shared: Arc<Shared>,
    pub(crate) inbox: mpsc::Receiver<Message>,
}

impl Session {
    /// The session's id (public: for logs and the resume hook; the key never leaves the
    /// protocol).
    pub fn id(&self) -> &str {
        &self.shared.id
    }

    /// Who the session belongs to, as the application said when it accepted the connection.
    pub fn owner(&self) -> &str {
        &self.shared.owner
    }

    /// Sends `message` to the client: now if a connection carries the session, or when it
    /// resumes. Waits while the unacknowledged messages fill the window.
    pub async fn send(&self, message: impl Into<Message>) -> Result<(), SessionEnded> {
        send(&self.shared, message.into()).await
    }

    /// A [`Sink`] that sends as [`send`](Self::send) does, for use with `SinkExt`.
    pub fn sink(&self) -> impl Sink<Message, Error = SessionEnded> + use<> {
        let shared = self.shared.clone();
        futures_util::sink::unfold(shared, |shared, message: Message| async move {
            send(&shared, message).await?;
            Ok(shared)
        })
    }

    /// The messages sent that the client has not acknowledged yet, oldest first.
    pub fn unacknowledged(&self) -> Vec<Message> {
        self.shared
            .lock()
            .session
            .outgoing()
            .iter()
            .cloned()
            .collect()
    }
}

async fn send(shared: &Shared, mut message: Message) -> Result<(), SessionEnded> {
    loop {
        // Registered before the window is checked, so an ack in between is not missed.
        let notified = shared.room.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let mut state = shared.lock();
            if state.ended() {
                return Err(SessionEnded);
            }
            let frame = frame_of(&message);
            match state.session.send(message) {
                Ok(Accepted::Transmit) => {
                    state.transmit(frame);
                    return Ok(());
                }
                Ok(Accepted::Kept) => return Ok(()),
                Err(WindowFull(refused)) => message = refused,
            }
        }
        notified.await;
    }
}

impl Stream for Session {
    type Item = Message;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        self.inbox.poll_recv(cx)
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.shared.id)
            .field("owner", &self.shared.owner)
            .finish_non_exhaustive()
    }
}
