//! Prints `src/js/contract.js`, the numbers the engine and the package's JavaScript agree on
//! (`make contract` writes it; `make lint` checks it is current).
//!
//! The engine is a cdylib only (an rlib beside it would keep it out of LTO), so this program
//! compiles the contract module itself rather than linking the library.

#[allow(dead_code)]
#[path = "../contract.rs"]
mod contract;

fn main() {
    print!("{}", contract::js_module());
}
