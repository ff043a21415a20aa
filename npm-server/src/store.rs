//! [`Store`]: the sessions of one Node server, as the core keeps them, by handle.

use resocket_core::WireSize;
use resocket_core::session::{
    Accepted, AckPolicy, Control, FrameKind, Identity, Opening, ProtocolError, ServerSession,
    StoredCounts, Terms, WindowFull, same_secret, token,
};

/// A message the adapter keeps: the core holds its id (the adapter's, one per message sent in
/// the session) and its size in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The adapter's id for the message.
    pub id: u32,
    /// Its size on the wire (a text's UTF-8 bytes), without the tag.
    pub size: u64,
}

impl WireSize for Frame {
    fn wire_size(&self) -> u64 {
        self.size
    }
}

/// What a first frame that names a session may do with the session its id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Not a session of this store (another epoch, or no such handle): a new session starts
    /// and the client learns its session was not recovered.
    Unknown,
    /// The key does not match: refused, and the session stays intact for its owner.
    WrongKey,
    /// The key matches: the application's hook decides.
    Matches,
}

/// What a first frame asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opened {
    /// A new session.
    Start,
    /// The session this id names.
    Resume {
        /// The session's id, for the adapter's lookup.
        id: String,
    },
}

/// A session resumed on a new connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resumed {
    /// The `welcome` to send first.
    pub welcome: String,
    /// The ids of the messages to send again after it, in order.
    pub replay: Vec<u32>,
}

/// What became of a message the application sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    /// Numbered and kept: transmit it now on the session's connection.
    Transmit,
    /// Numbered and kept for the client's return: no connection carries the session.
    Kept,
    /// Refused: the unacknowledged messages fill the window.
    WindowFull,
}

/// The sessions of one server: the store's epoch and terms, and each session's protocol state
/// under a handle (its slot's index plus one).
#[derive(Debug)]
pub struct Store {
    epoch: String,
    terms: Terms,
    /// The largest window a client may announce.
    max_client_window: u64,
    sessions: Vec<Option<ServerSession<Frame>>>,
}

impl Store {
    /// An empty store of the incarnation `epoch` (a token: from a CSPRNG, or the shared
    /// store's), whose sessions keep `window` bytes of unacknowledged messages each, and whose
    /// clients may announce windows of up to `max_client_window` bytes.
    pub fn new(epoch: String, window: u64, max_client_window: u64) -> Store {
        Store {
            epoch,
            max_client_window,
            terms: Terms {
                window,
                batches: true,
            },
            sessions: Vec::new(),
        }
    }

    /// What a frame starting with `first` carries (`binary` for a binary frame, which only
    /// carries one message).
    pub fn kind(first: Option<u8>, binary: bool) -> Result<FrameKind, ProtocolError> {
        let kind = FrameKind::of(first)?;
        if binary && kind != FrameKind::Message {
            return Err(ProtocolError::new("a binary frame that is not a message"));
        }
        Ok(kind)
    }

    /// What a connection's first frame asks for: a new session, or the one its id names.
    /// A window larger than the store takes is refused: the bytes of a client's messages a
    /// connection holds while the application falls behind are bounded by it.
    pub fn opened(&self, first: &str) -> Result<Opened, ProtocolError> {
        let opening = Opening::read(first)?;
        let (Opening::Start { terms } | Opening::Resume { terms, .. }) = &opening;
        if terms.window > self.max_client_window {
            return Err(ProtocolError::new("a window larger than the server takes"));
        }
        match opening {
            Opening::Start { .. } => Ok(Opened::Start),
            Opening::Resume { identity, .. } => Ok(Opened::Resume { id: identity.id }),
        }
    }

    /// Whether the resume `first` may take session `handle` (the one its id names): the
    /// epoch says whether it is this store's, the key (compared in constant time) whether the
    /// client owns it.
    pub fn claim(&self, handle: u32, first: &str) -> Claim {
        let (Some(session), Ok(Opening::Resume { identity, .. })) =
            (self.get(handle), Opening::read(first))
        else {
            return Claim::Unknown;
        };
        let ours = session.identity();
        if identity.epoch != ours.epoch || identity.id != ours.id {
            return Claim::Unknown;
        }
        if !same_secret(&identity.key, &ours.key) {
            return Claim::WrongKey;
        }
        Claim::Matches
    }

