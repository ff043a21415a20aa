//! A chat page in Yew on resocket: every message on `/chat` goes to everybody, the sender
//! included. The socket lives in resocket-yew's `use_socket` hook; a second one, on `/rpc`,
//! makes requests.
//!
//! The page connects to `/chat` and `/rpc` on its own server, or to the URLs in its `?ws=` and
//! `?rpc=` parameters.
#![deny(missing_docs)]

use std::rc::Rc;

use resocket_example_chat::{
    Add, ChatMessage, MESSAGES_KEPT, REQUEST_TIMEOUT, chat_config, rpc_config, rtt_text,
    state_label,
};
use resocket_yew::{UseSocketHandle, use_socket};
use serde::de::IgnoredAny;
use wasm_bindgen::prelude::wasm_bindgen;
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

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

/// The chat: a socket on `/chat` through [`use_socket`], its state and figures, buttons to
/// close and reconnect it, the messages, a form; and the [`Adder`].
#[component]
pub fn Chat() -> Html {
    let messages = use_reducer(Messages::default);
    let on_message = {
        let messages = messages.dispatcher();
        Callback::from(move |message| messages.dispatch(message))
    };
    // The config is made once: its deps, `()`, never change.
    let socket: UseSocketHandle<ChatMessage, ChatMessage> =
        use_socket((), |_| chat_config(), on_message);
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

    let close = {
        let socket = socket.clone();
        Callback::from(move |_: MouseEvent| socket.close())
    };
    let reconnect = {
        let socket = socket.clone();
        Callback::from(move |_: MouseEvent| socket.reconnect())
    };
    let label = state_label(socket.state);
    html! {
        <section>
            <p class="status">
                <span id="state" class={classes!("badge", label)}>{ label }</span>
                <span id="retries">{ format!("retries: {}", socket.retry_count) }</span>
                <span id="rtt">{ rtt_text(socket.rtt) }</span>
                <span id="queued">{ format!("queued: {}", socket.queued_count) }</span>
                <button id="close" onclick={close}>{ "Close" }</button>
                <button id="reconnect" onclick={reconnect}>{ "Reconnect" }</button>
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
            <Adder />
        </section>
    }
}

/// A total the server adds to: each click asks `/rpc` for `total + 1`.
#[component]
pub fn Adder() -> Html {
    let rpc: UseSocketHandle<Add, IgnoredAny> = use_socket((), |_| rpc_config(), Callback::noop());
    let total = use_state_eq(|| 0);
    let rpc_error = use_state_eq(|| None::<String>);
    let add_one = {
        let (total, rpc_error) = (total.clone(), rpc_error.clone());
        Callback::from(move |_: MouseEvent| {
            let sum = rpc.request::<_, i64>(&Add::new(*total, 1), REQUEST_TIMEOUT);
            let (total, rpc_error) = (total.setter(), rpc_error.setter());
            spawn_local(async move {
                match sum.await {
                    Ok(sum) => total.set(sum),
                    Err(error) => rpc_error.set(Some(error.to_string())),
                }
            });
        })
    };
    html! {
        <p class="rpc">
            <button id="add" onclick={add_one}>{ "+1 on the server" }</button>
            <output id="total">{ *total }</output>
            <span id="rpc-error">{ (*rpc_error).clone() }</span>
        </p>
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
