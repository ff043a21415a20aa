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
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

use crate::codec::describe_js_error;
use crate::core::{
    self, Answered, ConnId, Input, MAX_TIMER_MS, Machine, Output, Policy, PolicyError, Received,
    Rejected, RequestFailure, Sent, WireSize, close,
};
use crate::target::{Resolution, Resolver, check_protocols, redact, resolve_url};

#[wasm_bindgen]
extern "C" {
    // `performance` exists on windows and workers alike; `window()` does not.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;

    /// `WebSocket`, seen through a `send` that takes any payload (string, `ArrayBuffer`,
    /// typed array, `Blob`), so frames stay JavaScript values and are never copied through
    /// wasm memory.
    #[wasm_bindgen(js_name = WebSocket)]
    type AnyPayloadSocket;

    #[wasm_bindgen(method, catch, js_name = send)]
    fn send(this: &AnyPayloadSocket, data: &JsValue) -> Result<(), JsValue>;

    /// `TextEncoder`, whose `encode` takes the JavaScript string as it is: the UTF-8 size of
    /// a text frame is measured without copying the text into wasm.
    type Utf8Encoder;

    #[wasm_bindgen(constructor, js_class = TextEncoder)]
    fn new() -> Utf8Encoder;

    #[wasm_bindgen(method, js_class = TextEncoder)]
    fn encode(this: &Utf8Encoder, text: &JsValue) -> js_sys::Uint8Array;

    /// An `EventTarget` (the global scope or `document`), seen through the two methods the
    /// page watch needs.
    type Listenable;

    #[wasm_bindgen(method, js_name = addEventListener)]
    fn add_event_listener(this: &Listenable, kind: &str, listener: &js_sys::Function);

    #[wasm_bindgen(method, js_name = removeEventListener)]
    fn remove_event_listener(this: &Listenable, kind: &str, listener: &js_sys::Function);

    /// A `RegExp` that matches any character outside ASCII, tested on the JavaScript string as
    /// it is.
    type NonAscii;

    #[wasm_bindgen(constructor, js_class = RegExp)]
    fn new(source: &str) -> NonAscii;

    #[wasm_bindgen(method, js_class = RegExp)]
    fn test(this: &NonAscii, text: &JsValue) -> bool;
}

thread_local! {
    static UTF8: Utf8Encoder = Utf8Encoder::new();
    static NON_ASCII: NonAscii = NonAscii::new("[^\\0-\\x7f]");
}

/// What the driver reports to the API in front of it.
pub(crate) enum Notice {
    /// A connection event.
    Event(core::Event),
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

/// Where debug lines go.
pub(crate) type Log = Rc<dyn Fn(&str)>;

/// Everything a driver runs with, whichever face made it.
pub(crate) struct Settings {
    pub(crate) policy: Policy,
    pub(crate) target: Resolver,
    /// The ping to send and how to recognise the pong, when the heartbeat is on.
    pub(crate) heartbeat: Option<(JsValue, Pong)>,
    pub(crate) should_reconnect: Option<CloseVerdict>,
    pub(crate) binary_type: BinaryType,
    /// Where debug lines go, if anywhere.
    pub(crate) log: Option<Log>,
}

/// One browser socket and the handlers attached to it.
struct Connection {
    id: ConnId,
    ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut()>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Connection {
    fn attach(ws: WebSocket, id: ConnId, driver: &Weak<Driver>) -> Connection {
        let on_open = {
            let driver = driver.clone();
            Closure::<dyn FnMut()>::new(move || {
                if let Some(driver) = driver.upgrade() {
                    driver.input(Input::Opened { conn: id });
                }
            })
        };
        let on_message = {
            let driver = driver.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                if let Some(driver) = driver.upgrade() {
                    driver.on_message(id, event.data());
                }
            })
        };
        let on_error = {
            let driver = driver.clone();
            Closure::<dyn FnMut()>::new(move || {
                if let Some(driver) = driver.upgrade() {
                    driver.input(Input::SocketError { conn: id });
                }
            })
        };
        let on_close = {
            let driver = driver.clone();
            Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
                if let Some(driver) = driver.upgrade() {
                    driver.on_close(id, &event);
                }
            })
        };
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Connection {
            id,
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_error: on_error,
            _on_close: on_close,
        }
    }

    fn close(&self, code: u16, reason: &str) {
        // Codes and reasons were checked before they reached the machine, and closing an
        // already closing socket is a no-op, so there is nothing to report here.
        let _ = self.ws.close_with_code_and_reason(code, reason);
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Detach before the closures are freed (the fields drop after this runs): the browser
        // must never call a freed closure.
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onerror(None);
        self.ws.set_onclose(None);
    }
}

/// Listeners for the network and page signals: `online` and `offline` on the global scope
/// (windows and workers alike), and where they exist (windows only) `pagehide` and `pageshow`
/// on the global scope and `visibilitychange` on `document`.
struct PageWatch {
    listeners: Vec<Listener>,
}

