//! What every request handler shares.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::ws::Message;
use resocket_axum::{RedisStore, Sessions, SessionsConfig};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::live_sessions::LiveSessions;
use crate::session_chat::SessionChat;
use crate::stats::Stats;

/// How many chat messages a slow `/chat` client may fall behind before it is closed.
const CHAT_BACKLOG: usize = 4096;

pub(crate) struct AppState {
    pub stats: Arc<Stats>,
    pub chat: broadcast::Sender<Message>,
    pub allowed_origins: Vec<String>,
    /// Cancelled when the server shuts down: sessions close, hanging handshakes give up.
    pub shutdown: CancellationToken,
    /// Every WebSocket session, so shutdown can wait for their close handshakes.
    pub sessions: TaskTracker,
    /// The same sessions by client tag, for `/control`, and the restart downtime.
    pub live: Arc<LiveSessions>,
    /// `/session`'s resumable sessions, kept in memory across their connections (and across
    /// `/control` restarts; `/control` forget ends them).
    pub resumable: Sessions,
    /// `/session-chat`'s sessions, kept as `/session`'s are.
    pub session_chat: SessionChat,
    last_connection_id: AtomicU64,
}

impl AppState {
    /// `/session`'s sessions, in this server's memory.
    pub fn memory_sessions() -> Sessions {
        Sessions::new(Self::sessions_config())
    }

    /// `/session`'s sessions, in the Redis at `url`, shared with every server on it.
    pub async fn shared_sessions(url: &str) -> std::io::Result<Sessions> {
        let unreachable = |error: resocket_axum::StoreError| {
            std::io::Error::other(format!("the session store at {url}: {error}"))
        };
        let store = RedisStore::connect(url, "resocket-test:")
            .await
            .map_err(unreachable)?;
        Sessions::shared(Self::sessions_config(), store)
            .await
            .map_err(unreachable)
    }

    fn sessions_config() -> SessionsConfig {
        // The bench's session rows announce a 64 MB window, larger than their bursts.
        SessionsConfig {
            max_client_window: 64 * 1024 * 1024,
            ..SessionsConfig::default()
        }
    }

    pub fn new(allowed_origins: Vec<String>, resumable: Sessions) -> Self {
        Self {
            stats: Arc::default(),
            chat: broadcast::Sender::new(CHAT_BACKLOG),
            allowed_origins,
            shutdown: CancellationToken::new(),
            sessions: TaskTracker::new(),
            live: Arc::default(),
            resumable,
            session_chat: SessionChat::new(),
            last_connection_id: AtomicU64::new(0),
        }
    }

    /// Numbers WebSocket requests from 1 so log lines of one connection can be grepped.
    pub fn next_connection_id(&self) -> u64 {
        self.last_connection_id.fetch_add(1, Ordering::Relaxed) + 1
    }
}
