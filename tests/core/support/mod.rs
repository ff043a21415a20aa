//! Shared helpers for the native core suites.

#![allow(dead_code)] // each suite uses its own subset

pub mod sim;

use std::ops::RangeInclusive;

use resocket::core::Backoff;

/// The un-jittered delay before retry `retry` (from 1), worked out step by step rather than
/// with the closed formula the core uses, so the two can disagree.
pub fn base_delay(backoff: &Backoff, retry: u32) -> f64 {
    let max = f64::from(backoff.max_delay_ms);
    let mut delay = f64::from(backoff.min_delay_ms).min(max);
    for _ in 1..retry {
        delay = (delay * backoff.grow_factor).min(max);
    }
    delay
}

/// Every delay a jitter factor in `[1 - jitter, 1]` can make of `base`, rounded to whole ms.
pub fn jittered_range(backoff: &Backoff, base: f64) -> RangeInclusive<u32> {
    let low = (base * (1.0 - backoff.jitter)).round() as u32;
    low..=base.round() as u32
}

/// The delays retry `retry` may wait.
pub fn delay_bounds(backoff: &Backoff, retry: u32) -> RangeInclusive<u32> {
    jittered_range(backoff, base_delay(backoff, retry))
}
