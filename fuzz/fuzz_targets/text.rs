//! The pure text and number paths: close-code checks and names, and backoff delays for any
//! numbers at all (not only those a validated policy allows).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use resocket::core::Backoff;
use resocket::core::close::{CloseCodeError, MAX_REASON_BYTES, check_user_close, name};

#[derive(Arbitrary, Debug)]
struct Text {
    code: u16,
    reason: String,
    min_delay_ms: u32,
    max_delay_ms: u32,
    grow_factor: f64,
    jitter: f64,
    retry: u32,
    random: f64,
}

fuzz_target!(|text: Text| {
    let sendable_code = text.code == 1000 || (3000..=4999).contains(&text.code);
    match check_user_close(text.code, &text.reason) {
        Ok(()) => assert!(sendable_code && text.reason.len() <= MAX_REASON_BYTES),
        Err(error) => {
            match error {
                CloseCodeError::Code(code) => assert!(code == text.code && !sendable_code),
                CloseCodeError::ReasonTooLong(len) => {
                    assert!(sendable_code && len == text.reason.len() && len > MAX_REASON_BYTES)
                }
            }
            assert!(!error.to_string().is_empty());
        }
    }
    assert!(!name(text.code).is_empty());

    let backoff = Backoff {
        min_delay_ms: text.min_delay_ms,
        max_delay_ms: text.max_delay_ms,
        grow_factor: text.grow_factor,
        jitter: text.jitter,
    };
    let delay = backoff.delay_ms(text.retry, text.random);
    assert!(delay <= backoff.max_delay_ms, "{delay} ms from {text:?}");
    let longest = backoff.max_delay_jittered_ms(text.random);
    assert!(
        longest <= backoff.max_delay_ms,
        "{longest} ms from {text:?}"
    );
});
