//! `request(value, options)`: `Sender::request` behind a JavaScript Promise, settled as the
//! JavaScript face settles its requests.
//!
//! Aborting has no method in the Rust API: dropping the `Response` future forgets the request
//! (its timer stops, a late answer is dropped, a frame still queued is taken back).
//! `options.signal` is carried out that way.

use std::future::Future;
use std::time::Duration;

use futures_util::future::{Either, select};
use js_sys::{Function, Promise, Reflect};
use resocket::codec::RequestCodec;
use resocket::{Error, Response, Sender};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use crate::json;
use crate::options::{field, type_error};

/// What a request's `options` say, read.
struct RequestOptions {
    timeout: Duration,
    /// `ttlMs`: the frame's time to live in the queue (`Sender::request_with`).
    ttl: Option<Duration>,
    signal: Option<AbortSignal>,
}

/// Sends `value` as a request on `sender` (a "json" or "msgpack" socket's) and returns the
/// Promise of its answer's result. Everything that goes wrong is a rejection, never an
/// exception, as in the JavaScript face.
pub(crate) fn request<Out, C: RequestCodec>(
    sender: &Sender<Out, C>,
    value: &JsValue,
    options: &JsValue,
    default_timeout: Duration,
) -> Promise {
    let send = |value: &Value, timeout, ttl| match ttl {
        None => sender.request::<Value, Value>(value, timeout),
        Some(ttl) => sender.request_with::<Value, Value>(value, timeout, ttl),
    };
    request_with(send, value, options, default_timeout)
}

/// As [`request`], with `send(value, timeout, ttl)` making the request (a setup step's
/// `Setup::request`, say).
pub(crate) fn request_with(
    send: impl FnOnce(&Value, Duration, Option<Duration>) -> Response<Value>,
    value: &JsValue,
    options: &JsValue,
    default_timeout: Duration,
) -> Promise {
    match start(send, value, options, default_timeout) {
        Ok(answer) => wasm_bindgen_futures::future_to_promise(answer),
        Err(rejection) => Promise::reject(&rejection),
    }
}

/// The rejection of a request made on a socket of the "raw" format: the Rust API has
/// `request` on the senders of codecs that carry requests only (`Json`, `MsgPack`).
pub(crate) fn needs_json() -> Promise {
    Promise::reject(&refusal(
        "needs format: \"json\" (or \"msgpack\")".to_owned(),
    ))
}

/// Reads the arguments, sends the request, and returns the future of its outcome.
fn start(
    send: impl FnOnce(&Value, Duration, Option<Duration>) -> Response<Value>,
    value: &JsValue,
    options: &JsValue,
    default_timeout: Duration,
) -> Result<impl Future<Output = Result<JsValue, JsValue>> + 'static, JsValue> {
    let value = json::from_js(value)
        .map_err(|reason| refusal(format!("value has no JSON form ({reason})")))?;
    let RequestOptions {
        timeout,
        ttl,
        signal,
    } = read_options(options, default_timeout)?;
    // An aborted signal stops the request before it is sent, as `throwIfAborted` does in the
    // JavaScript face.
    if let Some(signal) = signal.as_ref().filter(|signal| signal.aborted()) {
        return Err(signal.reason());
    }
    let response = send(&value, timeout, ttl);
    // Listening starts now, not when the future is first polled (a microtask later): an
    // `abort()` right after `request()` must not be missed.
    let abort = signal.map(|signal| AbortListener::new(&signal));
    Ok(async move {
        let outcome = match abort {
            None => response.await,
            Some(abort) => unless_aborted(response, abort).await?,
        };
        outcome
            .map_err(rejection)
            .and_then(|result| json::to_js(&result))
    })
}

/// `{ timeoutMs?, signal? }`, as the JavaScript face reads them: a missing or non-object
/// `options` is no options.
fn read_options(options: &JsValue, default_timeout: Duration) -> Result<RequestOptions, JsValue> {
    if !options.is_object() {
        return Ok(RequestOptions {
            timeout: default_timeout,
            ttl: None,
            signal: None,
        });
    }
    let timeout =
        read_timeout(field(options, "timeoutMs"), "timeoutMs")?.unwrap_or(default_timeout);
    let ttl = read_timeout(field(options, "ttlMs"), "ttlMs")?;
    let signal = field(options, "signal")
        .map(|signal| {
            signal
                .dyn_into::<AbortSignal>()
                .map_err(|_| refusal("signal must be an AbortSignal".to_owned()))
        })
        .transpose()?;
    Ok(RequestOptions {
        timeout,
        ttl,
        signal,
    })
}

