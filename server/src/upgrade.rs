//! What every WebSocket request goes through before the session starts: the origin allowlist,
//! the restart downtime, the subprotocol choice, and tracking of the session for shutdown.

use std::collections::HashMap;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use resocket_axum::SUBPROTOCOL;

use crate::connection::Connection;
use crate::state::AppState;

/// Names a new connection and applies the checks every WebSocket endpoint makes before its
/// own: the origin allowlist and a `/control` restart's downtime.
pub(crate) fn admit(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Result<Connection, Box<Response>> {
    let id = state.next_connection_id();
    let connection = Connection::new(id, uri, headers, query.get("client"));
    match refuse_disallowed_origin(&connection, state)
        .or_else(|| refuse_while_restarting(&connection, state))
    {
        Some(refused) => Err(Box::new(refused)),
        None => Ok(connection),
    }
}

/// [`admit`], then the upgrade itself: for endpoints with no checks of their own between them.
pub(crate) fn admit_upgrade(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<(Connection, WebSocketUpgrade), Box<Response>> {
    let connection = admit(state, uri, headers, query)?;
    let upgrade = upgrade.map_err(|rejection| Box::new(rejection.into_response()))?;
    Ok((connection, upgrade))
}

/// Refuses a browser whose origin is not allowed; requests without an `Origin` header come from
/// non-browser clients and pass.
fn refuse_disallowed_origin(connection: &Connection, state: &AppState) -> Option<Response> {
    let origin = connection.origin()?;
    let allowed = &state.allowed_origins;
    let listed = allowed
        .iter()
        .any(|entry| entry.trim_end_matches('/') == origin);
    (!allowed.is_empty() && !listed).then(|| {
        connection.refuse(
            StatusCode::FORBIDDEN,
            format_args!("origin {origin} is not in --allow-origin"),
        )
    })
}

/// Refuses every upgrade with 503 while a `/control` restart keeps the server "down".
fn refuse_while_restarting(connection: &Connection, state: &AppState) -> Option<Response> {
    let left = state.live.downtime_left()?;
    Some(connection.refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        format_args!("server restarting: back in {} ms", left.as_millis()),
    ))
}

/// Upgrades the connection and runs `session` on it as a task that shutdown waits for.
pub(crate) fn accept<F, Fut>(
    mut upgrade: WebSocketUpgrade,
    headers: &HeaderMap,
    state: &AppState,
    session: F,
) -> Response
where
    F: FnOnce(WebSocket) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    if let Some(protocol) = first_offered_protocol(headers) {
        upgrade.set_selected_protocol(protocol);
    }
    let sessions = state.sessions.clone();
    upgrade.on_upgrade(move |socket| sessions.track_future(session(socket)))
}

/// The first subprotocol the client offered, which the server accepts so client tests can
/// check what was negotiated; never `resocket.v1`, which these endpoints do not speak (only
/// `/session` does): a client in session mode learns that it reached a plain server.
fn first_offered_protocol(headers: &HeaderMap) -> Option<HeaderValue> {
    offered_protocols(headers)
        .find(|protocol| *protocol != SUBPROTOCOL)
        .and_then(|protocol| HeaderValue::from_str(protocol).ok())
}

/// Whether the client offered `protocol`.
pub(crate) fn offers_protocol(headers: &HeaderMap, protocol: &str) -> bool {
    offered_protocols(headers).any(|offered| offered == protocol)
}

fn offered_protocols(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    (headers.get_all(header::SEC_WEBSOCKET_PROTOCOL).iter())
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|protocol| !protocol.is_empty())
}