/// One event listener the page watch attached.
struct Listener {
    target: Listenable,
    kind: &'static str,
    closure: Closure<dyn FnMut(JsValue)>,
}

impl PageWatch {
    fn attach(driver: &Weak<Driver>) -> PageWatch {
        let global = js_sys::global();
        let mut watch = PageWatch {
            listeners: Vec::new(),
        };
        watch.listen(&global, "offline", driver, |driver, _| {
            driver.input(Input::Offline);
        });
        watch.listen(&global, "online", driver, |driver, _| {
            driver.input(Input::Online);
        });
        if js_sys::Reflect::has(&global, &JsValue::from_str("onpagehide")).unwrap_or(false) {
            watch.listen(&global, "pagehide", driver, |driver, event| {
                if persisted(&event) {
                    driver.input(Input::Suspend);
                }
            });
            watch.listen(&global, "pageshow", driver, |driver, event| {
                if persisted(&event) {
                    let online = navigator_online();
                    driver.input(Input::Resume { online });
                }
            });
        }
        let document = js_sys::Reflect::get(&global, &JsValue::from_str("document"))
            .ok()
            .filter(JsValue::is_object);
        if let Some(document) = document {
            watch.listen(&document, "visibilitychange", driver, |driver, _| {
                if is_visible() {
                    driver.input(Input::Wake);
                }
            });
        }
        watch
    }

    fn listen(
        &mut self,
        target: &JsValue,
        kind: &'static str,
        driver: &Weak<Driver>,
        handle: fn(&Rc<Driver>, JsValue),
    ) {
        let driver = driver.clone();
        let closure = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            if let Some(driver) = driver.upgrade() {
                handle(&driver, event);
            }
        });
        let target: Listenable = target.clone().unchecked_into();
        target.add_event_listener(kind, closure.as_ref().unchecked_ref());
        self.listeners.push(Listener {
            target,
            kind,
            closure,
        });
    }
}

impl Drop for PageWatch {
    fn drop(&mut self) {
        // Detach before the closures are freed (they drop with the vector, after this runs).
        for Listener {
            target,
            kind,
            closure,
        } in &self.listeners
        {
            target.remove_event_listener(kind, closure.as_ref().unchecked_ref());
        }
    }
}

/// `navigator.onLine`; true where there is no such flag, as the network is then unknown.
fn navigator_online() -> bool {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &JsValue::from_str("navigator"))
        .and_then(|navigator| js_sys::Reflect::get(&navigator, &JsValue::from_str("onLine")))
        .ok()
        .and_then(|online| online.as_bool())
        .unwrap_or(true)
}

/// `document.visibilityState` is "visible" (or there is no such state to read).
fn is_visible() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("document"))
        .and_then(|document| js_sys::Reflect::get(&document, &JsValue::from_str("visibilityState")))
        .ok()
        .and_then(|state| state.as_string())
        .is_none_or(|state| state == "visible")
}

/// A `pagehide` or `pageshow` event's `persisted`: the page enters or leaves the
/// back/forward cache.
fn persisted(event: &JsValue) -> bool {
    js_sys::Reflect::get(event, &JsValue::from_str("persisted"))
        .ok()
        .and_then(|persisted| persisted.as_bool())
        .unwrap_or(false)
}

