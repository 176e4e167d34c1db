//! The consensus timer: a deadline in the caller's clock, with FISCO's back-off.
//!
//! The timeout of the `k`-th consecutive view change is `base × 1.5^min(k, 10)`; a
//! committed block resets `k`. The core never reads a clock: it stores a deadline in
//! the same milliseconds the driver passes to `handle`, and the driver asks
//! [`crate::Core::next_timeout`] when to call back.

/// The cap of the back-off exponent (FISCO's `changeCycle` cap).
pub const MAX_BACKOFF_CYCLE: u32 = 10;

#[derive(Debug, Clone)]
pub(crate) struct Timer {
    base_ms: u64,
    cycle: u32,
    deadline: Option<u64>,
}

impl Timer {
    pub(crate) fn new(base_ms: u64) -> Self {
        Timer {
            base_ms,
            cycle: 0,
            deadline: None,
        }
    }

    /// The current timeout: `base × 1.5^min(cycle, 10)`, in integers so that every node
    /// computes the same value.
    pub(crate) fn duration(&self) -> u64 {
        let k = self.cycle.min(MAX_BACKOFF_CYCLE);
        let scaled = u128::from(self.base_ms) * 3u128.pow(k) / 2u128.pow(k);
        u64::try_from(scaled).unwrap_or(u64::MAX)
    }

    pub(crate) fn deadline(&self) -> Option<u64> {
        self.deadline
    }

    pub(crate) fn cycle(&self) -> u32 {
        self.cycle
    }

    /// A new timeout before back-off, for the next start of the timer.
    pub(crate) fn set_base(&mut self, base_ms: u64) {
        self.base_ms = base_ms;
    }

    pub(crate) fn set_cycle(&mut self, cycle: u32) {
        self.cycle = cycle;
    }

    /// Start the timer if it is not running.
    pub(crate) fn arm(&mut self, now: u64) {
        if self.deadline.is_none() {
            self.restart(now);
        }
    }

    /// Run the timer from `now` with the current timeout.
    pub(crate) fn restart(&mut self, now: u64) {
        self.deadline = Some(now.saturating_add(self.duration()));
    }

    pub(crate) fn stop(&mut self) {
        self.deadline = None;
    }

    /// Count one more consecutive view change (the exponent stops growing at the cap).
    pub(crate) fn back_off(&mut self) {
        self.cycle = self.cycle.saturating_add(1);
    }

    /// A block was committed: no back-off, timer stopped.
    pub(crate) fn reset(&mut self) {
        self.cycle = 0;
        self.deadline = None;
    }

    pub(crate) fn expired(&self, now: u64) -> bool {
        self.deadline.is_some_and(|d| now >= d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_by_one_and_a_half_up_to_the_cap() {
        let mut t = Timer::new(3000);
        let mut seen = vec![t.duration()];
        for _ in 0..12 {
            t.back_off();
            seen.push(t.duration());
        }
        assert_eq!(&seen[..4], &[3000, 4500, 6750, 10125]);
        // 3000 × 1.5^10 = 172,995.1…; capped from cycle 10 on.
        assert_eq!(seen[10], 172_995);
        assert_eq!(seen[11], seen[10]);
        assert_eq!(seen[12], seen[10]);
        t.reset();
        assert_eq!(t.duration(), 3000);
        assert_eq!(t.deadline(), None);
    }

    #[test]
    fn a_new_base_applies_from_the_next_start() {
        let mut t = Timer::new(100);
        t.back_off();
        t.arm(0);
        assert_eq!(t.deadline(), Some(150));
        t.set_base(1000);
        assert_eq!(t.deadline(), Some(150), "a running deadline is kept");
        t.restart(200);
        assert_eq!(
            t.deadline(),
            Some(200 + 1500),
            "the back-off scales the new base"
        );
        t.reset();
        t.arm(0);
        assert_eq!(t.deadline(), Some(1000));
    }

    #[test]
    fn arm_keeps_a_running_deadline() {
        let mut t = Timer::new(100);
        t.arm(10);
        t.arm(50);
        assert_eq!(t.deadline(), Some(110));
        assert!(!t.expired(109));
        assert!(t.expired(110));
        t.restart(50);
        assert_eq!(t.deadline(), Some(150));
    }
}
