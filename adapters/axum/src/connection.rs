//! One connection of a session: its handshake, then its frames both ways until it ends.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::ws::{self, CloseFrame};
use axum::http::HeaderMap;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use resocket_core::session::{
    BATCH_TAG, Batch, Control, Identity, MESSAGE_TAG, Opening, ProtocolError, Terms, same_secret,
};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Duration, Instant, sleep_until, timeout};

use crate::durable::{Change, acknowledgement};
use crate::message::{Incoming, Message, frame_of, read_frame};
use crate::session::{Kick, Session, Shared, State};
use crate::shared_store::{NewSession, SessionStore};
use crate::store::{Started, Store};

/// Tells a connection how the application ended it; an error once it no longer carries its
/// session (a newer connection took over, or the session ended).
type Kicked = oneshot::Receiver<Kick>;

/// How a connection ended, for its close frame.
enum End {
    /// The client closed or went away.
    Gone {
        ends_session: bool,
    },
    Protocol(ProtocolError),
    Refused(&'static str),
    Full,
    /// The shared session store could not be reached.
    Unavailable,
    /// Another server took the session over meanwhile.
    Busy,
    /// A newer connection took the session over.
    Replaced,
    /// The application closed the connection ([`crate::SessionHandle::close_connection`]).
    Closed {
        code: u16,
        reason: String,
    },
    /// The application cut the connection without a close frame.
    Terminated,
}

impl End {
    fn kicked(kick: Result<Kick, oneshot::error::RecvError>) -> End {
        match kick {
            Ok(Kick::Close { code, reason }) => End::Closed { code, reason },
            Ok(Kick::Terminate) => End::Terminated,
            Err(_) => End::Replaced,
        }
    }
}

/// Serves one upgraded connection: the handshake, then the session's frames.
pub(crate) async fn serve<S, E, H, Fut>(
    socket: S,
    store: Arc<Store>,
    headers: HeaderMap,
    owner: String,
    handler: H,
) where
    S: Stream<Item = Result<ws::Message, E>> + Sink<ws::Message> + Send + 'static,
    E: Send + 'static,
    H: FnOnce(Session) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (mut sink, mut stream) = socket.split();
    let (writer, mut frames) = mpsc::unbounded_channel::<ws::Message>();
    let client_reads_batches = Arc::new(AtomicBool::new(false));
    let batches = Arc::clone(&client_reads_batches);
    let write = tokio::spawn(async move {
        let mut next = None;
        loop {
            let frame = match next.take() {
                Some(frame) => frame,
                None => match frames.recv().await {
                    Some(frame) => frame,
                    None => break,
                },
            };
            // What queued while the last frame went out goes in one frame, if it may.
            let frame = if batches.load(Ordering::Acquire) {
                coalesce(frame, &mut frames, &mut next)
            } else {
                frame
            };
            let closing = matches!(frame, ws::Message::Close(_));
            if sink.send(frame).await.is_err() || closing {
                break;
            }
        }
        let _ = sink.close().await;
    });
    let arrival = Arrival {
        store: &store,
        headers: &headers,
        owner: &owner,
        writer: &writer,
        client_reads_batches: &client_reads_batches,
        number: store.next_connection(),
    };
    let number = arrival.number;
    let end = match handshake(&mut stream, &arrival, handler).await {
        Ok((shared, mut kicked)) => {
            let end = carry(&mut stream, &store, &shared, number, &mut kicked).await;
            // The application's request wins over what the connection met meanwhile (the
            // session it ended, say).
            let end = kicked.try_recv().map_or(end, |kick| End::kicked(Ok(kick)));
            detach(&store, &shared, number, &end);
            end
        }
        Err(end) => end,
    };
    if let End::Terminated = end {
        // No close frame: the socket's halves are dropped, which closes the TCP connection.
        write.abort();
        let _ = write.await;
        return;
    }
    let _ = writer.send(ws::Message::Close(close_frame(&end)));
    drop(writer);
    let _ = write.await;
}

