//! What the Leptos and Yew chat examples share, so each example holds only its framework's
//! code: the message type, how many messages stay on screen, the state badge's texts and the
//! socket URL.
#![deny(missing_docs)]

use resocket::State;
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

/// The page's `?ws=` parameter, or `/chat` on the page's own server.
pub fn socket_url() -> String {
    web_sys::window()
        .and_then(|window| window.location().search().ok())
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok())
        .and_then(|params| params.get("ws"))
        .unwrap_or_else(|| "/chat".to_owned())
}
