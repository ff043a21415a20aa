//! [`SessionStore`]: where sessions are kept beyond one server's memory, so that the server a
//! client lands on next (another node, or this one restarted) resumes its session.
//!
//! A store keeps, per session: its identity and owner, a *term* (which server holds it now),
//! the server's messages the client has not acknowledged, and the client's messages the
//! application has not handled yet. The server that holds a session writes every change
//! before it acts on it: a message before it goes on the wire, a received message before it
//! is acknowledged. So whatever a client was told survives the server that told it.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::message::Message;

/// What a store's operations return.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A shared session store, such as `RedisStore` (the `redis` feature). Every write names the
/// term its writer holds the session under, and is refused once another server has claimed
/// the session: a server that lost a session cannot change it.
pub trait SessionStore: Send + Sync + 'static {
    /// The store's incarnation, the same for every server that uses it: a client whose session
    /// names another epoch lost it with the store's contents.
    fn epoch(&self) -> StoreFuture<'_, String>;

    /// Keeps a new session (term 0, nothing sent or received), waiting `lifetime` for writes.
    fn create<'a>(&'a self, session: &'a NewSession, lifetime: Duration) -> StoreFuture<'a, ()>;

    /// The session named `id`, if the store keeps it.
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<StoredSession>>;

    /// Takes the session over for this server: true, with its term now `term + 1`, if its term
    /// was still `term`; false if another server claimed it meanwhile (or it is gone).
    fn claim<'a>(&'a self, id: &'a str, term: u64) -> StoreFuture<'a, bool>;

    /// Applies `changes` (in order: received, then sent, then the counts), and keeps the
    /// session `lifetime` from now, if its term is still `term`; false otherwise (another
    /// server holds it, or it expired), with nothing changed.
    fn write<'a>(
        &'a self,
        id: &'a str,
        term: u64,
        changes: &'a Changes,
        lifetime: Duration,
    ) -> StoreFuture<'a, bool>;

    /// Forgets the session, if its term is still `term`.
    fn remove<'a>(&'a self, id: &'a str, term: u64) -> StoreFuture<'a, ()>;
}

/// A store could not be reached, or answered what it should not have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "session store: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// A session as it starts.
#[derive(Clone, Debug)]
pub struct NewSession {
    /// The session's id.
    pub id: String,
    /// The secret a connection must present to resume it.
    pub key: String,
    /// Who the application said the session belongs to.
    pub owner: String,
}

/// A session as a store keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSession {
    /// The secret a connection must present to resume it.
    pub key: String,
    /// Who the application said the session belongs to.
    pub owner: String,
    /// How many times servers took it over.
    pub term: u64,
    /// The server's messages the client acknowledged.
    pub acknowledged: u64,
    /// The server's messages after those, oldest first.
    pub unacknowledged: Vec<Message>,
    /// The client's messages the application handled.
    pub handled: u64,
    /// The client's messages after those, received and not yet handled, oldest first.
    pub inbox: Vec<Message>,
}

impl StoredSession {
    /// The client's messages received in the whole session.
    pub fn received(&self) -> u64 {
        self.handled + self.inbox.len() as u64
    }
}

/// Changes to a session, written at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// The client's messages received, to add to the inbox.
    pub received: Vec<Message>,
    /// The server's messages sent, to keep until acknowledged.
    pub sent: Vec<Message>,
    /// The server's messages the client has acknowledged in all, if that changed.
    pub acknowledged: Option<u64>,
    /// The client's messages the application has handled in all, if that changed.
    pub handled: Option<u64>,
}

impl Changes {
    /// Whether nothing changed (a write of it only keeps the session alive).
    pub fn is_empty(&self) -> bool {
        self.received.is_empty()
            && self.sent.is_empty()
            && self.acknowledged.is_none()
            && self.handled.is_none()
    }
}
