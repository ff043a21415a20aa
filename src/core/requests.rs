//! Requests waiting for their answers: ids, deadlines, and where each request's frame is.
//!
//! The machine numbers every frame it accepts (its sequence number). The frames not yet
//! handed to a socket always form the newest run of numbers: sends while disconnected join
//! the queue's back, the unsent tail of a dead socket goes back to its front, and the queue is
//! empty while a socket is open. So a request's number alone says where its frame is: at or
//! past the queue's front it still waits to be sent (or to be sent again); before it, it was
//! handed to a socket, or pushed out of the queue by `Overflow::DropOldest`. No frame carries
//! a tag, and a burst of plain sends costs nothing here.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// How many ids of ended requests are remembered, so that an answer arriving after its request
/// timed out, failed or was forgotten (or a second answer) is dropped, not delivered.
pub const LATE_IDS_KEPT: usize = 1024;

/// Why a request ended without an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestFailure {
    /// No answer came within the request's timeout (time spent queued included).
    TimedOut,
    /// The connection the request was handed to was lost before its answer came; the server
    /// may or may not have read it. With `resend_requests` it is sent again instead.
    ConnectionLost,
    /// The socket closed for good (closed by the user, a final close code, retries ran out)
    /// while the request waited.
    Closed,
    /// The request was still queued when newer sends pushed it out (`Overflow::DropOldest`):
    /// it never left the browser.
    Dropped,
    /// The request was to be sent again after a lost connection (`resend_requests`), and the
    /// queue was full.
    QueueFull {
        /// The queue's capacity.
        capacity: usize,
    },
}

/// What an incoming message is to the requests, by the id it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answered {
    /// It answers a pending request, which it settles: hand it the message.
    Request,
    /// It answers a request that already ended (timed out, failed, forgotten, or answered
    /// before): drop it.
    Late,
    /// No request of this socket has that id: deliver it as a message.
    NotAnAnswer,
}

/// A request waiting for its answer.
#[derive(Debug)]
struct Pending<F> {
    /// Its frame's sequence number.
    seq: u64,
    /// When it times out, on the machine's clock.
    deadline: f64,
    /// Its frame, kept to be sent again after a lost connection (`resend_requests` only).
    frame: Option<F>,
}

/// The requests of one socket.
#[derive(Debug)]
pub(crate) struct Requests<F> {
    last_id: u64,
    pending: BTreeMap<u64, Pending<F>>,
    late: LateIds,
}

impl<F: Clone> Requests<F> {
    pub(crate) fn new() -> Self {
        Requests {
            last_id: 0,
            pending: BTreeMap::new(),
            late: LateIds::default(),
        }
    }

    /// The id the next request gets.
    pub(crate) fn next_id(&self) -> u64 {
        self.last_id + 1
    }

    /// Records request [`next_id`](Self::next_id), whose frame the machine accepted as
    /// number `seq`, keeping `frame` to send again if given; returns its id.
    pub(crate) fn add(&mut self, frame: Option<F>, seq: u64, deadline: f64) -> u64 {
        self.last_id += 1;
        let pending = Pending {
            seq,
            deadline,
            frame,
        };
        self.pending.insert(self.last_id, pending);
        self.last_id
    }

    /// Whether incoming messages may answer a request: some are pending, or the ids of ended
    /// ones are remembered.
    pub(crate) fn may_be_answered(&self) -> bool {
        !self.pending.is_empty() || !self.late.is_empty()
    }

    /// Whether any request waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// An incoming message carries `id`.
    pub(crate) fn answered(&mut self, id: u64) -> Answered {
        if self.pending.remove(&id).is_some() {
            // A second answer (to a request sent twice, or from a confused server) is noise.
            self.late.insert(id);
            Answered::Request
        } else if self.late.take(id) {
            Answered::Late
        } else {
            Answered::NotAnAnswer
        }
    }

    /// The earliest deadline of the pending requests.
    pub(crate) fn next_deadline(&self) -> Option<f64> {
        self.pending
            .values()
            .map(|pending| pending.deadline)
            .min_by(f64::total_cmp)
    }

