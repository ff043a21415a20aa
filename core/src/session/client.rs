//! The client's side of a session: the handshake on each connection, what is sent again after
//! a resume, and what the application is told when the session could not be resumed.

use super::batch::{Transmission, Turn};
use super::control::{Control, Identity, Terms};
use super::incoming::{AckPolicy, Incoming};
use super::outgoing::{Outgoing, WindowFull};
use super::saved::Saved;
use super::{ProtocolError, VERSION};
use crate::WireSize;

/// Where the client is in the handshake of the current connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// No connection.
    Disconnected,
    /// `hello` or `resume` sent, no `welcome` yet: messages wait.
    Handshaking,
    /// `welcome` received: messages go out as they are sent.
    Ready,
}

/// One client's session across its connections.
#[derive(Debug)]
pub struct ClientSession<F> {
    /// The session to resume on the next connection, once the server named one.
    identity: Option<Identity>,
    outgoing: Outgoing<F>,
    incoming: Incoming,
    terms: Terms,
    phase: Phase,
    /// Whether the server's terms say it reads batch frames.
    server_reads_batches: bool,
    /// The messages handed to the connection in the current turn of the event loop.
    turn: Turn<F>,
    /// The session was given up (the server broke the protocol): the next welcome starts a
    /// new one and reports what this one left unacknowledged.
    forgotten: bool,
}

/// What a `send` did with a message.
#[derive(Debug, PartialEq, Eq)]
pub enum Accepted {
    /// Transmit it now, through [`ClientSession::transmit`]: the session is ready.
    Transmit,
    /// Kept: it goes out once a connection has resumed the session.
    Kept,
}

/// What a `welcome` settled.
#[derive(Debug, PartialEq, Eq)]
pub enum Welcomed<F> {
    /// The session goes on: `replay` are the messages the server did not have, to transmit
    /// again, in order, before anything else.
    Resumed {
        /// The messages to transmit again.
        replay: Vec<F>,
    },
    /// A new session: the first one, or one that replaces a session the server no longer
    /// has. `unacknowledged` are the messages of the lost session whose fate cannot be known
    /// (they reached a connection and were never acknowledged): they are not sent again. Those
    /// that never left are in `transmit`, sent now as the new session's first messages.
    Started {
        /// Whether a previous session was lost (false for the first one).
        replaced: bool,
        /// The lost session's messages of unknown fate, oldest first.
        unacknowledged: Vec<F>,
        /// The messages to transmit now.
        transmit: Vec<F>,
    },
}

impl<F: WireSize + Clone> ClientSession<F> {
    /// No session yet; `terms` are the client's, `acks` when it acknowledges.
    pub fn new(terms: Terms, acks: AckPolicy) -> Self {
        ClientSession {
            identity: None,
            outgoing: Outgoing::new(terms.window),
            incoming: Incoming::new(acks, terms.window),
            terms,
            phase: Phase::Disconnected,
            server_reads_batches: false,
            turn: Turn::new(),
            forgotten: false,
        }
    }

    /// A client that resumes `identity` (restored after a page reload, say) having received
    /// `received` of the server's messages.
    pub fn resuming(terms: Terms, acks: AckPolicy, identity: Identity, received: u64) -> Self {
        let mut session = ClientSession::new(terms, acks);
        session.identity = Some(identity);
        session.incoming.restore(received);
        session
    }

    /// A client that resumes a session `saved` by an earlier page: the next connection
    /// resumes it, and the server's welcome says which of the saved messages it lacks.
    pub fn restored(terms: Terms, acks: AckPolicy, saved: Saved<F>) -> Self {
        let mut session = ClientSession::resuming(terms, acks, saved.identity, saved.received);
        session.outgoing =
            Outgoing::restored(terms.window, saved.acknowledged, saved.unacknowledged);
        session
    }

