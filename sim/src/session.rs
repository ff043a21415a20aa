//! A resumable session's two ends (`resocket_core::session`) joined by an in-memory link that
//! can drop a connection with frames still on the wire, for the core's tests and the fuzz
//! target: what a client and a server adapter do with the frames, minus the sockets.

use std::collections::VecDeque;

use resocket_core::session::{
    Accepted, AckPolicy, ClientSession, Control, DEFAULT_WINDOW, Identity, Opening, ProtocolError,
    ServerSession, Terms, Welcomed, token,
};

/// The terms both ends announce: the default window, batches read.
pub const TERMS: Terms = Terms {
    window: DEFAULT_WINDOW,
    batches: true,
};

/// The identity of the `n`th session the link's server starts.
pub fn identity(n: u8) -> Identity {
    Identity {
        id: token(&[n; 16]),
        key: token(&[n.wrapping_add(100); 16]),
        epoch: "e1".into(),
    }
}

/// A server of one session, fed a client's frames as text: for tests that drive a client's
/// machine through its connections by hand.
#[derive(Default)]
pub struct SessionServer {
    /// The session, once a client started one.
    pub session: Option<ServerSession<String>>,
}

impl SessionServer {
    /// A server with no session yet (or one whose store is gone).
    pub fn new() -> SessionServer {
        SessionServer::default()
    }

    /// Answers the client's first frame, `hello` or `resume`: the frames to send back, the
    /// welcome then what the client lacks. A resume of a session this server does not have
    /// starts a new one (session 1, [`TERMS`]).
    pub fn open(&mut self, first: &str) -> Vec<String> {
        match Opening::read(first).expect("hello or resume") {
            Opening::Resume {
                identity: asked,
                next,
                terms,
            } if self
                .session
                .as_ref()
                .is_some_and(|s| s.identity() == &asked) =>
            {
                let session = self.session.as_mut().expect("checked");
                let (welcome, replay) = session.resume(next, terms).expect("a resume it can serve");
                let mut frames = vec![welcome.encode()];
                frames.extend(replay);
                frames
            }
            Opening::Start { terms } | Opening::Resume { terms, .. } => {
                let (session, welcome) =
                    ServerSession::start(identity(1), TERMS, AckPolicy::default(), terms);
                self.session = Some(session);
                vec![welcome.encode()]
            }
        }
    }
}

/// A frame on the wire.
#[derive(Clone, Debug)]
pub enum Wire {
    /// A control frame's text.
    Control(String),
    /// A message.
    Message(String),
}

/// A client and a server (with a store of one session), and the frames on the wire between
/// them, one connection at a time.
pub struct Link {
    /// The client's end.
    pub client: ClientSession<String>,
    /// The server's end, once a client said hello.
    pub server: Option<ServerSession<String>>,
    /// Frames on their way to the server, oldest first.
    pub to_server: VecDeque<Wire>,
    /// Frames on their way to the client, oldest first.
    pub to_client: VecDeque<Wire>,
    /// Whether a connection is up.
    pub connected: bool,
    /// The messages the client received, in order.
    pub client_got: Vec<String>,
    /// The messages the server received, in order.
    pub server_got: Vec<String>,
    /// What each welcome settled for the client.
    pub client_events: Vec<Welcomed<String>>,
    /// What a server session replaced before its client learned of it still held: the
    /// server's application is told these may not have arrived.
    pub server_reported: Vec<String>,
    /// Acknowledgements the client sent.
    pub acks_sent: usize,
    /// Protocol errors either end found (each closed the connection).
    pub protocol_errors: Vec<ProtocolError>,
    /// Simulated time, in milliseconds.
    pub now: f64,
    /// Sessions the server started.
    pub sessions: u8,
}

impl Default for Link {
    fn default() -> Self {
        Link::new()
    }
}

impl Link {
    /// A client with no session and no connection, and a server with no session.
    pub fn new() -> Link {
        Link {
            client: ClientSession::new(TERMS, AckPolicy::default()),
            server: None,
            to_server: VecDeque::new(),
            to_client: VecDeque::new(),
            connected: false,
            client_got: Vec::new(),
            server_got: Vec::new(),
            client_events: Vec::new(),
            server_reported: Vec::new(),
            acks_sent: 0,
            protocol_errors: Vec::new(),
            now: 0.0,
            sessions: 0,
        }
    }

    /// Opens a connection and puts the client's first frame on the wire.
    pub fn open(&mut self) {
        self.connected = true;
        let first = self.client.opened().encode();
        self.to_server.push_back(Wire::Control(first));
    }

    /// Opens a connection and delivers everything, handshake included.
    pub fn connect(&mut self) {
        self.open();
        self.settle();
    }

