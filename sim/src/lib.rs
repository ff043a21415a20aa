//! A simulated driver for resocket's sans-IO core ([`resocket_core::Machine`]): a fake clock,
//! the driver's one timer and fake sockets, shared by the core's native tests (`core/tests/core/`)
//! and the fuzz targets (`fuzz/`).
//!
//! A [`Driver`] carries out the machine's outputs the way `src/driver.rs` does in the browser
//! (in order, with the inputs that outputs trigger joining the same queue) and asserts on every
//! output that the machine asks for nothing a real driver could not do. What a suite records
//! or checks on top of that is its [`Layer`]: the core tests' [`Recorder`] (as [`Sim`]), the
//! fuzz target's invariants.

pub mod bounds;
mod browser;
mod clock;
mod driver;
mod fixtures;
mod inputs;
mod layer;
mod recorder;
mod sim;
mod wire;

pub use browser::{Socket, URL};
pub use driver::Driver;
pub use fixtures::{closed, exact};
pub use layer::Layer;
pub use recorder::{Closure, Recorder};
pub use sim::Sim;
pub use wire::Wire;
