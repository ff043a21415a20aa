//! The fake clock and the driver's one timer, armed for whatever `Machine::poll_timeout`
//! names, as a real driver keeps it.

use resocket_core::{Timer, WireSize};

use crate::driver::Driver;
use crate::layer::Layer;

impl<F: Clone + WireSize, L: Layer<F>> Driver<F, L> {
    /// Moves the clock on by `ms`, with the driver's one timer firing at each deadline the
    /// machine names.
    pub fn advance(&mut self, ms: u32) {
        let until = self.now + f64::from(ms);
        while let Some(at) = self.machine.poll_timeout().filter(|&at| at <= until) {
            self.now = self.now.max(at);
            self.fire_timer();
        }
        self.now = until;
    }

    /// The page stalls for `ms` (frozen, or its timers throttled): the clock moves on with no
    /// timer firing, then the driver's timer fires now, late, until nothing is due.
    pub fn stall(&mut self, ms: u32) {
        self.now += f64::from(ms);
        while self.machine.poll_timeout().is_some_and(|at| at <= self.now) {
            self.fire_timer();
        }
    }

    /// The driver's timer fires now, whether or not anything is due, and the outputs are
    /// carried out.
    pub fn fire_timer(&mut self) {
        self.machine.handle_timeout(self.now);
        self.run();
    }

    /// Milliseconds until `timer` fires, if it is pending.
    pub fn due_in(&self, timer: Timer) -> Option<f64> {
        self.machine.timer_due(timer).map(|at| at - self.now)
    }

    /// The timers pending, in `Timer::ALL` order.
    pub fn pending_timers(&self) -> Vec<Timer> {
        Timer::ALL
            .into_iter()
            .filter(|&timer| self.machine.timer_due(timer).is_some())
            .collect()
    }
}
