//! What became of the messages handed to the open socket.
//!
//! The browser only says how many bytes it still holds (`bufferedAmount`); it never says which
//! messages reached the server. So each connection keeps:
//! - the messages the browser may not have transmitted yet, newest last, with the heartbeat
//!   pings among them because `bufferedAmount` counts those too. When the socket dies, the
//!   tail that the final `bufferedAmount` covers was never sent: it is handed back to be sent
//!   again on the next connection, in order, neither lost nor duplicated;
//! - a count of the rest whose delivery is unknown. A heartbeat pong settles every message
//!   sent before its ping: the server read them before it answered (servers read a connection
//!   in order).

use std::collections::VecDeque;

/// A frame's size as the browser's `bufferedAmount` counts it: UTF-8 bytes for text, bytes
/// for binary.
pub trait WireSize {
    /// The frame's size in bytes.
    fn wire_size(&self) -> u64;

    /// Whether the frame is a text message: in session mode texts may travel together in a
    /// batch frame, and anything else goes in a frame of its own.
    fn is_text(&self) -> bool {
        false
    }
}

impl WireSize for String {
    fn wire_size(&self) -> u64 {
        self.len() as u64
    }

    fn is_text(&self) -> bool {
        true
    }
}

impl WireSize for Vec<u8> {
    fn wire_size(&self) -> u64 {
        self.len() as u64
    }
}

/// Entries kept before the first `bufferedAmount` reading is asked for; the threshold then
/// doubles with what is still held, so readings stay rare in a burst of sends.
const FIRST_MEASURE_AT: usize = 32;

/// One message (or ping) the browser may still hold. Kept small: a burst of sends holds one
/// per message until the browser's buffer is read again.
#[derive(Debug)]
struct Held<F> {
    /// `None` for a heartbeat ping, which is never sent again.
    frame: Option<F>,
    /// Measured when first needed (most entries leave before anyone asks): [`UNMEASURED`]
    /// until then, [`HUGE`] for 4 GiB or more.
    size: u32,
    /// The message's sequence number, which it keeps if it goes back to the queue (0 for a
    /// ping).
    seq: u64,
}

const UNMEASURED: u32 = u32::MAX;
/// Sizes from here up read as `u64::MAX`: taking a message for larger than it is can only make
/// fewer messages go back for a resend, never a sent one go twice.
const HUGE: u32 = u32::MAX - 1;

impl<F: WireSize> Held<F> {
    fn new(frame: Option<F>, size: Option<u64>, seq: u64) -> Self {
        Held {
            frame,
            size: size.map_or(UNMEASURED, compact),
            seq,
        }
    }

    fn size(&mut self) -> u64 {
        if self.size == UNMEASURED {
            self.size = compact(self.frame.as_ref().map_or(0, WireSize::wire_size));
        }
        match self.size {
            HUGE => u64::MAX,
            size => u64::from(size),
        }
    }
}

fn compact(size: u64) -> u32 {
    u32::try_from(size).map_or(HUGE, |size| size.min(HUGE))
}

/// How a connection's messages ended up when it closed.
#[derive(Debug)]
pub(crate) struct Settled<F> {
    /// Messages the browser never transmitted, oldest first, with their sequence numbers, to
    /// send again.
    pub(crate) unsent: VecDeque<(F, u64)>,
    /// Messages the browser transmitted (or may have) that no pong confirmed.
    pub(crate) unconfirmed: u64,
}

/// The messages handed to one connection.
#[derive(Debug)]
pub(crate) struct InFlight<F> {
    held: VecDeque<Held<F>>,
    /// Messages (not pings) among `held`.
    held_messages: u64,
    /// Messages handed to this connection.
    handed: u64,
    /// Messages a pong confirmed: the first `confirmed` handed.
    confirmed: u64,
    /// `handed` when the outstanding ping went out.
    ping_mark: Option<u64>,
    /// The heartbeat ping's size.
    ping_size: u64,
    /// Entries (messages and pings) ever pushed.
    pushed: u64,
    /// `pushed` when a `bufferedAmount` reading was asked for: the reading covers the entries
    /// up to there, as the driver carries out outputs in order.
    measure_mark: Option<u64>,
    measure_at: usize,
}

impl<F: WireSize> InFlight<F> {
    pub(crate) fn new(ping_size: u64) -> Self {
        InFlight {
            held: VecDeque::new(),
            held_messages: 0,
            handed: 0,
            confirmed: 0,
            ping_mark: None,
            ping_size,
            pushed: 0,
            measure_mark: None,
            measure_at: FIRST_MEASURE_AT,
        }
    }

    /// Records message `seq` handed to the socket. Returns true when a `bufferedAmount`
    /// reading would let older entries go: ask the driver for one, and pass it to
    /// [`transmitted`](Self::transmitted).
    pub(crate) fn hand(&mut self, frame: F, seq: u64) -> bool {
        self.handed += 1;
        self.held_messages += 1;
        self.push(Some(frame), None, seq);
        self.held.len() >= self.measure_at && self.ask_for_reading()
    }

