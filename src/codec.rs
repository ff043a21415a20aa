//! How typed messages become WebSocket frames and back.
//!
//! Frames stay JavaScript values end to end: [`Json`] goes through `JSON.stringify` and
//! `JSON.parse` in the browser, so a message's text never round-trips through Rust's UTF-8
//! strings on its way to or from the socket.

use js_sys::{ArrayBuffer, Uint8Array};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

use crate::{Error, Message};

/// Turns an outgoing value into a frame (`WebSocket.send` argument).
pub trait Encoder<T> {
    /// Encodes `value`.
    fn encode(value: &T) -> Result<JsValue, Error>;
}

/// Turns an incoming frame (`MessageEvent.data`) into a value.
pub trait Decoder<T> {
    /// Decodes `data`.
    fn decode(data: &JsValue) -> Result<T, DecodeError>;
}

/// A frame that did not decode. The connection stays open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// The frame as received.
    pub raw: Message,
    /// What was wrong with it.
    pub reason: String,
}

impl DecodeError {
    fn new(data: &JsValue, reason: impl Into<String>) -> Self {
        DecodeError {
            raw: Message::from_js(data).unwrap_or(Message::Bytes(Vec::new())),
            reason: reason.into(),
        }
    }
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "a message could not be decoded: {}", self.reason)
    }
}

impl std::error::Error for DecodeError {}

/// JSON text frames, through serde. Incoming JSON nested deeper than [`MAX_JSON_DEPTH`] is
/// a decode error.
#[derive(Clone, Copy, Debug, Default)]
pub struct Json;

/// Text frames as `String`; binary frames must hold UTF-8.
#[derive(Clone, Copy, Debug, Default)]
pub struct Text;

/// Binary frames as `Vec<u8>`; text frames arrive as their UTF-8 bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Bytes;

/// Frames as they are: [`Message::Text`] or [`Message::Bytes`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Raw;

#[wasm_bindgen]
extern "C" {
    // `js_sys::JSON::parse` takes a `&str`, which would copy the text into wasm and back.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
}

impl<T: Serialize> Encoder<T> for Json {
    fn encode(value: &T) -> Result<JsValue, Error> {
        // `json_compatible` writes maps as plain objects (not `Map`s, which stringify to `{}`)
        // and refuses integers that a JavaScript number cannot hold exactly.
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        let js = value
            .serialize(&serializer)
            .map_err(|error| Error::Encode(error.to_string()))?;
        js_sys::JSON::stringify(&js)
            .map(JsValue::from)
            .map_err(|error| Error::Encode(describe_js_error(&error)))
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    fn decode(data: &JsValue) -> Result<T, DecodeError> {
        if !data.is_string() {
            return Err(DecodeError::new(
                data,
                "expected a JSON text frame, got a binary frame",
            ));
        }
        if nested_deeper_than(data, MAX_JSON_DEPTH) {
            return Err(DecodeError::new(
                data,
                format!("JSON nested deeper than {MAX_JSON_DEPTH} levels"),
            ));
        }
        let parsed =
            json_parse(data).map_err(|error| DecodeError::new(data, describe_js_error(&error)))?;
        serde_wasm_bindgen::from_value(parsed)
            .map_err(|error| DecodeError::new(data, error.to_string()))
    }
}

/// The deepest JSON the [`Json`] decoder accepts, as `serde_json` does: deserialization
/// recurses once per level, and on wasm32 a stack overflow is a trap that takes down every
/// socket on the page, so a hostile server must not choose the depth.
pub const MAX_JSON_DEPTH: usize = 128;

/// Whether a JSON text nests arrays and objects deeper than `limit`. Texts too short to do so
/// are not read at all (nor copied into wasm); longer ones are scanned once.
fn nested_deeper_than(text: &JsValue, limit: usize) -> bool {
    let short = text
        .dyn_ref::<js_sys::JsString>()
        .is_some_and(|text| (text.length() as usize) <= limit);
    if short {
        return false;
    }
    text.as_string()
        .is_some_and(|text| json_nested_deeper_than(&text, limit))
}

/// Whether `text` nests JSON arrays and objects deeper than `limit`, brackets inside strings
/// ignored. It does not check that `text` is JSON: a valid JSON text is refused only for its
/// depth, and any text it refuses would make a recursive parser descend more than `limit`
/// levels.
///
/// ```
/// use resocket::codec::json_nested_deeper_than;
///
/// assert!(!json_nested_deeper_than(r#"{"a": [1, "[[["]}"#, 2));
/// assert!(json_nested_deeper_than("[[[1]]]", 2));
/// ```
pub fn json_nested_deeper_than(text: &str, limit: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for byte in text.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

impl Encoder<String> for Text {
    fn encode(value: &String) -> Result<JsValue, Error> {
        Ok(JsValue::from_str(value))
    }
}

impl Decoder<String> for Text {
    fn decode(data: &JsValue) -> Result<String, DecodeError> {
        match Message::from_js(data) {
            Some(Message::Text(text)) => Ok(text),
            Some(Message::Bytes(bytes)) => String::from_utf8(bytes).map_err(|error| DecodeError {
                reason: format!("binary frame is not UTF-8: {error}"),
                raw: Message::Bytes(error.into_bytes()),
            }),
            None => Err(DecodeError::new(data, "unsupported frame type")),
        }
    }
}

impl Encoder<Vec<u8>> for Bytes {
    fn encode(value: &Vec<u8>) -> Result<JsValue, Error> {
        Ok(Uint8Array::from(value.as_slice()).into())
    }
}

impl Decoder<Vec<u8>> for Bytes {
    fn decode(data: &JsValue) -> Result<Vec<u8>, DecodeError> {
        if let Some(buffer) = data.dyn_ref::<ArrayBuffer>() {
            return Ok(Uint8Array::new(buffer).to_vec());
        }
        data.as_string()
            .map(String::into_bytes)
            .ok_or_else(|| DecodeError::new(data, "unsupported frame type"))
    }
}

impl Encoder<Message> for Raw {
    fn encode(value: &Message) -> Result<JsValue, Error> {
        Ok(value.to_js())
    }
}

impl Decoder<Message> for Raw {
    fn decode(data: &JsValue) -> Result<Message, DecodeError> {
        Message::from_js(data).ok_or_else(|| DecodeError::new(data, "unsupported frame type"))
    }
}

/// The message of a JavaScript exception, or its string form.
pub(crate) fn describe_js_error(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown JavaScript error".to_owned())
}
