//! A chat page in Dioxus on resocket: every message on `/chat` goes to everybody, the sender
//! included. The socket lives in resocket-dioxus's `use_socket` hook; a second one, on `/rpc`,
//! makes requests.
//!
//! The page connects to `/chat` and `/rpc` on its own server, or to the URLs in its `?ws=` and
//! `?rpc=` parameters.
#![deny(missing_docs)]

use dioxus::prelude::*;
use resocket_dioxus::{UseSocket, use_socket};
use resocket_example_chat::{
    Add, ChatMessage, MESSAGES_KEPT, REQUEST_TIMEOUT, chat_config, rpc_config, rtt_text,
    state_label,
};
use serde::de::IgnoredAny;
use wasm_bindgen::prelude::wasm_bindgen;

/// The page: the chat while joined, a button to leave it (which unmounts the chat, so its
/// socket closes) and to join again.
#[component]
pub fn App() -> Element {
    let mut joined = use_signal(|| true);
    rsx! {
        main {
            header {
                h1 { "resocket + Dioxus" }
                button { id: "join", onclick: move |_| joined.toggle(),
                    if joined() { "Leave" } else { "Join" }
                }
            }
            if joined() {
                Chat {}
            }
        }
    }
}

/// The chat: a socket on `/chat` through [`use_socket`], its state and figures, buttons to
/// close and reconnect it, the messages, a form; and the [`Adder`].
#[component]
pub fn Chat() -> Element {
    let mut lines = use_signal(Vec::<(u64, ChatMessage)>::new);
    let mut next_id = use_signal(|| 0_u64);
    let socket: UseSocket<ChatMessage, ChatMessage> =
        use_socket(chat_config, move |message: &ChatMessage| {
            let id = next_id();
            next_id += 1;
            lines.with_mut(|lines| {
                if lines.len() >= MESSAGES_KEPT {
                    lines.remove(0);
                }
                lines.push((id, message.clone()));
            });
        });
    let mut name = use_signal(|| "anonymous".to_owned());
    let mut text = use_signal(String::new);
    let mut send_error = use_signal(|| None::<String>);

    let on_submit = move |event: FormEvent| {
        event.prevent_default();
        if text.read().is_empty() {
            return;
        }
        let message = ChatMessage {
            from: name.read().trim().to_owned(),
            text: text(),
        };
        match socket.send(&message) {
            Ok(_) => {
                text.set(String::new());
                send_error.set(None);
            }
            Err(error) => send_error.set(Some(error.to_string())),
        }
    };

    let label = state_label((socket.state)());
    rsx! {
        section {
            p { class: "status",
                span { id: "state", class: "badge {label}", "{label}" }
                span { id: "retries", "retries: {socket.retry_count}" }
                span { id: "rtt", {rtt_text((socket.rtt)())} }
                span { id: "queued", "queued: {socket.queued_count}" }
                button { id: "close", onclick: move |_| socket.close(), "Close" }
                button { id: "reconnect", onclick: move |_| socket.reconnect(), "Reconnect" }
            }
            ul { id: "messages",
                for (id, message) in lines.read().iter() {
                    li { key: "{id}", b { "{message.from}" } ": {message.text}" }
                }
            }
            form { onsubmit: on_submit,
                input {
                    id: "name",
                    value: "{name}",
                    aria_label: "name",
                    oninput: move |event| name.set(event.value()),
                }
                input {
                    id: "text",
                    value: "{text}",
                    placeholder: "say something",
                    aria_label: "message",
                    oninput: move |event| text.set(event.value()),
                }
                button { id: "send", r#type: "submit", "Send" }
            }
            if let Some(error) = send_error() {
                p { id: "error", "{error}" }
            }
            Adder {}
        }
    }
}

/// A total the server adds to: each click asks `/rpc` for `total + 1`.
#[component]
pub fn Adder() -> Element {
    let rpc: UseSocket<Add, IgnoredAny> = use_socket(rpc_config, |_: &IgnoredAny| {});
    let mut total = use_signal(|| 0_i64);
    let mut rpc_error = use_signal(|| None::<String>);
    let add_one = move |_| {
        let sum = rpc.request::<_, i64>(&Add::new(total(), 1), REQUEST_TIMEOUT);
        // A task of this component: it ends, answer or not, when the component goes.
        spawn(async move {
            match sum.await {
                Ok(sum) => total.set(sum),
                Err(error) => rpc_error.set(Some(error.to_string())),
            }
        });
    };
    rsx! {
        p { class: "rpc",
            button { id: "add", onclick: add_one, "+1 on the server" }
            output { id: "total", "{total}" }
            span { id: "rpc-error", {rpc_error()} }
        }
    }
}

/// Mounts the page on `<div id="main">`.
#[wasm_bindgen(start)]
pub fn start() {
    dioxus::launch(App);
}
