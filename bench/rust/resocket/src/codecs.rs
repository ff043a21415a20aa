//! The codecs' own cost, with no network: encode then decode of the workloads' message,
//! `count` times, through `Json` and `MsgPack` (a `Msg`) and `Js` (the same message as a
//! JavaScript object, as code that hands messages on to JavaScript holds it). Built with the
//! `codecs` feature only, so the measured size of the bench crate stays the plain socket's.

use bench_common::{Msg, text_of};
use js_sys::{Object, Reflect};
use resocket::codec::{Decoder, Encoder};
use resocket::{Js, Json, MsgPack};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance)]
    fn now() -> f64;
}

/// Milliseconds for `count` round trips (encode, then decode the frame and check it) of a
/// message with `text_len` bytes of text through `codec`: "json", "msgpack" or "js".
#[wasm_bindgen]
pub fn codec_round_trips(codec: &str, count: u32, text_len: u32) -> Result<f64, JsValue> {
    let text = text_of(text_len);
    let start = now();
    match codec {
        "json" => typed::<Json>(count, &text)?,
        "msgpack" => typed::<MsgPack>(count, &text)?,
        "js" => javascript(count, &text)?,
        other => return Err(JsValue::from_str(&format!("no codec {other}"))),
    }
    Ok(now() - start)
}

fn typed<C: Encoder<Msg> + Decoder<Msg>>(count: u32, text: &str) -> Result<(), JsValue> {
    for seq in 0..count {
        let message = Msg {
            seq,
            text: text.to_owned(),
        };
        let frame = C::encode(&message).map_err(|e| JsValue::from_str(&e.to_string()))?;
        let back = C::decode(&frame).map_err(|e| JsValue::from_str(&e.to_string()))?;
        if back != message {
            return Err(JsValue::from_str(&format!("round trip {seq} came back changed")));
        }
    }
    Ok(())
}

fn javascript(count: u32, text: &str) -> Result<(), JsValue> {
    let text = JsValue::from_str(text);
    let (seq_key, text_key) = (JsValue::from_str("seq"), JsValue::from_str("text"));
    for seq in 0..count {
        let message = Object::new();
        Reflect::set(&message, &seq_key, &seq.into())?;
        Reflect::set(&message, &text_key, &text)?;
        let frame =
            <Js as Encoder<Object>>::encode(&message).map_err(|e| JsValue::from_str(&e.to_string()))?;
        let back: Object = Js::decode(&frame).map_err(|e| JsValue::from_str(&e.to_string()))?;
        if Reflect::get(&back, &seq_key)?.as_f64() != Some(f64::from(seq)) {
            return Err(JsValue::from_str(&format!("round trip {seq} came back changed")));
        }
    }
    Ok(())
}
