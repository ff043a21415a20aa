//! Browser glue: carries out the machine's outputs with `web_sys::WebSocket` and one gloo
//! timer for the machine's next deadline, and turns socket events back into machine inputs.
//!
//! The driver owns every closure and timer. Handlers are detached before their closures are
//! freed, and every callback holds only a weak reference, so dropping the last handle of a
//! socket frees everything and no callback can run into freed state.
//!
//! No `RefCell` borrow is ever held while user code runs (URL providers, the reconnect
//! predicate, event listeners): user code may call back into the socket at any time.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use gloo_timers::callback::Timeout;
use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{CloseEvent, WebSocket};

use crate::codec::describe_js_error;
use crate::setup::{Setup, SetupFn};
use crate::target::{Resolution, Resolver, check_protocols, redact, resolve_url};
use resocket_core::{
    ConnId, Input, MAX_TIMER_MS, Machine, MessageId, Output, Policy, PolicyError, Received,
    Rejected, Removal, RequestFailure, SendError, SendOptions, Sent, close,
};

mod connection;
#[cfg(feature = "session")]
mod framing;
mod page_watch;
#[cfg(feature = "session")]
mod saved_session;
mod size;

use connection::Connection;
use page_watch::{PageWatch, navigator_online};
pub use size::wire_size;
pub(crate) use size::{Frame, message_size};