    /// Whether the resume `first` may take the session a shared store keeps under its id, with
    /// the key `stored_key`: the epoch says whether it is this store's, the key (compared in
    /// constant time) whether the client owns it.
    pub fn claim_stored(&self, stored_key: &str, first: &str) -> Claim {
        let Ok(Opening::Resume { identity, .. }) = Opening::read(first) else {
            return Claim::Unknown;
        };
        if identity.epoch != self.epoch {
            return Claim::Unknown;
        }
        if !same_secret(&identity.key, stored_key) {
            return Claim::WrongKey;
        }
        Claim::Matches
    }

    /// Takes up here, for the resume `first` (its claim on the stored session matched), a
    /// session another server kept in a shared store: `acknowledged` of its messages were
    /// acknowledged, `unacknowledged` follow them, `received` of the client's messages were
    /// received. It waits, from `now`, for [`resume`](Self::resume). Returns its handle.
    pub fn restore(
        &mut self,
        first: &str,
        acknowledged: u64,
        unacknowledged: Vec<Frame>,
        received: u64,
        now: f64,
    ) -> Result<u32, ProtocolError> {
        let Opening::Resume { identity, .. } = Opening::read(first)? else {
            return Err(ProtocolError::new("a resume this session cannot serve"));
        };
        let stored = StoredCounts {
            acknowledged,
            unacknowledged,
            received,
        };
        let session =
            ServerSession::restored(identity, self.terms, AckPolicy::default(), stored, now);
        Ok(self.keep(session))
    }

    /// Starts a new session for the client whose first frame is `first` (a `hello`, or a
    /// `resume` of a session this store does not have), named by `random` (32 bytes from a
    /// CSPRNG: the id's 16, then the key's). Returns its handle and the `welcome` to send.
    pub fn start(&mut self, random: &[u8], first: &str) -> Result<(u32, String), ProtocolError> {
        let client = match Opening::read(first)? {
            Opening::Start { terms } | Opening::Resume { terms, .. } => terms,
        };
        let (id, key) = random.split_at(random.len() / 2);
        let identity = Identity {
            id: token(id),
            key: token(key),
            epoch: self.epoch.clone(),
        };
        let (session, welcome) =
            ServerSession::start(identity, self.terms, AckPolicy::default(), client);
        Ok((self.keep(session), welcome.encode()))
    }

    /// Keeps `session` in a free slot; returns its handle.
    fn keep(&mut self, session: ServerSession<Frame>) -> u32 {
        let slot = match self.sessions.iter().position(Option::is_none) {
            Some(free) => free,
            None => {
                self.sessions.push(None);
                self.sessions.len() - 1
            }
        };
        self.sessions[slot] = Some(session);
        slot as u32 + 1
    }

    /// Session `handle` goes on on a new connection whose first frame is `first` (its claim
    /// matched and the application agreed): the `welcome`, then the messages to send again. A
    /// resume the session cannot serve is a protocol error, and the session stays as it was.
    pub fn resume(&mut self, handle: u32, first: &str) -> Result<Resumed, ProtocolError> {
        let Opening::Resume { next, terms, .. } = Opening::read(first)? else {
            return Err(ProtocolError::new("a resume this session cannot serve"));
        };
        let session = self
            .get_mut(handle)
            .ok_or_else(|| ProtocolError::new("a resume this session cannot serve"))?;
        let (welcome, replay) = session.resume(next, terms)?;
        Ok(Resumed {
            welcome: welcome.encode(),
            replay: replay.iter().map(|frame| frame.id).collect(),
        })
    }

    /// A message of `size` bytes arrived on session `handle`'s connection at `now`: the ack
    /// to send at once, if one is due.
    pub fn message(
        &mut self,
        handle: u32,
        size: u64,
        now: f64,
    ) -> Result<Option<String>, ProtocolError> {
        let Some(session) = self.get_mut(handle) else {
            return Ok(None);
        };
        if !session.message(size, now)? {
            return Ok(None);
        }
        Ok(session.take_ack().map(|ack| ack.encode()))
    }

    /// A control frame arrived on session `handle`'s connection after its first: the frame to
    /// answer with (`~pong` for a ping), if any. An ack may free room in the window.
    pub fn control(&mut self, handle: u32, text: &str) -> Result<Option<String>, ProtocolError> {
        let control = Control::parse(text)?;
        let Some(session) = self.get_mut(handle) else {
            return Ok(None);
        };
        Ok(session.control(control)?.map(|reply| reply.encode()))
    }

