//! Everything a [`Socket`](crate::Socket) is opened with.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use wasm_bindgen::JsValue;

use crate::driver::{CloseVerdict, Pong, Settings};
use crate::setup::{Setup, SetupFn};
use crate::target::{self, Resolution, Resolver, Target, check_protocols, resolve_url};
use crate::{Error, Message};
use resocket_core::{HeartbeatTiming, Overflow, Policy};

type UrlFuture = Pin<Box<dyn Future<Output = Result<String, String>>>>;

/// The user's verdict on a close: reconnect (true) or not.
type ReconnectPredicate = Rc<dyn Fn(u16, &str) -> bool>;

/// Where each connection attempt gets its URL.
#[derive(Clone)]
pub(crate) enum UrlSource {
    Fixed(String),
    Sync(Rc<dyn Fn() -> Result<String, String>>),
    Async(Rc<dyn Fn() -> UrlFuture>),
}

/// Recognises the heartbeat's pong among incoming messages.
#[derive(Clone)]
pub(crate) enum PongMatcher {
    Text(String),
    Custom(Rc<dyn Fn(&str) -> bool>),
}

/// Resumable session settings, for [`Config::session`] (the `session` feature).
///
/// ```
/// use resocket::{Config, Session};
///
/// let config = Config::new("wss://example.com/live").session(Session::new().window(256 * 1024));
/// ```
#[cfg(feature = "session")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    window: u64,
    persist: Option<String>,
}

#[cfg(feature = "session")]
impl Session {
    /// A session with the default window, 100 KB
    /// ([`DEFAULT_WINDOW`](resocket_core::session::DEFAULT_WINDOW)).
    pub fn new() -> Self {
        Session {
            window: resocket_core::session::DEFAULT_WINDOW,
            persist: None,
        }
    }

    /// The bytes of messages the server has not acknowledged that the socket keeps before
    /// sends wait (the `Sink`) or fail with [`Error::WindowFull`] (`try_send`); at least 1. A
    /// message larger than the window still goes, alone.
    pub fn window(mut self, bytes: u64) -> Self {
        self.window = bytes;
        self
    }

    /// Keeps the session across a reload of the page, under `name`: when the page goes away
    /// (`pagehide`) the session and its unacknowledged messages are saved to
    /// `sessionStorage`, and the next page's socket with the same name resumes it, sending
    /// only what the server lacks. The entry holds the session's key: a page that must not
    /// keep secrets in `sessionStorage` leaves this off. Where storage is unavailable the
    /// socket starts a new session, as without it.
    pub fn persist(mut self, name: impl Into<String>) -> Self {
        self.persist = Some(name.into());
        self
    }
}

#[cfg(feature = "session")]
impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

/// Heartbeat settings: ping after `interval` of silence, give up `timeout` after a ping that
/// nothing answered.
///
/// ```
/// use std::time::Duration;
/// use resocket::Heartbeat;
///
/// let heartbeat = Heartbeat::new(Duration::from_secs(15), Duration::from_secs(5))
///     .ping("ping")
///     .pong_text("pong");
/// ```
#[derive(Clone)]
pub struct Heartbeat {
    pub(crate) timing: HeartbeatTiming,
    pub(crate) ping: Message,
    pub(crate) pong: PongMatcher,
}

impl Heartbeat {
    /// Pings after `interval` without incoming messages; declares the connection dead when
    /// nothing at all arrives within `timeout` of a ping. Ping `"ping"`, pong `"pong"`.
    pub fn new(interval: Duration, timeout: Duration) -> Self {
        Heartbeat {
            timing: HeartbeatTiming {
                interval_ms: millis(interval),
                timeout_ms: millis(timeout),
            },
            ping: Message::Text("ping".to_owned()),
            pong: PongMatcher::Text("pong".to_owned()),
        }
    }

    /// The message to ping with.
    pub fn ping(mut self, ping: impl Into<Message>) -> Self {
        self.ping = ping.into();
        self
    }