#[wasm_bindgen]
extern "C" {
    // `performance` exists on windows and workers alike; `window()` does not.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// What the driver reports to the API in front of it.
// Without the `json` feature nothing reads what concerns requests.
#[cfg_attr(not(feature = "json"), allow(dead_code))]
pub(crate) enum Notice {
    /// A connection event.
    Event(resocket_core::Event),
    /// An incoming message that is not a heartbeat pong.
    Message {
        /// `MessageEvent.data`.
        data: JsValue,
        /// Requests are pending, or the ids of ended ones remembered: it may be an answer
        /// (see [`Driver::answered`]).
        may_answer: bool,
    },
    /// A request ended without an answer.
    RequestFailed {
        /// The request's id.
        id: u64,
        /// Why.
        failure: RequestFailure,
    },
    /// An incoming message larger than `max_message_bytes`, dropped undelivered.
    TooBig {
        /// Its size as [`message_size`] measures it.
        size: u64,
        /// The limit in force.
        limit: usize,
    },
    /// A message was taken back before any socket had it.
    Removed {
        /// The message, as it was to be sent.
        data: JsValue,
        /// Why.
        reason: Removal,
    },
    /// In session mode, a new connection's welcome settled the session.
    #[cfg(feature = "session")]
    Resumed {
        /// Whether the session went on.
        recovered: bool,
        /// When not, the lost session's messages of unknown fate, as they were sent.
        unacknowledged: Vec<JsValue>,
    },
}

/// Recognises heartbeat pongs among incoming messages (`MessageEvent.data`).
pub(crate) enum Pong {
    /// Strictly equal to this value: one comparison, no copy into wasm.
    Exact(JsValue),
    /// Whatever the user's predicate accepts.
    Custom(Rc<dyn Fn(&JsValue) -> bool>),
}

impl Pong {
    fn matches(&self, data: &JsValue) -> bool {
        match self {
            Pong::Exact(pong) => data == pong,
            Pong::Custom(is_pong) => is_pong(data),
        }
    }
}

/// The user's verdict on a close they did not ask for: reconnect (true) or not.
pub(crate) type CloseVerdict = Rc<dyn Fn(&CloseEvent) -> bool>;

/// Everything a driver runs with, whichever face made it.
pub(crate) struct Settings {
    pub(crate) policy: Policy,
    pub(crate) target: Resolver,
    /// The ping to send and how to recognise the pong, when the heartbeat is on.
    pub(crate) heartbeat: Option<(JsValue, Pong)>,
    pub(crate) should_reconnect: Option<CloseVerdict>,
    /// Log what happens to the console (`Config::debug`), URLs redacted.
    pub(crate) debug: bool,
    /// The name the session is kept under across reloads (`Session::persist`).
    #[cfg(feature = "session")]
    pub(crate) session_name: Option<String>,
    /// The setup step run on every new connection (`Config::setup`).
    pub(crate) setup: Option<SetupFn>,
    /// The socket's requests, for the setup step's (set by the socket that opens the driver).
    #[cfg(feature = "json")]
    pub(crate) requests: Option<Rc<crate::socket::LazyRequests>>,
}

struct Runtime {
    machine: Machine<Frame>,
    connection: Option<Connection>,
    /// The one timer, for the machine's next deadline (on `performance.now()`'s clock).
    timer: Option<(f64, Timeout)>,
    /// The subprotocols of the attempt whose URL the machine is about to connect to.
    protocols: Option<(ConnId, Vec<String>)>,
}

/// Runs one reconnecting socket in the browser.
pub(crate) struct Driver {
    runtime: RefCell<Runtime>,
    pumping: Cell<bool>,
    target: Resolver,
    heartbeat: Option<(JsValue, Pong)>,
    should_reconnect: Option<CloseVerdict>,
    debug: bool,
    notify: Box<dyn Fn(Notice)>,
    /// Tasks waiting for room in the queue ([`poll_send_ready`](Self::poll_send_ready)).
    waiting_for_room: RefCell<Vec<Waker>>,
    /// Session mode (`Config::session`): frames are tagged both ways.
    #[cfg(feature = "session")]
    session: bool,
    /// The name the session is kept under across reloads.
    #[cfg(feature = "session")]
    session_name: Option<String>,
    setup: Option<SetupFn>,
    #[cfg(feature = "json")]
    requests: Option<Rc<crate::socket::LazyRequests>>,
    _page: PageWatch,
}

impl Driver {
    /// A driver for `settings`; it does not connect until it gets [`Input::Connect`].
    pub(crate) fn new(
        settings: Settings,
        notify: Box<dyn Fn(Notice)>,
    ) -> Result<Rc<Driver>, PolicyError> {
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let ping_size = settings
            .heartbeat
            .as_ref()
            .map_or(0, |(ping, _)| wire_size(ping));
        #[cfg(feature = "session")]
        let session = settings.policy.session.is_some();
        #[allow(unused_mut)]
        let mut machine = Machine::new(settings.policy, seed)?.with_ping_size(ping_size);
        #[cfg(feature = "session")]
        if let Some(saved) = (settings.session_name.as_deref()).and_then(saved_session::take) {
            machine.restore_session(saved);
        }
        Ok(Rc::new_cyclic(|driver| Driver {
            runtime: RefCell::new(Runtime {
                machine,
                connection: None,
                timer: None,
                protocols: None,
            }),
            pumping: Cell::new(false),
            target: settings.target,
            heartbeat: settings.heartbeat,
            should_reconnect: settings.should_reconnect,
            debug: settings.debug,
            notify,
            waiting_for_room: RefCell::new(Vec::new()),
            #[cfg(feature = "session")]
            session,
            #[cfg(feature = "session")]
            session_name: settings.session_name,
            setup: settings.setup,
            #[cfg(feature = "json")]
            requests: settings.requests,
            _page: PageWatch::attach(driver),
        }))
    }

    /// Feeds one input to the machine and carries out what it decides.
    pub(crate) fn input(self: &Rc<Self>, input: Input) {
        self.runtime
            .borrow_mut()
            .machine
            .handle(input, performance_now());
        self.pump();
    }

    /// Starts connecting, if closed.
    pub(crate) fn connect(self: &Rc<Self>) {
        let online = navigator_online();
        self.input(Input::Connect { online });
    }

    /// Whether the user polls the event stream: a demand for `lazy` and `idle_close`.
    pub(crate) fn interest(self: &Rc<Self>, listening: bool) {
        self.input(Input::Interest { listening });
    }

    /// Drops the current connection, if any, with `code` and `reason`, and connects again.
    pub(crate) fn reconnect(self: &Rc<Self>, code: u16, reason: String) {
        let online = navigator_online();
        self.input(Input::Reconnect {
            code,
            reason,
            online,
        });
    }

    /// Sends or queues a frame, as the machine decides.
    pub(crate) fn send(self: &Rc<Self>, frame: JsValue) -> Result<Sent, Rejected<Frame>> {
        let sent = self.runtime.borrow_mut().machine.send(Frame(frame));
        self.pump();
        sent
    }

    /// Sends a frame from the setup step on socket `conn`: ahead of the queue while the step
    /// runs, an ordinary send after it, refused once `conn` is gone.
    pub(crate) fn setup_send(
        self: &Rc<Self>,
        conn: ConnId,
        frame: JsValue,
    ) -> Result<Sent, Rejected<Frame>> {
        let sent = (self.runtime.borrow_mut().machine).send_setup(conn, Frame(frame));
        self.pump();
        sent
    }

    /// Sends or queues a frame with `options`, as the machine decides; with its id, to
    /// [`cancel`](Self::cancel) it.
    pub(crate) fn send_with(
        self: &Rc<Self>,
        frame: JsValue,
        options: SendOptions,
    ) -> Result<(Sent, MessageId), Rejected<Frame>> {
        let now = performance_now();
        let sent = (self.runtime.borrow_mut().machine).send_with(Frame(frame), options, now);
        self.pump();
        sent
    }

    /// Runs the setup step on socket `conn`; what it comes to goes back to the machine.
    fn run_setup(self: &Rc<Self>, conn: ConnId, attempt: u32, resumed: bool) {
        let Some(step) = self.setup.clone() else {
            return self.input(Input::SetupDone { conn });
        };
        let driver = Rc::downgrade(self);
        let running = step(Setup {
            driver: driver.clone(),
            conn,
            attempt,
            resumed,
            #[cfg(feature = "json")]
            requests: match &self.requests {
                Some(requests) => requests.clone(),
                None => crate::socket::LazyRequests::new("id"),
            },
        });
        spawn_local(async move {
            let input = match running.await {
                Ok(()) => Input::SetupDone { conn },
                Err(error) => Input::SetupFailed { conn, error },
            };
            if let Some(driver) = driver.upgrade() {
                driver.input(input);
            }
        });
    }

    /// Takes message `id` back if it is still queued; whether it was.
    pub(crate) fn cancel(self: &Rc<Self>, id: MessageId) -> bool {
        let cancelled = self.runtime.borrow_mut().machine.cancel(id);
        self.pump();
        cancelled
    }

    /// Ready when a send would not meet a full queue (it may still meet a closed socket,
    /// which is the error); otherwise the task is woken once the machine has room again.
    pub(crate) fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), SendError>> {
        match self.runtime.borrow().machine.send_readiness() {
            Err(SendError::QueueFull { .. } | SendError::WindowFull { .. }) => {
                let mut waiting = self.waiting_for_room.borrow_mut();
                if !waiting.iter().any(|waker| waker.will_wake(cx.waker())) {
                    waiting.push(cx.waker().clone());
                }
                Poll::Pending
            }
            readiness => Poll::Ready(readiness),
        }
    }

    /// Wakes the tasks waiting for room once a send would no longer meet a full queue.
    fn wake_for_room(&self) {
        if self.waiting_for_room.borrow().is_empty() {
            return;
        }
        let readiness = self.runtime.borrow().machine.send_readiness();
        if !matches!(
            readiness,
            Err(SendError::QueueFull { .. } | SendError::WindowFull { .. })
        ) {
            // Taken first: a woken task runs later, but may poll again before this returns.
            let waiting = std::mem::take(&mut *self.waiting_for_room.borrow_mut());
            waiting.into_iter().for_each(Waker::wake);
        }
    }

    /// Reads the machine's state.
    pub(crate) fn inspect<R>(&self, read: impl FnOnce(&Machine<Frame>) -> R) -> R {
        read(&self.runtime.borrow().machine)
    }

    /// Reads the current browser socket, if there is one.
    pub(crate) fn socket<R>(&self, read: impl FnOnce(&WebSocket) -> R) -> Option<R> {
        let runtime = self.runtime.borrow();
        runtime
            .connection
            .as_ref()
            .map(|connection| read(&connection.ws))
    }

    /// Reads the browser socket `conn`, if it is the current one.
    pub(super) fn socket_of<R>(
        &self,
        conn: ConnId,
        read: impl FnOnce(&WebSocket) -> R,
    ) -> Option<R> {
        let runtime = self.runtime.borrow();
        runtime
            .connection
            .as_ref()
            .filter(|connection| connection.id == conn)
            .map(|connection| read(&connection.ws))
    }

    /// Carries out queued outputs in order. Outputs produced meanwhile (by inputs that user
    /// code or a synchronous URL provider feeds in) join the same queue, so the order the
    /// machine decided is the order things happen in.
    fn pump(self: &Rc<Self>) {
        if self.pumping.replace(true) {
            return;
        }
        loop {
            let next = self.runtime.borrow_mut().machine.poll_output();
            let Some(output) = next else { break };
            self.execute(output);
        }
        self.pumping.set(false);
        self.arm_timer();
        self.wake_for_room();
    }

    /// Keeps the one timer on the machine's next deadline.
    fn arm_timer(self: &Rc<Self>) {
        let mut runtime = self.runtime.borrow_mut();
        let next = runtime.machine.poll_timeout();
        if runtime.timer.as_ref().map(|(at, _)| *at) == next {
            return;
        }
        // Replacing the timer drops, and so cancels, the pending one.
        runtime.timer = next.map(|at| {
            let delay = (at - performance_now()).clamp(0.0, f64::from(MAX_TIMER_MS));
            let driver = Rc::downgrade(self);
            let timeout = Timeout::new(delay.ceil() as u32, move || {
                if let Some(driver) = driver.upgrade() {
                    driver.timeout();
                }
            });
            (at, timeout)
        });
    }

    /// The timer fired: the machine's deadline has come (or nearly: it checks).
    fn timeout(self: &Rc<Self>) {
        let fired = {
            let mut runtime = self.runtime.borrow_mut();
            runtime.machine.handle_timeout(performance_now());
            runtime.timer.take()
        };
        // Dropped outside the borrow; wasm-bindgen defers freeing the running closure.
        drop(fired);
        self.pump();
    }

    fn execute(self: &Rc<Self>, output: Output<Frame>) {
        match output {
            Output::ResolveUrl { conn } => self.resolve_url(conn),
            Output::Connect { conn, url, session } => self.open_socket(conn, &url, session),
            Output::Transmit(Frame(frame)) => {
                #[cfg(feature = "session")]
                if self.session {
                    return self.transmit(&framing::tagged(&frame));
                }
                self.transmit(&frame);
            }
            #[cfg(feature = "session")]
            Output::TransmitBatch(frames) => {
                let texts: Vec<JsValue> = frames.into_iter().map(|Frame(text)| text).collect();
                self.transmit(&framing::batch(&texts));
            }
            // The messages sent in the rest of this turn go out together once it is over: a
            // task spawned now runs at a microtask, before the next task.
            #[cfg(feature = "session")]
            Output::AwaitTurnEnd => {
                let driver = Rc::downgrade(self);
                spawn_local(async move {
                    if let Some(driver) = driver.upgrade() {
                        driver.input(Input::TurnEnded);
                    }
                });
            }
            Output::RunSetup {
                conn,
                attempt,
                resumed,
            } => {
                self.log(|| format!("setup attempt={attempt} resumed={resumed}"));
                self.run_setup(conn, attempt, resumed);
            }
            Output::Ping => {
                if let Some((ping, _)) = &self.heartbeat {
                    self.transmit(ping);
                }
            }
            Output::MeasureBuffered { conn } => {
                let unsent_bytes = self.socket_of(conn, |ws| ws.buffered_amount()).unwrap_or(0);
                self.input(Input::Buffered {
                    conn,
                    unsent_bytes: u64::from(unsent_bytes),
                });
            }
            Output::Close { conn, code, reason } => {
                let runtime = self.runtime.borrow();
                if let Some(connection) = runtime.connection.as_ref().filter(|c| c.id == conn) {
                    connection.close(code, &reason);
                }
            }
            Output::Abandon { conn, code, reason } => {
                let abandoned = self
                    .runtime
                    .borrow_mut()
                    .connection
                    .take_if(|c| c.id == conn);
                if let Some(connection) = abandoned {
                    connection.close(code, &reason);
                }
            }
            Output::Control(text) => {
                #[cfg(feature = "session")]
                self.log(|| format!("control sent {}", framing::redact_key(&text)));
                self.transmit(&JsValue::from_str(&text));
            }
            #[cfg(feature = "session")]
            Output::Resumed {
                recovered,
                unacknowledged,
            } => {
                self.log(|| {
                    format!(
                        "resumed recovered={recovered} unacknowledged={}",
                        unacknowledged.len()
                    )
                });
                let unacknowledged = unacknowledged.into_iter().map(|Frame(f)| f).collect();
                (self.notify)(Notice::Resumed {
                    recovered,
                    unacknowledged,
                });
            }
            // Without the `session` feature no machine runs in session mode.
            #[cfg(not(feature = "session"))]
            Output::Resumed { .. } | Output::TransmitBatch(_) | Output::AwaitTurnEnd => {}
            Output::RequestFailed { id, failure } => {
                (self.notify)(Notice::RequestFailed { id, failure });
            }
            Output::Removed {
                frame: Frame(data),
                reason,
            } => {
                self.log(|| format!("removed a queued message: {}", reason.name()));
                (self.notify)(Notice::Removed { data, reason });
            }
            Output::Emit(event) => {
                self.log(|| event_line(&event));
                (self.notify)(Notice::Event(event));
            }
        }
    }

    fn resolve_url(self: &Rc<Self>, conn: ConnId) {
        let resolved = move |driver: &Rc<Driver>, result: Result<crate::target::Target, String>| {
            let input = match result {
                Ok(target) => {
                    driver.runtime.borrow_mut().protocols = Some((conn, target.protocols));
                    Input::UrlResolved {
                        conn,
                        url: target.url,
                    }
                }
                Err(error) => Input::UrlFailed { conn, error },
            };
            driver.input(input);
        };
        match (self.target)() {
            Resolution::Ready(result) => resolved(self, result),
            Resolution::Pending(pending) => {
                let driver = Rc::downgrade(self);
                spawn_local(async move {
                    let result = pending.await;
                    if let Some(driver) = driver.upgrade() {
                        resolved(&driver, result);
                    }
                });
            }
        }
    }

    /// Creates the socket of attempt `conn`, offering the session subprotocol after the
    /// user's when `session` (the machine decides: see its session probe).
    fn open_socket(self: &Rc<Self>, conn: ConnId, url: &str, session: bool) {
        let mut protocols = match self.runtime.borrow_mut().protocols.take() {
            Some((attempt, protocols)) if attempt == conn => protocols,
            _ => Vec::new(),
        };
        let offer = resocket_core::session::SUBPROTOCOL;
        if session && !protocols.iter().any(|protocol| protocol == offer) {
            protocols.push(offer.to_owned());
        }
        self.log(|| format!("connecting to {}", redact(url)));
        let created = resolve_url(url)
            .and_then(|url| check_protocols(&protocols).map(|()| url))
            .map_err(|error| error.to_string())
            .and_then(|url| {
                let protocols: Array = protocols.iter().map(|p| JsValue::from_str(p)).collect();
                WebSocket::new_with_str_sequence(&url, &protocols)
                    .map_err(|error| describe_js_error(&error))
            });
        match created {
            Ok(ws) => {
                let connection = Connection::attach(ws, conn, &Rc::downgrade(self));
                self.runtime.borrow_mut().connection = Some(connection);
            }
            Err(error) => self.input(Input::OpenFailed { conn, error }),
        }
    }

    fn transmit(&self, frame: &JsValue) {
        if let Some(connection) = &self.runtime.borrow().connection {
            connection.send(frame);
        }
    }

    fn on_message(self: &Rc<Self>, conn: ConnId, data: JsValue) {
        #[cfg(feature = "session")]
        if self.session {
            return self.on_session_frame(conn, &data);
        }
        let size = message_size(&data) as u64;
        let pong = (self.heartbeat.as_ref()).is_some_and(|(_, pong)| pong.matches(&data));
        let received =
            (self.runtime.borrow_mut().machine).receive(conn, size, pong, performance_now());
        self.pump();
        self.deliver(received, data, size);
    }

    /// In session mode: a message goes to the user without its tag (each of a batch's as if
    /// it came alone), a control frame to the machine alone.
    #[cfg(feature = "session")]
    fn on_session_frame(self: &Rc<Self>, conn: ConnId, data: &JsValue) {
        use framing::Incoming;
        use resocket_core::SessionFrame;
        let frame = match framing::read(data) {
            Incoming::Message(body) => return self.on_session_message(conn, body),
            Incoming::Batch(messages) => {
                // A message that closes the socket leaves the rest to the machine, which drops
                // what comes on a socket it gave up.
                for body in messages.iter() {
                    self.on_session_message(conn, body);
                }
                return;
            }
            Incoming::Control(text) => {
                self.log(|| format!("control received {}", framing::redact_key(&text)));
                text
            }
            Incoming::Invalid(what) => {
                let now = performance_now();
                let frame = SessionFrame::Invalid(what);
                (self.runtime.borrow_mut().machine).receive_session(conn, frame, now);
                return self.pump();
            }
        };
        let now = performance_now();
        let control = SessionFrame::Control(&frame);
        (self.runtime.borrow_mut().machine).receive_session(conn, control, now);
        self.pump();
    }

    /// In session mode, one message arrived on socket `conn`: `body`, without its tag.
    #[cfg(feature = "session")]
    fn on_session_message(self: &Rc<Self>, conn: ConnId, body: JsValue) {
        let size = message_size(&body) as u64;
        let frame = resocket_core::SessionFrame::Messages { count: 1, size };
        let now = performance_now();
        let received = (self.runtime.borrow_mut().machine).receive_session(conn, frame, now);
        self.pump();
        self.deliver(received, body, size);
    }

    /// Tells the user of an incoming message of `size`, as the machine classified it.
    fn deliver(&self, received: Received, data: JsValue, size: u64) {
        let notice = match received {
            Received::Message => Notice::Message {
                data,
                may_answer: false,
            },
            Received::MaybeAnswer => Notice::Message {
                data,
                may_answer: true,
            },
            Received::TooBig { limit } => Notice::TooBig { size, limit },
            Received::Pong | Received::Stale | Received::Protocol => return,
        };
        (self.notify)(notice);
    }

    fn on_close(self: &Rc<Self>, conn: ConnId, event: &CloseEvent) {
        // The socket is finished: detach and free its handlers now. wasm-bindgen defers
        // freeing the closure that is running this until it returns.
        let (finished, asks) = {
            let mut runtime = self.runtime.borrow_mut();
            let finished = runtime.connection.take_if(|c| c.id == conn);
            let asks = runtime.machine.asks_about_close(conn, event.code());
            (finished, asks)
        };
        // What the browser never transmitted; the machine sends those messages again.
        let unsent_bytes = finished
            .as_ref()
            .map_or(0, |connection| connection.ws.buffered_amount());
        drop(finished);
        let reconnect_allowed =
            !asks || (self.should_reconnect.as_ref()).is_none_or(|decide| decide(event));
        self.input(Input::Closed {
            conn,
            code: event.code(),
            reason: event.reason(),
            was_clean: event.was_clean(),
            unsent_bytes: u64::from(unsent_bytes),
            reconnect_allowed,
        });
    }
}

