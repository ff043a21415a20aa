//! The delays a retry may wait, worked out step by step rather than with the closed formula
//! the core uses, so that the two can disagree.

use std::ops::RangeInclusive;

use resocket_core::Backoff;

/// The un-jittered delay before retry `retry` (from 1).
pub fn base_delay(backoff: &Backoff, retry: u32) -> f64 {
    BaseDelays::default().get(backoff, retry)
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

/// The un-jittered delay of each retry, one growth step at a time. It remembers the last
/// retry it worked out, as retry numbers mostly count up by one: a run of thousands of failed
/// attempts would otherwise cost a quadratic number of steps.
#[derive(Debug, Default)]
pub struct BaseDelays {
    /// The last retry worked out (0 for none) and its delay.
    last: (u32, f64),
}

impl BaseDelays {
    /// The un-jittered delay before retry `retry` (from 1).
    pub fn get(&mut self, backoff: &Backoff, retry: u32) -> f64 {
        let max = f64::from(backoff.max_delay_ms);
        let (mut step, mut delay) = self.last;
        if step == 0 || step > retry {
            (step, delay) = (1, f64::from(backoff.min_delay_ms).min(max));
        }
        while step < retry {
            step += 1;
            delay = (delay * backoff.grow_factor).min(max);
        }
        self.last = (step, delay);
        delay
    }
}
