//! Control frames: the handshake and the acknowledgements, as short text frames that both
//! sides build and read here, so that every adapter and both client faces agree on them.
//!
//! A control frame is a text frame that starts with `~`, then its kind, then `key=value`
//! fields separated by single spaces: `~ack n=42`. Values are decimal integers or tokens of
//! `A-Z a-z 0-9 _ -`. Unknown keys are ignored, so a later version may add fields; a missing or
//! repeated field, a bad value or an unknown kind is a [`ProtocolError`].

use std::fmt::Write;

use super::ProtocolError;

/// The first character of every control frame.
pub const CONTROL_TAG: char = '~';

/// The longest control frame read; anything longer is a protocol error, so a hostile peer
/// cannot make a side parse an unbounded text.
pub const MAX_CONTROL_LEN: usize = 512;

/// The longest token (a session id, key or epoch) read.
pub const MAX_TOKEN_LEN: usize = 64;

/// The largest count a frame carries: 2^53 - 1, the largest integer JavaScript holds exactly.
pub const MAX_COUNT: u64 = (1 << 53) - 1;

/// Who a session is, as the server made it: its id, its secret key and the epoch of the store
/// that holds it. The key is a capability: whoever presents it may resume the session.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    /// The session's id: public, for logs and the application's resume hook.
    pub id: String,
    /// The session's secret: needed to resume it. Never logged.
    pub key: String,
    /// The incarnation of the store that holds the session: a store that lost its state
    /// starts a new epoch, so a client can tell a lost session from a live one.
    pub epoch: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("id", &self.id)
            .field("key", &"[redacted]")
            .field("epoch", &self.epoch)
            .finish()
    }
}

/// What a side announces about itself in `hello`, `resume` and `welcome`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Terms {
    /// The bytes of unacknowledged messages this side keeps before its sends wait: the peer
    /// acknowledges before half of it is used.
    pub window: u64,
    /// Whether this side reads batch frames (`b` followed by a JSON array of strings).
    pub batches: bool,
}

/// A control frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Control {
    /// Client to server, the first frame of a new session: `~hello v=1 window=W batch=0|1`.
    Hello {
        /// The protocol version the client speaks.
        version: u32,
        /// The client's terms.
        terms: Terms,
    },
    /// Client to server, the first frame of a connection that resumes a session:
    /// `~resume v=1 id=I key=K epoch=E next=N window=W batch=0|1`. `next` is how many of the
    /// server's messages the client has received: the server sends again from there.
    Resume {
        /// The protocol version the client speaks.
        version: u32,
        /// The session to resume.
        identity: Identity,
        /// The server's messages the client has received.
        next: u64,
        /// The client's terms.
        terms: Terms,
    },
    /// Server to client, the answer to `hello` or `resume`:
    /// `~welcome id=I key=K epoch=E next=N resumed=0|1 window=W batch=0|1`. With `resumed=1`
    /// the session goes on and `next` is how many of the client's messages the server has
    /// received (the client sends again from there); with `resumed=0` this is a new session
    /// (`next=0`), and what the client had not seen acknowledged is not sent again.
    Welcome {
        /// The session, new or resumed.
        identity: Identity,
        /// The client's messages the server has received.
        next: u64,
        /// Whether the session the client asked for goes on.
        resumed: bool,
        /// The server's terms.
        terms: Terms,
    },
    /// Either way: the sender has received `received` of the other side's messages in all,
    /// so the other side may forget them: `~ack n=N`.
    Ack {
        /// The messages received in the whole session.
        received: u64,
    },
    /// Client to server, the heartbeat: `~ping`. The server answers `~pong` at once.
    Ping,
    /// Server to client, the answer to `~ping`.
    Pong,
}

impl Control {
    /// The frame's text. Written without `std::fmt`, whose machinery would be most of what a
    /// client's wasm links for the protocol.
    pub fn encode(&self) -> String {
        let mut text = String::from(CONTROL_TAG);
        let field = |text: &mut String, key: &str, value: &str| {
            text.push(' ');
            text.push_str(key);
            text.push('=');
            text.push_str(value);
        };
        let count = |text: &mut String, key: &str, value: u64| {
            field(text, key, decimal(value).as_str());
        };
        let identity = |text: &mut String, identity: &Identity| {
            field(text, "id", &identity.id);
            field(text, "key", &identity.key);
            field(text, "epoch", &identity.epoch);
        };
        let terms = |text: &mut String, terms: &Terms| {
            count(text, "window", terms.window);
            count(text, "batch", terms.batches.into());
        };
        match self {
            Control::Hello { version, terms: t } => {
                text.push_str("hello");
                count(&mut text, "v", (*version).into());
                terms(&mut text, t);
            }
            Control::Resume {
                version,
                identity: i,
                next,
                terms: t,
            } => {
                text.push_str("resume");
                count(&mut text, "v", (*version).into());
                identity(&mut text, i);
                count(&mut text, "next", *next);
                terms(&mut text, t);
            }
            Control::Welcome {
                identity: i,
                next,
                resumed,
                terms: t,
            } => {
                text.push_str("welcome");
                identity(&mut text, i);
                count(&mut text, "next", *next);
                count(&mut text, "resumed", (*resumed).into());
                terms(&mut text, t);
            }
            Control::Ack { received } => {
                text.push_str("ack");
                count(&mut text, "n", *received);
            }
            Control::Ping => text.push_str("ping"),
            Control::Pong => text.push_str("pong"),
        }
        text
    }

