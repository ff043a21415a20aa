//! The engine's wasm exports: plain functions of numbers that `src/js/core.js` calls. They
//! move numbers and bytes across and call into [`Core`]; what they mean is in `contract.rs`.
//!
//! - a socket's core is a handle (a slot number, from 1);
//! - a message is an id the JavaScript gives it plus its size; the JavaScript keeps the
//!   message and lets it go once `oldest` says no core holds it;
//! - text (close reasons, failure details, a session's control frames, the subprotocol) and
//!   the numbers `create` takes cross through one staging buffer: `stage(len)` makes room for the JavaScript to write into, `staged()` is
//!   where `text` left its answer;
//! - flags are numbers (0 is false) and close codes 32-bit numbers the JavaScript has checked,
//!   so no value JavaScript can pass is out of range for the parameter's type.

use std::cell::RefCell;

use resocket_core::{ConnId, Input, Machine, MessageId, SendOptions, Sent};

use crate::contract::{AnswerCode, Incoming, Op, ReceivedCode, SentCode, Signal};
use crate::engine::{Core, Frame, refusal};
use crate::policy::{Switches, policy};

#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
// SAFETY: the package is built without the `atomics` target feature, so the module has one
// thread and the allocator is never entered twice at once.
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

thread_local! {
    /// The live cores; a handle is its slot's index plus one. The module has one thread and
    /// never calls out, so no borrow is ever taken twice.
    static CORES: RefCell<Vec<Option<Core>>> = const { RefCell::new(Vec::new()) };
    /// Text or numbers on their way in or out (see the module's documentation).
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

/// Makes room for `len` bytes in the staging buffer and returns where to write them.
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

/// A core for the policy staged as 64-bit little-endian numbers (see `POLICY_FIELDS` in
/// `contract.rs`), with the overflow, resend and lazy switches, the heartbeat ping's size and
/// the jitter's seed. Returns its handle (1 or more), or minus one more than the index of the
/// first field the core refuses.
#[unsafe(no_mangle)]
pub extern "C" fn create(
    drop_oldest: u32,
    resend_requests: u32,
    lazy: u32,
    ping_size: f64,
    seed: f64,
) -> f64 {
    let numbers: Vec<f64> = STAGE
        .take()
        .chunks_exact(8)
        .map(|bytes| f64::from_le_bytes(bytes.try_into().unwrap_or_default()))
        .collect();
    let switches = Switches {
        drop_oldest: drop_oldest != 0,
        resend_requests: resend_requests != 0,
        lazy: lazy != 0,
    };
    let machine = policy(&numbers, switches)
        .and_then(|policy| Machine::new(policy, seed as u64).map_err(|_| 0));
    let machine = match machine {
        Ok(machine) => machine.with_ping_size(ping_size as u64),
        Err(field) => return -(field as f64) - 1.0,
    };
    CORES.with_borrow_mut(|cores| {
        let slot = match cores.iter().position(Option::is_none) {
            Some(free) => free,
            None => {
                cores.push(None);
                cores.len() - 1
            }
        };
        cores[slot] = Some(Core::new(machine));
        slot as f64 + 1.0
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

/// Sends message `id` (of `size` bytes on the wire; `text` 1 for a text message) now, or
/// queues it: 1 sent, 0 queued, or a [`refusal`].
#[unsafe(no_mangle)]
pub extern "C" fn send(handle: u32, id: u32, size: f64, text: u32) -> i32 {
    let frame = Frame::new(id, size as u32, text != 0);
    with_core(handle, |core| match core.machine.send(frame) {
        Ok(Sent::Now) => 1,
        // A plain send is never skipped.
        Ok(Sent::Queued { .. } | Sent::Skipped) => 0,
        Err(rejected) => refusal(&rejected),
    })
}

/// Sends message `id` as `send` does, `volatile` (1) or not, expiring `ttl_ms` after `now`
/// if it is still queued then (NaN: never; the JavaScript checked the range): the message's
/// own id times 4 plus a [`SentCode`], or a [`refusal`].
#[unsafe(no_mangle)]
pub extern "C" fn send_with(
    handle: u32,
    id: u32,
    size: f64,
    text: u32,
    volatile: u32,
    ttl_ms: f64,
    now: f64,
) -> f64 {
    let frame = Frame::new(id, size as u32, text != 0);
    let options = SendOptions {
        volatile: volatile != 0,
        ttl_ms: ttl(ttl_ms),
    };
    with_core(handle, |core| {
        match core.machine.send_with(frame, options, now) {
            Ok((sent, MessageId(message))) => {
                let code = match sent {
                    Sent::Queued { .. } => SentCode::Queued,
                    Sent::Now => SentCode::Now,
                    Sent::Skipped => SentCode::Skipped,
                };
                message as f64 * 4.0 + f64::from(code.number())
            }
            Err(rejected) => refusal(&rejected).into(),
        }
    })
}

/// A time to live as the JavaScript passes it: NaN for none.
fn ttl(ms: f64) -> Option<u32> {
    (!ms.is_nan()).then_some(ms as u32)
}

/// Takes back the message `send_with` numbered `message` if it is still queued: 1 if it was
/// (an `Op::Removed` follows), 0 if not.
#[unsafe(no_mangle)]
pub extern "C" fn cancel(handle: u32, message: f64) -> u32 {
    with_core(handle, |core| {
        u32::from(core.machine.cancel(MessageId(message as u64)))
    })
}

/// The user aborted request `id` at `now`: its frame is taken back if it is still queued (1,
/// and the request fails `Aborted`), else the request is forgotten (0).
#[unsafe(no_mangle)]
pub extern "C" fn abort(handle: u32, id: f64, now: f64) -> u32 {
    with_core(handle, |core| {
        u32::from(core.machine.abort_request(id as u64, now))
    })
}

/// The id the next `request` gets, for the JavaScript to write into its message.
#[unsafe(no_mangle)]
pub extern "C" fn next_request(handle: u32) -> f64 {
    with_core(handle, |core| core.machine.next_request_id() as f64)
}

/// Sends message `id`, a request carrying `next_request()`, as `send` does, and waits for its
/// answer for `timeout_ms`, its frame expiring after `ttl_ms` (NaN: never) if still queued
/// then: the request's id, or a [`refusal`]. A request is text: its message is JSON
/// (`format: "json"`).
#[unsafe(no_mangle)]
pub extern "C" fn request(
    handle: u32,
    id: u32,
    size: f64,
    timeout_ms: f64,
    ttl_ms: f64,
    now: f64,
) -> f64 {
    let frame = Frame::new(id, size as u32, true);
    with_core(handle, |core| {
        let timeout_ms = timeout_ms as u32;
        match (core.machine).request_with(frame, timeout_ms, ttl(ttl_ms), now) {
            Ok(request) => request as f64,
            Err(rejected) => refusal(&rejected).into(),
        }
    })
}

/// Sends message `id` from the setup step on socket `conn`, ahead of the queue (an ordinary
/// send once the step is done): 1 sent, 0 queued, or a [`refusal`] (closed: the step's
/// connection is gone).
#[unsafe(no_mangle)]
pub extern "C" fn setup_send(handle: u32, conn: f64, id: u32, size: f64, text: u32) -> i32 {
    let frame = Frame::new(id, size as u32, text != 0);
    let conn = ConnId(conn as u64);
    with_core(handle, |core| match core.machine.send_setup(conn, frame) {
        Ok(Sent::Now) => 1,
        Ok(Sent::Queued { .. } | Sent::Skipped) => 0,
        Err(rejected) => refusal(&rejected),
    })
}

/// Sends message `id`, a request, from the setup step on socket `conn` as `setup_send` does,
/// and waits for its answer as `request` does: the request's id, or a [`refusal`].
#[unsafe(no_mangle)]
pub extern "C" fn setup_request(
    handle: u32,
    conn: f64,
    id: u32,
    size: f64,
    timeout_ms: f64,
    now: f64,
) -> f64 {
    let frame = Frame::new(id, size as u32, true);
    let conn = ConnId(conn as u64);
    with_core(handle, |core| {
        match (core.machine).request_setup(conn, frame, timeout_ms as u32, now) {
            Ok(request) => request as f64,
            Err(rejected) => refusal(&rejected).into(),
        }
    })
}

/// Something arrived on socket `conn`: an [`Incoming`] `kind`, the message's `size` (a control
/// frame's text staged): a [`ReceivedCode`], plus `RECEIVED_BUSY` when the core has something
/// to do (poll then).
#[unsafe(no_mangle)]
pub extern "C" fn receive(handle: u32, conn: f64, size: f64, kind: u32, now: f64) -> u32 {
    // The stage is taken only for a control frame: the rest keep its allocation.
    let text = match Incoming::from_number(kind) {
        Some(Incoming::Control) => staged_text(),
        _ => String::new(),
    };
    let conn = ConnId(conn as u64);
    let received = with_core(handle, |core| {
        Some(core.receive(conn, kind, size as u64, &text, now))
    });
    received.unwrap_or(ReceivedCode::Stale.number())
}

/// A message that `receive` said may answer a request carries `id`: an [`AnswerCode`].
#[unsafe(no_mangle)]
pub extern "C" fn answered(handle: u32, id: f64) -> u32 {
    let answered = with_core(handle, |core| Some(core.machine.answered(id as u64)));
    let code = match answered {
        Some(resocket_core::Answered::Request) => AnswerCode::Request,
        Some(resocket_core::Answered::Late) => AnswerCode::Late,
        Some(resocket_core::Answered::NotAnAnswer) | None => AnswerCode::NotAnAnswer,
    };
    code.number()
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
    let input = match Signal::from_number(signal) {
        Some(Signal::Connect) => Input::Connect { online },
        Some(Signal::UrlResolved) => Input::UrlResolved {
            conn,
            // The JavaScript keeps the URL it resolved; the core only passes it through.
            url: String::new(),
        },
        // The subprotocol the server selected, staged: session mode needs `resocket.v1`.
        Some(Signal::Opened) => Input::Opened {
            conn,
            protocol: staged_text(),
        },
        Some(Signal::SocketError) => Input::SocketError { conn },
        Some(Signal::Offline) => Input::Offline,
        Some(Signal::Online) => Input::Online,
        Some(Signal::Suspend) => Input::Suspend,
        Some(Signal::Resume) => Input::Resume { online },
        Some(Signal::Wake) => Input::Wake,
        // The default engine runs no sessions, whose turns these are.
        #[cfg(any(test, feature = "session"))]
        Some(Signal::TurnEnded) => Input::TurnEnded,
        #[cfg(not(any(test, feature = "session")))]
        Some(Signal::TurnEnded) => return,
        Some(Signal::SetupDone) => Input::SetupDone { conn },
        Some(Signal::Interest) => Input::Interest { listening: online },
        None => return,
    };
    handle_input(handle, input, now);
}

/// The JavaScript's one timer, on the deadline an `Op::Deadline` named, fired.
#[unsafe(no_mangle)]
pub extern "C" fn timeout(handle: u32, now: f64) {
    with_core(handle, |core| {
        core.timer_fired();
        core.machine.handle_timeout(now);
    });
}

/// Something the JavaScript ran for socket or attempt `conn` failed, for the staged reason:
/// `what` 0 the browser refused to create the socket, 1 the URL provider, 2 the setup step.
#[unsafe(no_mangle)]
pub extern "C" fn failed(handle: u32, what: u32, conn: f64, now: f64) {
    let conn = ConnId(conn as u64);
    let error = staged_text();
    let input = match what {
        0 => Input::OpenFailed { conn, error },
        1 => Input::UrlFailed { conn, error },
        _ => Input::SetupFailed { conn, error },
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

/// Takes the next thing to do, an [`Op`]; `Op::Idle` (0) when there is nothing left.
#[unsafe(no_mangle)]
pub extern "C" fn poll(handle: u32) -> u32 {
    with_core(handle, |core| Some(core.poll()))
        .unwrap_or(Op::Idle)
        .number()
}

/// Operand `index` of the last `poll`.
#[unsafe(no_mangle)]
pub extern "C" fn arg(handle: u32, index: usize) -> f64 {
    with_core(handle, |core| Some(core.arg(index))).unwrap_or(f64::NAN)
}

/// Stages the text operand of the last `poll` (a close reason, a failure's detail, a control
/// frame) for the JavaScript to read at `staged()`, and returns its length in bytes.
#[unsafe(no_mangle)]
pub extern "C" fn text(handle: u32) -> usize {
    let text = with_core(handle, Core::take_text);
    let len = text.len();
    STAGE.set(text.into_bytes());
    len
}

/// Message id `index` of the last `Transmit` (0) or `Resumed`; NaN past the last.
#[unsafe(no_mangle)]
pub extern "C" fn frame(handle: u32, index: usize) -> f64 {
    let id = with_core(handle, |core| core.frame(index));
    id.map_or(f64::NAN, f64::from)
}

/// Prepares the session for saving (`Core::save`): the header is then `text()`, the message
/// ids `frame(i)`; returns their count, or -1 when there is no session to keep.
#[unsafe(no_mangle)]
pub extern "C" fn save(handle: u32) -> f64 {
    let count = with_core(handle, |core| core.save());
    count.map_or(-1.0, |count| count as f64)
}

/// Resumes a saved session (`Core::restore`) from the stage: the header's length in bytes
/// (32-bit little-endian), the header, then an id and a size (32-bit little-endian each) per
/// message. 1 when restored, 0 when not.
#[unsafe(no_mangle)]
pub extern "C" fn restore(handle: u32) -> u32 {
    let staged = STAGE.take();
    let word = |at: usize| -> Option<u32> {
        let bytes = staged.get(at..at + 4)?;
        Some(u32::from_le_bytes(bytes.try_into().ok()?))
    };
    let Some(end) = word(0).and_then(|length| (length as usize).checked_add(4)) else {
        return 0;
    };
    let Some(header) = staged.get(4..end).and_then(|b| std::str::from_utf8(b).ok()) else {
        return 0;
    };
    let messages = (staged[end..].chunks_exact(8))
        .map(|pair| {
            let id = u32::from_le_bytes([pair[0], pair[1], pair[2], pair[3]]);
            let size = u32::from_le_bytes([pair[4], pair[5], pair[6], pair[7]]);
            // Saved without their kind: each goes in a frame of its own.
            Frame::new(id, size, false)
        })
        .collect();
    with_core(handle, |core| u32::from(core.restore(header, messages)))
}

/// The id of the oldest message the core holds: every message sent before it may be let go.
/// -1 when it holds none.
#[unsafe(no_mangle)]
pub extern "C" fn oldest(handle: u32) -> f64 {
    let oldest = with_core(handle, |core| core.oldest());
    oldest.map_or(-1.0, f64::from)
}

/// How many cores are alive (not freed): for leak tests.
#[unsafe(no_mangle)]
pub extern "C" fn live_cores() -> u32 {
    CORES.with_borrow(|cores| cores.iter().flatten().count() as u32)
}

/// One of the socket's figures, by [`Figure`](crate::contract::Figure).
#[unsafe(no_mangle)]
pub extern "C" fn read(handle: u32, figure: u32) -> f64 {
    with_core(handle, |core| Some(core.read(figure))).unwrap_or(f64::NAN)
}
