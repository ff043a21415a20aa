//! [`use_socket`] and the handle it returns.

use std::rc::Rc;
use std::time::Duration;

use futures_util::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;
use resocket::codec::{Decoder, Encoder};
use resocket::{Config, Error, Event, Json, Receiver, Sender, Sent, Socket, State};

use crate::figures::Figures;

/// What [`use_socket`] gives a component: signals to read in views, and the socket's
/// controls. It is `Copy`, so any number of closures can hold it; the socket stays the
/// component's.
///
/// `rtt` and `queued_count` have no events of their own: they are read again at each of the
/// socket's events and after each call made through this handle, so between those they may
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
    figures: Figures,
    /// The socket's only sender, dropped with the component; `None` if the socket did not open.
    sender: StoredValue<Option<Sender<Out, C>>, LocalStorage>,
}

impl<Out, In, C> Clone for UseSocket<Out, In, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Out, In, C> Copy for UseSocket<Out, In, C> {}

impl<Out, In, C> UseSocket<Out, In, C> {
    /// Runs `call` on the socket's sender, then shows the figures it may have changed; `None`
    /// when the socket did not open or the component is gone.
    fn with_sender<R>(&self, call: impl FnOnce(&Sender<Out, C>) -> R) -> Option<R> {
        self.sender
            .try_with_value(|sender| {
                sender.as_ref().map(|sender| {
                    let result = call(sender);
                    self.figures.refresh(sender);
                    result
                })
            })
            .flatten()
    }

    /// Closes with code 1000 and stops reconnecting, until [`reconnect`](Self::reconnect);
    /// see [`Sender::close`].
    pub fn close(&self) {
        self.with_sender(Sender::close);
    }

    /// Drops the current connection, if any, and connects again at once with the retry count
    /// reset; also reopens a closed socket. See [`Sender::reconnect`].
    pub fn reconnect(&self) {
        self.with_sender(Sender::reconnect);
    }

    /// A clone of the socket's sender, for what the handle does not offer (`send_with`, the
    /// `Sink`, `protocol`); `None` when the socket did not open or the component is gone.
    /// While a clone lives the connection stays open, the component unmounted or not.
    pub fn sender(&self) -> Option<Sender<Out, C>> {
        self.sender.try_with_value(Clone::clone).flatten()
    }
}

impl<Out, In, C: Encoder<Out>> UseSocket<Out, In, C> {
    /// Sends now if connected, or queues until the connection opens; see
    /// [`Sender::try_send`]. Fails with [`Error::Closed`] when the socket did not open or the
    /// component is gone.
    pub fn send(&self, message: &Out) -> Result<Sent, Error> {
        self.with_sender(|sender| sender.try_send(message))
            .unwrap_or(Err(Error::Closed))
    }
}

#[cfg(feature = "json")]
impl<Out, In> UseSocket<Out, In, Json> {
    /// Sends `request` with a fresh id and waits for the answer whose id matches; see
    /// [`Sender::request`]. The request goes out (or is queued) when this is called, not when
    /// the future is first polled; the future fails with [`Error::Closed`] when the socket did
    /// not open or the component is gone.
    pub fn request<Req, Resp>(
        &self,
        request: &Req,
        timeout: Duration,
    ) -> impl Future<Output = Result<Resp, Error>> + 'static
    where
        Req: serde::Serialize + ?Sized,
        Resp: serde::de::DeserializeOwned + 'static,
    {
        let response = self.with_sender(|sender| sender.request::<Req, Resp>(request, timeout));
        async move { response.ok_or(Error::Closed)?.await }
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
/// [`Error::Closed`].
///
/// Name the types on the handle, `let socket: UseSocket<Out, In> = use_socket(..)`, or as
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
    let figures = Figures::new();
    let last_message = RwSignal::new_local(None::<Rc<In>>);
    let sender = StoredValue::new_local(None::<Sender<Out, C>>);

    match Socket::<Out, In, C>::open(config) {
        Ok(socket) => {
            let (socket_sender, events) = socket.split();
            figures.refresh(&socket_sender);
            sender.set_value(Some(socket_sender));
            let report = Report {
                sender,
                figures,
                last_message,
            };
            spawn_local(report.run(events, on_message));
        }
        Err(error) => {
            leptos::logging::error!("resocket: {error}");
            figures.state.set(State::Closed);
        }
    }
    // Dropping the only sender drops the socket: the connection closes, the event stream ends
    // and so does the task.
    on_cleanup(move || {
        sender.try_update_value(|sender| drop(sender.take()));
    });

    UseSocket {
        state: figures.state.read_only(),
        last_message: last_message.read_only(),
        retry_count: figures.retry_count.read_only(),
        rtt: figures.rtt.read_only(),
        queued_count: figures.queued_count.read_only(),
        figures,
        sender,
    }
}

/// Carries a socket's events into the hook's signals.
struct Report<Out: 'static, In: 'static, C: 'static> {
    sender: StoredValue<Option<Sender<Out, C>>, LocalStorage>,
    figures: Figures,
    last_message: RwSignal<Option<Rc<In>>, LocalStorage>,
}

impl<Out, In, C: Decoder<In>> Report<Out, In, C> {
    async fn run(self, mut events: Receiver<In, C>, on_message: impl Fn(&In)) {
        while let Some(event) = events.next().await {
            // Once the component is gone its socket reports nothing more: the `try_` calls
            // find the signals disposed instead of panicking.
            if self.sender.try_with_value(Option::is_some) != Some(true) {
                break;
            }
            if let Event::Message(message) = event {
                on_message(&message);
                self.last_message.try_set(Some(Rc::new(message)));
            }
            // After `on_message`, which may have sent.
            (self.sender).try_with_value(|sender| sender.as_ref().map(|s| self.figures.refresh(s)));
        }
    }
}
