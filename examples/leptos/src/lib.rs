//! A chat page in Leptos on resocket: every message on `/chat` goes to everybody, the sender
//! included. The socket lives in resocket-leptos's `use_socket` hook; a second one, on `/rpc`,
//! makes requests.
//!
//! The page connects to `/chat` and `/rpc` on its own server, or to the URLs in its `?ws=` and
//! `?rpc=` parameters.
#![deny(missing_docs)]

use std::cell::Cell;

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use resocket_example_chat::{
    Add, ChatMessage, MESSAGES_KEPT, REQUEST_TIMEOUT, chat_config, rpc_config, rtt_text,
    state_label,
};
use resocket_leptos::{UseSocket, use_socket};
use serde::de::IgnoredAny;
use wasm_bindgen::prelude::wasm_bindgen;

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

/// The chat: a socket on `/chat` through [`use_socket`], its state and figures, buttons to
/// close and reconnect it, the messages, a form; and the [`Adder`].
#[component]
pub fn Chat() -> impl IntoView {
    let lines = RwSignal::new(Vec::<(u64, ChatMessage)>::new());
    let next_id = Cell::new(0);
    let socket: UseSocket<ChatMessage, ChatMessage> =
        use_socket(chat_config(), move |message: &ChatMessage| {
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
                <span id="rtt">{move || rtt_text(socket.rtt.get())}</span>
                <span id="queued">{move || format!("queued: {}", socket.queued_count.get())}</span>
                <button id="close" on:click=move |_| socket.close()>"Close"</button>
                <button id="reconnect" on:click=move |_| socket.reconnect()>"Reconnect"</button>
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
            <Adder />
        </section>
    }
}

/// A total the server adds to: each click asks `/rpc` for `total + 1`.
#[component]
pub fn Adder() -> impl IntoView {
    let rpc: UseSocket<Add, IgnoredAny> = use_socket(rpc_config(), |_: &IgnoredAny| {});
    let total = RwSignal::new(0);
    let rpc_error = RwSignal::new(None::<String>);
    let add_one = move |_| {
        let sum = rpc.request::<_, i64>(&Add::new(total.get_untracked(), 1), REQUEST_TIMEOUT);
        spawn_local(async move {
            // `try_`: the component may be gone by the time the answer comes.
            match sum.await {
                Ok(sum) => drop(total.try_set(sum)),
                Err(error) => drop(rpc_error.try_set(Some(error.to_string()))),
            }
        });
    };
    view! {
        <p class="rpc">
            <button id="add" on:click=add_one>"+1 on the server"</button>
            <output id="total">{move || total.get()}</output>
            <span id="rpc-error">{move || rpc_error.get()}</span>
        </p>
    }
}

/// Mounts the page on `<body>`.
#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(App);
}
