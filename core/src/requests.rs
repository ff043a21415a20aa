//! Requests waiting for their answers: ids, deadlines, and where each request's frame is.
//!
//! The machine numbers every frame it accepts (its sequence number), and every frame not yet
//! handed to a socket keeps its number with it, in the queue. Those frames always have the
//! newest numbers, in order: sends while disconnected join the queue's back, the unsent tail
//! of a dead socket goes back to its front, and the queue is empty while a socket is open.
//! Frames may leave from anywhere in the queue (expired, cancelled) but then their requests
//! end with them. So a request's number says where its frame is: at or past the number of
//! the queue's front frame it still waits to be sent (or to be sent again); before it, it was
//! handed to a socket, or pushed out of the queue by `Overflow::DropOldest`. A burst of plain
//! sends costs nothing here.

/// How many ids of ended requests are remembered, so that an answer arriving after its request
/// timed out, failed or was forgotten (or a second answer) is dropped, not delivered.
pub const LATE_IDS_KEPT: usize = 1024;

/// The sequence number of a setup step's request: its frame went straight to the socket,
/// ahead of the queue, and is never sent again (the next connection runs its own setup step),
/// so no position in the queue's run of numbers says where it is. Beyond every real number,
/// it is never taken for a frame handed to a socket or pushed out of the queue: it ends with
/// its connection ([`Requests::end_setup`]), on its deadline, or when the socket closes.
pub(crate) const SETUP_SEQ: u64 = u64::MAX;

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
    /// The request's frame was still queued when its time to live ran out: it never left the
    /// browser.
    Expired,
    /// The request's frame was cancelled while still queued: it never left the browser.
    Aborted,
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
    id: u64,
    /// Its frame's sequence number.
    seq: u64,
    /// When it times out, on the machine's clock.
    deadline: f64,
    /// Its frame, kept to be sent again after a lost connection (`resend_requests` only).
    frame: Option<F>,
}

/// The requests of one socket. Plain vectors, not trees or hash maps: few requests wait at
/// once, and the npm package's engine ships every line of code it links.
#[derive(Debug)]
pub(crate) struct Requests<F> {
    last_id: u64,
    /// By id, ascending: ids only grow, so new requests go at the back.
    pending: Vec<Pending<F>>,
    late: LateIds,
}

