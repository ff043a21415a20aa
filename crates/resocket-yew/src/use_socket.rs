//! [`use_socket`] and the handle it returns.

use std::cell::RefCell;
use std::ops::Deref;
use std::rc::Rc;
use std::time::Duration;

use resocket::codec::{Decoder, Encoder};
use resocket::{Config, Json, Sender, Socket, State};
use resocket_hook::{Controls, Figures, Holder, follow};
use yew::platform::spawn_local;
use yew::prelude::*;

/// What [`use_socket`] gives a component: the socket's figures as values of this render, and
/// its [`Controls`] (`send`, `request`, `close`, `reconnect`, `sender`), which it dereferences
/// to. Cloning it is cheap; the socket stays the hook's.
///
/// `rtt` and `queued_count` have no events of their own: they are read again at each of the
/// socket's events and after each call made through the controls, so between those they may
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
    controls: Controls<CurrentSocket<Out, C>>,
}

impl<Out, In, C> Clone for UseSocketHandle<Out, In, C> {
    fn clone(&self) -> Self {
        UseSocketHandle {
            state: self.state,
            last_message: self.last_message.clone(),
            retry_count: self.retry_count,
            rtt: self.rtt,
            queued_count: self.queued_count,
            controls: Controls(self.controls.0.clone()),
        }
    }
}

impl<Out, In, C> PartialEq for UseSocketHandle<Out, In, C> {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state
            && self.retry_count == other.retry_count
            && self.rtt == other.rtt
            && self.queued_count == other.queued_count
            && Rc::ptr_eq(&self.controls.0.current, &other.controls.0.current)
            && match (&self.last_message, &other.last_message) {
                (Some(mine), Some(theirs)) => Rc::ptr_eq(mine, theirs),
                (mine, theirs) => mine.is_none() && theirs.is_none(),
            }
    }
}

impl<Out, In, C> Deref for UseSocketHandle<Out, In, C> {
    type Target = Controls<CurrentSocket<Out, C>>;

    fn deref(&self) -> &Self::Target {
        &self.controls
    }
}

/// One socket's only sender, emptied (which drops the socket) when its component unmounts or
/// its deps change; and the setter of the figures the component shows.
struct SocketSlot<Out, C> {
    sender: Rc<RefCell<Option<Sender<Out, C>>>>,
    figures: UseStateSetter<Figures>,
}

impl<Out, C> Clone for SocketSlot<Out, C> {
    fn clone(&self) -> Self {
        SocketSlot {
            sender: self.sender.clone(),
            figures: self.figures.clone(),
        }
    }
}

impl<Out, C> Holder for SocketSlot<Out, C> {
    type Out = Out;
    type Codec = C;

    fn with_sender<R>(&self, call: impl FnOnce(&Sender<Out, C>) -> R) -> Option<R> {
        self.sender.borrow().as_ref().map(call)
    }

    fn show(&self, figures: Figures) {
        self.figures.set(figures);
    }
}

/// Where a [`UseSocketHandle`] finds its socket: the hook's current one (that of the latest
/// deps), so a handle kept from an earlier render reaches it too; none when it did not open.
pub struct CurrentSocket<Out, C> {
    current: Rc<RefCell<Option<SocketSlot<Out, C>>>>,
}

impl<Out, C> Clone for CurrentSocket<Out, C> {
    fn clone(&self) -> Self {
        CurrentSocket {
            current: self.current.clone(),
        }
    }
}

impl<Out, C> Holder for CurrentSocket<Out, C> {
    type Out = Out;
    type Codec = C;

    fn with_sender<R>(&self, call: impl FnOnce(&Sender<Out, C>) -> R) -> Option<R> {
        // A clone of the slot, so that nothing here is borrowed if `call` reaches the hook.
        let slot = self.current.borrow().clone()?;
        slot.with_sender(call)
    }

    fn show(&self, figures: Figures) {
        let slot = self.current.borrow().clone();
        if let Some(slot) = slot {
            slot.show(figures);
        }
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
/// the console; the state is then [`State::Closed`] and sends fail with
/// [`Error::Closed`](resocket::Error::Closed).
///
/// Name the types on the handle, `let socket: UseSocketHandle<Out, In> = use_socket(..)`, or
/// call `use_socket::<Out, In, Json, _, _>(..)`.
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
    let current = use_mut_ref(|| None::<SocketSlot<Out, C>>);
    // The socket's task outlives renders: it calls whichever callback the last render gave.
    let listener = use_mut_ref(|| on_message.clone());
    *listener.borrow_mut() = on_message;

    {
        let (figures, last_message) = (figures.setter(), last_message.setter());
        let current = current.clone();
        use_effect_with(deps, move |deps| {
            let slot = SocketSlot {
                sender: Rc::default(),
                figures,
            };
            match Socket::<Out, In, C>::open(config(deps)) {
                Ok(socket) => {
                    let (sender, events) = socket.split();
                    slot.show(Figures::of(&sender));
                    *slot.sender.borrow_mut() = Some(sender);
                    *current.borrow_mut() = Some(slot.clone());
                    spawn_local(follow(slot.clone(), events, move |message| {
                        let message = Rc::new(message);
                        last_message.set(Some(message.clone()));
                        let listener = listener.borrow().clone();
                        listener.emit(message);
                    }));
                }
                Err(error) => {
                    web_sys::console::error_1(&format!("resocket: {error}").into());
                    *current.borrow_mut() = None;
                    slot.show(Figures::without_socket(State::Closed));
                }
            }
            // Dropping the only sender drops the socket: the connection closes, the event
            // stream ends and so does the task.
            move || drop(slot.sender.borrow_mut().take())
        });
    }

    let shown = *figures;
    UseSocketHandle {
        state: shown.state,
        last_message: (*last_message).clone(),
        retry_count: shown.retry_count,
        rtt: shown.rtt,
        queued_count: shown.queued_count,
        controls: Controls(CurrentSocket { current }),
    }
}
