//! The JavaScript face's engine: the `SocketCore` class that the hand-written `ReSocket`
//! wrapper (`src/js/resocket.js`) drives.
//!
//! All connection policy runs here, in the same core as the Rust API. The wrapper adds what
//! JavaScript does better by itself: `EventTarget` (listener order, `handleEvent` objects,
//! `once`), event objects whose `target` is the socket, `Symbol.asyncIterator`, and the
//! `"json"` format through the browser's own `JSON`, so serde never enters this path.

mod options;

use std::rc::Rc;

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use web_sys::BinaryType;

use crate::core::{Event, Failure, Input, SendError, Sent, State, close};
use crate::driver::{Driver, Notice, message_size};

/// The npm package's allocator; see the `talc` dependency in Cargo.toml. Single-threaded: the
/// package is built without the `atomics` target feature.
#[cfg(all(
    feature = "talc",
    target_arch = "wasm32",
    not(target_feature = "atomics")
))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// What the wrapper's `emit(kind, ...)` callback receives, by `kind`.
#[repr(u8)]
enum Kind {
    /// `()`
    Open = 0,
    /// `(data)`
    Message = 1,
    /// `(code, reason, wasClean, willReconnect, requeued, unconfirmed)`
    Close = 2,
    /// `(attempt, delayMs)`
    Reconnecting = 3,
    /// `(errorCode, message)`
    Error = 4,
}

/// What `send` reports to the wrapper.
#[repr(i8)]
enum SendOutcome {
    Now = 1,
    Queued = 0,
    QueueFull = -1,
    Closed = -2,
}

/// One reconnecting socket, driven by the `ReSocket` wrapper.
#[wasm_bindgen(skip_typescript)]
pub struct SocketCore {
    driver: Rc<Driver>,
}

#[wasm_bindgen]
impl SocketCore {
    /// Reads the arguments of `new ReSocket(url, protocols, options)` and starts connecting
    /// unless `startClosed`; `emit(kind, ...)` hears every event.
    #[wasm_bindgen(constructor)]
    pub fn new(
        url: JsValue,
        protocols: JsValue,
        options: JsValue,
        emit: Function,
    ) -> Result<SocketCore, JsValue> {
        let parsed = options::parse(&url, &protocols, &options)?;
        let notify = Box::new(move |notice: Notice| emit_notice(&emit, notice));
        let driver = Driver::new(parsed.settings, notify)
            .map_err(|error| options::type_error(error.to_string()))?;
        if !parsed.start_closed {
            driver.input(Input::Connect);
        }
        Ok(SocketCore { driver })
    }

    /// Sends or queues a frame the wrapper has already encoded; see [`SendOutcome`].
    pub fn send(&self, frame: JsValue) -> i8 {
        let outcome = match self.driver.send(frame) {
            Ok(Sent::Now) => SendOutcome::Now,
            Ok(Sent::Queued { .. }) => SendOutcome::Queued,
            Err(rejected) => match rejected.error {
                SendError::QueueFull { .. } => SendOutcome::QueueFull,
                SendError::Closed => SendOutcome::Closed,
            },
        };
        outcome as i8
    }

    /// Closes for good; throws as `WebSocket.close` does for codes and reasons it refuses.
    pub fn close(&self, code: JsValue, reason: JsValue) -> Result<(), JsValue> {
        let (code, reason) = close_arguments(&code, &reason)?;
        self.driver.input(Input::Close { code, reason });
        Ok(())
    }

    /// Drops the current connection, if any, and connects again at once.
    pub fn reconnect(&self, code: JsValue, reason: JsValue) -> Result<(), JsValue> {
        let (code, reason) = close_arguments(&code, &reason)?;
        self.driver.input(Input::Reconnect { code, reason });
        Ok(())
    }

    /// `readyState`: CONNECTING while an attempt runs or waits, CLOSED when not trying.
    #[wasm_bindgen(js_name = readyState)]
    pub fn ready_state(&self) -> u8 {
        match self.driver.inspect(|machine| machine.state()) {
            State::Connecting | State::Waiting | State::Offline | State::Suspended => 0,
            State::Open => 1,
            State::Closing => 2,
            State::Closed => 3,
        }
    }

    /// The URL of the current or last socket.
    pub fn url(&self) -> String {
        self.driver.url()
    }

    /// The subprotocol of the current socket, or "".
    pub fn protocol(&self) -> String {
        self.driver
            .socket(web_sys::WebSocket::protocol)
            .unwrap_or_default()
    }

    /// The extensions of the current socket, or "".
    pub fn extensions(&self) -> String {
        self.driver
            .socket(web_sys::WebSocket::extensions)
            .unwrap_or_default()
    }

    /// The socket's buffered bytes plus the sizes of the queued messages.
    #[wasm_bindgen(js_name = bufferedAmount)]
    pub fn buffered_amount(&self) -> f64 {
        let buffered = self
            .driver
            .socket(|ws| f64::from(ws.buffered_amount()))
            .unwrap_or(0.0);
        let queued: f64 = self
            .driver
            .inspect(|machine| machine.queued().map(message_size).sum());
        buffered + queued
    }

    /// Retries since the last connection that lasted `minUptime`.
    #[wasm_bindgen(js_name = retryCount)]
    pub fn retry_count(&self) -> u32 {
        self.driver.inspect(|machine| machine.retry_count())
    }

