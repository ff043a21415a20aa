//! The npm package's engine: resocket's connection core behind a small numeric interface.
//!
//! The package's JavaScript (`src/js/resocket.js`) owns every browser object: the
//! `WebSocket` and its handlers, the timers, the options object, the listeners. It tells the
//! engine what happened (`signal`, `closed`, `send`, ...) and then asks what to do (`poll`)
//! until nothing is left. Every decision (backoff, heartbeat, queue, close codes, what to send
//! again after a drop) is the same core the Rust API runs on.
//!
//! The split is what keeps the package small: the wasm holds only the core's decisions, so no
//! web-sys shims, closures, futures executor or string formatting ship in it. Frames cross as
//! the JavaScript values they are and are never copied into wasm memory.

use resocket::core::{
    ConnId, Event, Failure, HeartbeatTiming, Input, Machine, Output, Overflow, Policy, SendError,
    Sent, State, Timer, WireSize,
};
use wasm_bindgen::prelude::*;

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
// SAFETY: the package is built without the `atomics` target feature, so the module has one
// thread and the allocator is never entered twice at once.
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// An outgoing message: the JavaScript value to hand to `WebSocket.send`, and its size as
/// `bufferedAmount` counts it (measured in JavaScript, where the value is).
#[derive(Clone)]
struct Frame {
    data: JsValue,
    size: u32,
}

impl WireSize for Frame {
    fn wire_size(&self) -> u64 {
        self.size.into()
    }
}

/// What `poll` asks the JavaScript to do; the operands are read with `arg(i)`, `text()` and
/// `frame()`. The numbers are part of the contract with `src/js/resocket.js`.
#[repr(u8)]
enum Op {
    /// Nothing left to do.
    Idle = 0,
    /// Work out the URL and subprotocols of attempt `arg(0)`, then `signal(URL_RESOLVED)` or
    /// `failed`.
    ResolveUrl = 1,
    /// Create the socket for attempt `arg(0)` from what was resolved.
    Connect = 2,
    /// `WebSocket.send(frame())`.
    Transmit = 3,
    /// Send the heartbeat ping.
    Ping = 4,
    /// Answer with `buffered(arg(0), socket.bufferedAmount)`.
    MeasureBuffered = 5,
    /// Start the closing handshake of socket `arg(0)` with code `arg(1)` and reason `text()`.
    Close = 6,
    /// As `Close`, and forget the socket: no input may follow for it.
    Abandon = 7,
    /// Start (or restart) timer `arg(0)`, firing after `arg(1)` ms.
    StartTimer = 8,
    /// Cancel timer `arg(0)`.
    StopTimer = 9,
    /// Emit "open".
    Opened = 10,
    /// Emit "close": code, wasClean, willReconnect, requeued, unconfirmed; reason `text()`.
    Closed = 11,
    /// Emit "reconnecting": attempt, delay in ms.
    Reconnecting = 12,
    /// Emit "error": the failure's kind (see [`failure_kind`]), detail `text()`.
    Failed = 13,
    /// Emit "error" RETRIES_EXHAUSTED: the retries made.
    RetriesExhausted = 14,
    /// Emit "offline": no attempt starts until the network is back.
    WentOffline = 15,
    /// Emit "online".
    WentOnline = 16,
}

/// What `signal` reports.
#[repr(u8)]
enum Signal {
    Connect = 0,
    UrlResolved = 1,
    Opened = 2,
    Received = 3,
    Pong = 4,
    SocketError = 5,
    Offline = 6,
    Online = 7,
    Suspend = 8,
    Resume = 9,
    Wake = 10,
}

/// What `read` reports.
#[repr(u8)]
enum Figure {
    /// The connection state, see [`state_number`].
    State = 0,
    /// Retries since the last reset.
    RetryCount = 1,
    /// Messages waiting for the connection to open.
    QueuedCount = 2,
    /// Their wire size.
    QueuedBytes = 3,
    /// The round-trip time of the last heartbeat pong in ms; NaN before the first.
    RttMs = 4,
}

/// One reconnecting socket's decisions.
#[wasm_bindgen]
pub struct Core {
    machine: Machine<Frame>,
    args: [f64; 5],
    text: String,
    frame: Option<JsValue>,
}

