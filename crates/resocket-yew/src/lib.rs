//! [resocket](https://docs.rs/resocket)'s reconnecting WebSocket as a Yew 0.23 hook.
//!
//! [`use_socket`] opens a [`Socket`](resocket::Socket) for as long as the calling component is
//! mounted (and again when its deps change) and returns a [`UseSocketHandle`]: the connection
//! state, the last message, the retry count, the round-trip time and the queued count as
//! values of the render, and, through the [`Controls`] it dereferences to, `send`, `request`,
//! `close`, `reconnect` and `sender`. Every message also reaches the hook's `on_message`
//! callback, in order, so a chat sees each one.
//!
//! ```no_run
//! use std::rc::Rc;
//! use resocket::Config;
//! use resocket_yew::{UseSocketHandle, use_socket};
//! use serde::{Deserialize, Serialize};
//! use yew::prelude::*;
//!
//! #[derive(Serialize, Deserialize, Debug)]
//! struct Line {
//!     text: String,
//! }
//!
//! #[derive(Properties, PartialEq)]
//! struct ChatProps {
//!     url: AttrValue,
//! }
//!
//! #[component]
//! fn Chat(props: &ChatProps) -> Html {
//!     let on_message = Callback::from(|line: Rc<Line>| web_sys::console::log_1(&line.text.as_str().into()));
//!     // A new URL opens a new socket.
//!     let socket: UseSocketHandle<Line, Line> =
//!         use_socket(props.url.clone(), |url| Config::new(url.as_str()), on_message);
//!     let onclick = {
//!         let socket = socket.clone();
//!         Callback::from(move |_: MouseEvent| {
//!             let _ = socket.send(&Line { text: "hi".into() });
//!         })
//!     };
//!     html! {
//!         <button {onclick}>{ format!("{}, {} queued", socket.state, socket.queued_count) }</button>
//!     }
//! }
//! ```
//!
//! Messages go through the socket's codec, [`Json`](resocket::Json) unless the handle's third
//! type parameter names another ([`Text`](resocket::Text), [`Bytes`](resocket::Bytes),
//! `MsgPack`, ...); `request` needs `Json` and this crate's `json` feature (on by default).
#![deny(missing_docs)]

mod use_socket;

pub use resocket_hook::Controls;
pub use use_socket::{CurrentSocket, UseSocketHandle, use_socket};
