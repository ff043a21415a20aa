//! Reading answers: which request an incoming answer answers, and what the answer says. An
//! answer is read in the format it came in: a text as JSON, a binary frame as MessagePack
//! (with the `msgpack` feature), each with its codec's bounds, so a request gets the same
//! answer from either.
//!
//! Both read network input, so neither may panic, and neither recurses deeper than the codecs
//! do: members they do not need are skipped (without recursion in JSON).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess,
    Visitor,
};
use serde_json::Value;

use crate::codec::{DecodeError, from_json_seed};
use crate::{Error, Message};

/// The id `answer` carries in its member `field`, when `answer` is an object (a JSON object,
/// a MessagePack map) and that member holds a whole number from 0 to 2^64 - 1 (`7`, `7.0` and
/// `7e0` alike, as JavaScript reads them). Anything else (not JSON or MessagePack, not an
/// object, no such member, an id of another type, a number out of range) is `None`. With the
/// member given twice, the last one counts, as in `JSON.parse`.
pub(crate) fn answer_id(answer: &Message, field: &str) -> Option<u64> {
    read(answer, IdIn { field }).ok().flatten()
}

/// Settles `answer` to request `id`: an `error` member other than `null` is
/// [`Error::Remote`]; otherwise the `result` member decoded into `T` (the last one, given
/// twice); an answer with neither, or a `result` that is not a `T`, is [`Error::Decode`]
/// carrying the whole answer.
pub(crate) fn decode_answer<T: DeserializeOwned>(id: u64, answer: Message) -> Result<T, Error> {
    let undecodable = |answer: Message, reason: String| Error::Decode {
        id,
        error: DecodeError {
            raw: answer,
            reason,
        },
    };
    // Two readings: the first finds how the answer ends; the second decodes the result straight
    // into `T`, so what a JSON value cannot hold (MessagePack's bytes) still reaches `T`.
    let parts = match read(&answer, PartsIn) {
        Ok(parts) => parts,
        Err(reason) => return Err(undecodable(answer, reason)),
    };
    if let Some(error) = parts.error.filter(|error| !error.is_null()) {
        return Err(Error::Remote { id, error });
    }
    let Some(last) = parts.results.checked_sub(1) else {
        return Err(undecodable(
            answer,
            "it has neither \"result\" nor \"error\"".to_owned(),
        ));
    };
    let result = ResultIn {
        skip: last,
        result: PhantomData,
    };
    match read(&answer, result) {
        Ok(Some(result)) => Ok(result),
        Ok(None) => Err(undecodable(answer, "its \"result\" is gone".to_owned())),
        Err(error) => Err(undecodable(
            answer,
            format!("its \"result\" does not fit: {error}"),
        )),
    }
}

/// What `seed` reads from `answer`, in the format it came in.
fn read<'de, S>(answer: &'de Message, seed: S) -> Result<S::Value, String>
where
    S: DeserializeSeed<'de> + Clone,
{
    match answer {
        Message::Text(text) => from_json_seed(text, seed),
        #[cfg(feature = "msgpack")]
        Message::Bytes(bytes) => crate::codec::from_msgpack_seed(bytes, seed),
        #[cfg(not(feature = "msgpack"))]
        Message::Bytes(_) => {
            Err("a binary answer is MessagePack, which needs the msgpack feature".to_owned())
        }
    }
}

/// Finds the id member of an object.
#[derive(Clone, Copy)]
struct IdIn<'f> {
    field: &'f str,
}

impl<'de> DeserializeSeed<'de> for IdIn<'_> {
    type Value = Option<u64>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<u64>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for IdIn<'_> {
    type Value = Option<u64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<u64>, A::Error> {
        let mut id = None;
        while let Some(member) = map.next_key_seed(KeyIn(&[self.field]))? {
            match member {
                Some(_) => id = map.next_value::<Id>()?.0,
                None => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        Ok(id)
    }
}

/// An id member's value: a whole number, or anything else (`None`), read to its end.
struct Id(Option<u64>);

impl<'de> de::Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Id, D::Error> {
        deserializer.deserialize_any(IdVisitor)
    }
}

struct IdVisitor;

/// 2^64, the first whole number a `u64` cannot hold.
const U64_END: f64 = 18_446_744_073_709_551_616.0;

impl<'de> Visitor<'de> for IdVisitor {
    type Value = Id;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_u64<E>(self, id: u64) -> Result<Id, E> {
        Ok(Id(Some(id)))
    }

    fn visit_i64<E>(self, id: i64) -> Result<Id, E> {
        Ok(Id(u64::try_from(id).ok()))
    }

