//! `/session`: resumable sessions (`PROTOCOL.md`, the `resocket.v1` subprotocol) served by
//! resocket-axum, the way a real server uses the adapter; the test server adds its record of
//! what each client sent and its fault injection.
//!
//! - Each message of a session is recorded under the `client=NAME` tag of the connection that
//!   started it (`/received`, `/stats`) as the session hands it to the application: once and
//!   in order, however many connections carried it. It is then answered on the session: a
//!   request of `/rpc`'s shape (a JSON object with an `id` and a `method`) as `/rpc` answers
//!   it (a `sleep` from a task of its own, through a `SessionHandle`), anything else echoed.
//! - The client tag is the session's owner: only a connection with the same tag resumes it.
//! - `/control` reaches each connection as on the other endpoints: `drop` cuts it without a
//!   close frame, `close` and `restart` close it, `silent` withholds every frame the server
//!   would send on it (echoes, acks, `~pong`), `stall` stops reading it too. The session
//!   outlives all of them: the client resumes it on its next connection, and nothing is lost
//!   or doubled. `forget` ends sessions (their connections cut, the store forgets them), as a
//!   server that lost its store: the client comes back to a new session.
//! - A request that does not offer `resocket.v1` is refused with 400.
//!
//! The faults act on the connection's socket, which the adapter reads and writes through a
//! [`Wire`] (`Sessions::upgrade_wrapped`): the adapter itself stays as an application has it.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use resocket_axum::{SUBPROTOCOL, Session, SessionHandle};
use tokio::time::Sleep;
use tokio_util::sync::WaitForCancellationFutureOwned;
use tokio_util::task::task_tracker::TaskTrackerToken;

use crate::connection::Connection;
use crate::live_sessions::{Registration, Stop};
use crate::rpc;
use crate::session::{CLOSE_HANDSHAKE_TIMEOUT, Outcome, going_away};
use crate::state::AppState;
use crate::stats::{Endpoint, OpenConnection, Received};
use crate::upgrade;

/// The close code and reason of the connections `forget` ends (they get no close frame: the
/// code only names the end to the adapter).
const FORGOTTEN: (u16, &str) = (1000, "the server forgot its sessions");

pub(crate) async fn handle(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let (connection, upgrade) =
        match upgrade::admit_upgrade(&state, &uri, &headers, &query, upgrade) {
            Ok(admitted) => admitted,
            Err(refused) => return *refused,
        };
    if !upgrade::offers_protocol(&headers, SUBPROTOCOL) {
        let why =
            format_args!("/session serves resumable sessions: offer the {SUBPROTOCOL} subprotocol");
        return connection.refuse(StatusCode::BAD_REQUEST, why);
    }
    let client = connection.client().map(str::to_owned);
    // The test server authenticates nobody: the client tag stands for the user.
    let owner = client.clone().unwrap_or_default();
    let wire_state = Arc::clone(&state);
    let handler_state = Arc::clone(&state);
    state.resumable.upgrade_wrapped(
        upgrade,
        headers,
        owner,
        move |socket| Wire::new(socket, connection, &wire_state),
        move |session| converse(session, client, handler_state),
    )
}

/// Ends the sessions of `client` (every session without one) as a server that lost its store
/// would: their connections are cut without a close frame, the store forgets them, their
/// handlers end. Returns how many there were.
pub(crate) fn forget(state: &AppState, client: Option<&str>) -> usize {
    let forgotten: Vec<SessionHandle> = (state.resumable.handles().into_iter())
        .filter(|session| client.is_none_or(|client| session.owner() == client))
        .collect();
    for session in &forgotten {
        session.terminate_connection();
        session.end(FORGOTTEN.0, FORGOTTEN.1);
    }
    forgotten.len()
}

/// One session's handler: records each message, then answers or echoes it.
async fn converse(mut session: Session, client: Option<String>, state: Arc<AppState>) {
    let id = session.id().to_owned();
    log_line!("session {id} started for client {client:?}");
    let handle = session.handle();
    'session: while let Some(message) = session.next().await {
        if let Some(client) = &client {
            state.stats.record(client, received(&message));
        }
        let text = match &message {
            resocket_axum::Message::Text(text) if rpc::is_request(text, "id") => text,
            _ => {
                if session.send(message).await.is_err() {
                    break;
                }
                continue;
            }
        };
        let answer = rpc::answer(text, "id");
        if let Some((delay, reply)) = answer.later {
            let handle = handle.clone();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = handle.send(reply).await;
            });
        }
        for reply in answer.now {
            if session.send(reply).await.is_err() {
                break 'session;
            }
        }
    }
    log_line!("session {id} ended");
}

fn received(message: &resocket_axum::Message) -> Received {
    match message {
        resocket_axum::Message::Text(text) => Received::Text(text.clone()),
        resocket_axum::Message::Binary(bytes) => Received::Binary {
            binary: bytes.len(),
        },
    }
}

/// One `/session` connection's socket as the adapter reads and writes it, with `/control`'s
/// faults applied, counted in `/stats` and logged like the other endpoints' connections.
struct Wire {
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
    _open: OpenConnection,
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
    fn new(socket: WebSocket, connection: Connection, state: &AppState) -> Wire {
        // Registered before it counts as open, so `/control` reaches it once `/stats` shows it.
        let control = state.live.register(connection.client());
        let open = state.stats.open(Endpoint::Session, connection.client());
        connection.log_opened(socket.protocol());
        Wire {
            socket: Some(socket),
            control,
            shutdown: Some(Box::pin(state.shutdown.clone().cancelled_owned())),
            closing: Closing::No,
            connection,
            messages: 0,
            outcome: None,
            _open: open,
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
                this.messages += messages_in(&message);
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
