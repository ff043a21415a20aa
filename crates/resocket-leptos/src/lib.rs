//! [resocket](https://docs.rs/resocket)'s reconnecting WebSocket as a Leptos 0.8 hook.
//!
//! [`use_socket`] opens a [`Socket`](resocket::Socket) that lives as long as the calling
//! component and returns a [`UseSocket`]: signals for the connection state, the last message,
//! the retry count, the round-trip time and the queued count, and, through the [`Controls`] it
//! dereferences to, `send`, `request`, `close`, `reconnect` and `sender`. Every message also
//! reaches the hook's `on_message`, in order, so a chat sees each one.
//!
//! ```no_run
//! use leptos::prelude::*;
//! use resocket::Config;
//! use resocket_leptos::{UseSocket, use_socket};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug)]
//! struct Line {
//!     text: String,
//! }
//!
//! #[component]
//! fn Chat() -> impl IntoView {
//!     let socket: UseSocket<Line, Line> = use_socket(Config::new("/chat"), |line: &Line| {
//!         leptos::logging::log!("{line:?}");
//!     });
//!     let say_hi = move |_| {
//!         let _ = socket.send(&Line { text: "hi".into() });
//!     };
//!     view! {
//!         <p>{move || format!("{}, {} queued", socket.state.get(), socket.queued_count.get())}</p>
//!         <button on:click=say_hi>"Say hi"</button>
//!     }
//! }
//! ```
//!
//! Messages go through the socket's codec, [`Json`](resocket::Json) unless the handle's third
//! type parameter names another ([`Text`](resocket::Text), [`Bytes`](resocket::Bytes),
//! `MsgPack`, ...); `request` needs `Json` and this crate's `json` feature (on by default).
#![deny(missing_docs)]

mod signals;
mod use_socket;

pub use resocket_hook::Controls;
pub use use_socket::{SocketSlot, UseSocket, use_socket};
