//! Shared helpers for the browser suites: the test server's address, waiting for events with
//! a deadline, and reading the server's `/stats` and `/received` records.

#![allow(dead_code)] // each suite uses its own subset

use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::{Either, select};
use gloo_timers::future::TimeoutFuture;
use resocket::Event;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Base URL of the test server, baked in when the suite is compiled by
/// `scripts/browser-tests.sh`, which starts the server on a free port.
pub fn server() -> &'static str {
    // `option_env!`, not `env!`: the suites must still compile (for clippy) without a server.
    match option_env!("RESOCKET_TEST_SERVER") {
        Some(url) => url,
        None => panic!(
            "RESOCKET_TEST_SERVER is not set: run the browser tests with `make test-browser`"
        ),
    }
}

/// A WebSocket URL on the test server, e.g. `ws_url("/echo?silent=1")`.
pub fn ws_url(path_and_query: &str) -> String {
    format!("{}{}", server().replacen("http", "ws", 1), path_and_query)
}

pub async fn sleep(ms: u32) {
    TimeoutFuture::new(ms).await;
}

/// The next event but a state change (the tests that check those read them with
/// [`next_event_or_state`]), failing the test if none comes within `ms`.
pub async fn next_event<T, S>(events: &mut S, ms: u32) -> Event<T>
where
    S: futures_core::Stream<Item = Event<T>> + Unpin,
    T: std::fmt::Debug,
{
    wait_for(events, ms, |event| !matches!(event, Event::StateChanged(_))).await
}

/// The next event, state changes included, failing the test if none comes within `ms`.
pub async fn next_event_or_state<T, S>(events: &mut S, ms: u32) -> Event<T>
where
    S: futures_core::Stream<Item = Event<T>> + Unpin,
    T: std::fmt::Debug,
{
    match select(events.next(), TimeoutFuture::new(ms)).await {
        Either::Left((Some(event), _)) => event,
        Either::Left((None, _)) => panic!("the event stream ended"),
        Either::Right(_) => panic!("no event within {ms} ms"),
    }
}

/// The next event that `keep` accepts, skipping others, within `ms` in total.
pub async fn wait_for<T, S>(events: &mut S, ms: u32, keep: impl Fn(&Event<T>) -> bool) -> Event<T>
where
    S: futures_core::Stream<Item = Event<T>> + Unpin,
    T: std::fmt::Debug,
{
    let deadline = now_ms() + f64::from(ms);
    loop {
        let left = (deadline - now_ms()).max(0.0) as u32;
        let event = next_event_or_state(events, left).await;
        if keep(&event) {
            return event;
        }
    }
}

/// The output of `future`, failing the test if it takes longer than `ms`.
pub async fn within<F: std::future::Future + Unpin>(ms: u32, future: F) -> F::Output {
    match select(future, TimeoutFuture::new(ms)).await {
        Either::Left((output, _)) => output,
        Either::Right(_) => panic!("not done within {ms} ms"),
    }
}

/// Asserts that no event but a state change arrives for `ms`.
pub async fn expect_quiet<T, S>(events: &mut S, ms: u32)
where
    S: futures_core::Stream<Item = Event<T>> + Unpin,
    T: std::fmt::Debug,
{
    let deadline = now_ms() + f64::from(ms);
    loop {
        let left = (deadline - now_ms()).max(0.0) as u32;
        match select(events.next(), TimeoutFuture::new(left)).await {
            // The state change that came with the last event is not news.
            Either::Left((Some(Event::StateChanged(_)), _)) => {}
            Either::Left((event, _)) => panic!("expected no event for {ms} ms, got {event:?}"),
            Either::Right(_) => return,
        }
    }
}

#[wasm_bindgen(inline_js = "
export function fetch_text(url) {
  return fetch(url, { cache: 'no-store' }).then((response) => response.text());
}
export function now_ms() { return performance.now(); }
")]
extern "C" {
    fn fetch_text(url: &str) -> js_sys::Promise;
    /// Milliseconds on the page's monotonic clock.
    pub fn now_ms() -> f64;
}

/// GETs a JSON document from the test server.
pub async fn get_json(path: &str) -> serde_json::Value {
    let text = JsFuture::from(fetch_text(&format!("{}{}", server(), path)))
        .await
        .expect("the test server answers");
    serde_json::from_str(&text.as_string().unwrap_or_default()).expect("the server sends JSON")
}

/// The server's `/stats` record for a client tag: (open now, opened in total, most open at once).
pub async fn client_stats(client: &str) -> (u64, u64, u64) {
    let stats = get_json("/stats").await;
    let record = &stats["clients"][client];
    let field = |name: &str| record[name].as_u64().unwrap_or(0);
    (field("open"), field("total"), field("max_open"))
}

/// Polls `/stats` until the client's open connection count is `open`, for at most `ms`.
pub async fn wait_for_open_count(client: &str, open: u64, ms: u32) -> (u64, u64, u64) {
    let deadline = now_ms() + f64::from(ms);
    loop {
        let stats = client_stats(client).await;
        if stats.0 == open || now_ms() > deadline {
            return stats;
        }
        sleep(25).await;
    }
}

/// The text messages the server received from a client tag, in arrival order.
pub async fn received(client: &str) -> Vec<String> {
    let log = get_json(&format!("/received?client={client}")).await;
    log.as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| item.as_str().unwrap_or("<binary>").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

pub fn millis(duration: Duration) -> u32 {
    duration.as_millis() as u32
}