/// `timeoutMs` (or `ttlMs`, named `name`) as a `Duration`, rounded to whole milliseconds. What cannot be one (not a
/// number, negative, not finite) is refused here; what can is the Rust API's to judge (it
/// times a zero timeout out at once, and waits 2^31 - 1 ms for a longer one).
fn read_timeout(value: Option<JsValue>, name: &str) -> Result<Option<Duration>, JsValue> {
    let Some(value) = value else {
        return Ok(None);
    };
    match value.as_f64() {
        // `as u64` saturates, so a huge number is a huge Duration, never a panic.
        Some(ms) if ms.is_finite() && ms >= 0.0 => {
            Ok(Some(Duration::from_millis(ms.round() as u64)))
        }
        _ => Err(refusal(format!(
            "{name} must be a number of milliseconds, 0 or more, got {}",
            describe_value(&value)
        ))),
    }
}

/// `value` for an error message: its JSON text when it has one, else its type.
fn describe_value(value: &JsValue) -> String {
    json::from_js(value)
        .map(|value| value.to_string())
        .unwrap_or_else(|_| json::type_name(value))
}

/// `future`'s output, or the signal's reason once `abort` hears it abort; `future` is then
/// dropped, which is how the Rust API forgets a request.
async fn unless_aborted<F: Future>(future: F, abort: AbortListener) -> Result<F::Output, JsValue> {
    match select(Box::pin(future), JsFuture::from(abort.promise.clone())).await {
        Either::Left((output, _)) => Ok(output),
        Either::Right((_, future)) => {
            drop(future);
            Err(abort.signal.reason())
        }
    }
}

/// A Promise that resolves when a signal aborts; the listener is removed when this drops, so
/// a long-lived signal does not keep every settled request's listener.
struct AbortListener {
    signal: AbortSignal,
    resolve: Function,
    promise: Promise,
}

impl AbortListener {
    fn new(signal: &AbortSignal) -> AbortListener {
        let mut resolve = None;
        let promise = Promise::new(&mut |resolver, _reject| resolve = Some(resolver));
        // The Promise constructor runs its executor at once, so `resolve` is set; the
        // fallback (a function that does nothing) only keeps this free of panics.
        let resolve = resolve.unwrap_or_else(|| Function::new_no_args(""));
        // An AbortSignal takes listeners; should it refuse, the request just cannot be
        // aborted, and still ends by its answer or its timeout.
        let _ = signal.add_event_listener_with_callback("abort", &resolve);
        AbortListener {
            signal: signal.clone(),
            resolve,
            promise,
        }
    }
}

impl Drop for AbortListener {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", &self.resolve);
    }
}

/// A failed request as the JavaScript face rejects it: an `Error` with the face's `code`,
/// and for a remote error or an undecodable answer the server's value in `cause`. A request
/// that does not serialize to a JSON object is a `TypeError`, as the JavaScript face's check
/// for a plain object is.
fn rejection(error: Error) -> JsValue {
    if let Error::Encode(_) = error {
        return refusal(error.to_string());
    }
    let rejection = js_sys::Error::new(&error.to_string());
    let set = |name: &str, value: &JsValue| {
        // Setting a property of a fresh Error cannot fail.
        let _ = Reflect::set(&rejection, &JsValue::from_str(name), value);
    };
    set("code", &JsValue::from_str(crate::error_code(&error)));
    match &error {
        Error::Remote { error, .. } => {
            // Should the value not convert (it always does), the cause says why instead.
            set(
                "cause",
                &json::to_js(error).unwrap_or_else(|failure| failure),
            );
        }
        Error::Decode { error, .. } => set("cause", &json::parsed_or_raw(&error.raw)),
        _ => {}
    }
    rejection.into()
}

/// A `TypeError` for a bad argument to `request`.
fn refusal(reason: String) -> JsValue {
    type_error(format!("request(value, options): {reason}"))
}
