//! The socket's figures as signals.

use std::time::Duration;

use dioxus::prelude::*;
use resocket::State;
use resocket_hook::Figures;

/// The signals behind [`UseSocket`](crate::UseSocket)'s read-only ones.
#[derive(Clone, Copy)]
pub(crate) struct FigureSignals {
    pub(crate) state: Signal<State>,
    pub(crate) retry_count: Signal<u32>,
    pub(crate) rtt: Signal<Option<Duration>>,
    pub(crate) queued_count: Signal<usize>,
}

impl FigureSignals {
    pub(crate) fn new(figures: Figures) -> Self {
        FigureSignals {
            state: Signal::new(figures.state),
            retry_count: Signal::new(figures.retry_count),
            rtt: Signal::new(figures.rtt),
            queued_count: Signal::new(figures.queued_count),
        }
    }

    /// Shows `figures`; only the signals whose value changed notify.
    pub(crate) fn show(mut self, figures: Figures) {
        set_if_changed(&mut self.state, figures.state);
        set_if_changed(&mut self.retry_count, figures.retry_count);
        set_if_changed(&mut self.rtt, figures.rtt);
        set_if_changed(&mut self.queued_count, figures.queued_count);
    }
}

/// Sets `signal` unless it holds `value` already; one dropped with its component is left
/// alone.
fn set_if_changed<T: PartialEq + 'static>(signal: &mut Signal<T>, value: T) {
    if signal.try_peek().is_ok_and(|current| *current != value)
        && let Ok(mut current) = signal.try_write()
    {
        *current = value;
    }
}