    /// The application sends message `id` of `size` bytes on session `handle`.
    pub fn send(&mut self, handle: u32, id: u32, size: u64) -> Sent {
        match self
            .get_mut(handle)
            .map(|session| session.send(Frame { id, size }))
        {
            Some(Ok(Accepted::Transmit)) => Sent::Transmit,
            Some(Ok(Accepted::Kept)) => Sent::Kept,
            Some(Err(WindowFull(_))) | None => Sent::WindowFull,
        }
    }

    /// Whether a send of `size` bytes on session `handle` would be accepted now.
    pub fn has_room(&self, handle: u32, size: u64) -> bool {
        self.get(handle)
            .is_some_and(|session| session.has_room(size))
    }

    /// Session `handle`'s client window: the bytes of messages the client may send beyond
    /// the last acknowledgement (0 for an unknown handle).
    pub fn client_window(&self, handle: u32) -> u64 {
        self.get(handle)
            .map_or(0, |session| session.client_window())
    }

    /// Whether the client on session `handle`'s current (or last) connection reads batch
    /// frames (false for an unknown handle).
    pub fn reads_batches(&self, handle: u32) -> bool {
        self.get(handle)
            .is_some_and(ServerSession::client_reads_batches)
    }

    /// How many messages session `handle` keeps unacknowledged.
    pub fn pending(&self, handle: u32) -> usize {
        self.get(handle)
            .map_or(0, |session| session.outgoing().pending())
    }

    /// When session `handle`'s acknowledgement falls due, if one is owed on a connection.
    pub fn ack_deadline(&self, handle: u32) -> Option<f64> {
        self.get(handle).and_then(ServerSession::ack_deadline)
    }

    /// The acknowledgement session `handle` sends now, if one is owed.
    pub fn take_ack(&mut self, handle: u32) -> Option<String> {
        (self.get_mut(handle))
            .and_then(ServerSession::take_ack)
            .map(|ack| ack.encode())
    }

    /// Session `handle`'s connection went away at `now`: it waits for its client.
    pub fn disconnected(&mut self, handle: u32, now: f64) {
        if let Some(session) = self.get_mut(handle) {
            session.disconnected(now);
        }
    }

    /// Whether session `handle` has waited longer than `lifetime_ms` for its client.
    pub fn expired(&self, handle: u32, now: f64, lifetime_ms: f64) -> bool {
        (self.get(handle)).is_some_and(|session| session.expired(now, lifetime_ms))
    }

    /// Session `handle`'s id.
    pub fn id(&self, handle: u32) -> Option<&str> {
        self.get(handle)
            .map(|session| session.identity().id.as_str())
    }

    /// Session `handle`'s key, for a shared store to keep.
    pub fn key(&self, handle: u32) -> Option<&str> {
        self.get(handle)
            .map(|session| session.identity().key.as_str())
    }

    /// Forgets session `handle`; its handle may name a new session afterwards.
    pub fn free(&mut self, handle: u32) {
        if let Some(slot) = self.sessions.get_mut((handle as usize).wrapping_sub(1)) {
            *slot = None;
        }
    }

    /// How many sessions are kept.
    pub fn len(&self) -> usize {
        self.sessions.iter().flatten().count()
    }

