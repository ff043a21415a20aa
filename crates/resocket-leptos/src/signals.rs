//! The socket's figures as signals.

use std::time::Duration;

use leptos::prelude::*;
use resocket::State;
use resocket_hook::Figures;

/// The signals behind [`UseSocket`](crate::UseSocket)'s read-only ones.
#[derive(Clone, Copy)]
pub(crate) struct FigureSignals {
    pub(crate) state: RwSignal<State>,
    pub(crate) retry_count: RwSignal<u32>,
    pub(crate) rtt: RwSignal<Option<Duration>>,
    pub(crate) queued_count: RwSignal<usize>,
}

impl FigureSignals {
    pub(crate) fn new(figures: Figures) -> Self {
        FigureSignals {
            state: RwSignal::new(figures.state),
            retry_count: RwSignal::new(figures.retry_count),
            rtt: RwSignal::new(figures.rtt),
            queued_count: RwSignal::new(figures.queued_count),
        }
    }

    /// Shows `figures`; only the signals whose value changed notify.
    pub(crate) fn show(&self, figures: Figures) {
        set_if_changed(self.state, figures.state);
        set_if_changed(self.retry_count, figures.retry_count);
        set_if_changed(self.rtt, figures.rtt);
        set_if_changed(self.queued_count, figures.queued_count);
    }
}

/// Sets `signal` unless it holds `value` already; a disposed signal (the component is gone) is
/// left alone.
fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.try_with_untracked(|current| *current != value) == Some(true) {
        signal.try_set(value);
    }
}