    /// Marks a `bufferedAmount` reading as asked for, unless one already is; returns whether
    /// to ask the driver.
    pub(crate) fn ask_for_reading(&mut self) -> bool {
        let ask = self.measure_mark.is_none();
        if ask {
            self.measure_mark = Some(self.pushed);
        }
        ask
    }

    /// How many messages (not pings) are held.
    pub(crate) fn held_messages(&self) -> usize {
        usize::try_from(self.held_messages).unwrap_or(usize::MAX)
    }

    /// Whether more messages are held than a burst's first reading waits for: worth another
    /// look later.
    pub(crate) fn holds_many(&self) -> bool {
        self.held.len() > FIRST_MEASURE_AT
    }

    /// The oldest message held.
    pub(crate) fn oldest(&self) -> Option<&F> {
        self.held.iter().find_map(|held| held.frame.as_ref())
    }

    /// The sequence number of the oldest message held: every message handed since is held
    /// too.
    pub(crate) fn oldest_seq(&self) -> Option<u64> {
        self.held
            .iter()
            .find_map(|held| held.frame.as_ref().map(|_| held.seq))
    }

    /// Records the heartbeat ping handed to the socket.
    pub(crate) fn hand_ping(&mut self) {
        self.ping_mark = Some(self.handed);
        self.push(None, Some(self.ping_size), 0);
    }

    /// Records a setup step's message of `size` bytes handed to the socket: counted in
    /// `bufferedAmount` like any, but never sent again (the next connection runs its own setup
    /// step) nor counted among the messages of unknown fate. It goes before any message or
    /// ping, so a pong lets it go as it would a ping.
    pub(crate) fn hand_setup(&mut self, size: u64) {
        self.push(None, Some(size), 0);
    }

    fn push(&mut self, frame: Option<F>, size: Option<u64>, seq: u64) {
        self.pushed += 1;
        self.held.push_back(Held::new(frame, size, seq));
    }

    /// The pong arrived: everything handed before its ping was read by the server.
    pub(crate) fn pong(&mut self) {
        let Some(mark) = self.ping_mark.take() else {
            return;
        };
        self.confirmed = self.confirmed.max(mark);
        // The entries before the ping, and the ping itself, have left the browser.
        while let Some(front) = self.held.front() {
            let first_index = self.handed - self.held_messages;
            let before_ping = match front.frame {
                Some(_) => first_index < mark,
                None => first_index <= mark,
            };
            if !before_ping {
                break;
            }
            self.pop_front();
        }
    }

    /// The reading asked for: when the entries up to the request were handed over, the
    /// browser still held `unsent_bytes` (`bufferedAmount`) of them. Only the newest entries
    /// that cover those bytes may still be unsent; older ones have left the browser.
    pub(crate) fn transmitted(&mut self, unsent_bytes: u64) {
        let Some(mark) = self.measure_mark.take() else {
            return;
        };
        let newer = usize::try_from(self.pushed - mark).unwrap_or(usize::MAX);
        let covered = self.held.len().saturating_sub(newer);
        let keep = newer + self.unsent_tail(covered, unsent_bytes);
        while self.held.len() > keep {
            self.pop_front();
        }
        self.measure_at = FIRST_MEASURE_AT.max(2 * self.held.len());
    }

    /// The socket closed holding `unsent_bytes`: those messages go back, the rest is counted.
    pub(crate) fn settle(mut self, unsent_bytes: u64) -> Settled<F> {
        let sent = self.held.len() - self.unsent_tail(self.held.len(), unsent_bytes);
        let unsent: VecDeque<(F, u64)> = self
            .held
            .drain(..)
            .skip(sent)
            .filter_map(|held| Some((held.frame?, held.seq)))
            .collect();
        let unconfirmed = (self.handed - unsent.len() as u64).saturating_sub(self.confirmed);
        Settled {
            unsent,
            unconfirmed,
        }
    }

    /// The socket was given up without waiting for it to close: its fate is unknown, as the
    /// browser may still be sending what it holds.
    pub(crate) fn abandon(self) -> u64 {
        self.handed.saturating_sub(self.confirmed)
    }

    /// How many of the first `entries` entries, counted from the newest of them, the last
    /// `unsent_bytes` reach into, a partly sent entry included: the peer cannot have read a
    /// message it got only part of.
    fn unsent_tail(&mut self, entries: usize, unsent_bytes: u64) -> usize {
        let mut covered = 0u64;
        let mut count = 0;
        for held in self.held.range_mut(..entries).rev() {
            if covered >= unsent_bytes {
                break;
            }
            covered = covered.saturating_add(held.size());
            count += 1;
        }
        count
    }

