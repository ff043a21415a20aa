//! One socket's core as the JavaScript drives it: the machine, and the operands of the last
//! `poll` (numbers, a text, message ids). Everything here is plain Rust, tested natively; the
//! wasm exports in `exports.rs` only move numbers and bytes across.

use resocket_core::{
    Closed, ConnId, Event, Machine, Output, Received, Rejected, SendError, SessionFrame, WireSize,
};

use crate::contract::{
    FailureKind, Figure, Incoming, Op, RECEIVED_BUSY, ReceivedCode, RemovalKind,
    RequestFailureKind, state_number,
};

/// An outgoing message: the id under which the JavaScript keeps it, its size as
/// `bufferedAmount` counts it (measured in JavaScript, where the message is) and, in the session
/// engine, whether it is text (texts may share a batch frame). Ids count the messages sent,
/// wrapping at 2^32: fewer than that are ever held at once. Eight bytes in the default engine,
/// as a burst of sends holds one per message until the browser has sent them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The JavaScript's id for the message.
    pub id: u32,
    /// Its size on the wire.
    pub size: u32,
    /// Whether it is a text message.
    #[cfg(any(test, feature = "session"))]
    pub text: bool,
}

impl Frame {
    /// Message `id` of `size` bytes, text or not (which only the session engine keeps).
    pub fn new(id: u32, size: u32, text: bool) -> Frame {
        #[cfg(not(any(test, feature = "session")))]
        let _ = text;
        Frame {
            id,
            size,
            #[cfg(any(test, feature = "session"))]
            text,
        }
    }
}

impl WireSize for Frame {
    fn wire_size(&self) -> u64 {
        self.size.into()
    }

    #[cfg(any(test, feature = "session"))]
    fn is_text(&self) -> bool {
        self.text
    }
}

/// What `send` and `request` answer for a refused message: -1 the queue is full, -2 the socket
/// is closed, -3 the session's window is full (session mode).
pub fn refusal(rejected: &Rejected<Frame>) -> i32 {
    match rejected.error {
        SendError::QueueFull { .. } => -1,
        SendError::Closed => -2,
        SendError::WindowFull { .. } => -3,
    }
}

/// One reconnecting socket's decisions, and the operands of the last `poll`.
#[derive(Debug)]
pub struct Core {
    /// The machine.
    pub machine: Machine<Frame>,
    args: [f64; 5],
    text: String,
    /// The message ids of the last `Transmit` (one), `TransmitBatch` or `Resumed` (its
    /// unacknowledged ones).
    frames: Vec<u32>,
    /// The deadline the JavaScript's timer is on, as last reported (`None`: no timer).
    reported_deadline: Option<f64>,
}

impl Core {
    /// A core around `machine`.
    pub fn new(machine: Machine<Frame>) -> Self {
        Core {
            machine,
            args: [0.0; 5],
            text: String::new(),
            frames: Vec::new(),
            reported_deadline: None,
        }
    }

    /// Takes the next thing to do, an [`Op`], and keeps its operands.
    pub fn poll(&mut self) -> Op {
        let Some(output) = self.machine.poll_output() else {
            return self.deadline_moved();
        };
        let id = |conn: ConnId| conn.0 as f64;
        match output {
            Output::ResolveUrl { conn } => self.put(Op::ResolveUrl, &[id(conn)]),
            Output::Connect { conn, session, .. } => {
                self.put(Op::Connect, &[id(conn), f64::from(u8::from(session))])
            }
            Output::Transmit(frame) => {
                self.frames.clear();
                self.frames.push(frame.id);
                Op::Transmit
            }
            // Laid out as `Resumed` is, whose code it shares.
            Output::TransmitBatch(frames) => self.put_frames(Op::TransmitBatch, 0.0, &frames),
            Output::AwaitTurnEnd => Op::AwaitTurnEnd,
            Output::Ping => Op::Ping,
            Output::RunSetup {
                conn,
                attempt,
                resumed,
            } => self.put(
                Op::RunSetup,
                &[id(conn), attempt.into(), f64::from(u8::from(resumed))],
            ),
            Output::Control(text) => {
                self.text = text;
                Op::Control
            }
            Output::Resumed {
                recovered,
                unacknowledged,
            } => self.put_frames(Op::Resumed, f64::from(u8::from(recovered)), &unacknowledged),
            Output::MeasureBuffered { conn } => self.put(Op::MeasureBuffered, &[id(conn)]),
            Output::Close { conn, code, reason } => {
                self.text = reason;
                self.put(Op::Close, &[id(conn), code.into()])
            }
            Output::Abandon { conn, code, reason } => {
                self.text = reason;
                self.put(Op::Abandon, &[id(conn), code.into()])
            }
            Output::RequestFailed { id, failure } => {
                let (kind, capacity) = RequestFailureKind::of(failure);
                let args = [id as f64, kind.number().into(), capacity as f64];
                self.put(Op::RequestFailed, &args)
            }
            Output::Emit(event) => self.event(event),
            Output::Removed { frame, reason } => {
                self.frames.clear();
                self.frames.push(frame.id);
                self.put(Op::Removed, &[RemovalKind::of(reason).number().into()])
            }
        }
    }

