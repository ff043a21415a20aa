//! Policy defaults and validation, and user close codes:
//! - the defaults are those the issue asks for, and pass validation;
//! - every boundary value that is in range passes;
//! - `Policy::validate` (and so `Machine::new`) rejects each out-of-range option by name: NaN,
//!   negative or > 1 jitter, grow factor < 1 or not finite, min delay > max delay, delays and
//!   timeouts beyond `i32::MAX` ms, zero timeouts, zero heartbeat timings, a zero queue,
//!   a zero `max_message_bytes`;
//! - errors read well;
//! - `close::check_user_close` accepts 1000 and 3000-4999 with reasons up to 123 UTF-8 bytes.

use resocket_core::close::{CloseCodeError, MAX_REASON_BYTES, check_user_close};
use resocket_core::{
    Backoff, DEFAULT_MAX_MESSAGE_BYTES, HeartbeatTiming, MAX_TIMER_MS, Machine, Overflow, Policy,
    PolicyError, PolicyOption,
};

const MAX: u32 = i32::MAX as u32;

fn with(change: impl FnOnce(&mut Policy)) -> Policy {
    let mut policy = Policy {
        heartbeat: Some(HeartbeatTiming {
            interval_ms: 1_000,
            timeout_ms: 1_000,
        }),
        ..Policy::default()
    };
    change(&mut policy);
    policy
}

fn heartbeat(interval_ms: u32, timeout_ms: u32) -> Option<HeartbeatTiming> {
    Some(HeartbeatTiming {
        interval_ms,
        timeout_ms,
    })
}

#[test]
fn defaults() {
    let policy = Policy::default();
    assert_eq!(
        policy,
        Policy {
            backoff: Backoff {
                min_delay_ms: 1_000,
                max_delay_ms: 30_000,
                grow_factor: 2.0,
                jitter: 0.5,
            },
            max_retries: None,
            min_uptime_ms: 5_000,
            connect_timeout_ms: 5_000,
            final_codes: vec![1002, 1003, 1007, 1008, 1009, 1010],
            heartbeat: None,
            queue_capacity: 1_000,
            overflow: Overflow::Reject,
            max_message_bytes: 16 * 1024 * 1024,
            resend_requests: false,
            session: None,
            setup_timeout_ms: None,
            lazy: false,
            idle_close_ms: None,
        }
    );
    assert_eq!(DEFAULT_MAX_MESSAGE_BYTES, 16 * 1024 * 1024);
    assert_eq!(policy.validate(), Ok(()));
    let machine: Machine<String> = Machine::new(policy.clone(), 0).unwrap();
    assert_eq!(machine.policy(), &policy);
    assert_eq!(MAX_TIMER_MS, MAX);
}

#[test]
fn boundary_values_in_range_pass() {
    let valid = [
        with(|p| p.backoff.jitter = 0.0),
        with(|p| p.backoff.jitter = 1.0),
        with(|p| p.backoff.grow_factor = 1.0),
        with(|p| p.backoff.grow_factor = f64::MAX),
        with(|p| p.backoff.min_delay_ms = p.backoff.max_delay_ms),
        with(|p| p.backoff.min_delay_ms = 0),
        with(|p| {
            p.backoff.min_delay_ms = 0;
            p.backoff.max_delay_ms = 0;
        }),
        with(|p| {
            p.backoff.min_delay_ms = MAX;
            p.backoff.max_delay_ms = MAX;
        }),
        with(|p| p.max_retries = Some(0)),
        with(|p| p.max_retries = Some(u32::MAX)),
        with(|p| p.min_uptime_ms = 0),
        with(|p| p.min_uptime_ms = MAX),
        with(|p| p.connect_timeout_ms = 1),
        with(|p| p.connect_timeout_ms = MAX),
        with(|p| p.final_codes = Vec::new()),
        with(|p| p.heartbeat = None),
        with(|p| p.heartbeat = heartbeat(1, 1)),
        with(|p| p.heartbeat = heartbeat(MAX, MAX)),
        with(|p| p.queue_capacity = 1),
        with(|p| p.overflow = Overflow::DropOldest),
        with(|p| p.max_message_bytes = 1),
        with(|p| p.max_message_bytes = usize::MAX),
    ];
    for policy in valid {
        assert_eq!(policy.validate(), Ok(()), "{policy:?}");
        assert!(Machine::<String>::new(policy, 0).is_ok());
    }
}