/// Keeping a session across reloads (`Session::persist`).
#[cfg(feature = "session")]
impl Driver {
    /// The page goes away (it may come back from the back/forward cache, or be reloaded):
    /// saves the session for the next page, or removes what an earlier page saved once there
    /// is nothing to resume.
    pub(super) fn save_session(&self) {
        let Some(name) = &self.session_name else {
            return;
        };
        let saved = self.runtime.borrow().machine.saved_session();
        if !saved_session::put(name, saved) {
            self.log(|| "the session could not be saved to sessionStorage".to_owned());
        }
    }

    /// The page came back from the back/forward cache: the session goes on here, so what was
    /// saved for another page is removed.
    pub(super) fn unsave_session(&self) {
        if let Some(name) = &self.session_name {
            saved_session::put(name, None);
        }
    }
}

/// What request/response (the `json` feature) asks of the driver.
#[cfg(feature = "json")]
impl Driver {
    /// The id the next request gets.
    pub(crate) fn next_request_id(&self) -> u64 {
        self.runtime.borrow().machine.next_request_id()
    }

    /// Sends or queues a request's frame, which carries [`next_request_id`](Self::next_request_id);
    /// returns the request's id.
    pub(crate) fn request(
        self: &Rc<Self>,
        frame: JsValue,
        timeout_ms: u32,
        ttl_ms: Option<u32>,
    ) -> Result<u64, Rejected<Frame>> {
        let frame = Frame(frame);
        let now = performance_now();
        let id = (self.runtime.borrow_mut().machine).request_with(frame, timeout_ms, ttl_ms, now);
        self.pump();
        id
    }

