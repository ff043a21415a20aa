//! A simulated browser for resocket's sans-IO core ([`resocket_core::Machine`]): a fake clock,
//! the driver's one timer and a fake socket, for native tests of what a socket does.
//!
//! resocket's `Socket` needs a browser (natively, `Socket::open` fails with
//! `Error::NotInBrowser`), but every decision it makes (when to retry and how long to wait,
//! when to give up, what the queue keeps, what goes again after a drop, when a silent
//! connection is closed) is the machine's, and the machine runs anywhere. With this crate an
//! app's native tests drive the machine its `Config` makes through drops, failed attempts,
//! silence, offline spells and page suspends, in simulated time, and check what the socket
//! would do: the same events, in the same order, as in the browser.
//!
//! ```
//! use std::time::Duration;
//! use resocket::Config;
//! use resocket_sim::{Event, Sim};
//!
//! // The config the app opens its socket with.
//! let config = Config::new("wss://example.com/live")
//!     .min_delay(Duration::from_millis(500))
//!     .jitter(0.0)
//!     .max_retries(3);
//!
//! let mut sim = Sim::new(config.policy().clone());
//! sim.connect();
//! sim.open();
//! sim.send("hello").unwrap();
//! assert_eq!(sim.transmitted, ["hello"]);
//!
//! // The server goes away for good: the connection drops, then every attempt fails.
//! sim.drop_connection();
//! assert_eq!(sim.retry_delays(), [500]);
//! sim.take_events();
//! sim.advance(500);
//! assert_eq!(sim.fail_attempts(2), [1_000, 2_000]); // waited out in simulated time
//! sim.drop_connection(); // the third retry fails too: no fourth
//! let events = sim.take_events();
//! assert!(matches!(events.last(), Some(Event::RetriesExhausted { retries: 3 })));
//! assert_eq!(sim.now, 3_500.0);
//!
//! // Sent while closed: refused, not queued (reconnect() opens it again).
//! assert!(sim.send("later").is_err());
//! ```
//!
//! The events are the machine's ([`Event`]); a socket's `resocket::Event<In>` is made from
//! each (`resocket::Event::from(event)`), so a test can compare them with what the app
//! handles.
//!
//! A [`Sim`] answers URL requests at once, records every output (`log`, `events`,
//! `transmitted`, `closes`, ...) and asserts that the machine never asks for something a real
//! browser driver could not do. The core's own suite (`core/tests/core/`) and the fuzz
//! targets use it too: its `Driver` carries out outputs the way the browser drivers do (in
//! order, with the inputs that outputs trigger joining the same queue), and what a suite
//! records or checks on top is its [`Layer`].
#![deny(missing_docs)]

pub mod bounds;
mod browser;
mod clock;
mod driver;
mod fixtures;
mod inputs;
mod layer;
mod recorder;
pub mod session;
mod sim;
mod wire;

pub use browser::{Socket, URL};
pub use driver::Driver;
pub use fixtures::{closed, exact};
pub use layer::Layer;
pub use recorder::{Closure, Recorder};
/// The machine's events and states, as [`Sim`] records them.
pub use resocket_core::{Event, State};
pub use sim::Sim;
pub use wire::Wire;
