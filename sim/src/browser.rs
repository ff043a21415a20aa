//! The fake browser: the live socket and the last URL request, kept up to date from outputs
//! and inputs, with the checks that the machine never asks for something a real driver could
//! not do: a second live socket, a send on a socket that is not open, or a close of a socket
//! that is not the live one.

use resocket_core::{ConnId, Input, Output};

use crate::driver::Driver;

/// The URL the simulated fixed-URL provider resolves to.
pub const URL: &str = "wss://example.test/live";

/// The live socket as the simulated browser sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Socket {
    /// Its id.
    pub conn: ConnId,
    /// The open event was fed.
    pub open: bool,
    /// The machine asked to close it (`Output::Close`).
    pub closing: bool,
    /// It offered the session subprotocol (`Output::Connect`'s `session`).
    pub offers_session: bool,
}

impl<F, L> Driver<F, L> {
    /// Carries out `output` on the fake browser, asserting that a real one could.
    pub(crate) fn apply_output(&mut self, output: &Output<F>) {
        match output {
            Output::ResolveUrl { conn } => self.resolving = Some(*conn),
            Output::Connect { conn, url, session } => {
                assert!(
                    self.socket.is_none(),
                    "{conn:?} created while {:?} lives",
                    self.socket
                );
                assert_eq!(
                    self.resolving,
                    Some(*conn),
                    "{conn:?} connects without its URL"
                );
                assert_eq!(url, URL);
                self.socket = Some(Socket {
                    conn: *conn,
                    open: false,
                    closing: false,
                    offers_session: *session,
                });
            }
            Output::Transmit(_) => self.assert_sendable("transmit"),
            Output::TransmitBatch(frames) => {
                assert!(frames.len() > 1, "a batch of {} messages", frames.len());
                self.assert_sendable("batch");
            }
            Output::Ping => self.assert_sendable("ping"),
            Output::Control(_) => self.assert_sendable("control frame"),
            Output::MeasureBuffered { .. } => self.assert_sendable("measure"),
            Output::Close { conn, .. } => {
                let socket = self.socket.as_mut().expect("close with no live socket");
                assert_eq!(socket.conn, *conn, "close names a socket that is not live");
                socket.closing = true;
            }
            Output::Abandon { conn, .. } => {
                let socket = self.socket.take().expect("abandon with no live socket");
                assert_eq!(
                    socket.conn, *conn,
                    "abandon names a socket that is not live"
                );
            }
            Output::RunSetup { .. } => self.assert_sendable("setup step"),
            Output::RequestFailed { .. }
            | Output::Removed { .. }
            | Output::Resumed { .. }
            | Output::AwaitTurnEnd
            | Output::Emit(_) => {}
        }
    }

    /// Updates the fake browser for an input about to be fed: the live socket opens, or is
    /// gone once its close (or the browser's refusal to create it) is reported.
    pub(crate) fn apply_input(&mut self, input: &Input) {
        let Some(socket) = self.socket.as_mut() else {
            return;
        };
        match *input {
            Input::Opened { conn, .. } if conn == socket.conn => socket.open = true,
            Input::Closed { conn, .. } | Input::OpenFailed { conn, .. } if conn == socket.conn => {
                self.socket = None;
            }
            _ => {}
        }
    }

    fn assert_sendable(&self, what: &str) {
        let socket = self
            .socket
            .unwrap_or_else(|| panic!("{what} with no live socket"));
        assert!(socket.open && !socket.closing, "{what} on {socket:?}");
    }
}
