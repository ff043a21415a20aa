//! The workloads of `make bench`, written once and run over each Rust peer (gloo-net,
//! ws_stream_wasm, resocket's Rust API) through [`Connection`]. Each peer's crate exports them
//! to the bench page with `#[wasm_bindgen]`; the page does the timing-independent bookkeeping.
//!
//! Every figure is taken with `performance.now()` and returned in milliseconds; every echo is
//! checked (sequence number and text), so a peer that loses or reorders messages fails the run
//! instead of looking fast.

#![allow(async_fn_in_trait)]

use futures_util::future::join_all;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// The message every workload sends and expects back, as `{"seq": 1, "text": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Msg {
    /// Position in the run, from 0.
    pub seq: u32,
    /// The payload.
    pub text: String,
}

/// One open connection of a peer, sending and receiving typed messages.
pub trait Connection: Sized {
    /// Opens a connection to `url` and resolves once it is open.
    async fn open(url: &str) -> Result<Self, String>;
    /// Hands one message to the browser.
    async fn send(&mut self, message: &Msg) -> Result<(), String>;
    /// The next message from the server.
    async fn receive(&mut self) -> Result<Msg, String>;
    /// Closes the connection.
    fn close(self);
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance)]
    fn now() -> f64;
}

/// A text of `len` bytes.
pub fn text_of(len: u32) -> String {
    "x".repeat(len as usize)
}

/// Checks an echo against what was sent.
fn check(got: &Msg, seq: u32, text: &str) -> Result<(), String> {
    if got.seq != seq || got.text != text {
        return Err(format!(
            "expected echo {seq}, got {} ({} bytes of text)",
            got.seq,
            got.text.len()
        ));
    }
    Ok(())
}

/// Workload 1: sends `count` messages of `text_len` bytes back to back on one socket and
/// waits for every echo; the milliseconds from the first send to the last echo.
pub async fn throughput<C: Connection>(
    url: &str,
    count: u32,
    text_len: u32,
) -> Result<f64, String> {
    let mut connection = C::open(url).await?;
    let text = text_of(text_len);
    let start = now();
    for seq in 0..count {
        connection
            .send(&Msg {
                seq,
                text: text.clone(),
            })
            .await?;
    }
    for seq in 0..count {
        check(&connection.receive().await?, seq, &text)?;
    }
    let elapsed = now() - start;
    connection.close();
    Ok(elapsed)
}

/// Workload 2: `count` sequential round trips; the milliseconds of each.
pub async fn latency<C: Connection>(
    url: &str,
    count: u32,
    text_len: u32,
) -> Result<Vec<f64>, String> {
    let mut connection = C::open(url).await?;
    let text = text_of(text_len);
    let mut times = Vec::with_capacity(count as usize);
    for seq in 0..count {
        let start = now();
        connection
            .send(&Msg {
                seq,
                text: text.clone(),
            })
            .await?;
        check(&connection.receive().await?, seq, &text)?;
        times.push(now() - start);
    }
    connection.close();
    Ok(times)
}

/// Workload 3: opens `sockets` connections, then each sends `each` messages back to back
/// and waits for its echoes; the milliseconds from the first send to the last echo.
pub async fn many<C: Connection>(
    url: &str,
    sockets: u32,
    each: u32,
    text_len: u32,
) -> Result<f64, String> {
    let connections: Vec<C> = join_all((0..sockets).map(|_| C::open(url)))
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let text = text_of(text_len);
    let start = now();
    let runs = connections.into_iter().map(|mut connection| {
        let text = &text;
        async move {
            for seq in 0..each {
                connection
                    .send(&Msg {
                        seq,
                        text: text.clone(),
                    })
                    .await?;
            }
            for seq in 0..each {
                check(&connection.receive().await?, seq, text)?;
            }
            Ok::<_, String>(connection)
        }
    });
    let finished: Vec<C> = join_all(runs).await.into_iter().collect::<Result<_, _>>()?;
    let elapsed = now() - start;
    finished.into_iter().for_each(Connection::close);
    Ok(elapsed)
}

/// Declares the `#[wasm_bindgen]` exports of one peer's crate: `throughput`, `latency` and
/// `many`, each rejecting its promise with the failure's text.
#[macro_export]
macro_rules! exports {
    ($connection:ty) => {
        /// Workload 1 over this peer: milliseconds for `count` echoes.
        #[wasm_bindgen::prelude::wasm_bindgen]
        pub async fn throughput(
            url: String,
            count: u32,
            text_len: u32,
        ) -> Result<f64, wasm_bindgen::JsValue> {
            $crate::throughput::<$connection>(&url, count, text_len)
                .await
                .map_err(|e| e.into())
        }

        /// Workload 2 over this peer: milliseconds of each round trip.
        #[wasm_bindgen::prelude::wasm_bindgen]
        pub async fn latency(
            url: String,
            count: u32,
            text_len: u32,
        ) -> Result<Vec<f64>, wasm_bindgen::JsValue> {
            $crate::latency::<$connection>(&url, count, text_len)
                .await
                .map_err(|e| e.into())
        }

        /// Workload 3 over this peer: milliseconds for `sockets` x `each` echoes.
        #[wasm_bindgen::prelude::wasm_bindgen]
        pub async fn many(
            url: String,
            sockets: u32,
            each: u32,
            text_len: u32,
        ) -> Result<f64, wasm_bindgen::JsValue> {
            $crate::many::<$connection>(&url, sockets, each, text_len)
                .await
                .map_err(|e| e.into())
        }
    };
}