    /// `Op::Deadline` when the machine's next deadline is not the one the JavaScript's timer
    /// is on, `Op::Idle` when there is nothing left to do.
    fn deadline_moved(&mut self) -> Op {
        let deadline = self.machine.poll_timeout();
        if deadline == self.reported_deadline {
            return Op::Idle;
        }
        self.reported_deadline = deadline;
        self.put(Op::Deadline, &[deadline.unwrap_or(f64::NAN)])
    }

    /// What arrived on socket `conn`: `kind` an [`Incoming`] number, `size` the message's as
    /// the machine measures it, `text` a control frame's. A [`ReceivedCode`] number, plus
    /// [`RECEIVED_BUSY`] when the core has something to do.
    pub fn receive(&mut self, conn: ConnId, kind: u32, size: u64, text: &str, now: f64) -> u32 {
        let machine = &mut self.machine;
        let received = match Incoming::from_number(kind) {
            Some(Incoming::Message) | None => machine.receive(conn, size, false, now),
            Some(Incoming::Pong) => machine.receive(conn, size, true, now),
            Some(Incoming::Tagged) => {
                let frame = SessionFrame::Messages { count: 1, size };
                machine.receive_session(conn, frame, now)
            }
            Some(Incoming::Control) => {
                machine.receive_session(conn, SessionFrame::Control(text), now)
            }
            Some(Incoming::Invalid) => {
                let invalid = SessionFrame::Invalid("no tag, or a bad batch");
                machine.receive_session(conn, invalid, now)
            }
        };
        self.received(received)
    }

    fn received(&self, received: Received) -> u32 {
        let code = match received {
            Received::Message => ReceivedCode::Message,
            Received::MaybeAnswer => ReceivedCode::MaybeAnswer,
            Received::Pong => ReceivedCode::Pong,
            Received::TooBig { .. } => ReceivedCode::TooBig,
            // Nothing for the JavaScript: a session's control frame, or a frame the protocol
            // refused (the machine closes the connection).
            Received::Stale | Received::Protocol => ReceivedCode::Stale,
        };
        code.number() + if self.busy() { RECEIVED_BUSY } else { 0 }
    }

    /// The JavaScript's timer fired: it has none until the next `Op::Deadline`.
    pub fn timer_fired(&mut self) {
        self.reported_deadline = None;
    }

    /// Whether `poll` has something to report: outputs, or a deadline that moved.
    pub fn busy(&self) -> bool {
        self.machine.has_output() || self.machine.poll_timeout() != self.reported_deadline
    }

    /// Operand `index` of the last `poll`; NaN past the last.
    pub fn arg(&self, index: usize) -> f64 {
        self.args.get(index).copied().unwrap_or(f64::NAN)
    }

    /// Takes the text operand of the last `poll` (a close reason, a failure's detail, a
    /// control frame).
    pub fn take_text(&mut self) -> String {
        std::mem::take(&mut self.text)
    }

    /// Message id `index` of the last `Transmit` (0), `TransmitBatch`, `Resumed` or
    /// [`save`](Self::save);
    /// `None` past the last.
    pub fn frame(&self, index: usize) -> Option<u32> {
        self.frames.get(index).copied()
    }

