//! A named invariant's violation count, and the moment it first failed, so the correctness panel can link
//! to that moment.
//!
//! ```
//! use faultline_sim::kernel::{SimTime, Violations};
//! let mut v = Violations::default();
//! v.hit(SimTime::from_secs(3));
//! v.hit(SimTime::from_secs(5));
//! assert_eq!((v.count, v.first_at), (2, Some(SimTime::from_secs(3))));
//! ```

use super::SimTime;
use crate::scene::CounterView;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Violations {
    pub count: u64,
    pub first_at: Option<SimTime>,
}

impl Violations {
    pub fn hit(&mut self, now: SimTime) {
        self.count += 1;
        self.first_at.get_or_insert(now);
    }

    /// The correctness-panel view of this counter.
    pub fn view(&self, name: &'static str, label: &'static str, must_be_zero: bool, help: &'static str) -> CounterView {
        CounterView { name, label, value: self.count, must_be_zero, first_at: self.first_at, help }
    }
}
