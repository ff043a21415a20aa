#![cfg(target_arch = "wasm32")]
//! The Rust API inside a dedicated Web Worker, where there is no `window`:
//! - a typed round trip, and a reconnect after the server drops the connection;
//! - the heartbeat's timers and clock run there too (a ping goes out 50 ms after open);
//! - `offline` and `online` on the worker's global scope pause and resume attempts (workers
//!   have no `document`, `pagehide` or `pageshow`: the socket opens without them).

mod browser_support;

use std::time::Duration;

use browser_support::*;
use resocket::{Closed, Config, Event, Heartbeat, Socket, State, Text};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[wasm_bindgen(inline_js = "
export function dispatch_global(kind) { globalThis.dispatchEvent(new Event(kind)); }
")]
extern "C" {
    fn dispatch_global(kind: &str);
}

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
async fn round_trip_and_reconnect_in_a_worker() {
    let has_window = js_sys::Reflect::has(&js_sys::global(), &"window".into()).unwrap_or(true);
    assert!(!has_window, "this suite runs in a worker");
    let config = Config::new(ws_url("/echo?drop_after=1"))
        .min_delay(Duration::from_millis(20))
        .heartbeat(Heartbeat::new(
            Duration::from_millis(50),
            Duration::from_millis(1000),
        ));
    let mut socket: Socket<Vec<u32>, Vec<u32>> = Socket::open(config).unwrap();
    socket.try_send(&vec![1, 2, 3]).unwrap();
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Message(vec![1, 2, 3])
    );
    assert!(matches!(
        next_event(&mut socket, 3000).await,
        Event::Closed(Closed {
            code: 1006,
            will_reconnect: true,
            ..
        })
    ));
    assert!(matches!(
        next_event(&mut socket, 3000).await,
        Event::Reconnecting { .. }
    ));
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
}

#[wasm_bindgen_test]
async fn offline_and_online_in_a_worker() {
    let client = "worker-network";
    let config = Config::new(ws_url(&format!("/echo?client={client}&drop_after=1")))
        .min_delay(Duration::from_millis(20))
        .jitter(0.0);
    let mut socket: Socket<String, String, Text> = Socket::open(config).unwrap();
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    dispatch_global("offline");
    assert_eq!(next_event(&mut socket, 1000).await, Event::Offline);
    socket.try_send(&"last".to_owned()).unwrap();
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Message("last".into())
    );
    assert!(matches!(
        next_event(&mut socket, 3000).await,
        Event::Closed(Closed {
            will_reconnect: true,
            ..
        })
    ));
    assert_eq!(socket.state(), State::Offline);
    expect_quiet(&mut socket, 500).await;
    assert_eq!(client_stats(client).await.1, 1, "no attempt while offline");
    dispatch_global("online");
    assert_eq!(next_event(&mut socket, 1000).await, Event::Online);
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
}
