//! One socket's core as the JavaScript drives it: the machine, and the operands of the last
//! `poll` (numbers, a text, a message id). Everything here is plain Rust, tested natively; the
//! wasm exports in `exports.rs` only move numbers and bytes across.

use resocket_core::{Closed, ConnId, Event, Machine, Output, WireSize};

use crate::contract::{FailureKind, Figure, Op, RequestFailureKind, state_number};

/// An outgoing message: the id under which the JavaScript keeps it, and its size as
/// `bufferedAmount` counts it (measured in JavaScript, where the message is). Ids count the
/// messages sent, wrapping at 2^32: fewer than that are ever held at once. Eight bytes, as a
/// burst of sends holds one per message until the browser has sent them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The JavaScript's id for the message.
    pub id: u32,
    /// Its size on the wire.
    pub size: u32,
}

impl WireSize for Frame {
    fn wire_size(&self) -> u64 {
        self.size.into()
    }
}

/// One reconnecting socket's decisions, and the operands of the last `poll`.
#[derive(Debug)]
pub struct Core {
    /// The machine.
    pub machine: Machine<Frame>,
    args: [f64; 5],
    text: String,
    frame: u32,
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
            frame: 0,
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
            Output::Connect { conn, .. } => self.put(Op::Connect, &[id(conn)]),
            Output::Transmit(frame) => {
                self.frame = frame.id;
                Op::Transmit
            }
            Output::Ping => Op::Ping,
            // Session mode is not offered by the package yet (no option turns it on), so the
            // machine asks for neither.
            Output::Control(_) | Output::Resumed { .. } => self.poll(),
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

    /// Takes the text operand of the last `poll` (a close reason, a failure's detail).
    pub fn take_text(&mut self) -> String {
        std::mem::take(&mut self.text)
    }

    /// The message id of the last `Transmit`.
    pub fn frame(&self) -> u32 {
        self.frame
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
    use resocket_core::{Input, Policy, RequestFailure};

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
        let frame = Frame { id: 77, size: 3 };
        let request = core.machine.request(frame, 10, 0.0).unwrap();
        assert_eq!(core.poll(), Op::Transmit);
        assert_eq!(core.frame(), 77);
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
    fn unknown_figures_read_as_nan() {
        assert!(core().read(99).is_nan());
        assert!(core().read(Figure::RttMs.number()).is_nan());
    }
}
