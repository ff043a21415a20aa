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
use resocket_sim::session::{Link, Wire, once_in_order_or_reported};

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

    let mut link = Link::new();
    let (mut client_sent, mut server_sent) = (Vec::new(), Vec::new());
    let mut attacked = false;
    for step in input.steps.into_iter().take(2_000) {
        match step {
            Step::ClientSend => {
                let text = format!("c{}", client_sent.len());
                if link.client_send(&text) {
                    client_sent.push(text);
                }
            }
            Step::ServerSend => {
                let text = format!("s{}", server_sent.len());
                if link.server_send(&text) {
                    server_sent.push(text);
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
            Step::ToServer(text, control) => {
                attacked = true;
                link.to_server.push_front(hostile(text, control));
            }
            Step::ToClient(text, control) => {
                attacked = true;
                link.to_client.push_front(hostile(text, control));
            }
            Step::Drop | Step::Connect => {}
        }
    }
    if !link.connected {
        link.open();
    }
    link.settle();
    if attacked {
        return;
    }
    assert!(
        link.protocol_errors.is_empty(),
        "{:?}",
        link.protocol_errors
    );
    let client_reported = link.client_reported();
    once_in_order_or_reported(&link.server_got, &client_sent, &client_reported).unwrap();
    once_in_order_or_reported(&link.client_got, &server_sent, &link.server_reported).unwrap();
});
