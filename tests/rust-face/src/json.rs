//! JavaScript values to and from `serde_json::Value`, through JSON text: the JavaScript face's
//! `format: "json"` uses `JSON.stringify` and `JSON.parse`, so the Rust face converts the
//! same way and both faces see the same values.

use js_sys::{ArrayBuffer, JSON, Uint8Array};
use resocket::Message;
use serde_json::Value;
use serde_json::value::RawValue;
use wasm_bindgen::prelude::*;

/// `value` as `JSON.stringify` writes it, read into a `Value`; `Err` says why it has no JSON
/// form (a BigInt, a cycle, a throwing `toJSON`, `undefined`, a function, nesting deeper
/// than serde_json reads).
pub(crate) fn from_js(value: &JsValue) -> Result<Value, String> {
    let text = JSON::stringify(value).map_err(|error| describe_js_error(&error))?;
    // `JSON.stringify` returns undefined, not a string, for what has no JSON text at all.
    let text = text
        .as_string()
        .ok_or_else(|| format!("got {}", type_name(value)))?;
    serde_json::from_str(&text).map_err(|error| error.to_string())
}

/// `value` as `JSON.stringify` writes it, kept as that text (members in their order), for
/// sending; `Err` says why it has no JSON form, as [`from_js`] does.
pub(crate) fn raw_from_js(value: &JsValue) -> Result<Box<RawValue>, String> {
    let text = JSON::stringify(value).map_err(|error| describe_js_error(&error))?;
    let text = text
        .as_string()
        .ok_or_else(|| format!("got {}", type_name(value)))?;
    RawValue::from_string(text).map_err(|error| error.to_string())
}

/// `value` as a JavaScript value, as `JSON.parse` makes it from serde_json's text.
pub(crate) fn to_js(value: &Value) -> Result<JsValue, JsValue> {
    // A `Value` always has a JSON text (its numbers are finite, its keys strings), and that
    // text always parses; the errors are passed on rather than assumed away.
    let text = serde_json::to_string(value)
        .map_err(|error| JsValue::from(js_sys::Error::new(&error.to_string())))?;
    JSON::parse(&text)
}

/// A raw message as `MessageEvent.data` carries it: a string, or an `ArrayBuffer`.
pub(crate) fn message_to_js(message: &Message) -> JsValue {
    match message {
        Message::Text(text) => JsValue::from_str(text),
        Message::Bytes(bytes) => {
            let buffer: ArrayBuffer = Uint8Array::from(bytes.as_slice()).buffer();
            buffer.into()
        }
    }
}

/// A value `WebSocket.send` takes as a raw message: a string, an `ArrayBuffer`, or a view of
/// one (a typed array, a `DataView`: the bytes it views); `None` for anything else.
pub(crate) fn message_from_js(value: &JsValue) -> Option<Message> {
    if let Some(text) = value.as_string() {
        return Some(Message::Text(text));
    }
    if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        return Some(Message::Bytes(Uint8Array::new(buffer).to_vec()));
    }
    if !ArrayBuffer::is_view(value) {
        return None;
    }
    // Any view (typed arrays and `DataView` alike) has these three.
    let field = |name: &str| js_sys::Reflect::get(value, &JsValue::from_str(name)).ok();
    let buffer = field("buffer")?.dyn_into::<ArrayBuffer>().ok()?;
    let offset = field("byteOffset")?.as_f64()?;
    let length = field("byteLength")?.as_f64()?;
    let bytes = Uint8Array::new_with_byte_offset_and_length(&buffer, offset as u32, length as u32);
    Some(Message::Bytes(bytes.to_vec()))
}

/// A raw message that holds JSON text as the value it stands for, otherwise as it is.
pub(crate) fn parsed_or_raw(message: &Message) -> JsValue {
    match message {
        Message::Text(text) => JSON::parse(text).unwrap_or_else(|_| JsValue::from_str(text)),
        Message::Bytes(_) => message_to_js(message),
    }
}

/// `typeof value`, with `null` named as such.
pub(crate) fn type_name(value: &JsValue) -> String {
    if value.is_null() {
        return "null".to_owned();
    }
    value.js_typeof().as_string().unwrap_or_default()
}

/// The message of a JavaScript exception, or its string form.
pub(crate) fn describe_js_error(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown JavaScript error".to_owned())
}
