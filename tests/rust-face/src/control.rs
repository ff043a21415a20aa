//! `send(data, options)`'s options, read as the JavaScript face reads them, into
//! `resocket::SendOptions`, and an `AbortSignal` carried out with the handle's `cancel`.

use std::time::Duration;

use js_sys::Function;
use resocket::{SendHandle, SendOptions};
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

use crate::options::{field, type_error};

/// What `send`'s options say.
pub(crate) struct Options {
    pub(crate) options: SendOptions,
    pub(crate) signal: Option<AbortSignal>,
}

/// `{ volatile?, ttlMs?, signal? }`: a `TypeError` for what the JavaScript face refuses.
pub(crate) fn read(options: &JsValue) -> Result<Options, JsValue> {
    let refuse = |what: &str| type_error(format!("send(data, options): {what}"));
    if !options.is_object() {
        return Err(refuse("options must be an object"));
    }
    let mut send_options = SendOptions::new();
    if let Some(volatile) = field(options, "volatile") {
        let volatile = volatile
            .as_bool()
            .ok_or_else(|| refuse("volatile must be a boolean"))?;
        send_options = send_options.volatile(volatile);
    }
    if let Some(ttl) = field(options, "ttlMs") {
        match ttl.as_f64() {
            // `as u64` saturates: a huge number is a huge Duration, which the library refuses.
            Some(ms) if ms >= 0.0 => {
                send_options = send_options.ttl(Duration::from_millis(ms.round() as u64));
            }
            _ => return Err(refuse("ttlMs must be a number of milliseconds, 0 or more")),
        }
    }
    let signal = field(options, "signal")
        .map(|signal| {
            signal
                .dyn_into::<AbortSignal>()
                .map_err(|_| refuse("signal must be an AbortSignal"))
        })
        .transpose()?;
    Ok(Options {
        options: send_options,
        signal,
    })
}

/// Cancels the message of `handle` when `signal` aborts (the listener runs once).
pub(crate) fn cancel_on_abort(signal: &AbortSignal, handle: SendHandle) {
    let cancel = Closure::once_into_js(move || {
        handle.cancel();
    });
    let options = web_sys::AddEventListenerOptions::new();
    options.set_once(true);
    let _ = signal.add_event_listener_with_callback_and_add_event_listener_options(
        "abort",
        cancel.unchecked_ref::<Function>(),
        &options,
    );
}