    fn visit_f64<E>(self, id: f64) -> Result<Id, E> {
        let whole = (0.0..U64_END).contains(&id) && id.fract() == 0.0;
        Ok(Id(whole.then_some(id as u64)))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Id, E> {
        Ok(Id(None))
    }

    fn visit_str<E>(self, _: &str) -> Result<Id, E> {
        Ok(Id(None))
    }

    fn visit_bytes<E>(self, _: &[u8]) -> Result<Id, E> {
        Ok(Id(None))
    }

    fn visit_unit<E>(self) -> Result<Id, E> {
        Ok(Id(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Id, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| Id(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Id, A::Error> {
        IgnoredAny.visit_map(map).map(|_| Id(None))
    }
}

/// How an answer ends: its `error` member (present and `null` is `Some(Value::Null)`), and how
/// many `result` members it has.
struct Parts {
    error: Option<Value>,
    results: usize,
}

/// Reads an answer's [`Parts`], skipping the results.
#[derive(Clone, Copy)]
struct PartsIn;

impl<'de> DeserializeSeed<'de> for PartsIn {
    type Value = Parts;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Parts, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PartsIn {
    type Value = Parts;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parts, A::Error> {
        let mut parts = Parts {
            error: None,
            results: 0,
        };
        while let Some(member) = map.next_key_seed(KeyIn(&["error", "result"]))? {
            match member {
                Some(0) => parts.error = Some(map.next_value()?),
                Some(_) => {
                    map.next_value::<IgnoredAny>()?;
                    parts.results += 1;
                }
                None => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        Ok(parts)
    }
}

/// Decodes an answer's `result` member into `T`, after skipping `skip` of them.
struct ResultIn<T> {
    skip: usize,
    result: PhantomData<fn() -> T>,
}

impl<T> Clone for ResultIn<T> {
    fn clone(&self) -> Self {
        ResultIn {
            skip: self.skip,
            result: PhantomData,
        }
    }
}

impl<'de, T: de::Deserialize<'de>> DeserializeSeed<'de> for ResultIn<T> {
    type Value = Option<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: de::Deserialize<'de>> Visitor<'de> for ResultIn<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Option<T>, A::Error> {
        let mut result = None;
        while let Some(member) = map.next_key_seed(KeyIn(&["result"]))? {
            match member {
                Some(_) if self.skip == 0 => result = Some(map.next_value()?),
                Some(_) => {
                    map.next_value::<IgnoredAny>()?;
                    self.skip -= 1;
                }
                None => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        Ok(result)
    }
}

/// Reads a member name and tells which of `names` it is, without copying it. A MessagePack key
/// that is not a string fails the reading: such a map is no answer.
struct KeyIn<'n>(&'n [&'n str]);

impl<'de> DeserializeSeed<'de> for KeyIn<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<usize>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIn<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E>(self, name: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|wanted| *wanted == name))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[test]
    fn ids_are_whole_numbers_in_the_named_member() {
        for (text, id) in [
            (r#"{"id":7,"result":1}"#, Some(7)),
            (r#"{"result":1,"id":7}"#, Some(7)),
            (r#" { "id" : 7.0 } "#, Some(7)),
            (r#"{"id":7e0}"#, Some(7)),
            (r#"{"\u0069d":7}"#, Some(7)),
            (r#"{"id":0}"#, Some(0)),
            (r#"{"id":18446744073709551615}"#, Some(u64::MAX)),
            (r#"{"id":1,"id":2}"#, Some(2)),
            (r#"{"id":1,"id":"2"}"#, None),
            (r#"{"id":"7"}"#, None),
            (r#"{"id":-7}"#, None),
            (r#"{"id":7.5}"#, None),
            (r#"{"id":18446744073709551616}"#, None),
            (r#"{"id":1e300}"#, None),
            (r#"{"id":1e400}"#, None),
            (r#"{"id":null}"#, None),
            (r#"{"id":true}"#, None),
            (r#"{"id":[7]}"#, None),
            (r#"{"id":{"id":7}}"#, None),
            (r#"{"ID":7}"#, None),
            (r#"{"nested":{"id":7}}"#, None),
            (r#"[{"id":7}]"#, None),
            ("7", None),
            (r#""id""#, None),
            (r#"{"id":7"#, None),
            (r#"{"id":7} trailing"#, None),
            ("", None),
            ("not JSON", None),
        ] {
            assert_eq!(text_id(text, "id"), id, "{text}");
        }
    }

    #[test]
    fn the_id_member_can_have_any_name() {
        assert_eq!(text_id(r#"{"id":1,"rid":2}"#, "rid"), Some(2));
        assert_eq!(text_id(r#"{"a\"b":3}"#, "a\"b"), Some(3));
        assert_eq!(text_id(r#"{"":4}"#, ""), Some(4));
    }

    #[test]
    fn deep_nesting_is_read_without_recursion() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let text = format!(r#"{{"other":{deep},"id":5}}"#);
        assert_eq!(text_id(&text, "id"), Some(5));
        assert_eq!(text_id(&format!(r#"{{"id":{deep}}}"#), "id"), None);
        let unclosed = format!(r#"{{"id":5,"other":{}"#, "[".repeat(100_000));
        assert_eq!(text_id(&unclosed, "id"), None);
        let answer = Message::Text(format!(r#"{{"id":5,"result":{deep}}}"#));
        let error = decode_answer::<u32>(5, answer).expect_err("too deep");
        assert!(matches!(error, Error::Decode { id: 5, .. }), "{error:?}");
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Sum {
        total: i64,
    }

    fn text_id(text: &str, field: &str) -> Option<u64> {
        answer_id(&Message::Text(text.to_owned()), field)
    }

    fn decode<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
        decode_answer(9, Message::Text(text.to_owned()))
    }

    fn decode_reason<T: DeserializeOwned + fmt::Debug>(text: &str) -> String {
        match decode::<T>(text) {
            Err(Error::Decode { id: 9, error }) => {
                assert_eq!(error.raw, Message::Text(text.to_owned()));
                error.reason
            }
            other => panic!("{text}: expected a decode error, got {other:?}"),
        }
    }

    #[test]
    fn a_result_decodes_into_the_response_type() {
        assert_eq!(decode::<u32>(r#"{"id":9,"result":5}"#), Ok(5));
        assert_eq!(
            decode::<Sum>(r#"{"id":9,"result":{"total":-2,"extra":[1]}}"#),
            Ok(Sum { total: -2 })
        );
        assert_eq!(decode::<()>(r#"{"id":9,"result":null}"#), Ok(()));
        assert_eq!(
            decode::<Option<u8>>(r#"{"result":null,"error":null}"#),
            Ok(None)
        );
        assert_eq!(
            decode::<Value>(r#"{"result":{"a":[true]}}"#),
            Ok(serde_json::json!({"a": [true]}))
        );
    }

    #[test]
    fn an_error_member_is_a_remote_error() {
        let text = r#"{"id":9,"error":{"code":1,"message":"failed as asked"},"result":5}"#;
        let error = decode::<u32>(text).expect_err("remote");
        assert_eq!(
            error,
            Error::Remote {
                id: 9,
                error: serde_json::json!({"code": 1, "message": "failed as asked"})
            }
        );
        assert_eq!(
            error.to_string(),
            "the server answered request 9 with an error: failed as asked"
        );
        let error = decode::<u32>(r#"{"error":"nope"}"#).expect_err("remote");
        assert_eq!(
            error.to_string(),
            "the server answered request 9 with an error: \"nope\""
        );
    }

    #[test]
    fn other_answers_are_decode_errors() {
        assert!(decode_reason::<u32>(r#"{"id":9}"#).contains("neither"));
        assert!(decode_reason::<u32>(r#"{"id":9,"error":null}"#).contains("neither"));
        let reason = decode_reason::<u32>(r#"{"id":9,"result":"five"}"#);
        assert!(reason.contains("invalid type"), "{reason}");
        let reason = decode_reason::<Sum>(r#"{"id":9,"result":{}}"#);
        assert!(reason.contains("missing field `total`"), "{reason}");
        assert!(decode_reason::<u8>(r#"{"result":300}"#).contains("invalid value"));
        assert!(decode_reason::<u32>("[1]").contains("invalid type"));
        // Given twice, the last result counts, as in `JSON.parse`.
        assert_eq!(decode::<u32>(r#"{"result":"five","result":5}"#), Ok(5));
        assert!(decode_reason::<u32>(r#"{"result":5,"result":"five"}"#).contains("invalid type"));
    }

    #[cfg(feature = "msgpack")]
    mod msgpack {
        //! Answers in MessagePack: the same ids and outcomes as the same answers in JSON.

        use serde::de::{Deserializer, Visitor};
        use serde_json::json;

        use super::*;

        /// An outcome without what differs between formats (the decode error's wording).
        fn kind(outcome: Result<Option<Sum>, Error>) -> String {
            match outcome {
                Ok(sum) => format!("{sum:?}"),
                Err(Error::Decode { id, .. }) => format!("undecodable {id}"),
                Err(other) => format!("{other:?}"),
            }
        }

        fn packed(value: &Value) -> Message {
            Message::Bytes(rmp_serde::to_vec_named(value).expect("a JSON value packs"))
        }

        #[test]
        fn ids_are_read_as_from_json() {
            for text in [
                r#"{"id":7,"result":1}"#,
                r#"{"result":1,"id":7}"#,
                r#"{"id":7.0}"#,
                r#"{"id":0}"#,
                r#"{"id":18446744073709551615}"#,
                r#"{"id":"7"}"#,
                r#"{"id":-7}"#,
                r#"{"id":7.5}"#,
                r#"{"id":1e300}"#,
                r#"{"id":null}"#,
                r#"{"id":[7]}"#,
                r#"{"id":{"id":7}}"#,
                r#"{"ID":7}"#,
                r#"{"nested":{"id":7}}"#,
                r#"[{"id":7}]"#,
                "7",
            ] {
                let value: Value = serde_json::from_str(text).expect("JSON");
                assert_eq!(
                    answer_id(&packed(&value), "id"),
                    text_id(text, "id"),
                    "{text}"
                );
            }
            assert_eq!(answer_id(&packed(&json!({"rid": 3})), "rid"), Some(3));
        }

        #[test]
        fn what_json_cannot_say_is_no_id() {
            // {"id": 7} with 7 as a 32-bit float, and as a negative fixint of another width.
            assert_eq!(
                answer_id(
                    &Message::Bytes(b"\x81\xa2id\xca\x40\xe0\x00\x00".to_vec()),
                    "id"
                ),
                Some(7)
            );
            assert_eq!(
                answer_id(&Message::Bytes(b"\x81\xa2id\xd0\x07".to_vec()), "id"),
                Some(7)
            );
            for (bytes, why) in [
                (&b"\x82\xa2id\x01\xa2id\x02"[..], "twice: the last counts"),
                (b"\x81\xa2id\xc4\x01\x07", "bin: not a number"),
                (b"\x82\x01\x02\xa2id\x07", "a key that is not a string"),
                (b"\x81\xa2id\x07\x00", "a byte after the value"),
                (b"\x81\xa2id", "cut short"),
                (b"\xc1", "never used"),
                (b"", "empty"),
            ] {
                let expected = (why == "twice: the last counts").then_some(2);
                assert_eq!(
                    answer_id(&Message::Bytes(bytes.to_vec()), "id"),
                    expected,
                    "{why}"
                );
            }
        }

        #[test]
        fn nesting_is_bounded_without_overflowing_the_stack() {
            let mut deep = b"\x82\xa2id\x05\xa5other".to_vec();
            deep.extend(std::iter::repeat_n(0x91, 100_000));
            deep.push(0x90);
            assert_eq!(answer_id(&Message::Bytes(deep.clone()), "id"), None);
            let error = decode_answer::<u32>(5, Message::Bytes(deep)).expect_err("too deep");
            match error {
                Error::Decode { id: 5, error } => {
                    assert!(
                        error.reason.contains("nested deeper than 128"),
                        "{}",
                        error.reason
                    )
                }
                other => panic!("expected a decode error, got {other:?}"),
            }
        }

        #[test]
        fn outcomes_are_json_s() {
            let answers = [
                json!({"id": 9, "result": 5}),
                json!({"id": 9, "result": {"total": -2, "extra": [1]}}),
                json!({"id": 9, "result": "five"}),
                json!({"id": 9, "result": null, "error": null}),
                json!({"id": 9, "error": {"code": 1, "message": "failed as asked"}, "result": 5}),
                json!({"id": 9}),
                json!([1]),
            ];
            for answer in answers {
                let text = answer.to_string();
                let from_bytes = decode_answer::<Option<Sum>>(9, packed(&answer));
                assert_eq!(kind(from_bytes), kind(decode(&text)), "{text}");
            }
            let remote = decode_answer::<u32>(9, packed(&json!({"error": {"message": "no"}})));
            assert_eq!(
                remote,
                Err(Error::Remote {
                    id: 9,
                    error: json!({"message": "no"})
                })
            );
            let undecodable = packed(&json!({"id": 9}));
            match decode_answer::<u32>(9, undecodable.clone()) {
                Err(Error::Decode { id: 9, error }) => assert_eq!(error.raw, undecodable),
                other => panic!("expected a decode error, got {other:?}"),
            }
        }

        /// Bytes, read only from MessagePack's binary type.
        #[derive(Debug, PartialEq)]
        struct Blob(Vec<u8>);

        impl<'de> de::Deserialize<'de> for Blob {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Blob, D::Error> {
                struct BlobVisitor;
                impl<'de> Visitor<'de> for BlobVisitor {
                    type Value = Blob;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("bytes")
                    }
                    fn visit_bytes<E>(self, bytes: &[u8]) -> Result<Blob, E> {
                        Ok(Blob(bytes.to_vec()))
                    }
                }
                deserializer.deserialize_bytes(BlobVisitor)
            }
        }

        #[test]
        fn a_result_in_bytes_reaches_the_response_type() {
            // {"id": 9, "result": bin [1, 2, 255]}: no JSON value holds it on the way.
            let answer = Message::Bytes(b"\x82\xa2id\x09\xa6result\xc4\x03\x01\x02\xff".to_vec());
            assert_eq!(answer_id(&answer, "id"), Some(9));
            assert_eq!(decode_answer::<Blob>(9, answer), Ok(Blob(vec![1, 2, 255])));
        }
    }
}