/// `first`, a frame taken from the writer's queue, and the message frames queued behind it,
/// as one batch frame: the text messages already waiting go out together ([`Batch`] bounds
/// them), in order. The first frame that cannot join (a control, binary or close frame, or a
/// text past the bound) is left in `next`, to go after. A message alone goes as it is, so a
/// lone message waits for nothing.
fn coalesce(
    first: ws::Message,
    queued: &mut mpsc::UnboundedReceiver<ws::Message>,
    next: &mut Option<ws::Message>,
) -> ws::Message {
    let Some(text) = message_text(&first) else {
        return first;
    };
    let mut batch = Batch::new();
    batch.add(text.len() as u64);
    let mut texts = vec![first];
    while let Ok(frame) = queued.try_recv() {
        match message_text(&frame) {
            Some(text) if batch.admits(text.len() as u64) => {
                batch.add(text.len() as u64);
                texts.push(frame);
            }
            _ => {
                *next = Some(frame);
                break;
            }
        }
    }
    if texts.len() == 1 {
        return texts.remove(0);
    }
    let messages: Vec<&str> = texts.iter().filter_map(message_text).collect();
    let mut frame = String::from(char::from(BATCH_TAG));
    // Strings always have a JSON form.
    frame.push_str(&serde_json::to_string(&messages).unwrap_or_default());
    ws::Message::Text(frame.into())
}

/// The text message a frame carries, if it is a text message frame (`m`, then the message).
fn message_text(frame: &ws::Message) -> Option<&str> {
    match frame {
        ws::Message::Text(text) => text.as_str().strip_prefix(char::from(MESSAGE_TAG)),
        _ => None,
    }
}

/// A new connection, as its handshake sees it.
struct Arrival<'a> {
    store: &'a Arc<Store>,
    /// The upgrade request's headers, for the resume hook.
    headers: &'a HeaderMap,
    /// Who the application says the connection belongs to.
    owner: &'a str,
    /// Where the connection's outgoing frames go.
    writer: &'a mpsc::UnboundedSender<ws::Message>,
    /// Whether the client's terms say it reads batch frames, for the writer.
    client_reads_batches: &'a AtomicBool,
    /// The connection's number in the store.
    number: u64,
}

/// Reads the first frame and starts or resumes the session; returns it attached to this
/// connection (the welcome and any messages to send again already queued on its writer), with
/// the receiver of the application's requests to end the connection.
async fn handshake<R, E, H, Fut>(
    stream: &mut R,
    arrival: &Arrival<'_>,
    handler: H,
) -> Result<(Arc<Shared>, Kicked), End>
where
    R: Stream<Item = Result<ws::Message, E>> + Unpin,
    H: FnOnce(Session) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let store = arrival.store;
    let first = timeout(store.config.handshake_timeout, stream.next())
        .await
        .map_err(|_| End::Refused("no hello or resume in time"))?;
    let Some(Ok(frame)) = first else {
        return Err(End::Gone {
            ends_session: false,
        });
    };
    let text = match read_frame(frame).map_err(End::Protocol)? {
        Incoming::Control(text) => text,
        Incoming::Closed(_) => {
            return Err(End::Gone {
                ends_session: false,
            });
        }
        _ => {
            return Err(End::Protocol(ProtocolError::new(
                "a connection must start with hello or resume",
            )));
        }
    };
    let (terms, resume) = match Opening::read(&text).map_err(End::Protocol)? {
        Opening::Start { terms } => (terms, None),
        Opening::Resume {
            identity,
            next,
            terms,
        } => (terms, Some((identity, next))),
    };
    if terms.window > store.config.max_client_window {
        return Err(End::Protocol(ProtocolError::new(
            "a window larger than the server takes",
        )));
    }
    // Set before the welcome is queued: the writer reads it for what follows.
    (arrival.client_reads_batches).store(terms.batches, Ordering::Release);
    match (resume, &store.shared) {
        (Some((identity, next)), Some(shared_store)) => {
            resume_shared(arrival, shared_store, identity, next, terms, handler).await
        }
        (Some((identity, next)), None) => {
            let found = (store.find(&identity.id))
                .filter(|shared| identity.epoch == store.epoch && !shared.lock().ended());
            match found {
                Some(shared) => {
                    check_resume(
                        arrival,
                        &identity,
                        &shared.lock().session.identity().key,
                        &shared.owner,
                    )?;
                    resume_here(arrival, shared, next, terms).await
                }
                // No such session here (or from another epoch): a new one, and the client
                // learns its session was not recovered.
                None => start(arrival, terms, handler).await,
            }
        }
        (None, _) => start(arrival, terms, handler).await,
    }
}

