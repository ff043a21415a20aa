//! How typed messages become WebSocket frames and back.
//!
//! Frames are JavaScript values (`WebSocket.send` arguments, `MessageEvent.data`). A codec is
//! a type that implements [`Encoder`] and [`Decoder`] for the messages it carries, named as a
//! [`Socket`](crate::Socket)'s third parameter:
//!
//! | codec | frames | messages | for |
//! | --- | --- | --- | --- |
//! | [`Json`] (default, feature `json`) | JSON text | serde types | typed messages |
//! | [`MsgPack`] (feature `msgpack`) | MessagePack, binary | serde types | smaller frames, bytes carried as bytes |
//! | [`Js`] | JSON text | JavaScript values ([`JsValue`], `js_sys::Object`, ...) | messages handed on to JavaScript |
//! | [`Text`], [`Bytes`], [`Raw`] | as they are | `String`, `Vec<u8>`, [`Message`] | the app's own format |
//!
//! [`Json`] and [`MsgPack`] also carry requests ([`RequestCodec`],
//! [`Sender::request`](crate::Sender::request)).
//!
//! [`Json`] and [`MsgPack`] encode and decode in wasm: a frame crosses into or out of wasm
//! memory once, which costs less than building or reading a JavaScript object field by field.
//! [`Js`] leaves the frame's JSON to the browser's `JSON`, so a message that only passes
//! through (to a JavaScript callback, to `postMessage`) never enters wasm memory at all.

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::{Error, Message};

mod js;
mod json;
#[cfg(feature = "msgpack")]
mod msgpack;

pub use crate::driver::wire_size;
pub use js::Js;
#[cfg(feature = "json")]
pub(crate) use json::from_json_seed;
pub use json::{Json, MAX_JSON_DEPTH, json_nested_deeper_than};
#[cfg(feature = "msgpack")]
pub use msgpack::MsgPack;
#[cfg(all(feature = "msgpack", feature = "json"))]
pub(crate) use msgpack::from_msgpack_seed;

/// Turns an outgoing value into a frame (`WebSocket.send` argument).
#[diagnostic::on_unimplemented(
    message = "the codec `{Self}` cannot encode `{T}`",
    note = "`Json` encodes `Serialize` types and needs resocket's `json` feature (on by default), \
            `MsgPack` too with the `msgpack` feature; `Js` encodes JavaScript values; `Text` \
            encodes `String`, `Bytes` `Vec<u8>`, `Raw` `Message`"
)]
pub trait Encoder<T> {
    /// Encodes `value`.
    fn encode(value: &T) -> Result<JsValue, Error>;
}

/// Turns an incoming frame (`MessageEvent.data`) into a value.
#[diagnostic::on_unimplemented(
    message = "the codec `{Self}` cannot decode `{T}`",
    note = "`Json` decodes `DeserializeOwned` types and needs resocket's `json` feature (on by \
            default), `MsgPack` too with the `msgpack` feature; `Js` decodes JavaScript values; \
            `Text` decodes `String`, `Bytes` `Vec<u8>`, `Raw` `Message`"
)]
pub trait Decoder<T> {
    /// Decodes `data`.
    fn decode(data: &JsValue) -> Result<T, DecodeError>;
}

/// A codec whose sockets make requests ([`Sender::request`](crate::Sender::request)): [`Json`],
/// whose requests go out as JSON text, and [`MsgPack`] (with the `msgpack` feature), whose
/// requests go out as binary MessagePack frames.
///
/// A request is written through its JSON value (`serde_json::to_value`), which must be an
/// object, its id member set there, then encoded by the codec; so in a MessagePack request,
/// bytes go as arrays of numbers, as JSON would write them. Answers are read in the format
/// they come in, whatever the codec: a text as JSON, a binary frame as MessagePack (with the
/// `msgpack` feature), by the same rules (see `Sender::request`).
///
/// Sealed: answers are read in these two formats only.
#[cfg(feature = "json")]
#[diagnostic::on_unimplemented(
    message = "the codec `{Self}` cannot carry requests",
    note = "requests need the `Json` codec, or `MsgPack` with resocket's `msgpack` feature"
)]
pub trait RequestCodec: Encoder<serde_json::Value> + sealed::Sealed {}

#[cfg(feature = "json")]
impl RequestCodec for Json {}

#[cfg(all(feature = "msgpack", feature = "json"))]
impl RequestCodec for MsgPack {}

/// Keeps [`RequestCodec`] to this crate's codecs.
#[cfg(feature = "json")]
mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Json {}
    #[cfg(feature = "msgpack")]
    impl Sealed for super::MsgPack {}
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
    pub(crate) fn new(data: &JsValue, reason: impl Into<String>) -> Self {
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

/// Text frames as `String`; binary frames must hold UTF-8.
#[derive(Clone, Copy, Debug, Default)]
pub struct Text;

/// Binary frames as `Vec<u8>`; text frames arrive as their UTF-8 bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Bytes;

/// Frames as they are: [`Message::Text`] or [`Message::Bytes`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Raw;

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
