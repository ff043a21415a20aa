//! Shorthands for the inputs a test feeds: the user's requests, the URL provider's answers and
//! the live socket's events.

use resocket_core::{ConnId, Input, Received, WireSize};

use crate::browser::URL;
use crate::driver::Driver;
use crate::layer::Layer;

impl<F: Clone + WireSize, L: Layer<F>> Driver<F, L> {
    /// Connects, with the network as the machine last heard of it.
    pub fn connect(&mut self) {
        let online = !self.machine.is_offline();
        self.input(Input::Connect { online });
    }

    /// The user closes with `code` and `reason`.
    pub fn close(&mut self, code: u16, reason: &str) {
        self.input(Input::Close {
            code,
            reason: reason.into(),
        });
    }

    /// Reconnects by hand, with the network as the machine last heard of it.
    pub fn reconnect(&mut self) {
        let online = !self.machine.is_offline();
        self.input(Input::Reconnect {
            code: 1000,
            reason: "reconnect".into(),
            online,
        });
    }

    /// The page comes back from the back/forward cache, with the network as the machine last
    /// heard of it.
    pub fn resume(&mut self) {
        let online = !self.machine.is_offline();
        self.input(Input::Resume { online });
    }

    /// The live socket's id; panics if there is none.
    pub fn conn(&self) -> ConnId {
        self.socket.expect("a live socket").conn
    }

    /// Answers the pending URL request with [`URL`].
    pub fn resolve(&mut self) {
        let conn = self.resolving.expect("a URL request");
        self.resolve_for(conn);
    }

    /// The URL provider fails the pending request with `error`.
    pub fn fail_url(&mut self, error: &str) {
        let conn = self.resolving.expect("a URL request");
        self.fail_url_for(conn, error);
    }

    /// Answers attempt `conn`'s URL request with [`URL`], whether or not it is pending.
    pub fn resolve_for(&mut self, conn: ConnId) {
        self.input(Input::UrlResolved {
            conn,
            url: URL.into(),
        });
    }

    /// The URL provider fails attempt `conn`'s request with `error`, whether or not it is
    /// pending.
    pub fn fail_url_for(&mut self, conn: ConnId, error: &str) {
        self.input(Input::UrlFailed {
            conn,
            error: error.into(),
        });
    }

    /// The browser refused to create the live socket.
    pub fn fail_open(&mut self, error: &str) {
        let conn = self.conn();
        self.input(Input::OpenFailed {
            conn,
            error: error.into(),
        });
    }

    /// The live socket opens, with the session protocol's subprotocol selected when the
    /// attempt offered it (as a server that speaks the protocol does).
    pub fn open(&mut self) {
        let conn = self.conn();
        let offered = self.socket.is_some_and(|socket| socket.offers_session);
        let protocol = match offered {
            true => resocket_core::session::SUBPROTOCOL.to_owned(),
            false => String::new(),
        };
        self.input(Input::Opened { conn, protocol });
    }

    /// A session frame arrives on the live socket.
    pub fn receive_session(&mut self, frame: resocket_core::SessionFrame<'_>) -> Received {
        let conn = self.conn();
        let received = self.machine.receive_session(conn, frame, self.now);
        self.run();
        received
    }

    /// A one-byte message arrives on the live socket.
    pub fn receive(&mut self) -> Received {
        let conn = self.conn();
        self.receive_on(conn, 1, false)
    }

    /// The heartbeat's pong arrives on the live socket.
    pub fn pong(&mut self) -> Received {
        let conn = self.conn();
        self.receive_on(conn, 4, true)
    }

    /// The setup step on the live socket finished.
    pub fn setup_done(&mut self) {
        let conn = self.conn();
        self.input(Input::SetupDone { conn });
    }

    /// The live socket reports an error.
    pub fn socket_error(&mut self) {
        let conn = self.conn();
        self.input(Input::SocketError { conn });
    }
}
