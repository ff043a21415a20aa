//! `/chat`: every message goes to every `/chat` client, the sender included, so each client
//! sees the same global order.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::connection::Connection;
use crate::faults::is_heartbeat;
use crate::live_sessions::Registration;
use crate::session::{Outcome, client_closed, going_away, server_close};
use crate::state::AppState;
use crate::stats::{Endpoint, OpenConnection};
use crate::upgrade;

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
    let session_state = Arc::clone(&state);
    upgrade::accept(upgrade, &headers, &state, move |socket| {
        run(socket, connection, session_state)
    })
}

async fn run(mut socket: WebSocket, connection: Connection, state: Arc<AppState>) {
    // Subscribed and registered before the connection counts as open, so a test that waits
    // for `open` knows every message sent from then on reaches this client, and that
    // `/control` reaches it.
    let mut feed = state.chat.subscribe();
    let mut control = state.live.register(connection.client());
    let mut open = state.stats.open(Endpoint::Chat, connection.client());
    connection.log_opened(socket.protocol());
    let outcome = converse(&mut socket, &mut open, &mut feed, &mut control, &state).await;
    connection.log_closed(open.messages(), &outcome);
}

async fn converse(
    socket: &mut WebSocket,
    open: &mut OpenConnection,
    feed: &mut broadcast::Receiver<Message>,
    control: &mut Registration,
    state: &AppState,
) -> Outcome {
    loop {
        tokio::select! {
            biased;
            // Before the socket, so a command handed over before a message arrived is obeyed
            // before that message is answered.
            stop = control.next_stop_or_shutdown(&state.shutdown) => {
                if let Some(stop) = stop {
                    return stop.carry_out(socket).await;
                }
            }
            incoming = socket.recv(), if !control.is_stalled() => match incoming {
                None => return Outcome::Lost(None),
                Some(Err(error)) => return Outcome::Lost(Some(error)),
                Some(Ok(Message::Close(frame))) => return client_closed(socket, frame).await,
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(message)) => {
                    open.record(&message);
                    if !is_heartbeat(&message) {
                        // Cannot fail: this session's own feed is a receiver.
                        let _ = state.chat.send(message);
                    } else if !control.is_silenced() {
                        if let Err(error) = socket.send(Message::text("pong")).await {
                            return Outcome::SendFailed(error);
                        }
                    }
                }
            },
            broadcast = feed.recv() => match broadcast {
                // A silenced session still drains its feed, so it never falls behind and gets
                // closed for it: it just sends nothing.
                Ok(_) if control.is_silenced() => {}
                Ok(message) => {
                    if let Err(error) = socket.send(message).await {
                        return Outcome::SendFailed(error);
                    }
                }
                // The channel never waits for a slow reader: it drops that reader's oldest
                // messages instead. A client that missed some would see a gap in the global
                // order without knowing, so it is closed with 1013 (try again later).
                Err(RecvError::Lagged(missed)) => {
                    let frame = CloseFrame {
                        code: close_code::AGAIN,
                        reason: Utf8Bytes::from(format!("too slow: missed {missed} messages")),
                    };
                    return server_close(socket, frame, "fell behind the chat").await;
                }
                // The sender lives in the shared state, so this only happens while it goes away.
                Err(RecvError::Closed) => {
                    return server_close(socket, going_away(), "shutdown").await;
                }
            },
        }
    }
}
