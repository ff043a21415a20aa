//! The Rust API: a typed, reconnecting socket that is a `Stream` of events and a `Sink` of
//! messages.

use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use futures_sink::Sink;
use web_sys::WebSocket;

use crate::codec::{DecodeError, Decoder, Encoder, Json};
use crate::control::{SendHandle, SendOptions};
use crate::driver::{Driver, Notice};
use crate::{Config, Error};
use resocket_core::{Closed, Event as CoreEvent, Input, Removal, Sent, State, close};

#[cfg(feature = "json")]
mod answer;
mod inbox;
#[cfg(feature = "json")]
mod requests;

use inbox::{Inbox, inbox};
#[cfg(feature = "json")]
pub(crate) use requests::LazyRequests;
#[cfg(feature = "json")]
pub use requests::Response;

/// What a [`Socket`] (or its [`Receiver`]) yields. More events may come: match with a
/// wildcard.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event<In> {
    /// The connection opened; messages queued while disconnected are already sent.
    Open,
    /// A message arrived (answers to [`request`](Socket::request)s are not delivered).
    Message(In),
    /// A connection ended (once per socket, opened or not), or [`Sender::close`] ended a wait
    /// between attempts. Its `requeued` messages are queued again, in order, ahead of
    /// everything sent since; its `unconfirmed` ones may or may not have reached the server
    /// (see `docs/delivery.md`).
    Closed(Closed),
    /// The next attempt is scheduled.
    Reconnecting {
        /// Retry number since the last reset, from 1.
        attempt: u32,
        /// The wait before it.
        delay: Duration,
    },
    /// `max_retries` ran out; the socket stays closed until [`Sender::reconnect`].
    RetriesExhausted {
        /// The retries made.
        retries: u32,
    },
    /// The browser reports the network lost (`offline`), while the socket is connected or
    /// trying, or the socket was opened while it was lost. No attempt starts until
    /// [`Online`](Event::Online): a lost connection waits in [`State::Offline`] instead of
    /// retrying (its `Closed` event still says `will_reconnect: true`). An open connection is
    /// kept, as it may still work, and checked at once when the heartbeat is on. See
    /// "Network and page awareness" in the repository's `docs/delivery.md`.
    Offline,
    /// The browser reports the network back (`online`): a socket in [`State::Offline`] starts
    /// an attempt at once, with the retry count reset.
    Online,
    /// The [`State`] changed (to waiting, connecting, open, ...): what a UI shows. It follows
    /// the other events of the same change; a state passed through at once is not reported.
    StateChanged(State),
    /// In session mode ([`Config::session`](crate::Config::session)), a new connection
    /// settled the session, before its [`Open`](Event::Open): it went on (`recovered`), and
    /// nothing was lost either way, or the server no longer had it and a new one began. Then
    /// `unacknowledged` holds the messages sent on the lost session that the server never
    /// acknowledged, oldest first, as they went on the wire: they may or may not have
    /// arrived, and are not sent again. Messages that never left are sent on the new session.
    #[cfg(feature = "session")]
    Resumed {
        /// Whether the session went on.
        recovered: bool,
        /// When not, the messages of unknown fate.
        unacknowledged: Vec<crate::Message>,
    },
    /// A message arrived that the codec could not decode; the connection stays open.
    DecodeError(DecodeError),
    /// An attempt or connection failed ([`Error::Connection`]; the events that follow say
    /// whether it retries), or a message larger than `max_message_bytes` was dropped
    /// ([`Error::MessageTooBig`]; the connection stays open).
    Error(Error),
    /// A message sent with [`Sender::send_with`] was taken back before any socket had it:
    /// its time to live ran out while it was queued ([`Removal::Expired`]), or its
    /// [`SendHandle::cancel`] took it ([`Removal::Aborted`]). It was never sent.
    Removed {
        /// The message, as it was encoded.
        message: crate::Message,
        /// Why.
        reason: Removal,
    },
}

impl<In> From<CoreEvent> for Event<In> {
    fn from(event: CoreEvent) -> Self {
        match event {
            CoreEvent::Open => Event::Open,
            CoreEvent::Closed(closed) => Event::Closed(closed),
            CoreEvent::Reconnecting { attempt, delay_ms } => Event::Reconnecting {
                attempt,
                delay: Duration::from_millis(delay_ms.into()),
            },
            CoreEvent::Failed(failure) => Event::Error(Error::Connection(failure)),
            CoreEvent::RetriesExhausted { retries } => Event::RetriesExhausted { retries },
            CoreEvent::Offline => Event::Offline,
            CoreEvent::Online => Event::Online,
            CoreEvent::StateChanged(state) => Event::StateChanged(state),
        }
    }
}

