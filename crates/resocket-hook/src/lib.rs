//! The framework-neutral half of [resocket](https://docs.rs/resocket)'s UI hooks
//! (`resocket-leptos`, `resocket-yew`, `resocket-dioxus`), for those crates and for a hook of
//! another framework.
//!
//! A hook keeps a socket's only [`Sender`](resocket::Sender) where its framework keeps a
//! component's values, so that the component's end drops it and closes the connection. It
//! says how to reach that sender and how to show the socket's [`Figures`] by implementing
//! [`Holder`]; [`Controls`] then gives its handle `send`, `request`, `close`, `reconnect` and
//! `sender`, and [`follow`] carries the socket's events into the framework's values.
//!
//! ```
//! use std::cell::{Cell, RefCell};
//! use resocket::Sender;
//! use resocket_hook::{Controls, Figures, Holder};
//!
//! /// A holder for a framework of plain cells.
//! struct Cells {
//!     sender: RefCell<Option<Sender<String>>>,
//!     shown: Cell<Option<Figures>>,
//! }
//!
//! impl Holder for Cells {
//!     type Out = String;
//!     type Codec = resocket::Json;
//!
//!     fn with_sender<R>(&self, call: impl FnOnce(&Sender<String>) -> R) -> Option<R> {
//!         self.sender.borrow().as_ref().map(call)
//!     }
//!
//!     fn show(&self, figures: Figures) {
//!         self.shown.set(Some(figures));
//!     }
//! }
//!
//! let controls = Controls(Cells { sender: RefCell::new(None), shown: Cell::new(None) });
//! assert!(controls.send(&"hi".to_owned()).is_err()); // no socket: Error::Closed
//! ```
//!
//! The rule the hooks share lives here: the figures are read again at each of the socket's
//! events and after each call made through the controls, since the round-trip time and the
//! queued count have no events of their own.
#![deny(missing_docs)]

mod controls;
mod figures;
mod follow;

pub use controls::{Controls, Holder};
pub use figures::Figures;
pub use follow::follow;
