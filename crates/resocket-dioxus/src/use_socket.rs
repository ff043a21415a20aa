//! [`use_socket`] and the handle it returns.

use std::ops::Deref;
use std::rc::Rc;
use std::time::Duration;

use dioxus::prelude::*;
use resocket::codec::{Decoder, Encoder};
use resocket::{Config, Json, Sender, Socket, State};
use resocket_hook::{Controls, Figures, Holder, follow};

use crate::signals::FigureSignals;

/// What [`use_socket`] gives a component: signals to read in `rsx!`, and the socket's
/// [`Controls`] (`send`, `request`, `close`, `reconnect`, `sender`), which it dereferences to.
/// It is `Copy`, so any number of closures can hold it; the socket stays the component's.
///
/// `rtt` and `queued_count` have no events of their own: they are read again at each of the
/// socket's events and after each call made through the controls, so between those they may
/// lag (a heartbeat's pong alone does not show its round-trip time until the next event).
pub struct UseSocket<Out: 'static, In: 'static, C: 'static = Json> {
    /// The connection state; `Waiting` is the wait before a retry.
    pub state: ReadSignal<State>,
    /// The last message that arrived (`Rc`, so `In` need not be `Clone`), for views that show
    /// the latest value. A component that must see every message (a chat) takes them from
    /// `on_message`: of messages that arrive between two renders, a view shows only the last.
    pub last_message: ReadSignal<Option<Rc<In>>>,
    /// Retries since the last connection that lasted `min_uptime`.
    pub retry_count: ReadSignal<u32>,
    /// The round-trip time of the last heartbeat pong (a [`Config::heartbeat`] is needed);
    /// `None` from each open until that connection's first pong.
    pub rtt: ReadSignal<Option<Duration>>,
    /// Messages waiting for the connection to open.
    pub queued_count: ReadSignal<usize>,
    controls: Controls<SocketSlot<Out, C>>,
}

impl<Out, In, C> Clone for UseSocket<Out, In, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Out, In, C> Copy for UseSocket<Out, In, C> {}

impl<Out, In, C> Deref for UseSocket<Out, In, C> {
    type Target = Controls<SocketSlot<Out, C>>;

    fn deref(&self) -> &Self::Target {
        &self.controls
    }
}

/// Where a [`UseSocket`] keeps its socket's only sender, in the component's scope, so that
/// dropping the component drops it; and the signals that show the socket's figures.
pub struct SocketSlot<Out: 'static, C: 'static> {
    /// `None` if the socket did not open, and once the component is gone.
    sender: CopyValue<Option<Sender<Out, C>>>,
    figures: FigureSignals,
}

impl<Out, C> Clone for SocketSlot<Out, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Out, C> Copy for SocketSlot<Out, C> {}

impl<Out, C> Holder for SocketSlot<Out, C> {
    type Out = Out;
    type Codec = C;

    fn with_sender<R>(&self, call: impl FnOnce(&Sender<Out, C>) -> R) -> Option<R> {
        // `try_`: once the component is gone its values are dropped.
        self.sender.try_read().ok()?.as_ref().map(call)
    }

    fn show(&self, figures: Figures) {
        self.figures.show(figures);
    }
}

/// Opens a reconnecting socket with the config `config` makes (sends `Out`, receives `In`,
/// through the codec `C`) that lives as long as the calling component: when it is dropped, so
/// is the socket, which closes the connection with code 1000.
///
/// `on_message` sees every message that arrives, in order, before `last_message` shows it.
/// `config` is called once, on the component's first render: to open another socket (a new
/// URL), give the component a `key` that changes with it, which makes Dioxus create it again.
/// A config that does not open (an invalid URL or option) is logged to the console; the state
/// is then [`State::Closed`] and sends fail with [`Error::Closed`](resocket::Error::Closed).
///
/// Name the types on the handle, `let socket: UseSocket<Out, In> = use_socket(..)`, and give
/// `on_message`'s argument its type (`|message: &In| ..`), or call
/// `use_socket::<Out, In, Json>(..)`.
pub fn use_socket<Out, In, C>(
    config: impl FnOnce() -> Config,
    on_message: impl FnMut(&In) + 'static,
) -> UseSocket<Out, In, C>
where
    Out: 'static,
    In: 'static,
    C: Encoder<Out> + Decoder<In> + 'static,
{
    let handle = use_hook(|| open(config(), on_message));
    // Dropping the only sender drops the socket: the connection closes and the event stream
    // ends (the task reading it ends with the component anyway).
    let mut sender = handle.controls.0.sender;
    use_drop(move || {
        if let Ok(mut sender) = sender.try_write() {
            sender.take();
        }
    });
    handle
}

/// The hook's first run: opens the socket and starts the component's task that follows its
/// events.
fn open<Out, In, C>(
    config: Config,
    mut on_message: impl FnMut(&In) + 'static,
) -> UseSocket<Out, In, C>
where
    C: Encoder<Out> + Decoder<In> + 'static,
{
    let mut last_message = Signal::new(None::<Rc<In>>);
    let slot = match Socket::<Out, In, C>::open(config) {
        Ok(socket) => {
            let (sender, events) = socket.split();
            let slot = SocketSlot {
                figures: FigureSignals::new(Figures::of(&sender)),
                sender: CopyValue::new(Some(sender)),
            };
            spawn(follow(slot, events, move |message| {
                on_message(&message);
                if let Ok(mut last) = last_message.try_write() {
                    *last = Some(Rc::new(message));
                }
            }));
            slot
        }
        Err(error) => {
            web_sys::console::error_1(&format!("resocket: {error}").into());
            SocketSlot {
                figures: FigureSignals::new(Figures::without_socket(State::Closed)),
                sender: CopyValue::new(None),
            }
        }
    };
    UseSocket {
        state: slot.figures.state.into(),
        last_message: last_message.into(),
        retry_count: slot.figures.retry_count.into(),
        rtt: slot.figures.rtt.into(),
        queued_count: slot.figures.queued_count.into(),
        controls: Controls(slot),
    }
}
