//! The [`MsgPack`] codec: MessagePack binary frames through serde and `rmp-serde`.

use js_sys::Uint8Array;
use serde::Serialize;
use serde::de::{DeserializeOwned, DeserializeSeed};
use wasm_bindgen::JsValue;

use super::{DecodeError, Decoder, Encoder, MAX_JSON_DEPTH};
use crate::{Error, Message};

/// [MessagePack](https://msgpack.org) binary frames, through serde and `rmp-serde` (with
/// resocket's `msgpack` feature).
///
/// Structs go out as maps keyed by field name, as `JSON.stringify` writes objects, so a
/// JavaScript peer decoding with `@msgpack/msgpack` gets the objects the [`Json`](super::Json)
/// codec would have given it, and the JavaScript face's codec format (`format: { encode,
/// decode, binary: true }`) talks to this one. Bytes (`serde_bytes`) travel as MessagePack's
/// binary type instead of arrays of numbers. Incoming frames must be binary, hold one value and
/// nothing after it, and nest no deeper than [`MAX_JSON_DEPTH`] levels (the bound of `Json`,
/// for the same reason: decoding recurses once per level, and a stack overflow on wasm32 takes
/// down every socket on the page); anything else is a decode error.
///
/// Its sockets make requests ([`Sender::request`](crate::Sender::request), with the `json`
/// feature too): they go out as MessagePack maps, and answers in MessagePack are read by the
/// rules of JSON's.
///
/// ```
/// use resocket::{Config, MsgPack, Socket};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// struct Tick {
///     symbol: String,
///     price: f64,
/// }
///
/// fn open() -> Result<Socket<Tick, Tick, MsgPack>, resocket::Error> {
///     Socket::open(Config::new("wss://example.com/ticks"))
/// }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct MsgPack;

impl<T: Serialize> Encoder<T> for MsgPack {
    fn encode(value: &T) -> Result<JsValue, Error> {
        let bytes = to_msgpack(value).map_err(Error::Encode)?;
        Ok(Uint8Array::from(bytes.as_slice()).into())
    }
}

impl<T: DeserializeOwned> Decoder<T> for MsgPack {
    fn decode(data: &JsValue) -> Result<T, DecodeError> {
        match Message::from_js(data) {
            Some(Message::Bytes(bytes)) => from_msgpack(&bytes).map_err(|reason| DecodeError {
                raw: Message::Bytes(bytes),
                reason,
            }),
            Some(text @ Message::Text(_)) => Err(DecodeError {
                raw: text,
                reason: "expected a binary MessagePack frame, got a text frame".to_owned(),
            }),
            None => Err(DecodeError::new(data, "unsupported frame type")),
        }
    }
}

/// `value` as MessagePack, structs as maps keyed by field name.
pub(crate) fn to_msgpack<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, String> {
    rmp_serde::to_vec_named(value).map_err(|error| error.to_string())
}

/// Decodes the one MessagePack value `bytes` hold, at most [`MAX_JSON_DEPTH`] levels deep.
pub(crate) fn from_msgpack<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    from_msgpack_seed(bytes, std::marker::PhantomData::<T>)
}

/// What `seed` reads from the one MessagePack value `bytes` hold, as [`from_msgpack`] reads a
/// value.
pub(crate) fn from_msgpack_seed<'de, S: DeserializeSeed<'de>>(
    bytes: &[u8],
    seed: S,
) -> Result<S::Value, String> {
    let mut deserializer = rmp_serde::Deserializer::new(bytes);
    // rmp-serde fails when its count reaches zero: one more than the levels it allows.
    deserializer.set_max_depth(MAX_JSON_DEPTH + 1);
    let value = seed
        .deserialize(&mut deserializer)
        .map_err(|error| match error {
            rmp_serde::decode::Error::DepthLimitExceeded => {
                format!("MessagePack nested deeper than {MAX_JSON_DEPTH} levels")
            }
            error => error.to_string(),
        })?;
    // The reader is the rest of the frame.
    match deserializer.get_ref().len() {
        0 => Ok(value),
        extra => Err(format!(
            "{extra} bytes after the MessagePack value (a frame holds one)"
        )),
    }
}

#[cfg(all(test, feature = "json"))]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Tick {
        symbol: String,
        price: f64,
        sizes: Vec<u32>,
        note: Option<String>,
    }

    fn tick() -> Tick {
        Tick {
            symbol: "ACME ✓".to_owned(),
            price: 12.5,
            sizes: vec![1, 300, 70_000],
            note: None,
        }
    }

    #[test]
    fn values_round_trip_with_fields_by_name() {
        let bytes = to_msgpack(&tick()).expect("encodes");
        // A map of 4 (0x84) whose first key is the text "symbol" (0xa6: 6 bytes).
        assert_eq!(&bytes[..8], b"\x84\xa6symbol");
        assert_eq!(from_msgpack::<Tick>(&bytes), Ok(tick()));
        // Read as a generic map, as a JavaScript peer reads it.
        let map: BTreeMap<String, serde_json::Value> = from_msgpack(&bytes).expect("a map");
        assert_eq!(map["price"], serde_json::json!(12.5));
        assert_eq!(map["note"], serde_json::Value::Null);
    }

    #[test]
    fn bad_frames_are_errors_that_say_why() {
        // 0xc1 is the one byte MessagePack never uses.
        let error = from_msgpack::<Tick>(&[0xc1]).expect_err("reserved marker");
        assert!(!error.is_empty());
        let truncated = &to_msgpack(&tick()).expect("encodes")[..10];
        assert!(from_msgpack::<Tick>(truncated).is_err());
        let error = from_msgpack::<u8>(&[0x01, 0x02]).expect_err("trailing byte");
        assert!(error.contains("1 bytes after"), "{error}");
        let error = from_msgpack::<Tick>(&to_msgpack(&7).expect("encodes")).expect_err("a number");
        assert!(error.contains("invalid type"), "{error}");
        assert!(from_msgpack::<u8>(&[]).is_err());
        // A string claiming 4 GiB in a 5-byte frame reads to the frame's end, allocating nothing
        // of the sort.
        assert!(from_msgpack::<String>(&[0xdb, 0xff, 0xff, 0xff, 0xff]).is_err());
    }

    /// `depth` arrays, one inside the other.
    fn nested(depth: usize) -> Vec<u8> {
        let mut bytes = vec![0x91; depth - 1];
        bytes.push(0x90);
        bytes
    }

    #[test]
    fn nesting_is_bounded_as_for_json() {
        use serde_json::Value;
        for depth in [1, MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH] {
            from_msgpack::<Value>(&nested(depth)).expect("within the limit");
        }
        for depth in [MAX_JSON_DEPTH + 1, 100_000] {
            let error = from_msgpack::<Value>(&nested(depth)).expect_err("too deep");
            assert!(error.contains("nested deeper than 128"), "{error}");
        }
    }
}