    /// Pings with a typed message, as the [`Json`](crate::codec::Json) codec encodes it
    /// (with the `json` feature).
    #[cfg(feature = "json")]
    pub fn ping_json<T: serde::Serialize>(self, ping: &T) -> Result<Self, Error> {
        let encoded = <crate::codec::Json as crate::codec::Encoder<T>>::encode(ping)?;
        let text = encoded.as_string().unwrap_or_default();
        Ok(self.ping(Message::Text(text)))
    }

    /// Pongs are text messages exactly equal to `pong`.
    pub fn pong_text(mut self, pong: impl Into<String>) -> Self {
        self.pong = PongMatcher::Text(pong.into());
        self
    }

    /// Pongs are the text messages for which `is_pong` returns true.
    pub fn pong_matching(mut self, is_pong: impl Fn(&str) -> bool + 'static) -> Self {
        self.pong = PongMatcher::Custom(Rc::new(is_pong));
        self
    }
}

/// How to open a socket: where to, with which subprotocols, and every policy.
///
/// ```
/// use std::time::Duration;
/// use resocket::{Config, Heartbeat};
///
/// let config = Config::new("wss://example.com/live")
///     .protocols(["chat.v1"])
///     .min_delay(Duration::from_millis(500))
///     .max_delay(Duration::from_secs(10))
///     .heartbeat(Heartbeat::new(Duration::from_secs(15), Duration::from_secs(5)));
/// ```
#[derive(Clone)]
pub struct Config {
    pub(crate) url: UrlSource,
    pub(crate) protocols: Vec<String>,
    pub(crate) policy: Policy,
    pub(crate) heartbeat: Option<Heartbeat>,
    pub(crate) should_reconnect: Option<ReconnectPredicate>,
    pub(crate) start_closed: bool,
    pub(crate) debug: bool,
    pub(crate) request_id_field: String,
    /// The name a resumable session is kept under across reloads ([`Session::persist`]).
    #[cfg(feature = "session")]
    pub(crate) session_name: Option<String>,
    /// The setup step ([`Config::setup`]).
    pub(crate) setup: Option<SetupFn>,
}

/// Shows the settings, not the functions: a fixed URL is redacted as the `debug` log does
/// (no user info, query or fragment), so a token in it never reaches a log.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = match &self.url {
            UrlSource::Fixed(url) => target::redact(url),
            UrlSource::Sync(_) => "<url function>".to_owned(),
            UrlSource::Async(_) => "<async url function>".to_owned(),
        };
        f.debug_struct("Config")
            .field("url", &url)
            .field("protocols", &self.protocols)
            .field("policy", &self.policy)
            .field("heartbeat", &self.heartbeat.as_ref().map(|h| h.timing))
            .field("should_reconnect", &self.should_reconnect.is_some())
            .field("start_closed", &self.start_closed)
            .field("debug", &self.debug)
            .field("request_id_field", &self.request_id_field)
            .field("setup", &self.setup.is_some())
            .finish()
    }
}

impl Config {
    /// Connects to a fixed URL (`ws://`, `wss://`, or `http(s)://`, which the browser maps to
    /// `ws(s)://`; a relative URL resolves against the page's or worker's location).
    pub fn new(url: impl Into<String>) -> Self {
        Config::from_source(UrlSource::Fixed(url.into()))
    }

    /// Asks `url` for the URL before every attempt, so each reconnect can carry a fresh token.
    /// An error counts as a failed attempt.
    pub fn with_url_fn<E: Display>(url: impl Fn() -> Result<String, E> + 'static) -> Self {
        Config::from_source(UrlSource::Sync(Rc::new(move || {
            url().map_err(|error| error.to_string())
        })))
    }

