//! The core tests' layer: it records every output, with the time, for tests to assert on, and
//! models the live socket's `bufferedAmount` as tests set it.

use resocket_core::{ConnId, Event, Machine, Output, Removal, RequestFailure, State, Timer};

use crate::layer::Layer;
use crate::wire::Wire;

/// A `Close` or `Abandon` the machine asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closure {
    /// The socket it names.
    pub conn: ConnId,
    /// The close code.
    pub code: u16,
    /// The close reason.
    pub reason: String,
}

/// What a driver for `Machine<String>` saw the machine ask for, in order.
#[derive(Debug, Default)]
pub struct Recorder {
    /// Every output carried out, with the time.
    pub log: Vec<(f64, Output<String>)>,
    /// Every event emitted but state changes, with the time; [`Recorder::take_events`]
    /// drains it.
    pub events: Vec<(f64, Event)>,
    /// Every [`Event::StateChanged`], with the time, kept apart so that the tests of other
    /// events need not list them.
    pub states: Vec<(f64, State)>,
    /// When each socket was created.
    pub connects: Vec<(f64, ConnId)>,
    /// Frames handed to an open socket, in order; in session mode the messages, whether they
    /// went alone or in a batch.
    pub transmitted: Vec<String>,
    /// In session mode, every batch frame sent: its messages.
    pub batches: Vec<Vec<String>>,
    /// When each ping was sent.
    pub pings: Vec<f64>,
    /// The live socket's `bufferedAmount`: what the simulated browser has not transmitted.
    /// Tests set it; it answers `MeasureBuffered` and goes with the next close. Unused when
    /// `wire` models the browser's buffer.
    pub unsent_bytes: u64,
    /// The browser's send buffer and the network behind it, when a test models them.
    pub wire: Option<Wire>,
    /// The heartbeat ping's size, as the machine was told.
    ping_size: u64,
    /// How many `MeasureBuffered` the machine asked for.
    pub measures: usize,
    /// Every `Close` the machine asked for.
    pub closes: Vec<Closure>,
    /// Every `Abandon` the machine asked for.
    pub abandons: Vec<Closure>,
    /// Every control frame sent (session mode), in order.
    pub controls: Vec<String>,
    /// Every `Resumed` output (session mode): recovered, and the messages of unknown fate.
    pub resumptions: Vec<(bool, Vec<String>)>,
    /// Every setup step the machine started: its socket, attempt and whether the session was
    /// resumed.
    pub setups: Vec<(ConnId, u32, bool)>,
    /// Every request the machine failed, in order.
    pub failed_requests: Vec<(u64, RequestFailure)>,
    /// Every message the machine took back before a socket had it, with the time, in order.
    pub removed: Vec<(f64, String, Removal)>,
    /// Every change of the machine's timers, seen after each call: when, which, and its new
    /// deadline (`None`: stopped, or fired).
    pub timer_log: Vec<(f64, Timer, Option<f64>)>,
    timers_seen: [Option<f64>; Timer::ALL.len()],
}

impl Recorder {
    /// A recorder for a machine told that the heartbeat ping is `bytes` long, so that a
    /// modelled [`Wire`] holds pings at that size.
    pub fn with_ping_size(bytes: u64) -> Recorder {
        Recorder {
            ping_size: bytes,
            ..Recorder::default()
        }
    }

    /// The events emitted since the last call.
    pub fn take_events(&mut self) -> Vec<Event> {
        self.events.drain(..).map(|(_, event)| event).collect()
    }

    /// The states reported since the last call.
    pub fn take_states(&mut self) -> Vec<State> {
        self.states.drain(..).map(|(_, state)| state).collect()
    }

    /// The delays of the `Reconnecting` events emitted since the last `take_events`.
    pub fn retry_delays(&self) -> Vec<u32> {
        self.events
            .iter()
            .filter_map(|(_, event)| match event {
                Event::Reconnecting { delay_ms, .. } => Some(*delay_ms),
                _ => None,
            })
            .collect()
    }

    /// The live socket's final `bufferedAmount`, as it closes: whatever it still held never
    /// reaches the server.
    pub fn take_buffered_amount(&mut self) -> u64 {
        let unsent_bytes = self.buffered_amount();
        self.unsent_bytes = 0;
        if let Some(wire) = &mut self.wire {
            wire.buffer.clear();
        }
        unsent_bytes
    }
}

impl Layer<String> for Recorder {
    fn carry_out(&mut self, output: &Output<String>, _machine: &Machine<String>, now: f64) {
        self.log.push((now, output.clone()));
        match output {
            Output::ResolveUrl { .. } => {}
            Output::Connect { conn, .. } => self.connects.push((now, *conn)),
            Output::Transmit(frame) => {
                if let Some(wire) = &mut self.wire {
                    wire.buffer
                        .push_back((Some(frame.clone()), frame.len() as u64));
                }
                self.transmitted.push(frame.clone());
            }
            Output::TransmitBatch(frames) => {
                self.transmitted.extend(frames.iter().cloned());
                self.batches.push(frames.clone());
            }
            Output::Ping => {
                if let Some(wire) = &mut self.wire {
                    wire.buffer.push_back((None, self.ping_size));
                }
                self.pings.push(now);
            }
            Output::MeasureBuffered { .. } => self.measures += 1,
            Output::AwaitTurnEnd => {}
            Output::Control(text) => self.controls.push(text.clone()),
            Output::Resumed {
                recovered,
                unacknowledged,
            } => self.resumptions.push((*recovered, unacknowledged.clone())),
            Output::Close { conn, code, reason } => self.closes.push(Closure {
                conn: *conn,
                code: *code,
                reason: reason.clone(),
            }),
            Output::Abandon { conn, code, reason } => self.abandons.push(Closure {
                conn: *conn,
                code: *code,
                reason: reason.clone(),
            }),
            Output::RunSetup {
                conn,
                attempt,
                resumed,
            } => self.setups.push((*conn, *attempt, *resumed)),
            Output::RequestFailed { id, failure } => self.failed_requests.push((*id, *failure)),
            Output::Removed { frame, reason } => self.removed.push((now, frame.clone(), *reason)),
            Output::Emit(Event::StateChanged(state)) => self.states.push((now, *state)),
            Output::Emit(event) => self.events.push((now, event.clone())),
        }
    }

    fn buffered_amount(&self) -> u64 {
        match &self.wire {
            Some(wire) => wire.unsent(),
            None => self.unsent_bytes,
        }
    }

    /// Logs the timers that changed since the last call.
    fn settled(&mut self, machine: &Machine<String>, now: f64) {
        for timer in Timer::ALL {
            let due = machine.timer_due(timer);
            if std::mem::replace(&mut self.timers_seen[timer.index()], due) != due {
                self.timer_log.push((now, timer, due));
            }
        }
    }
}
