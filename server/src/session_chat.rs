//! `/session-chat`: `/chat` on resumable sessions (`PROTOCOL.md`, the `resocket.v1`
//! subprotocol), for the demo page's resumable mode: every message a session sends goes to
//! every session of the chat, the sender's included, in one global order, exactly once, even
//! to a session whose connection is down at the time (it gets the message when it resumes).
//!
//! - Sessions are served, recorded in `/received` and reached by `/control` as `/session`'s
//!   are ([`resumable::serve`]): `drop`, `silent`, `stall`, `close` and `restart` act on the
//!   connection and the session resumes; `forget` ends it.
//! - The server relays messages as they came, like `/chat`: pages show them as text.
//! - A session that cannot take a message within [`FALL_BEHIND_GRACE`] (its window of
//!   unacknowledged messages stays full: its client has been away a long time, or is stalled)
//!   is ended with 1013, as `/chat` closes a client that fell behind: missing a message
//!   without knowing would break the promise, and waiting for it would stop the whole chat.
//!   Its client comes back to a new session, told which of its messages may not have arrived.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use futures_util::StreamExt;
use futures_util::future::join_all;
use resocket_axum::{Message, Session, Sessions, SessionsConfig};
use tokio::sync::Mutex;

use crate::resumable::{self, Request};
use crate::state::AppState;
use crate::stats::Endpoint;

/// How long a message may wait for room in one session's window before that session is ended.
const FALL_BEHIND_GRACE: Duration = Duration::from_secs(5);

/// The close code of a session that fell behind: try again later.
const FELL_BEHIND: (u16, &str) = (1013, "fell behind the chat");

/// The chat's sessions, and the order of its messages.
pub(crate) struct SessionChat {
    /// Kept apart from `/session`'s, so a broadcast reaches chat sessions only.
    pub sessions: Sessions,
    /// Held while a message goes to every session, so each gets the messages in the order
    /// they took this lock: one order for everybody.
    order: Mutex<()>,
}

impl SessionChat {
    pub fn new() -> SessionChat {
        SessionChat {
            sessions: Sessions::new(SessionsConfig::default()),
            order: Mutex::new(()),
        }
    }

    /// Sends `message` to every session of the chat. Sessions whose connection is down keep it
    /// for their resume; those whose window stays full are ended.
    async fn broadcast(&self, message: &Message) {
        let _order = self.order.lock().await;
        // At once, so a session that is slow to take it delays the others by the grace at
        // most, not by the grace per such session.
        let sends = self
            .sessions
            .handles()
            .into_iter()
            .map(|session| async move {
                let sent = tokio::time::timeout(FALL_BEHIND_GRACE, session.send(message.clone()));
                // An ended session (its client closed it) is simply not in the chat any more.
                if sent.await.is_err() {
                    log_line!("session {} fell behind the chat: ended", session.id());
                    session.end(FELL_BEHIND.0, FELL_BEHIND.1);
                }
            });
        join_all(sends).await;
    }
}

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
    let sessions = state.session_chat.sessions.clone();
    resumable::serve(&state, &sessions, Endpoint::SessionChat, request, converse)
}

/// One session's handler: records each message, then hands it to the whole chat.
async fn converse(mut session: Session, client: Option<String>, state: Arc<AppState>) {
    let id = session.id().to_owned();
    log_line!("chat session {id} started for client {client:?}");
    while let Some(message) = session.next().await {
        if let Some(client) = &client {
            state.stats.record(client, resumable::received(&message));
        }
        state.session_chat.broadcast(&message).await;
    }
    log_line!("chat session {id} ended");
}
