//! Resumable sessions (`resocket_core::session`): control frames read from any text, and a
//! client and a server joined by a link that drops connections with frames on the wire,
//! driven by random sends, deliveries, drops and clock steps, with hostile frames (any text as
//! a control frame, a message before the handshake) thrown in at either end.
//! - reading a control frame never panics, and what it reads writes back to the same frame;
//! - nothing panics or overflows, whatever either end receives;
//! - with no hostile frame, neither end finds a protocol error and each received what the
//!   other sent, once and in order, but for what a lost session reported (its sender told).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use resocket_core::session::Control;
use resocket_sim::session::{Run, Step as Honest, Wire};

#[derive(Arbitrary, Debug)]
enum Step {
    ClientSend,
    ServerSend,
    DeliverToServer,
    DeliverToClient,
    Drop,
    Connect,
    Advance(u8),
    /// A hostile frame at the server: any text as a control frame, or a message.
    ToServer(String, bool),
    /// A hostile frame at the client.
    ToClient(String, bool),
}

#[derive(Arbitrary, Debug)]
struct Input {
    text: String,
    steps: Vec<Step>,
}

fn hostile(text: String, control: bool) -> Wire {
    if control {
        Wire::Control(text)
    } else {
        Wire::Message(text)
    }
}

fuzz_target!(|input: Input| {
    if let Ok(control) = Control::parse(&input.text) {
        assert_eq!(Control::parse(&control.encode()), Ok(control));
    }

    let mut run = Run::default();
    let mut attacked = false;
    for step in input.steps.into_iter().take(2_000) {
        let step = match step {
            Step::ClientSend => Honest::ClientSend,
            Step::ServerSend => Honest::ServerSend,
            Step::DeliverToServer => Honest::DeliverToServer,
            Step::DeliverToClient => Honest::DeliverToClient,
            Step::Drop => Honest::Drop,
            Step::Connect => Honest::Connect,
            Step::Advance(ms) => Honest::Advance(ms),
            Step::ToServer(text, control) => {
                attacked = true;
                run.link.to_server.push_front(hostile(text, control));
                continue;
            }
            Step::ToClient(text, control) => {
                attacked = true;
                run.link.to_client.push_front(hostile(text, control));
                continue;
            }
        };
        run.step(step);
    }
    run.settle();
    if !attacked {
        run.check().unwrap();
    }
});
