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
//! [`serve`] does all of this for `/session-chat` too, and [`forget`] reaches both.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use futures_util::StreamExt;
use resocket_axum::{SUBPROTOCOL, Session, SessionHandle, Sessions};

use crate::rpc;
use crate::state::AppState;
use crate::stats::{Endpoint, Received};
use crate::upgrade;
use crate::wire::Wire;

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
    let request = Request {
        query,
        uri,
        headers,
        upgrade,
    };
    let sessions = state.resumable.clone();
    serve(&state, &sessions, Endpoint::Session, request, converse)
}

/// A WebSocket request to an endpoint of resumable sessions.
pub(crate) struct Request {
    pub query: HashMap<String, String>,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
}

/// Serves `request` from `sessions` as every endpoint of resumable sessions does: admitted as
/// the other endpoints' requests are, refused with 400 without `resocket.v1`, its connection a
/// [`Wire`] counted under `endpoint`, and the client tag the session's owner (only a
/// connection with the same tag resumes it). A new session runs `handler` with that tag.
pub(crate) fn serve<H, Fut>(
    state: &Arc<AppState>,
    sessions: &Sessions,
    endpoint: Endpoint,
    request: Request,
    handler: H,
) -> Response
where
    H: FnOnce(Session, Option<String>, Arc<AppState>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Request {
        query,
        uri,
        headers,
        upgrade,
    } = request;
    let (connection, upgrade) = match upgrade::admit_upgrade(state, &uri, &headers, &query, upgrade)
    {
        Ok(admitted) => admitted,
        Err(refused) => return *refused,
    };
    if !upgrade::offers_protocol(&headers, SUBPROTOCOL) {
        let path = uri.path();
        let why =
            format_args!("{path} serves resumable sessions: offer the {SUBPROTOCOL} subprotocol");
        return connection.refuse(StatusCode::BAD_REQUEST, why);
    }
    let client = connection.client().map(str::to_owned);
    // The test server authenticates nobody: the client tag stands for the user.
    let owner = client.clone().unwrap_or_default();
    let wire_state = Arc::clone(state);
    let handler_state = Arc::clone(state);
    sessions.upgrade_wrapped(
        upgrade,
        headers,
        owner,
        move |socket| Wire::new(socket, connection, endpoint, &wire_state),
        move |session| handler(session, client, handler_state),
    )
}

/// Ends the resumable sessions of `client` (every one without it), on every endpoint, as a
/// server that lost its store would: their connections are cut without a close frame, the
/// store forgets them, their handlers end. Returns how many there were.
pub(crate) fn forget(state: &AppState, client: Option<&str>) -> usize {
    let stores = [&state.resumable, &state.session_chat.sessions];
    let forgotten: Vec<SessionHandle> = (stores.into_iter())
        .flat_map(Sessions::handles)
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

/// A session's message as `/received` lists it.
pub(crate) fn received(message: &resocket_axum::Message) -> Received {
    match message {
        resocket_axum::Message::Text(text) => Received::Text(text.clone()),
        resocket_axum::Message::Binary(bytes) => Received::Binary {
            binary: bytes.len(),
        },
    }
}
