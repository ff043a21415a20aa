#![cfg(not(target_arch = "wasm32"))]
//! The sans-IO core, natively: each module drives `Machine` through a simulated driver with a
//! fake clock (or calls the core's pure functions) and says at its top what it tests.
//! One test binary for all of it: one link step instead of one per file.

mod backoff;
mod close_codes;
mod control;
mod delivery;
mod heartbeat;
mod lazy;
mod lifecycle;
mod network;
mod policy;
mod properties;
mod queue;
mod requests;
mod session;
mod session_batches;
mod session_mode;
mod setup;
mod setup_properties;
