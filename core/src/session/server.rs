//! The server's side of a session: answering `hello` and `resume`, and keeping the session
//! between connections. Which session a `resume` names, whether its key matches and whether
//! the application lets this connection take it are the adapter's to find out (its store,
//! [`same_secret`](super::same_secret), its hook); this is what follows.

use super::client::Accepted;
use super::control::{Control, Identity, Terms};
use super::incoming::{AckPolicy, Incoming};
use super::outgoing::{Outgoing, WindowFull};
use super::{ProtocolError, VERSION};
use crate::WireSize;

/// What the first frame of a connection asks for, once read.
#[derive(Debug, PartialEq, Eq)]
pub enum Opening {
    /// A new session, with the client's terms.
    Start {
        /// The client's terms.
        terms: Terms,
    },
    /// The session `identity` names, from the client's `next` on.
    Resume {
        /// The session the client names (its key still to be checked).
        identity: Identity,
        /// The server's messages the client has received.
        next: u64,
        /// The client's terms.
        terms: Terms,
    },
}

impl Opening {
    /// Reads the first frame of a connection: `hello` or `resume`, in a version this side
    /// speaks. Anything else is a protocol error.
    pub fn read(first: &str) -> Result<Opening, ProtocolError> {
        match Control::parse(first)? {
            Control::Hello { version, terms } => {
                check_version(version)?;
                Ok(Opening::Start { terms })
            }
            Control::Resume {
                version,
                identity,
                next,
                terms,
            } => {
                check_version(version)?;
                Ok(Opening::Resume {
                    identity,
                    next,
                    terms,
                })
            }
            Control::Welcome { .. } | Control::Ack { .. } | Control::Ping | Control::Pong => Err(
                ProtocolError::new("a connection must start with hello or resume"),
            ),
        }
    }
}

fn check_version(version: u32) -> Result<(), ProtocolError> {
    if version != VERSION {
        return Err(ProtocolError::new("an unsupported protocol version"));
    }
    Ok(())
}

/// What a shared store keeps of a session's exchange, for [`ServerSession::restored`].
#[derive(Debug)]
pub struct StoredCounts<F> {
    /// The server's messages the client acknowledged.
    pub acknowledged: u64,
    /// The server's messages after those, unacknowledged, oldest first.
    pub unacknowledged: Vec<F>,
    /// The client's messages received in the whole session.
    pub received: u64,
}

/// One session as the server keeps it, across its client's connections.
#[derive(Debug)]
pub struct ServerSession<F> {
    identity: Identity,
    outgoing: Outgoing<F>,
    incoming: Incoming,
    terms: Terms,
    /// Whether the client of the current (or last) connection reads batch frames.
    client_reads_batches: bool,
    /// Whether a connection carries the session now.
    connected: bool,
    /// When the last connection went away, while none carries the session.
    disconnected_at: Option<f64>,
}

impl<F: WireSize + Clone> ServerSession<F> {
    /// A new session named `identity` (its id and key drawn by the adapter from a CSPRNG), for
    /// a client that announced `client`; returns it with the `welcome` to send.
    pub fn start(
        identity: Identity,
        terms: Terms,
        acks: AckPolicy,
        client: Terms,
    ) -> (Self, Control) {
        let session = ServerSession {
            identity,
            outgoing: Outgoing::new(terms.window),
            incoming: Incoming::new(acks, client.window),
            terms,
            client_reads_batches: client.batches,
            connected: true,
            disconnected_at: None,
        };
        let welcome = session.welcome(false);
        (session, welcome)
    }

    /// A session another server kept, taken up here from a shared store: `acknowledged` of
    /// its messages were acknowledged by the client and `unacknowledged` follow them (all
    /// counted as sent), `received` of the client's messages were received. It waits, from
    /// `now`, for the connection that asked for it, which [`resume`](Self::resume)s it.
    pub fn restored(
        identity: Identity,
        terms: Terms,
        acks: AckPolicy,
        stored: StoredCounts<F>,
        now: f64,
    ) -> Self {
        let mut incoming = Incoming::new(acks, 0);
        incoming.restore(stored.received);
        ServerSession {
            identity,
            outgoing: Outgoing::restored(terms.window, stored.acknowledged, stored.unacknowledged),
            incoming,
            terms,
            // The connection that resumes it says.
            client_reads_batches: false,
            connected: false,
            disconnected_at: Some(now),
        }
    }

