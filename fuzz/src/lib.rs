//! Shared pieces of the fuzz targets: the scenario a fuzz input decodes into, and a driver that
//! carries out the machine's outputs with the shared simulated driver (`resocket-sim`) and
//! asserts the target's invariants on top.

pub mod driver;
pub mod frame;
pub mod invariants;
pub mod scenario;