    /// The session as a page saves it for the next one: its header becomes the text operand
    /// and the ids of its unacknowledged messages the frames; their count, or `None` when
    /// there is no session to keep (none named yet, or closed).
    pub fn save(&mut self) -> Option<usize> {
        // The default engine runs no sessions: none of this is linked there.
        if cfg!(not(any(test, feature = "session"))) {
            return None;
        }
        let saved = self.machine.saved_session()?;
        self.text = saved.header();
        self.frames = saved.unacknowledged.iter().map(|frame| frame.id).collect();
        Some(self.frames.len())
    }

    /// Resumes a session an earlier page saved: its `header` line and its messages (the ids
    /// the JavaScript now keeps them under, and their sizes). False, changing nothing, when
    /// the header does not read or the machine cannot take it (see
    /// [`Machine::restore_session`]).
    pub fn restore(&mut self, header: &str, messages: Vec<Frame>) -> bool {
        if cfg!(not(any(test, feature = "session"))) {
            return false;
        }
        let Ok(header) = resocket_core::session::SavedHeader::read(header) else {
            return false;
        };
        let saved = resocket_core::session::Saved::from_parts(header, messages);
        self.machine.restore_session(saved)
    }

    /// The id of the oldest message the machine holds, by send order: every message sent
    /// before it may be let go. Ids count sends, so the oldest is the one all others follow
    /// (modulo 2^32). A setup step in session mode holds its messages ahead of older ones
    /// until the server acknowledges them (see [`Machine::oldest_held`]): meanwhile every held
    /// id is looked at.
    pub fn oldest(&self) -> Option<u32> {
        if self.machine.holds_in_send_order() {
            return self.machine.oldest_held().map(|frame| frame.id);
        }
        let follows = |later: u32, earlier: u32| (later.wrapping_sub(earlier) as i32) > 0;
        (self.machine.queued().map(|frame| frame.id))
            .reduce(|oldest, id| if follows(oldest, id) { id } else { oldest })
    }

    /// One of the socket's figures; NaN for an unknown one or an RTT not measured yet.
    pub fn read(&self, figure: u32) -> f64 {
        let machine = &self.machine;
        match Figure::from_number(figure) {
            Some(Figure::State) => state_number(machine.state()).into(),
            Some(Figure::RetryCount) => machine.retry_count().into(),
            Some(Figure::QueuedCount) => machine.queued_count() as f64,
            Some(Figure::QueuedBytes) => machine.queued().map(|frame| f64::from(frame.size)).sum(),
            Some(Figure::RttMs) => machine.rtt_ms().unwrap_or(f64::NAN),
            None => f64::NAN,
        }
    }

    /// `op` with `first` as its first operand, and the ids of `frames`: their count second.
    fn put_frames(&mut self, op: Op, first: f64, frames: &[Frame]) -> Op {
        self.frames = frames.iter().map(|frame| frame.id).collect();
        self.put(op, &[first, self.frames.len() as f64])
    }

    fn put(&mut self, op: Op, args: &[f64]) -> Op {
        for (slot, value) in self.args.iter_mut().zip(args) {
            *slot = *value;
        }
        op
    }

    fn event(&mut self, event: Event) -> Op {
        match event {
            Event::Open => Op::Opened,
            Event::Closed(Closed {
                code,
                reason,
                was_clean,
                will_reconnect,
                requeued,
                unconfirmed,
            }) => {
                self.text = reason;
                let args = [
                    code.into(),
                    f64::from(u8::from(was_clean)),
                    f64::from(u8::from(will_reconnect)),
                    requeued as f64,
                    unconfirmed as f64,
                ];
                self.put(Op::Closed, &args)
            }
            Event::Reconnecting { attempt, delay_ms } => {
                self.put(Op::Reconnecting, &[attempt.into(), delay_ms.into()])
            }
            Event::Failed(failure) => {
                let (kind, detail) = FailureKind::of(failure);
                self.text = detail.unwrap_or_default();
                self.put(Op::Failed, &[kind.number().into()])
            }
            Event::RetriesExhausted { retries } => {
                self.put(Op::RetriesExhausted, &[retries.into()])
            }
            Event::Offline => Op::WentOffline,
            Event::Online => Op::WentOnline,
            Event::StateChanged(state) => self.put(Op::StateChanged, &[state_number(state).into()]),
        }
    }
}

#[cfg(test)]
mod tests {
    use resocket_core::session::Terms;
    use resocket_core::{HeartbeatTiming, Input, Policy, RequestFailure};

    use super::*;

