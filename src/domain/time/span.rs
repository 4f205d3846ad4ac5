//! A half-open span of time `[start, end)`: an SLO's period, a four-keys window, an ISO week.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::domain::rfc3339;

/// `[start, end)`; serialized as the contract's `window`: `{"start": …, "end": …}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    #[serde(with = "rfc3339")]
    pub start: DateTime<Utc>,
    #[serde(with = "rfc3339")]
    pub end: DateTime<Utc>,
}

impl Span {
    /// `[now − length, now)`. The span before it must be representable too, so an absurd
    /// length is refused here rather than overflowing later.
    pub fn last(length: Duration, now: DateTime<Utc>) -> Result<Span, String> {
        if length <= Duration::zero() {
            return Err("must be longer than zero".into());
        }
        let start = length
            .checked_mul(2)
            .and_then(|twice| now.checked_sub_signed(twice))
            .and(now.checked_sub_signed(length))
            .ok_or_else(|| format!("{} days reaches before any date", length.num_days()))?;
        Ok(Span { start, end: now })
    }

    /// The span of equal length that ends where this one starts.
    pub fn previous(&self) -> Span {
        Span {
            start: self.start - self.length(),
            end: self.start,
        }
    }

    pub fn length(&self) -> Duration {
        self.end - self.start
    }

    /// The contract's membership rule: `start ≤ t < end`.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }

    /// Length in days, fractional for a span that is not whole days.
    pub fn days(&self) -> f64 {
        self.length().num_milliseconds() as f64 / 86_400_000.0
    }
}
