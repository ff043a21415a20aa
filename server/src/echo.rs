//! `/echo`: answers every message in order, with the faults its query asks for.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::time::{Instant, sleep_until};

use crate::connection::Connection;
use crate::faults::{Ending, Faults, Handshake, is_heartbeat};
use crate::live_sessions::Registration;
use crate::session::{Outcome, client_closed, server_close};
use crate::state::AppState;
use crate::stats::{Endpoint, OpenConnection};
use crate::upgrade;

/// The largest message `/echo` accepts: 64 MiB and then some.
const ECHO_MAX_MESSAGE_BYTES: usize = 80 << 20;

pub(crate) async fn handle(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let connection = match upgrade::admit(&state, &uri, &headers, &query) {
        Ok(connection) => connection,
        Err(refused) => return *refused,
    };
    let faults = match Faults::from_query(&query) {
        Ok(faults) => faults,
        Err(bad) => return connection.refuse(StatusCode::BAD_REQUEST, bad),
    };
    match faults.handshake {
        Handshake::Accept => {}
        Handshake::Reject(status) => {
            let why = format_args!("as asked by reject={}", status.as_u16());
            return connection.refuse(status, why);
        }
        Handshake::Hang => return hang(&state, &connection).await,
    }
    // The client suites echo a 64 MiB message to test their size limit; the defaults (64 MiB
    // messages, 16 MiB frames) would refuse it.
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade
            .max_message_size(ECHO_MAX_MESSAGE_BYTES)
            .max_frame_size(ECHO_MAX_MESSAGE_BYTES),
        Err(rejection) => return rejection.into_response(),
    };
    let session_state = Arc::clone(&state);
    upgrade::accept(upgrade, &headers, &state, move |socket| {
        run(socket, connection, faults, session_state)
    })
}

/// `hang=1`: leaves the handshake unanswered until the client gives up (the request is then
/// dropped) or the server shuts down.
async fn hang(state: &AppState, connection: &Connection) -> Response {
    connection.log(format_args!(
        "{connection} hanging: the handshake stays unanswered"
    ));
    state.shutdown.cancelled().await;
    connection.refuse(StatusCode::SERVICE_UNAVAILABLE, "server shutting down")
}

async fn run(mut socket: WebSocket, connection: Connection, faults: Faults, state: Arc<AppState>) {
    // Registered before it counts as open, so `/control` reaches it once `/stats` shows it.
    let mut control = state.live.register(connection.client());
    let mut open = state.stats.open(Endpoint::Echo, connection.client());
    connection.log_opened(socket.protocol());
    let outcome = converse(&mut socket, &faults, &mut open, &mut control, &state).await;
    connection.log_closed(open.messages(), &outcome);
}

/// Something the session owes the client, due at a given time.
struct Due {
    at: Instant,
    action: Action,
}

enum Action {
    Send(Message),
    Drop,
    Close(CloseFrame),
}

impl From<&Ending> for Action {
    fn from(ending: &Ending) -> Self {
        match ending {
            Ending::Drop { .. } => Self::Drop,
            Ending::Close { frame, .. } => Self::Close(frame.clone()),
        }
    }
}

async fn converse(
    socket: &mut WebSocket,
    faults: &Faults,
    open: &mut OpenConnection,
    control: &mut Registration,
    state: &AppState,
) -> Outcome {
    // Replies wait here until due, so `delay_ms` delays each one without reordering them.
    let mut owed: VecDeque<Due> = VecDeque::new();
    let mut data_messages = 0;
    let mut ending_owed = false;
    if let Some(ending) = faults.ending.as_ref().filter(|ending| ending.after() == 0) {
        owed.push_back(Due {
            at: Instant::now(),
            action: ending.into(),
        });
        ending_owed = true;
    }

    loop {
        let next_due = owed.front().map(|due| due.at);
        tokio::select! {
            biased;
            // Before the socket and the replies, so a command handed over before a message
            // arrived is obeyed before that message is answered.
            stop = control.next_stop_or_shutdown(&state.shutdown) => {
                if let Some(stop) = stop {
                    return stop.carry_out(socket).await;
                }
            }
            () = sleep_until_some(next_due) => {
                let Some(due) = owed.pop_front() else { continue };
                match due.action {
                    // Silence withholds replies only: an ending that is due still happens.
                    Action::Send(_) if control.is_silenced() => {}
                    Action::Send(reply) => {
                        if let Err(error) = socket.send(reply).await {
                            return Outcome::SendFailed(error);
                        }
                    }
                    Action::Drop => return Outcome::Dropped("drop_after"),
                    Action::Close(frame) => {
                        return server_close(socket, frame, "close_after").await;
                    }
                }
            }
            incoming = socket.recv(), if !control.is_stalled() => match incoming {
                None => return Outcome::Lost(None),
                Some(Err(error)) => return Outcome::Lost(Some(error)),
                Some(Ok(Message::Close(frame))) => return client_closed(socket, frame).await,
                // Protocol pings are answered by the WebSocket layer itself.
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                // Once the ending is owed the session is over: later messages are neither
                // answered nor recorded.
                Some(Ok(_)) if ending_owed => {}
                Some(Ok(message)) => {
                    open.record(&message);
                    let at = Instant::now() + faults.delay;
                    if let Some(reply) = faults.answer(&message) {
                        owed.push_back(Due { at, action: Action::Send(reply) });
                    }
                    if !is_heartbeat(&message) {
                        data_messages += 1;
                        if let Some(ending) =
                            faults.ending.as_ref().filter(|ending| ending.after() == data_messages)
                        {
                            owed.push_back(Due { at, action: ending.into() });
                            ending_owed = true;
                        }
                    }
                }
            },
        }
    }
}

async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => sleep_until(at).await,
        None => std::future::pending().await,
    }
}
