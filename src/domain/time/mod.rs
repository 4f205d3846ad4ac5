//! Time as the contract reckons it: half-open spans, local days and calendar periods in an
//! IANA time zone (across DST gaps and overlaps), and durations as people write them. Shared
//! by slo (calendar windows), four-keys (windows, ISO weeks), crash-free (the last complete
//! day) and freshness (thresholds).

mod calendar;
pub mod duration;
mod span;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

pub use calendar::{Calendar, Unit};
pub use span::Span;

/// A local wall-clock time in `tz` as UTC. A time that occurs twice (DST ends) is its first
/// occurrence; a time skipped by DST moves forward by the gap (02:30 becomes 03:30), like
/// most calendars do.
pub fn local_to_utc(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => {
            // In a gap: use the offset in force before it, which lands after the gap.
            let before = tz
                .offset_from_utc_datetime(&(local - Duration::days(1)))
                .fix();
            (local - Duration::seconds(i64::from(before.local_minus_utc()))).and_utc()
        }
    }
}

/// When `date` starts in `tz` (its local midnight, or the first moment after a DST gap).
pub fn local_midnight(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    local_to_utc(date.and_time(NaiveTime::MIN), tz)
}

/// The calendar day `t` falls on in `tz`.
pub fn local_date(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Asia};

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn a_local_time_skipped_by_dst_moves_forward_and_a_repeated_one_is_the_first() {
        let skipped = NaiveDate::from_ymd_opt(2026, 3, 8)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            local_to_utc(skipped, America::New_York),
            utc(2026, 3, 8, 7, 30),
            "03:30 EDT"
        );
        let repeated = NaiveDate::from_ymd_opt(2026, 11, 1)
            .unwrap()
            .and_hms_opt(1, 30, 0)
            .unwrap();
        assert_eq!(
            local_to_utc(repeated, America::New_York),
            utc(2026, 11, 1, 5, 30),
            "01:30 EDT, the first of the two"
        );
    }

    #[test]
    fn a_day_starts_at_local_midnight_and_a_moment_falls_on_its_local_day() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert_eq!(local_midnight(day, Asia::Tokyo), utc(2026, 11, 21, 15, 0));
        assert_eq!(local_date(utc(2026, 11, 21, 15, 0), Asia::Tokyo), day);
        assert_eq!(
            local_date(utc(2026, 11, 21, 14, 59), Asia::Tokyo),
            day.pred_opt().unwrap()
        );
        // Santiago skips midnight when DST starts: the day begins at 01:00.
        let dst_day = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        assert_eq!(
            local_midnight(dst_day, chrono_tz::America::Santiago),
            utc(2026, 9, 6, 4, 0)
        );
    }
}
