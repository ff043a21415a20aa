//! Connection and message counts per endpoint and per client tag, and what each client sent.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::ws::Message;
use serde::Serialize;

/// Received messages kept per client; the oldest are forgotten first.
const RECEIVED_LOG_LIMIT: usize = 100_000;

/// The WebSocket endpoints that are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Echo,
    Chat,
    Rpc,
    /// `/session`: connections (a resumed session counts one per connection).
    Session,
    /// `/session-chat`: connections, as for `/session`.
    SessionChat,
}

#[derive(Debug, Default)]
pub(crate) struct Stats {
    registry: Mutex<Registry>,
}

#[derive(Debug, Default)]
struct Registry {
    echo: EndpointCounts,
    chat: EndpointCounts,
    rpc: EndpointCounts,
    session: EndpointCounts,
    session_chat: EndpointCounts,
    clients: BTreeMap<String, ClientRecord>,
}

#[derive(Debug, Default, Clone, Copy, Serialize)]
pub(crate) struct EndpointCounts {
    open: u64,
    total: u64,
}

#[derive(Debug, Default)]
struct ClientRecord {
    counts: ClientCounts,
    log: VecDeque<Received>,
}

#[derive(Debug, Default, Clone, Copy, Serialize)]
pub(crate) struct ClientCounts {
    open: u64,
    total: u64,
    /// Highest number of connections open at once: 1 proves the client never overlapped two.
    max_open: u64,
    received: u64,
    /// Session mode: the frames carrying messages (message or batch frames) the client sent,
    /// and those it was sent: fewer than the messages when they travel in batches.
    frames_in: u64,
    frames_out: u64,
}

/// One message in a client's `/received` log: text as a JSON string, binary as its length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(crate) enum Received {
    Text(String),
    Binary { binary: usize },
}

/// The `/stats` document.
#[derive(Debug, Serialize)]
pub(crate) struct Snapshot {
    endpoints: EndpointSnapshot,
    clients: BTreeMap<String, ClientCounts>,
}

#[derive(Debug, Serialize)]
struct EndpointSnapshot {
    echo: EndpointCounts,
    chat: EndpointCounts,
    rpc: EndpointCounts,
    session: EndpointCounts,
    session_chat: EndpointCounts,
}

