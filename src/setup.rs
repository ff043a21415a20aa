//! The setup step ([`Config::setup`](crate::Config::setup)): what runs on every new connection
//! before the queue is flushed, and the handle it sends through.

use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
#[cfg(feature = "json")]
use std::time::Duration;

use crate::driver::Driver;
use crate::{Error, Message, Sent};
use resocket_core::ConnId;

/// The user's setup step, as the driver runs it: its future, with the error as a text.
pub(crate) type SetupFn = Rc<dyn Fn(Setup) -> Pin<Box<dyn Future<Output = Result<(), String>>>>>;

/// The setup step's handle on the connection it runs on ([`Config::setup`](crate::Config::setup)).
///
/// What it sends goes out at once, ahead of everything queued; once the step is done the
/// queue is flushed and the socket opens. It is bound to its connection: once that is gone
/// its sends fail with [`Error::Closed`], and the next connection runs the step again with a
/// new handle. After the step is done, on the same connection, its sends are ordinary ones.
pub struct Setup {
    pub(crate) driver: Weak<Driver>,
    pub(crate) conn: ConnId,
    pub(crate) attempt: u32,
    pub(crate) resumed: bool,
    #[cfg(feature = "json")]
    pub(crate) requests: Rc<crate::socket::LazyRequests>,
}

impl Setup {
    /// How many times the setup step has run on this socket, this time included (1 the first
    /// time).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// In session mode, whether the server resumed the session: what the last setup step
    /// established may still stand. False outside session mode.
    pub fn resumed(&self) -> bool {
        self.resumed
    }

    /// Sends `message` (text or bytes, as it is) ahead of the queue.
    pub fn send(&self, message: impl Into<Message>) -> Result<Sent, Error> {
        let driver = self.driver.upgrade().ok_or(Error::Closed)?;
        (driver.setup_send(self.conn, message.into().to_js()))
            .map_err(|rejected| rejected.error.into())
    }

    /// Sends `message` as JSON ahead of the queue.
    #[cfg(feature = "json")]
    pub fn send_json<T: serde::Serialize + ?Sized>(&self, message: &T) -> Result<Sent, Error> {
        let text =
            serde_json::to_string(message).map_err(|error| Error::Encode(error.to_string()))?;
        self.send(text)
    }

    /// Sends `request` ahead of the queue and returns the future of its answer, as
    /// [`Sender::request`](crate::Sender::request) does. It is never sent again: it fails
    /// with [`Error::ConnectionLost`] when its connection is lost. It goes out as JSON text,
    /// whatever the socket's codec; its answer is read in the format it comes in.
    #[cfg(feature = "json")]
    pub fn request<Req, Resp>(&self, request: &Req, timeout: Duration) -> crate::Response<Resp>
    where
        Req: serde::Serialize + ?Sized,
        Resp: serde::de::DeserializeOwned,
    {
        let driver = self.driver.upgrade();
        let requests = &self.requests;
        requests.start_on::<crate::Json, _>(
            driver.as_ref(),
            Some(self.conn),
            request,
            timeout,
            None,
        )
    }
}

impl std::fmt::Debug for Setup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setup")
            .field("attempt", &self.attempt)
            .field("resumed", &self.resumed)
            .finish_non_exhaustive()
    }
}
