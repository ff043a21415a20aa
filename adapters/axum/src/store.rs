//! [`Sessions`]: the sessions of one server, in memory, with their limits, and the axum
//! upgrade that serves them.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use axum::extract::ws::{self, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{Sink, Stream};
use resocket_core::session::{
    AckPolicy, Control, DEFAULT_WINDOW, Identity, SUBPROTOCOL, ServerSession, StoredCounts, Terms,
    token,
};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::connection;
use crate::durable::{Durable, Standing, write_behind};
use crate::session::{Session, SessionHandle, Shared, State};
use crate::shared_store::{SessionStore, StoreError, StoredSession};

/// Decides whether a connection may resume a session: given the connection's request headers,
/// the owner the application names for it, and the session's own owner.
pub type ResumeHook = Arc<dyn Fn(&HeaderMap, &str, &str) -> bool + Send + Sync>;

/// How [`Sessions`] serve.
#[derive(Clone)]
pub struct SessionsConfig {
    /// The bytes of unacknowledged messages a session keeps for its client before the
    /// application's sends wait (default 100 KB).
    pub window: u64,
    /// How long a session waits for its client to come back (default 2 minutes).
    pub lifetime: Duration,
    /// The most sessions kept; a new one beyond it is refused with 1013 (default 10,000).
    pub max_sessions: usize,
    /// How long a new connection has to send its first frame (default 10 s).
    pub handshake_timeout: Duration,
    /// Messages received and not yet read by the application, per session (default 256).
    /// Beyond it, messages wait on the connection, not counted as received (nor
    /// acknowledged), so the client sends no more than its window of them: with the client's
    /// window, this bounds memory. The connection reads on meanwhile, for the acks behind them.
    pub inbox_capacity: usize,
    /// The largest window a client may announce (default 1 MiB): the bytes of its messages
    /// a connection may hold while the application's inbox is full. A larger one is refused
    /// at the handshake (1002).
    pub max_client_window: u64,
    /// Whether a connection may resume a session (its key already checked). The default allows
    /// it when the connection's owner is the session's.
    pub resume_hook: ResumeHook,
}

impl Default for SessionsConfig {
    fn default() -> Self {
        SessionsConfig {
            window: DEFAULT_WINDOW,
            lifetime: Duration::from_secs(120),
            max_sessions: 10_000,
            handshake_timeout: Duration::from_secs(10),
            inbox_capacity: 256,
            max_client_window: 1024 * 1024,
            resume_hook: Arc::new(|_, owner, session_owner| owner == session_owner),
        }
    }
}

impl std::fmt::Debug for SessionsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionsConfig")
            .field("window", &self.window)
            .field("lifetime", &self.lifetime)
            .field("max_sessions", &self.max_sessions)
            .field("handshake_timeout", &self.handshake_timeout)
            .field("inbox_capacity", &self.inbox_capacity)
            .field("max_client_window", &self.max_client_window)
            .finish_non_exhaustive()
    }
}

/// The resumable sessions of one server, kept in memory: clone it into the router's state.
///
/// ```no_run
/// use axum::{Router, extract::{State, WebSocketUpgrade}, http::HeaderMap, routing::get};
/// use futures_util::StreamExt;
/// use resocket_axum::{Sessions, SessionsConfig};
///
/// async fn echo(upgrade: WebSocketUpgrade, headers: HeaderMap, State(sessions): State<Sessions>)
///     -> axum::response::Response {
///     // The owner: whoever the application authenticated (a user id); "" for anyone.
///     sessions.upgrade(upgrade, headers, "", |mut session| async move {
///         while let Some(message) = session.next().await {
///             if session.send(message).await.is_err() {
///                 break;
///             }
///         }
///     })
/// }
///
/// let app: Router = Router::new()
///     .route("/echo", get(echo))
///     .with_state(Sessions::new(SessionsConfig::default()));
/// ```
#[derive(Clone, Debug)]
pub struct Sessions(Arc<Store>);

pub(crate) struct Store {
    pub(crate) config: SessionsConfig,
    /// This store's incarnation: a client whose session names another epoch lost it.
    pub(crate) epoch: String,
    /// Where sessions are kept beyond this server, if anywhere.
    pub(crate) shared: Option<Arc<dyn SessionStore>>,
    sessions: Mutex<HashMap<String, Arc<Shared>>>,
    started: Instant,
    connections: AtomicU64,
    reaper: Once,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("config", &self.config)
            .field("sessions", &self.len())
            .finish_non_exhaustive()
    }
}

/// A new session, or why none was made.
pub(crate) enum Started {
    New {
        shared: Arc<Shared>,
        welcome: Control,
        session: Session,
    },
    Full,
}

impl Sessions {
    /// An empty store with `config`, in this server's memory: its sessions end with the
    /// server.
    pub fn new(config: SessionsConfig) -> Sessions {
        Sessions::with(config, random_token(), None)
    }

