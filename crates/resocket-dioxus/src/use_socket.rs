//! [`use_socket`] and the handle it returns.

use std::rc::Rc;
use std::time::Duration;

use dioxus::prelude::*;
use futures_util::StreamExt;
use resocket::codec::{Decoder, Encoder};
use resocket::{Config, Error, Event, Json, Receiver, Sender, Sent, Socket, State};

/// The socket's figures as writable signals, behind the handle's read-only ones.
#[derive(Clone, Copy)]
struct Figures {
    state: Signal<State>,
    retry_count: Signal<u32>,
    rtt: Signal<Option<Duration>>,
    queued_count: Signal<usize>,
}

impl Figures {
    fn new() -> Self {
        Figures {
            state: Signal::new(State::Connecting),
            retry_count: Signal::new(0),
            rtt: Signal::new(None),
            queued_count: Signal::new(0),
        }
    }

    /// Reads the socket's figures into the signals; only those that changed notify.
    fn refresh<Out, C>(mut self, sender: &Sender<Out, C>) {
        set_if_changed(&mut self.state, sender.state());
        set_if_changed(&mut self.retry_count, sender.retry_count());
        set_if_changed(&mut self.rtt, sender.rtt());
        set_if_changed(&mut self.queued_count, sender.queued_count());
    }
}

/// Sets `signal` unless it holds `value` already; one dropped with its component is left
/// alone.
fn set_if_changed<T: PartialEq + 'static>(signal: &mut Signal<T>, value: T) {
    if signal.try_peek().is_ok_and(|current| *current != value)
        && let Ok(mut current) = signal.try_write()
    {
        *current = value;
    }
}

/// What [`use_socket`] gives a component: signals to read in `rsx!`, and the socket's
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
    pub last_message: ReadSignal<Option<Rc<In>>>,
    /// Retries since the last connection that lasted `min_uptime`.
    pub retry_count: ReadSignal<u32>,
    /// The round-trip time of the last heartbeat pong (a [`Config::heartbeat`] is needed);
    /// `None` from each open until that connection's first pong.
    pub rtt: ReadSignal<Option<Duration>>,
    /// Messages waiting for the connection to open.
    pub queued_count: ReadSignal<usize>,
    figures: Figures,
    /// The socket's only sender, dropped with the component; `None` if the socket did not open.
    sender: CopyValue<Option<Sender<Out, C>>>,
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
        let sender = self.sender.try_read().ok()?;
        let sender = sender.as_ref()?;
        let result = call(sender);
        self.figures.refresh(sender);
        Some(result)
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
        self.with_sender(Sender::clone)
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

/// Opens a reconnecting socket with the config `config` makes (sends `Out`, receives `In`,
/// through the codec `C`) that lives as long as the calling component: when it is dropped, so
/// is the socket, which closes the connection with code 1000.
///
/// `on_message` sees every message that arrives, in order, before `last_message` shows it.
/// `config` is called once, on the component's first render: to open another socket (a new
/// URL), give the component a `key` that changes with it, which makes Dioxus create it again.
/// A config that does not open (an invalid URL or option) is logged to the console; the state
/// is then [`State::Closed`] and sends fail with [`Error::Closed`].
///
/// Name the types on the handle, `let socket: UseSocket<Out, In> = use_socket(..)`, or as
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
    let mut sender = handle.sender;
    use_drop(move || {
        if let Ok(mut sender) = sender.try_write() {
            sender.take();
        }
    });
    handle
}

/// The hook's first run: opens the socket and starts the task that reports its events.
fn open<Out, In, C>(config: Config, on_message: impl FnMut(&In) + 'static) -> UseSocket<Out, In, C>
where
    C: Encoder<Out> + Decoder<In> + 'static,
{
    let figures = Figures::new();
    let last_message = Signal::new(None::<Rc<In>>);
    let mut sender = CopyValue::new(None::<Sender<Out, C>>);
    match Socket::<Out, In, C>::open(config) {
        Ok(socket) => {
            let (socket_sender, events) = socket.split();
            figures.refresh(&socket_sender);
            sender.set(Some(socket_sender));
            let report = Report {
                sender,
                figures,
                last_message,
            };
            spawn(report.run(events, on_message));
        }
        Err(error) => {
            web_sys::console::error_1(&format!("resocket: {error}").into());
            let mut state = figures.state;
            state.set(State::Closed);
        }
    }
    UseSocket {
        state: figures.state.into(),
        last_message: last_message.into(),
        retry_count: figures.retry_count.into(),
        rtt: figures.rtt.into(),
        queued_count: figures.queued_count.into(),
        figures,
        sender,
    }
}

/// Carries a socket's events into the hook's signals.
struct Report<Out: 'static, In: 'static, C: 'static> {
    sender: CopyValue<Option<Sender<Out, C>>>,
    figures: Figures,
    last_message: Signal<Option<Rc<In>>>,
}

impl<Out, In, C: Decoder<In>> Report<Out, In, C> {
    async fn run(mut self, mut events: Receiver<In, C>, mut on_message: impl FnMut(&In)) {
        while let Some(event) = events.next().await {
            if self
                .sender
                .try_read()
                .map(|sender| sender.is_none())
                .unwrap_or(true)
            {
                break;
            }
            if let Event::Message(message) = event {
                on_message(&message);
                if let Ok(mut last) = self.last_message.try_write() {
                    *last = Some(Rc::new(message));
                }
            }
            // After `on_message`, which may have sent; no borrow is held while it runs.
            if let Ok(sender) = self.sender.try_read()
                && let Some(sender) = sender.as_ref()
            {
                self.figures.refresh(sender);
            }
        }
    }
}
