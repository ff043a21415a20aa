//! Request/response over a [`Json`](crate::Json) socket: ids, timeouts, and answers taken
//! out of the message stream where frames arrive, so requests settle whether or not anyone
//! reads the stream.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use gloo_timers::callback::Timeout;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use super::answer::{answer_id, decode_answer};
use crate::Error;
use crate::core::{self, Sent};
use crate::driver::{Driver, Notice};

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

/// How many ids of finished requests are remembered, so that a late answer is dropped rather
/// than delivered as a message.
pub(crate) const LATE_IDS_KEPT: usize = 1024;

/// The requests of one socket.
pub(crate) struct Requests {
    id_field: String,
    resend: bool,
    /// Matches every text in which the id member may appear: its name as JSON writes it, or
    /// any backslash (a name written with escapes).
    may_hold_id: Pattern,
    book: RefCell<Book>,
    driver: OnceCell<Weak<Driver>>,
}

struct Book {
    last_id: u64,
    pending: BTreeMap<u64, Entry>,
    late: LateIds,
}

/// A request waiting for its answer.
struct Entry {
    frame: JsValue,
    /// Handed to the current connection (not waiting in the queue for the next one).
    sent: bool,
    /// Sent more than once (`resend_requests`), so a second answer may come.
    resent: bool,
    slot: Rc<Slot>,
    /// Cancelled when the entry drops.
    _timer: Timeout,
}