/// Whether the connection may resume the session `identity` names, whose key is `key` and
/// owner `session_owner`: the key must match and the application's hook agree.
fn check_resume(
    arrival: &Arrival<'_>,
    identity: &Identity,
    key: &str,
    session_owner: &str,
) -> Result<(), End> {
    if !same_secret(&identity.key, key) {
        return Err(End::Refused("resume refused: the key does not match"));
    }
    if !(arrival.store.config.resume_hook)(arrival.headers, arrival.owner, session_owner) {
        return Err(End::Refused("resume refused by the application"));
    }
    Ok(())
}

/// Resumes a session kept in the shared store: here if this server still holds it, or taken
/// over from the server that held it (which can no longer change it), its handler started
/// here on the messages that one had not handled.
async fn resume_shared<H, Fut>(
    arrival: &Arrival<'_>,
    shared_store: &Arc<dyn SessionStore>,
    identity: Identity,
    next: u64,
    terms: Terms,
    handler: H,
) -> Result<(Arc<Shared>, Kicked), End>
where
    H: FnOnce(Session) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let store = arrival.store;
    let stored = match identity.epoch == store.epoch {
        true => (shared_store.load(&identity.id).await).map_err(|_| End::Unavailable)?,
        false => None,
    };
    let Some(stored) = stored else {
        return start(arrival, terms, handler).await;
    };
    check_resume(arrival, &identity, &stored.key, &stored.owner)?;
    if let Some(shared) = store.find(&identity.id) {
        let held = {
            let state = shared.lock();
            !state.ended()
                && (state.durable.as_ref()).is_some_and(|d| d.term == stored.term && !d.gone)
        };
        if held {
            return resume_here(arrival, shared, next, terms).await;
        }
        store.forget_here(&identity.id);
    }
    let claimed = shared_store.claim(&identity.id, stored.term).await;
    if !claimed.map_err(|_| End::Unavailable)? {
        return Err(End::Busy);
    }
    let id = identity.id.clone();
    let (shared, session) = store.take_up(identity, stored).ok_or(End::Full)?;
    let resumed = resume_here(arrival, shared, next, terms).await;
    match resumed {
        Ok(_) => {
            tokio::spawn(handler(session));
        }
        Err(_) => store.forget_here(&id),
    }
    resumed
}

/// Resumes `shared`'s session on this connection from the client's `next`: the welcome and
/// the messages to send again go on its writer, and the connection it replaces (a half-dead
/// one, say) ends. Under a shared store, that connection stops first and what it left is
/// written, so the welcome and the messages sent again are all written.
async fn resume_here(
    arrival: &Arrival<'_>,
    shared: Arc<Shared>,
    next: u64,
    terms: Terms,
) -> Result<(Arc<Shared>, Kicked), End> {
    let flushed = {
        let mut state = shared.lock();
        (state.durable.as_ref().map(|durable| durable.flush())).inspect(|_| {
            state.writer = None;
            state.kick = None;
        })
    };
    if let Some(flushed) = flushed {
        flushed.await.map_err(|_| End::Busy)?;
    }
    let mut state = shared.lock();
    if state.ended() {
        return Err(End::Busy);
    }
    let (welcome, mut replay) = state.session.resume(next, terms).map_err(End::Protocol)?;
    if let Some(durable) = state.durable.as_mut() {
        replay.truncate(durable.replayable(next));
        durable.resumed(next, replay.len());
        durable.record(Change::Acknowledged(next));
    }
    let _ = arrival.writer.send(control_frame(&welcome));
    for message in &replay {
        let _ = arrival.writer.send(frame_of(message));
    }
    // The connection it replaces, if any, is closed: dropping its kick sender ends it.
    state.writer = Some((arrival.number, arrival.writer.clone()));
    let (kick, kicked) = oneshot::channel();
    state.kick = Some(kick);
    drop(state);
    Ok((shared, kicked))
}

/// Starts a new session on this connection (kept in the shared store first, if there is one)
/// and spawns its handler.
async fn start<H, Fut>(
    arrival: &Arrival<'_>,
    terms: Terms,
    handler: H,
) -> Result<(Arc<Shared>, Kicked), End>
where
    H: FnOnce(Session) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Arrival {
        store,
        owner,
        writer,
        number,
        ..
    } = *arrival;
    let Started::New {
        shared,
        welcome,
        session,
    } = store.start(owner, terms)
    else {
        return Err(End::Full);
    };
    if let Some(shared_store) = &store.shared {
        let new = NewSession {
            id: shared.id.clone(),
            key: shared.lock().session.identity().key.clone(),
            owner: shared.owner.clone(),
        };
        if shared_store
            .create(&new, store.config.lifetime)
            .await
            .is_err()
        {
            store.forget_here(&shared.id);
            return Err(End::Unavailable);
        }
    }
    let _ = writer.send(control_frame(&welcome));
    let (kick, kicked) = oneshot::channel();
    {
        let mut state = shared.lock();
        state.writer = Some((number, writer.clone()));
        state.kick = Some(kick);
    }
    tokio::spawn(handler(session));
    Ok((shared, kicked))
}