#[wasm_bindgen]
impl Core {
    /// A core with the given policy, already checked by the JavaScript (which names the
    /// options in its errors); `maxRetries` and `queueCapacity` may be `Infinity`, and a zero
    /// `heartbeatIntervalMs` turns the heartbeat off. `undefined` if the core refuses the
    /// policy anyway.
    #[allow(clippy::too_many_arguments)]
    pub fn create(
        min_delay_ms: f64,
        max_delay_ms: f64,
        grow_factor: f64,
        jitter: f64,
        min_uptime_ms: f64,
        connect_timeout_ms: f64,
        max_retries: f64,
        queue_capacity: f64,
        drop_oldest: bool,
        heartbeat_interval_ms: f64,
        heartbeat_timeout_ms: f64,
        ping_size: f64,
        final_codes: Vec<u16>,
        seed: f64,
    ) -> Option<Core> {
        let mut policy = Policy::default();
        policy.backoff.min_delay_ms = min_delay_ms as u32;
        policy.backoff.max_delay_ms = max_delay_ms as u32;
        policy.backoff.grow_factor = grow_factor;
        policy.backoff.jitter = jitter;
        policy.min_uptime_ms = min_uptime_ms as u32;
        policy.connect_timeout_ms = connect_timeout_ms as u32;
        policy.max_retries = max_retries.is_finite().then_some(max_retries as u32);
        policy.queue_capacity = queue_capacity as usize;
        policy.overflow = if drop_oldest {
            Overflow::DropOldest
        } else {
            Overflow::Reject
        };
        policy.heartbeat = (heartbeat_interval_ms > 0.0).then_some(HeartbeatTiming {
            interval_ms: heartbeat_interval_ms as u32,
            timeout_ms: heartbeat_timeout_ms as u32,
        });
        policy.final_codes = final_codes;
        let machine = Machine::new(policy, seed as u64).ok()?;
        Some(Core {
            machine: machine.with_ping_size(ping_size as u64),
            args: [0.0; 5],
            text: String::new(),
            frame: None,
        })
    }

    /// Sends `frame` (of `size` bytes on the wire) now, or queues it: 1 sent, 0 queued,
    /// -1 refused because the queue is full, -2 refused because the socket is closed.
    pub fn send(&mut self, frame: JsValue, size: f64) -> i8 {
        let frame = Frame {
            data: frame,
            size: size as u32,
        };
        match self.machine.send(frame) {
            Ok(Sent::Now) => 1,
            Ok(Sent::Queued { .. }) => 0,
            Err(rejected) => match rejected.error {
                SendError::QueueFull { .. } => -1,
                SendError::Closed => -2,
            },
        }
    }

    /// Reports a [`Signal`] about attempt or socket `conn` (0 for the signals about the
    /// browser or the page).
    pub fn signal(&mut self, signal: u8, conn: f64, now: f64) {
        let conn = ConnId(conn as u64);
        let input = match signal {
            s if s == Signal::Connect as u8 => Input::Connect,
            s if s == Signal::UrlResolved as u8 => Input::UrlResolved {
                conn,
                // The JavaScript keeps the URL it resolved; the core only passes it through.
                url: String::new(),
            },
            s if s == Signal::Opened as u8 => Input::Opened { conn },
            s if s == Signal::Received as u8 => Input::Received { conn },
            s if s == Signal::Pong as u8 => Input::Pong { conn },
            s if s == Signal::SocketError as u8 => Input::SocketError { conn },
            s if s == Signal::Offline as u8 => Input::Offline,
            s if s == Signal::Online as u8 => Input::Online,
            s if s == Signal::Suspend as u8 => Input::Suspend,
            s if s == Signal::Resume as u8 => Input::Resume,
            s if s == Signal::Wake as u8 => Input::Wake,
            _ => return,
        };
        self.machine.handle(input, now);
    }

    /// Timer `timer` (an index into the core's timer kinds) fired.
    #[wasm_bindgen(js_name = timerFired)]
    pub fn timer_fired(&mut self, timer: usize, now: f64) {
        if let Some(&timer) = Timer::ALL.get(timer) {
            self.machine.handle(Input::TimerFired(timer), now);
        }
    }

    /// Attempt `conn` failed before a socket existed: the URL provider failed (`provider`) or
    /// the browser refused to create the socket.
    pub fn failed(&mut self, provider: bool, conn: f64, error: String, now: f64) {
        let conn = ConnId(conn as u64);
        let input = if provider {
            Input::UrlFailed { conn, error }
        } else {
            Input::OpenFailed { conn, error }
        };
        self.machine.handle(input, now);
    }

    /// The user closes for good, with a code and reason the JavaScript has checked.
    pub fn close(&mut self, code: u16, reason: String, now: f64) {
        self.machine.handle(Input::Close { code, reason }, now);
    }

    /// The user asks for a fresh connection at once.
    pub fn reconnect(&mut self, code: u16, reason: String, now: f64) {
        self.machine.handle(Input::Reconnect { code, reason }, now);
    }

    /// The answer to `MeasureBuffered`.
    pub fn buffered(&mut self, conn: f64, unsent_bytes: f64, now: f64) {
        let input = Input::Buffered {
            conn: ConnId(conn as u64),
            unsent_bytes: unsent_bytes as u64,
        };
        self.machine.handle(input, now);
    }

