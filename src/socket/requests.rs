//! Request/response over a socket whose codec carries requests
//! ([`RequestCodec`]: [`Json`](crate::Json), `MsgPack`): ids, timeouts, and answers taken out
//! of the message stream where frames arrive, so requests settle whether or not anyone reads
//! the stream.

use std::cell::{OnceCell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use super::answer::{answer_id, decode_answer};
use crate::codec::RequestCodec;
use crate::control::ttl_ms;
use crate::driver::{Driver, Notice};
use crate::{Error, Message};
use resocket_core::{Answered, ConnId, Removal, RequestFailure};

#[wasm_bindgen]
extern "C" {
    /// A `RegExp`, tested on a JavaScript string as it is: no copy into wasm.
    type Pattern;

    #[wasm_bindgen(constructor, js_class = RegExp)]
    fn new(source: &str) -> Pattern;

    #[wasm_bindgen(method, js_class = RegExp)]
    fn test(this: &Pattern, text: &JsValue) -> bool;
}

/// The longest timer a browser runs (2^31 - 1 ms, about 24.8 days); longer timeouts wait this
/// long.
const MAX_TIMER_MS: u128 = 2_147_483_647;

/// The requests of one socket, made by its first request. Until then the socket has none of
/// their code in play (reading ids out of answers, the framing, the table of futures),
/// and an app that never makes a request does not ship it: the only path to [`Requests`] is
/// [`Sender::request`](crate::Sender::request), reached through a trait object.
pub(crate) struct LazyRequests {
    id_field: String,
    made: OnceCell<Rc<dyn RequestBook>>,
}

impl LazyRequests {
    /// Requests that will carry their id in the member `id_field`.
    pub(crate) fn new(id_field: &str) -> Rc<LazyRequests> {
        Rc::new(LazyRequests {
            id_field: id_field.to_owned(),
            made: OnceCell::new(),
        })
    }

    /// What the driver calls with each notice: `post` gets those that are not for the
    /// requests. Dropped with the driver (the socket and every sender gone), it fails the
    /// requests still waiting.
    pub(crate) fn watch(self: &Rc<Self>, post: impl Fn(Notice) + 'static) -> Box<dyn Fn(Notice)> {
        let watch = AnswerWatch(self.clone());
        Box::new(move |notice| {
            let notice = match watch.0.made.get() {
                Some(book) => book.intercept(notice),
                None => Some(notice),
            };
            if let Some(notice) = notice {
                post(notice);
            }
        })
    }

    /// Sends (or queues) `request`, written by the codec `C`, with a fresh id on `driver`
    /// (`None`: it is gone) and returns the future of its answer; with `setup`, from the setup
    /// step on that connection, ahead of the queue.
    pub(crate) fn start_on<C: RequestCodec, T>(
        &self,
        driver: Option<&Rc<Driver>>,
        setup: Option<ConnId>,
        request: &(impl Serialize + ?Sized),
        timeout: Duration,
        ttl: Option<Duration>,
    ) -> Response<T> {
        let started = driver.ok_or(Error::Closed).and_then(|driver| {
            let book = self.made.get_or_init(|| {
                let requests: Rc<dyn RequestBook> = Requests::new(&self.id_field, driver);
                requests
            });
            let frame = request_frame::<C>(request, &self.id_field, driver.next_request_id())?;
            Ok((book.start(frame, timeout, ttl, setup)?, book))
        });
        match started {
            Ok(((id, slot), book)) => Response {
                id,
                slot,
                book: Some(book.clone()),
                response: PhantomData,
            },
            Err(error) => {
                let slot = Rc::new(Slot::default());
                slot.fill(Err(error));
                Response {
                    id: 0,
                    slot,
                    book: None,
                    response: PhantomData,
                }
            }
        }
    }
}

/// Sees every notice the driver posts (see [`LazyRequests::watch`]).
struct AnswerWatch(Rc<LazyRequests>);

impl Drop for AnswerWatch {
    fn drop(&mut self) {
        if let Some(book) = self.0.made.get() {
            book.fail_all(&Error::Closed);
        }
    }
}

/// What the socket asks of its requests once they exist.
pub(crate) trait RequestBook {
    /// Sends (or queues) `frame`, a request carrying the driver's next request id, its frame
    /// expiring after `ttl` if it is still queued then; with `setup`, from the setup step on
    /// that connection: the id, and where the outcome will wait.
    fn start(
        &self,
        frame: JsValue,
        timeout: Duration,
        ttl: Option<Duration>,
        setup: Option<ConnId>,
    ) -> Result<(u64, Rc<Slot>), Error>;

    /// Looks at what the driver reports before the stream gets it: answers and request
    /// failures settle requests (`None`: not for the stream); the rest passes.
    fn intercept(&self, notice: Notice) -> Option<Notice>;

    /// The future of request `id` was dropped.
    fn forget(&self, id: u64);

    /// Fails every waiting request with `error`: the socket is gone.
    fn fail_all(&self, error: &Error);
}

/// The requests of one socket, as far as the Rust face is concerned: which frames answer them,
/// and the futures waiting for them. Ids, deadlines, lost and dropped requests and late
/// answers are the core's.
struct Requests {
    id_field: String,
    /// Matches every text in which the id member may appear: its name as JSON writes it, or
    /// any backslash (a name written with escapes).
    may_hold_id: Pattern,
    waiting: RefCell<BTreeMap<u64, Waiting>>,
    driver: Weak<Driver>,
}

/// A request's future, waiting.
struct Waiting {
    slot: Rc<Slot>,
    /// The timeout it was given, for its error.
    timeout: Duration,
}

impl Requests {
    /// Requests sent on `driver` that carry their id in the member `id_field`.
    fn new(id_field: &str, driver: &Rc<Driver>) -> Rc<Requests> {
        // serde_json writes a string as JSON; a `String` always can be.
        let name = serde_json::to_string(id_field).unwrap_or_default();
        let mut source = String::with_capacity(name.len() + 4);
        for c in name.chars() {
            if "\\^$.*+?()[]{}|/-".contains(c) {
                source.push('\\');
            }
            source.push(c);
        }
        source.push_str("|\\\\");
        Rc::new(Requests {
            id_field: id_field.to_owned(),
            may_hold_id: Pattern::new(&source),
            waiting: RefCell::new(BTreeMap::new()),
            driver: Rc::downgrade(driver),
        })
    }

    fn driver(&self) -> Result<Rc<Driver>, Error> {
        self.driver.upgrade().ok_or(Error::Closed)
    }

    /// Whether `data` answers a request (which it then settles) or is a late answer, as the
    /// core says of the id it carries.
    fn is_answer(&self, data: &JsValue) -> bool {
        let Some(answer) = self.may_be_answer(data) else {
            return false;
        };
        let Some(id) = answer_id(&answer, &self.id_field) else {
            return false;
        };
        let Ok(driver) = self.driver() else {
            return false;
        };
        match driver.answered(id) {
            Answered::Request => {
                if let Some(waiting) = self.waiting.borrow_mut().remove(&id) {
                    waiting.slot.fill(Ok(answer));
                }
                true
            }
            Answered::Late => true,
            Answered::NotAnAnswer => false,
        }
    }

    /// What `data` holds, when it may be an answer: a text in which the id member may appear,
    /// or (with the `msgpack` feature) a binary frame that holds a MessagePack map. Both are
    /// told from the JavaScript value, before anything is copied into wasm.
    fn may_be_answer(&self, data: &JsValue) -> Option<Message> {
        if data.is_string() {
            return (self.may_hold_id.test(data))
                .then(|| data.as_string().map(Message::Text))
                .flatten();
        }
        #[cfg(feature = "msgpack")]
        if let Some(buffer) = data.dyn_ref::<js_sys::ArrayBuffer>() {
            let bytes = js_sys::Uint8Array::new(buffer);
            // A map's first byte: 0x80 to 0x8f (up to 15 members), 0xde or 0xdf (more).
            let map = bytes.length() > 0 && matches!(bytes.get_index(0), 0x80..=0x8f | 0xde | 0xdf);
            return map.then(|| Message::Bytes(bytes.to_vec()));
        }
        None
    }

    /// Request `id` ended without an answer.
    fn fail(&self, id: u64, failure: RequestFailure) {
        let Some(waiting) = self.waiting.borrow_mut().remove(&id) else {
            return;
        };
        let error = match failure {
            RequestFailure::TimedOut => Error::RequestTimeout {
                id,
                timeout: waiting.timeout,
            },
            RequestFailure::ConnectionLost => Error::ConnectionLost { id },
            RequestFailure::Closed => Error::Closed,
            RequestFailure::Dropped => Error::Dropped { id },
            RequestFailure::QueueFull { capacity } => Error::QueueFull { capacity },
            RequestFailure::Expired => Error::Removed {
                id,
                reason: Removal::Expired,
            },
            RequestFailure::Aborted => Error::Removed {
                id,
                reason: Removal::Aborted,
            },
        };
        waiting.slot.fill(Err(error));
    }
}

impl RequestBook for Requests {
    fn start(
        &self,
        frame: JsValue,
        timeout: Duration,
        ttl: Option<Duration>,
        setup: Option<ConnId>,
    ) -> Result<(u64, Rc<Slot>), Error> {
        let ttl_ms = ttl.map(ttl_ms).transpose()?;
        let driver = self.driver()?;
        // The id the frame carries.
        let id = driver.next_request_id();
        let slot = Rc::new(Slot::default());
        let waiting = Waiting {
            slot: slot.clone(),
            timeout,
        };
        // Waiting before it is sent: the driver may settle requests as it sends.
        self.waiting.borrow_mut().insert(id, waiting);
        let timeout_ms = timeout.as_millis().min(MAX_TIMER_MS) as u32;
        let sent = match setup {
            Some(conn) => driver.setup_request(conn, frame, timeout_ms),
            None => driver.request(frame, timeout_ms, ttl_ms),
        };
        match sent {
            Ok(_) => Ok((id, slot)),
            Err(rejected) => {
                self.waiting.borrow_mut().remove(&id);
                Err(rejected.error.into())
            }
        }
    }

    fn intercept(&self, notice: Notice) -> Option<Notice> {
        match &notice {
            Notice::Message {
                data,
                may_answer: true,
            } if self.is_answer(data) => None,
            &Notice::RequestFailed { id, failure } => {
                self.fail(id, failure);
                None
            }
            _ => Some(notice),
        }
    }

    fn forget(&self, id: u64) {
        self.waiting.borrow_mut().remove(&id);
        if let Ok(driver) = self.driver() {
            driver.abort_request(id);
        }
    }

    fn fail_all(&self, error: &Error) {
        let failed = std::mem::take(&mut *self.waiting.borrow_mut());
        for waiting in failed.into_values() {
            waiting.slot.fill(Err(error.clone()));
        }
    }
}

/// `request` as a frame of the codec `C`, with `id` in the member `field` (replacing any id it
/// had). A request is written through its JSON value, which says whether it is an object and
/// lets the id be set in place whatever the codec.
fn request_frame<C: RequestCodec>(
    request: &(impl Serialize + ?Sized),
    field: &str,
    id: u64,
) -> Result<JsValue, Error> {
    C::encode(&with_id(request, field, id)?)
}

/// `request`'s JSON value, which must be an object, with `id` in the member `field`.
fn with_id(request: &(impl Serialize + ?Sized), field: &str, id: u64) -> Result<Value, Error> {
    let mut request =
        serde_json::to_value(request).map_err(|error| Error::Encode(error.to_string()))?;
    let Value::Object(members) = &mut request else {
        return Err(Error::Encode(format!(
            "a request must serialize to a JSON object, not {}",
            kind(&request)
        )));
    };
    members.insert(field.to_owned(), Value::from(id));
    Ok(request)
}

/// What a JSON value is, for error messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Where a request's outcome waits for its future: the answer as it came (a text, or bytes), or
/// why there is none.
#[derive(Default)]
pub(crate) struct Slot(RefCell<SlotState>);

#[derive(Default)]
struct SlotState {
    outcome: Option<Result<Message, Error>>,
    waker: Option<Waker>,
}

impl Slot {
    fn fill(&self, outcome: Result<Message, Error>) {
        let waker = {
            let mut state = self.0.borrow_mut();
            state.outcome = Some(outcome);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn poll(&self, cx: &Context<'_>) -> Poll<Result<Message, Error>> {
        let mut state = self.0.borrow_mut();
        if let Some(outcome) = state.outcome.take() {
            return Poll::Ready(outcome);
        }
        match &mut state.waker {
            Some(waker) => waker.clone_from(cx.waker()),
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    fn is_filled(&self) -> bool {
        self.0.borrow().outcome.is_some()
    }
}

/// The answer to a request: a future of `Result<T, Error>`, from
/// [`Socket::request`](crate::Socket::request) or [`Sender::request`](crate::Sender::request).
///
/// The request is sent (or queued) when it is made, not when this future is first polled.
/// Dropping the future forgets the request: its timer stops, and an answer that comes later
/// is dropped, not delivered as a message.
#[must_use = "the request is forgotten when its answer is dropped"]
pub struct Response<T> {
    id: u64,
    slot: Rc<Slot>,
    /// `None` when the request failed before it was sent.
    book: Option<Rc<dyn RequestBook>>,
    response: PhantomData<fn() -> T>,
}

impl<T> Response<T> {
    /// The request's id (0 when the request failed before it got one).
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl<T: DeserializeOwned> Future for Response<T> {
    type Output = Result<T, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, Error>> {
        let id = self.id;
        self.slot
            .poll(cx)
            .map(|outcome| outcome.and_then(|answer| decode_answer(id, answer)))
    }
}

impl<T> Drop for Response<T> {
    fn drop(&mut self) {
        let Some(book) = &self.book else {
            return;
        };
        if !self.slot.is_filled() {
            book.forget(self.id);
        }
    }
}

impl<T> std::fmt::Debug for Response<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response").field("id", &self.id).finish()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_request_is_an_object_whose_id_member_is_set() {
        let request = json!({"method": "add", "id": "mine", "params": [2, 3]});
        let framed = with_id(&request, "id", 7).expect("an object");
        assert_eq!(framed, json!({"method": "add", "id": 7, "params": [2, 3]}));
        let framed = with_id(&request, "rid", 8).expect("an object");
        assert_eq!(framed["rid"], 8);
        assert_eq!(framed["id"], "mine");
        for (request, kind) in [
            (json!([1, 2]), "an array"),
            (json!("add"), "a string"),
            (json!(null), "null"),
        ] {
            match with_id(&request, "id", 1) {
                Err(Error::Encode(reason)) => {
                    assert!(
                        reason.contains("JSON object") && reason.ends_with(kind),
                        "{reason}"
                    )
                }
                other => panic!("{request}: expected an encode error, got {other:?}"),
            }
        }
    }
}
