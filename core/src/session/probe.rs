//! Telling a server that does not speak the protocol from one that is down. Browsers fail the
//! handshake of a connection that offered a subprotocol the server did not select (Chromium:
//! "Sent non-empty 'Sec-WebSocket-Protocol' header but no response was received"), so a plain
//! server looks like a failed attempt, retried forever. After an attempt fails before opening,
//! the next one offers no subprotocol: a server that opens it does not speak the protocol
//! (a session server refuses an upgrade without `resocket.v1`, `PROTOCOL.md`), and the client
//! closes it having sent nothing. One such probe per run of failures.

/// Where the machine is in deciding whether to probe.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Probe {
    /// Attempts offer the subprotocol.
    #[default]
    Offer,
    /// An attempt failed before opening: the next one is the probe.
    Due,
    /// The probe was made in this run of failures: attempts offer the subprotocol until a
    /// session is welcomed again.
    Made,
}

impl Probe {
    /// An attempt's handshake failed (closed or timed out before opening).
    pub(crate) fn handshake_failed(&mut self) {
        if *self == Probe::Offer {
            *self = Probe::Due;
        }
    }

    /// Whether the next attempt offers the subprotocol (false: it is the probe).
    pub(crate) fn next_offers(&mut self) -> bool {
        if *self == Probe::Due {
            *self = Probe::Made;
            return false;
        }
        true
    }

    /// A session was welcomed: a later run of failures probes again.
    pub(crate) fn welcomed(&mut self) {
        *self = Probe::Offer;
    }
}
