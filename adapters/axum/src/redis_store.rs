//! [`RedisStore`]: sessions kept in Redis, shared by every server that uses the same Redis.
//!
//! Each session is three keys under the store's prefix: a hash (`key`, `owner`, `term`,
//! `acked`, `handled`), the list of its unacknowledged messages (`:out`) and the list of the
//! client's messages not yet handled (`:in`). Every change is one Lua script (`redis/*.lua`,
//! shared with resocket/server), checked against the session's term, so a server that lost
//! the session cannot change it, and a write is whole or absent. All three keys expire
//! together, a lifetime after the last write.
//!
//! The npm package's Node adapter keeps the same layout with the same scripts
//! (`src/js/server/redis-store.js`), so Rust and Node servers share one Redis: a change here
//! is a change there.

use std::sync::LazyLock;
use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::{Script, Value};

use crate::message::Message;
use crate::shared_store::{
    Changes, NewSession, SessionStore, StoreError, StoreFuture, StoredSession,
};

/// Sessions kept in Redis. Cheap to clone; its connection reconnects by itself.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use resocket_axum::{RedisStore, Sessions, SessionsConfig};
///
/// let store = RedisStore::connect("redis://127.0.0.1:6379/", "myapp:sessions:").await?;
/// // Every server built this way on the same Redis resumes the others' sessions.
/// let sessions = Sessions::shared(SessionsConfig::default(), store).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to the Redis at `url` (`redis://host:port/db`); the store's keys start with
    /// `prefix`.
    pub async fn connect(url: &str, prefix: &str) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(error)?;
        let connection = ConnectionManager::new(client).await.map_err(error)?;
        Ok(RedisStore {
            connection,
            prefix: prefix.to_owned(),
        })
    }

    fn keys(&self, id: &str) -> [String; 3] {
        let session = [self.prefix.as_str(), "session:", id].concat();
        let out = [session.as_str(), ":out"].concat();
        let inbox = [session.as_str(), ":in"].concat();
        [session, out, inbox]
    }
}

fn error(error: redis::RedisError) -> StoreError {
    StoreError(error.to_string())
}

fn millis(lifetime: Duration) -> u64 {
    u64::try_from(lifetime.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// The bytes a message is kept as: `t` or `b`, then the message.
fn encode(message: &Message) -> Vec<u8> {
    let (tag, body) = match message {
        Message::Text(text) => (b't', text.as_bytes()),
        Message::Binary(bytes) => (b'b', bytes.as_slice()),
    };
    let mut kept = Vec::with_capacity(body.len() + 1);
    kept.push(tag);
    kept.extend_from_slice(body);
    kept
}

fn decode(kept: Vec<u8>) -> Result<Message, StoreError> {
    match kept.split_first() {
        Some((b't', text)) => String::from_utf8(text.to_vec())
            .map(Message::Text)
            .map_err(|_| StoreError("a kept text message that is not UTF-8".to_owned())),
        Some((b'b', bytes)) => Ok(Message::Binary(bytes.to_vec())),
        _ => Err(StoreError("a kept message of no known kind".to_owned())),
    }
}

// The scripts, each documented in its file: resocket/server's RedisStore runs the same files
// (the npm package ships a copy), so Rust and Node servers change a session alike.
const CREATE: &str = include_str!("../redis/create.lua");
const CLAIM: &str = include_str!("../redis/claim.lua");
const WRITE: &str = include_str!("../redis/write.lua");
const REMOVE: &str = include_str!("../redis/remove.lua");

/// The scripts, hashed once: Redis runs them by hash, loading them when it lacks one.
struct Scripts {
    create: Script,
    claim: Script,
    write: Script,
    remove: Script,
}

static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    create: Script::new(CREATE),
    claim: Script::new(CLAIM),
    write: Script::new(WRITE),
    remove: Script::new(REMOVE),
});

impl SessionStore for RedisStore {
    fn epoch(&self) -> StoreFuture<'_, String> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let key = [self.prefix.as_str(), "epoch"].concat();
            let fresh = crate::store::random_token();
            // The first server to ask sets it; the others read it.
            let (_, epoch): (Value, String) = redis::pipe()
                .atomic()
                .cmd("SET")
                .arg(&key)
                .arg(&fresh)
                .arg("NX")
                .cmd("GET")
                .arg(&key)
                .query_async(&mut connection)
                .await
                .map_err(error)?;
            Ok(epoch)
        })
    }

    fn create<'a>(&'a self, session: &'a NewSession, lifetime: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let _: i64 = SCRIPTS
                .create
                .key(&self.keys(&session.id))
                .arg(&session.key)
                .arg(&session.owner)
                .arg(millis(lifetime))
                .invoke_async(&mut connection)
                .await
                .map_err(error)?;
            Ok(())
        })
    }

    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<StoredSession>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let [session, out, inbox] = self.keys(id);
            type Fields = (
                Option<String>,
                Option<String>,
                Option<u64>,
                Option<u64>,
                Option<u64>,
            );
            let (fields, out, inbox): (Fields, Vec<Vec<u8>>, Vec<Vec<u8>>) = redis::pipe()
                .atomic()
                .cmd("HMGET")
                .arg(&session)
                .arg(&["key", "owner", "term", "acked", "handled"])
                .cmd("LRANGE")
                .arg(&out)
                .arg(0)
                .arg(-1)
                .cmd("LRANGE")
                .arg(&inbox)
                .arg(0)
                .arg(-1)
                .query_async(&mut connection)
                .await
                .map_err(error)?;
            let (Some(key), Some(owner), Some(term), Some(acknowledged), Some(handled)) = fields
            else {
                return Ok(None);
            };
            Ok(Some(StoredSession {
                key,
                owner,
                term,
                acknowledged,
                unacknowledged: out.into_iter().map(decode).collect::<Result<_, _>>()?,
                handled,
                inbox: inbox.into_iter().map(decode).collect::<Result<_, _>>()?,
            }))
        })
    }

    fn claim<'a>(&'a self, id: &'a str, term: u64) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let held: i64 = SCRIPTS
                .claim
                .key(&self.keys(id))
                .arg(term)
                .invoke_async(&mut connection)
                .await
                .map_err(error)?;
            Ok(held == 1)
        })
    }

    fn write<'a>(
        &'a self,
        id: &'a str,
        term: u64,
        changes: &'a Changes,
        lifetime: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let count = |value: Option<u64>| value.map_or_else(String::new, |v| v.to_string());
            let mut invocation = SCRIPTS.write.prepare_invoke();
            invocation
                .key(&self.keys(id))
                .arg(term)
                .arg(millis(lifetime))
                .arg(changes.received.len())
                .arg(changes.sent.len())
                .arg(count(changes.acknowledged))
                .arg(count(changes.handled));
            for message in changes.received.iter().chain(&changes.sent) {
                invocation.arg(encode(message));
            }
            let held: i64 = invocation
                .invoke_async(&mut connection)
                .await
                .map_err(error)?;
            Ok(held == 1)
        })
    }

    fn remove<'a>(&'a self, id: &'a str, term: u64) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let _: i64 = SCRIPTS
                .remove
                .key(&self.keys(id))
                .arg(term)
                .invoke_async(&mut connection)
                .await
                .map_err(error)?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_kept_as_they_were() {
        for message in [
            Message::Text("héllo".to_owned()),
            Message::Text(String::new()),
            Message::Binary(vec![0, 255, b't']),
        ] {
            assert_eq!(decode(encode(&message)), Ok(message));
        }
        assert!(decode(Vec::new()).is_err());
        assert!(decode(vec![b't', 0xff]).is_err());
    }
}