    /// Socket `conn` closed; `unsent_bytes` is its final `bufferedAmount`.
    #[allow(clippy::too_many_arguments)]
    pub fn closed(
        &mut self,
        conn: f64,
        code: u16,
        reason: String,
        was_clean: bool,
        unsent_bytes: f64,
        reconnect_allowed: bool,
        now: f64,
    ) {
        let input = Input::Closed {
            conn: ConnId(conn as u64),
            code,
            reason,
            was_clean,
            unsent_bytes: unsent_bytes as u64,
            reconnect_allowed,
        };
        self.machine.handle(input, now);
    }

    /// Takes the next thing to do, an [`Op`]; 0 when there is nothing left.
    pub fn poll(&mut self) -> u8 {
        let Some(output) = self.machine.poll_output() else {
            return Op::Idle as u8;
        };
        let id = |conn: ConnId| conn.0 as f64;
        let (op, args) = match output {
            Output::ResolveUrl { conn } => (Op::ResolveUrl, [id(conn)]),
            Output::Connect { conn, .. } => (Op::Connect, [id(conn)]),
            Output::Transmit(frame) => {
                self.frame = Some(frame.data);
                return Op::Transmit as u8;
            }
            Output::Ping => return Op::Ping as u8,
            Output::MeasureBuffered { conn } => (Op::MeasureBuffered, [id(conn)]),
            Output::Close { conn, code, reason } => {
                self.text = reason;
                return self.put(Op::Close, &[id(conn), code.into()]);
            }
            Output::Abandon { conn, code, reason } => {
                self.text = reason;
                return self.put(Op::Abandon, &[id(conn), code.into()]);
            }
            Output::StartTimer { timer, after_ms } => {
                let timer = timer.index() as f64;
                return self.put(Op::StartTimer, &[timer, after_ms.into()]);
            }
            Output::StopTimer(timer) => (Op::StopTimer, [timer.index() as f64]),
            Output::Emit(event) => return self.event(event),
        };
        self.put(op, &args)
    }

    /// Operand `index` of the last `poll`.
    pub fn arg(&self, index: usize) -> f64 {
        self.args.get(index).copied().unwrap_or(f64::NAN)
    }

    /// The text operand of the last `poll` (a close reason, a failure's detail).
    pub fn text(&mut self) -> String {
        std::mem::take(&mut self.text)
    }

    /// The frame of the last `Transmit`.
    pub fn frame(&mut self) -> JsValue {
        self.frame.take().unwrap_or_default()
    }

    /// One of the socket's figures, by [`Figure`].
    pub fn read(&self, figure: u8) -> f64 {
        let machine = &self.machine;
        match figure {
            f if f == Figure::State as u8 => f64::from(state_number(machine.state())),
            f if f == Figure::RetryCount as u8 => machine.retry_count().into(),
            f if f == Figure::QueuedCount as u8 => machine.queued_count() as f64,
            f if f == Figure::QueuedBytes as u8 => {
                machine.queued().map(|frame| f64::from(frame.size)).sum()
            }
            f if f == Figure::RttMs as u8 => machine.rtt_ms().unwrap_or(f64::NAN),
            _ => f64::NAN,
        }
    }
}

impl Core {
    fn put(&mut self, op: Op, args: &[f64]) -> u8 {
        for (slot, value) in self.args.iter_mut().zip(args) {
            *slot = *value;
        }
        op as u8
    }

    fn event(&mut self, event: Event) -> u8 {
        match event {
            Event::Open => Op::Opened as u8,
            Event::Closed {
                code,
                reason,
                was_clean,
                will_reconnect,
                requeued,
                unconfirmed,
            } => {
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
                let kind = failure_kind(&failure);
                if let Failure::UrlProvider(detail) | Failure::InvalidUrl(detail) = failure {
                    self.text = detail;
                }
                self.put(Op::Failed, &[kind])
            }
            Event::RetriesExhausted { retries } => {
                self.put(Op::RetriesExhausted, &[retries.into()])
            }
            Event::Offline => Op::WentOffline as u8,
            Event::Online => Op::WentOnline as u8,
        }
    }
}

/// 0 connecting, 1 open, 2 closing, 3 closed, 4 waiting to retry, 5 waiting for the network,
/// 6 suspended (the page is in the back/forward cache).
fn state_number(state: State) -> u8 {
    match state {
        State::Connecting => 0,
        State::Open => 1,
        State::Closing => 2,
        State::Closed => 3,
        State::Waiting => 4,
        State::Offline => 5,
        State::Suspended => 6,
    }
}

/// A failure's kind, as the JavaScript names it: 0 `URL_PROVIDER`, 1 `INVALID_URL`,
/// 2 `SOCKET`, 3 `CONNECT_TIMEOUT`.
fn failure_kind(failure: &Failure) -> f64 {
    match failure {
        Failure::UrlProvider(_) => 0.0,
        Failure::InvalidUrl(_) => 1.0,
        Failure::Socket => 2.0,
        Failure::ConnectTimeout => 3.0,
    }
}
