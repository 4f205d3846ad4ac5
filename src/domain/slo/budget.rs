//! Error budget arithmetic: how much badness is allowed, how much was spent, what is left.
//!
//! Targets are decimals (`0.999`) that binary floats only approximate, so `1 − target` is
//! rounded back to the decimal it stands for, and comparisons against a limit allow a
//! relative 1e-9: rounding noise must not decide between `ok` and `violated`.

use serde::Serialize;

/// Relative slack for "meets the limit" comparisons; far below one event or slice.
const RELATIVE_SLACK: f64 = 1e-9;

/// `1 − target`, rounded to 15 decimal places: `1 − 0.9` is `0.1`, not
/// `0.09999999999999998`, so an allowance of 10 events times it is exactly 1. The
/// subtraction itself is exact; only the target's binary approximation (under 1e-16) is
/// undone.
pub fn complement(target: f64) -> f64 {
    const SCALE: f64 = 1e15;
    let c = 1.0 - target;
    let rounded = (c * SCALE).round() / SCALE;
    if rounded > 0.0 {
        rounded
    } else {
        c
    }
}

/// `value > limit`, beyond rounding noise.
pub fn exceeds(value: f64, limit: f64) -> bool {
    value > limit + limit.abs() * RELATIVE_SLACK
}

/// `value ≥ limit`, allowing rounding noise just below it.
pub fn reaches(value: f64, limit: f64) -> bool {
    value >= limit - limit.abs() * RELATIVE_SLACK
}

/// Good and total units (events or slices) over some span.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    pub good: f64,
    pub total: f64,
}

impl Tally {
    pub fn add(&mut self, good: f64, total: f64) {
        self.good += good;
        self.total += total;
    }

    /// Budget spent: total − good (for `RatioTimeslices`, the sum of 1 − each slice's ratio).
    pub fn bad(&self) -> f64 {
        self.total - self.good
    }

    pub fn has_data(&self) -> bool {
        self.total > 0.0
    }

    /// good / total, `None` without data.
    pub fn ratio(&self) -> Option<f64> {
        self.has_data().then(|| self.good / self.total)
    }
}

/// The contract's `error_budget`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ErrorBudget {
    pub allowed_bad: f64,
    pub consumed_bad: f64,
    /// 1 − consumed_bad / allowed_bad: negative once overspent, `null` without data.
    pub remaining_ratio: Option<f64>,
}

impl ErrorBudget {
    /// `allowed_bad` is given by the method: `(1 − target) × total` for `Occurrences`, or
    /// `(1 − target) × slices in the whole window` for the slice methods.
    pub fn new(allowed_bad: f64, spent: Tally) -> ErrorBudget {
        let consumed_bad = spent.bad();
        let remaining_ratio =
            (spent.has_data() && allowed_bad > 0.0).then(|| 1.0 - consumed_bad / allowed_bad);
        ErrorBudget {
            allowed_bad,
            consumed_bad,
            remaining_ratio,
        }
    }

    /// The contract's `violated`: consumed_bad > allowed_bad.
    pub fn is_overspent(&self) -> bool {
        exceeds(self.consumed_bad, self.allowed_bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_complement_of_a_target_is_the_decimal_it_means() {
        assert_eq!(complement(0.9), 0.1);
        assert_eq!(complement(0.99), 0.01);
        assert_eq!(complement(0.999), 0.001);
        assert_eq!(complement(0.9999), 0.0001);
        assert_eq!(complement(0.9995), 0.0005);
        assert_eq!(complement(0.5), 0.5);
        assert_eq!(complement(0.999999), 0.000001);
        assert_eq!(complement(0.9) * 10.0, 1.0);
    }

    #[test]
    fn spending_exactly_the_allowance_is_not_overspending() {
        let exactly = ErrorBudget::new(
            complement(0.9) * 10.0,
            Tally {
                good: 9.0,
                total: 10.0,
            },
        );
        assert!(!exactly.is_overspent());
        assert_eq!(exactly.remaining_ratio, Some(0.0));
        let over = ErrorBudget::new(
            complement(0.9) * 10.0,
            Tally {
                good: 8.0,
                total: 10.0,
            },
        );
        assert!(over.is_overspent());
        assert_eq!(
            over.remaining_ratio,
            Some(-1.0),
            "goes negative once overspent"
        );
    }

    #[test]
    fn remaining_ratio_is_one_minus_consumed_over_allowed() {
        let b = ErrorBudget::new(
            10.0,
            Tally {
                good: 9_997.5,
                total: 10_000.0,
            },
        );
        assert_eq!(b.consumed_bad, 2.5);
        assert_eq!(b.remaining_ratio, Some(0.75));
    }

    #[test]
    fn no_data_has_no_remaining_ratio() {
        let b = ErrorBudget::new(0.0, Tally::default());
        assert_eq!(b.remaining_ratio, None);
        let fixed_up_front = ErrorBudget::new(8.64, Tally::default());
        assert_eq!(fixed_up_front.remaining_ratio, None);
    }

    #[test]
    fn limits_allow_rounding_noise_only() {
        assert!(reaches(14.399999999999999, 14.4));
        assert!(!reaches(14.39, 14.4));
        assert!(!exceeds(1.0000000000000002, 1.0));
        assert!(exceeds(1.001, 1.0));
    }
}
