//! JavaScript functions where the Rust API takes closures: URL providers
//! ([`Config::with_url_fn`], [`Config::with_async_url_fn`]), the close verdict
//! ([`Config::should_reconnect`]) and the heartbeat's pong test ([`Heartbeat::pong_matching`]).
//!
//! Each closure calls the function and hands its answer to the Rust API as the closure's type
//! says; a Rust closure cannot throw, so what a function's exception becomes is said at each.

use js_sys::{Function, Object, Promise, Reflect};
use resocket::{Config, Heartbeat};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::json;

/// A socket config whose URL comes from `provider` before every attempt: an `async`
/// function is [`Config::with_async_url_fn`] (its Promise awaited), any other function
/// [`Config::with_url_fn`]. The URL must be a string; an exception, a rejection or another
/// value is the provider's error, which the Rust API counts as a failed attempt.
pub(crate) fn url_provider(provider: Function) -> Config {
    if is_async(&provider) {
        Config::with_async_url_fn(move || {
            let called = provider.call0(&JsValue::UNDEFINED);
            async move {
                let value = match called {
                    Ok(value) => JsFuture::from(Promise::resolve(&value)).await,
                    Err(error) => Err(error),
                };
                provided_url(value)
            }
        })
    } else {
        Config::with_url_fn(move || provided_url(provider.call0(&JsValue::UNDEFINED)))
    }
}

/// Whether `function` is an `async` function (its constructor is `AsyncFunction`).
fn is_async(function: &Function) -> bool {
    Reflect::get(function, &JsValue::from_str("constructor"))
        .ok()
        .and_then(|constructor| Reflect::get(&constructor, &JsValue::from_str("name")).ok())
        .and_then(|name| name.as_string())
        .is_some_and(|name| name == "AsyncFunction")
}

/// A provider's answer as the Rust API's providers answer: a URL string, or why not.
fn provided_url(answer: Result<JsValue, JsValue>) -> Result<String, String> {
    let value = answer.map_err(|error| json::describe_js_error(&error))?;
    value.as_string().ok_or_else(|| {
        format!(
            "the URL provider returned {}, not a string",
            json::type_name(&value)
        )
    })
}

/// `shouldReconnectOnClose(event)` as [`Config::should_reconnect`]'s closure: the function
/// gets `{ code, reason }` (the fields the closure has) and its answer's truthiness is the
/// verdict. An exception is reported as uncaught and counts as "reconnect", as the JavaScript
/// face keeps reconnecting when its predicate throws.
pub(crate) fn should_reconnect(config: Config, decide: Function) -> Config {
    config.should_reconnect(move |code, reason| {
        let event = Object::new();
        // Setting a property of a fresh plain object cannot fail.
        let _ = Reflect::set(&event, &JsValue::from_str("code"), &code.into());
        let _ = Reflect::set(&event, &JsValue::from_str("reason"), &reason.into());
        match decide.call1(&JsValue::UNDEFINED, &event) {
            Ok(verdict) => verdict.is_truthy(),
            Err(error) => {
                crate::report_error(&error);
                true
            }
        }
    })
}

/// `heartbeat.pong` given as a function, as [`Heartbeat::pong_matching`]'s closure: called
/// with each incoming text message, its answer's truthiness says whether it is the pong. An
/// exception means "not the pong", as in the JavaScript face.
pub(crate) fn pong_matching(heartbeat: Heartbeat, is_pong: Function) -> Heartbeat {
    heartbeat.pong_matching(move |text| {
        is_pong
            .call1(&JsValue::UNDEFINED, &JsValue::from_str(text))
            .is_ok_and(|answer| answer.is_truthy())
    })
}
