//! Batch frames (`PROTOCOL.md`, "Frames"): a browser spends most of its per-message cost per
//! WebSocket frame, so a sender puts the text messages it hands to a connection within one
//! turn of its event loop in one `b` frame, for a peer whose terms say it reads them.
//!
//! [`Batch`] is the bound every sender keeps (both clients and both server adapters), so that
//! no frame grows huge; [`Turn`] is what a client does with one turn's messages: the first goes
//! out at once, alone, so a lone message waits for nothing, and the ones after it wait for the
//! turn's end (or for a full batch) and go out together.

use crate::WireSize;

/// The most message bytes one batch frame carries (before JSON escaping, which at most
/// sextuples a control character): a batch past it goes out and the next starts. A text
/// message larger than this goes in a frame of its own.
pub const MAX_BATCH_BYTES: u64 = 16 * 1024;

/// The text messages gathered for one batch frame, counted against [`MAX_BATCH_BYTES`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    messages: usize,
    bytes: u64,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Batch::default()
    }

    /// Whether a text message of `size` bytes may join the batch without taking it past
    /// [`MAX_BATCH_BYTES`].
    pub fn admits(&self, size: u64) -> bool {
        self.bytes.saturating_add(size) <= MAX_BATCH_BYTES
    }

    /// A text message of `size` bytes joined the batch.
    pub fn add(&mut self, size: u64) {
        self.messages += 1;
        self.bytes = self.bytes.saturating_add(size);
    }

    /// The messages gathered: one goes out in a message frame of its own, more in a batch frame.
    pub fn len(&self) -> usize {
        self.messages
    }

    /// Whether no message was gathered.
    pub fn is_empty(&self) -> bool {
        self.messages == 0
    }
}

/// What a sender transmits: one message in a frame of its own (`m`), or several text messages
/// in one batch frame (`b`), in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transmission<F> {
    /// One message, text or binary.
    One(F),
    /// Text messages, oldest first.
    Batch(Vec<F>),
}

/// The messages a client hands to its connection within one turn of its event loop, while the
/// server reads batches. The first message of a turn goes out at once; the ones after it wait
/// in one batch until the turn ends, the batch is full, or a message that cannot join it (a
/// binary one, or a text larger than a batch) comes, which then goes after the batch: the
/// order is the order of the sends.
#[derive(Debug)]
pub(crate) struct Turn<F> {
    /// A message went out in this turn: the next ones wait for its end.
    open: bool,
    held: Vec<F>,
    batch: Batch,
}

impl<F: WireSize> Turn<F> {
    pub(crate) fn new() -> Self {
        Turn {
            open: false,
            held: Vec::new(),
            batch: Batch::new(),
        }
    }

    /// `frame` is to go out on the connection: `out` gets what goes out now, in order. True
    /// when it opened the turn: the driver is to say when the turn ends.
    pub(crate) fn hand(&mut self, frame: F, mut out: impl FnMut(Transmission<F>)) -> bool {
        if !std::mem::replace(&mut self.open, true) {
            out(Transmission::One(frame));
            return true;
        }
        let size = frame.wire_size();
        if frame.is_text() && self.batch.admits(size) {
            self.batch.add(size);
            self.held.push(frame);
            return false;
        }
        self.flush(&mut out);
        if frame.is_text() && self.batch.admits(size) {
            self.batch.add(size);
            self.held.push(frame);
        } else {
            out(Transmission::One(frame));
        }
        false
    }

    /// The turn ended: what waits goes out.
    pub(crate) fn end(&mut self, out: impl FnMut(Transmission<F>)) {
        self.flush(out);
        self.open = false;
    }

    /// The connection is gone: what waits stays with the session (sent again on the next
    /// connection from what the server says it has), and the next message opens a turn.
    pub(crate) fn clear(&mut self) {
        self.held.clear();
        self.batch = Batch::new();
        self.open = false;
    }

    /// The messages waiting for the turn's end.
    pub(crate) fn held(&self) -> usize {
        self.held.len()
    }

    fn flush(&mut self, mut out: impl FnMut(Transmission<F>)) {
        self.batch = Batch::new();
        match self.held.len() {
            0 => {}
            1 => out(Transmission::One(self.held.remove(0))),
            _ => out(Transmission::Batch(std::mem::take(&mut self.held))),
        }
    }
}
