//! Reconnect delays: capped exponential growth, scaled down by a random jitter factor.

/// How long to wait before each retry.
///
/// Retry `n` (counting from 1) waits `min(max_delay, min_delay * grow_factor^(n-1))`, multiplied
/// by a uniform random factor in `[1 - jitter, 1]`. The jitter spreads the retries of many
/// clients that lost the same server, so they do not all come back at one instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Backoff {
    /// Delay before the first retry, in milliseconds (before jitter).
    pub min_delay_ms: u32,
    /// Upper bound for any delay, in milliseconds (before jitter).
    pub max_delay_ms: u32,
    /// Factor by which the delay grows with each further retry; at least 1.
    pub grow_factor: f64,
    /// Fraction of the delay that is randomised, from 0 (none) to 1 (anywhere in `[0, delay]`).
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            min_delay_ms: 1_000,
            max_delay_ms: 30_000,
            grow_factor: 2.0,
            jitter: 0.5,
        }
    }
}

impl Backoff {
    /// The delay before retry number `retry` (1 for the first retry), given a random number
    /// in `[0, 1)`.
    pub fn delay_ms(&self, retry: u32, random: f64) -> u32 {
        // A zero minimum stays zero: once the factor's power overflows, 0 × ∞ is NaN, and
        // `f64::min` below would turn that NaN into the maximum delay.
        if self.min_delay_ms == 0 {
            return 0;
        }
        // No smaller cap on the exponent: a factor just above 1 needs thousands of retries to
        // reach the maximum, and capping at, say, 1000 would freeze the delay below it.
        let exponent = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        let grown = f64::from(self.min_delay_ms) * self.grow_factor.powi(exponent);
        self.jittered(grown.min(f64::from(self.max_delay_ms)), random)
    }

    /// The longest delay, jittered: used when the server asked us to come back later (1013).
    pub fn max_delay_jittered_ms(&self, random: f64) -> u32 {
        self.jittered(f64::from(self.max_delay_ms), random)
    }

    fn jittered(&self, delay: f64, random: f64) -> u32 {
        // The fields are public and only `Policy::validate` checks them: a negative jitter
        // would push the delay past the maximum (up to `u32::MAX`, beyond the browser timer
        // limit), so it is clamped here too. A NaN stays NaN and ends up as 0 below.
        let jitter = self.jitter.clamp(0.0, 1.0);
        let factor = 1.0 - jitter * random.clamp(0.0, 1.0);
        // `as` saturates and maps NaN to 0, so no input can make this panic.
        (delay * factor).round() as u32
    }
}

/// A small deterministic random source (SplitMix64), seeded by the caller.
///
/// The core reads no randomness of its own so that every scenario replays exactly in tests;
/// the browser driver seeds it from `Math.random()`.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// A uniform number in `[0, 1)`.
    pub(crate) fn next_unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}
