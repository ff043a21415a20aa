//! The `/echo` query parameters that make the server misbehave, checked before the upgrade so
//! a typo answers 400 instead of a silently healthy echo.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use axum::http::StatusCode;

/// Longest `delay_ms` accepted; a longer one is more likely a typo than a test.
const MAX_DELAY_MS: u64 = 60_000;
/// A close frame's payload is at most 125 bytes, two of them the code.
const MAX_REASON_BYTES: usize = 123;
/// The answer to every message under `garbage=1`: JSON that never closes.
const GARBAGE: &str = r#"{"garbage": ["never closed", "#;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Faults {
    pub handshake: Handshake,
    pub replies: Replies,
    /// Added to every reply; replies keep their order.
    pub delay: Duration,
    pub ending: Option<Ending>,
}

/// How the upgrade request is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handshake {
    Accept,
    /// `reject=S`: answer with status S instead of upgrading.
    Reject(StatusCode),
    /// `hang=1`: never answer.
    Hang,
}

/// What a data message is answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replies {
    Echo,
    /// `garbage=1`: invalid JSON text.
    Garbage,
    /// `silent=1`: nothing at all, not even `pong`.
    Silent,
}

/// How the server ends the connection after the `after`-th data message (0: right away).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ending {
    /// `drop_after=N`: close TCP without a close frame.
    Drop { after: u64 },
    /// `close_after=N&code=C&reason=R`: a close handshake.
    Close { after: u64, frame: CloseFrame },
}

impl Ending {
    pub fn after(&self) -> u64 {
        match self {
            Self::Drop { after } | Self::Close { after, .. } => *after,
        }
    }
}

/// A fault parameter the server cannot honour; its `Display` is the 400 response's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BadQuery {
    NotACount {
        name: &'static str,
        value: String,
    },
    NotAFlag {
        name: &'static str,
        value: String,
    },
    DelayTooLong {
        value: u64,
    },
    RejectStatus {
        value: String,
    },
    CloseCode {
        value: String,
    },
    ReasonTooLong {
        bytes: usize,
    },
    CloseDetailsWithoutCloseAfter,
    Conflict {
        first: &'static str,
        second: &'static str,
    },
}

impl fmt::Display for BadQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotACount { name, value } => {
                write!(
                    f,
                    "{name} must be a whole number of 0 or more, not {value:?}"
                )
            }
            Self::NotAFlag { name, value } => {
                write!(f, "{name} must be 1 or 0 (true or false), not {value:?}")
            }
            Self::DelayTooLong { value } => {
                write!(f, "delay_ms may be at most {MAX_DELAY_MS}, not {value}")
            }
            Self::RejectStatus { value } => {
                write!(
                    f,
                    "reject must be an HTTP error status from 400 to 599, not {value:?}"
                )
            }
            Self::CloseCode { value } => write!(
                f,
                "code must be a close code allowed on the wire (1000-1003, 1007-1014 or \
                 3000-4999), not {value:?}"
            ),
            Self::ReasonTooLong { bytes } => write!(
                f,
                "reason may be at most {MAX_REASON_BYTES} bytes of UTF-8, not {bytes}"
            ),
            Self::CloseDetailsWithoutCloseAfter => {
                write!(f, "code and reason only apply together with close_after")
            }
            Self::Conflict { first, second } => {
                write!(f, "{first} and {second} cannot be combined: pick one")
            }
        }
    }
}

impl Faults {
    /// Reads the fault parameters; any other parameter (`client`, `token`, ...) is ignored.
    pub fn from_query(query: &HashMap<String, String>) -> Result<Self, BadQuery> {
        let count = |name| {
            query
                .get(name)
                .map(|value| parse_count(name, value))
                .transpose()
        };
        let flag = |name| {
            query
                .get(name)
                .map_or(Ok(false), |value| parse_flag(name, value))
        };

        let drop_after = count("drop_after")?;
        let close_after = count("close_after")?;
        let delay_ms = count("delay_ms")?.unwrap_or(0);
        let silent = flag("silent")?;
        let garbage = flag("garbage")?;
        let hang = flag("hang")?;
        let reject = query
            .get("reject")
            .map(|value| parse_reject(value))
            .transpose()?;

        if delay_ms > MAX_DELAY_MS {
            return Err(BadQuery::DelayTooLong { value: delay_ms });
        }
        let conflicts = [
            (
                "drop_after",
                drop_after.is_some(),
                "close_after",
                close_after.is_some(),
            ),
            ("reject", reject.is_some(), "hang", hang),
            ("silent", silent, "garbage", garbage),
            ("silent", silent, "delay_ms", delay_ms > 0),
        ];
        if let Some(&(first, _, second, _)) = conflicts.iter().find(|(_, a, _, b)| *a && *b) {
            return Err(BadQuery::Conflict { first, second });
        }

        let ending = match (drop_after, close_after) {
            (Some(after), _) => Some(Ending::Drop { after }),
            (None, Some(after)) => Some(Ending::Close {
                after,
                frame: close_frame(query.get("code"), query.get("reason"))?,
            }),
            (None, None) => None,
        };
        if close_after.is_none() && (query.contains_key("code") || query.contains_key("reason")) {
            return Err(BadQuery::CloseDetailsWithoutCloseAfter);
        }

        Ok(Self {
            handshake: match (reject, hang) {
                (Some(status), _) => Handshake::Reject(status),
                (None, true) => Handshake::Hang,
                (None, false) => Handshake::Accept,
            },
            replies: match (silent, garbage) {
                (true, _) => Replies::Silent,
                (false, true) => Replies::Garbage,
                (false, false) => Replies::Echo,
            },
            delay: Duration::from_millis(delay_ms),
            ending,
        })
    }