    fn core() -> Core {
        Core::new(Machine::new(Policy::default(), 1).unwrap())
    }

    #[test]
    fn an_attempt_reads_as_ops_with_operands() {
        let mut core = core();
        core.machine.handle(Input::Connect { online: true }, 0.0);
        assert!(core.busy());
        assert_eq!(core.poll(), Op::ResolveUrl);
        assert_eq!(core.arg(0), 1.0);
        assert_eq!(core.poll(), Op::StateChanged);
        assert_eq!(core.arg(0), 0.0, "connecting, number 0 of STATES");
        // The connect timeout is the next deadline: reported once.
        assert_eq!(core.poll(), Op::Deadline);
        assert_eq!(core.arg(0), 5_000.0);
        assert_eq!(core.poll(), Op::Idle);
        assert!(!core.busy());
        core.timer_fired();
        assert_eq!(
            core.poll(),
            Op::Deadline,
            "reported again once the timer fired"
        );
        assert_eq!(core.read(Figure::State.number()), 0.0, "connecting");
        core.machine.handle(
            Input::Close {
                code: 4000,
                reason: "bye".into(),
            },
            1.0,
        );
        assert_eq!(core.poll(), Op::Closed);
        assert_eq!([core.arg(0), core.arg(1), core.arg(2)], [4000.0, 1.0, 0.0]);
        assert_eq!(core.take_text(), "bye");
        assert_eq!(core.take_text(), "", "taken");
        assert!(core.arg(9).is_nan());
    }

    #[test]
    fn messages_and_request_failures_carry_their_ids() {
        let mut core = core();
        core.machine.handle(Input::Connect { online: true }, 0.0);
        core.machine.handle(
            Input::UrlResolved {
                conn: ConnId(1),
                url: String::new(),
            },
            0.0,
        );
        let opened = Input::Opened {
            conn: ConnId(1),
            protocol: String::new(),
        };
        core.machine.handle(opened, 0.0);
        while core.poll() != Op::Idle {}
        let frame = Frame::new(77, 3, true);
        let request = core.machine.request(frame, 10, 0.0).unwrap();
        assert_eq!(core.poll(), Op::Transmit);
        assert_eq!(core.frame(0), Some(77));
        assert_eq!(core.frame(1), None);
        core.machine.handle_timeout(10.0);
        assert_eq!(core.poll(), Op::RequestFailed);
        assert_eq!(core.arg(0), request as f64);
        assert_eq!(
            core.arg(1),
            f64::from(RequestFailureKind::TimedOut.number())
        );
        let (kind, capacity) = RequestFailureKind::of(RequestFailure::QueueFull { capacity: 9 });
        assert_eq!((kind, capacity), (RequestFailureKind::QueueFull, 9));
    }

    #[test]
    fn a_removed_message_reads_as_its_id_and_reason() {
        let mut core = core();
        core.machine.handle(Input::Connect { online: true }, 0.0);
        while core.poll() != Op::Idle {}
        let options = resocket_core::SendOptions {
            volatile: false,
            ttl_ms: Some(50),
        };
        let expiring = core.machine.send_with(Frame::new(5, 1, true), options, 0.0);
        let (_, cancelled) = (core.machine)
            .send_with(Frame::new(6, 1, true), Default::default(), 0.0)
            .unwrap();
        assert!(expiring.is_ok());
        assert!(core.machine.cancel(cancelled));
        assert_eq!(core.poll(), Op::Removed);
        assert_eq!(core.frame(0), Some(6));
        assert_eq!(core.arg(0), f64::from(RemovalKind::Aborted.number()));
        core.machine.handle_timeout(50.0);
        assert_eq!(core.poll(), Op::Removed);
        assert_eq!(core.frame(0), Some(5));
        assert_eq!(core.arg(0), f64::from(RemovalKind::Expired.number()));
    }

    /// A core in session mode with a window of 100 bytes, not connecting yet.
    fn idle_session_core() -> Core {
        let terms = Terms {
            window: 100,
            batches: false,
        };
        let policy = Policy {
            session: Some(terms),
            ..Policy::default()
        };
        Core::new(Machine::new(policy, 1).unwrap())
    }

    /// A core in session mode with a window of 100 bytes, its first socket open with the
    /// subprotocol `protocol`.
    fn session_core(protocol: &str) -> Core {
        let mut core = idle_session_core();
        core.machine.handle(Input::Connect { online: true }, 0.0);
        open_socket(&mut core, 1, protocol);
        core
    }