    /// Reads a control frame (the whole text frame, `~` included).
    pub fn parse(text: &str) -> Result<Control, ProtocolError> {
        if text.len() > MAX_CONTROL_LEN {
            return Err(ProtocolError::new("a control frame longer than 512 bytes"));
        }
        let rest = text
            .strip_prefix(CONTROL_TAG)
            .ok_or_else(|| ProtocolError::new("a control frame must start with ~"))?;
        let mut words = rest.split(' ');
        let kind = words.next().unwrap_or_default();
        let fields = Fields::read(words)?;
        let control = match kind {
            "hello" => Control::Hello {
                version: fields.version()?,
                terms: fields.terms()?,
            },
            "resume" => Control::Resume {
                version: fields.version()?,
                identity: fields.identity()?,
                next: fields.count("next")?,
                terms: fields.terms()?,
            },
            "welcome" => Control::Welcome {
                identity: fields.identity()?,
                next: fields.count("next")?,
                resumed: fields.flag("resumed")?,
                terms: fields.terms()?,
            },
            "ack" => Control::Ack {
                received: fields.count("n")?,
            },
            "ping" => Control::Ping,
            "pong" => Control::Pong,
            _ => return Err(ProtocolError::new("an unknown control frame")),
        };
        Ok(control)
    }
}

/// The `key=value` fields of a control frame (or a saved session's header).
pub(super) struct Fields<'t>(Vec<(&'t str, &'t str)>);

impl<'t> Fields<'t> {
    pub(super) fn read(words: impl Iterator<Item = &'t str>) -> Result<Self, ProtocolError> {
        let mut fields: Vec<(&str, &str)> = Vec::new();
        for word in words {
            let (key, value) = word
                .split_once('=')
                .ok_or_else(|| ProtocolError::new("a control field is not key=value"))?;
            if fields.iter().any(|&(seen, _)| seen == key) {
                return Err(ProtocolError::new("a control field is repeated"));
            }
            fields.push((key, value));
        }
        Ok(Fields(fields))
    }

    fn get(&self, key: &'static str) -> Result<&'t str, ProtocolError> {
        (self.0.iter())
            .find(|&&(name, _)| name == key)
            .map(|&(_, value)| value)
            .ok_or_else(|| ProtocolError::missing(key))
    }

    pub(super) fn count(&self, key: &'static str) -> Result<u64, ProtocolError> {
        let value = self.get(key)?;
        let digits =
            !value.is_empty() && value.len() <= 16 && value.bytes().all(|b| b.is_ascii_digit());
        (value.parse::<u64>().ok())
            .filter(|&count| digits && count <= MAX_COUNT)
            .ok_or_else(|| ProtocolError::invalid(key))
    }

    fn flag(&self, key: &'static str) -> Result<bool, ProtocolError> {
        match self.get(key)? {
            "0" => Ok(false),
            "1" => Ok(true),
            _ => Err(ProtocolError::invalid(key)),
        }
    }

    fn token(&self, key: &'static str) -> Result<String, ProtocolError> {
        let value = self.get(key)?;
        let valid = (1..=MAX_TOKEN_LEN).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid {
            return Err(ProtocolError::invalid(key));
        }
        Ok(value.to_owned())
    }

    fn version(&self) -> Result<u32, ProtocolError> {
        let version = self.count("v")?;
        u32::try_from(version).map_err(|_| ProtocolError::invalid("v"))
    }

    pub(super) fn identity(&self) -> Result<Identity, ProtocolError> {
        Ok(Identity {
            id: self.token("id")?,
            key: self.token("key")?,
            epoch: self.token("epoch")?,
        })
    }

    fn terms(&self) -> Result<Terms, ProtocolError> {
        Ok(Terms {
            window: self.count("window")?,
            batches: self.flag("batch")?,
        })
    }
}

/// `value` in decimal digits.
pub(super) fn decimal(mut value: u64) -> String {
    let mut digits = Vec::with_capacity(20);
    loop {
        digits.push(b'0' + (value % 10) as u8);
        value /= 10;
        if value == 0 {
            break;
        }
    }
    digits
        .iter()
        .rev()
        .map(|&digit| char::from(digit))
        .collect()
}

/// A token of `bytes` random bytes, for a session id, key or epoch: lowercase hex. The
/// randomness is the caller's: a server adapter draws it from a CSPRNG (at least 16 bytes).
pub fn token(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// Whether two secrets are equal, in a time that depends on their lengths only, so that a
/// peer guessing a key learns nothing from how long a refusal takes.
pub fn same_secret(a: &str, b: &str) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = (a.bytes().zip(b.bytes())).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    difference == 0
}
