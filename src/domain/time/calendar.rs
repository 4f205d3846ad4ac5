//! Calendar periods: consecutive runs of `count` units (days, weeks, months, …) from an
//! anchor, on the local calendar of a time zone.
//!
//! Boundaries are local wall-clock times (midnight on the 1st stays midnight across a DST
//! change) converted to UTC, so a period's length in hours can differ from its nominal length.

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::{local_to_utc, Span};

/// A unit of time as durations name it. Minutes and hours are fixed lengths; days and longer
/// follow the local calendar when they count calendar periods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unit {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

/// Consecutive periods of `count` units starting at `anchor` (and before it), in `tz`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Calendar {
    count: u32,
    unit: Unit,
    anchor: DateTime<Utc>,
    tz: Tz,
}

impl Calendar {
    /// The instant periods are counted from.
    pub fn anchor(&self) -> DateTime<Utc> {
        self.anchor
    }

    /// The time zone whose wall clock the periods follow.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// Periods of `count` units from `anchor`. Minutes are rarely meant but valid: the
    /// OpenSLO specification's own Timeslices example declares a calendar `duration: 1m`.
    pub fn new(count: u32, unit: Unit, anchor: DateTime<Utc>, tz: Tz) -> Result<Calendar, String> {
        if count == 0 {
            return Err("a calendar window must span at least one period".into());
        }
        Ok(Calendar {
            count,
            unit,
            anchor,
            tz,
        })
    }

    /// The period containing `now`.
    pub fn period_containing(&self, now: DateTime<Utc>) -> Result<Span, String> {
        let out_of_range = || format!("the calendar period containing {now} is out of range");
        let mut k = self.guess(now);
        let mut start = self.start(k).ok_or_else(out_of_range)?;
        while start > now {
            k -= 1;
            start = self.start(k).ok_or_else(out_of_range)?;
        }
        let mut end = self.start(k + 1).ok_or_else(out_of_range)?;
        while end <= now {
            start = end;
            k += 1;
            end = self.start(k + 1).ok_or_else(out_of_range)?;
        }
        Ok(Span { start, end })
    }

    fn local_anchor(&self) -> NaiveDateTime {
        self.anchor.with_timezone(&self.tz).naive_local()
    }

    /// Start of period `k` (0 starts at the anchor, negative ones before it). Each start is
    /// computed from the anchor, not from the previous period, so clamping the 31st to
    /// February's last day does not carry on into March.
    fn start(&self, k: i64) -> Option<DateTime<Utc>> {
        let steps = k.checked_mul(i64::from(self.count))?;
        let a = self.local_anchor();
        let local = match self.unit {
            Unit::Minute | Unit::Hour => {
                let minutes = if self.unit == Unit::Hour { 60 } else { 1 };
                return self
                    .anchor
                    .checked_add_signed(Duration::try_minutes(steps.checked_mul(minutes)?)?);
            }
            Unit::Day => add_days(a, steps)?,
            Unit::Week => add_days(a, steps.checked_mul(7)?)?,
            Unit::Month => add_months(a, steps)?,
            Unit::Quarter => add_months(a, steps.checked_mul(3)?)?,
            Unit::Year => add_months(a, steps.checked_mul(12)?)?,
        };
        Some(local_to_utc(local, self.tz))
    }

    /// A first guess at the period containing `now`, exact except near boundaries.
    fn guess(&self, now: DateTime<Utc>) -> i64 {
        let local = now.with_timezone(&self.tz).naive_local();
        let a = self.local_anchor();
        let count = i64::from(self.count);
        let (elapsed, per_period) = match self.unit {
            Unit::Minute => ((now - self.anchor).num_minutes(), count),
            Unit::Hour => ((now - self.anchor).num_hours(), count),
            Unit::Day => ((local.date() - a.date()).num_days(), count),
            Unit::Week => ((local.date() - a.date()).num_days(), 7 * count),
            Unit::Month | Unit::Quarter | Unit::Year => {
                let months = |d: NaiveDateTime| i64::from(d.year()) * 12 + i64::from(d.month0());
                let per = match self.unit {
                    Unit::Quarter => 3,
                    Unit::Year => 12,
                    _ => 1,
                };
                (months(local) - months(a), per * count)
            }
        };
        elapsed.div_euclid(per_period)
    }
}

fn add_days(t: NaiveDateTime, days: i64) -> Option<NaiveDateTime> {
    let magnitude = Days::new(days.unsigned_abs());
    if days >= 0 {
        t.checked_add_days(magnitude)
    } else {
        t.checked_sub_days(magnitude)
    }
}

/// Same day of month and time of day, `months` later; the 29th–31st clamp to the month's
/// last day.
fn add_months(t: NaiveDateTime, months: i64) -> Option<NaiveDateTime> {
    let index = i64::from(t.year()) * 12 + i64::from(t.month0()) + months;
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = u32::try_from(index.rem_euclid(12)).ok()? + 1;
    let day = t.day().min(days_in_month(year, month)?);
    Some(NaiveDate::from_ymd_opt(year, month, day)?.and_time(t.time()))
}

fn days_in_month(year: i32, month: u32) -> Option<u32> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    u32::try_from((next - first).num_days()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ZONES: [Tz; 5] = [
        chrono_tz::UTC,
        chrono_tz::Europe::Berlin,
        chrono_tz::America::New_York,
        chrono_tz::Asia::Tokyo,
        chrono_tz::America::Santiago,
    ];
    const UNITS: [Unit; 6] = [
        Unit::Hour,
        Unit::Day,
        Unit::Week,
        Unit::Month,
        Unit::Quarter,
        Unit::Year,
    ];

    proptest! {
        /// Whatever the zone, unit and anchor, the period containing a moment contains it,
        /// and the next period starts exactly where it ends (the periods tile time).
        #[test]
        fn periods_contain_their_moment_and_tile_time(
            zone in 0..ZONES.len(),
            unit in 0..UNITS.len(),
            count in 1u32..4,
            anchor in 1_600_000_000i64..1_900_000_000,
            now in 1_600_000_000i64..1_900_000_000,
        ) {
            let calendar = Calendar::new(
                count,
                UNITS[unit],
                DateTime::from_timestamp(anchor, 0).unwrap(),
                ZONES[zone],
            )
            .unwrap();
            let now = DateTime::from_timestamp(now, 0).unwrap();
            let period = calendar.period_containing(now).unwrap();
            prop_assert!(period.contains(now), "{period:?} lacks {now}");
            let next = calendar.period_containing(period.end).unwrap();
            prop_assert_eq!(next.start, period.end);
        }
    }

    #[test]
    fn zero_counts_are_not_calendars() {
        let anchor = DateTime::from_timestamp(0, 0).unwrap();
        assert!(Calendar::new(0, Unit::Day, anchor, chrono_tz::UTC).is_err());
    }
}