/// A reconnecting WebSocket that sends `Out` and receives `In`, encoded by the codec `C`
/// ([`Json`] unless named).
///
/// It sends, closes and reports its state like its [`Sender`], and as a [`Stream`] it yields
/// [`Event`]s. [`split`](Self::split) gives separate halves for separate tasks. The connection
/// closes (code 1000) when the socket and every sender are dropped.
///
/// ```no_run
/// use futures_util::StreamExt;
/// use resocket::{Closed, Config, Event, Socket};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize)]
/// struct Say { text: String }
///
/// #[derive(Deserialize)]
/// struct Said { from: String, text: String }
///
/// # async fn run() -> Result<(), resocket::Error> {
/// let mut socket: Socket<Say, Said> = Socket::open(Config::new("wss://example.com/chat"))?;
/// socket.try_send(&Say { text: "hello".into() })?; // queued until the connection opens
/// while let Some(event) = socket.next().await {
///     match event {
///         Event::Message(said) => web_sys::console::log_1(&format!("{}: {}", said.from, said.text).into()),
///         Event::Closed(Closed { will_reconnect: false, .. }) => break,
///         _ => {}
///     }
/// }
/// # Ok(())
/// # }
/// ```
pub struct Socket<Out, In, C = Json> {
    sender: Sender<Out, C>,
    receiver: Receiver<In, C>,
}

impl<Out, In, C> Socket<Out, In, C>
where
    C: Encoder<Out> + Decoder<In>,
{
    /// Opens a socket and starts connecting (unless the config says to start closed).
    ///
    /// Fails at once, without connecting, when an option, the URL or a subprotocol is invalid,
    /// and with [`Error::NotInBrowser`] outside a browser.
    pub fn open(config: Config) -> Result<Self, Error> {
        // Natively every browser call would panic ("cannot access imported statics").
        if cfg!(not(target_arch = "wasm32")) {
            return Err(Error::NotInBrowser);
        }
        #[allow(unused_mut)]
        let mut settings = config.settings()?;
        let (postbox, notices) = inbox();
        #[cfg(feature = "json")]
        let requests = LazyRequests::new(&config.request_id_field);
        #[cfg(feature = "json")]
        let notify = requests.watch(move |notice| postbox.post(notice));
        #[cfg(feature = "json")]
        {
            settings.requests = Some(requests.clone());
        }
        #[cfg(not(feature = "json"))]
        let notify = Box::new(move |notice| postbox.post(notice));
        let driver = Driver::new(settings, notify)?;
        if !config.start_closed {
            driver.connect();
        }
        let watched = Rc::downgrade(&driver);
        Ok(Socket {
            sender: Sender {
                driver,
                #[cfg(feature = "json")]
                requests,
                codec: PhantomData,
            },
            receiver: Receiver {
                notices,
                driver: watched,
                listening: std::cell::Cell::new(false),
                codec: PhantomData,
            },
        })
    }

    /// Splits into a sender (cloneable) and a receiver, for use from different tasks.
    pub fn split(self) -> (Sender<Out, C>, Receiver<In, C>) {
        (self.sender, self.receiver)
    }
}

#[cfg(feature = "json")]
impl<Out, In, C: crate::codec::RequestCodec> Socket<Out, In, C> {
    /// Sends `request` with a fresh id and waits for the answer; see [`Sender::request`].
    pub fn request<Req, Resp>(&self, request: &Req, timeout: Duration) -> Response<Resp>
    where
        Req: serde::Serialize + ?Sized,
        Resp: serde::de::DeserializeOwned,
    {
        self.sender.request(request, timeout)
    }

    /// A request whose frame has a time to live in the queue; see [`Sender::request_with`].
    pub fn request_with<Req, Resp>(
        &self,
        request: &Req,
        timeout: Duration,
        ttl: Duration,
    ) -> Response<Resp>
    where
        Req: serde::Serialize + ?Sized,
        Resp: serde::de::DeserializeOwned,
    {
        self.sender.request_with(request, timeout, ttl)
    }
}

