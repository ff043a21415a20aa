//! The [`Js`] codec: messages as JavaScript values, their JSON read and written by the
//! browser's own `JSON`.

use wasm_bindgen::prelude::*;

use super::{DecodeError, Decoder, Encoder, describe_js_error};
use crate::Error;

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` of a JavaScript string as it is (`js_sys::JSON::parse` takes a `&str`, a
    /// copy into wasm memory and back out).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_json(text: &JsValue) -> Result<JsValue, JsValue>;
}

/// JSON text frames as JavaScript values: `Socket<JsValue, JsValue, Js>`, or any other
/// [`JsCast`] type (`js_sys::Object`, `js_sys::Array`, an `extern "C"` type of the app's).
///
/// For code that hands messages on to JavaScript: a UI written in JavaScript, a callback, a
/// `postMessage` to a worker or another window. The browser's `JSON.parse` makes the value and
/// `JSON.stringify` the frame, so a message never enters wasm memory, where [`Json`](super::Json)
/// would copy the text in, build a Rust value, and a JavaScript object would then have to be
/// built from that again. To work on messages in Rust, use `Json`: reading a JavaScript object
/// into a Rust type (with `serde-wasm-bindgen`, say) crosses the boundary once per field, which
/// costs more than copying the text once (see the benchmark).
///
/// Messages go out as `JSON.stringify` writes them: a value it cannot write (a `BigInt`, a
/// cycle, a throwing `toJSON`) or writes nothing for (`undefined`, a function) is
/// [`Error::Encode`]. Incoming frames must be JSON text that parses into a `T` (any value for
/// `JsValue`, an object for `js_sys::Object`, ...); anything else, binary frames included, is a
/// decode error.
///
/// ```
/// use resocket::{Config, Js, Socket};
/// use wasm_bindgen::JsValue;
///
/// fn open() -> Result<Socket<JsValue, JsValue, Js>, resocket::Error> {
///     Socket::open(Config::new("wss://example.com/feed"))
/// }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Js;

impl<T: JsCast> Encoder<T> for Js {
    fn encode(value: &T) -> Result<JsValue, Error> {
        let text = js_sys::JSON::stringify(value.as_ref())
            .map_err(|error| Error::Encode(describe_js_error(&error)))?;
        let text = JsValue::from(text);
        // `JSON.stringify` returns undefined, not a string, for what has no JSON text at all.
        if !text.is_string() {
            return Err(Error::Encode(format!(
                "{} has no JSON form",
                value.as_ref().js_typeof().as_string().unwrap_or_default()
            )));
        }
        Ok(text)
    }
}

impl<T: JsCast> Decoder<T> for Js {
    fn decode(data: &JsValue) -> Result<T, DecodeError> {
        if !data.is_string() {
            return Err(DecodeError::new(
                data,
                "expected a JSON text frame, got a binary frame",
            ));
        }
        let value = parse_json(data).map_err(|error| {
            DecodeError::new(data, format!("not JSON: {}", describe_js_error(&error)))
        })?;
        value.dyn_into::<T>().map_err(|_| {
            DecodeError::new(
                data,
                format!("the JSON is not a {}", std::any::type_name::<T>()),
            )
        })
    }
}
