//! Property tests of the setup step over random sequences of sends, the step's own sends, its
//! end (done, failed, timed out), drops, reconnects by hand and clock advances, with a policy
//! that has a setup step. After every sequence:
//! - on every connection, the step's messages went out before any message sent by the user;
//! - every message the user sent was transmitted exactly once and in order, but those still
//!   queued (a suffix), as a drop here never leaves anything unsent in the browser;
//! - the setup step ran once per connection that opened, counting its attempts from 1;
//! - nothing panics.

use proptest::collection::vec;
use proptest::prelude::*;
use resocket_core::{Input, Output, Policy, State};
use resocket_sim::{Sim, exact};

#[derive(Clone, Debug)]
enum Op {
    Send,
    SetupSend,
    SetupDone,
    SetupFailed,
    Open,
    Drop,
    Reconnect,
    Advance(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Send),
        3 => Just(Op::SetupSend),
        2 => Just(Op::SetupDone),
        1 => Just(Op::SetupFailed),
        3 => Just(Op::Open),
        1 => Just(Op::Drop),
        1 => Just(Op::Reconnect),
        2 => (1u32..3_000).prop_map(Op::Advance),
    ]
}

/// Whether the live socket is open and its setup step runs: open, yet connecting.
fn setting_up(sim: &Sim) -> bool {
    sim.socket.is_some_and(|socket| socket.open) && sim.machine.state() == State::Connecting
}

proptest! {
    #[test]
    fn the_step_goes_first_on_every_connection_and_nothing_is_lost(ops in vec(op(), 1..120)) {
        let mut sim = Sim::new(Policy {
            setup_timeout_ms: Some(1_000),
            min_uptime_ms: 0,
            ..exact()
        });
        sim.connect();
        let mut accepted = Vec::new();
        let mut step_messages = 0;
        for op in ops {
            match op {
                Op::Send => {
                    let text = format!("u{}", accepted.len());
                    if sim.send(&text).is_ok() {
                        accepted.push(text);
                    }
                }
                Op::SetupSend if setting_up(&sim) => {
                    let conn = sim.conn();
                    let sent = sim.machine.send_setup(conn, format!("s{step_messages}"));
                    prop_assert!(sent.is_ok());
                    step_messages += 1;
                    sim.run();
                }
                Op::SetupDone if setting_up(&sim) => sim.setup_done(),
                Op::SetupFailed if setting_up(&sim) => {
                    let conn = sim.conn();
                    sim.input(Input::SetupFailed { conn, error: "no".into() });
                }
                Op::Open if sim.socket.is_some_and(|socket| !socket.open) => sim.open(),
                Op::Drop if sim.socket.is_some() => sim.drop_connection(),
                Op::Reconnect => sim.reconnect(),
                Op::Advance(ms) => sim.advance(ms),
                _ => {}
            }
        }
        // Every connection's transmissions, from its setup step on.
        let mut connections: Vec<Vec<String>> = Vec::new();
        let mut attempts = Vec::new();
        for (_, output) in &sim.log {
            match output {
                Output::RunSetup { attempt, .. } => {
                    attempts.push(*attempt);
                    connections.push(Vec::new());
                }
                Output::Transmit(frame) => {
                    prop_assert!(!connections.is_empty(), "{frame} before any setup step");
                    connections.last_mut().unwrap().push(frame.clone());
                }
                _ => {}
            }
        }
        for frames in &connections {
            let first_user = frames.iter().position(|f| f.starts_with('u')).unwrap_or(frames.len());
            prop_assert!(
                frames[first_user..].iter().all(|f| f.starts_with('u')),
                "a step's message after the queue: {frames:?}"
            );
        }
        let expected: Vec<u32> = (1..=attempts.len() as u32).collect();
        prop_assert_eq!(attempts, expected);
        let transmitted: Vec<&String> = sim.transmitted.iter().filter(|f| f.starts_with('u')).collect();
        let queued = sim.machine.queued_count();
        prop_assert_eq!(transmitted.len() + queued, accepted.len());
        prop_assert!(transmitted.iter().zip(&accepted).all(|(sent, accepted)| *sent == accepted));
    }
}
