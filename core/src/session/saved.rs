//! A client's session as a page keeps it across a reload (in `sessionStorage`, say): who it
//! is, how far each side got, and the messages the server has not acknowledged. The faces
//! store the messages themselves (they are the faces' values); the rest is one line of text,
//! written and read here so both faces agree on it.

use super::ProtocolError;
use super::control::{Fields, Identity, decimal};

/// The first word of a saved session's header, with the format's version.
const HEADER_KIND: &str = "resocket-session";
const HEADER_VERSION: u64 = 1;

/// A client's session, saved to be resumed by a later page ([`ClientSession::restored`](super::ClientSession::restored)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved<F> {
    /// The session.
    pub identity: Identity,
    /// The server's messages received in the whole session.
    pub received: u64,
    /// The client's messages the server acknowledged in the whole session: the first of
    /// `unacknowledged` is numbered this.
    pub acknowledged: u64,
    /// The client's messages the server has not acknowledged, oldest first. A restored
    /// session counts them all as handed to a connection: a server that still has the session
    /// says which it lacks; one that lost it makes them the messages of unknown fate.
    pub unacknowledged: Vec<F>,
}

/// What a saved session's header holds: everything but the messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedHeader {
    /// The session.
    pub identity: Identity,
    /// The server's messages received in the whole session.
    pub received: u64,
    /// The client's messages the server acknowledged in the whole session.
    pub acknowledged: u64,
}

impl<F> Saved<F> {
    /// The header line: `resocket-session v=1 id=I key=K epoch=E received=R acknowledged=A`.
    /// It holds the session's key: keep it where the page keeps its own secrets.
    pub fn header(&self) -> String {
        // Written without `std::fmt`, as control frames are (see `Control::encode`).
        let Identity { id, key, epoch } = &self.identity;
        [
            HEADER_KIND,
            " v=",
            &decimal(HEADER_VERSION),
            " id=",
            id,
            " key=",
            key,
            " epoch=",
            epoch,
            " received=",
            &decimal(self.received),
            " acknowledged=",
            &decimal(self.acknowledged),
        ]
        .concat()
    }

    /// A saved session from its `header` and its messages.
    pub fn from_parts(header: SavedHeader, unacknowledged: Vec<F>) -> Self {
        Saved {
            identity: header.identity,
            received: header.received,
            acknowledged: header.acknowledged,
            unacknowledged,
        }
    }
}

impl SavedHeader {
    /// Reads a header line as [`Saved::header`] writes it. Storage is the page's to tamper
    /// with, so anything else is an error, never a panic.
    pub fn read(text: &str) -> Result<SavedHeader, ProtocolError> {
        let mut words = text.split(' ');
        if words.next() != Some(HEADER_KIND) {
            return Err(ProtocolError::new("not a saved session"));
        }
        let fields = Fields::read(words)?;
        if fields.count("v")? != HEADER_VERSION {
            return Err(ProtocolError::new("a saved session of another version"));
        }
        Ok(SavedHeader {
            identity: fields.identity()?,
            received: fields.count("received")?,
            acknowledged: fields.count("acknowledged")?,
        })
    }
}
