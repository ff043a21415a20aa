//! The application's handle on a session ([`Session`]), and the state it shares with the
//! connections that carry it in turn.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll};

use axum::extract::ws;
use futures_util::{Sink, Stream};
use resocket_core::session::{Accepted, ServerSession, WindowFull};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::durable::{Change, Durable};
use crate::message::{Message, frame_of};
use crate::store::Store;

/// What a session shares between its handle and its connections.
pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    /// Wakes the application's sends that wait for room in the window.
    pub(crate) room: Notify,
    /// The session's id, public.
    pub(crate) id: String,
    /// Who the application said the session belongs to when it accepted it.
    pub(crate) owner: String,
    /// The store that keeps the session, for [`SessionHandle::end`].
    pub(crate) store: Weak<Store>,
}

pub(crate) struct State {
    pub(crate) session: ServerSession<Message>,
    /// The writer of the connection that carries the session now, and that connection's
    /// number; a connection that resumes the session replaces it.
    pub(crate) writer: Option<(u64, mpsc::UnboundedSender<ws::Message>)>,
    /// Where messages for the application go; `None` once the session ended.
    pub(crate) inbox: Option<mpsc::Sender<Message>>,
    /// Tells the connection that carries the session now to end as the application asked;
    /// taken by the first such request.
    pub(crate) kick: Option<oneshot::Sender<Kick>>,
    /// What a session held under a shared store keeps beside (`None` in memory only).
    pub(crate) durable: Option<Durable>,
}

/// How the application ends the connection that carries a session.
#[derive(Debug)]
pub(crate) enum Kick {
    /// A close frame with this code and reason.
    Close { code: u16, reason: String },
    /// No close frame: the connection is cut, as a network failure would.
    Terminate,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock means a panic elsewhere already; the state itself is consistent
        // between calls, so go on with it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The session ended here but lives on in the shared store: it moved to another server,
    /// or the store failed. Its connection closes with `code` (the client resumes it where
    /// the store serves it), its handler's stream ends at once, and this server forgets it.
    pub(crate) fn gone(&self, code: u16, reason: &str) {
        crate::durable::leave(&mut self.lock(), code, reason);
        if let Some(store) = self.store.upgrade() {
            store.forget_here(&self.id);
        }
        self.end();
    }