    /// Sends a request's frame from the setup step on socket `conn`, as
    /// [`setup_send`](Self::setup_send) does; returns the request's id.
    pub(crate) fn setup_request(
        self: &Rc<Self>,
        conn: ConnId,
        frame: JsValue,
        timeout_ms: u32,
    ) -> Result<u64, Rejected<Frame>> {
        let now = performance_now();
        let id =
            (self.runtime.borrow_mut().machine).request_setup(conn, Frame(frame), timeout_ms, now);
        self.pump();
        id
    }

    /// What a message that may answer a request is, by the id it carries.
    pub(crate) fn answered(&self, id: u64) -> resocket_core::Answered {
        self.runtime.borrow_mut().machine.answered(id)
    }

    /// The user no longer waits for request `id`: it ends, and its frame is taken back if no
    /// socket has it yet.
    pub(crate) fn abort_request(self: &Rc<Self>, id: u64) {
        (self.runtime.borrow_mut().machine).abort_request(id, performance_now());
        self.pump();
    }
}

impl Driver {
    /// Writes a debug line, made only if someone reads it: to the console with
    /// `Config::debug` (as the JavaScript face's `debug: true` does), and to the `log` crate at
    /// debug level, target `resocket`, with the `log` feature.
    fn log(&self, line: impl FnOnce() -> String) {
        #[cfg(feature = "log")]
        let to_log = log::log_enabled!(target: "resocket", log::Level::Debug);
        #[cfg(not(feature = "log"))]
        let to_log = false;
        if !self.debug && !to_log {
            return;
        }
        let line = line();
        if self.debug {
            web_sys::console::log_2(&JsValue::from_str("resocket:"), &JsValue::from_str(&line));
        }
        #[cfg(feature = "log")]
        if to_log {
            log::debug!(target: "resocket", "{line}");
        }
    }
}

