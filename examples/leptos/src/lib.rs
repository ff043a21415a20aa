//! A chat page in Leptos on resocket: every message on `/chat` goes to everybody, the sender
//! included. The socket lives in a reusable hook, [`use_socket`](use_socket::use_socket).
//!
//! The page connects to `/chat` on its own server, or to the URL in its `?ws=` parameter.
#![deny(missing_docs)]

pub mod use_socket;

use std::cell::Cell;

use leptos::html::Input;
use leptos::prelude::*;
use resocket_example_chat::{ChatMessage, MESSAGES_KEPT, socket_url, state_label};
use wasm_bindgen::prelude::wasm_bindgen;

use crate::use_socket::use_socket;

/// The page: the chat while joined, a button to leave it (which unmounts the chat, so its
/// socket closes) and to join again.
#[component]
pub fn App() -> impl IntoView {
    let joined = RwSignal::new(true);
    view! {
        <main>
            <header>
                <h1>"resocket + Leptos"</h1>
                <button id="join" on:click=move |_| joined.update(|joined| *joined = !*joined)>
                    {move || if joined.get() { "Leave" } else { "Join" }}
                </button>
            </header>
            <Show when=move || joined.get()>
                <Chat />
            </Show>
        </main>
    }
}

/// The chat: a socket on `/chat` through [`use_socket`], its state, the messages, a form.
#[component]
pub fn Chat() -> impl IntoView {
    let lines = RwSignal::new(Vec::<(u64, ChatMessage)>::new());
    let next_id = Cell::new(0);
    let socket = use_socket::<ChatMessage, ChatMessage>(socket_url(), move |message| {
        let id = next_id.replace(next_id.get() + 1);
        lines.try_update(|lines| {
            if lines.len() >= MESSAGES_KEPT {
                lines.remove(0);
            }
            lines.push((id, message.clone()));
        });
    });
    let name = NodeRef::<Input>::new();
    let text = NodeRef::<Input>::new();
    let send_error = RwSignal::new(None::<String>);

    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (Some(name), Some(text)) = (name.get(), text.get()) else {
            return;
        };
        if text.value().is_empty() {
            return;
        }
        let message = ChatMessage {
            from: name.value().trim().to_owned(),
            text: text.value(),
        };
        match socket.send(&message) {
            Ok(_) => {
                text.set_value("");
                send_error.set(None);
            }
            Err(error) => send_error.set(Some(error.to_string())),
        }
    };

    let label = move || state_label(socket.state.get());
    view! {
        <section>
            <p class="status">
                <span id="state" class=move || format!("badge {}", label())>{label}</span>
                <span id="retries">{move || format!("retries: {}", socket.retry_count.get())}</span>
            </p>
            <ul id="messages">
                <For each=move || lines.get() key=|(id, _)| *id let((_, message))>
                    <li><b>{message.from}</b>": "{message.text}</li>
                </For>
            </ul>
            <form on:submit=on_submit>
                <input id="name" node_ref=name value="anonymous" aria-label="name" />
                <input id="text" node_ref=text placeholder="say something" aria-label="message" />
                <button id="send" type="submit">"Send"</button>
            </form>
            <Show when=move || send_error.with(Option::is_some)>
                <p id="error">{move || send_error.get()}</p>
            </Show>
        </section>
    }
}

/// Mounts the page on `<body>`.
#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(App);
}