/// Carries the session's frames on this connection until it ends.
///
/// It reads on while the application's inbox is full: the client's acknowledgements come
/// behind its messages on the same connection, and the application may be waiting for them
/// to send (its window full), so a connection that stopped reading would stop both sides.
/// Messages the inbox has no room for wait here, not counted as received and so not
/// acknowledged: the client sends no more of them than its window, and if the connection
/// ends they are the client's to send again.
async fn carry<R, E>(
    stream: &mut R,
    store: &Store,
    shared: &Shared,
    number: u64,
    kicked: &mut Kicked,
) -> End
where
    R: Stream<Item = Result<ws::Message, E>> + Unpin,
{
    let mut waiting = Waiting::default();
    loop {
        let (deadline, inbox) = {
            let state = shared.lock();
            let inbox = (!waiting.messages.is_empty()).then(|| state.inbox.clone());
            (state.session.ack_deadline(), inbox)
        };
        let room = async {
            match &inbox {
                Some(Some(inbox)) => inbox.reserve().await.ok(),
                // The session ended: what waits is counted and dropped.
                _ => None,
            }
        };
        let step = tokio::select! {
            kick = &mut *kicked => return End::kicked(kick),
            frame = stream.next() => Step::Frame(frame),
            () = ack_due(store, deadline) => {
                send_ack(&mut shared.lock());
                continue;
            }
            permit = room, if inbox.is_some() => Step::Room(permit),
        };
        let result = match step {
            Step::Room(permit) => waiting.deliver(store, shared, number, permit),
            Step::Frame(Some(Ok(frame))) => match read_frame(frame) {
                Ok(Incoming::Messages(messages)) => {
                    let window = shared.lock().session.client_window();
                    waiting.add(messages, window).and_then(|()| {
                        let inbox = shared.lock().inbox.clone();
                        let permit = inbox.as_ref().and_then(|inbox| inbox.try_reserve().ok());
                        match (permit, &inbox) {
                            (Some(permit), _) => {
                                waiting.deliver(store, shared, number, Some(permit))
                            }
                            (None, None) => waiting.deliver(store, shared, number, None),
                            // The inbox is full: they wait for room.
                            (None, Some(_)) => Ok(true),
                        }
                    })
                }
                Ok(Incoming::Control(text)) => control(shared, &text),
                Ok(Incoming::Nothing) => Ok(true),
                // Close code 1000 is the client's close(): it will not resume. Any other (a
                // page going away, 1001) leaves the session for its return.
                Ok(Incoming::Closed(code)) => {
                    return End::Gone {
                        ends_session: code == Some(1000),
                    };
                }
                Err(error) => Err(error),
            },
            Step::Frame(Some(Err(_)) | None) => {
                return End::Gone {
                    ends_session: false,
                };
            }
        };
        match result {
            Ok(true) => {}
            Ok(false) => return End::Replaced,
            Err(error) => return End::Protocol(error),
        }
    }
}

/// What woke the connection.
enum Step<F, P> {
    Frame(Option<F>),
    /// Room in the inbox (`None`: the session ended).
    Room(Option<P>),
}

/// Messages read and not yet in the application's inbox, oldest first.
#[derive(Default)]
struct Waiting {
    messages: VecDeque<Message>,
    bytes: u64,
}

impl Waiting {
    /// Adds `messages` read from the connection; a client that sent more than its window
    /// beyond what was counted breaks the protocol.
    fn add(&mut self, messages: Vec<Message>, window: u64) -> Result<(), ProtocolError> {
        for message in messages {
            self.bytes += resocket_core::WireSize::wire_size(&message);
            self.messages.push_back(message);
        }
        // A message larger than the window may come alone.
        if self.bytes > window && self.messages.len() > 1 {
            return Err(ProtocolError::new("the client sent past its window"));
        }
        Ok(())
    }

