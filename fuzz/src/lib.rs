//! Shared pieces of the fuzz targets: the scenario a fuzz input decodes into, and a simulated
//! driver that carries out the machine's outputs and asserts its invariants.

pub mod bounds;
pub mod driver;
pub mod scenario;
