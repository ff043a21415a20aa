//! [`use_socket`] and the handle it returns.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;
use std::time::Duration;

use futures_util::StreamExt;
use resocket::codec::{Decoder, Encoder};
use resocket::{Config, Error, Event, Json, Receiver, Sender, Sent, Socket, State};
use yew::platform::spawn_local;
use yew::prelude::*;

/// One socket's sender: `None` once its component unmounted or its deps changed. Only this
/// slot holds the sender, so emptying it drops the socket.
type SenderSlot<Out, C> = Rc<RefCell<Option<Sender<Out, C>>>>;

/// The slot of the hook's current socket; `None` when it failed to open.
type CurrentSlot<Out, C> = Rc<RefCell<Option<SenderSlot<Out, C>>>>;

/// The figures a render shows, in one state so that one event rerenders once.
#[derive(Clone, Copy, PartialEq)]
struct Figures {
    state: State,
    retry_count: u32,
    rtt: Option<Duration>,
    queued_count: usize,
}

impl Figures {
    fn of<Out, C>(sender: &Sender<Out, C>) -> Self {
        Figures {
            state: sender.state(),
            retry_count: sender.retry_count(),
            rtt: sender.rtt(),
            queued_count: sender.queued_count(),
        }
    }

    /// The figures of a socket that is not there (yet): its effect has not run, or it did not
    /// open.
    fn without_socket(state: State) -> Self {
        Figures {
            state,
            retry_count: 0,
            rtt: None,
            queued_count: 0,
        }
    }
}

/// What [`use_socket`] gives a component: the socket's figures as values of this render, and
/// its controls. Cloning it is cheap; the socket stays the hook's.
///
/// `rtt` and `queued_count` have no events of their own: they are read again at each of the
/// socket's events and after each call made through this handle, so between those they may
/// lag (a heartbeat's pong alone does not show its round-trip time until the next event).
pub struct UseSocketHandle<Out, In, C = Json> {
    /// The connection state; `Waiting` is the wait before a retry.
    pub state: State,
    /// The last message that arrived, for views that show the latest value. A component that
    /// must see every message (a chat) takes them from `on_message`: of messages that arrive
    /// between two renders, this field shows only the last.
    pub last_message: Option<Rc<In>>,
    /// Retries since the last connection that lasted `min_uptime`.
    pub retry_count: u32,
    /// The round-trip time of the last heartbeat pong (a [`Config::heartbeat`] is needed);
    /// `None` from each open until that connection's first pong.
    pub rtt: Option<Duration>,
    /// Messages waiting for the connection to open.
    pub queued_count: usize,
    figures: UseStateSetter<Figures>,
    current: CurrentSlot<Out, C>,
    messages: PhantomData<fn(&Out)>,
}

impl<Out, In, C> Clone for UseSocketHandle<Out, In, C> {
    fn clone(&self) -> Self {
        UseSocketHandle {
            state: self.state,
            last_message: self.last_message.clone(),
            retry_count: self.retry_count,
            rtt: self.rtt,
            queued_count: self.queued_count,
            figures: self.figures.clone(),
            current: self.current.clone(),
            messages: PhantomData,
        }
    }
}

impl<Out, In, C> PartialEq for UseSocketHandle<Out, In, C> {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state
            && self.retry_count == other.retry_count
            && self.rtt == other.rtt
            && self.queued_count == other.queued_count
            && Rc::ptr_eq(&self.current, &other.current)
            && match (&self.last_message, &other.last_message) {
                (Some(mine), Some(theirs)) => Rc::ptr_eq(mine, theirs),
                (mine, theirs) => mine.is_none() && theirs.is_none(),
            }
    }
}

