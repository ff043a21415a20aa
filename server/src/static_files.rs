//! `/` and `/pkg/`: the demo page and the npm package, straight from disk.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

pub(crate) fn router(www: &Path, pkg: &Path) -> Router<Arc<AppState>> {
    Router::new()
        .nest_service("/pkg", ServeDir::new(pkg))
        .fallback_service(ServeDir::new(www))
        // Revalidate every time, so a rebuilt pkg/ is picked up by a plain reload.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}