    /// Sessions kept in `store` as well as in memory, shared by every server that uses the
    /// same store: a client resumes its session on whichever of them it reaches next, even
    /// after the server that held it died, with nothing lost or doubled. Fails if the store
    /// cannot be reached.
    ///
    /// Every message is written to the store before the client hears of it (the server's
    /// messages before they go on the wire, the client's before they are acknowledged), so
    /// each costs a store write; writes queued meanwhile go together. The server that takes
    /// a session over runs the handler again, from the first message the session's handler
    /// had not handled: a message counts as handled once the handler sent something after
    /// reading it, or asked for the next one. A handler that answers what it reads thus
    /// answers each message once; other effects of a message the handler read just before
    /// its server died may happen twice, and should be idempotent.
    pub async fn shared(
        config: SessionsConfig,
        store: impl SessionStore,
    ) -> Result<Sessions, StoreError> {
        let epoch = store.epoch().await?;
        Ok(Sessions::with(config, epoch, Some(Arc::new(store))))
    }

    fn with(
        config: SessionsConfig,
        epoch: String,
        shared: Option<Arc<dyn SessionStore>>,
    ) -> Sessions {
        Sessions(Arc::new(Store {
            config,
            epoch,
            shared,
            sessions: Mutex::new(HashMap::new()),
            started: Instant::now(),
            connections: AtomicU64::new(0),
            reaper: Once::new(),
        }))
    }

    /// Upgrades a request to a session's connection: a new session runs `handler` (as a task
    /// of its own), a resumed one goes on with the handler it has. `owner` is who the
    /// application authenticated for this request (a user id; "" when it does not): the
    /// default resume hook lets only the same owner resume a session. A request that does not
    /// offer the `resocket.v1` subprotocol is refused with 400.
    pub fn upgrade<H, Fut>(
        &self,
        upgrade: WebSocketUpgrade,
        headers: HeaderMap,
        owner: impl Into<String>,
        handler: H,
    ) -> Response
    where
        H: FnOnce(Session) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.upgrade_wrapped(upgrade, headers, owner, |socket| socket, handler)
    }

    /// [`upgrade`](Self::upgrade), with the connection's socket passed through `wrap` before
    /// the session uses it: a wrapper that counts or logs frames, or one that injects faults
    /// in tests (resocket's test server silences and stalls connections this way). The
    /// wrapper sees the protocol's frames (`PROTOCOL.md`), not the application's messages.
    pub fn upgrade_wrapped<W, S, E, H, Fut>(
        &self,
        upgrade: WebSocketUpgrade,
        headers: HeaderMap,
        owner: impl Into<String>,
        wrap: W,
        handler: H,
    ) -> Response
    where
        W: FnOnce(WebSocket) -> S + Send + 'static,
        S: Stream<Item = Result<ws::Message, E>> + Sink<ws::Message> + Send + 'static,
        E: Send + 'static,
        H: FnOnce(Session) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        if !offers_subprotocol(&headers) {
            let text = format!(
                "this endpoint serves resumable sessions: offer the {SUBPROTOCOL} subprotocol"
            );
            return (StatusCode::BAD_REQUEST, text).into_response();
        }
        self.start_reaper();
        let store = self.0.clone();
        let owner = owner.into();
        upgrade.protocols([SUBPROTOCOL]).on_upgrade(move |socket| {
            connection::serve(wrap(socket), store, headers, owner, handler)
        })
    }

    /// The session named `id`, if this server holds it.
    pub fn get(&self, id: &str) -> Option<SessionHandle> {
        self.0.find(id).map(SessionHandle::new)
    }

    /// Every session this server holds, in no particular order.
    pub fn handles(&self) -> Vec<SessionHandle> {
        let sessions = self.0.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions.values().cloned().map(SessionHandle::new).collect()
    }

    /// How many sessions this server holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no session is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the sessions that waited out their lifetime, every half lifetime (at most a
    /// second), while the store lives.
    fn start_reaper(&self) {
        self.0.reaper.call_once(|| {
            let store = Arc::downgrade(&self.0);
            // Often enough that a session outlives its lifetime by at most half of it.
            let period = (self.0.config.lifetime / 2)
                .clamp(Duration::from_millis(10), Duration::from_secs(1));
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(period);
                loop {
                    tick.tick().await;
                    let Some(store) = store.upgrade() else { break };
                    store.reap();
                }
            });
        });
    }
}

impl Store {
    pub(crate) fn len(&self) -> usize {
        self.sessions.lock().map_or(0, |sessions| sessions.len())
    }

    /// Milliseconds since the store started: the sessions' clock.
    pub(crate) fn now(&self) -> f64 {
        self.started.elapsed().as_secs_f64() * 1000.0
    }