    /// The reply to a text or binary message, if any: the text `ping` gets `pong`.
    pub fn answer(&self, message: &Message) -> Option<Message> {
        match self.replies {
            Replies::Silent => None,
            _ if is_heartbeat(message) => Some(Message::text("pong")),
            Replies::Garbage => Some(Message::text(GARBAGE)),
            Replies::Echo => Some(message.clone()),
        }
    }
}

/// The text message `ping`, which every endpoint answers with `pong`.
pub(crate) fn is_heartbeat(message: &Message) -> bool {
    matches!(message, Message::Text(text) if text.as_str() == "ping")
}

fn parse_count(name: &'static str, value: &str) -> Result<u64, BadQuery> {
    value.parse().map_err(|_| BadQuery::NotACount {
        name,
        value: value.to_owned(),
    })
}

fn parse_flag(name: &'static str, value: &str) -> Result<bool, BadQuery> {
    match value {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err(BadQuery::NotAFlag {
            name,
            value: value.to_owned(),
        }),
    }
}

fn parse_reject(value: &str) -> Result<StatusCode, BadQuery> {
    value
        .parse::<u16>()
        .ok()
        .filter(|status| (400..=599).contains(status))
        .and_then(|status| StatusCode::from_u16(status).ok())
        .ok_or_else(|| BadQuery::RejectStatus {
            value: value.to_owned(),
        })
}

/// The close frame for `code` (default 1000) and `reason`, as `close_after` and `/control`
/// take them.
pub(crate) fn close_frame(
    code: Option<&String>,
    reason: Option<&String>,
) -> Result<CloseFrame, BadQuery> {
    let code = match code {
        None => 1000,
        Some(value) => value
            .parse::<u16>()
            .ok()
            .filter(|&code| is_sendable_close_code(code))
            .ok_or_else(|| BadQuery::CloseCode {
                value: value.clone(),
            })?,
    };
    let reason = reason.cloned().unwrap_or_default();
    if reason.len() > MAX_REASON_BYTES {
        return Err(BadQuery::ReasonTooLong {
            bytes: reason.len(),
        });
    }
    Ok(CloseFrame {
        code,
        reason: Utf8Bytes::from(reason),
    })
}

/// Codes an endpoint may put in a close frame (RFC 6455 section 7.4 and the IANA registry):
/// 1004 is reserved, 1005, 1006 and 1015 only ever describe a close locally.
fn is_sendable_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<Faults, BadQuery> {
        let pairs = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        Faults::from_query(&pairs)
    }

    #[test]
    fn no_parameters_mean_a_plain_echo() {
        let faults = parse("client=a&token=x");
        assert_eq!(
            faults,
            Ok(Faults {
                handshake: Handshake::Accept,
                replies: Replies::Echo,
                delay: Duration::ZERO,
                ending: None,
            })
        );
    }

    #[test]
    fn close_after_takes_code_and_reason() {
        let faults = parse("close_after=2&code=4001&reason=bye%20now");
        let expected = Ending::Close {
            after: 2,
            frame: CloseFrame {
                code: 4001,
                reason: Utf8Bytes::from("bye now"),
            },
        };
        assert_eq!(faults.map(|f| f.ending), Ok(Some(expected)));
    }

    #[test]
    fn close_codes_the_protocol_forbids_are_refused() {
        for code in [
            "999", "1004", "1005", "1006", "1015", "1016", "2999", "5000", "x",
        ] {
            let query = format!("close_after=0&code={code}");
            assert!(
                matches!(parse(&query), Err(BadQuery::CloseCode { .. })),
                "{code}"
            );
        }
        for code in ["1000", "1003", "1007", "1014", "3000", "4999"] {
            assert!(
                parse(&format!("close_after=0&code={code}")).is_ok(),
                "{code}"
            );
        }
    }

    #[test]
    fn contradictions_and_bad_values_are_refused() {
        assert!(matches!(
            parse("drop_after=1&close_after=1"),
            Err(BadQuery::Conflict { .. })
        ));
        assert!(matches!(
            parse("silent=1&delay_ms=5"),
            Err(BadQuery::Conflict { .. })
        ));
        assert!(matches!(
            parse("code=1000"),
            Err(BadQuery::CloseDetailsWithoutCloseAfter)
        ));
        assert!(matches!(
            parse("drop_after=-1"),
            Err(BadQuery::NotACount { .. })
        ));
        assert!(matches!(
            parse("silent=yes"),
            Err(BadQuery::NotAFlag { .. })
        ));
        assert!(matches!(
            parse("reject=302"),
            Err(BadQuery::RejectStatus { .. })
        ));
        assert!(matches!(
            parse("delay_ms=60001"),
            Err(BadQuery::DelayTooLong { .. })
        ));
        let long = "r".repeat(MAX_REASON_BYTES + 1);
        assert!(matches!(
            parse(&format!("close_after=1&reason={long}")),
            Err(BadQuery::ReasonTooLong { .. })
        ));
    }

    #[test]
    fn ping_gets_pong_unless_silent() {
        let ping = Message::text("ping");
        let garbage = parse("garbage=1").map(|f| f.answer(&ping));
        assert_eq!(garbage, Ok(Some(Message::text("pong"))));
        assert_eq!(parse("silent=1").map(|f| f.answer(&ping)), Ok(None));
    }
}