    /// The session as a page saves it to resume after a reload; none before the server named
    /// one.
    pub fn save(&self) -> Option<Saved<F>> {
        Some(Saved {
            identity: self.identity.clone()?,
            received: self.incoming.received(),
            acknowledged: self.outgoing.acknowledged(),
            unacknowledged: self.outgoing.iter().cloned().collect(),
        })
    }

    /// A connection opened: the frame to send first on it, `hello` or `resume`.
    pub fn opened(&mut self) -> Control {
        self.phase = Phase::Handshaking;
        self.turn.clear();
        self.incoming.reconnected();
        match &self.identity {
            Some(identity) => Control::Resume {
                version: VERSION,
                identity: identity.clone(),
                next: self.incoming.received(),
                terms: self.terms,
            },
            None => Control::Hello {
                version: VERSION,
                terms: self.terms,
            },
        }
    }

    /// Gives the session up (its server broke the protocol): the next connection says hello,
    /// and its welcome reports this session's unacknowledged messages.
    pub fn forget(&mut self) {
        self.forgotten |= self.identity.take().is_some();
        self.disconnected();
    }

    /// The connection was lost: messages wait for the next one.
    pub fn disconnected(&mut self) {
        self.phase = Phase::Disconnected;
        // What waited for the turn's end never left: the next welcome says where to go on.
        self.turn.clear();
    }

    /// Sends `frame`: transmit it now, or keep it for the next connection. Refused while the
    /// unacknowledged messages fill the window (backpressure: wait for acknowledgements).
    pub fn send(&mut self, frame: F) -> Result<Accepted, WindowFull<F>> {
        self.outgoing.push(frame)?;
        if self.phase == Phase::Ready {
            self.outgoing.all_transmitted();
            return Ok(Accepted::Transmit);
        }
        Ok(Accepted::Kept)
    }

    /// Takes out the messages never handed to a connection, oldest first (see
    /// [`Outgoing::hold_back`]): before a welcome, so that a setup step's messages are
    /// numbered ahead of them.
    pub fn hold_back(&mut self) -> std::collections::VecDeque<F> {
        self.outgoing.hold_back()
    }

    /// Keeps `frame`, accepted earlier and held back, as [`send`](Self::send) would, past the
    /// window if need be: transmit it now when the session is ready, as `send` says.
    pub fn send_accepted(&mut self, frame: F) -> Accepted {
        self.outgoing.push_accepted(frame);
        if self.phase == Phase::Ready {
            self.outgoing.all_transmitted();
            return Accepted::Transmit;
        }
        Accepted::Kept
    }

    /// Keeps `frames`, accepted earlier and held back, for the next connection, in order, past
    /// the window if need be: the connection they waited on is gone.
    pub fn give_back(&mut self, frames: impl IntoIterator<Item = F>) {
        for frame in frames {
            self.outgoing.push_accepted(frame);
        }
    }

    /// Hands `frame`, which [`send`](Self::send) said to transmit or a `welcome` listed, to the
    /// connection: `out` gets what goes out now, in order. To a server that reads batches the
    /// first message of a turn of the event loop goes out at once and the rest of the turn's
    /// wait to go out together (see [`Turn`]): true when `frame` opened a turn, and the driver
    /// is to call [`turn_ended`](Self::turn_ended) when it ends. To any other server every
    /// message goes out at once, alone.
    pub fn transmit(&mut self, frame: F, mut out: impl FnMut(Transmission<F>)) -> bool {
        if !self.server_reads_batches {
            out(Transmission::One(frame));
            return false;
        }
        let opened = self.turn.hand(frame, out);
        self.outgoing.all_transmitted_but(self.turn.held());
        opened
    }

    /// The turn of the event loop ended: `out` gets what waited for it, if the connection is
    /// still ready.
    pub fn turn_ended(&mut self, out: impl FnMut(Transmission<F>)) {
        if self.phase != Phase::Ready {
            self.turn.clear();
            return;
        }
        self.turn.end(out);
        self.outgoing.all_transmitted_but(0);
    }