    fn open_socket(core: &mut Core, conn: u64, protocol: &str) {
        let conn = ConnId(conn);
        let url = String::new();
        core.machine.handle(Input::UrlResolved { conn, url }, 0.0);
        let protocol = protocol.into();
        core.machine.handle(Input::Opened { conn, protocol }, 0.0);
    }

    /// Polls until `op` (or idle), returning the ops passed on the way.
    fn poll_until(core: &mut Core, op: Op) -> Vec<Op> {
        let mut passed = Vec::new();
        loop {
            match core.poll() {
                found if found == op => return passed,
                Op::Idle => panic!("no {op:?} after {passed:?}"),
                other => passed.push(other),
            }
        }
    }

    fn welcome(id: &str, resumed: bool) -> String {
        let resumed = u8::from(resumed);
        format!("~welcome id={id} key=k epoch=e next=0 resumed={resumed} window=100 batch=0")
    }

    const CONTROL: u32 = Incoming::Control.number();
    const TAGGED: u32 = Incoming::Tagged.number();

    #[test]
    fn a_session_speaks_through_control_ops_and_tagged_frames() {
        let mut core = session_core("resocket.v1");
        poll_until(&mut core, Op::Control);
        assert_eq!(core.take_text(), "~hello v=1 window=100 batch=0");
        assert_eq!(
            core.read(Figure::State.number()),
            0.0,
            "connecting until the welcome"
        );
        let early = Frame::new(1, 10, true);
        assert!(core.machine.send(early).is_ok());
        let code = core.receive(ConnId(1), CONTROL, 0, &welcome("a", false), 0.0);
        assert_eq!(code, ReceivedCode::Stale.number() + RECEIVED_BUSY);
        let passed = poll_until(&mut core, Op::Opened);
        assert_eq!(passed[0], Op::Transmit, "what waited goes first");
        assert_eq!(core.frame(0), Some(1));
        assert!(
            !passed.contains(&Op::Resumed),
            "the first session resumes nothing"
        );
        // A message arrives without its tag; its size decides as in plain mode.
        let code = core.receive(ConnId(1), TAGGED, 3, "", 0.0);
        assert_eq!(code & !RECEIVED_BUSY, ReceivedCode::Message.number());
        let stale = core.receive(ConnId(9), TAGGED, 3, "", 0.0);
        assert_eq!(
            stale & !RECEIVED_BUSY,
            ReceivedCode::Stale.number(),
            "another socket's"
        );
        // The heartbeat's pong and acks are the engine's.
        let ack = core.receive(ConnId(1), CONTROL, 0, "~ack n=1", 0.0);
        assert_eq!(ack & !RECEIVED_BUSY, ReceivedCode::Stale.number());
        assert_eq!(core.machine.oldest_held(), None, "acknowledged: let go");
    }

    #[test]
    fn a_turn_of_sends_to_a_server_that_reads_batches_is_one_message_then_one_batch() {
        let mut core = session_core("resocket.v1");
        while core.poll() != Op::Idle {}
        let welcomed = welcome("a", false).replace("batch=0", "batch=1");
        core.receive(ConnId(1), CONTROL, 0, &welcomed, 0.0);
        while core.poll() != Op::Idle {}
        for id in 1..=4 {
            assert!(core.machine.send(Frame::new(id, 5, true)).is_ok());
        }
        assert_eq!(core.poll(), Op::Transmit, "the first at once");
        assert_eq!(core.frame(0), Some(1));
        assert_eq!(
            core.poll(),
            Op::AwaitTurnEnd,
            "the rest wait for the turn's end"
        );
        assert_eq!(core.poll(), Op::Idle);
        core.machine.handle(Input::TurnEnded, 0.0);
        assert_eq!(core.poll(), Op::TransmitBatch);
        assert_eq!(core.arg(1), 3.0);
        let ids: Vec<_> = (0..4).map(|index| core.frame(index)).collect();
        assert_eq!(ids, [Some(2), Some(3), Some(4), None]);
        assert_eq!(core.poll(), Op::Idle);
    }

