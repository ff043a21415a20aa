//! `/control?client=NAME&action=ACTION`: makes the open sessions of one client misbehave, or
//! the whole server restart, so the demo page can show how the client recovers.
//!
//! | action | what happens |
//! | --- | --- |
//! | `drop` | the client's sessions end without a close frame (the browser reports 1006) |
//! | `silent` | they send nothing more (no replies, broadcasts or pongs; on `/session` no acks or `~pong` either) but still read: half-open |
//! | `stall` | they neither read nor send: the client's messages pile up unread (TCP back-pressure) |
//! | `close&code=C&reason=R` | they get a close frame, code 1000 unless given |
//! | `restart&down_ms=D` | every session gets 1012 and upgrades answer 503 for D ms (2000 unless given); resumable sessions (`/session`, `/session-chat`) stay in their store, as a server that keeps its store across restarts |
//! | `forget` | the resumable sessions (`/session`, `/session-chat`) of the client (every one without `client`) are lost, as a server that lost its store: their connections end without a close frame and the client comes back to a new session |
//!
//! Here a "session" is one WebSocket connection, except for `forget`, whose `affected` counts
//! resumable sessions: on `/session` and `/session-chat` the first five act on the connection, and the resumable
//! session outlives them (the client resumes it). The answer is `{"affected": N}`, the number
//! of sessions reached; a bad request gets 400 and a plain-text explanation.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tower_http::cors::{Any, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::faults::{BadQuery, close_frame};
use crate::live_sessions::Command;
use crate::resumable;
use crate::state::AppState;

/// How long a restart refuses upgrades unless `down_ms` says otherwise.
const DEFAULT_DOWN_MS: u64 = 2_000;
/// Longest `down_ms` accepted; a longer one is more likely a typo than a demo.
const MAX_DOWN_MS: u64 = 60_000;

pub(crate) fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/control", get(control).post(control))
        // Browser tests may call it from another origin than ours.
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::POST]),
        )
        // Every call acts: a cached answer would mean a fault that never happened.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

#[derive(Debug, Serialize)]
struct Affected {
    affected: usize,
}

async fn control(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let order = match Order::from_query(&query) {
        Ok(order) => order,
        Err(bad) => return (StatusCode::BAD_REQUEST, format!("{bad}\n")).into_response(),
    };
    let affected = match &order {
        Order::Client { client, command } => state.live.command(client, command),
        Order::Restart { down_for } => state.live.restart(*down_for),
        Order::Forget { client } => resumable::forget(&state, client.as_deref()),
    };
    log_line!("/control {order}: {affected} affected");
    Json(Affected { affected }).into_response()
}

/// The `action` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Drop,
    Silent,
    Stall,
    Close,
    Restart,
    Forget,
}

impl Action {
    const ALL: [Self; 6] = [
        Self::Drop,
        Self::Silent,
        Self::Stall,
        Self::Close,
        Self::Restart,
        Self::Forget,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Drop => "drop",
            Self::Silent => "silent",
            Self::Stall => "stall",
            Self::Close => "close",
            Self::Restart => "restart",
            Self::Forget => "forget",
        }
    }
}

/// Parameters that belong to one action only; given with another they are refused, since the
/// caller evidently meant something else.
const ACTION_PARAMETERS: [(&str, Action); 3] = [
    ("code", Action::Close),
    ("reason", Action::Close),
    ("down_ms", Action::Restart),
];

/// A valid `/control` request.
#[derive(Debug, PartialEq)]
enum Order {
    /// For the sessions tagged `client`.
    Client { client: String, command: Command },
    /// For every session, and for upgrades during `down_for`.
    Restart { down_for: Duration },
    /// For the resumable sessions of `client`, or every one.
    Forget { client: Option<String> },
}

impl Order {
    fn from_query(query: &HashMap<String, String>) -> Result<Self, BadControl> {
        let action = query.get("action").ok_or(BadControl::NoAction)?;
        let action = Action::ALL
            .into_iter()
            .find(|known| known.name() == action)
            .ok_or_else(|| BadControl::UnknownAction {
                value: action.clone(),
            })?;
        if let Some(&(parameter, applies_to)) = ACTION_PARAMETERS
            .iter()
            .find(|(parameter, applies_to)| *applies_to != action && query.contains_key(*parameter))
        {
            return Err(BadControl::DoesNotApply {
                parameter,
                applies_to,
                action,
            });
        }
        if action == Action::Restart {
            let down_ms = query
                .get("down_ms")
                .map_or(Ok(DEFAULT_DOWN_MS), |value| parse_down_ms(value))?;
            return Ok(Self::Restart {
                down_for: Duration::from_millis(down_ms),
            });
        }
        if action == Action::Forget {
            let client = query.get("client").filter(|client| !client.is_empty());
            return Ok(Self::Forget {
                client: client.cloned(),
            });
        }

        let client = query
            .get("client")
            .filter(|client| !client.is_empty())
            .ok_or(BadControl::NoClient { action })?
            .clone();
        let command = match action {
            Action::Drop => Command::Drop,
            Action::Silent => Command::Silence,
            Action::Stall => Command::Stall,
            Action::Close | Action::Restart | Action::Forget => Command::Close {
                frame: close_frame(query.get("code"), query.get("reason"))
                    .map_err(BadControl::Close)?,
                why: "/control close",
            },
        };
        Ok(Self::Client { client, command })
    }
}

