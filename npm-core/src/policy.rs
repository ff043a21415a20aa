//! The numbers `create` takes, read into a [`Policy`]: each must be a number the option can
//! hold, then the core's own validation speaks. A refusal names the field, so the JavaScript
//! can name its option and say what the core expects.

use resocket_core::session::Terms;
use resocket_core::{HeartbeatTiming, MAX_TIMER_MS, Overflow, Policy, PolicyOption};

use crate::contract::POLICY_FIELDS;

/// The settings that are not numbers, already checked by the JavaScript.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Switches {
    /// `overflow: "drop-oldest"`.
    pub drop_oldest: bool,
    /// `resendRequests`.
    pub resend_requests: bool,
    /// `lazy`.
    pub lazy: bool,
}

/// The policy of `numbers`: the [`POLICY_FIELDS`] in order (a NaN heartbeat interval turns the
/// heartbeat off, a NaN session window session mode, a NaN setup timeout the setup step, a NaN
/// idle close the idle close), then
/// the final close codes. Refused with the index of the first field out
/// of range, [`POLICY_FIELDS`]`.len()` for the final close codes.
pub fn policy(numbers: &[f64], switches: Switches) -> Result<Policy, usize> {
    let (fields, codes) = numbers
        .split_at_checked(POLICY_FIELDS.len())
        .ok_or(0usize)?;
    let field = |option: PolicyOption| {
        let index = POLICY_FIELDS.iter().position(|&o| o == option).unwrap_or(0);
        (index, fields[index])
    };
    let millis = |option| {
        let (index, value) = field(option);
        whole(value, f64::from(MAX_TIMER_MS))
            .map(|ms| ms as u32)
            .ok_or(index)
    };
    // Counts are whole already: 1.5 messages is a mistake, not a rounding.
    let exact = |option| {
        let (index, value) = field(option);
        let counted = whole(value, f64::from(u32::MAX)).filter(|&n| n == value);
        counted.map(|n| n as u64).ok_or(index)
    };
    let count = |option| match field(option).1 {
        f64::INFINITY => Ok(None),
        _ => exact(option).map(Some),
    };
    let mut policy = Policy::default();
    policy.backoff.min_delay_ms = millis(PolicyOption::MinDelay)?;
    policy.backoff.max_delay_ms = millis(PolicyOption::MaxDelay)?;
    policy.backoff.grow_factor = field(PolicyOption::GrowFactor).1;
    policy.backoff.jitter = field(PolicyOption::Jitter).1;
    policy.min_uptime_ms = millis(PolicyOption::MinUptime)?;
    policy.connect_timeout_ms = millis(PolicyOption::ConnectTimeout)?;
    policy.max_retries = count(PolicyOption::MaxRetries)?.map(|n| n as u32);
    policy.queue_capacity = count(PolicyOption::QueueCapacity)?.map_or(usize::MAX, |n| n as usize);
    policy.max_message_bytes =
        count(PolicyOption::MaxMessageBytes)?.map_or(usize::MAX, |n| n as usize);
    if !field(PolicyOption::HeartbeatInterval).1.is_nan() {
        policy.heartbeat = Some(HeartbeatTiming {
            interval_ms: millis(PolicyOption::HeartbeatInterval)?,
            timeout_ms: millis(PolicyOption::HeartbeatTimeout)?,
        });
    }
    if !field(PolicyOption::SessionWindow).1.is_nan() {
        policy.session = Some(Terms {
            window: exact(PolicyOption::SessionWindow)?,
            // The driver reads batch frames, message by message.
            batches: true,
        });
    }
    if !field(PolicyOption::SetupTimeout).1.is_nan() {
        policy.setup_timeout_ms = Some(millis(PolicyOption::SetupTimeout)?);
    }
    if !field(PolicyOption::IdleClose).1.is_nan() {
        policy.idle_close_ms = Some(millis(PolicyOption::IdleClose)?);
    }
    policy.lazy = switches.lazy;
    let final_codes = POLICY_FIELDS.len();
    policy.final_codes = (codes.iter())
        .map(|&code| (whole(code, 65_535.0).filter(|&c| c == code)).map(|c| c as u16))
        .map(|code| code.ok_or(final_codes))
        .collect::<Result<_, _>>()?;
    policy.overflow = if switches.drop_oldest {
        Overflow::DropOldest
    } else {
        Overflow::Reject
    };
    policy.resend_requests = switches.resend_requests;
    match policy.first_invalid() {
        None => Ok(policy),
        Some(PolicyOption::FinalCodes) => Err(final_codes),
        Some(option) => Err(POLICY_FIELDS.iter().position(|&o| o == option).unwrap_or(0)),
    }
}