// Written out rather than reached through a `Deref` to the sender: inherent methods win over
// trait methods, trait methods over `Deref`. The sending one is `try_send`, so that
// `SinkExt::send(message).await` (which waits for room in a full queue) is the `send`.
impl<Out, In, C: Encoder<Out>> Socket<Out, In, C> {
    /// Sends now or queues, without waiting; see [`Sender::try_send`].
    pub fn try_send(&self, message: &Out) -> Result<Sent, Error> {
        self.sender.try_send(message)
    }

    /// Sends with `options` (volatile, a time to live); see [`Sender::send_with`].
    pub fn send_with(&self, message: &Out, options: SendOptions) -> Result<SendHandle, Error> {
        self.sender.send_with(message, options)
    }
}

impl<Out, In, C> Socket<Out, In, C> {
    /// A sender for this socket's connection, for another task.
    pub fn sender(&self) -> Sender<Out, C> {
        self.sender.clone()
    }

    /// Closes with code 1000; see [`Sender::close`].
    pub fn close(&self) {
        self.sender.close();
    }

    /// Closes with a code and reason; see [`Sender::close_with`].
    pub fn close_with(&self, code: u16, reason: &str) -> Result<(), Error> {
        self.sender.close_with(code, reason)
    }

    /// Connects again at once; see [`Sender::reconnect`].
    pub fn reconnect(&self) {
        self.sender.reconnect();
    }

    /// Connects again at once, closing with a code and reason; see
    /// [`Sender::reconnect_with`].
    pub fn reconnect_with(&self, code: u16, reason: &str) -> Result<(), Error> {
        self.sender.reconnect_with(code, reason)
    }

    /// The connection state.
    pub fn state(&self) -> State {
        self.sender.state()
    }

    /// Retries since the last connection that lasted `min_uptime`.
    pub fn retry_count(&self) -> u32 {
        self.sender.retry_count()
    }

    /// Messages waiting for the connection to open.
    pub fn queued_count(&self) -> usize {
        self.sender.queued_count()
    }

    /// The round-trip time of the last heartbeat pong; `None` from each open until that
    /// connection's first pong.
    pub fn rtt(&self) -> Option<Duration> {
        self.sender.rtt()
    }

    /// The subprotocol the server chose for the current connection.
    pub fn protocol(&self) -> Option<String> {
        self.sender.protocol()
    }
}

impl<Out, In, C: Decoder<In>> Stream for Socket<Out, In, C> {
    type Item = Event<In>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event<In>>> {
        Pin::new(&mut self.receiver).poll_next(cx)
    }
}

impl<Out, In, C: Encoder<Out>> Sink<Out> for Socket<Out, In, C> {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.sender).poll_ready(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, message: Out) -> Result<(), Error> {
        Pin::new(&mut self.sender).start_send(message)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.sender).poll_flush(cx)
    }

    /// Closes the connection (code 1000), as [`close`](Socket::close) does: the socket is
    /// the whole of it. A [`Sender`]'s close does not.
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.sender.close();
        Poll::Ready(Ok(()))
    }
}

/// The sending and controlling half of a [`Socket`]. Clones share one connection.
pub struct Sender<Out, C = Json> {
    driver: Rc<Driver>,
    #[cfg(feature = "json")]
    requests: Rc<LazyRequests>,
    codec: PhantomData<fn(&Out) -> C>,
}

impl<Out, C> std::fmt::Debug for Sender<Out, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.driver.inspect(|machine| {
            f.debug_struct("Sender")
                .field("state", &machine.state())
                .field("retry_count", &machine.retry_count())
                .field("queued_count", &machine.queued_count())
                .finish_non_exhaustive()
        })
    }
}

impl<Out, In, C> std::fmt::Debug for Socket<Out, In, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

impl<Out, C> Clone for Sender<Out, C> {
    fn clone(&self) -> Self {
        Sender {
            driver: self.driver.clone(),
            #[cfg(feature = "json")]
            requests: self.requests.clone(),
            codec: PhantomData,
        }
    }
}

