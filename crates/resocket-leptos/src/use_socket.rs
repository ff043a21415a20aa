//! [`use_socket`] and the handle it returns.

use std::ops::Deref;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use resocket::codec::{Decoder, Encoder};
use resocket::{Config, Json, Sender, Socket, State};
use resocket_hook::{Controls, Figures, Holder, follow};

use crate::signals::FigureSignals;

/// What [`use_socket`] gives a component: signals to read in views, and the socket's
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
    pub last_message: ReadSignal<Option<Rc<In>>, LocalStorage>,
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

/// Where a [`UseSocket`] keeps its socket's only sender, in the component's reactive owner, so
/// that the component's cleanup drops it; and the signals that show the socket's figures.
pub struct SocketSlot<Out: 'static, C: 'static> {
    /// `None` if the socket did not open, and once the component is gone.
    sender: StoredValue<Option<Sender<Out, C>>, LocalStorage>,
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
        // `try_`: once the component is gone its values are disposed.
        self.sender
            .try_with_value(|sender| sender.as_ref().map(call))
            .flatten()
    }

    fn show(&self, figures: Figures) {
        self.figures.show(figures);
    }
}

/// Opens a reconnecting socket with `config` (sends `Out`, receives `In`, through the codec
/// `C`) that lives as long as the calling component: its cleanup drops the socket, which
/// closes the connection with code 1000.
///
/// `on_message` sees every message that arrives, in order, before `last_message` shows it.
/// The config is read once, when the component is created: to open another socket (a new
/// URL), create the component again, e.g. inside a `move || view! { <Chat url=url.get()/> }`
/// that reads the URL's signal. A config that does not open (an invalid URL or option) is
/// logged to the console; the state is then [`State::Closed`] and sends fail with
/// [`Error::Closed`](resocket::Error::Closed).
///
/// Name the types on the handle, `let socket: UseSocket<Out, In> = use_socket(..)`, and give
/// `on_message`'s argument its type (`|message: &In| ..`), or call
/// `use_socket::<Out, In, Json>(..)`.
pub fn use_socket<Out, In, C>(
    config: Config,
    on_message: impl Fn(&In) + 'static,
) -> UseSocket<Out, In, C>
where
    Out: 'static,
    In: 'static,
    C: Encoder<Out> + Decoder<In> + 'static,
{
    let last_message = RwSignal::new_local(None::<Rc<In>>);
    let slot = match Socket::<Out, In, C>::open(config) {
        Ok(socket) => {
            let (sender, events) = socket.split();
            let slot = SocketSlot {
                figures: FigureSignals::new(Figures::of(&sender)),
                sender: StoredValue::new_local(Some(sender)),
            };
            spawn_local(follow(slot, events, move |message| {
                on_message(&message);
                last_message.try_set(Some(Rc::new(message)));
            }));
            slot
        }
        Err(error) => {
            leptos::logging::error!("resocket: {error}");
            SocketSlot {
                figures: FigureSignals::new(Figures::without_socket(State::Closed)),
                sender: StoredValue::new_local(None),
            }
        }
    };
    // Dropping the only sender drops the socket: the connection closes, the event stream ends
    // and so does the task.
    on_cleanup(move || {
        slot.sender.try_update_value(|sender| drop(sender.take()));
    });

    UseSocket {
        state: slot.figures.state.read_only(),
        last_message: last_message.read_only(),
        retry_count: slot.figures.retry_count.read_only(),
        rtt: slot.figures.rtt.read_only(),
        queued_count: slot.figures.queued_count.read_only(),
        controls: Controls(slot),
    }
}
