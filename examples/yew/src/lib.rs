//! A chat page in Yew on resocket: every message on `/chat` goes to everybody, the sender
//! included. The socket lives in a reusable hook, [`use_socket`](use_socket::use_socket).
//!
//! The page connects to `/chat` on its own server, or to the URL in its `?ws=` parameter.
#![deny(missing_docs)]

pub mod use_socket;

use std::rc::Rc;

use resocket_example_chat::{ChatMessage, MESSAGES_KEPT, socket_url, state_label};
use wasm_bindgen::prelude::wasm_bindgen;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::use_socket::use_socket;

/// The page: the chat while joined, a button to leave it (which unmounts the chat, so its
/// socket closes) and to join again.
#[component]
pub fn App() -> Html {
    let joined = use_state(|| true);
    let toggle = {
        let joined = joined.clone();
        Callback::from(move |_: MouseEvent| joined.set(!*joined))
    };
    html! {
        <main>
            <header>
                <h1>{ "resocket + Yew" }</h1>
                <button id="join" onclick={toggle}>{ if *joined { "Leave" } else { "Join" } }</button>
            </header>
            if *joined {
                <Chat />
            }
        </main>
    }
}

/// The chat: a socket on `/chat` through [`use_socket`], its state, the messages, a form.
#[component]
pub fn Chat() -> Html {
    let url = use_memo((), |_| socket_url());
    let messages = use_reducer(Messages::default);
    let on_message = {
        let messages = messages.dispatcher();
        Callback::from(move |message| messages.dispatch(message))
    };
    let socket = use_socket::<ChatMessage, ChatMessage>(&url, on_message);
    // The name is state, not just the input's content: a render would reset a `value` that is
    // only an attribute.
    let name = use_state(|| "anonymous".to_owned());
    let on_name = {
        let name = name.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
                name.set(input.value());
            }
        })
    };
    let text = use_node_ref();
    let send_error = use_state(|| None::<String>);

    let onsubmit = {
        let (socket, name, text, send_error) = (
            socket.clone(),
            name.clone(),
            text.clone(),
            send_error.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let Some(text) = text.cast::<HtmlInputElement>() else {
                return;
            };
            if text.value().is_empty() {
                return;
            }
            let message = ChatMessage {
                from: name.trim().to_owned(),
                text: text.value(),
            };
            match socket.send(&message) {
                Ok(_) => {
                    text.set_value("");
                    send_error.set(None);
                }
                Err(error) => send_error.set(Some(error.to_string())),
            }
        })
    };

    let label = state_label(socket.state);
    html! {
        <section>
            <p class="status">
                <span id="state" class={classes!("badge", label)}>{ label }</span>
                <span id="retries">{ format!("retries: {}", socket.retry_count) }</span>
            </p>
            <ul id="messages">
                { for messages.lines.iter().map(|(id, message)| html! {
                    <li key={*id}><b>{ &message.from }</b>{ ": " }{ &message.text }</li>
                }) }
            </ul>
            <form {onsubmit}>
                <input id="name" value={(*name).clone()} oninput={on_name} aria-label="name" />
                <input id="text" ref={text} placeholder="say something" aria-label="message" />
                <button id="send" type="submit">{ "Send" }</button>
            </form>
            if let Some(error) = &*send_error {
                <p id="error">{ error }</p>
            }
        </section>
    }
}

/// The newest messages, each with an id for its list item's key.
#[derive(Default)]
struct Messages {
    lines: Vec<(u64, Rc<ChatMessage>)>,
    next_id: u64,
}

impl Reducible for Messages {
    type Action = Rc<ChatMessage>;

    fn reduce(self: Rc<Self>, message: Rc<ChatMessage>) -> Rc<Self> {
        let skip = (self.lines.len() + 1).saturating_sub(MESSAGES_KEPT);
        let mut lines: Vec<_> = self.lines.iter().skip(skip).cloned().collect();
        lines.push((self.next_id, message));
        Rc::new(Messages {
            lines,
            next_id: self.next_id + 1,
        })
    }
}

/// Mounts the page on `<body>`.
#[wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<App>::new().render();
}
