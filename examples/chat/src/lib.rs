//! What the Leptos, Yew and Dioxus chat examples share, so each example holds only its
//! framework's code: the message type, how many messages stay on screen, the texts the page
//! shows, the sockets' configs and the request the page makes.
#![deny(missing_docs)]

use std::time::Duration;

use resocket::{Config, Heartbeat, State};
use serde::{Deserialize, Serialize};

/// Messages kept on screen.
pub const MESSAGES_KEPT: usize = 200;

/// A chat line, as JSON `{"type":"chat","from":…,"text":…}` (the demo page's format, whose
/// other fields are ignored).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "chat")]
pub struct ChatMessage {
    /// Who wrote it.
    pub from: String,
    /// What they wrote, shown as text.
    pub text: String,
}

/// The badge's text for each state.
pub fn state_label(state: State) -> &'static str {
    match state {
        State::Connecting => "connecting",
        State::Open => "open",
        State::Closing => "closing",
        State::Waiting => "reconnecting",
        State::Closed => "closed",
        State::Offline => "offline",
        State::Suspended => "suspended",
        // `State` may grow; a state the badge does not know yet shows as connecting.
        _ => "connecting",
    }
}

/// The round-trip time's text: `rtt: 3 ms`, or `rtt: -` before the first pong.
pub fn rtt_text(rtt: Option<Duration>) -> String {
    match rtt {
        Some(rtt) => format!("rtt: {} ms", rtt.as_millis()),
        None => "rtt: -".to_owned(),
    }
}

/// The chat's socket: `/chat` on the page's own server, or the URL in the page's `?ws=`
/// parameter, with a heartbeat every 2 s of silence, which the round-trip time comes from.
pub fn chat_config() -> Config {
    let heartbeat = Heartbeat::new(Duration::from_secs(2), Duration::from_secs(3));
    Config::new(page_parameter("ws").unwrap_or_else(|| "/chat".to_owned())).heartbeat(heartbeat)
}

/// The request socket: `/rpc` on the page's own server, or the URL in the page's `?rpc=`
/// parameter. `/rpc` answers `{"id":1,"method":"add","params":[2,3]}` with
/// `{"id":1,"result":5}`.
pub fn rpc_config() -> Config {
    Config::new(page_parameter("rpc").unwrap_or_else(|| "/rpc".to_owned()))
}

/// How long the page waits for an answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// A request for `a + b`, answered with the sum (an `i64`).
#[derive(Serialize)]
pub struct Add {
    method: &'static str,
    params: [i64; 2],
}

impl Add {
    /// `a + b`.
    pub fn new(a: i64, b: i64) -> Self {
        Add {
            method: "add",
            params: [a, b],
        }
    }
}

/// The page URL's query parameter `name`.
fn page_parameter(name: &str) -> Option<String> {
    web_sys::window()
        .and_then(|window| window.location().search().ok())
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok())
        .and_then(|params| params.get(name))
}