    /// The connection dies with whatever is on the wire.
    pub fn drop_connection(&mut self) {
        self.connected = false;
        self.to_server.clear();
        self.to_client.clear();
        self.client.disconnected();
        if let Some(server) = &mut self.server {
            server.disconnected(self.now);
        }
    }

    /// The client's application sends `text`; false when the window refused it.
    pub fn client_send(&mut self, text: &str) -> bool {
        match self.client.send(text.to_owned()) {
            Ok(Accepted::Transmit) => {
                self.to_server.push_back(Wire::Message(text.to_owned()));
                true
            }
            Ok(Accepted::Kept) => true,
            Err(_) => false,
        }
    }

    /// The server's application sends `text`; false when there is no session or the window
    /// refused it.
    pub fn server_send(&mut self, text: &str) -> bool {
        let Some(server) = &mut self.server else {
            return false;
        };
        match server.send(text.to_owned()) {
            Ok(Accepted::Transmit) => {
                self.to_client.push_back(Wire::Message(text.to_owned()));
                true
            }
            Ok(Accepted::Kept) => true,
            Err(_) => false,
        }
    }

    /// Delivers everything on the wire, both ways, until it is empty.
    pub fn settle(&mut self) {
        while self.step_server() | self.step_client() {}
    }

    /// Delivers one frame to the server; false when none waits.
    pub fn step_server(&mut self) -> bool {
        let Some(frame) = self.to_server.pop_front() else {
            return false;
        };
        if let Err(error) = self.server_reads(frame) {
            self.protocol_error(error);
        }
        true
    }

    fn server_reads(&mut self, frame: Wire) -> Result<(), ProtocolError> {
        match frame {
            Wire::Control(text) if text.starts_with("~hello") || text.starts_with("~resume") => {
                self.open_on_server(&text)
            }
            Wire::Control(text) => {
                let server = self.server.as_mut().ok_or_else(no_session)?;
                if let Some(reply) = server.control(Control::parse(&text)?)? {
                    self.to_client.push_back(Wire::Control(reply.encode()));
                }
                Ok(())
            }
            Wire::Message(text) => {
                let server = self.server.as_mut().ok_or_else(no_session)?;
                let ack_now = server.message(text.len() as u64, self.now)?;
                self.server_got.push(text);
                if ack_now && let Some(ack) = server.take_ack() {
                    self.to_client.push_back(Wire::Control(ack.encode()));
                }
                Ok(())
            }
        }
    }

    /// The server reads a connection's first frame, as an adapter with a one-session store:
    /// a resume of the session it has goes on, anything else starts a new one.
    fn open_on_server(&mut self, first: &str) -> Result<(), ProtocolError> {
        let welcome = match Opening::read(first)? {
            Opening::Start { terms } => self.start_session(terms),
            Opening::Resume {
                identity,
                next,
                terms,
            } => match &mut self.server {
                Some(server) if server.identity() == &identity => {
                    let (welcome, replay) = server.resume(next, terms)?;
                    self.to_client.push_back(Wire::Control(welcome.encode()));
                    self.to_client.extend(replay.into_iter().map(Wire::Message));
                    return Ok(());
                }
                _ => self.start_session(terms),
            },
        };
        self.to_client.push_back(Wire::Control(welcome.encode()));
        Ok(())
    }

    fn start_session(&mut self, client: Terms) -> Control {
        self.sessions = self.sessions.wrapping_add(1);
        let (server, welcome) =
            ServerSession::start(identity(self.sessions), TERMS, AckPolicy::default(), client);
        // A session whose client never learned of it (its welcome died on the wire) is
        // abandoned: it would expire, its application told what it still held.
        if let Some(old) = self.server.replace(server) {
            self.server_reported.extend(old.outgoing().iter().cloned());
        }
        welcome
    }

    /// Delivers one frame to the client; false when none waits.
    pub fn step_client(&mut self) -> bool {
        let Some(frame) = self.to_client.pop_front() else {
            return false;
        };
        if let Err(error) = self.client_reads(frame) {
            self.protocol_error(error);
        }
        true
    }

    fn client_reads(&mut self, frame: Wire) -> Result<(), ProtocolError> {
        match frame {
            Wire::Control(text) => {
                if let Some(welcomed) = self.client.control(Control::parse(&text)?)? {
                    let resend = match &welcomed {
                        Welcomed::Resumed { replay } => replay.clone(),
                        Welcomed::Started { transmit, .. } => transmit.clone(),
                    };
                    self.to_server.extend(resend.into_iter().map(Wire::Message));
                    self.client_events.push(welcomed);
                }
            }
            Wire::Message(text) => {
                let ack_now = self.client.message(text.len() as u64, self.now)?;
                self.client_got.push(text);
                if ack_now {
                    self.send_client_ack();
                }
            }
        }
        Ok(())
    }