#[test]
fn each_out_of_range_option_is_rejected_by_name() {
    let invalid = [
        ("jitter", with(|p| p.backoff.jitter = f64::NAN)),
        ("jitter", with(|p| p.backoff.jitter = -0.01)),
        ("jitter", with(|p| p.backoff.jitter = 1.01)),
        ("jitter", with(|p| p.backoff.jitter = f64::INFINITY)),
        ("grow_factor", with(|p| p.backoff.grow_factor = 0.99)),
        ("grow_factor", with(|p| p.backoff.grow_factor = 0.0)),
        ("grow_factor", with(|p| p.backoff.grow_factor = -2.0)),
        ("grow_factor", with(|p| p.backoff.grow_factor = f64::NAN)),
        (
            "grow_factor",
            with(|p| p.backoff.grow_factor = f64::INFINITY),
        ),
        ("min_delay", with(|p| p.backoff.min_delay_ms = 30_001)),
        (
            "min_delay",
            with(|p| {
                p.backoff.min_delay_ms = 2;
                p.backoff.max_delay_ms = 1;
            }),
        ),
        ("min_delay", with(|p| p.backoff.min_delay_ms = u32::MAX)),
        ("max_delay", with(|p| p.backoff.max_delay_ms = MAX + 1)),
        ("max_delay", with(|p| p.backoff.max_delay_ms = u32::MAX)),
        ("min_uptime", with(|p| p.min_uptime_ms = MAX + 1)),
        ("connect_timeout", with(|p| p.connect_timeout_ms = 0)),
        ("connect_timeout", with(|p| p.connect_timeout_ms = MAX + 1)),
        (
            "heartbeat interval",
            with(|p| p.heartbeat = heartbeat(0, 1)),
        ),
        (
            "heartbeat interval",
            with(|p| p.heartbeat = heartbeat(MAX + 1, 1)),
        ),
        ("heartbeat timeout", with(|p| p.heartbeat = heartbeat(1, 0))),
        (
            "heartbeat timeout",
            with(|p| p.heartbeat = heartbeat(1, MAX + 1)),
        ),
        ("queue_capacity", with(|p| p.queue_capacity = 0)),
        ("max_message_bytes", with(|p| p.max_message_bytes = 0)),
    ];
    for (option, policy) in invalid {
        let error = policy.validate().unwrap_err();
        assert_eq!(error.option.name(), option, "{policy:?}");
        assert_eq!(
            Machine::<String>::new(policy, 0).unwrap_err(),
            error,
            "Machine::new must validate"
        );
    }
}

#[test]
fn errors_read_well() {
    let error = with(|p| p.backoff.jitter = 2.0).validate().unwrap_err();
    assert_eq!(
        error,
        PolicyError {
            option: PolicyOption::Jitter
        }
    );
    assert_eq!(
        error.to_string(),
        "invalid option `jitter`: expected a number from 0 to 1"
    );
    let error = with(|p| p.backoff.max_delay_ms = u32::MAX)
        .validate()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid option `max_delay`: expected from 0 to 2147483647 ms (the browser timer limit)"
    );
    let error = with(|p| p.final_codes = vec![1008, 999]).validate();
    assert_eq!(error, Err(PolicyOption::FinalCodes.into()));
    assert_eq!(
        with(|p| p.final_codes = vec![1000, 4999]).validate(),
        Ok(())
    );
}

#[test]
fn user_close_codes() {
    for code in [1000, 3000, 3999, 4000, 4999] {
        assert_eq!(check_user_close(code, "fine"), Ok(()), "{code}");
    }
    for code in [
        0,
        999,
        1001,
        1005,
        1006,
        1008,
        1011,
        1015,
        2999,
        5000,
        u16::MAX,
    ] {
        assert_eq!(
            check_user_close(code, ""),
            Err(CloseCodeError::Code(code)),
            "{code}"
        );
    }
}

#[test]
fn user_close_reasons_are_limited_to_123_utf8_bytes() {
    assert_eq!(MAX_REASON_BYTES, 123);
    assert_eq!(check_user_close(1000, ""), Ok(()));
    assert_eq!(check_user_close(1000, &"a".repeat(123)), Ok(()));
    assert_eq!(
        check_user_close(1000, &"a".repeat(124)),
        Err(CloseCodeError::ReasonTooLong(124))
    );
    // Bytes, not characters: 62 two-byte characters are too long.
    assert_eq!(check_user_close(4000, &"é".repeat(61)), Ok(()));
    assert_eq!(
        check_user_close(4000, &"é".repeat(62)),
        Err(CloseCodeError::ReasonTooLong(124))
    );
    // A bad code is reported before a long reason.
    assert_eq!(
        check_user_close(1001, &"a".repeat(200)),
        Err(CloseCodeError::Code(1001))
    );
}

#[test]
fn close_code_errors_read_well() {
    assert_eq!(
        CloseCodeError::Code(1006).to_string(),
        "close code 1006 cannot be sent by a client; use 1000 or a code from 3000 to 4999"
    );
    assert_eq!(
        CloseCodeError::ReasonTooLong(130).to_string(),
        "close reason is 130 bytes of UTF-8; the protocol allows at most 123"
    );
}
