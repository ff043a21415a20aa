//! The npm package's engine: resocket's connection core behind a small numeric interface.
//!
//! The package's JavaScript (`src/js/resocket.js`, through `src/js/core.js`) owns every browser
//! object: the `WebSocket` and its handlers, the timers, the options object, the listeners,
//! the messages themselves. It tells the engine what happened (`signal`, `closed`, `send`, ...)
//! and then asks what to do (`poll`) until nothing is left. Every decision (backoff, heartbeat,
//! queue, close codes, what to send again after a drop) is the same core the Rust API runs on.
//!
//! The split is what keeps the package small: the wasm holds only the core's decisions, so no
//! web-sys shims, closures, futures executor or string formatting ship in it. The module
//! imports nothing and exports plain functions of numbers, so it needs no generated glue:
//! - a socket's core is a handle (a slot number, from 1);
//! - a message is an id the JavaScript gives it plus its size; the JavaScript keeps the
//!   message and lets it go once `oldest` says no core holds it;
//! - text (close reasons, failure details, the final close codes) crosses through one staging
//!   buffer: `stage(len)` makes room for the JavaScript to write into, `staged()` is where
//!   `text` left its answer;
//! - flags are numbers (0 is false) and close codes 32-bit numbers the JavaScript has checked,
//!   so no value JavaScript can pass is out of range for the parameter's type.
//!
//! Only built for wasm32: natively, its unmangled exports (`free`, `read`, `close`, ...) would
//! take the C library's names.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;

use resocket::core::{
    Answered, ConnId, Event, Failure, HeartbeatTiming, Input, Machine, Output, Overflow, Policy,
    Received, Rejected, RequestFailure, SendError, Sent, State, WireSize,
};

#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
// SAFETY: the package is built without the `atomics` target feature, so the module has one
// thread and the allocator is never entered twice at once.
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// An outgoing message: the id under which the JavaScript keeps it, and its size as
/// `bufferedAmount` counts it (measured in JavaScript, where the message is). Ids count the
/// messages sent, wrapping at 2^32: fewer than that are ever held at once. Eight bytes, as a
/// burst of sends holds one per message until the browser has sent them.
#[derive(Clone, Copy)]
struct Frame {
    id: u32,
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
    /// `WebSocket.send` the message `frame()`.
    Transmit = 3,
    /// Send the heartbeat ping.
    Ping = 4,
    /// Answer with `buffered(arg(0), socket.bufferedAmount)`.
    MeasureBuffered = 5,
    /// Start the closing handshake of socket `arg(0)` with code `arg(1)` and reason `text()`.
    Close = 6,
    /// As `Close`, and forget the socket: no input may follow for it.
    Abandon = 7,
    /// Emit "open".
    Opened = 8,
    /// Emit "close": code, wasClean, willReconnect, requeued, unconfirmed; reason `text()`.
    Closed = 9,
    /// Emit "reconnecting": attempt, delay in ms.
    Reconnecting = 10,
    /// Emit "error": the failure's kind (see [`failure_kind`]), detail `text()`.
    Failed = 11,
    /// Emit "error" RETRIES_EXHAUSTED: the retries made.
    RetriesExhausted = 12,
    /// Emit "offline": no attempt starts until the network is back.
    WentOffline = 13,
    /// Emit "online".
    WentOnline = 14,
    /// Fail request `arg(0)`: by [`request_failure_kind`] `arg(1)`; `arg(2)` is the queue's
    /// capacity for a full queue.
    RequestFailed = 15,
}

