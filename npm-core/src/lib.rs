//! The npm package's engine: resocket's connection core behind a small numeric interface.
//!
//! The package's JavaScript (`src/js/resocket.js`, through `src/js/core.js`) owns every browser
//! object: the `WebSocket` and its handlers, the one timer, the options object, the listeners,
//! the messages themselves. It tells the engine what happened (`signal`, `receive`, `closed`,
//! `send`, ...) and then asks what to do (`poll`) until nothing is left, and when (`deadline`).
//! Every decision (backoff, heartbeat, queue, close codes, what to send again after a drop,
//! what an incoming message is, requests) is the same core the Rust API runs on.
//!
//! The split is what keeps the package small: the wasm holds only the core's decisions, so no
//! web-sys shims, closures, futures executor or string formatting ship in it. The module
//! imports nothing and exports plain functions of numbers (`exports.rs`, built for wasm32
//! only: natively, its unmangled names would take the C library's), so it needs no generated
//! glue. What the numbers mean is written once, in [`contract`], and the package's
//! `src/js/contract.js` is generated from it. The translation ([`engine`], [`policy`]) is
//! plain Rust, tested natively.

pub mod contract;
pub mod engine;
#[cfg(target_arch = "wasm32")]
mod exports;
pub mod policy;
