//! The socket's figures as signals, and how they are refreshed: the socket reports no event
//! when only its round-trip time or queue changes, so they are read again at every event and
//! after every call that may change them.

use std::time::Duration;

use leptos::prelude::*;
use resocket::{Sender, State};

/// The signals behind [`UseSocket`](crate::UseSocket)'s read-only ones.
#[derive(Clone, Copy)]
pub(crate) struct Figures {
    pub(crate) state: RwSignal<State>,
    pub(crate) retry_count: RwSignal<u32>,
    pub(crate) rtt: RwSignal<Option<Duration>>,
    pub(crate) queued_count: RwSignal<usize>,
}

impl Figures {
    pub(crate) fn new() -> Self {
        Figures {
            state: RwSignal::new(State::Connecting),
            retry_count: RwSignal::new(0),
            rtt: RwSignal::new(None),
            queued_count: RwSignal::new(0),
        }
    }

    /// Reads the socket's figures into the signals; only those that changed notify.
    pub(crate) fn refresh<Out, C>(&self, sender: &Sender<Out, C>) {
        set_if_changed(self.state, sender.state());
        set_if_changed(self.retry_count, sender.retry_count());
        set_if_changed(self.rtt, sender.rtt());
        set_if_changed(self.queued_count, sender.queued_count());
    }
}

/// Sets `signal` unless it holds `value` already; a disposed signal (the component is gone) is
/// left alone.
pub(crate) fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.try_with_untracked(|current| *current != value) == Some(true) {
        signal.try_set(value);
    }
}
