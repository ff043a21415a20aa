//! Reading answers: which request an incoming JSON text answers, and what the answer says.
//!
//! Both read network input, so neither may panic, and neither recurses deeper than the
//! [`Json`](crate::Json) codec does: members they do not need are skipped without recursion.

use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess,
    Visitor,
};
use serde_json::Value;

use crate::codec::{DecodeError, from_json};
use crate::{Error, Message};

/// The id `text` carries in its member `field`, when `text` is a JSON object and that member
/// holds a whole number from 0 to 2^64 - 1 (`7`, `7.0` and `7e0` alike, as JavaScript reads
/// them). Anything else (not JSON, not an object, no such member, an id of another type, a
/// number out of range) is `None`. With the member given twice, the last one counts, as in
/// `JSON.parse`.
pub(crate) fn answer_id(text: &str, field: &str) -> Option<u64> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let id = deserializer.deserialize_map(IdIn { field }).ok()?;
    deserializer.end().ok()?;
    id
}

/// Settles the answer `text` to request `id`: an `error` member other than `null` is
/// [`Error::Remote`]; otherwise the `result` member decoded into `T`; an answer with neither,
/// or a `result` that is not a `T`, is [`Error::Decode`].
pub(crate) fn decode_answer<T: DeserializeOwned>(id: u64, text: String) -> Result<T, Error> {
    let undecodable = |text: String, reason: String| Error::Decode {
        id,
        error: DecodeError {
            raw: Message::Text(text),
            reason,
        },
    };
    let parts = match from_json::<Parts>(&text) {
        Ok(parts) => parts,
        Err(reason) => return Err(undecodable(text, reason)),
    };
    if let Some(error) = parts.error.filter(|error| !error.is_null()) {
        return Err(Error::Remote { id, error });
    }
    match parts.result {
        Some(result) => T::deserialize(result)
            .map_err(|error| undecodable(text, format!("its \"result\" does not fit: {error}"))),
        None => Err(undecodable(
            text,
            "it has neither \"result\" nor \"error\"".to_owned(),
        )),
    }
}

/// Finds the id member of an object.
struct IdIn<'f> {
    field: &'f str,
}

impl<'de> Visitor<'de> for IdIn<'_> {
    type Value = Option<u64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
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
        f.write_str("any JSON value")
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

/// The members of an answer that say how it ends. Present and `null` is `Some(Value::Null)`.
struct Parts {
    error: Option<Value>,
    result: Option<Value>,
}

impl<'de> de::Deserialize<'de> for Parts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Parts, D::Error> {
        deserializer.deserialize_map(PartsVisitor)
    }
}

struct PartsVisitor;

impl<'de> Visitor<'de> for PartsVisitor {
    type Value = Parts;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parts, A::Error> {
        let mut parts = Parts {
            error: None,
            result: None,
        };
        while let Some(member) = map.next_key_seed(KeyIn(&["error", "result"]))? {
            match member {
                Some(0) => parts.error = Some(map.next_value()?),
                Some(_) => parts.result = Some(map.next_value()?),
                None => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        Ok(parts)
    }
}

/// Reads a member name and tells which of `names` it is, without copying it.
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
            assert_eq!(answer_id(text, "id"), id, "{text}");
        }
    }

    #[test]
    fn the_id_member_can_have_any_name() {
        assert_eq!(answer_id(r#"{"id":1,"rid":2}"#, "rid"), Some(2));
        assert_eq!(answer_id(r#"{"a\"b":3}"#, "a\"b"), Some(3));
        assert_eq!(answer_id(r#"{"":4}"#, ""), Some(4));
    }

    #[test]
    fn deep_nesting_is_read_without_recursion() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let text = format!(r#"{{"other":{deep},"id":5}}"#);
        assert_eq!(answer_id(&text, "id"), Some(5));
        assert_eq!(answer_id(&format!(r#"{{"id":{deep}}}"#), "id"), None);
        let unclosed = format!(r#"{{"id":5,"other":{}"#, "[".repeat(100_000));
        assert_eq!(answer_id(&unclosed, "id"), None);
        let error = decode_answer::<u32>(5, format!(r#"{{"id":5,"result":{deep}}}"#))
            .expect_err("too deep");
        assert!(matches!(error, Error::Decode { id: 5, .. }), "{error:?}");
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Sum {
        total: i64,
    }

    fn decode<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
        decode_answer(9, text.to_owned())
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
    }
}
