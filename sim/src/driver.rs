//! The driver itself: the machine under test, its fake browser and clock, a layer on top, and
//! the loop that carries out outputs.

use std::ops::{Deref, DerefMut};

use resocket_core::{ConnId, Input, Machine, Output, Received, WireSize};

use crate::browser::{Socket, URL};
use crate::layer::Layer;

/// A simulated driver for `Machine<F>`, with the layer `L` recording or checking on top.
///
/// It carries out outputs the way `src/driver.rs` does in the browser: in order, with the
/// inputs that outputs trigger (a fixed URL's answer, a `bufferedAmount` reading) joining the
/// same queue. It derefs to its layer, so that a suite reads the layer's records as the
/// driver's own (`sim.transmitted`).
pub struct Driver<F, L> {
    /// The machine under test.
    pub machine: Machine<F>,
    /// Simulated time in milliseconds.
    pub now: f64,
    /// Answer every `ResolveUrl` at once with [`URL`], like a driver with a fixed URL. When
    /// false, the request waits in `resolving` for an `UrlResolved` or `UrlFailed` input.
    pub auto_resolve: bool,
    /// The last attempt that asked for a URL.
    pub resolving: Option<ConnId>,
    /// The socket that exists: from `Output::Connect` until `Input::Closed` (or
    /// `Input::OpenFailed`) is fed for it or `Output::Abandon` names it.
    pub socket: Option<Socket>,
    /// What the suite records or checks on top.
    pub layer: L,
    /// The machine asked to hear when the current turn of the event loop ends.
    pub turn_awaited: bool,
    /// A test runs several calls in one turn ([`Driver::in_one_turn`]): the turn ends after
    /// the last. Otherwise each call is a turn of its own, which ends once its outputs are
    /// carried out, as a browser's microtasks run before the next task.
    pub holding_turn: bool,
}

impl<F: Clone + WireSize, L: Layer<F>> Driver<F, L> {
    /// Drives `machine` from time 0, with `layer` on top and URLs answered at once.
    pub fn with_layer(machine: Machine<F>, layer: L) -> Self {
        Driver {
            machine,
            now: 0.0,
            auto_resolve: true,
            resolving: None,
            socket: None,
            layer,
            turn_awaited: false,
            holding_turn: false,
        }
    }

    /// Runs `calls` in one turn of the event loop, which ends once they are done.
    pub fn in_one_turn<R>(&mut self, calls: impl FnOnce(&mut Self) -> R) -> R {
        let held = std::mem::replace(&mut self.holding_turn, true);
        let result = calls(self);
        self.holding_turn = held;
        self.run();
        result
    }

    /// Feeds `input` at the current time and carries out the outputs.
    pub fn input(&mut self, input: Input) {
        self.feed(input);
        self.run();
    }

    /// A message of `size` arrives on socket `conn`; `pong` when it equals the pong.
    pub fn receive_on(&mut self, conn: ConnId, size: u64, pong: bool) -> Received {
        let received = self.machine.receive(conn, size, pong, self.now);
        self.run();
        received
    }

    /// Carries out the machine's outputs, oldest first, until there are none: each on the fake
    /// browser, then through the layer, then the input it triggers, whose outputs join the
    /// back of the same queue.
    pub fn run(&mut self) {
        loop {
            while let Some(output) = self.machine.poll_output() {
                self.apply_output(&output);
                self.layer.carry_out(&output, &self.machine, self.now);
                self.turn_awaited |= matches!(output, Output::AwaitTurnEnd);
                if let Some(reply) = self.reply(&output) {
                    self.feed(reply);
                }
            }
            if self.holding_turn || !std::mem::take(&mut self.turn_awaited) {
                break;
            }
            self.feed(Input::TurnEnded);
        }
        self.layer.settled(&self.machine, self.now);
    }

    /// Hands `input` to the machine, with the fake browser updated first; its outputs wait
    /// for the next [`Driver::run`].
    fn feed(&mut self, input: Input) {
        self.apply_input(&input);
        self.machine.handle(input, self.now);
    }

    /// The input that carrying out `output` triggers at once, if any: the fixed URL, or the
    /// live socket's `bufferedAmount`.
    fn reply(&self, output: &Output<F>) -> Option<Input> {
        match *output {
            Output::ResolveUrl { conn } if self.auto_resolve => Some(Input::UrlResolved {
                conn,
                url: URL.into(),
            }),
            Output::MeasureBuffered { conn } => Some(Input::Buffered {
                conn,
                unsent_bytes: self.layer.buffered_amount(),
            }),
            _ => None,
        }
    }
}

impl<F, L> Deref for Driver<F, L> {
    type Target = L;

    fn deref(&self) -> &L {
        &self.layer
    }
}

impl<F, L> DerefMut for Driver<F, L> {
    fn deref_mut(&mut self) -> &mut L {
        &mut self.layer
    }
}
