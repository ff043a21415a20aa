//! A raw WebSocket message: text or binary.

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

/// One WebSocket frame's payload, as it travels on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Bytes(Vec<u8>),
}

impl Message {
    /// The text, if this is a text message.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Message::Text(text) => Some(text),
            Message::Bytes(_) => None,
        }
    }

    /// The value the browser's `WebSocket.send` takes for this message.
    pub(crate) fn to_js(&self) -> JsValue {
        match self {
            Message::Text(text) => JsValue::from_str(text),
            Message::Bytes(bytes) => Uint8Array::from(bytes.as_slice()).into(),
        }
    }

    /// Reads a `MessageEvent.data` value: a string, or an `ArrayBuffer` (the socket's
    /// `binaryType` is always `"arraybuffer"`, so no `Blob` reaches here); or a message as a
    /// codec made it for `WebSocket.send` (a `Uint8Array` for bytes).
    pub(crate) fn from_js(data: &JsValue) -> Option<Message> {
        if let Some(text) = data.as_string() {
            return Some(Message::Text(text));
        }
        if let Some(bytes) = data.dyn_ref::<Uint8Array>() {
            return Some(Message::Bytes(bytes.to_vec()));
        }
        let buffer = data.dyn_ref::<ArrayBuffer>()?;
        Some(Message::Bytes(Uint8Array::new(buffer).to_vec()))
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Message::Text(text)
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Message::Text(text.to_owned())
    }
}

impl From<Vec<u8>> for Message {
    fn from(bytes: Vec<u8>) -> Self {
        Message::Bytes(bytes)
    }
}
