//! Control over each message: how it is sent ([`SendOptions`]) and the handle that takes it
//! back while it is still queued ([`SendHandle`]). The rules are the core's
//! ([`resocket_core::SendOptions`]); this is their Rust shape.

use std::rc::{Rc, Weak};
use std::time::Duration;

use crate::Error;
use crate::driver::Driver;
use resocket_core::{MAX_TIMER_MS, MessageId, Sent};

/// How to send one message ([`Sender::send_with`](crate::Sender::send_with)): the default
/// is a plain send.
///
/// ```
/// use std::time::Duration;
/// use resocket::SendOptions;
///
/// // A cursor position: worthless if it cannot go now.
/// let cursor = SendOptions::new().volatile(true);
/// // A chat line: worth sending within 30 s of being typed, not later.
/// let line = SendOptions::new().ttl(Duration::from_secs(30));
/// # let _ = (cursor, line);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct SendOptions {
    volatile: bool,
    ttl: Option<Duration>,
}

impl SendOptions {
    /// A plain send.
    pub fn new() -> Self {
        SendOptions::default()
    }

    /// Send the message only if the connection is open now (in session mode: the session is
    /// ready); otherwise it is skipped ([`Sent::Skipped`]) and nothing is queued.
    pub fn volatile(mut self, volatile: bool) -> Self {
        self.volatile = volatile;
        self
    }

    /// Remove the message if it is still queued `ttl` after the send (at most 2^31 - 1 ms,
    /// about 24.8 days; a longer one is an [`Error::InvalidTtl`] when sending): it is
    /// reported as [`Event::Removed`](crate::Event::Removed). A message handed to the open
    /// socket is not removed, but if the socket dies before transmitting it, it goes back to
    /// the queue with its deadline.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// The core's options, or the error for a time to live no timer can run.
    pub(crate) fn to_core(self) -> Result<resocket_core::SendOptions, Error> {
        Ok(resocket_core::SendOptions {
            volatile: self.volatile,
            ttl_ms: self.ttl.map(ttl_ms).transpose()?,
        })
    }
}

/// `ttl` in milliseconds, when a timer can run that long.
pub(crate) fn ttl_ms(ttl: Duration) -> Result<u32, Error> {
    u32::try_from(ttl.as_millis())
        .ok()
        .filter(|&ms| ms <= MAX_TIMER_MS)
        .ok_or(Error::InvalidTtl(ttl))
}

/// A message accepted by [`Sender::send_with`](crate::Sender::send_with): where it went,
/// and the way to take it back while it is still queued. Dropping the handle leaves the
/// message as it is.
#[derive(Clone, Debug)]
#[must_use = "a volatile message may have been skipped: check `sent()`"]
pub struct SendHandle {
    sent: Sent,
    id: MessageId,
    driver: Weak<Driver>,
}

impl SendHandle {
    pub(crate) fn new(sent: Sent, id: MessageId, driver: &Rc<Driver>) -> Self {
        SendHandle {
            sent,
            id,
            driver: Rc::downgrade(driver),
        }
    }

    /// Where the message went when it was sent: handed to the open socket, queued, or
    /// skipped (volatile, and the connection not open).
    pub fn sent(&self) -> Sent {
        self.sent
    }

    /// Takes the message back if no socket has it yet, and reports it as
    /// [`Event::Removed`](crate::Event::Removed) with [`Removal::Aborted`](crate::Removal).
    /// Returns false, changing nothing, when it is gone already: handed to a socket (a
    /// message the browser may have sent is not recalled), removed, skipped, or the socket
    /// dropped.
    pub fn cancel(&self) -> bool {
        (self.driver.upgrade()).is_some_and(|driver| driver.cancel(self.id))
    }
}
