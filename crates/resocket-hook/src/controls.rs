//! [`Controls`]: a hook's handle on a socket whose sender its framework keeps.

use std::time::Duration;

use resocket::codec::Encoder;
use resocket::{Error, Json, Sender, Sent};

use crate::Figures;

/// Where a hook keeps its socket's sender, and how it shows the socket's figures.
pub trait Holder {
    /// The messages the socket sends.
    type Out;
    /// The socket's codec.
    type Codec;

    /// Runs `call` on the sender; `None` when there is none (the socket did not open, or its
    /// component is gone). The figures are read inside `call`, and shown after it returns:
    /// showing them may render at once, and rendering may want the sender.
    fn with_sender<R>(&self, call: impl FnOnce(&Sender<Self::Out, Self::Codec>) -> R) -> Option<R>;

    /// Shows `figures` in the framework's values; those that did not change should not
    /// notify.
    fn show(&self, figures: Figures);
}

/// The socket's controls, through a hook's [`Holder`]. Each call shows the figures it may have
/// changed; each fails as a closed socket's would once the sender is gone.
#[derive(Clone, Copy)]
pub struct Controls<H>(pub H);

impl<H: Holder> Controls<H> {
    /// Runs `call` on the sender, then shows the figures read right after it.
    fn call<R>(&self, call: impl FnOnce(&Sender<H::Out, H::Codec>) -> R) -> Option<R> {
        let (result, figures) = self.0.with_sender(|sender| {
            let result = call(sender);
            (result, Figures::of(sender))
        })?;
        self.0.show(figures);
        Some(result)
    }

    /// Closes with code 1000 and stops reconnecting, until [`reconnect`](Self::reconnect);
    /// see [`Sender::close`].
    pub fn close(&self) {
        self.call(Sender::close);
    }

    /// Drops the current connection, if any, and connects again at once with the retry count
    /// reset; also reopens a closed socket. See [`Sender::reconnect`].
    pub fn reconnect(&self) {
        self.call(Sender::reconnect);
    }

    /// A clone of the socket's sender, for what the controls do not offer (`send_with`, the
    /// `Sink`, `protocol`); `None` when the socket did not open or its component is gone.
    /// While a clone lives the connection stays open, the component gone or not.
    pub fn sender(&self) -> Option<Sender<H::Out, H::Codec>> {
        self.0.with_sender(Sender::clone)
    }
}

impl<H: Holder> Controls<H>
where
    H::Codec: Encoder<H::Out>,
{
    /// Sends now if connected, or queues until the connection opens; see
    /// [`Sender::try_send`]. Fails with [`Error::Closed`] when the socket did not open or its
    /// component is gone.
    pub fn send(&self, message: &H::Out) -> Result<Sent, Error> {
        self.call(|sender| sender.try_send(message))
            .unwrap_or(Err(Error::Closed))
    }
}

#[cfg(feature = "json")]
impl<H: Holder<Codec = Json>> Controls<H> {
    /// Sends `request` with a fresh id and waits for the answer whose id matches; see
    /// [`Sender::request`]. The request goes out (or is queued) when this is called, not when
    /// the future is first polled; the future fails with [`Error::Closed`] when the socket did
    /// not open or its component is gone.
    pub fn request<Req, Resp>(
        &self,
        request: &Req,
        timeout: Duration,
    ) -> impl Future<Output = Result<Resp, Error>> + 'static
    where
        Req: serde::Serialize + ?Sized,
        Resp: serde::de::DeserializeOwned + 'static,
    {
        let response = self.call(|sender| sender.request::<Req, Resp>(request, timeout));
        async move { response.ok_or(Error::Closed)?.await }
    }
}
