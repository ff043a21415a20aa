//! Short ways to write the policies and events tests compare against.

use resocket_core::{Closed, Event, Policy};

/// The default policy without jitter, so every delay is exact.
pub fn exact() -> Policy {
    let mut policy = Policy::default();
    policy.backoff.jitter = 0.0;
    policy
}

/// An `Event::Closed` of a connection that carried no messages, shorter to write.
pub fn closed(code: u16, reason: &str, was_clean: bool, will_reconnect: bool) -> Event {
    Event::Closed(Closed {
        code,
        reason: reason.into(),
        was_clean,
        will_reconnect,
        requeued: 0,
        unconfirmed: 0,
    })
}