    #[test]
    fn a_saved_session_crosses_to_a_new_core_as_a_header_and_ids() {
        let mut core = session_core("resocket.v1");
        assert_eq!(core.save(), None, "no session named yet");
        core.receive(ConnId(1), CONTROL, 0, &welcome("a", false), 0.0);
        while core.poll() != Op::Idle {}
        for id in [4, 5] {
            assert!(core.machine.send(Frame::new(id, 2, true)).is_ok());
        }
        assert_eq!(core.save(), Some(2));
        let header = core.take_text();
        assert!(
            header.starts_with("resocket-session v=1 id=a key=k epoch=e "),
            "{header}"
        );
        assert_eq!([core.frame(0), core.frame(1)], [Some(4), Some(5)]);
        // The next page keeps the messages under ids of its own.
        let mut next_page = idle_session_core();
        let messages = vec![Frame::new(1, 2, true), Frame::new(2, 2, true)];
        assert!(!next_page.restore("not a header", messages.clone()));
        assert!(next_page.restore(&header, messages));
        assert_eq!(next_page.machine.oldest_held().map(|f| f.id), Some(1));
        next_page
            .machine
            .handle(Input::Connect { online: true }, 0.0);
        open_socket(&mut next_page, 1, "resocket.v1");
        poll_until(&mut next_page, Op::Control);
        assert!(
            next_page
                .take_text()
                .starts_with("~resume v=1 id=a key=k epoch=e next=0 ")
        );
    }

    #[test]
    fn the_window_refuses_with_its_own_code() {
        let mut core = session_core("resocket.v1");
        let welcomed = welcome("a", false);
        core.receive(ConnId(1), CONTROL, 0, &welcomed, 0.0);
        while core.poll() != Op::Idle {}
        assert!(core.machine.send(Frame::new(1, 60, true)).is_ok());
        let refused = core.machine.send(Frame::new(2, 60, true)).unwrap_err();
        assert_eq!(refusal(&refused), -3);
        core.machine.handle(
            Input::Close {
                code: 1000,
                reason: String::new(),
            },
            0.0,
        );
        let closed = core.machine.send(Frame::new(3, 1, true)).unwrap_err();
        assert_eq!(refusal(&closed), -2);
    }

    #[test]
    fn a_lost_session_reports_its_unacknowledged_ids_before_the_open() {
        let mut core = session_core("resocket.v1");
        core.receive(ConnId(1), CONTROL, 0, &welcome("a", false), 0.0);
        while core.poll() != Op::Idle {}
        for id in [7, 8] {
            assert!(core.machine.send(Frame::new(id, 1, true)).is_ok());
        }
        // A frame of neither kind breaks the protocol: closed with 1002, reported.
        let code = core.receive(ConnId(1), Incoming::Invalid.number(), 0, "", 0.0);
        assert_eq!(code, ReceivedCode::Stale.number() + RECEIVED_BUSY);
        poll_until(&mut core, Op::Abandon);
        assert_eq!(core.arg(1), 1002.0);
        poll_until(&mut core, Op::Failed);
        assert_eq!(core.arg(0), f64::from(FailureKind::Protocol.number()));
        assert!(core.take_text().contains("no tag, or a bad batch"));
        // Sent while disconnected: never left, so it goes out on the next session.
        assert!(core.machine.send(Frame::new(9, 1, true)).is_ok());
        assert_eq!(core.machine.oldest_held().map(|f| f.id), Some(7));
        let retry = core.machine.poll_timeout().unwrap();
        core.machine.handle_timeout(retry);
        open_socket(&mut core, 2, "resocket.v1");
        poll_until(&mut core, Op::Control);
        assert_eq!(core.take_text(), "~hello v=1 window=100 batch=0");
        core.receive(ConnId(2), CONTROL, 0, &welcome("b", false), 0.0);
        assert_eq!(poll_until(&mut core, Op::Resumed), [Op::Transmit]);
        assert_eq!([core.arg(0), core.arg(1)], [0.0, 2.0]);
        assert_eq!(
            [core.frame(0), core.frame(1), core.frame(2)],
            [Some(7), Some(8), None]
        );
        assert_eq!(
            core.poll(),
            Op::Opened,
            "the resumed event comes before the open"
        );
        assert_eq!(core.machine.oldest_held().map(|f| f.id), Some(9));
    }