impl<F: Clone> Requests<F> {
    pub(crate) fn new() -> Self {
        Requests {
            last_id: 0,
            pending: Vec::new(),
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
        self.pending.push(Pending {
            id: self.last_id,
            seq,
            deadline,
            frame,
        });
        self.last_id
    }

    /// Whether any request is pending.
    pub(crate) fn any_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Whether incoming messages may answer a request: some are pending, or the ids of ended
    /// ones are remembered.
    pub(crate) fn may_be_answered(&self) -> bool {
        !self.pending.is_empty() || !self.late.is_empty()
    }

    /// An incoming message carries `id`.
    pub(crate) fn answered(&mut self, id: u64) -> Answered {
        // A second answer (to a request sent twice, or from a confused server) is noise: the
        // id is remembered as any ended request's.
        if self.end(id) {
            Answered::Request
        } else if self.late.take(id) {
            Answered::Late
        } else {
            Answered::NotAnAnswer
        }
    }

    /// The earliest deadline of the pending requests.
    pub(crate) fn next_deadline(&self) -> Option<f64> {
        (self.pending.iter())
            .map(|pending| pending.deadline)
            .min_by(f64::total_cmp)
    }

    /// Ends the requests whose deadline has come by `now`, telling `ended` each id.
    pub(crate) fn end_expired(&mut self, now: f64, ended: impl FnMut(u64)) {
        self.end_where(|pending| pending.deadline <= now, ended);
    }

    /// Ends the requests whose frames are numbered before `first_waiting`, the first frame
    /// still to be sent (handed to a socket, or pushed out of the queue), telling `ended`
    /// each id.
    pub(crate) fn end_sent_before(&mut self, first_waiting: u64, ended: impl FnMut(u64)) {
        self.end_where(|pending| pending.seq < first_waiting, ended);
    }

    /// The ids of the requests [`end_sent_before`](Self::end_sent_before) would end.
    pub(crate) fn sent_before(&self, first_waiting: u64) -> Vec<u64> {
        (self.pending.iter())
            .filter(|pending| pending.seq < first_waiting)
            .map(|pending| pending.id)
            .collect()
    }

    /// Ends the setup step's requests ([`SETUP_SEQ`]), telling `ended` each id: their
    /// connection is gone.
    pub(crate) fn end_setup(&mut self, ended: impl FnMut(u64)) {
        self.end_where(|pending| pending.seq == SETUP_SEQ, ended);
    }

    /// Ends every request, telling `ended` each id.
    pub(crate) fn end_all(&mut self, ended: impl FnMut(u64)) {
        self.end_where(|_| true, ended);
    }

    /// Ends request `id` without an answer, remembering its id; false if it was not pending.
    pub(crate) fn end(&mut self, id: u64) -> bool {
        let Some(index) = self.position(id) else {
            return false;
        };
        self.pending.remove(index);
        self.late.insert(id);
        true
    }

    /// The pending request whose frame is number `seq`.
    pub(crate) fn with_seq(&self, seq: u64) -> Option<u64> {
        (self.pending.iter())
            .find(|pending| pending.seq == seq)
            .map(|pending| pending.id)
    }

    /// The frame number of pending request `id`.
    pub(crate) fn seq_of(&self, id: u64) -> Option<u64> {
        Some(self.pending[self.position(id)?].seq)
    }

    fn position(&self, id: u64) -> Option<usize> {
        self.pending
            .binary_search_by_key(&id, |pending| pending.id)
            .ok()
    }

    /// The frame of request `id`, to send again (kept with `resend_requests` only).
    pub(crate) fn frame_to_resend(&self, id: u64) -> Option<F> {
        let pending = &self.pending[self.position(id)?];
        pending.frame.clone()
    }

    /// Request `id` is pending again: its frame was accepted anew as number `seq`.
    pub(crate) fn resent(&mut self, id: u64, seq: u64) {
        if let Some(index) = self.position(id) {
            self.pending[index].seq = seq;
        }
    }

    /// Ends the requests `selected` picks, lowest id first, telling `ended` each id.
    fn end_where(
        &mut self,
        mut selected: impl FnMut(&Pending<F>) -> bool,
        mut ended: impl FnMut(u64),
    ) {
        let late = &mut self.late;
        self.pending.retain(|pending| {
            let ends = selected(pending);
            if ends {
                late.insert(pending.id);
                ended(pending.id);
            }
            !ends
        });
    }
}

/// The ids of the last [`LATE_IDS_KEPT`] requests that ended: an answer carrying one of them
/// is dropped, once. A ring of ids, the oldest overwritten; an id answered late is blanked.
#[derive(Debug, Default)]
struct LateIds {
    ids: Vec<u64>,
    /// Where the next id goes once the ring is full.
    next: usize,
    /// Ids not blanked.
    live: usize,
}

/// A blanked slot: request ids count from 1 and never reach it.
const BLANK: u64 = 0;

impl LateIds {
    fn insert(&mut self, id: u64) {
        if self.ids.contains(&id) {
            return;
        }
        if self.ids.len() < LATE_IDS_KEPT {
            self.ids.push(id);
        } else {
            let oldest = std::mem::replace(&mut self.ids[self.next], id);
            self.live -= usize::from(oldest != BLANK);
            self.next = (self.next + 1) % LATE_IDS_KEPT;
        }
        self.live += 1;
    }

    /// Whether `id` was remembered; it is forgotten, so a third answer is a message again.
    fn take(&mut self, id: u64) -> bool {
        let Some(slot) = self.ids.iter_mut().find(|late| **late == id && id != BLANK) else {
            return false;
        };
        *slot = BLANK;
        self.live -= 1;
        true
    }

    fn is_empty(&self) -> bool {
        self.live == 0
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
        assert_eq!(late.live, LATE_IDS_KEPT - 2);
        assert!(!late.take(BLANK));
    }

    #[test]
    fn late_ids_stay_bounded_when_answered() {
        let mut late = LateIds::default();
        for id in 1..=10_000 {
            late.insert(id);
            assert!(late.take(id));
        }
        assert!(late.is_empty());
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
        let mut ended = Vec::new();
        requests.end_expired(100.0, |id| ended.push(id));
        assert_eq!(ended, [early]);
        assert_eq!(requests.sent_before(7), [late]);
        assert!(requests.end(late));
        assert!(!requests.end(late));
        requests.end_all(|id| ended.push(id));
        assert_eq!(ended, [early, queued]);
        assert!(requests.next_deadline().is_none() && requests.may_be_answered());
    }
}
