//! Message sizes, measured as the browser counts them, without copying anything into wasm.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `TextEncoder`, whose `encode` takes the JavaScript string as it is: the UTF-8 size of
    /// a text frame is measured without copying the text into wasm.
    type Utf8Encoder;

    #[wasm_bindgen(constructor, js_class = TextEncoder)]
    fn new() -> Utf8Encoder;

    #[wasm_bindgen(method, js_class = TextEncoder)]
    fn encode(this: &Utf8Encoder, text: &JsValue) -> js_sys::Uint8Array;

    /// A `RegExp` that matches any character outside ASCII, tested on the JavaScript string as
    /// it is.
    type NonAscii;

    #[wasm_bindgen(constructor, js_class = RegExp)]
    fn new(source: &str) -> NonAscii;

    #[wasm_bindgen(method, js_class = RegExp)]
    fn test(this: &NonAscii, text: &JsValue) -> bool;
}

thread_local! {
    static UTF8: Utf8Encoder = Utf8Encoder::new();
    static NON_ASCII: NonAscii = NonAscii::new("[^\\0-\\x7f]");
}

/// A message's size, read without copying it into wasm: a string's `length` (UTF-16 code
/// units, at most its UTF-8 size), an `ArrayBuffer`'s or typed array's `byteLength`, a
/// `Blob`'s `size`; 0 for anything else. `bufferedAmount` counts queued messages the same
/// way, as `reconnecting-websocket` does.
pub(crate) fn message_size(data: &JsValue) -> f64 {
    match data.dyn_ref::<js_sys::JsString>() {
        Some(text) => f64::from(text.length()),
        None => binary_size(data),
    }
}

/// An outgoing message as the machine holds it: what `WebSocket.send` is given.
#[derive(Clone, Debug)]
pub(crate) struct Frame(pub(crate) JsValue);

impl resocket_core::WireSize for Frame {
    fn wire_size(&self) -> u64 {
        wire_size(&self.0)
    }

    fn is_text(&self) -> bool {
        self.0.is_string()
    }
}

/// The size of `message` (what `WebSocket.send` takes) as the browser's `bufferedAmount`
/// counts it: text in UTF-8 bytes, an `ArrayBuffer`, typed array or `Blob` in bytes.
pub fn wire_size(message: &JsValue) -> u64 {
    let size = if message.is_string() {
        // An ASCII text's UTF-8 size is its length: one scan instead of encoding a copy.
        if NON_ASCII.with(|non_ascii| non_ascii.test(message)) {
            UTF8.with(|utf8| f64::from(utf8.encode(message).length()))
        } else {
            f64::from(message.unchecked_ref::<js_sys::JsString>().length())
        }
    } else {
        binary_size(message)
    };
    size as u64
}

/// An `ArrayBuffer`'s or typed array's `byteLength`, a `Blob`'s `size`; 0 for anything else.
fn binary_size(data: &JsValue) -> f64 {
    let size = if data.is_instance_of::<web_sys::Blob>() {
        "size"
    } else {
        "byteLength"
    };
    js_sys::Reflect::get(data, &JsValue::from_str(size))
        .ok()
        .and_then(|size| size.as_f64())
        .unwrap_or(0.0)
}