    #[test]
    fn a_resumed_session_reports_recovered() {
        let mut core = session_core("resocket.v1");
        core.receive(ConnId(1), CONTROL, 0, &welcome("a", false), 0.0);
        assert!(core.machine.send(Frame::new(1, 1, true)).is_ok());
        core.machine.handle(
            Input::Closed {
                conn: ConnId(1),
                code: 1006,
                reason: String::new(),
                was_clean: false,
                unsent_bytes: 0,
                reconnect_allowed: true,
            },
            0.0,
        );
        while core.poll() != Op::Idle {}
        let retry = core.machine.poll_timeout().unwrap();
        core.machine.handle_timeout(retry);
        open_socket(&mut core, 2, "resocket.v1");
        poll_until(&mut core, Op::Control);
        assert!(
            core.take_text()
                .starts_with("~resume v=1 id=a key=k epoch=e next=0")
        );
        core.receive(ConnId(2), CONTROL, 0, &welcome("a", true), 0.0);
        assert_eq!(
            poll_until(&mut core, Op::Resumed),
            [Op::Transmit],
            "sent again"
        );
        assert_eq!([core.arg(0), core.arg(1)], [1.0, 0.0]);
        assert_eq!(core.frame(0), None);
    }

    #[test]
    fn a_server_without_the_subprotocol_fails_the_socket() {
        let mut core = session_core("");
        poll_until(&mut core, Op::Failed);
        let kind = FailureKind::NotASessionServer.number();
        assert_eq!(core.arg(0), f64::from(kind));
        assert_eq!(core.read(Figure::State.number()), 3.0, "closed for good");
    }

    #[test]
    fn plain_mode_reads_the_pong_and_refuses_nothing_untagged() {
        let policy = Policy {
            heartbeat: Some(HeartbeatTiming {
                interval_ms: 1000,
                timeout_ms: 1000,
            }),
            ..Policy::default()
        };
        let mut core = Core::new(Machine::new(policy, 1).unwrap());
        core.machine.handle(Input::Connect { online: true }, 0.0);
        open_socket(&mut core, 1, "");
        while core.poll() != Op::Idle {}
        let pong = core.receive(ConnId(1), Incoming::Pong.number(), 4, "", 0.0);
        assert_eq!(pong & !RECEIVED_BUSY, ReceivedCode::Pong.number());
        let message = core.receive(ConnId(1), Incoming::Message.number(), 4, "", 0.0);
        assert_eq!(message & !RECEIVED_BUSY, ReceivedCode::Message.number());
    }

    #[test]
    fn unknown_figures_read_as_nan() {
        assert!(core().read(99).is_nan());
        assert!(core().read(Figure::RttMs.number()).is_nan());
    }

    #[test]
    fn a_setup_step_in_session_mode_keeps_the_older_messages_it_goes_ahead_of() {
        let mut core = idle_session_core();
        core.machine = Machine::new(
            Policy {
                setup_timeout_ms: Some(1_000),
                ..core.machine.policy().clone()
            },
            1,
        )
        .unwrap();
        core.machine.handle(Input::Connect { online: true }, 0.0);
        assert!(core.machine.send(Frame::new(1, 2, true)).is_ok());
        open_socket(&mut core, 1, "resocket.v1");
        core.receive(ConnId(1), CONTROL, 0, &welcome("a", false), 0.0);
        poll_until(&mut core, Op::RunSetup);
        assert_eq!([core.arg(0), core.arg(1), core.arg(2)], [1.0, 1.0, 0.0]);
        let step = core.machine.send_setup(ConnId(1), Frame::new(2, 2, true));
        assert_eq!(step, Ok(resocket_core::Sent::Now));
        // Message 2 is numbered ahead of message 1, which the engine must still keep.
        assert_eq!(core.oldest(), Some(1));
        core.machine
            .handle(Input::SetupDone { conn: ConnId(1) }, 0.0);
        while core.poll() != Op::Idle {}
        assert_eq!(core.machine.oldest_held().map(|f| f.id), Some(2));
        assert_eq!(
            core.oldest(),
            Some(1),
            "until the server acknowledged the step's"
        );
        core.receive(ConnId(1), CONTROL, 0, "~ack n=1", 0.0);
        assert_eq!(core.oldest(), Some(1), "message 1 is next in the session");
        core.receive(ConnId(1), CONTROL, 0, "~ack n=2", 0.0);
        assert_eq!(core.oldest(), None);
    }
}
