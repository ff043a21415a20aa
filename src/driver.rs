//! Browser glue: carries out the machine's outputs with `web_sys::WebSocket` and gloo timers,
//! and turns socket events and timer expiries back into machine inputs.
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
use crate::config::{Config, PongMatcher, ReconnectPredicate, UrlSource, check_url};
use crate::core::{
    self, ConnId, Input, Machine, Output, PolicyError, Rejected, Sent, State, Timer, close,
};

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
}

/// What the driver reports to the API in front of it.
pub(crate) enum Notice {
    /// A connection event.
    Event(core::Event),
    /// An incoming message that is not a heartbeat pong (`MessageEvent.data`).
    Message(JsValue),
}

/// Recognises heartbeat pongs without copying every message into wasm.
enum Pong {
    Exact(JsValue),
    Custom(Rc<dyn Fn(&str) -> bool>),
}

impl Pong {
    fn matches(&self, data: &JsValue) -> bool {
        match self {
            Pong::Exact(pong) => data == pong,
            Pong::Custom(is_pong) => data.as_string().is_some_and(|text| is_pong(&text)),
        }
    }
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
        ws.set_binary_type(BinaryType::Arraybuffer);
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

struct Runtime {
    machine: Machine<JsValue>,
    connection: Option<Connection>,
    timers: [Option<Timeout>; Timer::ALL.len()],
}

/// Runs one reconnecting socket in the browser.
pub(crate) struct Driver {
    runtime: RefCell<Runtime>,
    pumping: Cell<bool>,
    url: UrlSource,
    protocols: Array,
    ping: JsValue,
    pong: Option<Pong>,
    should_reconnect: Option<ReconnectPredicate>,
    notify: Box<dyn Fn(Notice)>,
}

impl Driver {
    /// A driver for `config`; it does not connect until it gets [`Input::Connect`].
    pub(crate) fn new(
        config: &Config,
        notify: Box<dyn Fn(Notice)>,
    ) -> Result<Rc<Driver>, PolicyError> {
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let machine = Machine::new(config.policy.clone(), seed)?;
        let (ping, pong) = match &config.heartbeat {
            Some(heartbeat) => (
                heartbeat.ping.to_js(),
                Some(match &heartbeat.pong {
                    PongMatcher::Text(text) => Pong::Exact(JsValue::from_str(text)),
                    PongMatcher::Custom(is_pong) => Pong::Custom(is_pong.clone()),
                }),
            ),
            None => (JsValue::UNDEFINED, None),
        };
        Ok(Rc::new(Driver {
            runtime: RefCell::new(Runtime {
                machine,
                connection: None,
                timers: Default::default(),
            }),
            pumping: Cell::new(false),
            url: config.url.clone(),
            protocols: config
                .protocols
                .iter()
                .map(|p| JsValue::from_str(p))
                .collect(),
            ping,
            pong,
            should_reconnect: config.should_reconnect.clone(),
            notify,
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

    /// Sends or queues a frame, as the machine decides.
    pub(crate) fn send(self: &Rc<Self>, frame: JsValue) -> Result<Sent, Rejected<JsValue>> {
        let sent = self.runtime.borrow_mut().machine.send(frame);
        self.pump();
        sent
    }

    /// Reads the machine's state.
    pub(crate) fn inspect<R>(&self, read: impl FnOnce(&Machine<JsValue>) -> R) -> R {
        read(&self.runtime.borrow().machine)
    }

    /// The subprotocol the server chose for the current connection, if any.
    pub(crate) fn protocol(&self) -> Option<String> {
        let runtime = self.runtime.borrow();
        let connection = runtime.connection.as_ref()?;
        Some(connection.ws.protocol()).filter(|p| !p.is_empty())
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
    }

    fn execute(self: &Rc<Self>, output: Output<JsValue>) {
        match output {
            Output::ResolveUrl { conn } => self.resolve_url(conn),
            Output::Connect { conn, url } => self.connect(conn, &url),
            Output::Transmit(frame) => self.transmit(&frame),
            Output::Ping => self.transmit(&self.ping),
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
            Output::StartTimer { timer, after_ms } => {
                let driver = Rc::downgrade(self);
                let timeout = Timeout::new(after_ms, move || {
                    if let Some(driver) = driver.upgrade() {
                        driver.input(Input::TimerFired(timer));
                    }
                });
                // Replacing the slot drops, and so cancels, any pending timer of this kind.
                self.runtime.borrow_mut().timers[timer.index()] = Some(timeout);
            }
            Output::StopTimer(timer) => {
                let stopped = self.runtime.borrow_mut().timers[timer.index()].take();
                drop(stopped);
            }
            Output::Emit(event) => (self.notify)(Notice::Event(event)),
        }
    }

    fn resolve_url(self: &Rc<Self>, conn: ConnId) {
        let resolved = move |result: Result<String, String>| match result {
            Ok(url) => Input::UrlResolved { conn, url },
            Err(error) => Input::UrlFailed { conn, error },
        };
        match &self.url {
            UrlSource::Fixed(url) => self.input(Input::UrlResolved {
                conn,
                url: url.clone(),
            }),
            UrlSource::Sync(provider) => {
                let result = provider();
                self.input(resolved(result));
            }
            UrlSource::Async(provider) => {
                let pending = provider();
                let driver = Rc::downgrade(self);
                spawn_local(async move {
                    let result = pending.await;
                    if let Some(driver) = driver.upgrade() {
                        driver.input(resolved(result));
                    }
                });
            }
        }
    }

    fn connect(self: &Rc<Self>, conn: ConnId, url: &str) {
        let created = check_url(url)
            .map_err(|error| error.to_string())
            .and_then(|()| {
                WebSocket::new_with_str_sequence(url, &self.protocols)
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
        // Without a heartbeat the machine has no use for incoming messages: skip it entirely.
        if let Some(pong) = &self.pong {
            if pong.matches(&data) {
                self.input(Input::Pong { conn });
                return;
            }
            self.input(Input::Received { conn });
        }
        (self.notify)(Notice::Message(data));
    }

    fn on_close(self: &Rc<Self>, conn: ConnId, event: &CloseEvent) {
        // The socket is finished: detach and free its handlers now. wasm-bindgen defers
        // freeing the closure that is running this until it returns.
        let (finished, closing_by_request) = {
            let mut runtime = self.runtime.borrow_mut();
            let finished = runtime.connection.take_if(|c| c.id == conn);
            (finished, runtime.machine.state() == State::Closing)
        };
        drop(finished);
        let (code, reason) = (event.code(), event.reason());
        let reconnect_allowed = closing_by_request
            || self
                .should_reconnect
                .as_ref()
                .is_none_or(|decide| decide(code, &reason));
        self.input(Input::Closed {
            conn,
            code,
            reason,
            was_clean: event.was_clean(),
            reconnect_allowed,
        });
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
