//! `use_socket`: a resocket [`Socket`] as a Leptos hook, for any component and any serde types.

use std::rc::Rc;

use futures_util::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;
use resocket::{Config, Error, Event, Json, Receiver, Sender, Sent, Socket, State};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// What [`use_socket`] gives a component: signals to read in views, and [`send`](Self::send).
/// It is `Copy`, so any number of closures can hold it; the socket stays the component's.
// An app may read only some of the signals.
#[allow(dead_code)]
pub struct UseSocket<Out: 'static, In: 'static> {
    /// The connection state; `Waiting` is the wait before a retry.
    pub state: ReadSignal<State>,
    /// The last message that arrived (`Rc`, so `In` need not be `Clone`).
    pub last_message: ReadSignal<Option<Rc<In>>, LocalStorage>,
    /// Retries since the last connection that lasted `min_uptime`.
    pub retry_count: ReadSignal<u32>,
    /// The socket's only sender, dropped with the component; `None` if the socket did not open.
    sender: StoredValue<Option<Sender<Out, Json>>, LocalStorage>,
}

impl<Out, In> Clone for UseSocket<Out, In> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Out, In> Copy for UseSocket<Out, In> {}

impl<Out: Serialize, In> UseSocket<Out, In> {
    /// Sends now if connected, or queues until the connection opens; see [`Sender::send`].
    /// Fails with [`Error::Closed`] when the socket did not open or the component is gone.
    pub fn send(&self, message: &Out) -> Result<Sent, Error> {
        self.sender
            .try_with_value(|sender| sender.as_ref().map(|sender| sender.try_send(message)))
            .flatten()
            .unwrap_or(Err(Error::Closed))
    }
}

/// Opens a reconnecting socket to `url` (JSON messages: sends `Out`, receives `In`) that lives
/// as long as the calling component: its cleanup drops the socket, which closes the connection
/// with code 1000. `on_message` sees every message that arrives, in order, before
/// `last_message` shows it. To follow a changing URL, key the component on it.
pub fn use_socket<Out, In>(
    url: impl Into<String>,
    on_message: impl Fn(&In) + 'static,
) -> UseSocket<Out, In>
where
    Out: Serialize + 'static,
    In: DeserializeOwned + 'static,
{
    use_socket_with(Config::new(url), on_message)
}

/// [`use_socket`] with a whole [`Config`]: a heartbeat, the backoff, the queue, a URL provider.
pub fn use_socket_with<Out, In>(
    config: Config,
    on_message: impl Fn(&In) + 'static,
) -> UseSocket<Out, In>
where
    Out: Serialize + 'static,
    In: DeserializeOwned + 'static,
{
    let state = RwSignal::new(State::Connecting);
    let last_message = RwSignal::new_local(None::<Rc<In>>);
    let retry_count = RwSignal::new(0);
    let sender = StoredValue::new_local(None::<Sender<Out, Json>>);

    match Socket::<Out, In>::open(config) {
        Ok(socket) => {
            let (socket_sender, events) = socket.split();
            state.set(socket_sender.state());
            sender.set_value(Some(socket_sender));
            let report = Report {
                sender,
                state,
                last_message,
                retry_count,
            };
            spawn_local(report.run(events, on_message));
        }
        Err(error) => {
            leptos::logging::error!("resocket: {error}");
            state.set(State::Closed);
        }
    }
    // Dropping the only sender drops the socket: the connection closes, the event stream ends
    // and so does the task.
    on_cleanup(move || {
        sender.try_update_value(|sender| drop(sender.take()));
    });

    UseSocket {
        state: state.read_only(),
        last_message: last_message.read_only(),
        retry_count: retry_count.read_only(),
        sender,
    }
}

/// Carries a socket's events into the hook's signals.
struct Report<Out: 'static, In: 'static> {
    sender: StoredValue<Option<Sender<Out, Json>>, LocalStorage>,
    state: RwSignal<State>,
    last_message: RwSignal<Option<Rc<In>>, LocalStorage>,
    retry_count: RwSignal<u32>,
}

impl<Out, In: DeserializeOwned> Report<Out, In> {
    async fn run(self, mut events: Receiver<In, Json>, on_message: impl Fn(&In)) {
        while let Some(event) = events.next().await {
            // Once the component is gone its socket reports nothing more: the `try_` calls
            // find the signals disposed instead of panicking.
            let Some(Some((state, retry_count))) = self.sender.try_with_value(|sender| {
                let sender = sender.as_ref()?;
                Some((sender.state(), sender.retry_count()))
            }) else {
                break;
            };
            if let Event::Message(message) = event {
                on_message(&message);
                self.last_message.try_set(Some(Rc::new(message)));
            }
            self.state.try_set(state);
            self.retry_count.try_set(retry_count);
        }
    }
}