    /// Messages waiting for the connection to open.
    #[wasm_bindgen(js_name = queuedCount)]
    pub fn queued_count(&self) -> usize {
        self.driver.inspect(|machine| machine.queued_count())
    }

    /// The queue's capacity (`maxEnqueuedMessages`).
    #[wasm_bindgen(js_name = queueCapacity)]
    pub fn queue_capacity(&self) -> usize {
        self.driver.inspect(|machine| machine.queue_capacity())
    }

    /// The round-trip time of the last heartbeat pong, in ms.
    #[wasm_bindgen(js_name = rttMs)]
    pub fn rtt_ms(&self) -> Option<f64> {
        self.driver.inspect(|machine| machine.rtt_ms())
    }

    /// `"blob"` or `"arraybuffer"`.
    #[wasm_bindgen(js_name = binaryType)]
    pub fn binary_type(&self) -> String {
        match self.driver.binary_type() {
            BinaryType::Arraybuffer => "arraybuffer".to_owned(),
            _ => "blob".to_owned(),
        }
    }

    /// Sets how binary messages arrive, now and after every reconnect.
    #[wasm_bindgen(js_name = setBinaryType)]
    pub fn set_binary_type(&self, value: JsValue) -> Result<(), JsValue> {
        let binary_type = match value.as_string().as_deref() {
            Some("blob") => BinaryType::Blob,
            Some("arraybuffer") => BinaryType::Arraybuffer,
            _ => {
                return Err(options::type_error(
                    "binaryType must be \"blob\" or \"arraybuffer\"".to_owned(),
                ));
            }
        };
        self.driver.set_binary_type(binary_type);
        Ok(())
    }
}

fn emit_notice(emit: &Function, notice: Notice) {
    let kind = |kind: Kind| JsValue::from(kind as u8);
    let args = match notice {
        Notice::Message(data) => {
            // The hot path: two arguments, no array.
            let _ = emit.call2(&JsValue::UNDEFINED, &kind(Kind::Message), &data);
            return;
        }
        Notice::TooBig { size, limit } => Array::of3(
            &kind(Kind::Error),
            &"MESSAGE_TOO_BIG".into(),
            &format!(
                "an incoming message of size {size} exceeded maxMessageBytes ({limit}) and was \
                 dropped; the connection stays open"
            )
            .into(),
        ),
        Notice::Event(Event::Open) => Array::of1(&kind(Kind::Open)),
        Notice::Event(Event::Closed {
            code,
            reason,
            was_clean,
            will_reconnect,
            requeued,
            unconfirmed,
        }) => [
            kind(Kind::Close),
            code.into(),
            reason.into(),
            was_clean.into(),
            will_reconnect.into(),
            (requeued as f64).into(),
            (unconfirmed as f64).into(),
        ]
        .into_iter()
        .collect(),
        Notice::Event(Event::Reconnecting { attempt, delay_ms }) => {
            Array::of3(&kind(Kind::Reconnecting), &attempt.into(), &delay_ms.into())
        }
        Notice::Event(Event::Failed(failure)) => Array::of3(
            &kind(Kind::Error),
            &failure_code(&failure).into(),
            &failure.to_string().into(),
        ),
        Notice::Event(Event::Offline | Event::Online) => return,
        Notice::Event(Event::RetriesExhausted { retries }) => Array::of3(
            &kind(Kind::Error),
            &"RETRIES_EXHAUSTED".into(),
            &format!("gave up after {retries} retries (maxRetries)").into(),
        ),
    };
    // Listeners' exceptions are reported by `dispatchEvent` in the wrapper; nothing to do.
    let _ = emit.apply(&JsValue::UNDEFINED, &args);
}

fn failure_code(failure: &Failure) -> &'static str {
    match failure {
        Failure::UrlProvider(_) => "URL_PROVIDER",
        Failure::InvalidUrl(_) => "INVALID_URL",
        Failure::Socket => "SOCKET",
        Failure::ConnectTimeout => "CONNECT_TIMEOUT",
    }
}

/// `close(code?, reason?)` arguments, checked as `WebSocket.close` checks them.
fn close_arguments(code: &JsValue, reason: &JsValue) -> Result<(u16, String), JsValue> {
    let dom_error = |message: String, name: &str| -> JsValue {
        web_sys::DomException::new_with_message_and_name(&format!("resocket: {message}"), name)
            .map_or_else(|error| error, JsValue::from)
    };
    let code = match code.as_f64() {
        _ if code.is_undefined() => close::NORMAL,
        Some(number) if number.fract() == 0.0 && (0.0..=f64::from(u16::MAX)).contains(&number) => {
            number as u16
        }
        _ => {
            return Err(dom_error(
                "the close code must be 1000 or an integer from 3000 to 4999".to_owned(),
                "InvalidAccessError",
            ));
        }
    };
    let reason = match reason.as_string() {
        Some(reason) => reason,
        None if reason.is_undefined() => String::new(),
        None => {
            return Err(options::type_error(
                "the close reason must be a string".to_owned(),
            ));
        }
    };
    close::check_user_close(code, &reason).map_err(|error| match error {
        close::CloseCodeError::Code(_) => dom_error(error.to_string(), "InvalidAccessError"),
        close::CloseCodeError::ReasonTooLong(_) => dom_error(error.to_string(), "SyntaxError"),
    })?;
    Ok((code, reason))
}
