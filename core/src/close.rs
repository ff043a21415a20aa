//! Close codes: their names, which ones end the connection for good, and which ones a user
//! may send.

/// Normal closure.
pub const NORMAL: u16 = 1000;
/// No close frame was received: the connection was lost (never sent on the wire).
pub const ABNORMAL: u16 = 1006;
/// The server is overloaded and asks clients to come back later.
pub const TRY_AGAIN_LATER: u16 = 1013;
/// Sent by resocket when the heartbeat found the connection dead.
pub const HEARTBEAT_TIMEOUT: u16 = 4000;
/// Reported when the page went into the back/forward cache and took the connection down.
/// Browsers let scripts send only 1000 and 3000 to 4999, so the wire carries 1000.
pub const GOING_AWAY: u16 = 1001;
/// In session mode, sent in place of 1000 on a connection the client leaves meaning to resume
/// the session on a new one (the page going into the back/forward cache, `reconnect()`, no
/// welcome in time): a client's 1000 ends the session on the server (`PROTOCOL.md`).
pub const WILL_RESUME: u16 = 4001;

/// Server close codes that stop reconnecting by default: protocol error (1002), unsupported
/// data (1003), invalid payload (1007), policy violation (1008), message too big (1009) and
/// missing extension (1010). Retrying would only get the same answer.
pub const DEFAULT_FINAL_CODES: [u16; 6] = [1002, 1003, 1007, 1008, 1009, 1010];

/// The longest close reason the WebSocket protocol allows, in UTF-8 bytes.
pub const MAX_REASON_BYTES: usize = 123;

/// The registered name of a close code, or a description of its range.
pub fn name(code: u16) -> &'static str {
    match code {
        1000 => "normal closure",
        1001 => "going away",
        1002 => "protocol error",
        1003 => "unsupported data",
        1005 => "no status received",
        1006 => "abnormal closure",
        1007 => "invalid frame payload data",
        1008 => "policy violation",
        1009 => "message too big",
        1010 => "mandatory extension",
        1011 => "internal server error",
        1012 => "service restart",
        1013 => "try again later",
        1014 => "bad gateway",
        1015 => "TLS handshake failure",
        3000..=3999 => "registered by a library or framework",
        4000..=4999 => "private use",
        _ => "unassigned",
    }
}

/// Why a close code or reason given by the user cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CloseCodeError {
    /// Browsers only let a page send 1000 or a code from 3000 to 4999.
    Code(u16),
    /// The reason is longer than [`MAX_REASON_BYTES`] bytes of UTF-8.
    ReasonTooLong(usize),
}

impl core::fmt::Display for CloseCodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CloseCodeError::Code(code) => write!(
                f,
                "close code {code} cannot be sent by a client; use 1000 or a code from 3000 to 4999"
            ),
            CloseCodeError::ReasonTooLong(len) => write!(
                f,
                "close reason is {len} bytes of UTF-8; the protocol allows at most {MAX_REASON_BYTES}"
            ),
        }
    }
}

impl std::error::Error for CloseCodeError {}

/// Checks a close code and reason the user wants to send, as the browser would, so that the
/// user gets an error instead of an exception thrown later inside the driver.
pub fn check_user_close(code: u16, reason: &str) -> Result<(), CloseCodeError> {
    if code != NORMAL && !(3000..=4999).contains(&code) {
        return Err(CloseCodeError::Code(code));
    }
    if reason.len() > MAX_REASON_BYTES {
        return Err(CloseCodeError::ReasonTooLong(reason.len()));
    }
    Ok(())
}
