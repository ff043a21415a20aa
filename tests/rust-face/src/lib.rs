//! The Rust face of resocket, `Socket<String, String, Text>`, behind a small JavaScript class,
//! so the end-to-end suite (`tests/e2e/`) can run one test body against both faces.
//!
//! `new RustSocket(url, options, onevent)` reads the JavaScript face's option names into a
//! [`Config`] and hands every [`Event`] to `onevent` as a plain object with the fields the
//! JavaScript face's events have. Nothing here adds policy: the class only translates.

mod options;

use futures_util::StreamExt;
use js_sys::{Function, Object, Reflect};
use resocket::core::Failure;
use resocket::{Error, Event, Receiver, Sender, Sent, Socket, State, Text};
use wasm_bindgen::prelude::*;

/// A `resocket::Socket<String, String, Text>` driven from JavaScript.
#[wasm_bindgen]
pub struct RustSocket {
    sender: Sender<String, Text>,
}

#[wasm_bindgen]
impl RustSocket {
    /// Opens a socket to `url` with the JavaScript face's `options`; `onevent(event)` hears
    /// every event, in order. Throws a `TypeError` for an option this class does not know or
    /// cannot read, and an `Error` with the library's message when `Socket::open` refuses.
    #[wasm_bindgen(constructor)]
    pub fn new(url: String, options: JsValue, onevent: Function) -> Result<RustSocket, JsValue> {
        let config = options::config(url, &options)?;
        let socket: Socket<String, String, Text> =
            Socket::open(config).map_err(|error| js_sys::Error::new(&error.to_string()))?;
        let (sender, receiver) = socket.split();
        wasm_bindgen_futures::spawn_local(deliver(receiver, onevent));
        Ok(RustSocket { sender })
    }

    /// Sends a text message: `"now"`, `"queued"`, `"closed"` or `"queue-full"`.
    pub fn send(&self, text: String) -> String {
        match self.sender.send(&text) {
            Ok(Sent::Now) => "now".to_owned(),
            Ok(Sent::Queued { .. }) => "queued".to_owned(),
            Err(Error::Closed) => "closed".to_owned(),
            Err(Error::QueueFull { .. }) => "queue-full".to_owned(),
            Err(other) => format!("error: {other}"),
        }
    }

    /// `Sender::close` without a code, `Sender::close_with` with one.
    pub fn close(&self, code: Option<u16>, reason: Option<String>) -> Result<(), JsValue> {
        match code {
            None => {
                self.sender.close();
                Ok(())
            }
            Some(code) => self
                .sender
                .close_with(code, reason.as_deref().unwrap_or(""))
                .map_err(|error| js_sys::Error::new(&error.to_string()).into()),
        }
    }

    /// `Sender::reconnect`.
    pub fn reconnect(&self) {
        self.sender.reconnect();
    }

    /// `Sender::state`, in lower case, as the JavaScript face's `state` names it.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        match self.sender.state() {
            State::Connecting => "connecting",
            State::Open => "open",
            State::Closing => "closing",
            State::Waiting => "waiting",
            State::Closed => "closed",
            State::Offline => "offline",
            State::Suspended => "suspended",
        }
        .to_owned()
    }

    /// `Sender::retry_count`.
    #[wasm_bindgen(getter, js_name = retryCount)]
    pub fn retry_count(&self) -> u32 {
        self.sender.retry_count()
    }

    /// `Sender::queued_count`.
    #[wasm_bindgen(getter, js_name = queuedCount)]
    pub fn queued_count(&self) -> usize {
        self.sender.queued_count()
    }
}

/// Hands each event to `onevent` until the stream ends (the socket was freed and closed).
async fn deliver(mut receiver: Receiver<String, Text>, onevent: Function) {
    while let Some(event) = receiver.next().await {
        // A throwing listener must not stop the events that follow; the page sees its error.
        if let Err(error) = onevent.call1(&JsValue::UNDEFINED, &describe(event)) {
            report_error(&error);
        }
    }
}

#[wasm_bindgen]
extern "C" {
    /// `reportError`, so a listener's exception shows as an uncaught error, as in the JS face.
    #[wasm_bindgen(js_name = reportError)]
    fn report_error(error: &JsValue);
}

/// An event as the JavaScript face would deliver it: `type` plus that type's fields.
fn describe(event: Event<String>) -> JsValue {
    let object = Object::new();
    let set = |name: &str, value: JsValue| {
        // Setting a property of a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(name), &value);
    };
    match event {
        Event::Open => set("type", "open".into()),
        Event::Offline => set("type", "offline".into()),
        Event::Online => set("type", "online".into()),
        Event::Message(text) => {
            set("type", "message".into());
            set("data", text.into());
        }
        Event::Closed {
            code,
            reason,
            was_clean,
            will_reconnect,
            requeued,
            unconfirmed,
        } => {
            set("type", "close".into());
            set("code", code.into());
            set("reason", reason.into());
            set("wasClean", was_clean.into());
            set("willReconnect", will_reconnect.into());
            set("requeued", JsValue::from_f64(requeued as f64));
            set("unconfirmed", JsValue::from_f64(unconfirmed as f64));
        }
        Event::Reconnecting { attempt, delay } => {
            set("type", "reconnecting".into());
            set("attempt", attempt.into());
            // Whole milliseconds, as the core schedules them and the JS face reports them.
            set("delayMs", JsValue::from_f64(delay.as_millis() as f64));
        }
        Event::RetriesExhausted { retries } => {
            set("type", "error".into());
            set("code", "RETRIES_EXHAUSTED".into());
            set("message", format!("gave up after {retries} retries").into());
            set("retries", retries.into());
        }
        Event::DecodeError(error) => {
            set("type", "error".into());
            set("code", "DECODE".into());
            set("message", error.to_string().into());
        }
        Event::Error(error) => {
            set("type", "error".into());
            set("code", error_code(&error).into());
            set("message", error.to_string().into());
        }
    }
    object.into()
}

/// The JavaScript face's `error.code` for the same failure.
fn error_code(error: &Error) -> &'static str {
    match error {
        Error::Connection(Failure::UrlProvider(_)) => "URL_PROVIDER",
        Error::Connection(Failure::InvalidUrl(_)) => "INVALID_URL",
        Error::Connection(Failure::Socket) => "SOCKET",
        Error::Connection(Failure::ConnectTimeout) => "CONNECT_TIMEOUT",
        Error::MessageTooBig { .. } => "MESSAGE_TOO_BIG",
        _ => "OTHER",
    }
}
