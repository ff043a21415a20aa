//! [`Sim`]: the driver the core tests use, for `Machine<String>` with a [`Recorder`] on top,
//! and the steps those tests take that need the recorder.

use resocket_core::{Input, Machine, MessageId, Policy, Rejected, SendOptions, Sent};

use crate::driver::Driver;
use crate::recorder::Recorder;

/// A simulated driver for `Machine<String>` that records every output.
pub type Sim = Driver<String, Recorder>;

impl Sim {
    /// A closed machine with `policy` and a fixed jitter seed.
    pub fn new(policy: Policy) -> Sim {
        Sim::with_seed(policy, 1)
    }

    /// A closed machine with `policy` and the jitter seed `seed`.
    pub fn with_seed(policy: Policy, seed: u64) -> Sim {
        let machine = Machine::new(policy, seed).expect("valid policy");
        Driver::with_layer(machine, Recorder::default())
    }

    /// A closed machine told that the heartbeat ping is `bytes` long.
    pub fn with_ping_size(policy: Policy, bytes: u64) -> Sim {
        let machine = Machine::new(policy, 1)
            .expect("valid policy")
            .with_ping_size(bytes);
        Driver::with_layer(machine, Recorder::with_ping_size(bytes))
    }

    /// Connected and open at time 0, with the events so far drained.
    pub fn open_with(policy: Policy) -> Sim {
        let mut sim = Sim::new(policy);
        sim.connect();
        sim.open();
        sim.take_events();
        sim
    }

    /// Sends `frame` and carries out the outputs.
    pub fn send(&mut self, frame: &str) -> Result<Sent, Rejected<String>> {
        let sent = self.machine.send(frame.to_string());
        self.run();
        sent
    }

    /// Sends `frame` with `options` and carries out the outputs.
    pub fn send_with(
        &mut self,
        frame: &str,
        options: SendOptions,
    ) -> Result<(Sent, MessageId), Rejected<String>> {
        let sent = self.machine.send_with(frame.to_string(), options, self.now);
        self.run();
        sent
    }

    /// Cancels message `id` and carries out the outputs; whether it was taken back.
    pub fn cancel(&mut self, id: MessageId) -> bool {
        let cancelled = self.machine.cancel(id);
        self.run();
        cancelled
    }

    /// Sends `frame` as a request with `timeout_ms`.
    pub fn request(&mut self, frame: &str, timeout_ms: u32) -> Result<u64, Rejected<String>> {
        let id = self
            .machine
            .request(frame.to_string(), timeout_ms, self.now);
        self.run();
        id
    }

    /// The live socket closes cleanly with `code`, and no `should_reconnect` predicate objects.
    pub fn server_close(&mut self, code: u16, reason: &str) {
        self.socket_closed(code, reason, true, true);
    }

    /// The live socket closes cleanly with `code`, and the predicate vetoes a reconnect.
    pub fn server_close_vetoed(&mut self, code: u16, reason: &str) {
        self.socket_closed(code, reason, true, false);
    }

    /// The live socket is lost without a close frame (1006).
    pub fn drop_connection(&mut self) {
        self.socket_closed(1006, "", false, true);
    }

    /// The live socket closes with `code` and `reason`; `allowed` is the `should_reconnect`
    /// predicate's answer. Whatever it still held is reported unsent and lost.
    pub fn socket_closed(&mut self, code: u16, reason: &str, was_clean: bool, allowed: bool) {
        let conn = self.conn();
        let unsent_bytes = self.take_buffered_amount();
        self.input(Input::Closed {
            conn,
            code,
            reason: reason.into(),
            was_clean,
            unsent_bytes,
            reconnect_allowed: allowed,
        });
    }

    /// Fails attempts by dropping each socket before it opens, `count` times, waiting out
    /// every retry delay; returns the delays in order.
    pub fn fail_attempts(&mut self, count: usize) -> Vec<u32> {
        let mut delays = Vec::new();
        for _ in 0..count {
            self.drop_connection();
            let delay = *self.retry_delays().last().expect("a retry");
            self.take_events();
            delays.push(delay);
            self.advance(delay);
        }
        delays
    }
}