impl<Out, C: Encoder<Out>> Sender<Out, C> {
    /// Sends `message` now if connected, or queues it until the connection opens, without
    /// waiting: the JavaScript face's `send`.
    ///
    /// Fails when the socket is closed, when the queue is full under the reject policy, or
    /// when the message does not encode; the message is not sent in any of those cases. To
    /// wait for room in a full queue instead, use the [`Sink`]: `SinkExt::send(message).await`.
    pub fn try_send(&self, message: &Out) -> Result<Sent, Error> {
        let frame = C::encode(message)?;
        self.driver
            .send(frame)
            .map_err(|rejected| rejected.error.into())
    }

    /// Sends `message` as [`try_send`](Self::try_send) does, with `options`: a volatile
    /// message is skipped unless the connection is open (`sent()` is [`Sent::Skipped`] and
    /// nothing is queued); one with a time to live is removed if it is still queued when it
    /// runs out, and reported as [`Event::Removed`]. The handle's
    /// [`cancel`](SendHandle::cancel) takes it back while it is queued.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use resocket::{Config, SendOptions, Sent, Socket, Text};
    ///
    /// # fn run() -> Result<(), resocket::Error> {
    /// let socket: Socket<String, String, Text> = Socket::open(Config::new("wss://example.com/live"))?;
    /// let line = socket.send_with(&"hello".into(), SendOptions::new().ttl(Duration::from_secs(30)))?;
    /// if line.sent() != Sent::Now {
    ///     line.cancel(); // changed our mind while it waited
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn send_with(&self, message: &Out, options: SendOptions) -> Result<SendHandle, Error> {
        let options = options.to_core()?;
        let frame = C::encode(message)?;
        let (sent, id) = (self.driver)
            .send_with(frame, options)
            .map_err(|rejected| Error::from(rejected.error))?;
        Ok(SendHandle::new(sent, id, &self.driver))
    }
}

#[cfg(feature = "json")]
impl<Out, C: crate::codec::RequestCodec> Sender<Out, C> {
    /// Sends `request` with a fresh id and returns the future of its answer: the incoming
    /// message whose id member holds the same id. The codec is one that carries requests
    /// ([`RequestCodec`](crate::codec::RequestCodec)): [`Json`], whose requests go out as JSON
    /// text, or [`MsgPack`](crate::codec::MsgPack) (the `msgpack` feature), whose requests go
    /// out as binary MessagePack maps.
    ///
    /// The id is a counter per socket (1, 2, ...) set in the member named by
    /// [`Config::request_id_field`] (default `"id"`), so `request` must serialize to a JSON
    /// object (a MessagePack request is written from that object); an id member it has is
    /// replaced. Answers are taken out of the message stream as they arrive, whether or not the
    /// stream is read; messages with other ids pass through as messages. An answer is read in
    /// the format it comes in (a text as JSON, a binary frame as MessagePack) by the same
    /// rules: one with an `error` member (other than `null`) is [`Error::Remote`]; otherwise
    /// its `result` member is decoded into `Resp`; an answer with neither, or a `result` that
    /// is not a `Resp`, is [`Error::Decode`], carrying the answer as it came (text or bytes).
    ///
    /// The request is sent now, or queued like [`send`](Self::send) while disconnected (it
    /// counts against the queue), when `request` is called; `timeout` (at most 2^31 - 1 ms,
    /// about 24.8 days; longer ones wait that long) covers the wait in the queue too. The
    /// future fails with:
    ///
    /// - [`Error::RequestTimeout`]: no answer within `timeout`;
    /// - [`Error::ConnectionLost`]: the connection it went out on was lost (the server may or
    ///   may not have acted on it); with [`Config::resend_requests`] it is sent again, same
    ///   id, on the next connection instead. A request the browser never transmitted goes
    ///   out on the next connection, like any unsent message, and keeps waiting;
    /// - [`Error::Dropped`]: still queued, it was pushed out of the queue by a later send
    ///   ([`Overflow::DropOldest`](crate::Overflow::DropOldest));
    /// - [`Error::Closed`]: the socket was closed, or closed for good (`close()`, a final close
    ///   code, `max_retries` ran out, the socket dropped) while the request waited;
    /// - [`Error::Remote`] / [`Error::Decode`]: the answer was an error / did not decode;
    /// - [`Error::QueueFull`]: the queue was full while disconnected;
    /// - [`Error::Encode`]: `request` does not serialize to a JSON object, or does not encode.
    ///
    /// [`request_with`](Self::request_with) gives the request's frame a time to live in the
    /// queue as well.
    ///
    /// Dropping the future forgets the request, and takes its frame out of the queue if no
    /// socket has it yet (the request then never reaches the server). The ids of the last
    /// 1024 requests that ended
    /// (answered, timed out, failed, forgotten) are remembered, so a late or second answer is
    /// dropped rather than delivered as a message.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use resocket::{Config, Error, Socket};
    /// use serde::Serialize;
    ///
    /// #[derive(Serialize)]
    /// struct Call<'a> { method: &'a str, params: (i64, i64) }
    ///
    /// # async fn run() -> Result<(), Error> {
    /// let socket: Socket<Call, serde_json::Value> =
    ///     Socket::open(Config::new("wss://example.com/rpc"))?;
    /// // Sends {"id":1,"method":"add","params":[2,3]}; the server answers {"id":1,"result":5}.
    /// let add = Call { method: "add", params: (2, 3) };
    /// match socket.request::<_, i64>(&add, Duration::from_secs(2)).await {
    ///     Ok(sum) => web_sys::console::log_1(&format!("2 + 3 = {sum}").into()),
    ///     Err(Error::Remote { error, .. }) => web_sys::console::log_1(&format!("no: {error}").into()),
    ///     Err(Error::RequestTimeout { .. } | Error::ConnectionLost { .. }) => {} // try again later
    ///     Err(other) => return Err(other),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn request<Req, Resp>(&self, request: &Req, timeout: Duration) -> Response<Resp>
    where
        Req: serde::Serialize + ?Sized,
        Resp: serde::de::DeserializeOwned,
    {
        (self.requests).start_on::<C, _>(Some(&self.driver), None, request, timeout, None)
    }

