//! The closed form of the committed fraction.
//!
//! Each step's transaction fails with its own probability, independently. A failure at or before the pivot
//! (anywhere, without a pivot) compensates the saga; past the pivot an attempt's failure is transient and
//! the step is retried until it succeeds. So a saga commits exactly when every step up to the pivot
//! succeeds at its one attempt:
//!
//! * no pivot: (1 − p_payment)(1 − p_inventory)(1 − p_shipping);
//! * pivot = payment: 1 − p_payment; pivot = inventory: (1 − p_payment)(1 − p_inventory);
//!   pivot = shipping: the same as no pivot (nothing comes after it).
//!
//! ```
//! use faultline_sim::saga::{committed_fraction, protocol::Step};
//! assert!((committed_fraction(0.1, 0.2, 0.5, None) - 0.36).abs() < 1e-12);
//! assert!((committed_fraction(0.1, 0.2, 0.5, Some(Step::Payment)) - 0.9).abs() < 1e-12);
//! ```

use super::protocol::Step;

/// The fraction of sagas that commit (the order step never fails).
pub fn committed_fraction(p_payment: f64, p_inventory: f64, p_shipping: f64, pivot: Option<Step>) -> f64 {
    [(Step::Payment, p_payment), (Step::Inventory, p_inventory), (Step::Shipping, p_shipping)]
        .into_iter()
        .filter(|(s, _)| pivot.is_none_or(|p| *s <= p))
        .map(|(_, p)| 1.0 - p.clamp(0.0, 1.0))
        .product()
}
