//! The URL map.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use crate::config::ServerConfig;
use crate::state::AppState;
use crate::{chat, control, echo, resumable, rpc, session_chat, static_files, stats_http};

pub(crate) fn router(config: &ServerConfig, state: Arc<AppState>) -> Router {
    Router::new()
        .route("/echo", get(echo::handle))
        .route("/chat", get(chat::handle))
        .route("/rpc", get(rpc::handle))
        .route("/session", get(resumable::handle))
        .route("/session-chat", get(session_chat::handle))
        .merge(stats_http::router())
        .merge(control::router())
        .merge(static_files::router(&config.www, &config.pkg))
        .with_state(state)
}