    /// [`request`](Self::request), its frame removed if it is still queued `ttl` after the
    /// call (at most 2^31 - 1 ms): the future then fails with [`Error::Removed`], and the
    /// server never saw the request, which `timeout` alone cannot tell.
    pub fn request_with<Req, Resp>(
        &self,
        request: &Req,
        timeout: Duration,
        ttl: Duration,
    ) -> Response<Resp>
    where
        Req: serde::Serialize + ?Sized,
        Resp: serde::de::DeserializeOwned,
    {
        (self.requests).start_on::<C, _>(Some(&self.driver), None, request, timeout, Some(ttl))
    }
}

impl<Out, C> Sender<Out, C> {
    /// Closes with code 1000 and stops reconnecting. Queued messages stay queued for a later
    /// [`reconnect`](Self::reconnect). Closing twice is harmless: one `Closed` event.
    pub fn close(&self) {
        self.close_now(close::NORMAL, String::new());
    }

    /// Closes with a code (1000 or 3000 to 4999) and a reason (at most 123 bytes).
    pub fn close_with(&self, code: u16, reason: &str) -> Result<(), Error> {
        close::check_user_close(code, reason)?;
        self.close_now(code, reason.to_owned());
        Ok(())
    }

    fn close_now(&self, code: u16, reason: String) {
        self.driver.input(Input::Close { code, reason });
    }

    /// Drops the current connection, if any (code 1000), and connects again at once with the
    /// retry count reset. Also restarts a closed socket.
    pub fn reconnect(&self) {
        self.driver.reconnect(close::NORMAL, String::new());
    }

    /// Like [`reconnect`](Self::reconnect), closing the current connection with a code
    /// (1000 or 3000 to 4999) and a reason.
    pub fn reconnect_with(&self, code: u16, reason: &str) -> Result<(), Error> {
        close::check_user_close(code, reason)?;
        self.driver.reconnect(code, reason.to_owned());
        Ok(())
    }

    /// The connection state.
    pub fn state(&self) -> State {
        self.driver.inspect(|machine| machine.state())
    }

    /// Retries since the last connection that lasted `min_uptime`.
    pub fn retry_count(&self) -> u32 {
        self.driver.inspect(|machine| machine.retry_count())
    }

    /// Messages waiting for the connection to open.
    pub fn queued_count(&self) -> usize {
        self.driver.inspect(|machine| machine.queued_count())
    }

    /// The round-trip time of the last heartbeat pong; `None` from each open until that
    /// connection's first pong.
    pub fn rtt(&self) -> Option<Duration> {
        let rtt_ms = self.driver.inspect(|machine| machine.rtt_ms())?;
        Duration::try_from_secs_f64(rtt_ms / 1000.0).ok()
    }