    pub(crate) fn next_connection(&self) -> u64 {
        self.connections.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn terms(&self) -> Terms {
        Terms {
            window: self.config.window,
            batches: true,
        }
    }

    /// Starts a new session for a client with `terms`, unless the store is full.
    pub(crate) fn start(self: &Arc<Self>, owner: &str, client: Terms) -> Started {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        if sessions.len() >= self.config.max_sessions {
            return Started::Full;
        }
        let identity = Identity {
            id: random_token(),
            key: random_token(),
            epoch: self.epoch.clone(),
        };
        let id = identity.id.clone();
        let (server, welcome) =
            ServerSession::start(identity, self.terms(), AckPolicy::default(), client);
        let fresh = Standing {
            term: 0,
            sent: 0,
            received: 0,
            handled: 0,
        };
        let (shared, session) = self.hold(server, owner, &fresh, Vec::new());
        sessions.insert(id, shared.clone());
        Started::New {
            shared,
            welcome,
            session,
        }
    }

    /// Holds a session here: its shared state, with an inbox holding `inbox` (the messages
    /// another server's handler had not handled), the writer of its changes to the shared
    /// store if there is one, and the application's handle.
    fn hold(
        self: &Arc<Self>,
        server: ServerSession<crate::Message>,
        owner: &str,
        standing: &Standing,
        inbox: Vec<crate::Message>,
    ) -> (Arc<Shared>, Session) {
        let id = server.identity().id.clone();
        let capacity = self.config.inbox_capacity.max(inbox.len()).max(1);
        let (sender, receiver) = mpsc::channel(capacity);
        for message in inbox {
            // Room for all of them was made above.
            let _ = sender.try_send(message);
        }
        let (durable, changes) = match &self.shared {
            Some(_) => {
                let (changes, pending) = mpsc::unbounded_channel();
                (Some(Durable::new(standing, changes)), Some(pending))
            }
            None => (None, None),
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                session: server,
                writer: None,
                inbox: Some(sender),
                kick: None,
                durable,
            }),
            room: tokio::sync::Notify::new(),
            id,
            owner: owner.to_owned(),
            store: Arc::downgrade(self),
        });
        if let (Some(store), Some(changes)) = (&self.shared, changes) {
            let writer = write_behind(
                Arc::downgrade(&shared),
                store.clone(),
                self.config.lifetime,
                changes,
            );
            tokio::spawn(writer);
        }
        let session = Session {
            shared: shared.clone(),
            inbox: receiver,
        };
        (shared, session)
    }

    /// Takes up here a session another server held (`stored`, its term already claimed by
    /// this server), unless this server is full.
    pub(crate) fn take_up(
        self: &Arc<Self>,
        identity: Identity,
        stored: StoredSession,
    ) -> Option<(Arc<Shared>, Session)> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        if sessions.len() >= self.config.max_sessions {
            return None;
        }
        let standing = Standing {
            term: stored.term + 1,
            sent: stored.acknowledged + stored.unacknowledged.len() as u64,
            received: stored.received(),
            handled: stored.handled,
        };
        let counts = StoredCounts {
            acknowledged: stored.acknowledged,
            unacknowledged: stored.unacknowledged,
            received: standing.received,
        };
        let server = ServerSession::restored(
            identity,
            self.terms(),
            AckPolicy::default(),
            counts,
            self.now(),
        );
        let (shared, session) = self.hold(server, &stored.owner, &standing, stored.inbox);
        sessions.insert(shared.id.clone(), shared.clone());
        Some((shared, session))
    }

    /// The session named `id`, if kept.
    pub(crate) fn find(&self, id: &str) -> Option<Arc<Shared>> {
        let sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions.get(id).cloned()
    }

    /// Ends and forgets `shared`'s session, here and in the shared store.
    pub(crate) fn remove(&self, shared: &Shared) {
        let term = shared.lock().durable.as_ref().map(|durable| durable.term);
        if let (Some(store), Some(term)) = (self.shared.clone(), term) {
            let id = shared.id.clone();
            tokio::spawn(async move {
                // A store that cannot be reached forgets it a lifetime after its last write.
                let _ = store.remove(&id, term).await;
            });
        }
        self.forget_here(&shared.id);
    }

    /// Ends and forgets the session named `id` here only: the shared store, if any, keeps it
    /// until it expires (or another server takes it over).
    pub(crate) fn forget_here(&self, id: &str) {
        let removed = {
            let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
            sessions.remove(id)
        };
        if let Some(shared) = removed {
            shared.end();
        }
    }

    fn reap(&self) {
        let now = self.now();
        let lifetime = self.config.lifetime.as_secs_f64() * 1000.0;
        let expired: Vec<String> = {
            let sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
            (sessions.iter())
                .filter(|(_, shared)| shared.lock().session.expired(now, lifetime))
                .map(|(id, _)| id.clone())
                .collect()
        };
        // The shared store lets its own copy expire.
        for id in expired {
            self.forget_here(&id);
        }
    }
}

/// Whether the request offers the protocol's subprotocol.
fn offers_subprotocol(headers: &HeaderMap) -> bool {
    (headers.get_all(header::SEC_WEBSOCKET_PROTOCOL).iter())
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|protocol| protocol.trim() == SUBPROTOCOL)
}

/// 16 bytes from the operating system's CSPRNG, as 32 hex digits.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 16];
    // The OS generator does not fail on the platforms a server runs on; if it ever did,
    // predictable ids would be worse than stopping.
    getrandom::fill(&mut bytes).expect("the operating system's random number generator");
    token(&bytes)
}