    /// The session's client resumes it on a new connection, having received `next` of its
    /// messages (the adapter has checked the key and asked the application). Returns the
    /// `welcome` to send, then the messages to send again, in order. A `next` the session
    /// cannot serve (before what the client acknowledged, or beyond what was sent) is a
    /// protocol error: the adapter closes the connection and keeps the session as it was.
    pub fn resume(&mut self, next: u64, client: Terms) -> Result<(Control, Vec<F>), ProtocolError> {
        if next < self.outgoing.acknowledged() || next > self.outgoing.sent() {
            return Err(ProtocolError::new("a resume this session cannot serve"));
        }
        let replay = self.outgoing.resume_from(next)?.cloned().collect();
        self.outgoing.all_transmitted();
        self.incoming.reconnected();
        self.incoming.set_peer_window(client.window);
        self.client_reads_batches = client.batches;
        self.connected = true;
        self.disconnected_at = None;
        Ok((self.welcome(true), replay))
    }

    fn welcome(&self, resumed: bool) -> Control {
        Control::Welcome {
            identity: self.identity.clone(),
            next: self.incoming.received(),
            resumed,
            terms: self.terms,
        }
    }

    /// The connection went away at `now`: the session waits for its client.
    pub fn disconnected(&mut self, now: f64) {
        self.connected = false;
        self.disconnected_at = Some(now);
    }

    /// Whether the session has waited longer than `lifetime_ms` for its client, and may go.
    pub fn expired(&self, now: f64, lifetime_ms: f64) -> bool {
        self.disconnected_at
            .is_some_and(|since| now - since >= lifetime_ms)
    }

    /// Sends `frame` to the client: transmit it now, or keep it for the client's return.
    /// Refused while the unacknowledged messages fill the window.
    pub fn send(&mut self, frame: F) -> Result<Accepted, WindowFull<F>> {
        self.outgoing.push(frame)?;
        if self.connected {
            self.outgoing.all_transmitted();
            return Ok(Accepted::Transmit);
        }
        Ok(Accepted::Kept)
    }

    /// A control frame arrived on the session's connection after its first: an ack, or a
    /// ping. Returns the frame to answer with, if any (`~pong` for a ping).
    pub fn control(&mut self, control: Control) -> Result<Option<Control>, ProtocolError> {
        match control {
            Control::Ack { received } => self.outgoing.acknowledge(received).map(|()| None),
            Control::Ping => Ok(Some(Control::Pong)),
            _ => Err(ProtocolError::new("a control frame out of turn")),
        }
    }

    /// A message of `size` bytes arrived at `now`. Returns whether to acknowledge at once.
    pub fn message(&mut self, size: u64, now: f64) -> Result<bool, ProtocolError> {
        self.incoming.receive(size, now)
    }

    /// When an acknowledgement falls due, if one is owed and a connection carries the
    /// session.
    pub fn ack_deadline(&self) -> Option<f64> {
        self.connected.then(|| self.incoming.deadline()).flatten()
    }

    /// The acknowledgement to send now, if one is owed.
    pub fn take_ack(&mut self) -> Option<Control> {
        if !self.connected {
            return None;
        }
        let received = self.incoming.take_ack()?;
        Some(Control::Ack { received })
    }

    /// Whether a send of `size` bytes would be accepted now.
    pub fn has_room(&self, size: u64) -> bool {
        self.outgoing.has_room(size)
    }

    /// Who the session is.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The unacknowledged messages, for the store's memory bound.
    pub fn outgoing(&self) -> &Outgoing<F> {
        &self.outgoing
    }

    /// The client's window: the bytes of messages it may send beyond the last
    /// acknowledgement. A server that reads on while its application falls behind holds at
    /// most this much it has not counted as received.
    pub fn client_window(&self) -> u64 {
        self.incoming.peer_window()
    }

    /// The client's messages received in the whole session.
    pub fn received(&self) -> u64 {
        self.incoming.received()
    }

    /// Whether the client of the current (or last) connection reads batch frames: the adapter
    /// may then send the text messages of one turn, or those already queued, in one frame
    /// ([`Batch`](super::Batch) bounds it).
    pub fn client_reads_batches(&self) -> bool {
        self.client_reads_batches
    }
}
