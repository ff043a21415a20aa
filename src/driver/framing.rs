//! Session mode's framing (`PROTOCOL.md`): every outgoing message carries the message tag,
//! and every incoming frame says by its first character or byte what it is. Which tag means
//! what is the core's ([`FrameKind`]); this only reads and writes it on browser values,
//! leaving the message's body in JavaScript.

use js_sys::{Array, ArrayBuffer, JsString, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use resocket_core::session::{FrameKind, MESSAGE_TAG};

/// An incoming frame in session mode.
pub(super) enum Incoming {
    /// A message: the frame without its tag, as the browser delivered it (a string or an
    /// `ArrayBuffer`).
    Message(JsValue),
    /// A control frame's whole text.
    Control(String),
    /// A frame the protocol does not allow here: what it was.
    Invalid(&'static str),
}

/// `message` (what `WebSocket.send` takes) as the protocol's message frame: the tag first.
/// The body is copied by JavaScript, never into wasm.
pub(super) fn tagged(message: &JsValue) -> JsValue {
    let tag = char::from(MESSAGE_TAG);
    if let Some(text) = message.dyn_ref::<JsString>() {
        return JsString::from(tag).concat(text).into();
    }
    if message.is_instance_of::<web_sys::Blob>() {
        let parts = Array::of2(&JsString::from(tag), message);
        // Only a detached realm could refuse these parts; the message then goes untagged and
        // the server closes with 1002, which starts a new session.
        return web_sys::Blob::new_with_blob_sequence(&parts).map_or(message.clone(), Into::into);
    }
    let body = match message.dyn_ref::<ArrayBuffer>() {
        Some(buffer) => Uint8Array::new(buffer),
        // A typed array or DataView: its own window on its buffer.
        None => {
            let view = message.unchecked_ref::<js_sys::Uint8Array>();
            Uint8Array::new_with_byte_offset_and_length(
                &view.buffer(),
                view.byte_offset(),
                view.byte_length(),
            )
        }
    };
    let frame = Uint8Array::new_with_length(body.length() + 1);
    frame.set_index(0, MESSAGE_TAG);
    frame.set(&body, 1);
    frame.into()
}

/// A control frame's text for a debug line: the session's key hidden, as the npm package's
/// `debug: true` hides it.
pub(super) fn redact_key(text: &str) -> String {
    match text.find(" key=") {
        Some(start) => {
            let value = start + " key=".len();
            let end = text[value..]
                .find(' ')
                .map_or(text.len(), |end| value + end);
            [&text[..value], "[redacted]", &text[end..]].concat()
        }
        None => text.to_owned(),
    }
}

/// Reads an incoming frame (`MessageEvent.data`: a string, or an `ArrayBuffer` as the Rust
/// face's sockets always take binary frames).
pub(super) fn read(data: &JsValue) -> Incoming {
    if let Some(text) = data.dyn_ref::<JsString>() {
        let first = text.char_code_at(0);
        // NaN for an empty frame; a character past ASCII is no tag.
        let first = (first < 128.0).then_some(first as u8);
        return match FrameKind::of(first) {
            Ok(FrameKind::Message) => Incoming::Message(text.slice(1, text.length()).into()),
            Ok(FrameKind::Control) => Incoming::Control(String::from(text)),
            // This client's terms say it reads no batches.
            Ok(FrameKind::Batch) => Incoming::Invalid("a batch, which this client never asks for"),
            Err(_) => Incoming::Invalid("an untagged text frame"),
        };
    }
    let Some(buffer) = data.dyn_ref::<ArrayBuffer>() else {
        return Incoming::Invalid("a frame neither text nor binary");
    };
    let first = (buffer.byte_length() > 0).then(|| Uint8Array::new(buffer).get_index(0));
    match FrameKind::of(first) {
        Ok(FrameKind::Message) => Incoming::Message(buffer.slice(1).into()),
        _ => Incoming::Invalid("an untagged binary frame"),
    }
}
