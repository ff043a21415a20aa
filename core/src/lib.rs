//! resocket's sans-IO connection core: every decision of a reconnecting WebSocket, no IO.
//!
//! [`Machine`] takes [`Input`]s with the current time and produces [`Output`]s for a driver to
//! carry out, plus one deadline ([`Machine::poll_timeout`]). Nothing here touches a socket,
//! reads a clock or draws randomness, so the whole behaviour is tested natively with a
//! simulated clock and can be fuzzed. resocket's Rust API and its npm package's engine both
//! drive it; a native or server-side driver can too.
#![deny(missing_docs)]

pub mod backoff;
pub mod close;
mod control;
mod event;
mod heartbeat;
mod in_flight;
mod incoming;
mod io;
mod machine;
mod policy;
mod queue;
mod requests;
pub mod session;
mod timers;

pub use backoff::Backoff;
pub use close::CloseCodeError;
pub use control::{MessageId, Removal, SendOptions};
pub use event::{Closed, Event, Failure, Rejected, SendError, Sent, State};
pub use heartbeat::HeartbeatTiming;
pub use in_flight::WireSize;
pub use incoming::{Received, SessionFrame};
pub use io::{ConnId, Input, Output, Timer};
pub use machine::Machine;
pub use policy::{
    DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_SETUP_TIMEOUT_MS, MAX_TIMER_MS, Policy, PolicyError,
    PolicyOption,
};
pub use queue::Overflow;
pub use requests::{Answered, LATE_IDS_KEPT, RequestFailure};