    /// Takes back the kept message at `index` (0 the oldest kept) if no connection was ever
    /// handed it and none is about to be: never while the session is ready, as what it keeps
    /// then is on its way.
    pub fn withdraw(&mut self, index: usize) -> Option<F> {
        if self.phase == Phase::Ready {
            return None;
        }
        self.outgoing.withdraw(index)
    }

    /// Whether a send of `size` bytes would be accepted now.
    pub fn has_room(&self, size: u64) -> bool {
        self.outgoing.has_room(size)
    }

    /// A control frame arrived from the server.
    pub fn control(&mut self, control: Control) -> Result<Option<Welcomed<F>>, ProtocolError> {
        match (control, self.phase) {
            (Control::Ack { received }, Phase::Ready) => {
                self.outgoing.acknowledge(received)?;
                Ok(None)
            }
            (
                Control::Welcome {
                    identity,
                    next,
                    resumed,
                    terms,
                },
                Phase::Handshaking,
            ) => {
                let welcomed = self.welcome(identity, next, resumed)?;
                self.incoming.set_peer_window(terms.window);
                self.server_reads_batches = terms.batches;
                self.phase = Phase::Ready;
                self.outgoing.all_transmitted();
                Ok(Some(welcomed))
            }
            (Control::Ack { .. } | Control::Welcome { .. }, _) => {
                Err(ProtocolError::new("a control frame out of turn"))
            }
            (Control::Hello { .. } | Control::Resume { .. } | Control::Ping, _) => Err(
                ProtocolError::new("a client's control frame from the server"),
            ),
            // The heartbeat's answer: the machine's, which pings.
            (Control::Pong, _) => Ok(None),
        }
    }

    fn welcome(
        &mut self,
        identity: Identity,
        next: u64,
        resumed: bool,
    ) -> Result<Welcomed<F>, ProtocolError> {
        if resumed {
            let same = self.identity.as_ref().is_some_and(|ours| {
                ours.id == identity.id && ours.key == identity.key && ours.epoch == identity.epoch
            });
            if !same {
                return Err(ProtocolError::new("a resume of a session that is not ours"));
            }
            let replay = self.outgoing.resume_from(next)?.cloned().collect();
            return Ok(Welcomed::Resumed { replay });
        }
        if next != 0 {
            return Err(ProtocolError::new(
                "a new session that has received messages",
            ));
        }
        let replaced =
            self.identity.replace(identity).is_some() | std::mem::take(&mut self.forgotten);
        let unacknowledged = self.outgoing.restart();
        self.incoming.restart();
        let transmit = self.outgoing.iter().cloned().collect();
        Ok(Welcomed::Started {
            replaced,
            unacknowledged,
            transmit,
        })
    }

    /// A message of `size` bytes arrived at `now` (each message of a batch counts). Returns
    /// whether to acknowledge at once ([`take_ack`](Self::take_ack)).
    pub fn message(&mut self, size: u64, now: f64) -> Result<bool, ProtocolError> {
        if self.phase != Phase::Ready {
            return Err(ProtocolError::new("a message before the welcome"));
        }
        self.incoming.receive(size, now)
    }

    /// When an acknowledgement falls due, if one is owed and the session is ready.
    pub fn ack_deadline(&self) -> Option<f64> {
        (self.phase == Phase::Ready)
            .then(|| self.incoming.deadline())
            .flatten()
    }

    /// The acknowledgement to send now, if one is owed.
    pub fn take_ack(&mut self) -> Option<Control> {
        if self.phase != Phase::Ready {
            return None;
        }
        let received = self.incoming.take_ack()?;
        Some(Control::Ack { received })
    }

    /// The session, once the server named one.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }

    /// The server's messages received in the whole session.
    pub fn received(&self) -> u64 {
        self.incoming.received()
    }

    /// The unacknowledged messages.
    pub fn outgoing(&self) -> &Outgoing<F> {
        &self.outgoing
    }

    /// The client's terms.
    pub fn terms(&self) -> Terms {
        self.terms
    }

    /// Whether the session is ready (welcomed on the current connection).
    pub fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }
}