    /// The subprotocol the server chose for the current connection.
    pub fn protocol(&self) -> Option<String> {
        self.driver
            .socket(WebSocket::protocol)
            .filter(|protocol| !protocol.is_empty())
    }
}

impl<Out, C: Encoder<Out>> Sink<Out> for Sender<Out, C> {
    type Error = Error;

    /// Waits while the queue is full under the reject policy (until a connection opens and
    /// drains it); fails with [`Error::Closed`] once the socket is closed.
    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.driver.poll_send_ready(cx).map_err(Error::from)
    }

    fn start_send(self: Pin<&mut Self>, message: Out) -> Result<(), Error> {
        self.try_send(&message).map(drop)
    }

    /// Sends are handed to the socket or queued at once: nothing to flush.
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    /// Ends this handle's sending only: the connection is shared with the other handles and
    /// stays open. [`close`](Sender::close) it, or drop every handle.
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }
}

/// The receiving half of a [`Socket`]: a [`Stream`] of [`Event`]s.
///
/// The stream ends once the socket and every [`Sender`] are dropped. Until then events
/// are buffered for it, so keep polling it, or drop it if the events are of no interest.
pub struct Receiver<In, C = Json> {
    notices: Inbox<Notice>,
    /// Weak: the connection lives as long as the socket or a sender, not the receiver.
    driver: Weak<Driver>,
    /// The stream was polled: someone listens, until the receiver is dropped.
    listening: std::cell::Cell<bool>,
    codec: PhantomData<fn() -> (In, C)>,
}

impl<In, C> Receiver<In, C> {
    /// The connection state, as [`Sender::state`] gives it; [`State::Closed`] once the socket
    /// and every sender are dropped.
    pub fn state(&self) -> State {
        (self.driver.upgrade()).map_or(State::Closed, |driver| {
            driver.inspect(|machine| machine.state())
        })
    }
}

impl<In, C> Drop for Receiver<In, C> {
    /// No one listens any more: an idle connection may close.
    fn drop(&mut self) {
        if self.listening.get()
            && let Some(driver) = self.driver.upgrade()
        {
            driver.interest(false);
        }
    }
}

impl<In, C> std::fmt::Debug for Receiver<In, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

impl<In, C: Decoder<In>> Stream for Receiver<In, C> {
    type Item = Event<In>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event<In>>> {
        // The first poll is a listener: a lazy socket connects for it.
        if !self.listening.replace(true)
            && let Some(driver) = self.driver.upgrade()
        {
            driver.interest(true);
        }
        loop {
            let Poll::Ready(notice) = self.notices.poll_next(cx) else {
                return Poll::Pending;
            };
            let event = match notice {
                None => None,
                Some(Notice::Message { data, .. }) => Some(match C::decode(&data) {
                    Ok(message) => Event::Message(message),
                    Err(error) => Event::DecodeError(error),
                }),
                Some(Notice::TooBig { size, limit }) => {
                    Some(Event::Error(Error::MessageTooBig { size, limit }))
                }
                Some(Notice::Event(event)) => Some(event.into()),
                #[cfg(feature = "session")]
                Some(Notice::Resumed {
                    recovered,
                    unacknowledged,
                }) => Some(Event::Resumed {
                    recovered,
                    unacknowledged: (unacknowledged.iter())
                        .filter_map(crate::Message::from_js)
                        .collect(),
                }),
                Some(Notice::Removed { data, reason }) => {
                    // A codec's frame is always a text or bytes.
                    let Some(message) = crate::Message::from_js(&data) else {
                        continue;
                    };
                    Some(Event::Removed { message, reason })
                }
                // Settled by the requests where it was reported; never posted.
                Some(Notice::RequestFailed { .. }) => continue,
            };
            return Poll::Ready(event);
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod native {
    //! Natively (not on wasm32), `Socket::open` fails with `Error::NotInBrowser` instead of
    //! panicking on the first browser call, and the error says what to do instead.

    use crate::{Config, Error, Socket, Text};

    #[test]
    fn open_outside_a_browser_is_a_clear_error() {
        let opened = Socket::<String, String, Text>::open(Config::new("wss://example.com/live"));
        let error = opened.expect_err("no socket outside a browser");
        assert_eq!(error, Error::NotInBrowser);
        assert!(
            error.to_string().contains("resocket_core::Machine"),
            "{error}"
        );
    }
}