/// How the log tells what was done.
impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Debug quoting: the client name comes from the request and may hold a newline.
            Self::Client { client, command } => match command {
                Command::Drop => write!(f, "drop client={client:?}"),
                Command::Silence => write!(f, "silent client={client:?}"),
                Command::Stall => write!(f, "stall client={client:?}"),
                Command::Close { frame, .. } => write!(
                    f,
                    "close client={client:?} with {} {:?}",
                    frame.code,
                    frame.reason.as_str()
                ),
            },
            Self::Restart { down_for } => write!(
                f,
                "restart: closing every session with 1012, refusing upgrades for {} ms",
                down_for.as_millis()
            ),
            Self::Forget {
                client: Some(client),
            } => {
                write!(f, "forget the resumable sessions of client={client:?}")
            }
            Self::Forget { client: None } => write!(f, "forget every resumable session"),
        }
    }
}

fn parse_down_ms(value: &str) -> Result<u64, BadControl> {
    value
        .parse()
        .ok()
        .filter(|&down_ms| down_ms <= MAX_DOWN_MS)
        .ok_or_else(|| BadControl::DownMs {
            value: value.to_owned(),
        })
}

/// A `/control` request the server cannot carry out; its `Display` is the 400 response's body.
#[derive(Debug, PartialEq)]
enum BadControl {
    NoAction,
    UnknownAction {
        value: String,
    },
    NoClient {
        action: Action,
    },
    DoesNotApply {
        parameter: &'static str,
        applies_to: Action,
        action: Action,
    },
    Close(BadQuery),
    DownMs {
        value: String,
    },
}

impl fmt::Display for BadControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoAction => write!(
                f,
                "/control needs ?action=drop, silent, stall, close, restart or forget (and client=NAME)"
            ),
            Self::UnknownAction { value } => write!(
                f,
                "action must be drop, silent, stall, close, restart or forget, not {value:?}"
            ),
            Self::NoClient { action } => write!(
                f,
                "action={} needs client=NAME: the tag the client put in its WebSocket URL",
                action.name()
            ),
            Self::DoesNotApply {
                parameter,
                applies_to,
                action,
            } => write!(
                f,
                "{parameter} only applies to action={}, not to action={}",
                applies_to.name(),
                action.name()
            ),
            Self::Close(bad) => bad.fmt(f),
            Self::DownMs { value } => write!(
                f,
                "down_ms must be a whole number from 0 to {MAX_DOWN_MS}, not {value:?}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::extract::ws::{CloseFrame, Utf8Bytes};

    use super::*;

    fn parse(query: &str) -> Result<Order, BadControl> {
        let pairs = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        Order::from_query(&pairs)
    }

    fn client_command(query: &str) -> Option<Command> {
        match parse(query) {
            Ok(Order::Client { client, command }) if client == "a" => Some(command),
            _ => None,
        }
    }

    #[test]
    fn client_actions_name_their_command() {
        assert_eq!(client_command("client=a&action=drop"), Some(Command::Drop));
        assert_eq!(
            client_command("action=silent&client=a&token=x"),
            Some(Command::Silence)
        );
        assert_eq!(
            client_command("client=a&action=stall"),
            Some(Command::Stall)
        );
        let close = Command::Close {
            frame: CloseFrame {
                code: 4001,
                reason: Utf8Bytes::from("bye now"),
            },
            why: "/control close",
        };
        assert_eq!(
            client_command("client=a&action=close&code=4001&reason=bye%20now"),
            Some(close)
        );
        let plain = client_command("client=a&action=close");
        assert!(
            matches!(&plain, Some(Command::Close { frame, .. }) if frame.code == 1000),
            "{plain:?}"
        );
    }

    #[test]
    fn restart_needs_no_client_and_defaults_to_two_seconds() {
        assert_eq!(
            parse("action=restart"),
            Ok(Order::Restart {
                down_for: Duration::from_millis(DEFAULT_DOWN_MS)
            })
        );
        assert_eq!(
            parse("action=restart&client=a&down_ms=60000"),
            Ok(Order::Restart {
                down_for: Duration::from_secs(60)
            })
        );
    }

    #[test]
    fn forget_takes_a_client_or_none() {
        assert_eq!(
            parse("action=forget&client=a"),
            Ok(Order::Forget {
                client: Some("a".to_owned())
            })
        );
        assert_eq!(parse("action=forget"), Ok(Order::Forget { client: None }));
        assert_eq!(
            parse("action=forget&client="),
            Ok(Order::Forget { client: None })
        );
        assert!(matches!(
            parse("action=forget&down_ms=5"),
            Err(BadControl::DoesNotApply { .. })
        ));
    }

    #[test]
    fn bad_requests_are_refused() {
        assert_eq!(parse("client=a"), Err(BadControl::NoAction));
        assert!(matches!(
            parse("client=a&action=explode"),
            Err(BadControl::UnknownAction { .. })
        ));
        assert!(matches!(
            parse("action=drop&client="),
            Err(BadControl::NoClient {
                action: Action::Drop
            })
        ));
        assert!(matches!(
            parse("client=a&action=close&code=1006"),
            Err(BadControl::Close(BadQuery::CloseCode { .. }))
        ));
        assert!(matches!(
            parse("client=a&action=drop&code=1000"),
            Err(BadControl::DoesNotApply {
                parameter: "code",
                ..
            })
        ));
        assert!(matches!(
            parse("client=a&action=close&down_ms=5"),
            Err(BadControl::DoesNotApply {
                parameter: "down_ms",
                ..
            })
        ));
        for down_ms in ["60001", "-1", "1.5", "soon"] {
            assert!(
                matches!(
                    parse(&format!("action=restart&down_ms={down_ms}")),
                    Err(BadControl::DownMs { .. })
                ),
                "{down_ms}"
            );
        }
    }
}