impl Stats {
    /// Counts a connection as open until the returned guard is dropped, however its task ends.
    pub fn open(self: &Arc<Self>, endpoint: Endpoint, client: Option<&str>) -> OpenConnection {
        let mut registry = self.registry();
        let counts = registry.endpoint(endpoint);
        counts.open += 1;
        counts.total += 1;
        if let Some(name) = client {
            let counts = &mut registry.clients.entry(name.to_owned()).or_default().counts;
            counts.open += 1;
            counts.total += 1;
            counts.max_open = counts.max_open.max(counts.open);
        }
        OpenConnection {
            stats: Arc::clone(self),
            endpoint,
            client: client.map(str::to_owned),
            messages: 0,
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        let registry = self.registry();
        Snapshot {
            endpoints: EndpointSnapshot {
                echo: registry.echo,
                chat: registry.chat,
                rpc: registry.rpc,
                session: registry.session,
                session_chat: registry.session_chat,
            },
            clients: registry
                .clients
                .iter()
                .map(|(name, record)| (name.clone(), record.counts))
                .collect(),
        }
    }

    /// Logs a message `client` sent, as `/received` lists it: for endpoints whose messages are
    /// not those of one connection (a session's arrive on several).
    pub fn record(&self, client: &str, entry: Received) {
        let mut registry = self.registry();
        let record = registry.clients.entry(client.to_owned()).or_default();
        record.counts.received += 1;
        if record.log.len() == RECEIVED_LOG_LIMIT {
            record.log.pop_front();
        }
        record.log.push_back(entry);
    }

    pub fn received(&self, client: &str) -> Vec<Received> {
        self.registry()
            .clients
            .get(client)
            .map(|record| record.log.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Forgets totals and logs between test cases. Connections still open stay counted, so
    /// `open` keeps telling the truth and their guards find their entries when they close.
    pub fn reset(&self) {
        let mut registry = self.registry();
        registry.echo.total = 0;
        registry.chat.total = 0;
        registry.rpc.total = 0;
        registry.session.total = 0;
        registry.session_chat.total = 0;
        registry.clients.retain(|_, record| record.counts.open > 0);
        for record in registry.clients.values_mut() {
            let open = record.counts.open;
            record.counts = ClientCounts {
                open,
                total: 0,
                max_open: open,
                received: 0,
                frames_in: 0,
                frames_out: 0,
            };
            record.log.clear();
        }
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        // Nothing panics while holding the lock, and the counts stay usable even if it did.
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Registry {
    fn endpoint(&mut self, endpoint: Endpoint) -> &mut EndpointCounts {
        match endpoint {
            Endpoint::Echo => &mut self.echo,
            Endpoint::Chat => &mut self.chat,
            Endpoint::Rpc => &mut self.rpc,
            Endpoint::Session => &mut self.session,
            Endpoint::SessionChat => &mut self.session_chat,
        }
    }
}

/// One open WebSocket connection in the stats; closes it there on drop.
#[must_use = "the connection counts as open only while this guard lives"]
#[derive(Debug)]
pub(crate) struct OpenConnection {
    stats: Arc<Stats>,
    endpoint: Endpoint,
    client: Option<String>,
    messages: u64,
}

impl OpenConnection {
    /// Counts a text or binary message, and logs it under the client tag if there is one.
    pub fn record(&mut self, message: &Message) {
        let entry = match message {
            Message::Text(text) => Received::Text(text.as_str().to_owned()),
            Message::Binary(bytes) => Received::Binary {
                binary: bytes.len(),
            },
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) => return,
        };
        self.messages += 1;
        if let Some(name) = &self.client {
            self.stats.record(name, entry);
        }
    }

    /// Text and binary messages received on this connection.
    pub fn messages(&self) -> u64 {
        self.messages
    }

    /// Session mode: counts a frame carrying messages, from the client (`incoming`) or to it.
    pub fn message_frame(&self, incoming: bool) {
        let Some(name) = &self.client else {
            return;
        };
        let mut registry = self.stats.registry();
        if let Some(record) = registry.clients.get_mut(name) {
            match incoming {
                true => record.counts.frames_in += 1,
                false => record.counts.frames_out += 1,
            }
        }
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        let mut registry = self.stats.registry();
        let counts = registry.endpoint(self.endpoint);
        counts.open = counts.open.saturating_sub(1);
        if let Some(record) = self
            .client
            .as_ref()
            .and_then(|name| registry.clients.get_mut(name))
        {
            record.counts.open = record.counts.open.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_counts(stats: &Stats, name: &str) -> Option<ClientCounts> {
        stats.snapshot().clients.get(name).copied()
    }

    #[test]
    fn max_open_remembers_overlap_after_connections_close() {
        let stats = Arc::new(Stats::default());
        let first = stats.open(Endpoint::Echo, Some("a"));
        let second = stats.open(Endpoint::Chat, Some("a"));
        drop(first);
        drop(second);
        let counts = client_counts(&stats, "a").unwrap_or_default();
        assert_eq!((counts.open, counts.total, counts.max_open), (0, 2, 2));
        assert_eq!(stats.snapshot().endpoints.echo.open, 0);
    }

    #[test]
    fn reset_keeps_open_connections_truthful() {
        let stats = Arc::new(Stats::default());
        let mut open = stats.open(Endpoint::Echo, Some("kept"));
        drop(stats.open(Endpoint::Echo, Some("gone")));
        open.record(&Message::text("before"));
        stats.reset();
        let counts = client_counts(&stats, "kept").unwrap_or_default();
        assert_eq!((counts.open, counts.total, counts.max_open), (1, 0, 1));
        assert!(client_counts(&stats, "gone").is_none());
        assert!(stats.received("kept").is_empty());
        drop(open);
        assert_eq!(client_counts(&stats, "kept").map(|c| c.open), Some(0));
    }

    #[test]
    fn received_log_keeps_only_the_newest() {
        let stats = Arc::new(Stats::default());
        let mut open = stats.open(Endpoint::Echo, Some("a"));
        for n in 0..=RECEIVED_LOG_LIMIT {
            open.record(&Message::binary(vec![0; n % 3]));
        }
        let log = stats.received("a");
        assert_eq!(log.len(), RECEIVED_LOG_LIMIT);
        assert_eq!(log.first(), Some(&Received::Binary { binary: 1 }));
        assert_eq!(open.messages(), RECEIVED_LOG_LIMIT as u64 + 1);
    }
}