impl Requests {
    /// Requests that carry their id in the member `id_field`; `resend` sends the requests of a
    /// lost connection again on the next one.
    pub(crate) fn new(id_field: &str, resend: bool) -> Rc<Requests> {
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
            resend,
            may_hold_id: Pattern::new(&source),
            book: RefCell::new(Book {
                last_id: 0,
                pending: BTreeMap::new(),
                late: LateIds::default(),
            }),
            driver: OnceCell::new(),
        })
    }

    /// Connects the requests to the driver that sends them.
    pub(crate) fn attach(&self, driver: &Rc<Driver>) {
        let _ = self.driver.set(Rc::downgrade(driver));
    }

    /// Sends (or queues) `request` with a fresh id and returns the future of its answer.
    pub(crate) fn start<T>(
        self: &Rc<Self>,
        request: &(impl Serialize + ?Sized),
        timeout: Duration,
    ) -> Response<T> {
        let slot = Rc::new(Slot::default());
        let id = match self.try_start(request, timeout, &slot) {
            Ok(id) => id,
            Err(error) => {
                slot.fill(Err(error));
                return Response {
                    id: 0,
                    slot,
                    requests: None,
                    response: PhantomData,
                };
            }
        };
        Response {
            id,
            slot,
            requests: Some(self.clone()),
            response: PhantomData,
        }
    }

    fn try_start(
        self: &Rc<Self>,
        request: &(impl Serialize + ?Sized),
        timeout: Duration,
        slot: &Rc<Slot>,
    ) -> Result<u64, Error> {
        let driver = self.driver()?;
        let id = self.book.borrow().last_id + 1;
        let frame = self.frame(request, id)?;
        let entry = Entry {
            frame: frame.clone(),
            sent: false,
            resent: false,
            slot: slot.clone(),
            _timer: self.timer(id, timeout),
        };
        {
            let mut book = self.book.borrow_mut();
            book.last_id = id;
            book.pending.insert(id, entry);
        }
        match driver.send(frame) {
            Ok(sent) => {
                if let Some(entry) = self.book.borrow_mut().pending.get_mut(&id) {
                    entry.sent = matches!(sent, Sent::Now);
                }
                Ok(id)
            }
            Err(rejected) => {
                let refused = self.book.borrow_mut().pending.remove(&id);
                drop(refused);
                Err(rejected.error.into())
            }
        }
    }

    fn driver(&self) -> Result<Rc<Driver>, Error> {
        self.driver
            .get()
            .and_then(Weak::upgrade)
            .ok_or(Error::Closed)
    }

    /// `request` as a JSON text with `id` in the id member (replacing any id it had).
    fn frame(&self, request: &(impl Serialize + ?Sized), id: u64) -> Result<JsValue, Error> {
        let encoding = |error: serde_json::Error| Error::Encode(error.to_string());
        let mut request = serde_json::to_value(request).map_err(encoding)?;
        let Value::Object(members) = &mut request else {
            return Err(Error::Encode(format!(
                "a request must serialize to a JSON object, not {}",
                kind(&request)
            )));
        };
        members.insert(self.id_field.clone(), Value::from(id));
        let text = serde_json::to_string(&request).map_err(encoding)?;
        Ok(JsValue::from_str(&text))
    }

    fn timer(self: &Rc<Self>, id: u64, timeout: Duration) -> Timeout {
        let requests = Rc::downgrade(self);
        let ms = timeout.as_millis().min(MAX_TIMER_MS) as u32;
        Timeout::new(ms, move || {
            if let Some(requests) = requests.upgrade() {
                requests.settle(id, Err(Error::RequestTimeout { id, timeout }));
            }
        })
    }

    /// Looks at what the driver reports before the stream gets it: answers are taken out
    /// (`None`), connection events settle or resend the requests they concern.
    pub(crate) fn intercept(&self, notice: Notice) -> Option<Notice> {
        match &notice {
            Notice::Message(data) if self.is_answer(data) => return None,
            Notice::Event(core::Event::Open) => self.opened(),
            Notice::Event(core::Event::Closed { will_reconnect, .. }) => {
                self.closed(!will_reconnect);
            }
            Notice::Event(core::Event::RetriesExhausted { .. }) => self.closed(true),
            _ => {}
        }
        Some(notice)
    }

    /// Whether `data` answers a pending request (which it then settles) or is a late answer.
    fn is_answer(&self, data: &JsValue) -> bool {
        // The fast path: with nothing pending or remembered, messages are not even looked at.
        if self.book.borrow().is_idle() || !self.may_hold_id.test(data) {
            return false;
        }
        // `test` also matches non-strings by their string form: those are never answers.
        let Some(text) = data.as_string() else {
            return false;
        };
        let Some(id) = answer_id(&text, &self.id_field) else {
            return false;
        };
        let answered = {
            let mut book = self.book.borrow_mut();
            match book.pending.remove(&id) {
                Some(entry) => {
                    // Only a request sent twice can get a second answer.
                    if entry.resent {
                        book.late.insert(id);
                    }
                    entry
                }
                None => return book.late.take(id),
            }
        };
        answered.slot.fill(Ok(text));
        true
    }

    /// A connection opened: the queued requests went out on it.
    fn opened(&self) {
        for entry in self.book.borrow_mut().pending.values_mut() {
            entry.sent = true;
        }
    }

    /// A connection ended, or the wait for one. Requests sent on it fail, or are sent again
    /// with `resend`; when no connection follows, every request fails.
    fn closed(&self, for_good: bool) {
        let mut failed = Vec::new();
        let mut resend = Vec::new();
        {
            let mut book = self.book.borrow_mut();
            let Book { pending, late, .. } = &mut *book;
            pending.retain(|&id, entry| {
                let error = if for_good {
                    Error::Closed
                } else if !entry.sent {
                    return true;
                } else if self.resend {
                    entry.sent = false;
                    entry.resent = true;
                    resend.push((id, entry.frame.clone()));
                    return true;
                } else {
                    Error::ConnectionLost { id }
                };
                late.insert(id);
                failed.push((entry.slot.clone(), error));
                false
            });
        }
        // Settled outside the borrow: a woken task may make requests.
        for (slot, error) in failed {
            slot.fill(Err(error));
        }
        let Ok(driver) = self.driver() else { return };
        for (id, frame) in resend {
            match driver.send(frame) {
                Ok(sent) => {
                    if let Some(entry) = self.book.borrow_mut().pending.get_mut(&id) {
                        entry.sent = matches!(sent, Sent::Now);
                    }
                }
                Err(rejected) => self.settle(id, Err(rejected.error.into())),
            }
        }
    }

    /// Ends request `id`, if it is still pending, with `outcome`.
    fn settle(&self, id: u64, outcome: Result<String, Error>) {
        if let Some(entry) = self.finish(id) {
            entry.slot.fill(outcome);
        }
    }

    /// Takes request `id` out of the pending ones and remembers its id for late answers.
    fn finish(&self, id: u64) -> Option<Entry> {
        let mut book = self.book.borrow_mut();
        let entry = book.pending.remove(&id)?;
        book.late.insert(id);
        Some(entry)
    }

    /// Fails every pending request with `error`.
    pub(crate) fn fail_all(&self, error: &Error) {
        let failed: Vec<Entry> = {
            let mut book = self.book.borrow_mut();
            let Book { pending, late, .. } = &mut *book;
            let failed = std::mem::take(pending);
            for &id in failed.keys() {
                late.insert(id);
            }
            failed.into_values().collect()
        };
        for entry in failed {
            entry.slot.fill(Err(error.clone()));
        }
    }
}

