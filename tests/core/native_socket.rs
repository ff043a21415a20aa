//! Natively (not on wasm32), `Socket::open` fails with `Error::NotInBrowser` instead of
//! panicking on the first browser call, and the error says what to do instead.

use resocket::{Config, Error, Socket, Text};

#[test]
fn open_outside_a_browser_is_a_clear_error() {
    let opened = Socket::<String, String, Text>::open(Config::new("wss://example.com/live"));
    let error = opened.expect_err("no socket outside a browser");
    assert_eq!(error, Error::NotInBrowser);
    assert!(
        error.to_string().contains("resocket::core::Machine"),
        "{error}"
    );
}