    /// Like [`with_url_fn`](Self::with_url_fn) for a provider that has to wait (for example,
    /// to fetch a token). The attempt's `connect_timeout` covers the wait.
    pub fn with_async_url_fn<F, Fut, E>(url: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<String, E>> + 'static,
        E: Display,
    {
        Config::from_source(UrlSource::Async(Rc::new(move || {
            let attempt = url();
            Box::pin(async move { attempt.await.map_err(|error| error.to_string()) })
        })))
    }

    fn from_source(url: UrlSource) -> Self {
        Config {
            url,
            protocols: Vec::new(),
            policy: Policy::default(),
            heartbeat: None,
            should_reconnect: None,
            start_closed: false,
            debug: false,
            request_id_field: "id".to_owned(),
            #[cfg(feature = "session")]
            session_name: None,
            setup: None,
        }
    }

    /// Subprotocols to offer, in order of preference.
    pub fn protocols<P: Into<String>>(mut self, protocols: impl IntoIterator<Item = P>) -> Self {
        self.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// The delay before the first retry, before jitter (default 1 s).
    pub fn min_delay(mut self, delay: Duration) -> Self {
        self.policy.backoff.min_delay_ms = millis(delay);
        self
    }

    /// The cap on every retry delay, before jitter (default 30 s).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.policy.backoff.max_delay_ms = millis(delay);
        self
    }

    /// How much each further retry's delay grows (default 2, at least 1).
    pub fn grow_factor(mut self, factor: f64) -> Self {
        self.policy.backoff.grow_factor = factor;
        self
    }

    /// The random fraction of each delay, from 0 to 1 (default 0.5).
    pub fn jitter(mut self, jitter: f64) -> Self {
        self.policy.backoff.jitter = jitter;
        self
    }

    /// Gives up after this many retries (default: never).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.policy.max_retries = Some(retries);
        self
    }

    /// How long a connection must last before the retry count resets (default 5 s).
    pub fn min_uptime(mut self, uptime: Duration) -> Self {
        self.policy.min_uptime_ms = millis(uptime);
        self
    }

