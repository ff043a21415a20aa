#![cfg(target_arch = "wasm32")]
//! Network and page awareness in headless Chromium, with real events dispatched on the global
//! scope and `document`, against the real test server:
//! - `offline`: an open connection is kept; once it drops, no attempt reaches the server
//!   however long the outage; `online` connects at once;
//! - `navigator.onLine` false at start: the socket waits offline, without an attempt;
//! - back/forward cache: `pagehide` with `persisted` closes the connection (reported as 1001,
//!   "going away") and nothing retries until `pageshow` with `persisted` reconnects; either
//!   event without `persisted` changes nothing;
//! - `visibilitychange` to visible pings an open connection at once (the server receives the
//!   ping, the round trip is measured).

mod browser_support;

use std::time::Duration;

use browser_support::*;
use resocket::{Closed, Config, Event, Heartbeat, Socket, State, Text};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = "
export function dispatch_global(kind) { globalThis.dispatchEvent(new Event(kind)); }
export function dispatch_page_transition(kind, persisted) {
  globalThis.dispatchEvent(new PageTransitionEvent(kind, { persisted }));
}
export function dispatch_document(kind) { document.dispatchEvent(new Event(kind)); }
export function visibility_state() { return document.visibilityState; }
export function fake_on_line(value) {
  Object.defineProperty(navigator, 'onLine', { value, configurable: true });
}
export function restore_on_line() { delete navigator.onLine; }
")]
extern "C" {
    fn dispatch_global(kind: &str);
    fn dispatch_page_transition(kind: &str, persisted: bool);
    fn dispatch_document(kind: &str);
    fn visibility_state() -> String;
    fn fake_on_line(value: bool);
    fn restore_on_line();
}

type TextSocket = Socket<String, String, Text>;

fn fast(url: String) -> Config {
    Config::new(url)
        .min_delay(Duration::from_millis(50))
        .max_delay(Duration::from_millis(100))
        .jitter(0.0)
}

/// Connections the server accepted from `client` so far.
async fn attempts(client: &str) -> u64 {
    client_stats(client).await.1
}

#[wasm_bindgen_test]
async fn offline_stops_attempts_and_online_connects_at_once() {
    let client = "network-offline";
    let mut socket: TextSocket =
        Socket::open(fast(ws_url(&format!("/echo?client={client}")))).unwrap();
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);

    dispatch_global("offline");
    assert_eq!(next_event(&mut socket, 1000).await, Event::Offline);
    assert_eq!(socket.state(), State::Open, "the connection is kept");
    socket.try_send(&"still here".to_owned()).unwrap();
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Message("still here".into())
    );

    get_json(&format!("/control?client={client}&action=drop")).await;
    assert!(matches!(
        next_event(&mut socket, 3000).await,
        Event::Closed(Closed {
            will_reconnect: true,
            ..
        })
    ));
    assert_eq!(socket.state(), State::Offline);
    // Twenty retry delays' worth of outage: not one attempt.
    expect_quiet(&mut socket, 1000).await;
    assert_eq!(attempts(client).await, 1);
    socket.try_send(&"queued".to_owned()).unwrap();
    assert_eq!(socket.queued_count(), 1);

    let online_at = now_ms();
    dispatch_global("online");
    assert_eq!(next_event(&mut socket, 1000).await, Event::Online);
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    assert!(
        now_ms() - online_at < 1000.0,
        "the attempt starts at once, not after a backoff"
    );
    assert_eq!(socket.retry_count(), 0);
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Message("queued".into())
    );
    assert_eq!(attempts(client).await, 2);
}

#[wasm_bindgen_test]
async fn a_socket_opened_offline_waits_for_the_network() {
    let client = "network-start-offline";
    fake_on_line(false);
    let opened =
        Socket::<String, String, Text>::open(fast(ws_url(&format!("/echo?client={client}"))));
    restore_on_line();
    let mut socket = opened.unwrap();
    assert_eq!(next_event(&mut socket, 1000).await, Event::Offline);
    assert_eq!(socket.state(), State::Offline);
    expect_quiet(&mut socket, 500).await;
    assert_eq!(attempts(client).await, 0);

    dispatch_global("online");
    assert_eq!(next_event(&mut socket, 1000).await, Event::Online);
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    assert_eq!(attempts(client).await, 1);
}

#[wasm_bindgen_test]
async fn back_forward_cache_closes_and_reconnects() {
    let client = "network-bfcache";
    let mut socket: TextSocket =
        Socket::open(fast(ws_url(&format!("/echo?client={client}")))).unwrap();
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);

    // Only a page that goes into (or comes out of) the cache counts.
    dispatch_page_transition("pagehide", false);
    dispatch_page_transition("pageshow", false);
    expect_quiet(&mut socket, 200).await;
    assert_eq!(socket.state(), State::Open);

    dispatch_page_transition("pagehide", true);
    assert_eq!(
        next_event(&mut socket, 1000).await,
        Event::Closed(Closed {
            code: 1001,
            reason: "going away".into(),
            was_clean: false,
            will_reconnect: true,
            requeued: 0,
            unconfirmed: 0,
        })
    );
    assert_eq!(socket.state(), State::Suspended);
    assert_eq!(wait_for_open_count(client, 0, 3000).await.0, 0);
    socket.try_send(&"while cached".to_owned()).unwrap();
    expect_quiet(&mut socket, 600).await;
    assert_eq!(attempts(client).await, 1);

    dispatch_page_transition("pageshow", true);
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Message("while cached".into())
    );
    assert_eq!(attempts(client).await, 2);
}

#[wasm_bindgen_test]
async fn becoming_visible_checks_the_connection_at_once() {
    assert_eq!(visibility_state(), "visible");
    let client = "network-wake";
    // An interval far beyond the test: only the wake can send a ping.
    let config = fast(ws_url(&format!("/echo?client={client}"))).heartbeat(Heartbeat::new(
        Duration::from_secs(600),
        Duration::from_secs(5),
    ));
    let mut socket: TextSocket = Socket::open(config).unwrap();
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    assert_eq!(socket.rtt(), None);

    dispatch_document("visibilitychange");
    let deadline = now_ms() + 3000.0;
    while socket.rtt().is_none() && now_ms() < deadline {
        sleep(20).await;
    }
    assert!(
        socket.rtt().is_some(),
        "the pong of the wake's ping came back"
    );
    assert_eq!(received(client).await, ["ping"]);
    expect_quiet(&mut socket, 200).await;
    assert_eq!(socket.state(), State::Open);
}
