//! Drives the connection state machine with a random valid policy and a random sequence of
//! user requests, socket events (for the live socket or stale ones), timer expiries and clock
//! advances; the simulated driver asserts the invariants after every step.
#![no_main]

use libfuzzer_sys::fuzz_target;
use resocket_fuzz::driver::Driver;
use resocket_fuzz::scenario::Scenario;

fuzz_target!(|scenario: Scenario| {
    let mut driver = Driver::new(scenario.policy, scenario.seed);
    for op in &scenario.ops {
        driver.step(op);
    }
});
