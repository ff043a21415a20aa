//! The pure text and number paths: close-code checks and names, backoff delays for any
//! numbers at all (not only those a validated policy allows), and the `Json` codec's nesting
//! scan over any text, checked against `serde_json` and against texts of a known depth.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use resocket::codec::{MAX_JSON_DEPTH, json_nested_deeper_than};
use resocket_core::Backoff;
use resocket_core::close::{CloseCodeError, MAX_REASON_BYTES, check_user_close, name};

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
    json: String,
    depth: u16,
    filler: String,
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

    // serde_json refuses more than 127 levels, so whatever it parses the scan must pass, and
    // whatever the scan refuses serde_json must refuse.
    let deep = json_nested_deeper_than(&text.json, MAX_JSON_DEPTH);
    let parsed = serde_json::from_str::<serde_json::Value>(&text.json).is_ok();
    assert!(
        !(deep && parsed),
        "refused JSON that serde_json parses: {:?}",
        text.json
    );

    // A text of a known depth, with arbitrary filler (brackets included) inside a string.
    let depth = usize::from(text.depth % 512);
    let string = serde_json::Value::String(text.filler.clone()).to_string();
    let nested = format!("{}{string}{}", "[".repeat(depth), "]".repeat(depth));
    assert_eq!(
        json_nested_deeper_than(&nested, MAX_JSON_DEPTH),
        depth > MAX_JSON_DEPTH,
        "depth {depth}"
    );
});
