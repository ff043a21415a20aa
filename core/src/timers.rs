//! The machine's timers, private to it: a driver sees only the earliest deadline
//! ([`Machine::poll_timeout`](super::Machine::poll_timeout)) and reports when it has come
//! ([`Machine::handle_timeout`](super::Machine::handle_timeout)), as in quinn-proto and str0m.

use super::io::Timer;

/// At most one pending deadline per kind, on the machine's clock.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    /// When each armed timer is due, and the count of starts when it was started: timers due
    /// at the same moment fire in the order they were started.
    due: [Option<(f64, u64)>; Timer::ALL.len()],
    starts: u64,
}

impl Timers {
    /// Arms `timer` for `at`, replacing its pending deadline.
    pub(crate) fn start(&mut self, timer: Timer, at: f64) {
        self.starts += 1;
        self.due[timer.index()] = Some((at, self.starts));
    }

    pub(crate) fn stop(&mut self, timer: Timer) {
        self.due[timer.index()] = None;
    }

    /// When `timer` is due, if it is armed.
    pub(crate) fn due(&self, timer: Timer) -> Option<f64> {
        self.due[timer.index()].map(|(at, _)| at)
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<f64> {
        self.due
            .iter()
            .flatten()
            .map(|&(at, _)| at)
            .min_by(f64::total_cmp)
    }

    /// How many timers were started so far: [`take_due`](Self::take_due) fires only those
    /// started up to a mark, so that a timer armed by a firing (a zero delay) waits for the
    /// driver's next turn.
    pub(crate) fn mark(&self) -> u64 {
        self.starts
    }

    /// Disarms and returns the earliest timer due by `now` that was started by `mark`, with
    /// its deadline.
    pub(crate) fn take_due(&mut self, now: f64, mark: u64) -> Option<(Timer, f64)> {
        let (timer, at) = Timer::ALL
            .into_iter()
            .filter_map(|timer| self.due[timer.index()].map(|due| (timer, due)))
            .filter(|&(_, (at, started))| at <= now && started <= mark)
            .min_by(|(_, a), (_, b)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .map(|(timer, (at, _))| (timer, at))?;
        self.stop(timer);
        Some((timer, at))
    }
}