impl Book {
    fn is_idle(&self) -> bool {
        self.pending.is_empty() && self.late.is_empty()
    }
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

/// The ids of the last [`LATE_IDS_KEPT`] requests that finished without an answer (timed
/// out, failed, forgotten) or were sent twice: an answer carrying one of them is dropped.
#[derive(Default)]
pub(crate) struct LateIds {
    /// In the order they finished; ids already answered late stay until they age out.
    order: VecDeque<u64>,
    ids: BTreeSet<u64>,
}

impl LateIds {
    pub(crate) fn insert(&mut self, id: u64) {
        if !self.ids.insert(id) {
            return;
        }
        self.order.push_back(id);
        if self.order.len() > LATE_IDS_KEPT {
            if let Some(oldest) = self.order.pop_front() {
                self.ids.remove(&oldest);
            }
        }
    }

    /// Whether `id` was remembered; it is forgotten, so a third answer is a message again.
    pub(crate) fn take(&mut self, id: u64) -> bool {
        self.ids.remove(&id)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// Where a request's outcome waits for its future: the answer's text, or why there is none.
#[derive(Default)]
struct Slot(RefCell<SlotState>);

#[derive(Default)]
struct SlotState {
    outcome: Option<Result<String, Error>>,
    waker: Option<Waker>,
}

impl Slot {
    fn fill(&self, outcome: Result<String, Error>) {
        let waker = {
            let mut state = self.0.borrow_mut();
            state.outcome = Some(outcome);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn poll(&self, cx: &Context<'_>) -> Poll<Result<String, Error>> {
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
    requests: Option<Rc<Requests>>,
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
        let Some(requests) = &self.requests else {
            return;
        };
        if !self.slot.is_filled() {
            drop(requests.finish(self.id));
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
    use super::*;

    #[test]
    fn late_ids_remember_the_last_finished() {
        let mut late = LateIds::default();
        assert!(late.is_empty());
        for id in 1..=LATE_IDS_KEPT as u64 + 10 {
            late.insert(id);
        }
        assert!(!late.take(10), "aged out");
        assert!(late.take(11));
        assert!(!late.take(11), "a third answer is a message again");
        assert!(late.take(LATE_IDS_KEPT as u64 + 10));
        assert_eq!(late.ids.len(), LATE_IDS_KEPT - 2);
    }

    #[test]
    fn late_ids_stay_bounded_when_answered() {
        let mut late = LateIds::default();
        for id in 1..=10_000 {
            late.insert(id);
            assert!(late.take(id));
        }
        assert!(late.is_empty());
        assert!(late.order.len() <= LATE_IDS_KEPT);
        late.insert(20_000);
        late.insert(20_000);
        assert!(late.take(20_000));
        assert!(late.is_empty());
    }
}