    /// Hands waiting messages to the application, in order: the first with `permit` (`None`
    /// once the session ended: counted and dropped), then as many as the inbox has room for.
    /// Each is counted as received (and so acknowledged) in the step that puts it in the
    /// inbox. False when a newer connection took the session.
    fn deliver(
        &mut self,
        store: &Store,
        shared: &Shared,
        number: u64,
        permit: Option<mpsc::Permit<'_, Message>>,
    ) -> Result<bool, ProtocolError> {
        let mut state = shared.lock();
        if !self.take_one(store, &mut state, number, permit)? {
            return Ok(false);
        }
        let Some(inbox) = state.inbox.clone() else {
            return Ok(true);
        };
        while !self.messages.is_empty() {
            let Ok(permit) = inbox.try_reserve() else {
                break;
            };
            if !self.take_one(store, &mut state, number, Some(permit))? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Counts the oldest waiting message as received and puts it in the inbox with `permit`
    /// (drops it without one). False when a newer connection took the session.
    fn take_one(
        &mut self,
        store: &Store,
        state: &mut crate::session::State,
        number: u64,
        permit: Option<mpsc::Permit<'_, Message>>,
    ) -> Result<bool, ProtocolError> {
        if !state.carried_by(number) {
            return Ok(false);
        }
        let Some(message) = self.messages.pop_front() else {
            return Ok(true);
        };
        let size = resocket_core::WireSize::wire_size(&message);
        self.bytes -= size;
        let ack_now = state.session.message(size, store.now())?;
        if let Some(durable) = &state.durable {
            durable.record(Change::Received(message.clone()));
        }
        if ack_now {
            send_ack(state);
        }
        if let Some(permit) = permit {
            permit.send(message);
        }
        Ok(true)
    }
}

/// Sleeps until the acknowledgement deadline, if any (forever otherwise).
async fn ack_due(store: &Store, deadline: Option<f64>) {
    match deadline {
        Some(at) => {
            let wait = (at - store.now()).max(0.0);
            sleep_until(Instant::now() + Duration::from_secs_f64(wait / 1000.0)).await;
        }
        None => std::future::pending().await,
    }
}

/// A control frame after the handshake: an ack, which may free room in the window, or the
/// client's heartbeat ping, answered at once.
fn control(shared: &Shared, text: &str) -> Result<bool, ProtocolError> {
    let control = Control::parse(text)?;
    let mut state = shared.lock();
    if let Some(reply) = state.session.control(control)? {
        state.transmit(control_frame(&reply));
    }
    if let Some(durable) = &state.durable {
        let acknowledged = state.session.outgoing().acknowledged();
        durable.record(Change::Acknowledged(acknowledged));
    }
    drop(state);
    shared.room.notify_waiters();
    Ok(true)
}

/// Sends the acknowledgement owed, if any: under a shared store, only for what is written
/// (the rest when its write lands).
fn send_ack(state: &mut State) {
    let Some(ack) = state.session.take_ack() else {
        return;
    };
    let ack = match state.durable.as_mut() {
        Some(durable) => acknowledgement(durable, ack),
        None => Some(ack),
    };
    if let Some(ack) = ack {
        state.transmit(control_frame(&ack));
    }
}

/// The connection ended: the session waits for its client, or ends if the client closed it.
fn detach(store: &Store, shared: &Shared, number: u64, end: &End) {
    {
        let mut state = shared.lock();
        if !state.carried_by(number) {
            return;
        }
        state.writer = None;
        state.kick = None;
        state.session.disconnected(store.now());
        // The store keeps it a lifetime from now.
        if let Some(durable) = &state.durable {
            durable.record(Change::Touch);
        }
    }
    if matches!(end, End::Gone { ends_session: true }) {
        store.remove(shared);
    }
}

fn control_frame(control: &Control) -> ws::Message {
    ws::Message::Text(control.encode().into())
}

fn close_frame(end: &End) -> Option<CloseFrame> {
    let (code, reason) = match end {
        End::Gone { .. } => (1000, "bye"),
        End::Protocol(error) => (1002, error.reason()),
        End::Refused(reason) => (1008, *reason),
        End::Full => (1013, "too many sessions: try again later"),
        End::Unavailable => (1011, "the session store is unavailable"),
        End::Busy => (1013, "the session is moving between servers: try again"),
        End::Replaced => (1000, "the session moved to a newer connection"),
        End::Closed { code, reason } => (*code, reason.as_str()),
        // Never sent: a terminated connection ends without a close frame.
        End::Terminated => return None,
    };
    Some(CloseFrame {
        code,
        reason: reason.into(),
    })
}