/// What `signal` reports. The operand is the attempt or socket for `UrlResolved`, `Opened`
/// and `SocketError`, `navigator.onLine` (0 or 1) for `Connect` and `Resume`, unused for the
/// rest.
#[repr(u8)]
enum Signal {
    Connect = 0,
    UrlResolved = 1,
    Opened = 2,
    SocketError = 3,
    Offline = 4,
    Online = 5,
    Suspend = 6,
    Resume = 7,
    Wake = 8,
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

/// One reconnecting socket's decisions, and the operands of the last `poll`.
struct Core {
    machine: Machine<Frame>,
    args: [f64; 5],
    text: String,
    frame: u32,
}

thread_local! {
    /// The live cores; a handle is its slot's index plus one. The module has one thread and
    /// never calls out, so no borrow is ever taken twice.
    static CORES: RefCell<Vec<Option<Core>>> = const { RefCell::new(Vec::new()) };
    /// Text on its way in or out (see the module's documentation).
    static STAGE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on the core of `handle`; an unknown handle does nothing and answers the default.
fn with_core<R: Default>(handle: u32, f: impl FnOnce(&mut Core) -> R) -> R {
    CORES.with_borrow_mut(|cores| {
        let slot = (handle as usize).wrapping_sub(1);
        cores
            .get_mut(slot)
            .and_then(Option::as_mut)
            .map(f)
            .unwrap_or_default()
    })
}

/// Feeds `input` to the core of `handle` at time `now`.
fn handle_input(handle: u32, input: Input, now: f64) {
    with_core(handle, |core| core.machine.handle(input, now));
}

/// The staged text, taken (invalid UTF-8, which `TextEncoder` never writes, reads as empty).
fn staged_text() -> String {
    String::from_utf8(STAGE.take()).unwrap_or_default()
}

/// Makes room for `len` bytes of text in the staging buffer and returns where to write them.
#[unsafe(no_mangle)]
pub extern "C" fn stage(len: usize) -> *mut u8 {
    STAGE.with_borrow_mut(|stage| {
        stage.clear();
        stage.resize(len, 0);
        stage.as_mut_ptr()
    })
}

/// Where `text` left its answer.
#[unsafe(no_mangle)]
pub extern "C" fn staged() -> *const u8 {
    STAGE.with_borrow(|stage| stage.as_ptr())
}

/// A core with the given policy, already checked by the JavaScript (which names the options
/// in its errors), and the final close codes staged as 16-bit little-endian numbers;
/// `max_retries` and `queue_capacity` may be infinite, and a zero `heartbeat_interval_ms` turns
/// the heartbeat off. Returns its handle, or 0 if the core refuses the policy anyway.
#[allow(clippy::too_many_arguments)]
#[unsafe(no_mangle)]
pub extern "C" fn create(
    min_delay_ms: f64,
    max_delay_ms: f64,
    grow_factor: f64,
    jitter: f64,
    min_uptime_ms: f64,
    connect_timeout_ms: f64,
    max_retries: f64,
    queue_capacity: f64,
    drop_oldest: u32,
    heartbeat_interval_ms: f64,
    heartbeat_timeout_ms: f64,
    ping_size: f64,
    max_message_bytes: f64,
    resend_requests: u32,
    seed: f64,
) -> u32 {
    let mut policy = Policy::default();
    policy.backoff.min_delay_ms = min_delay_ms as u32;
    policy.backoff.max_delay_ms = max_delay_ms as u32;
    policy.backoff.grow_factor = grow_factor;
    policy.backoff.jitter = jitter;
    policy.min_uptime_ms = min_uptime_ms as u32;
    policy.connect_timeout_ms = connect_timeout_ms as u32;
    policy.max_retries = max_retries.is_finite().then_some(max_retries as u32);
    policy.queue_capacity = queue_capacity as usize;
    policy.overflow = if drop_oldest != 0 {
        Overflow::DropOldest
    } else {
        Overflow::Reject
    };
    policy.heartbeat = (heartbeat_interval_ms > 0.0).then_some(HeartbeatTiming {
        interval_ms: heartbeat_interval_ms as u32,
        timeout_ms: heartbeat_timeout_ms as u32,
    });
    policy.max_message_bytes = max_message_bytes as usize;
    policy.resend_requests = resend_requests != 0;
    policy.final_codes = STAGE
        .take()
        .chunks_exact(2)
        .map(|code| u16::from_le_bytes([code[0], code[1]]))
        .collect();
    let Ok(machine) = Machine::new(policy, seed as u64) else {
        return 0;
    };
    let core = Core {
        machine: machine.with_ping_size(ping_size as u64),
        args: [0.0; 5],
        text: String::new(),
        frame: 0,
    };
    CORES.with_borrow_mut(|cores| {
        let slot = match cores.iter().position(Option::is_none) {
            Some(free) => free,
            None => {
                cores.push(None);
                cores.len() - 1
            }
        };
        cores[slot] = Some(core);
        slot as u32 + 1
    })
}

/// Frees the core of `handle`; the handle may be given to a new core afterwards.
#[unsafe(no_mangle)]
pub extern "C" fn free(handle: u32) {
    CORES.with_borrow_mut(|cores| {
        if let Some(slot) = cores.get_mut((handle as usize).wrapping_sub(1)) {
            *slot = None;
        }
    });
}

/// Sends message `id` (of `size` bytes on the wire) now, or queues it: 1 sent, 0 queued,
/// or a [`refusal`].
#[unsafe(no_mangle)]
pub extern "C" fn send(handle: u32, id: u32, size: f64) -> i32 {
    let frame = Frame {
        id,
        size: size as u32,
    };
    with_core(handle, |core| match core.machine.send(frame) {
        Ok(Sent::Now) => 1,
        Ok(Sent::Queued { .. }) => 0,
        Err(rejected) => refusal(&rejected),
    })
}

/// -1 refused because the queue is full, -2 refused because the socket is closed.
fn refusal(rejected: &Rejected<Frame>) -> i32 {
    match rejected.error {
        SendError::QueueFull { .. } => -1,
        SendError::Closed => -2,
    }
}

/// The id the next `request` gets, for the JavaScript to write into its message.
#[unsafe(no_mangle)]
pub extern "C" fn next_request(handle: u32) -> f64 {
    with_core(handle, |core| core.machine.next_request_id() as f64)
}

/// Sends message `id`, a request carrying `next_request()`, as `send` does, and waits for its
/// answer for `timeout_ms`: the request's id, or a [`refusal`].
#[unsafe(no_mangle)]
pub extern "C" fn request(handle: u32, id: u32, size: f64, timeout_ms: f64, now: f64) -> f64 {
    let frame = Frame {
        id,
        size: size as u32,
    };
    with_core(handle, |core| {
        match core.machine.request(frame, timeout_ms as u32, now) {
            Ok(request) => request as f64,
            Err(rejected) => refusal(&rejected).into(),
        }
    })
}

/// The user no longer waits for request `id`.
#[unsafe(no_mangle)]
pub extern "C" fn forget(handle: u32, id: f64) {
    with_core(handle, |core| core.machine.forget_request(id as u64));
}

/// A message of `size` arrived on socket `conn`, `pong` (0 or 1) when it equals the pong:
/// 0 deliver it, 1 deliver it unless `answered` says it answers a request, 2 it is the pong,
/// 3 it is larger than `max_message_bytes` (report it), 4 it is from a socket given up.
#[unsafe(no_mangle)]
pub extern "C" fn receive(handle: u32, conn: f64, size: f64, pong: u32, now: f64) -> u32 {
    let conn = ConnId(conn as u64);
    let received = with_core(handle, |core| {
        Some(core.machine.receive(conn, size as u64, pong != 0, now))
    });
    match received {
        Some(Received::Message) => 0,
        Some(Received::MaybeAnswer) => 1,
        Some(Received::Pong) => 2,
        Some(Received::TooBig { .. }) => 3,
        Some(Received::Stale) | None => 4,
    }
}

/// A message that `receive` said may answer a request carries `id`: 0 it is no answer, 1 it
/// answers that request (settle it with the message), 2 it is a late answer (drop it).
#[unsafe(no_mangle)]
pub extern "C" fn answered(handle: u32, id: f64) -> u32 {
    with_core(handle, |core| match core.machine.answered(id as u64) {
        Answered::NotAnAnswer => 0,
        Answered::Request => 1,
        Answered::Late => 2,
    })
}

/// 1 when the user's reconnect predicate is to be asked about socket `conn` closing with
/// `code` (its verdict goes to `closed`), 0 when not.
#[unsafe(no_mangle)]
pub extern "C" fn asks(handle: u32, conn: f64, code: u32) -> u32 {
    with_core(handle, |core| {
        u32::from(
            core.machine
                .asks_about_close(ConnId(conn as u64), code as u16),
        )
    })
}

/// Reports a [`Signal`], with its operand.
#[unsafe(no_mangle)]
pub extern "C" fn signal(handle: u32, signal: u32, operand: f64, now: f64) {
    let online = operand != 0.0;
    let conn = ConnId(operand as u64);
    let input = match signal {
        s if s == Signal::Connect as u32 => Input::Connect { online },
        s if s == Signal::UrlResolved as u32 => Input::UrlResolved {
            conn,
            // The JavaScript keeps the URL it resolved; the core only passes it through.
            url: String::new(),
        },
        s if s == Signal::Opened as u32 => Input::Opened { conn },
        s if s == Signal::SocketError as u32 => Input::SocketError { conn },
        s if s == Signal::Offline as u32 => Input::Offline,
        s if s == Signal::Online as u32 => Input::Online,
        s if s == Signal::Suspend as u32 => Input::Suspend,
        s if s == Signal::Resume as u32 => Input::Resume { online },
        s if s == Signal::Wake as u32 => Input::Wake,
        _ => return,
    };
    handle_input(handle, input, now);
}

/// When the core next needs `timeout`, on the clock of `now` (`performance.now()`); NaN while
/// no timer runs. The JavaScript keeps one timer for it, and asks again after every `poll`
/// that found nothing left to do.
#[unsafe(no_mangle)]
pub extern "C" fn deadline(handle: u32) -> f64 {
    with_core(handle, |core| core.machine.poll_timeout()).unwrap_or(f64::NAN)
}

/// The deadline `deadline` named has come.
#[unsafe(no_mangle)]
pub extern "C" fn timeout(handle: u32, now: f64) {
    with_core(handle, |core| core.machine.handle_timeout(now));
}

/// Attempt `conn` failed before a socket existed, for the staged reason: the URL provider
/// failed (`provider`) or the browser refused to create the socket.
#[unsafe(no_mangle)]
pub extern "C" fn failed(handle: u32, provider: u32, conn: f64, now: f64) {
    let conn = ConnId(conn as u64);
    let error = staged_text();
    let input = if provider != 0 {
        Input::UrlFailed { conn, error }
    } else {
        Input::OpenFailed { conn, error }
    };
    handle_input(handle, input, now);
}

/// The user closes for good, with a code and (staged) reason the JavaScript has checked.
#[unsafe(no_mangle)]
pub extern "C" fn close(handle: u32, code: u32, now: f64) {
    let reason = staged_text();
    let code = code as u16;
    handle_input(handle, Input::Close { code, reason }, now);
}

/// The user asks for a fresh connection at once, closing the current one with a code and
/// (staged) reason the JavaScript has checked; `online` is `navigator.onLine` (0 or 1).
#[unsafe(no_mangle)]
pub extern "C" fn reconnect(handle: u32, code: u32, online: u32, now: f64) {
    let input = Input::Reconnect {
        code: code as u16,
        reason: staged_text(),
        online: online != 0,
    };
    handle_input(handle, input, now);
}

/// The answer to `MeasureBuffered`.
#[unsafe(no_mangle)]
pub extern "C" fn buffered(handle: u32, conn: f64, unsent_bytes: f64, now: f64) {
    let input = Input::Buffered {
        conn: ConnId(conn as u64),
        unsent_bytes: unsent_bytes as u64,
    };
    handle_input(handle, input, now);
}

/// Socket `conn` closed with `code` and the staged reason; `unsent_bytes` is its final
/// `bufferedAmount`.
#[unsafe(no_mangle)]
pub extern "C" fn closed(
    handle: u32,
    conn: f64,
    code: u32,
    was_clean: u32,
    unsent_bytes: f64,
    reconnect_allowed: u32,
    now: f64,
) {
    let input = Input::Closed {
        conn: ConnId(conn as u64),
        code: code as u16,
        reason: staged_text(),
        was_clean: was_clean != 0,
        unsent_bytes: unsent_bytes as u64,
        reconnect_allowed: reconnect_allowed != 0,
    };
    handle_input(handle, input, now);
}

/// Takes the next thing to do, an [`Op`]; 0 when there is nothing left.
#[unsafe(no_mangle)]
pub extern "C" fn poll(handle: u32) -> u32 {
    with_core(handle, Core::poll).into()
}

/// Operand `index` of the last `poll`.
#[unsafe(no_mangle)]
pub extern "C" fn arg(handle: u32, index: usize) -> f64 {
    with_core(handle, |core| core.args.get(index).copied()).unwrap_or(f64::NAN)
}

/// Stages the text operand of the last `poll` (a close reason, a failure's detail) for the
/// JavaScript to read at `staged()`, and returns its length in bytes.
#[unsafe(no_mangle)]
pub extern "C" fn text(handle: u32) -> usize {
    let text = with_core(handle, |core| std::mem::take(&mut core.text));
    let len = text.len();
    STAGE.set(text.into_bytes());
    len
}

/// The message id of the last `Transmit`.
#[unsafe(no_mangle)]
pub extern "C" fn frame(handle: u32) -> f64 {
    with_core(handle, |core| core.frame.into())
}

/// The id of the oldest message the core holds: every message sent before it may be let go.
/// -1 when it holds none.
#[unsafe(no_mangle)]
pub extern "C" fn oldest(handle: u32) -> f64 {
    let oldest = with_core(handle, |core| {
        core.machine.oldest_held().map(|frame| frame.id)
    });
    oldest.map_or(-1.0, f64::from)
}

/// How many cores are alive (not freed): for leak tests.
#[unsafe(no_mangle)]
pub extern "C" fn live_cores() -> u32 {
    CORES.with_borrow(|cores| cores.iter().flatten().count() as u32)
}

/// One of the socket's figures, by [`Figure`].
#[unsafe(no_mangle)]
pub extern "C" fn read(handle: u32, figure: u32) -> f64 {
    with_core(handle, |core| Some(core.read(figure))).unwrap_or(f64::NAN)
}

impl Core {
    fn poll(&mut self) -> u8 {
        let Some(output) = self.machine.poll_output() else {
            return Op::Idle as u8;
        };
        let id = |conn: ConnId| conn.0 as f64;
        let (op, args) = match output {
            Output::ResolveUrl { conn } => (Op::ResolveUrl, [id(conn)]),
            Output::Connect { conn, .. } => (Op::Connect, [id(conn)]),
            Output::Transmit(frame) => {
                self.frame = frame.id;
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
            Output::RequestFailed { id, failure } => {
                let (kind, capacity) = request_failure_kind(failure);
                return self.put(Op::RequestFailed, &[id as f64, kind, capacity]);
            }
            Output::Emit(event) => return self.event(event),
        };
        self.put(op, &args)
    }

    fn read(&self, figure: u32) -> f64 {
        let machine = &self.machine;
        match figure {
            f if f == Figure::State as u32 => f64::from(state_number(machine.state())),
            f if f == Figure::RetryCount as u32 => machine.retry_count().into(),
            f if f == Figure::QueuedCount as u32 => machine.queued_count() as f64,
            f if f == Figure::QueuedBytes as u32 => {
                machine.queued().map(|frame| f64::from(frame.size)).sum()
            }
            f if f == Figure::RttMs as u32 => machine.rtt_ms().unwrap_or(f64::NAN),
            _ => f64::NAN,
        }
    }

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

/// A request failure's kind, as the JavaScript names it: 0 `REQUEST_TIMEOUT`,
/// 1 `CONNECTION_LOST`, 2 `CLOSED`, 3 `DROPPED`, 4 `QUEUE_FULL`; with the queue's capacity
/// for the last.
fn request_failure_kind(failure: RequestFailure) -> (f64, f64) {
    match failure {
        RequestFailure::TimedOut => (0.0, 0.0),
        RequestFailure::ConnectionLost => (1.0, 0.0),
        RequestFailure::Closed => (2.0, 0.0),
        RequestFailure::Dropped => (3.0, 0.0),
        RequestFailure::QueueFull { capacity } => (4.0, capacity as f64),
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