    /// Whether no session is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get(&self, handle: u32) -> Option<&ServerSession<Frame>> {
        let slot = (handle as usize).wrapping_sub(1);
        self.sessions.get(slot).and_then(Option::as_ref)
    }

    fn get_mut(&mut self, handle: u32) -> Option<&mut ServerSession<Frame>> {
        let slot = (handle as usize).wrapping_sub(1);
        self.sessions.get_mut(slot).and_then(Option::as_mut)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: &str = "~hello v=1 window=1000 batch=1";
    const RANDOM: [u8; 32] = [7; 32];

    fn store() -> Store {
        Store::new("01".repeat(16), 100, 1 << 20)
    }

    /// The fields of a welcome or resume, by name.
    fn field<'t>(frame: &'t str, name: &str) -> &'t str {
        (frame.split(' '))
            .find_map(|word| word.strip_prefix(name)?.strip_prefix('='))
            .unwrap_or_default()
    }

    fn resume_of(welcome: &str, key: &str, next: u64) -> String {
        format!(
            "~resume v=1 id={} key={key} epoch={} next={next} window=1000 batch=1",
            field(welcome, "id"),
            field(welcome, "epoch"),
        )
    }

    #[test]
    fn whether_the_client_reads_batches_follows_its_latest_connection() {
        let mut store = store();
        let (handle, welcome) = store.start(&RANDOM, HELLO).unwrap();
        assert!(store.reads_batches(handle), "its hello says batch=1");
        let key = field(&welcome, "key").to_owned();
        let resume = resume_of(&welcome, &key, 0).replace("batch=1", "batch=0");
        store.disconnected(handle, 0.0);
        store.resume(handle, &resume).unwrap();
        assert!(!store.reads_batches(handle), "its resume says batch=0");
        assert!(!store.reads_batches(99), "no such session");
    }

    #[test]
    fn a_hello_starts_a_session_named_by_the_random_bytes() {
        let mut store = store();
        assert_eq!(store.opened(HELLO), Ok(Opened::Start));
        let (handle, welcome) = store.start(&RANDOM, HELLO).unwrap();
        assert_eq!(handle, 1);
        let id = "07".repeat(16);
        assert_eq!(store.id(handle), Some(id.as_str()));
        assert_eq!(field(&welcome, "key"), id);
        assert_eq!(field(&welcome, "epoch"), "01".repeat(16));
        assert_eq!(field(&welcome, "resumed"), "0");
        assert_eq!(field(&welcome, "window"), "100");
        assert_eq!(field(&welcome, "batch"), "1");
    }

    #[test]
    fn a_resume_with_the_key_goes_on_and_sends_again_what_the_client_lacks() {
        let mut store = store();
        let (handle, welcome) = store.start(&RANDOM, HELLO).unwrap();
        for id in 10..13 {
            assert_eq!(store.send(handle, id, 10), Sent::Transmit);
        }
        assert_eq!(store.message(handle, 5, 0.0), Ok(None));
        store.disconnected(handle, 1.0);
        assert_eq!(store.send(handle, 13, 10), Sent::Kept);
        let resume = resume_of(&welcome, field(&welcome, "key"), 1);
        assert_eq!(
            store.opened(&resume),
            Ok(Opened::Resume {
                id: field(&welcome, "id").to_owned()
            })
        );
        assert_eq!(store.claim(handle, &resume), Claim::Matches);
        let resumed = store.resume(handle, &resume).unwrap();
        assert_eq!(resumed.replay, [11, 12, 13]);
        assert_eq!(field(&resumed.welcome, "resumed"), "1");
        assert_eq!(field(&resumed.welcome, "next"), "1");
        assert_eq!(store.pending(handle), 3);
    }

    #[test]
    fn a_wrong_key_or_another_epoch_does_not_take_the_session() {
        let mut store = store();
        let (handle, welcome) = store.start(&RANDOM, HELLO).unwrap();
        let wrong = resume_of(&welcome, &"08".repeat(16), 0);
        assert_eq!(store.claim(handle, &wrong), Claim::WrongKey);
        let elsewhere = resume_of(&welcome, field(&welcome, "key"), 0)
            .replace(field(&welcome, "epoch"), &"02".repeat(16));
        assert_eq!(store.claim(handle, &elsewhere), Claim::Unknown);
        assert_eq!(store.claim(handle + 1, HELLO), Claim::Unknown);
        // A resume of a session the store does not have starts a new one.
        let (other, _) = store.start(&[9; 32], &elsewhere).unwrap();
        assert_eq!(other, 2);
    }

    #[test]
    fn a_resume_the_session_cannot_serve_is_a_protocol_error_and_changes_nothing() {
        let mut store = store();
        let (handle, welcome) = store.start(&RANDOM, HELLO).unwrap();
        assert_eq!(store.send(handle, 0, 1), Sent::Transmit);
        let beyond = resume_of(&welcome, field(&welcome, "key"), 2);
        assert!(store.resume(handle, &beyond).is_err());
        assert_eq!(store.pending(handle), 1);
    }

    #[test]
    fn the_window_refuses_sends_until_an_ack_frees_room() {
        let mut store = store();
        let (handle, _) = store.start(&RANDOM, HELLO).unwrap();
        assert_eq!(store.send(handle, 0, 60), Sent::Transmit);
        assert!(!store.has_room(handle, 60));
        assert_eq!(store.send(handle, 1, 60), Sent::WindowFull);
        assert_eq!(store.control(handle, "~ack n=1"), Ok(None));
        assert_eq!(store.pending(handle), 0);
        assert_eq!(store.send(handle, 1, 60), Sent::Transmit);
        assert!(
            store.control(handle, "~ack n=5").is_err(),
            "an ack beyond what was sent"
        );
    }

    #[test]
    fn acks_come_after_a_count_or_a_delay_and_pings_are_answered() {
        let mut store = store();
        let (handle, _) = store.start(&RANDOM, HELLO).unwrap();
        for _ in 0..63 {
            assert_eq!(store.message(handle, 1, 0.0), Ok(None));
        }
        assert_eq!(
            store.message(handle, 1, 0.0),
            Ok(Some("~ack n=64".to_owned()))
        );
        assert_eq!(store.message(handle, 1, 5.0), Ok(None));
        assert_eq!(store.ack_deadline(handle), Some(105.0));
        assert_eq!(store.take_ack(handle), Some("~ack n=65".to_owned()));
        assert_eq!(store.ack_deadline(handle), None);
        assert_eq!(store.control(handle, "~ping"), Ok(Some("~pong".to_owned())));
        assert!(
            store
                .control(handle, "~hello v=1 window=1 batch=0")
                .is_err()
        );
    }

    #[test]
    fn frames_are_told_apart_by_their_first_byte() {
        assert_eq!(Store::kind(Some(b'm'), false), Ok(FrameKind::Message));
        assert_eq!(Store::kind(Some(b'm'), true), Ok(FrameKind::Message));
        assert_eq!(Store::kind(Some(b'b'), false), Ok(FrameKind::Batch));
        assert_eq!(Store::kind(Some(b'~'), false), Ok(FrameKind::Control));
        assert!(Store::kind(Some(b'~'), true).is_err());
        assert!(Store::kind(Some(b'x'), false).is_err());
        assert!(Store::kind(None, false).is_err());
        assert!(store().opened("mhello").is_err());
        assert!(store().opened("~hello v=2 window=1 batch=0").is_err());
        assert!(store().opened("~ack n=1").is_err());
        let too_wide = "~hello v=1 window=1048577 batch=0";
        assert!(store().opened(too_wide).is_err(), "past max_client_window");
    }

    #[test]
    fn a_session_expires_a_lifetime_after_its_connection_went_away() {
        let mut store = store();
        let (handle, _) = store.start(&RANDOM, HELLO).unwrap();
        assert!(!store.expired(handle, 1e9, 10.0), "connected");
        store.disconnected(handle, 100.0);
        assert!(!store.expired(handle, 109.0, 10.0));
        assert!(store.expired(handle, 110.0, 10.0));
        store.free(handle);
        assert!(store.is_empty());
        assert_eq!(
            store.start(&RANDOM, HELLO).unwrap().0,
            1,
            "the slot is reused"
        );
    }

    #[test]
    fn a_stored_session_is_claimed_by_its_key_and_restored_where_it_stopped() {
        let mut store = store();
        let (handle, welcome) = store.start(&RANDOM, HELLO).unwrap();
        let key = field(&welcome, "key").to_owned();
        assert_eq!(store.key(handle), Some(key.as_str()));
        store.free(handle);
        let resume = resume_of(&welcome, &key, 3);
        assert_eq!(store.claim_stored(&key, &resume), Claim::Matches);
        assert_eq!(
            store.claim_stored(&"08".repeat(16), &resume),
            Claim::WrongKey
        );
        let elsewhere = resume.replace(field(&welcome, "epoch"), &"02".repeat(16));
        assert_eq!(store.claim_stored(&key, &elsewhere), Claim::Unknown);
        assert_eq!(store.claim_stored(&key, HELLO), Claim::Unknown);
        assert!(store.restore(HELLO, 0, Vec::new(), 0, 0.0).is_err());

        // Two of its messages acknowledged, three kept (ids 7, 8, 9), five received.
        let kept = [7, 8, 9].map(|id| Frame { id, size: 10 }).to_vec();
        let restored = store.restore(&resume, 2, kept, 5, 100.0).unwrap();
        assert!(
            !store.expired(restored, 100.0 + 50.0, 100.0),
            "waits for its client"
        );
        assert!(store.expired(restored, 100.0 + 100.0, 100.0));
        assert!(
            store
                .resume(restored, &resume_of(&welcome, &key, 1))
                .is_err(),
            "acknowledged"
        );
        let resumed = store.resume(restored, &resume).unwrap();
        assert_eq!(resumed.replay, [8, 9]);
        assert_eq!(field(&resumed.welcome, "next"), "5");
        assert_eq!(field(&resumed.welcome, "resumed"), "1");
        assert_eq!(field(&resumed.welcome, "key"), key);
        assert_eq!(store.message(restored, 1, 200.0), Ok(None));
        assert_eq!(store.take_ack(restored), Some("~ack n=6".to_owned()));
    }
}