impl<Out, In, C> UseSocketHandle<Out, In, C> {
    /// Runs `call` on the current socket's sender, then shows the figures it may have
    /// changed; `None` when the socket could not open or the component is gone.
    fn with_sender<R>(&self, call: impl FnOnce(&Sender<Out, C>) -> R) -> Option<R> {
        // A clone, so that no borrow is held when setting the figures renders at once (outside
        // Yew's own loop it does), which may drop the slot's sender.
        let sender = {
            let current = self.current.borrow();
            let slot = current.as_ref()?.borrow();
            slot.as_ref()?.clone()
        };
        let result = call(&sender);
        self.figures.set(Figures::of(&sender));
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

    /// A clone of the current socket's sender, for what the handle does not offer
    /// (`send_with`, the `Sink`, `protocol`); `None` when the socket could not open or the
    /// component is gone. While a clone lives that connection stays open.
    pub fn sender(&self) -> Option<Sender<Out, C>> {
        self.with_sender(Sender::clone)
    }
}

impl<Out, In, C: Encoder<Out>> UseSocketHandle<Out, In, C> {
    /// Sends now if connected, or queues until the connection opens; see
    /// [`Sender::try_send`]. Fails with [`Error::Closed`] when the socket could not open or the
    /// component is gone.
    pub fn send(&self, message: &Out) -> Result<Sent, Error> {
        self.with_sender(|sender| sender.try_send(message))
            .unwrap_or(Err(Error::Closed))
    }
}

#[cfg(feature = "json")]
impl<Out, In> UseSocketHandle<Out, In, Json> {
    /// Sends `request` with a fresh id and waits for the answer whose id matches; see
    /// [`Sender::request`]. The request goes out (or is queued) when this is called, not when
    /// the future is first polled; the future fails with [`Error::Closed`] when the socket
    /// could not open or the component is gone.
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

/// Opens a reconnecting socket with the [`Config`] that `config` makes from `deps` (sends
/// `Out`, receives `In`, through the codec `C`), for as long as the component is mounted, and
/// again, with a new config, whenever `deps` change, as [`use_effect_with`] does: a URL as
/// `deps`, say, and `|url| Config::new(url.as_str())`. Unmounting, or new `deps`, drops the
/// socket, which closes its connection with code 1000.
///
/// `on_message` sees every message that arrives, in order (the callback of the latest render
/// is the one called). A config that does not open (an invalid URL or option) is logged to
/// the console; the state is then [`State::Closed`] and sends fail with [`Error::Closed`].
///
/// Name the types on the handle, `let socket: UseSocketHandle<Out, In> = use_socket(..)`, or
/// as `use_socket::<Out, In, Json, _, _>(..)`.
#[hook]
pub fn use_socket<Out, In, C, D, F>(
    deps: D,
    config: F,
    on_message: Callback<Rc<In>>,
) -> UseSocketHandle<Out, In, C>
where
    Out: 'static,
    In: 'static,
    C: Encoder<Out> + Decoder<In> + 'static,
    D: PartialEq + 'static,
    F: FnOnce(&D) -> Config + 'static,
{
    let figures = use_state_eq(|| Figures::without_socket(State::Connecting));
    let last_message = use_state(|| None::<Rc<In>>);
    let current: CurrentSlot<Out, C> = use_mut_ref(|| None);
    // The socket's task outlives renders: it calls whichever callback the last render gave.
    let listener = use_mut_ref(|| on_message.clone());
    *listener.borrow_mut() = on_message;

    {
        let (figures, last_message) = (figures.setter(), last_message.setter());
        let current = current.clone();
        use_effect_with(deps, move |deps| {
            let slot: SenderSlot<Out, C> = Rc::default();
            match Socket::<Out, In, C>::open(config(deps)) {
                Ok(socket) => {
                    let (sender, events) = socket.split();
                    figures.set(Figures::of(&sender));
                    *slot.borrow_mut() = Some(sender);
                    *current.borrow_mut() = Some(slot.clone());
                    let report = Report {
                        slot: slot.clone(),
                        figures,
                        last_message,
                        listener,
                    };
                    spawn_local(report.run(events));
                }
                Err(error) => {
                    web_sys::console::error_1(&format!("resocket: {error}").into());
                    *current.borrow_mut() = None;
                    figures.set(Figures::without_socket(State::Closed));
                }
            }
            // Dropping the only sender drops the socket: the connection closes, the event
            // stream ends and so does the task.
            move || drop(slot.borrow_mut().take())
        });
    }

    let shown = *figures;
    UseSocketHandle {
        state: shown.state,
        last_message: (*last_message).clone(),
        retry_count: shown.retry_count,
        rtt: shown.rtt,
        queued_count: shown.queued_count,
        figures: figures.setter(),
        current,
        messages: PhantomData,
    }
}

/// Carries a socket's events into the component's state.
struct Report<Out, In, C> {
    slot: SenderSlot<Out, C>,
    figures: UseStateSetter<Figures>,
    last_message: UseStateSetter<Option<Rc<In>>>,
    listener: Rc<RefCell<Callback<Rc<In>>>>,
}

impl<Out, In, C: Decoder<In>> Report<Out, In, C> {
    async fn run(self, mut events: Receiver<In, C>) {
        while let Some(event) = events.next().await {
            // The socket of an unmounted component, or of the deps before, reports nothing
            // more.
            if self.slot.borrow().is_none() {
                break;
            }
            if let Event::Message(message) = event {
                let message = Rc::new(message);
                self.last_message.set(Some(message.clone()));
                let listener = self.listener.borrow().clone();
                listener.emit(message);
            }
            // After the listener, which may have sent. No borrow is held while the listener
            // runs or the figures are set: either may render at once.
            let figures = self.slot.borrow().as_ref().map(Figures::of);
            if let Some(figures) = figures {
                self.figures.set(figures);
            }
        }
    }
}
