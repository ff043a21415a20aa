//! What a suite adds to the shared driver: its own records or checks of each output.

use resocket_core::{Machine, Output};

/// The part of a simulated driver that each suite models its own way. The [`Driver`] checks
/// every output against its fake browser first, then hands it here; the layer may record it,
/// check it against what it knows of the past, or both.
///
/// [`Driver`]: crate::Driver
pub trait Layer<F> {
    /// Sees `output`, which the driver just checked and carried out on its fake browser, at
    /// time `now`. Panics when it breaks one of the layer's invariants.
    fn carry_out(&mut self, output: &Output<F>, machine: &Machine<F>, now: f64);

    /// The live socket's `bufferedAmount`: what the simulated browser has not transmitted
    /// yet. It answers the machine's `MeasureBuffered`.
    fn buffered_amount(&self) -> u64;

    /// Called once the outputs of a call are all carried out, with the machine at rest.
    fn settled(&mut self, _machine: &Machine<F>, _now: f64) {}
}