/// `value` rounded to a whole number, if it is one from 0 to `max` (milliseconds round, as
/// timers take whole ones; counts must already be whole).
fn whole(value: f64, max: f64) -> Option<f64> {
    let rounded = value.round();
    (value.is_finite() && (0.0..=max).contains(&rounded)).then_some(rounded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use resocket_core::DEFAULT_MAX_MESSAGE_BYTES;

    /// The defaults, as the JavaScript passes them, heartbeat off.
    fn defaults() -> Vec<f64> {
        let mut numbers = vec![
            1000.0,
            30000.0,
            2.0,
            0.5,
            5000.0,
            5000.0,
            f64::INFINITY,
            1000.0,
        ];
        numbers.extend([
            DEFAULT_MAX_MESSAGE_BYTES as f64,
            f64::NAN,
            f64::NAN,
            f64::NAN,
            f64::NAN,
            f64::NAN,
        ]);
        numbers.extend([1002.0, 1003.0, 1007.0, 1008.0, 1009.0, 1010.0]);
        numbers
    }

    fn with(index: usize, value: f64) -> Vec<f64> {
        let mut numbers = defaults();
        numbers[index] = value;
        numbers
    }

    fn index(option: PolicyOption) -> usize {
        POLICY_FIELDS.iter().position(|&o| o == option).unwrap()
    }

    #[test]
    fn the_defaults_make_the_default_policy() {
        assert_eq!(
            policy(&defaults(), Switches::default()),
            Ok(Policy::default())
        );
    }

    #[test]
    fn switches_and_the_heartbeat_are_read() {
        let mut numbers = defaults();
        numbers[index(PolicyOption::HeartbeatInterval)] = 15_000.0;
        numbers[index(PolicyOption::HeartbeatTimeout)] = 4_999.6;
        numbers[index(PolicyOption::IdleClose)] = 30_000.0;
        let switches = Switches {
            drop_oldest: true,
            resend_requests: true,
            lazy: true,
        };
        let policy = policy(&numbers, switches).unwrap();
        assert_eq!(
            policy.heartbeat,
            Some(HeartbeatTiming {
                interval_ms: 15_000,
                timeout_ms: 5_000
            })
        );
        assert_eq!(policy.overflow, Overflow::DropOldest);
        assert!(policy.resend_requests);
        assert!(policy.lazy);
        assert_eq!(policy.idle_close_ms, Some(30_000));
    }

    #[test]
    fn every_field_out_of_range_is_refused_by_its_index() {
        let cases = [
            (PolicyOption::MinDelay, -1.0),
            (PolicyOption::MinDelay, f64::NAN),
            (PolicyOption::MinDelay, 30_001.0),
            (PolicyOption::MaxDelay, 2_147_483_648.0),
            (PolicyOption::MaxDelay, f64::INFINITY),
            (PolicyOption::GrowFactor, 0.5),
            (PolicyOption::GrowFactor, f64::NAN),
            (PolicyOption::Jitter, 1.5),
            (PolicyOption::MinUptime, -0.6),
            (PolicyOption::ConnectTimeout, 0.0),
            (PolicyOption::MaxRetries, -1.0),
            (PolicyOption::MaxRetries, f64::NEG_INFINITY),
            (PolicyOption::MaxRetries, 1.5),
            (PolicyOption::QueueCapacity, 0.0),
            (PolicyOption::MaxMessageBytes, f64::NAN),
        ];
        for (option, value) in cases {
            let refused = policy(&with(index(option), value), Switches::default());
            assert_eq!(refused, Err(index(option)), "{option:?} = {value}");
        }
        for (interval, timeout, refused) in [
            (0.0, 1000.0, PolicyOption::HeartbeatInterval),
            (1000.0, 0.0, PolicyOption::HeartbeatTimeout),
            (1000.0, f64::NAN, PolicyOption::HeartbeatTimeout),
        ] {
            let mut numbers = defaults();
            numbers[index(PolicyOption::HeartbeatInterval)] = interval;
            numbers[index(PolicyOption::HeartbeatTimeout)] = timeout;
            let outcome = policy(&numbers, Switches::default());
            assert_eq!(outcome, Err(index(refused)), "{interval}, {timeout}");
        }
    }

    #[test]
    fn bad_final_codes_and_short_input_are_refused() {
        let mut numbers = defaults();
        numbers.push(999.0);
        assert_eq!(
            policy(&numbers, Switches::default()),
            Err(POLICY_FIELDS.len())
        );
        numbers.pop();
        numbers.push(1008.5);
        assert_eq!(
            policy(&numbers, Switches::default()),
            Err(POLICY_FIELDS.len())
        );
        numbers.pop();
        numbers.push(f64::NAN);
        assert_eq!(
            policy(&numbers, Switches::default()),
            Err(POLICY_FIELDS.len())
        );
        assert_eq!(policy(&[1.0, 2.0], Switches::default()), Err(0));
    }

    /// The package's JavaScript checks the options by the contract's rules before the engine
    /// may have loaded (`refusedField` in src/js/options.js): run by Node, it must refuse
    /// exactly what `policy` refuses, field by field, over values at and around each bound.
    #[test]
    fn the_javascript_refuses_what_the_engine_refuses() {
        let values = [
            -1.0,
            -0.5,
            -0.4,
            0.0,
            0.4,
            0.5,
            0.7,
            1.0,
            1.5,
            2.0,
            999.5,
            1000.0,
            1000.5,
            4999.0,
            5000.0,
            30_000.0,
            30_000.4,
            30_000.5,
            2_147_483_647.0,
            2_147_483_647.4,
            2_147_483_647.5,
            4_294_967_295.0,
            4_294_967_296.0,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let mut cases: Vec<Vec<f64>> = Vec::new();
        let codes_at = POLICY_FIELDS.len();
        for field in 0..POLICY_FIELDS.len() {
            for value in values {
                let mut numbers = defaults();
                // A heartbeat field is checked with the heartbeat on.
                numbers[index(PolicyOption::HeartbeatInterval)] = 15_000.0;
                numbers[index(PolicyOption::HeartbeatTimeout)] = 5_000.0;
                numbers[field] = value;
                cases.push(numbers);
            }
        }
        for value in values {
            let mut numbers = defaults();
            numbers[codes_at] = value;
            cases.push(numbers);
        }
        let number = |n: f64| {
            if n.is_finite() {
                format!("{n:?}")
            } else {
                format!("\"{n}\"").replace("inf", "Infinity")
            }
        };
        let json: Vec<String> = cases
            .iter()
            .map(|numbers| {
                let items: Vec<String> = numbers.iter().map(|&n| number(n)).collect();
                format!("[{}]", items.join(","))
            })
            .collect();
        let script = format!(
            "import {{ refusedField }} from './src/js/options.js';\n\
             import {{ POLICY_FIELDS }} from './src/js/contract.js';\n\
             const cases = [{}].map((c) => c.map(Number));\n\
             const out = cases.map((numbers) => {{\n\
               const policy = Object.fromEntries(POLICY_FIELDS.map((name, i) => [name, numbers[i]]));\n\
               return refusedField(policy, numbers.slice(POLICY_FIELDS.length));\n\
             }});\n\
             console.log(JSON.stringify(out));",
            json.join(",")
        );
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let output = std::process::Command::new("node")
            .args(["--input-type=module", "-e", &script])
            .current_dir(root)
            .output()
            .expect("node runs (scripts/setup.sh)");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8_lossy(&output.stdout);
        let refused: Vec<i64> = text
            .trim()
            .trim_matches(['[', ']'])
            .split(',')
            .map(|n| n.parse().expect("an index"))
            .collect();
        assert_eq!(refused.len(), cases.len());
        for (numbers, javascript) in cases.iter().zip(refused) {
            let engine = policy(numbers, Switches::default())
                .err()
                .map_or(-1, |i| i as i64);
            assert_eq!(javascript, engine, "{numbers:?}");
        }
    }

    #[test]
    fn a_session_window_turns_session_mode_on() {
        let numbers = with(index(PolicyOption::SessionWindow), 4096.0);
        let policy = policy(&numbers, Switches::default()).unwrap();
        let terms = Terms {
            window: 4096,
            batches: true,
        };
        assert_eq!(policy.session, Some(terms));
        for refused in [0.0, -1.0, 1.5, f64::INFINITY, 4_294_967_296.0] {
            let numbers = with(index(PolicyOption::SessionWindow), refused);
            let outcome = super::policy(&numbers, Switches::default());
            assert_eq!(
                outcome,
                Err(index(PolicyOption::SessionWindow)),
                "{refused}"
            );
        }
    }

    #[test]
    fn unlimited_counts() {
        let numbers = with(index(PolicyOption::QueueCapacity), f64::INFINITY);
        let policy = policy(&numbers, Switches::default()).unwrap();
        assert_eq!(policy.queue_capacity, usize::MAX);
        assert_eq!(policy.max_retries, None);
    }
}
