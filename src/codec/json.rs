//! The [`Json`] codec: JSON text frames through serde and `serde_json`, read with a bound on
//! nesting.

#[cfg(feature = "json")]
use wasm_bindgen::JsValue;

#[cfg(feature = "json")]
use super::{DecodeError, Decoder, Encoder};
#[cfg(feature = "json")]
use crate::{Error, Message};

/// JSON text frames, through serde and `serde_json` (so integers of any size go out exactly,
/// and maps need keys that are strings or integers). Incoming JSON that nests a value deeper
/// than [`MAX_JSON_DEPTH`] is a decode error.
///
/// It encodes and decodes with resocket's `json` feature, on by default; without it (and
/// without serde_json), name another codec: `Socket<String, String, Text>`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Json;

#[cfg(feature = "json")]
impl<T: serde::Serialize> Encoder<T> for Json {
    fn encode(value: &T) -> Result<JsValue, Error> {
        serde_json::to_string(value)
            .map(|text| JsValue::from_str(&text))
            .map_err(|error| Error::Encode(error.to_string()))
    }
}

#[cfg(feature = "json")]
impl<T: serde::de::DeserializeOwned> Decoder<T> for Json {
    fn decode(data: &JsValue) -> Result<T, DecodeError> {
        let Some(text) = data.as_string() else {
            return Err(DecodeError::new(
                data,
                "expected a JSON text frame, got a binary frame",
            ));
        };
        from_json(&text).map_err(|reason| DecodeError {
            raw: Message::Text(text),
            reason,
        })
    }
}

/// Decodes `text` as serde_json does, but to [`MAX_JSON_DEPTH`] levels.
#[cfg(feature = "json")]
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    from_json_seed(text, std::marker::PhantomData::<T>)
}

/// What `seed` reads from `text`, as [`from_json`] reads a value: to [`MAX_JSON_DEPTH`]
/// levels, the whole text checked. The seed is cloned, as a text that nests exactly that deep
/// is read twice.
#[cfg(feature = "json")]
pub(crate) fn from_json_seed<'de, S>(text: &'de str, seed: S) -> Result<S::Value, String>
where
    S: serde::de::DeserializeSeed<'de> + Clone,
{
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let error = match seed.clone().deserialize(&mut deserializer) {
        Ok(value) => match deserializer.end() {
            Ok(()) => return Ok(value),
            Err(error) => error,
        },
        Err(error) => error,
    };
    // Only a failed text is scanned. serde_json's own limit stops recursion one level short
    // of MAX_JSON_DEPTH, so a text that nests exactly that deep is decoded again without it:
    // the scan bounds the recursion.
    if json_nested_deeper_than(text, MAX_JSON_DEPTH) {
        return Err(format!("JSON nested deeper than {MAX_JSON_DEPTH} levels"));
    }
    if !json_nested_deeper_than(text, MAX_JSON_DEPTH - 1) {
        return Err(error.to_string());
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.disable_recursion_limit();
    seed.deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(|error| error.to_string())
}

/// The deepest JSON the [`Json`] decoder reads into a value: deserialization recurses once per
/// level, and on wasm32 a stack overflow is a trap that takes down every socket on the page,
/// so a hostile server must not choose the depth. Deeper nesting in what the type skips
/// (unknown fields) is read without recursion and allowed.
pub const MAX_JSON_DEPTH: usize = 128;

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

#[cfg(all(test, feature = "json"))]
mod tests {
    use serde::Deserialize;
    use serde_json::Value;

    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Node {
        child: Option<Box<Node>>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Record {
        id: u32,
    }

    fn nested_arrays(depth: usize) -> String {
        format!("{}{}", "[".repeat(depth), "]".repeat(depth))
    }

    fn nested_nodes(depth: usize) -> String {
        format!("{}null{}", "{\"child\":".repeat(depth), "}".repeat(depth))
    }

    #[test]
    fn json_decodes_to_exactly_max_depth() {
        for depth in [1, MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH] {
            let value: Value = from_json(&nested_arrays(depth)).expect("within the limit");
            assert_eq!(value.to_string(), nested_arrays(depth));
            from_json::<Node>(&nested_nodes(depth)).expect("within the limit");
        }
        for depth in [MAX_JSON_DEPTH + 1, 1000, 100_000] {
            let error = from_json::<Value>(&nested_arrays(depth)).expect_err("too deep");
            assert!(error.contains("nested deeper than 128"), "{error}");
            let error = from_json::<Node>(&nested_nodes(depth)).expect_err("too deep");
            assert!(error.contains("nested deeper than 128"), "{error}");
        }
    }

    #[test]
    fn deep_nesting_in_skipped_fields_is_read_without_recursion() {
        let text = format!(r#"{{"id": 7, "extra": {}}}"#, nested_arrays(100_000));
        assert_eq!(from_json::<Record>(&text), Ok(Record { id: 7 }));
    }

    #[test]
    fn json_errors_say_what_serde_json_says() {
        for (text, says) in [
            (r#"{"id": "seven"}"#, "invalid type"),
            (r#"{"id": 1"#, "EOF"),
            ("", "EOF"),
        ] {
            let error = from_json::<Record>(text).expect_err(text);
            assert!(error.contains(says), "{text}: {error}");
        }
        // Decoded again past serde_json's own limit: the whole text is still checked.
        let at_the_limit = format!("{} 1", nested_arrays(MAX_JSON_DEPTH));
        let error = from_json::<Value>(&at_the_limit).expect_err("trailing characters");
        assert!(error.contains("trailing characters"), "{error}");
    }
}