struct Runtime {
    machine: Machine<JsValue>,
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
    binary_type: BinaryType,
    target: Resolver,
    heartbeat: Option<(JsValue, Pong)>,
    should_reconnect: Option<CloseVerdict>,
    log: Option<Log>,
    notify: Box<dyn Fn(Notice)>,
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
            .map_or(0, |(ping, _)| ping.wire_size());
        let machine = Machine::new(settings.policy, seed)?.with_ping_size(ping_size);
        Ok(Rc::new_cyclic(|driver| Driver {
            runtime: RefCell::new(Runtime {
                machine,
                connection: None,
                timer: None,
                protocols: None,
            }),
            pumping: Cell::new(false),
            binary_type: settings.binary_type,
            target: settings.target,
            heartbeat: settings.heartbeat,
            should_reconnect: settings.should_reconnect,
            log: settings.log,
            notify,
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
    pub(crate) fn send(self: &Rc<Self>, frame: JsValue) -> Result<Sent, Rejected<JsValue>> {
        let sent = self.runtime.borrow_mut().machine.send(frame);
        self.pump();
        sent
    }

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
    ) -> Result<u64, Rejected<JsValue>> {
        let id = (self.runtime.borrow_mut().machine).request(frame, timeout_ms, performance_now());
        self.pump();
        id
    }

    /// What a message that may answer a request is, by the id it carries.
    pub(crate) fn answered(&self, id: u64) -> Answered {
        self.runtime.borrow_mut().machine.answered(id)
    }

    /// The user no longer waits for request `id`.
    pub(crate) fn forget_request(&self, id: u64) {
        self.runtime.borrow_mut().machine.forget_request(id);
    }

    /// Reads the machine's state.
    pub(crate) fn inspect<R>(&self, read: impl FnOnce(&Machine<JsValue>) -> R) -> R {
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
    fn socket_of<R>(&self, conn: ConnId, read: impl FnOnce(&WebSocket) -> R) -> Option<R> {
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

    fn execute(self: &Rc<Self>, output: Output<JsValue>) {
        match output {
            Output::ResolveUrl { conn } => self.resolve_url(conn),
            Output::Connect { conn, url } => self.open_socket(conn, &url),
            Output::Transmit(frame) => self.transmit(&frame),
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
            Output::RequestFailed { id, failure } => {
                (self.notify)(Notice::RequestFailed { id, failure });
            }
            Output::Emit(event) => {
                if let Some(log) = &self.log {
                    log(&event_line(&event));
                }
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

    fn open_socket(self: &Rc<Self>, conn: ConnId, url: &str) {
        let protocols = match self.runtime.borrow_mut().protocols.take() {
            Some((attempt, protocols)) if attempt == conn => protocols,
            _ => Vec::new(),
        };
        if let Some(log) = &self.log {
            log(&format!("connecting to {}", redact(url)));
        }
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
                ws.set_binary_type(self.binary_type);
                let connection = Connection::attach(ws, conn, &Rc::downgrade(self));
                self.runtime.borrow_mut().connection = Some(connection);
            }
            Err(error) => self.input(Input::OpenFailed { conn, error }),
        }
    }

    fn transmit(&self, frame: &JsValue) {
        let runtime = self.runtime.borrow();
        if let Some(connection) = &runtime.connection {
            // `send` throws only while the socket is CONNECTING, and the machine transmits
            // only after the open event.
            let _ = connection
                .ws
                .unchecked_ref::<AnyPayloadSocket>()
                .send(frame);
        }
    }

    fn on_message(self: &Rc<Self>, conn: ConnId, data: JsValue) {
        let size = message_size(&data) as u64;
        let pong = (self.heartbeat.as_ref()).is_some_and(|(_, pong)| pong.matches(&data));
        let received =
            (self.runtime.borrow_mut().machine).receive(conn, size, pong, performance_now());
        self.pump();
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
            Received::Pong | Received::Stale => return,
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

/// A debug line for `event`, shaped like its `Debug` form (a failure shows its message).
/// Written out because the derived formatting (and the string escaping it brings) would ship
/// in every package, while only `debug: true` needs it.
fn event_line(event: &core::Event) -> String {
    use core::Event;
    match event {
        Event::Open => "Open".to_owned(),
        Event::Closed {
            code,
            reason,
            was_clean,
            will_reconnect,
            requeued,
            unconfirmed,
        } => format!(
            "Closed {{ code: {code}, reason: \"{reason}\", was_clean: {was_clean}, \
             will_reconnect: {will_reconnect}, requeued: {requeued}, unconfirmed: {unconfirmed} }}"
        ),
        Event::Reconnecting { attempt, delay_ms } => {
            format!("Reconnecting {{ attempt: {attempt}, delay_ms: {delay_ms} }}")
        }
        Event::Failed(failure) => format!("Failed: {failure}"),
        Event::RetriesExhausted { retries } => format!("RetriesExhausted {{ retries: {retries} }}"),
        Event::Offline => "Offline".to_owned(),
        Event::Online => "Online".to_owned(),
    }
}

/// A message's size, read without copying it into wasm: a string's `length` (UTF-16 code
/// units, at most its UTF-8 size), an `ArrayBuffer`'s or typed array's `byteLength`, a
/// `Blob`'s `size`; 0 for anything else. `bufferedAmount` counts queued messages the same
/// way, as `reconnecting-websocket` does.
pub(crate) fn message_size(data: &JsValue) -> f64 {
    match data.dyn_ref::<js_sys::JsString>() {
        Some(text) => f64::from(text.length()),
        None => binary_size(data),
    }
}

/// Outgoing frames are counted as `bufferedAmount` counts them: text in UTF-8 bytes.
impl core::WireSize for JsValue {
    fn wire_size(&self) -> u64 {
        let size = if self.is_string() {
            // An ASCII text's UTF-8 size is its length: one scan instead of encoding a copy.
            if NON_ASCII.with(|non_ascii| non_ascii.test(self)) {
                UTF8.with(|utf8| f64::from(utf8.encode(self).length()))
            } else {
                f64::from(self.unchecked_ref::<js_sys::JsString>().length())
            }
        } else {
            binary_size(self)
        };
        size as u64
    }
}

/// An `ArrayBuffer`'s or typed array's `byteLength`, a `Blob`'s `size`; 0 for anything else.
fn binary_size(data: &JsValue) -> f64 {
    let size = if data.is_instance_of::<web_sys::Blob>() {
        "size"
    } else {
        "byteLength"
    };
    js_sys::Reflect::get(data, &JsValue::from_str(size))
        .ok()
        .and_then(|size| size.as_f64())
        .unwrap_or(0.0)
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
