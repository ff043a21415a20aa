//! Session mode's framing (`PROTOCOL.md`): every outgoing message carries the message tag (or
//! goes with others in a batch frame, when the core says so), and every incoming frame says by
//! its first character or byte what it is. Which tag means what is the core's ([`FrameKind`]);
//! this only reads and writes it on browser values, leaving the messages in JavaScript (a batch
//! is read and written with the browser's `JSON`).

use js_sys::{Array, ArrayBuffer, JsString, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use resocket_core::session::{BATCH_TAG, FrameKind, MESSAGE_TAG};

/// An incoming frame in session mode.
pub(super) enum Incoming {
    /// A message: the frame without its tag, as the browser delivered it (a string or an
    /// `ArrayBuffer`).
    Message(JsValue),
    /// A batch frame's messages: an array of strings.
    Batch(Array),
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

/// `texts` (strings: the core batches text messages only) as one batch frame: the batch tag,
/// then a JSON array of them.
pub(super) fn batch(texts: &[JsValue]) -> JsValue {
    let array: Array = texts.iter().collect();
    // Strings always have a JSON form: the fallback is never taken.
    let json = js_sys::JSON::stringify(&array).unwrap_or_else(|_| JsString::from("[]"));
    JsString::from(char::from(BATCH_TAG)).concat(&json).into()
}

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` of a JavaScript string as it is, without copying it into wasm and out.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_json(text: &JsString) -> Result<JsValue, JsValue>;
}

/// The messages of a batch frame's text after its tag, if it is a JSON array of strings.
fn batch_of(json: &JsString) -> Option<Array> {
    let value = parse_json(json).ok()?;
    let array = value.dyn_into::<Array>().ok()?;
    array
        .every(&mut |text, _, _| text.is_string())
        .then_some(array)
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
            Ok(FrameKind::Batch) => match batch_of(&text.slice(1, text.length())) {
                Some(messages) => Incoming::Batch(messages),
                None => Incoming::Invalid("a batch that is not a JSON array of strings"),
            },
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