    fn pop_front(&mut self) {
        if let Some(Held { frame: Some(_), .. }) = self.held.pop_front() {
            self.held_messages -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handed(frames: &[&str]) -> InFlight<String> {
        let mut in_flight = InFlight::new(4);
        for (seq, frame) in (0..).zip(frames) {
            in_flight.hand((*frame).to_owned(), seq);
        }
        in_flight
    }

    fn unsent(settled: &Settled<String>) -> Vec<&str> {
        settled
            .unsent
            .iter()
            .map(|(frame, _)| frame.as_str())
            .collect()
    }

    #[test]
    fn the_unsent_tail_goes_back_in_order() {
        let settled = handed(&["aaaa", "bb", "cc"]).settle(4);
        let seqs: Vec<u64> = settled.unsent.iter().map(|&(_, seq)| seq).collect();
        assert_eq!(seqs, [1, 2], "with the numbers they had");
        assert_eq!(unsent(&settled), ["bb", "cc"]);
        assert_eq!(settled.unconfirmed, 1);
    }

    #[test]
    fn a_partly_sent_message_goes_back_whole() {
        let settled = handed(&["aaaa", "bb", "cc"]).settle(3);
        assert_eq!(unsent(&settled), ["bb", "cc"]);
    }

    #[test]
    fn nothing_goes_back_when_the_browser_held_nothing() {
        let settled = handed(&["a", "b"]).settle(0);
        assert!(settled.unsent.is_empty());
        assert_eq!(settled.unconfirmed, 2);
    }

    #[test]
    fn a_pong_confirms_what_was_sent_before_its_ping() {
        let mut in_flight = handed(&["a", "b"]);
        in_flight.hand_ping();
        in_flight.hand("c".into(), 9);
        in_flight.pong();
        let settled = in_flight.settle(0);
        assert_eq!(settled.unconfirmed, 1);
    }

    #[test]
    fn pings_in_the_tail_count_their_bytes_but_are_not_resent() {
        let mut in_flight = handed(&["aaaa", "bb"]);
        in_flight.hand_ping();
        // 2 bytes of "bb" and 4 of the ping were unsent.
        let settled = in_flight.settle(6);
        assert_eq!(unsent(&settled), ["bb"]);
        assert_eq!(settled.unconfirmed, 1);
    }

    #[test]
    fn transmitted_entries_are_let_go_and_later_settled_as_unconfirmed() {
        let mut in_flight = handed(&["aaaa", "bb", "cc"]);
        in_flight.measure_mark = Some(in_flight.pushed);
        in_flight.transmitted(2);
        assert_eq!(in_flight.held.len(), 1);
        let settled = in_flight.settle(2);
        assert_eq!(unsent(&settled), ["cc"]);
        assert_eq!(settled.unconfirmed, 2);
    }

    #[test]
    fn a_reading_covers_only_what_was_handed_when_it_was_asked_for() {
        let mut in_flight = handed(&["aa", "bb"]);
        in_flight.measure_mark = Some(in_flight.pushed);
        in_flight.hand("cc".into(), 9);
        // When asked, the browser held "bb"; "cc" came later and stays too.
        in_flight.transmitted(2);
        let settled = in_flight.settle(4);
        assert_eq!(unsent(&settled), ["bb", "cc"]);
    }

    #[test]
    fn a_message_of_4_gib_or_more_counts_as_larger_than_any_tail() {
        let mut held = Held::new(Some(String::new()), Some(u64::from(u32::MAX) + 7), 0);
        assert_eq!(held.size(), u64::MAX);
        let mut held = Held::new(Some(String::new()), Some(HUGE.into()), 0);
        assert_eq!(held.size(), u64::MAX);
        let mut held = Held::new(Some(String::new()), Some(u64::from(HUGE) - 1), 0);
        assert_eq!(held.size(), u64::from(HUGE) - 1);
    }

    #[test]
    fn text_counts_utf8_bytes() {
        // "é" is 2 bytes in UTF-8: 2 unsent bytes reach only the last message.
        let settled = handed(&["x", "é"]).settle(2);
        assert_eq!(unsent(&settled), ["é"]);
    }

    #[test]
    fn readings_are_asked_for_when_enough_is_held_and_then_rarely() {
        let mut in_flight = InFlight::<String>::new(0);
        let asks = (0..1000)
            .filter(|n| {
                let ask = in_flight.hand(n.to_string(), *n);
                if ask {
                    // The browser still holds everything: nothing can go.
                    in_flight.transmitted(u64::MAX);
                }
                ask
            })
            .count();
        assert!(asks <= 6, "asked {asks} times");
    }

    #[test]
    fn abandoning_leaves_everything_unconfirmed_since_the_last_pong() {
        let mut in_flight = handed(&["a"]);
        in_flight.hand_ping();
        in_flight.pong();
        in_flight.hand("b".into(), 9);
        assert_eq!(in_flight.abandon(), 1);
    }
}
