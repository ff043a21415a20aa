//! The module's wasm exports: plain functions of numbers that `src/js/server/engine.js`
//! calls, each a thin layer over [`Store`].
//!
//! - a session is a handle (a slot number, from 1);
//! - a message is an id the JavaScript gives it plus its size; the JavaScript keeps the
//!   message and lets it go once `pending` says the session no longer holds it;
//! - text and bytes cross through one staging buffer: `stage(len)` makes room for the
//!   JavaScript to write into (a first frame, a control frame, random bytes then a first
//!   frame), and an answer's text (a frame to send, a protocol error's reason, an id) is left
//!   at `staged()`, `staged_len()` bytes long;
//! - outcomes are small numbers, -1 for a protocol error whose reason is staged;
//! - a session taken up from a shared store is restored in two steps: `restoring(id, size)`
//!   for each of its unacknowledged messages, oldest first, then `restore`.

use std::cell::RefCell;

use resocket_core::session::{FrameKind, ProtocolError};

use crate::store::{Claim, Frame, Opened, Sent, Store};

thread_local! {
    /// This instance's store: the JavaScript makes one instance per server. The module has
    /// one thread and never calls out, so no borrow is ever taken twice.
    static STORE: RefCell<Option<Store>> = const { RefCell::new(None) };
    /// Text or bytes on their way in or out (see the module's documentation).
    static STAGE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The ids of the messages the last `resume` sends again.
    static REPLAY: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
    /// The unacknowledged messages of the session the next `restore` takes up.
    static RESTORING: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on the store; before `configure`, answers the default.
fn with_store<R: Default>(f: impl FnOnce(&mut Store) -> R) -> R {
    STORE.with_borrow_mut(|store| store.as_mut().map(f).unwrap_or_default())
}

/// The staged text, taken (invalid UTF-8 reads as empty, which every reader refuses).
fn staged_text() -> String {
    String::from_utf8(STAGE.take()).unwrap_or_default()
}

fn set_stage(text: String) {
    STAGE.set(text.into_bytes());
}

/// Stages the reason of `error`: -1.
fn refuse(error: &ProtocolError) -> i32 {
    set_stage(error.reason().to_owned());
    -1
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

/// Where an answer's text was left.
#[unsafe(no_mangle)]
pub extern "C" fn staged() -> *const u8 {
    STAGE.with_borrow(|stage| stage.as_ptr())
}

/// How long the staged text is, in bytes.
#[unsafe(no_mangle)]
pub extern "C" fn staged_len() -> usize {
    STAGE.with_borrow(Vec::len)
}

/// Makes this instance's store, its epoch the staged token, each session keeping `window`
/// bytes of unacknowledged messages, its clients' windows at most `max_client_window` bytes.
#[unsafe(no_mangle)]
pub extern "C" fn configure(window: f64, max_client_window: f64) {
    let store = Store::new(staged_text(), window as u64, max_client_window as u64);
    STORE.set(Some(store));
}

/// What a frame whose first byte is `first` (negative: an empty frame) carries: 0 one
/// message, 1 a batch, 2 a control frame, or -1 (a protocol error). `binary` is 1 for a
/// binary frame.
#[unsafe(no_mangle)]
pub extern "C" fn kind(first: i32, binary: u32) -> i32 {
    match Store::kind(u8::try_from(first).ok(), binary != 0) {
        Ok(FrameKind::Message) => 0,
        Ok(FrameKind::Batch) => 1,
        Ok(FrameKind::Control) => 2,
        Err(error) => refuse(&error),
    }
}

/// What the staged first frame asks for: 0 a new session, 1 a resume (the id staged), -1.
#[unsafe(no_mangle)]
pub extern "C" fn opened() -> i32 {
    let text = staged_text();
    let opened = with_store(|store| Some(store.opened(&text)));
    match opened.unwrap_or_else(|| Err(ProtocolError::new("no store"))) {
        Ok(Opened::Start) => 0,
        Ok(Opened::Resume { id }) => {
            set_stage(id);
            1
        }
        Err(error) => refuse(&error),
    }
}

/// Whether the staged resume may take session `handle`: 0 not this store's, 1 the key does
/// not match, 2 it does (the application's hook decides).
#[unsafe(no_mangle)]
pub extern "C" fn claim(handle: u32) -> u32 {
    let first = staged_text();
    let claim = STORE.with_borrow(|store| store.as_ref().map(|store| store.claim(handle, &first)));
    match claim {
        Some(Claim::Unknown) | None => 0,
        Some(Claim::WrongKey) => 1,
        Some(Claim::Matches) => 2,
    }
}

/// Whether the staged resume may take the session a shared store keeps, whose key was staged
/// before it (its first `key_len` bytes): 0 not this store's, 1 the key does not match, 2 it
/// does (the application's hook decides).
#[unsafe(no_mangle)]
pub extern "C" fn claim_stored(key_len: usize) -> u32 {
    let staged = STAGE.take();
    let (key, first) = staged.split_at(key_len.min(staged.len()));
    let (Ok(key), Ok(first)) = (std::str::from_utf8(key), std::str::from_utf8(first)) else {
        return 0;
    };
    let claim =
        STORE.with_borrow(|store| store.as_ref().map(|store| store.claim_stored(key, first)));
    match claim {
        Some(Claim::Unknown) | None => 0,
        Some(Claim::WrongKey) => 1,
        Some(Claim::Matches) => 2,
    }
}

/// The next unacknowledged message of the session the next `restore` takes up: the adapter's
/// id for it and its size.
#[unsafe(no_mangle)]
pub extern "C" fn restoring(id: u32, size: f64) {
    RESTORING.with_borrow_mut(|frames| {
        frames.push(Frame {
            id,
            size: size as u64,
        })
    });
}

/// Takes up the session of the staged resume from a shared store: `acknowledged` of its
/// messages acknowledged, then those given to `restoring`, `received` of the client's
/// received; it waits from `now` for `resume`. Its handle; -1.
#[unsafe(no_mangle)]
pub extern "C" fn restore(acknowledged: f64, received: f64, now: f64) -> f64 {
    let first = staged_text();
    let unacknowledged = RESTORING.take();
    let restored = STORE.with_borrow_mut(|store| match store {
        Some(store) => store.restore(
            &first,
            acknowledged as u64,
            unacknowledged,
            received as u64,
            now,
        ),
        None => Err(ProtocolError::new("the server is not configured")),
    });
    match restored {
        Ok(handle) => f64::from(handle),
        Err(error) => refuse(&error).into(),
    }
}

/// Starts a session for the first frame staged after 32 random bytes: its handle, the
/// `welcome` staged; -1.
#[unsafe(no_mangle)]
pub extern "C" fn start() -> f64 {
    let staged = STAGE.take();
    let (random, first) = staged.split_at(staged.len().min(32));
    let first = std::str::from_utf8(first).unwrap_or_default();
    let started = STORE.with_borrow_mut(|store| match store {
        Some(store) => store.start(random, first),
        None => Err(ProtocolError::new("the server is not configured")),
    });
    match started {
        Ok((handle, welcome)) => {
            set_stage(welcome);
            f64::from(handle)
        }
        Err(error) => refuse(&error).into(),
    }
}

/// Session `handle` goes on for the staged resume: how many messages to send again
/// (`replay(i)` names them) after the staged `welcome`; -1.
#[unsafe(no_mangle)]
pub extern "C" fn resume(handle: u32) -> i32 {
    let first = staged_text();
    let resumed = STORE.with_borrow_mut(|store| match store {
        Some(store) => store.resume(handle, &first),
        None => Err(ProtocolError::new("the server is not configured")),
    });
    match resumed {
        Ok(resumed) => {
            let count = resumed.replay.len();
            REPLAY.set(resumed.replay);
            set_stage(resumed.welcome);
            i32::try_from(count).unwrap_or(i32::MAX)
        }
        Err(error) => refuse(&error),
    }
}

/// The id of message `index` the last `resume` sends again; NaN past the last.
#[unsafe(no_mangle)]
pub extern "C" fn replay(index: usize) -> f64 {
    REPLAY.with_borrow(|replay| replay.get(index).map_or(f64::NAN, |&id| f64::from(id)))
}

/// A message of `size` bytes arrived on session `handle`'s connection: 1 with an ack to send
/// now staged, 0, -1.
#[unsafe(no_mangle)]
pub extern "C" fn message(handle: u32, size: f64, now: f64) -> i32 {
    match with_store(|store| Some(store.message(handle, size as u64, now))) {
        Some(Ok(Some(ack))) => {
            set_stage(ack);
            1
        }
        Some(Ok(None)) | None => 0,
        Some(Err(error)) => refuse(&error),
    }
}

/// The staged control frame arrived on session `handle`'s connection: 1 with the answer to
/// send staged, 0, -1.
#[unsafe(no_mangle)]
pub extern "C" fn control(handle: u32) -> i32 {
    let text = staged_text();
    match with_store(|store| Some(store.control(handle, &text))) {
        Some(Ok(Some(reply))) => {
            set_stage(reply);
            1
        }
        Some(Ok(None)) | None => 0,
        Some(Err(error)) => refuse(&error),
    }
}

/// The application sends message `id` of `size` bytes on session `handle`: 1 transmit it
/// now, 0 kept for the client's return, -1 refused (the window is full).
#[unsafe(no_mangle)]
pub extern "C" fn send(handle: u32, id: u32, size: f64) -> i32 {
    match with_store(|store| Some(store.send(handle, id, size as u64))) {
        Some(Sent::Transmit) => 1,
        Some(Sent::Kept) => 0,
        Some(Sent::WindowFull) | None => -1,
    }
}

/// 1 when a send of `size` bytes on session `handle` would be accepted now.
#[unsafe(no_mangle)]
pub extern "C" fn has_room(handle: u32, size: f64) -> u32 {
    with_store(|store| u32::from(store.has_room(handle, size as u64)))
}

/// Session `handle`'s client window, in bytes.
#[unsafe(no_mangle)]
pub extern "C" fn client_window(handle: u32) -> f64 {
    with_store(|store| store.client_window(handle) as f64)
}

/// 1 when the client on session `handle`'s current (or last) connection reads batch frames.
#[unsafe(no_mangle)]
pub extern "C" fn reads_batches(handle: u32) -> u32 {
    with_store(|store| u32::from(store.reads_batches(handle)))
}

/// The most message bytes one batch frame carries (`MAX_BATCH_BYTES`).
#[unsafe(no_mangle)]
pub extern "C" fn max_batch_bytes() -> f64 {
    resocket_core::session::MAX_BATCH_BYTES as f64
}

/// How many messages session `handle` keeps unacknowledged: the newest ones sent.
#[unsafe(no_mangle)]
pub extern "C" fn pending(handle: u32) -> f64 {
    with_store(|store| store.pending(handle) as f64)
}

/// When session `handle`'s acknowledgement falls due; -1 when none is owed.
#[unsafe(no_mangle)]
pub extern "C" fn ack_deadline(handle: u32) -> f64 {
    with_store(|store| store.ack_deadline(handle)).unwrap_or(-1.0)
}

/// 1 with session `handle`'s acknowledgement staged, 0 when none is owed.
#[unsafe(no_mangle)]
pub extern "C" fn take_ack(handle: u32) -> u32 {
    match with_store(|store| store.take_ack(handle)) {
        Some(ack) => {
            set_stage(ack);
            1
        }
        None => 0,
    }
}

/// Session `handle`'s connection went away at `now`.
#[unsafe(no_mangle)]
pub extern "C" fn disconnected(handle: u32, now: f64) {
    with_store(|store| store.disconnected(handle, now));
}

/// 1 when session `handle` has waited longer than `lifetime_ms` for its client.
#[unsafe(no_mangle)]
pub extern "C" fn expired(handle: u32, now: f64, lifetime_ms: f64) -> u32 {
    with_store(|store| u32::from(store.expired(handle, now, lifetime_ms)))
}

/// Stages session `handle`'s id; returns its length (0 for no such session).
#[unsafe(no_mangle)]
pub extern "C" fn id(handle: u32) -> usize {
    let id = with_store(|store| store.id(handle).map(str::to_owned)).unwrap_or_default();
    let len = id.len();
    set_stage(id);
    len
}

/// Stages session `handle`'s key, for a shared store to keep; returns its length.
#[unsafe(no_mangle)]
pub extern "C" fn key(handle: u32) -> usize {
    let key = with_store(|store| store.key(handle).map(str::to_owned)).unwrap_or_default();
    let len = key.len();
    set_stage(key);
    len
}

/// Forgets session `handle`.
#[unsafe(no_mangle)]
pub extern "C" fn free(handle: u32) {
    with_store(|store| store.free(handle));
}

/// How many sessions the store keeps: for leak tests.
#[unsafe(no_mangle)]
pub extern "C" fn sessions() -> u32 {
    with_store(|store| store.len() as u32)
}
