//! Where each attempt connects: the URL and subprotocols, fixed or asked for before every
//! attempt, and the checks the WebSocket constructor would make, so errors are clear.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use wasm_bindgen::JsValue;

use crate::Error;

/// The URL and subprotocols of one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) url: String,
    pub(crate) protocols: Vec<String>,
}

/// A target that is known now, or one that has to be waited for.
pub(crate) enum Resolution {
    Ready(Result<Target, String>),
    Pending(Pin<Box<dyn Future<Output = Result<Target, String>>>>),
}

/// Asked before every attempt.
pub(crate) type Resolver = Rc<dyn Fn() -> Resolution>;

/// A resolver that always gives the same target.
pub(crate) fn fixed(target: Target) -> Resolver {
    Rc::new(move || Resolution::Ready(Ok(target.clone())))
}

/// Makes `url` absolute, as the WebSocket constructor does (relative URLs resolve against the
/// page's or worker's location), and checks it: scheme ws:, wss:, http: or https:, no
/// fragment.
pub(crate) fn resolve_url(url: &str) -> Result<String, Error> {
    let fail = |reason| {
        Err(Error::InvalidUrl {
            url: url.to_owned(),
            reason,
        })
    };
    let parsed = match location() {
        Some(base) => web_sys::Url::new_with_base(url, &base),
        None => web_sys::Url::new(url),
    };
    let Ok(parsed) = parsed else {
        return fail("not a valid URL");
    };
    if !matches!(
        parsed.protocol().as_str(),
        "ws:" | "wss:" | "http:" | "https:"
    ) {
        return fail("the scheme must be ws:, wss:, http: or https:");
    }
    // Bytes, not `str::contains`: its char search links a panic message that escapes chars.
    if !parsed.hash().is_empty() || url.as_bytes().contains(&b'#') {
        return fail("WebSocket URLs cannot have a fragment (#...)");
    }
    Ok(parsed.href())
}

/// `location.href` of the window or worker, if there is one.
fn location() -> Option<String> {
    let location = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("location")).ok()?;
    js_sys::Reflect::get(&location, &JsValue::from_str("href"))
        .ok()?
        .as_string()
}

/// Subprotocols must be distinct tokens (RFC 6455 section 4.1, RFC 7230 section 3.2.6).
pub(crate) fn check_protocols(protocols: &[String]) -> Result<(), Error> {
    for (index, protocol) in protocols.iter().enumerate() {
        let fail = |reason| {
            Err(Error::InvalidProtocol {
                protocol: protocol.clone(),
                reason,
            })
        };
        // Bytes, not `str::contains`, as above; `c` is ASCII when the cast runs.
        let is_token_char =
            |c: char| c.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&(c as u8));
        if protocol.is_empty() || !protocol.chars().all(is_token_char) {
            return fail(
                "a subprotocol must be a non-empty token of visible ASCII without separators",
            );
        }
        if protocols[..index].contains(protocol) {
            return fail("the same subprotocol is offered twice");
        }
    }
    Ok(())
}

/// `url` without credentials, query or fragment, for logs: tokens often travel there.
pub(crate) fn redact(url: &str) -> String {
    // Cut with `split_once` and `split_at_checked`, never by indexing: indexing a `str` can
    // panic, and that panic's message would bring character escaping into the wasm.
    let (mut visible, hidden) = match url.split_once(['?', '#']) {
        Some((visible, _)) => (visible, true),
        None => (url, false),
    };
    let mut redacted = String::new();
    let scheme_end = visible.as_bytes().windows(3).position(|w| w == b"://");
    if let Some((scheme, rest)) = scheme_end.and_then(|end| visible.split_at_checked(end + 3)) {
        let authority = rest
            .split_once('/')
            .map_or(rest, |(authority, _)| authority);
        let after_credentials = authority
            .rfind('@')
            .and_then(|at| rest.split_at_checked(at + 1));
        if let Some((_, host_and_path)) = after_credentials {
            redacted.push_str(scheme);
            redacted.push_str("[redacted]@");
            visible = host_and_path;
        }
    }
    redacted.push_str(visible);
    if hidden {
        redacted.push_str("?[redacted]");
    }
    redacted
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redact_hides_credentials_queries_and_fragments() {
        assert_eq!(redact("wss://example.com/live"), "wss://example.com/live");
        assert_eq!(
            redact("wss://example.com/live?token=secret&x=1"),
            "wss://example.com/live?[redacted]"
        );
        assert_eq!(
            redact("wss://user:pass@example.com/a?b"),
            "wss://[redacted]@example.com/a?[redacted]"
        );
        assert_eq!(redact("ws://h/#frag"), "ws://h/?[redacted]");
        assert_eq!(redact("not a url ? at all"), "not a url ?[redacted]");
        assert_eq!(redact("ws://a@b"), "ws://[redacted]@b");
    }
}
