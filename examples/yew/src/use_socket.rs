//! `use_socket`: a resocket [`Socket`] as a Yew hook, for any component and any serde types.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;

use futures_util::StreamExt;
use resocket::{Config, Error, Event, Json, Sender, Sent, Socket, State};
use serde::Serialize;
use serde::de::DeserializeOwned;
use yew::platform::spawn_local;
use yew::prelude::*;

/// One socket's sender: `None` once its component unmounted or its URL changed. Only this slot
/// holds the sender, so emptying it drops the socket.
type SenderSlot<Out> = Rc<RefCell<Option<Sender<Out, Json>>>>;

/// The slot of the hook's current socket; `None` when it failed to open.
type CurrentSlot<Out> = Rc<RefCell<Option<SenderSlot<Out>>>>;

/// What [`use_socket`] gives a component. Cloning it is cheap; the socket stays the hook's.
pub struct UseSocketHandle<Out, In> {
    /// The connection state; `Waiting` is the wait before a retry.
    pub state: State,
    /// The last message that arrived, for views that show the latest value. A component that
    /// must see every message (a chat) takes them from `on_message`: of messages that arrive
    /// between two renders, this field shows only the last.
    pub last_message: Option<Rc<In>>,
    /// Retries since the last connection that lasted `min_uptime`.
    pub retry_count: u32,
    current: CurrentSlot<Out>,
    messages: PhantomData<fn(&Out)>,
}

impl<Out, In> Clone for UseSocketHandle<Out, In> {
    fn clone(&self) -> Self {
        UseSocketHandle {
            state: self.state,
            last_message: self.last_message.clone(),
            retry_count: self.retry_count,
            current: self.current.clone(),
            messages: PhantomData,
        }
    }
}

impl<Out, In> PartialEq for UseSocketHandle<Out, In> {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state
            && self.retry_count == other.retry_count
            && Rc::ptr_eq(&self.current, &other.current)
            && match (&self.last_message, &other.last_message) {
                (Some(mine), Some(theirs)) => Rc::ptr_eq(mine, theirs),
                (mine, theirs) => mine.is_none() && theirs.is_none(),
            }
    }
}

impl<Out: Serialize, In> UseSocketHandle<Out, In> {
    /// Sends now if connected, or queues until the connection opens; see
    /// [`Sender::send`]. Fails with [`Error::Closed`] when the socket could not open.
    pub fn send(&self, message: &Out) -> Result<Sent, Error> {
        let current = self.current.borrow();
        match current.as_ref().map(|slot| slot.borrow()).as_deref() {
            Some(Some(sender)) => sender.try_send(message),
            _ => Err(Error::Closed),
        }
    }
}

/// Opens a reconnecting socket to `url` (JSON messages: sends `Out`, receives `In`) for as
/// long as the component is mounted, and again whenever `url` changes. `on_message` sees every
/// message that arrives, in order (the callback of the latest render is the one called).
/// Unmounting drops the socket, which closes the connection with code 1000. For other options
/// (heartbeat, backoff, queue) change the `Config` this hook opens its socket with.
#[hook]
pub fn use_socket<Out, In>(url: &str, on_message: Callback<Rc<In>>) -> UseSocketHandle<Out, In>
where
    Out: Serialize + 'static,
    In: DeserializeOwned + 'static,
{
    let state = use_state_eq(|| State::Connecting);
    let last_message = use_state(|| None::<Rc<In>>);
    let retry_count = use_state_eq(|| 0);
    let current: CurrentSlot<Out> = use_mut_ref(|| None);
    // The socket's task outlives renders: it calls whichever callback the last render gave.
    let listener = use_mut_ref(|| on_message.clone());
    *listener.borrow_mut() = on_message;

    {
        let (state, last_message, retry_count) =
            (state.clone(), last_message.clone(), retry_count.clone());
        let current = current.clone();
        use_effect_with(url.to_owned(), move |url| {
            let slot: SenderSlot<Out> = Rc::default();
            match Socket::<Out, In>::open(Config::new(url.as_str())) {
                Ok(socket) => {
                    let (sender, events) = socket.split();
                    state.set(sender.state());
                    retry_count.set(0);
                    *slot.borrow_mut() = Some(sender);
                    *current.borrow_mut() = Some(slot.clone());
                    let report = Report {
                        slot: slot.clone(),
                        state,
                        last_message,
                        retry_count,
                        listener,
                    };
                    spawn_local(report.run(events));
                }
                Err(error) => {
                    web_sys::console::error_1(&format!("resocket: {error}").into());
                    *current.borrow_mut() = None;
                    state.set(State::Closed);
                }
            }
            // Dropping the only sender drops the socket: the connection closes, the event
            // stream ends and so does the task.
            move || drop(slot.borrow_mut().take())
        });
    }

    UseSocketHandle {
        state: *state,
        last_message: (*last_message).clone(),
        retry_count: *retry_count,
        current,
        messages: PhantomData,
    }
}

/// Carries a socket's events into the component's state.
struct Report<Out, In> {
    slot: SenderSlot<Out>,
    state: UseStateHandle<State>,
    last_message: UseStateHandle<Option<Rc<In>>>,
    retry_count: UseStateHandle<u32>,
    listener: Rc<RefCell<Callback<Rc<In>>>>,
}

impl<Out: 'static, In: DeserializeOwned + 'static> Report<Out, In> {
    async fn run(self, mut events: resocket::Receiver<In, Json>) {
        while let Some(event) = events.next().await {
            // The socket of an unmounted component, or of the URL before, reports nothing more.
            let Some((state, retry_count)) = self
                .slot
                .borrow()
                .as_ref()
                .map(|sender| (sender.state(), sender.retry_count()))
            else {
                break;
            };
            if let Event::Message(message) = event {
                let message = Rc::new(message);
                self.last_message.set(Some(message.clone()));
                let listener = self.listener.borrow().clone();
                listener.emit(message);
            }
            self.state.set(state);
            self.retry_count.set(retry_count);
        }
    }
}