    /// Ends the requests whose deadline has come by `now`.
    pub(crate) fn take_expired(&mut self, now: f64) -> Vec<u64> {
        self.take_where(|pending| pending.deadline <= now)
    }

    /// The requests whose frames are numbered before `first_waiting`, the first frame still
    /// to be sent: handed to a socket, or pushed out of the queue. Lowest id first.
    pub(crate) fn sent_before(&self, first_waiting: u64) -> Vec<u64> {
        self.ids_where(|pending| pending.seq < first_waiting)
    }

    /// Ends request `id` without an answer, remembering its id; false if it was not pending.
    pub(crate) fn end(&mut self, id: u64) -> bool {
        let ended = self.pending.remove(&id).is_some();
        if ended {
            self.late.insert(id);
        }
        ended
    }

    /// Ends every request.
    pub(crate) fn take_all(&mut self) -> Vec<u64> {
        self.take_where(|_| true)
    }

    /// The frame of request `id`, to send again (kept with `resend_requests` only).
    pub(crate) fn frame_to_resend(&self, id: u64) -> Option<F> {
        self.pending
            .get(&id)
            .and_then(|pending| pending.frame.clone())
    }

    /// Request `id` is pending again: its frame was accepted anew as number `seq`.
    pub(crate) fn resent(&mut self, id: u64, seq: u64) {
        if let Some(pending) = self.pending.get_mut(&id) {
            pending.seq = seq;
        }
    }

    /// Ends the requests `ended` selects and returns their ids, lowest first.
    fn take_where(&mut self, ended: impl FnMut(&Pending<F>) -> bool) -> Vec<u64> {
        let ids = self.ids_where(ended);
        for &id in &ids {
            self.end(id);
        }
        ids
    }

    fn ids_where(&self, mut selected: impl FnMut(&Pending<F>) -> bool) -> Vec<u64> {
        self.pending
            .iter()
            .filter(|(_, pending)| selected(pending))
            .map(|(&id, _)| id)
            .collect()
    }
}

/// The ids of the last [`LATE_IDS_KEPT`] requests that ended: an answer carrying one of them
/// is dropped, once.
#[derive(Debug, Default)]
struct LateIds {
    /// In the order they ended; ids already answered late stay until they age out.
    order: VecDeque<u64>,
    ids: BTreeSet<u64>,
}

impl LateIds {
    fn insert(&mut self, id: u64) {
        if !self.ids.insert(id) {
            return;
        }
        self.order.push_back(id);
        if self.order.len() > LATE_IDS_KEPT {
            if let Some(oldest) = self.order.pop_front() {
                self.ids.remove(&oldest);
            }
        }
        // Ids answered late leave `ids` but not `order`: keep `order` bounded as well.
        while self.order.len() > LATE_IDS_KEPT {
            self.order.pop_front();
        }
    }

    /// Whether `id` was remembered; it is forgotten, so a third answer is a message again.
    fn take(&mut self, id: u64) -> bool {
        self.ids.remove(&id)
    }

    fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_ids_remember_the_last_ended() {
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

    #[test]
    fn an_answered_request_drops_a_second_answer_once() {
        let mut requests = Requests::<&str>::new();
        let id = requests.add(None, 0, 100.0);
        assert_eq!(requests.answered(id), Answered::Request);
        assert_eq!(requests.answered(id), Answered::Late);
        assert_eq!(requests.answered(id), Answered::NotAnAnswer);
        assert_eq!(requests.answered(id + 1), Answered::NotAnAnswer);
    }

    #[test]
    fn requests_end_by_deadline_and_by_position() {
        let mut requests = Requests::<&str>::new();
        let early = requests.add(None, 3, 50.0);
        let queued = requests.add(None, 7, 500.0);
        let late = requests.add(Some("c"), 4, 900.0);
        assert_eq!(requests.next_deadline(), Some(50.0));
        assert_eq!(requests.take_expired(100.0), [early]);
        assert_eq!(requests.sent_before(7), [late]);
        assert!(requests.end(late));
        assert!(!requests.end(late));
        assert_eq!(requests.take_all(), [queued]);
        assert!(requests.is_empty() && requests.may_be_answered());
    }
}
