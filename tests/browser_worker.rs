#![cfg(target_arch = "wasm32")]
//! The Rust API inside a dedicated Web Worker, where there is no `window`:
//! - a typed round trip, and a reconnect after the server drops the connection;
//! - the heartbeat's timers and clock run there too (a ping goes out 50 ms after open).

mod browser_support;

use std::time::Duration;

use browser_support::*;
use resocket::{Config, Event, Heartbeat, Socket};
use wasm_bindgen_test::*;

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
    socket.send(&vec![1, 2, 3]).unwrap();
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
    assert_eq!(
        next_event(&mut socket, 3000).await,
        Event::Message(vec![1, 2, 3])
    );
    assert!(matches!(
        next_event(&mut socket, 3000).await,
        Event::Closed {
            code: 1006,
            will_reconnect: true,
            ..
        }
    ));
    assert!(matches!(
        next_event(&mut socket, 3000).await,
        Event::Reconnecting { .. }
    ));
    assert_eq!(next_event(&mut socket, 3000).await, Event::Open);
}
