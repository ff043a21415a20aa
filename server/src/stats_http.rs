//! `/stats`, `/received` and `/reset`: what the server saw, for tests running in a browser.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use tower_http::cors::{Any, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

pub(crate) fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/stats", get(stats))
        .route("/received", get(received))
        .route("/reset", get(reset).post(reset).delete(reset))
        // Browser tests fetch these from the page's own origin, which differs from ours.
        .layer(CorsLayer::new().allow_origin(Any).allow_methods([
            Method::GET,
            Method::POST,
            Method::DELETE,
        ]))
        // A cached answer would make polling loops wait for counts that already changed.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

async fn stats(State(state): State<Arc<AppState>>) -> Response {
    Json(state.stats.snapshot()).into_response()
}

#[derive(Debug, Deserialize)]
struct ReceivedQuery {
    client: Option<String>,
}

async fn received(
    State(state): State<Arc<AppState>>,
    Query(query): Query<ReceivedQuery>,
) -> Response {
    match query.client {
        Some(client) => Json(state.stats.received(&client)).into_response(),
        None => (
            StatusCode::BAD_REQUEST,
            "/received needs ?client=NAME: the tag the client put in its WebSocket URL\n",
        )
            .into_response(),
    }
}

async fn reset(State(state): State<Arc<AppState>>) -> StatusCode {
    state.stats.reset();
    log_line!("stats totals and received logs reset");
    StatusCode::NO_CONTENT
}