    /// How long an attempt may take to open, URL included (default 5 s); also bounds the
    /// closing handshake.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.policy.connect_timeout_ms = millis(timeout);
        self
    }

    /// Server close codes that stop reconnecting (default 1002, 1003, 1007, 1008, 1009, 1010).
    pub fn final_codes(mut self, codes: impl IntoIterator<Item = u16>) -> Self {
        self.policy.final_codes = codes.into_iter().collect();
        self
    }

    /// Decides, for each close that would otherwise be retried (not one the user asked for,
    /// not a final code), whether to reconnect.
    pub fn should_reconnect(mut self, decide: impl Fn(u16, &str) -> bool + 'static) -> Self {
        self.should_reconnect = Some(Rc::new(decide));
        self
    }

    /// Turns the heartbeat on (it is off by default).
    pub fn heartbeat(mut self, heartbeat: Heartbeat) -> Self {
        self.policy.heartbeat = Some(heartbeat.timing);
        self.heartbeat = Some(heartbeat);
        self
    }

    /// The most messages kept while disconnected (default 1000).
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.policy.queue_capacity = capacity;
        self
    }

    /// What a send does when the queue is full (default: reject it).
    pub fn overflow(mut self, overflow: Overflow) -> Self {
        self.policy.overflow = overflow;
        self
    }

    /// The largest incoming message delivered (default 16 MiB, at least 1). A text message
    /// counts its length in UTF-16 code units (at most its UTF-8 size, at least a third of
    /// it), a binary message its bytes. A larger message is dropped and reported as
    /// [`Event::Error`](crate::Event::Error)`(`[`Error::MessageTooBig`]`)`; the connection
    /// stays open.
    pub fn max_message_bytes(mut self, limit: usize) -> Self {
        self.policy.max_message_bytes = limit;
        self
    }

    /// Opens without connecting; [`reconnect`](crate::Socket::reconnect) starts the first
    /// attempt.
    pub fn start_closed(mut self, start_closed: bool) -> Self {
        self.start_closed = start_closed;
        self
    }

    /// Connects only on demand (graphql-ws's `lazy`): the socket rests in [`State::Idle`]
    /// until a message is sent, a request made, or its event stream polled (the
    /// [`Receiver`](crate::Receiver), or the [`Socket`](crate::Socket) as a `Stream`); a
    /// connection lost while nothing is wanted waits for the next demand. Dropping the
    /// receiver stops the listening that keeps a connection wanted.
    ///
    /// [`State::Idle`]: crate::State::Idle
    pub fn lazy(mut self, lazy: bool) -> Self {
        self.policy.lazy = lazy;
        self
    }

    /// Closes the connection cleanly (1000; 4001 in session mode, which keeps the session)
    /// after `idle` with nothing queued or unacknowledged, no request pending and no one
    /// polling the event stream (a send starts the wait over); the socket then rests in
    /// [`State::Idle`](crate::State::Idle) and connects again on the next demand, as with
    /// [`lazy`](Self::lazy). At most 2^31 - 1 ms.
    pub fn idle_close(mut self, idle: Duration) -> Self {
        self.policy.idle_close_ms = Some(millis(idle));
        self
    }

    /// Logs every event and attempt to the console (`resocket: open`, `resocket: connecting to
    /// wss://example.com/live?[redacted]`, ...), as the JavaScript face's `debug: true` does:
    /// credentials, query and fragment of URLs are hidden.
    pub fn debug(mut self, debug: bool) -> Self {
        self.debug = debug;
        self
    }

    /// The member of a request that carries its id, and of an answer that names the request
    /// it answers (default `"id"`); see [`Socket::request`](crate::Socket::request). Pick a
    /// member the server's other messages do not use: any incoming object whose member holds
    /// a pending request's id is taken as its answer.
    pub fn request_id_field(mut self, field: impl Into<String>) -> Self {
        self.request_id_field = field.into();
        self
    }

    /// Sends the requests of a lost connection again, same id, on the next connection while
    /// their timeouts run, instead of failing them with
    /// [`Error::ConnectionLost`] (default false). The server may then see a request twice:
    /// use it for idempotent requests only.
    pub fn resend_requests(mut self, resend: bool) -> Self {
        self.policy.resend_requests = resend;
        self
    }

    /// Runs every connection as part of one resumable session (`PROTOCOL.md`), for a server
    /// that speaks the protocol (the resocket-axum crate, for axum): every
    /// message either side accepts reaches the other exactly once and in order across dropped
    /// connections, and each reconnect reports [`Event::Resumed`](crate::Event::Resumed).
    /// The socket offers the `resocket.v1` subprotocol after [`protocols`](Self::protocols);
    /// a server that does not select it fails the socket for good with
    /// [`Failure::NotASessionServer`](resocket_core::Failure::NotASessionServer), having sent
    /// it nothing. The heartbeat, if on, pings with the protocol's own control frames
    /// (its `ping` and `pong` settings are not used).
    #[cfg(feature = "session")]
    pub fn session(mut self, session: Session) -> Self {
        self.policy.session = Some(resocket_core::session::Terms {
            window: session.window,
            // The driver reads batch frames, message by message: a browser spends most of its
            // per-message cost per frame.
            batches: true,
        });
        self.session_name = session.persist;
        self
    }

    /// Runs `setup` on every new connection before anything queued is sent: authenticate,
    /// resubscribe or rejoin there. What it sends through its [`Setup`] handle goes out first
    /// (in session mode: after what the server lacked of the session); the socket stays
    /// [`Connecting`](crate::State::Connecting) and sends queue until its future resolves,
    /// then the queue is flushed and [`Event::Open`](crate::Event::Open) follows. An error, or
    /// taking longer than [`setup_timeout`](Self::setup_timeout) (default 10 s), gives the
    /// connection up with [`Failure::Setup`](resocket_core::Failure::Setup) or
    /// [`Failure::SetupTimeout`](resocket_core::Failure::SetupTimeout), and the backoff policy
    /// retries. The JavaScript face's `setup` option.
    ///
    /// ```
    /// use std::time::Duration;
    /// use resocket::{Config, Error, Setup};
    /// use serde_json::json;
    ///
    /// let topics = vec!["news".to_owned(), "sport".to_owned()];
    /// let config = Config::new("wss://example.com/live").setup(move |setup: Setup| {
    ///     let topics = topics.clone();
    ///     async move {
    ///         // The server answers {"id": 1, "result": true}; the queue waits meanwhile.
    ///         let _: bool = setup.request(&json!({ "auth": "token" }), Duration::from_secs(5)).await?;
    ///         for topic in &topics {
    ///             setup.send_json(&json!({ "subscribe": topic }))?;
    ///         }
    ///         Ok::<(), Error>(())
    ///     }
    /// });
    /// ```
    pub fn setup<F, Fut, E>(mut self, setup: F) -> Self
    where
        F: Fn(Setup) -> Fut + 'static,
        Fut: Future<Output = Result<(), E>> + 'static,
        E: Display,
    {
        self.setup = Some(Rc::new(move |handle| {
            let running = setup(handle);
            Box::pin(async move { running.await.map_err(|error| error.to_string()) })
        }));
        (self.policy.setup_timeout_ms).get_or_insert(resocket_core::DEFAULT_SETUP_TIMEOUT_MS);
        self
    }

    /// How long the [`setup`](Self::setup) step may take (default 10 s): longer, and the
    /// connection is given up and retried. Without a setup step it changes nothing.
    pub fn setup_timeout(mut self, timeout: Duration) -> Self {
        if let Some(ms) = &mut self.policy.setup_timeout_ms {
            *ms = millis(timeout);
        }
        self
    }

    /// The connection policy these settings make.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Checks every setting that can be checked before connecting, and makes the driver's
    /// settings.
    pub(crate) fn settings(&self) -> Result<Settings, Error> {
        self.policy.validate()?;
        check_protocols(&self.protocols)?;
        let protocols = self.protocols.clone();
        let target = match &self.url {
            UrlSource::Fixed(url) => target::fixed(Target {
                url: resolve_url(url)?,
                protocols,
            }),
            UrlSource::Sync(provider) => {
                let provider = provider.clone();
                Rc::new(move || {
                    Resolution::Ready(provider().map(|url| Target {
                        url,
                        protocols: protocols.clone(),
                    }))
                }) as Resolver
            }
            UrlSource::Async(provider) => {
                let provider = provider.clone();
                Rc::new(move || {
                    let pending = provider();
                    let protocols = protocols.clone();
                    Resolution::Pending(Box::pin(async move {
                        pending.await.map(|url| Target { url, protocols })
                    }))
                }) as Resolver
            }
        };
        let heartbeat = self.heartbeat.as_ref().map(|heartbeat| {
            let pong = match &heartbeat.pong {
                PongMatcher::Text(text) => Pong::Exact(JsValue::from_str(text)),
                PongMatcher::Custom(is_pong) => {
                    let is_pong = is_pong.clone();
                    Pong::Custom(Rc::new(move |data: &JsValue| {
                        data.as_string().is_some_and(|text| is_pong(&text))
                    }))
                }
            };
            (heartbeat.ping.to_js(), pong)
        });
        let should_reconnect = self.should_reconnect.clone().map(|decide| {
            Rc::new(move |event: &web_sys::CloseEvent| decide(event.code(), &event.reason()))
                as CloseVerdict
        });
        Ok(Settings {
            policy: self.policy.clone(),
            target,
            heartbeat,
            should_reconnect,
            // The Rust face decodes bytes itself; `Blob`s would need an asynchronous read.
            debug: self.debug,
            #[cfg(feature = "session")]
            session_name: self.session_name.clone(),
            setup: self.setup.clone(),
            #[cfg(feature = "json")]
            requests: None,
        })
    }
}

fn millis(duration: Duration) -> u32 {
    // Out-of-range durations saturate, and the policy check then names the option.
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}