/// A debug line for `event`, shaped like its `Debug` form (a failure shows its message).
/// Written out because the derived formatting (and the string escaping it brings) would ship
/// in every package, while only `debug: true` needs it.
fn event_line(event: &resocket_core::Event) -> String {
    use resocket_core::{Closed, Event};
    match event {
        Event::Open => "open".to_owned(),
        Event::Closed(Closed {
            code,
            reason,
            was_clean,
            will_reconnect,
            requeued,
            unconfirmed,
        }) => format!(
            "close code={code} reason={} clean={was_clean} reconnect={will_reconnect} \
             requeued={requeued} unconfirmed={unconfirmed}",
            crate::error::quoted(reason)
        ),
        Event::Reconnecting { attempt, delay_ms } => {
            format!("reconnecting attempt={attempt} delay={delay_ms}ms")
        }
        Event::Failed(failure) => format!("failed: {failure}"),
        Event::RetriesExhausted { retries } => format!("gave up after retries={retries}"),
        Event::Offline => "offline".to_owned(),
        Event::Online => "online".to_owned(),
        Event::StateChanged(state) => format!("state {state}"),
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let runtime = self.runtime.get_mut();
        if let Some(connection) = runtime.connection.take() {
            connection.close(close::NORMAL, "");
        }
        // The timers and the machine's queue drop with the runtime; timers cancel on drop.
    }
}
