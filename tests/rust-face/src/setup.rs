//! The `setup` option: a JavaScript function run as [`Config::setup`]'s step. It gets a handle
//! whose `send(data)` answers as `RustSocket::send` does and whose `request(value, options)` is
//! a Promise as `RustSocket::request`'s, both through [`Setup`], and `{ attempt, resumed }`.
//! Its answer is awaited (a Promise or a value); a throw or a rejection is the step's error.

use std::rc::Rc;
use std::time::Duration;

use js_sys::{Function, Object, Promise, Reflect};
use resocket::{Config, Setup};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::options::{Format, type_error};
use crate::{json, request};

/// `config` with `step` as its setup step, for a socket of `format`.
pub(crate) fn setup(
    config: Config,
    step: Function,
    format: Format,
    request_timeout: Duration,
) -> Config {
    config.setup(move |setup: Setup| {
        let info = Object::new();
        set(&info, "attempt", &setup.attempt().into());
        set(&info, "resumed", &setup.resumed().into());
        let handle = handle(Rc::new(setup), format, request_timeout);
        let called = step.call2(&JsValue::UNDEFINED, &handle, &info);
        async move {
            let settled = match called {
                Ok(value) => JsFuture::from(Promise::resolve(&value)).await,
                Err(error) => Err(error),
            };
            settled
                .map(drop)
                .map_err(|error| json::describe_js_error(&error))
        }
    })
}

/// The step's handle: `{ send, request }` over `setup`.
fn handle(setup: Rc<Setup>, format: Format, request_timeout: Duration) -> JsValue {
    let handle = Object::new();
    let sending = setup.clone();
    let send = Closure::<dyn Fn(JsValue) -> Result<JsValue, JsValue>>::new(move |data: JsValue| {
        let text = match format {
            Format::Json => json::raw_from_js(&data)
                .map(|raw| raw.get().to_owned())
                .map_err(|reason| {
                    type_error(format!("setup send(data): no JSON form ({reason})"))
                })?,
            Format::Raw => data
                .as_string()
                .ok_or_else(|| type_error("setup send(data): data must be a string".to_owned()))?,
            Format::MsgPack => {
                return Err(type_error(
                    "setup send(data): this class's setup step sends \"raw\" or \"json\""
                        .to_owned(),
                ));
            }
        };
        Ok(JsValue::from_str(&crate::outcome(sending.send(text))))
    });
    let request = Closure::<dyn Fn(JsValue, JsValue) -> Promise>::new(
        move |value: JsValue, options: JsValue| {
            let send = |value: &Value, timeout, _ttl| setup.request::<Value, Value>(value, timeout);
            request::request_with(send, &value, &options, request_timeout)
        },
    );
    set(&handle, "send", &send.into_js_value());
    set(&handle, "request", &request.into_js_value());
    handle.into()
}

fn set(object: &Object, name: &str, value: &JsValue) {
    // Setting a property of a fresh plain object cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(name), value);
}
