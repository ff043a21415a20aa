//! One WebSocket request as the log shows it: a number, the target with secrets redacted, the
//! origin and the client tag.

use std::fmt;

use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::session::Outcome;

#[derive(Debug)]
pub(crate) struct Connection {
    id: u64,
    target: String,
    origin: Option<String>,
    client: Option<String>,
}

impl Connection {
    pub fn new(id: u64, uri: &Uri, headers: &HeaderMap, client: Option<&String>) -> Self {
        let target = match uri.query() {
            Some(query) => format!("{}?{}", uri.path(), redact_token(query)),
            None => uri.path().to_owned(),
        };
        let origin = headers
            .get(header::ORIGIN)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        Self {
            id,
            target,
            origin,
            client: client.filter(|name| !name.is_empty()).cloned(),
        }
    }

    /// The `client=NAME` tag that `/stats` and `/received` list this connection under.
    pub fn client(&self) -> Option<&str> {
        self.client.as_deref()
    }

    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    pub fn log(&self, event: impl fmt::Display) {
        log_line!("#{} {event}", self.id);
    }

    /// Answers the request with `status` and `why` as plain text, instead of upgrading.
    pub fn refuse(&self, status: StatusCode, why: impl fmt::Display) -> Response {
        self.log(format_args!(
            "{self} refused with {}: {why}",
            status.as_u16()
        ));
        (status, format!("{why}\n")).into_response()
    }

    pub fn log_opened(&self, protocol: Option<&HeaderValue>) {
        match protocol.and_then(|value| value.to_str().ok()) {
            Some(protocol) => self.log(format_args!("{self} protocol={protocol} opened")),
            None => self.log(format_args!("{self} opened")),
        }
    }

    pub fn log_closed(&self, messages: u64, outcome: &Outcome) {
        self.log(format_args!("closed after {messages} messages ({outcome})"));
    }
}

impl fmt::Display for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.target)?;
        if let Some(origin) = &self.origin {
            write!(f, " origin={origin}")?;
        }
        Ok(())
    }
}

/// Replaces the value of every `token` parameter, so the log never shows a credential.
fn redact_token(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let is_token = form_urlencoded::parse(pair.as_bytes())
                .next()
                .is_some_and(|(name, _)| name == "token");
            if is_token { "token=REDACTED" } else { pair }
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_values_are_redacted_and_the_rest_kept_verbatim() {
        assert_eq!(
            redact_token("client=a&token=s3cret&reason=going%20away&tok%65n=x"),
            "client=a&token=REDACTED&reason=going%20away&token=REDACTED"
        );
        assert_eq!(redact_token("tokens=1&token"), "tokens=1&token=REDACTED");
    }

    #[test]
    fn log_target_hides_the_token() {
        let uri = Uri::from_static("/echo?token=abc&client=a");
        let mut headers = HeaderMap::new();
        headers.insert(header::ORIGIN, HeaderValue::from_static("http://x"));
        let connection = Connection::new(7, &uri, &headers, Some(&"a".to_owned()));
        assert_eq!(
            connection.to_string(),
            "/echo?token=REDACTED&client=a origin=http://x"
        );
    }
}