    /// Ends the session: the application's stream ends once drained, its sends fail.
    pub(crate) fn end(&self) {
        let mut state = self.lock();
        state.inbox = None;
        state.writer = None;
        state.kick = None;
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

    /// Asks the connection that carries the session now to end; false if none does.
    pub(crate) fn kick(&mut self, kick: Kick) -> bool {
        self.kick
            .take()
            .is_some_and(|connection| connection.send(kick).is_ok())
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
/// The stream ends when the session does: the client closed it (close code 1000), did not
/// come back within the lifetime, or the application ended it ([`SessionHandle::end`]).
/// [`unacknowledged`](Self::unacknowledged) then says which messages the client may not have
/// received. A [`handle`](Self::handle) reaches the session from other tasks.
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
    ///
    /// Under a shared store, the message is written together with the count of messages this
    /// stream has yielded: the server that takes the session over next hands its handler the
    /// messages after those. So a handler that answers each message it reads has each
    /// answered once, even across a server that dies.
    pub async fn send(&self, message: impl Into<Message>) -> Result<(), SessionEnded> {
        send(&self.shared, message.into(), Sender::Handler).await
    }

    /// A [`Sink`] that sends as [`send`](Self::send) does, for use with `SinkExt`.
    pub fn sink(&self) -> impl Sink<Message, Error = SessionEnded> + use<> {
        let shared = self.shared.clone();
        futures_util::sink::unfold(shared, |shared, message: Message| async move {
            send(&shared, message, Sender::Handler).await?;
            Ok(shared)
        })
    }

    /// The messages sent that the client has not acknowledged yet, oldest first.
    pub fn unacknowledged(&self) -> Vec<Message> {
        unacknowledged(&self.shared)
    }

    /// A handle on this session for other tasks: to send, to end its connection or the
    /// session itself.
    pub fn handle(&self) -> SessionHandle {
        SessionHandle {
            shared: self.shared.clone(),
        }
    }
}

fn unacknowledged(shared: &Shared) -> Vec<Message> {
    shared.lock().session.outgoing().iter().cloned().collect()
}

/// A session as other tasks than its handler reach it (cheap to clone): [`Session::handle`],
/// or the store's [`get`](crate::Sessions::get) and [`handles`](crate::Sessions::handles).
///
/// It sends as [`Session::send`] does, and ends the session's connection or the session:
///
/// - [`close_connection`](Self::close_connection) and
///   [`terminate_connection`](Self::terminate_connection) end the connection that carries the
///   session now, with or without a close frame; the session stays, and the client resumes it
///   with nothing lost (kicking a connection that looks stuck, moving clients off a server
///   that is about to restart with its store);
/// - [`end`](Self::end) ends the session itself: its connection closes, the store forgets it,
///   its handler's stream ends and its sends fail; a client that comes back starts a new
///   session and is told which of its messages may not have arrived.
#[derive(Clone)]
pub struct SessionHandle {
    shared: Arc<Shared>,
}

impl SessionHandle {
    pub(crate) fn new(shared: Arc<Shared>) -> SessionHandle {
        SessionHandle { shared }
    }

    /// The session's id.
    pub fn id(&self) -> &str {
        &self.shared.id
    }

    /// Who the session belongs to, as the application said when it accepted the connection.
    pub fn owner(&self) -> &str {
        &self.shared.owner
    }

    /// Whether a connection carries the session now (and no request to end it is pending).
    pub fn is_connected(&self) -> bool {
        self.shared.lock().kick.is_some()
    }

    /// Whether the session ended.
    pub fn is_ended(&self) -> bool {
        self.shared.lock().ended()
    }

    /// Sends `message` to the client, as [`Session::send`] does (without marking what the
    /// handler read as handled).
    pub async fn send(&self, message: impl Into<Message>) -> Result<(), SessionEnded> {
        send(&self.shared, message.into(), Sender::Other).await
    }

    /// The messages sent that the client has not acknowledged yet, oldest first.
    pub fn unacknowledged(&self) -> Vec<Message> {
        unacknowledged(&self.shared)
    }

    /// Closes the connection that carries the session now with `code` and `reason` (a code
    /// allowed on the wire: 1000, 1001, 1008, 1011-1013, 3000-4999; a reason of at most 123
    /// bytes, cut at a character boundary beyond). The session stays: a client whose close
    /// policy reconnects on `code` resumes it. Returns whether a connection carried it.
    ///
    /// The client's answer to this close frame does not end the session, whatever its code.
    pub fn close_connection(&self, code: u16, reason: &str) -> bool {
        let reason = close_reason(reason);
        self.shared.lock().kick(Kick::Close { code, reason })
    }

    /// Ends the connection that carries the session now without a close frame, as a network
    /// failure would (the browser reports 1006). The session stays for the client to resume.
    /// Returns whether a connection carried it.
    pub fn terminate_connection(&self) -> bool {
        self.shared.lock().kick(Kick::Terminate)
    }

    /// Ends the session: its connection, if any, closes with `code` and `reason` (as in
    /// [`close_connection`](Self::close_connection)), the store forgets it, its handler's
    /// stream ends once drained and its sends fail with [`SessionEnded`]. A client that comes
    /// back starts a new session. Ending a session that already ended does nothing.
    pub fn end(&self, code: u16, reason: &str) {
        let reason = close_reason(reason);
        self.shared.lock().kick(Kick::Close { code, reason });
        if let Some(store) = self.shared.store.upgrade() {
            store.remove(&self.shared);
        }
        self.shared.end();
    }
}

impl std::fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionHandle")
            .field("id", &self.shared.id)
            .field("owner", &self.shared.owner)
            .finish_non_exhaustive()
    }
}

/// A close frame's payload is at most 125 bytes, two of them the code.
const MAX_REASON_BYTES: usize = 123;

fn close_reason(reason: &str) -> String {
    let mut end = reason.len().min(MAX_REASON_BYTES);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_owned()
}

/// Who sends: the session's handler marks what it read as handled with what it sends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sender {
    Handler,
    Other,
}

async fn send(shared: &Shared, mut message: Message, sender: Sender) -> Result<(), SessionEnded> {
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
            if state.durable.is_some() {
                // Written first; it goes on the wire once written.
                let copy = message.clone();
                match state.session.send(message) {
                    Ok(_) => {
                        let durable = state.durable.as_ref().expect("checked above");
                        let handled = (sender == Sender::Handler).then_some(durable.taken);
                        durable.record(Change::Sent {
                            message: copy,
                            handled,
                        });
                        return Ok(());
                    }
                    Err(WindowFull(refused)) => message = refused,
                }
            } else {
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
        }
        notified.await;
    }
}

impl Stream for Session {
    type Item = Message;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let message = std::task::ready!(self.inbox.poll_recv(cx));
        if message.is_some() {
            let mut state = self.shared.lock();
            if let Some(durable) = state.durable.as_mut() {
                // The next holder's handler gets what this one had not handled.
                if durable.gone {
                    return Poll::Ready(None);
                }
                // Asking for the next message marks the one before as handled.
                if durable.taken > 0 {
                    durable.record(Change::Handled(durable.taken));
                }
                durable.taken += 1;
            }
        }
        Poll::Ready(message)
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
