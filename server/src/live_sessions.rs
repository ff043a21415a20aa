//! Every open WebSocket session, by client tag, so `/control` can reach the sessions of one
//! client (or all of them) while they run, and the restart downtime that refuses new upgrades.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Utf8Bytes, WebSocket, close_code};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::session::{Outcome, going_away, server_close};

/// What `/control` asks of a running session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    /// End the connection without a close frame.
    Drop,
    /// Send nothing more (no replies, broadcasts or pongs) while still reading.
    Silence,
    /// Neither read nor send any more: what the client sends piles up in TCP buffers and then
    /// in the browser's, until a later command ends the session.
    Stall,
    /// Start a close handshake with this frame.
    Close {
        frame: CloseFrame,
        why: &'static str,
    },
}

/// How `/control` ends a session: the commands other than [`Command::Silence`] and
/// [`Command::Stall`].
#[derive(Debug)]
pub(crate) enum Stop {
    Drop,
    Close {
        frame: CloseFrame,
        why: &'static str,
    },
}

impl Stop {
    /// Ends the session as asked; returning drops the socket, which is what `Drop` needs.
    pub async fn carry_out(self, socket: &mut WebSocket) -> Outcome {
        match self {
            Self::Drop => Outcome::Dropped("/control drop"),
            Self::Close { frame, why } => server_close(socket, frame, why).await,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct LiveSessions {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    sessions: HashMap<u64, Entry>,
    last_key: u64,
    /// While in the future, upgrades are refused as if the server were restarting.
    down_until: Option<Instant>,
}

#[derive(Debug)]
struct Entry {
    client: Option<String>,
    commands: mpsc::UnboundedSender<Command>,
}

impl LiveSessions {
    /// Lists a session until the returned registration is dropped, however its task ends.
    pub fn register(self: &Arc<Self>, client: Option<&str>) -> Registration {
        let (commands, received) = mpsc::unbounded_channel();
        let mut inner = self.inner();
        // A session whose upgrade was accepted just before a restart began would otherwise
        // outlive the restart it missed.
        if inner.is_down() {
            let _ = commands.send(restart_close());
        }
        inner.last_key += 1;
        let key = inner.last_key;
        inner.sessions.insert(
            key,
            Entry {
                client: client.map(str::to_owned),
                commands,
            },
        );
        Registration {
            live: Arc::clone(self),
            key,
            commands: received,
            silenced: false,
            stalled: false,
        }
    }

    /// Hands `command` to every session tagged `client`; returns how many got it.
    pub fn command(&self, client: &str, command: &Command) -> usize {
        self.inner()
            .sessions
            .values()
            .filter(|entry| entry.client.as_deref() == Some(client))
            .filter(|entry| entry.commands.send(command.clone()).is_ok())
            .count()
    }

    /// Closes every session with 1012 (service restart) and refuses upgrades for `down_for`;
    /// returns how many sessions were told to close.
    pub fn restart(&self, down_for: Duration) -> usize {
        let mut inner = self.inner();
        inner.down_until = Some(Instant::now() + down_for);
        inner
            .sessions
            .values()
            .filter(|entry| entry.commands.send(restart_close()).is_ok())
            .count()
    }

    /// How long upgrades are still refused after a restart, if they are.
    pub fn downtime_left(&self) -> Option<Duration> {
        let until = self.inner().down_until?;
        Some(until.saturating_duration_since(Instant::now())).filter(|left| !left.is_zero())
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // Nothing panics while holding the lock, and the map stays usable even if it did.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Inner {
    fn is_down(&self) -> bool {
        self.down_until.is_some_and(|until| Instant::now() < until)
    }
}

fn restart_close() -> Command {
    Command::Close {
        frame: CloseFrame {
            code: close_code::RESTART,
            reason: Utf8Bytes::from_static("service restart"),
        },
        why: "/control restart",
    }
}

/// A session's place in [`LiveSessions`]: the commands sent to it, and whether it was
/// silenced. Leaves the list on drop.
#[must_use = "the session is reachable by /control only while this registration lives"]
#[derive(Debug)]
pub(crate) struct Registration {
    live: Arc<LiveSessions>,
    key: u64,
    commands: mpsc::UnboundedReceiver<Command>,
    silenced: bool,
    stalled: bool,
}

impl Registration {
    /// Waits for a command that ends the session, noting silence on the way. Returns `None`
    /// once the session is stalled, so the caller's `select!` checks its guards again and
    /// stops reading. Cancel-safe, so it can be one branch of a `select!` that runs on every
    /// loop.
    pub async fn next_stop(&mut self) -> Option<Stop> {
        std::future::poll_fn(|cx| self.poll_stop(cx)).await
    }

    /// [`next_stop`](Self::next_stop) for code that polls: `Ready` as `next_stop` returns.
    pub fn poll_stop(&mut self, cx: &mut Context<'_>) -> Poll<Option<Stop>> {
        loop {
            match ready!(self.commands.poll_recv(cx)) {
                Some(Command::Silence) => self.silenced = true,
                Some(Command::Stall) => {
                    self.silenced = true;
                    self.stalled = true;
                    return Poll::Ready(None);
                }
                Some(Command::Drop) => return Poll::Ready(Some(Stop::Drop)),
                Some(Command::Close { frame, why }) => {
                    return Poll::Ready(Some(Stop::Close { frame, why }));
                }
                // The sender lives in the list until this registration leaves it: never
                // reached.
                None => return Poll::Pending,
            }
        }
    }

    /// [`next_stop`](Self::next_stop), or the server shutting down, which closes the session
    /// with 1001 and comes first. Cancel-safe, like `next_stop`.
    pub async fn next_stop_or_shutdown(&mut self, shutdown: &CancellationToken) -> Option<Stop> {
        tokio::select! {
            biased;
            () = shutdown.cancelled() => Some(Stop::Close {
                frame: going_away(),
                why: "shutdown",
            }),
            stop = self.next_stop() => stop,
        }
    }

    /// Whether `/control` silenced the session: it then sends nothing but the close frames
    /// it is asked for.
    pub fn is_silenced(&self) -> bool {
        self.silenced
    }

    /// Whether `/control` stalled the session: it then reads nothing (and is silenced).
    pub fn is_stalled(&self) -> bool {
        self.stalled
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.live.inner().sessions.remove(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_restart_close(stop: &Stop) -> bool {
        matches!(stop, Stop::Close { frame, .. } if frame.code == close_code::RESTART)
    }

    #[tokio::test]
    async fn commands_reach_only_the_sessions_of_that_client() {
        let live = Arc::new(LiveSessions::default());
        let mut first = live.register(Some("a"));
        let mut second = live.register(Some("a"));
        let other = live.register(Some("b"));
        let untagged = live.register(None);

        assert_eq!(live.command("a", &Command::Silence), 2);
        assert_eq!(live.command("a", &Command::Drop), 2);
        assert_eq!(live.command("nobody", &Command::Drop), 0);
        for registration in [&mut first, &mut second] {
            assert!(matches!(registration.next_stop().await, Some(Stop::Drop)));
            assert!(registration.is_silenced());
        }
        assert!(!other.is_silenced() && !untagged.is_silenced());

        drop(first);
        assert_eq!(live.command("a", &Command::Silence), 1);
    }

    #[tokio::test]
    async fn restart_closes_everybody_and_counts_down() {
        let live = Arc::new(LiveSessions::default());
        let mut tagged = live.register(Some("a"));
        let mut untagged = live.register(None);
        assert_eq!(live.downtime_left(), None);

        assert_eq!(live.restart(Duration::from_secs(60)), 2);
        assert!(is_restart_close(&tagged.next_stop().await.expect("a stop")));
        assert!(is_restart_close(
            &untagged.next_stop().await.expect("a stop")
        ));
        let left = live.downtime_left().unwrap_or_default();
        assert!(left > Duration::from_secs(59), "{left:?}");

        // A session that registers during the downtime missed the restart: it closes too.
        let mut late = live.register(Some("late"));
        assert!(is_restart_close(&late.next_stop().await.expect("a stop")));

        live.restart(Duration::ZERO);
        assert_eq!(live.downtime_left(), None);
    }
}
