//! [`Figures`]: what a view shows of a socket.

use std::time::Duration;

use resocket::{Sender, State};

/// A socket's figures, read at one moment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figures {
    /// The connection state; `Waiting` is the wait before a retry.
    pub state: State,
    /// Retries since the last connection that lasted `min_uptime`.
    pub retry_count: u32,
    /// The round-trip time of the last heartbeat pong; `None` from each open until that
    /// connection's first pong, and without a heartbeat.
    pub rtt: Option<Duration>,
    /// Messages waiting for the connection to open.
    pub queued_count: usize,
}

impl Figures {
    /// The figures of `sender`'s socket now.
    pub fn of<Out, C>(sender: &Sender<Out, C>) -> Self {
        Figures {
            state: sender.state(),
            retry_count: sender.retry_count(),
            rtt: sender.rtt(),
            queued_count: sender.queued_count(),
        }
    }

    /// The figures of a socket that is not there (yet): `state`, and nothing retried, measured
    /// or queued.
    pub fn without_socket(state: State) -> Self {
        Figures {
            state,
            retry_count: 0,
            rtt: None,
            queued_count: 0,
        }
    }
}