    fn send_client_ack(&mut self) {
        if let Some(ack) = self.client.take_ack() {
            self.acks_sent += 1;
            self.to_server.push_back(Wire::Control(ack.encode()));
        }
    }

    /// A side found a protocol error: it closes the connection (1002, in a real one).
    fn protocol_error(&mut self, error: ProtocolError) {
        self.protocol_errors.push(error);
        if self.connected {
            self.drop_connection();
        }
    }

    /// The clock moves on by `ms`: acknowledgements that fell due go out.
    pub fn advance(&mut self, ms: f64) {
        self.now += ms;
        if self.client.ack_deadline().is_some_and(|at| at <= self.now) {
            self.send_client_ack();
        }
        if let Some(server) = &mut self.server
            && server.ack_deadline().is_some_and(|at| at <= self.now)
            && let Some(ack) = server.take_ack()
        {
            self.to_client.push_back(Wire::Control(ack.encode()));
        }
    }

    /// The messages of each lost session the client was told may not have arrived.
    pub fn client_reported(&self) -> Vec<String> {
        (self.client_events.iter())
            .flat_map(|welcomed| match welcomed {
                Welcomed::Started { unacknowledged, .. } => unacknowledged.clone(),
                Welcomed::Resumed { .. } => Vec::new(),
            })
            .collect()
    }
}

fn no_session() -> ProtocolError {
    // Only a peer that skipped the handshake gets here.
    ProtocolError::new("a frame before hello or resume")
}

/// Whether `got` holds no message twice, keeps the order of `sent`, and misses only messages
/// in `reported` (whose sender was told their fate is unknown); the first violation if not.
pub fn once_in_order_or_reported(
    got: &[String],
    sent: &[String],
    reported: &[String],
) -> Result<(), String> {
    let mut position = 0;
    for message in got {
        match sent[position..].iter().position(|m| m == message) {
            Some(offset) => position += offset + 1,
            None => return Err(format!("{message} arrived twice or out of order")),
        }
    }
    match (sent.iter()).find(|m| !got.contains(m) && !reported.contains(m)) {
        Some(lost) => Err(format!("{lost} was lost silently")),
        None => Ok(()),
    }
}

/// One step of a random run over a [`Link`] (the core's property test and the fuzz target).
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// The client's application sends the next numbered message.
    ClientSend,
    /// The server's application sends the next numbered message.
    ServerSend,
    /// One frame reaches the server.
    DeliverToServer,
    /// One frame reaches the client.
    DeliverToClient,
    /// The connection dies with what is on the wire.
    Drop,
    /// A new connection opens.
    Connect,
    /// The clock moves on by this many milliseconds.
    Advance(u8),
}

/// A random run: a link, and what each side's application sent.
#[derive(Default)]
pub struct Run {
    /// The link.
    pub link: Link,
    /// What the client's application sent, in order (accepted sends only).
    pub client_sent: Vec<String>,
    /// What the server's application sent, in order.
    pub server_sent: Vec<String>,
}

impl Run {
    /// Takes `step`.
    pub fn step(&mut self, step: Step) {
        let link = &mut self.link;
        match step {
            Step::ClientSend => {
                let text = format!("c{}", self.client_sent.len());
                if link.client_send(&text) {
                    self.client_sent.push(text);
                }
            }
            Step::ServerSend => {
                let text = format!("s{}", self.server_sent.len());
                if link.server_send(&text) {
                    self.server_sent.push(text);
                }
            }
            Step::DeliverToServer => {
                link.step_server();
            }
            Step::DeliverToClient => {
                link.step_client();
            }
            Step::Drop if link.connected => link.drop_connection(),
            Step::Connect if !link.connected => link.open(),
            Step::Advance(ms) => link.advance(f64::from(ms)),
            Step::Drop | Step::Connect => {}
        }
    }

    /// Connects if need be and delivers everything.
    pub fn settle(&mut self) {
        if !self.link.connected {
            self.link.open();
        }
        self.link.settle();
    }

    /// After [`settle`](Self::settle): neither end found a protocol error, and each received
    /// what the other sent once and in order, but for what a lost session reported to its
    /// sender (and exactly what it sent when no session was lost). The first violation if not.
    pub fn check(&self) -> Result<(), String> {
        let link = &self.link;
        if !link.protocol_errors.is_empty() {
            return Err(format!("protocol errors: {:?}", link.protocol_errors));
        }
        let client_reported = link.client_reported();
        once_in_order_or_reported(&link.server_got, &self.client_sent, &client_reported)?;
        once_in_order_or_reported(&link.client_got, &self.server_sent, &link.server_reported)?;
        let lost = !client_reported.is_empty() || !link.server_reported.is_empty();
        if !lost && (link.server_got != self.client_sent || link.client_got != self.server_sent) {
            return Err("no session was lost, yet a side missed messages".into());
        }
        Ok(())
    }
}
