//! Which stretch of time an SLO is judged on: a rolling window ending now, or the current
//! period of a calendar window anchored at `calendar.startTime` in the spec's time zone (the
//! calendar arithmetic is [`crate::domain::time`]'s).

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::duration::SloDuration;
use crate::domain::time::{local_midnight, local_to_utc, Calendar, Span};

/// A half-open span of time `[start, end)`; serialized as the contract's `window`.
pub type Period = Span;

/// An SLO's `timeWindow`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TimeWindow {
    /// The last `duration` before now.
    Rolling(Duration),
    /// Consecutive calendar periods from the spec's anchor, in its time zone.
    Calendar(Calendar),
}

impl TimeWindow {
    /// A rolling window of an OpenSLO duration (a month is 30 days).
    pub fn rolling(duration: SloDuration) -> TimeWindow {
        TimeWindow::Rolling(duration.rolling())
    }

    /// A calendar window of an OpenSLO duration, e.g. `1M` from `calendar.startTime`.
    pub fn calendar(
        duration: SloDuration,
        anchor: DateTime<Utc>,
        tz: Tz,
    ) -> Result<TimeWindow, String> {
        Calendar::new(duration.count, duration.unit, anchor, tz).map(TimeWindow::Calendar)
    }

    /// The whole period the SLO's budget is set for at `now`: for a calendar window the
    /// current period containing `now` (e.g. the full month); for a rolling window the last
    /// `duration`, ending at `now`.
    pub fn period(&self, now: DateTime<Utc>) -> Result<Period, String> {
        match self {
            TimeWindow::Rolling(duration) => {
                if *duration <= Duration::zero() {
                    return Err("a rolling window must be longer than zero".into());
                }
                Ok(Period {
                    start: now - *duration,
                    end: now,
                })
            }
            TimeWindow::Calendar(calendar) => calendar.period_containing(now),
        }
    }

    /// The span that is evaluated: `[start of the period, now)`.
    pub fn evaluation(&self, now: DateTime<Utc>) -> Result<Period, String> {
        let period = self.period(now)?;
        Ok(Period {
            start: period.start,
            end: now,
        })
    }

    pub fn is_calendar(&self) -> bool {
        matches!(self, TimeWindow::Calendar(_))
    }
}

/// `calendar.startTime`: a local time in `tz` (`2026-01-01 00:00:00`, `2026-01-01T00:00:00`,
/// `2026-01-01 00:00` or just `2026-01-01`), or an RFC 3339 time with its own offset.
pub fn parse_start_time(text: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if let Ok(absolute) = DateTime::parse_from_rfc3339(t) {
        return Ok(absolute.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(local_to_utc(local, tz));
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(local_midnight(date, tz));
    }
    Err(format!(
        "calendar.startTime {text:?} is not a time like \"2026-01-01 00:00:00\""
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::{America, Asia, Europe};

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn month_window(anchor: DateTime<Utc>, tz: Tz) -> TimeWindow {
        TimeWindow::calendar(SloDuration::parse("1M").unwrap(), anchor, tz).unwrap()
    }

    fn period(window: TimeWindow, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let p = window.period(now).unwrap();
        (p.start, p.end)
    }

    #[test]
    fn rolling_window_ends_now_and_starts_one_duration_before() {
        let now = utc(2026, 3, 15, 12, 0);
        let w = TimeWindow::rolling(SloDuration::parse("1M").unwrap());
        assert_eq!(period(w, now), (utc(2026, 2, 13, 12, 0), now));
        let e = w.evaluation(now).unwrap();
        assert_eq!((e.start, e.end), (utc(2026, 2, 13, 12, 0), now));
    }

    #[test]
    fn calendar_month_in_utc_is_the_current_month() {
        let w = month_window(utc(2026, 1, 1, 0, 0), chrono_tz::UTC);
        assert_eq!(
            period(w, utc(2026, 3, 15, 12, 0)),
            (utc(2026, 3, 1, 0, 0), utc(2026, 4, 1, 0, 0))
        );
        let e = w.evaluation(utc(2026, 3, 15, 12, 0)).unwrap();
        assert_eq!(e.start, utc(2026, 3, 1, 0, 0));
        assert_eq!(e.end, utc(2026, 3, 15, 12, 0));
    }

    #[test]
    fn a_period_starts_exactly_at_its_boundary() {
        let w = month_window(utc(2026, 1, 1, 0, 0), chrono_tz::UTC);
        assert_eq!(
            period(w, utc(2026, 4, 1, 0, 0)),
            (utc(2026, 4, 1, 0, 0), utc(2026, 5, 1, 0, 0))
        );
        assert_eq!(
            period(w, utc(2026, 3, 31, 23, 59)),
            (utc(2026, 3, 1, 0, 0), utc(2026, 4, 1, 0, 0))
        );
    }

    #[test]
    fn periods_extend_before_the_anchor() {
        let w = month_window(utc(2026, 6, 1, 0, 0), chrono_tz::UTC);
        assert_eq!(
            period(w, utc(2026, 2, 10, 0, 0)),
            (utc(2026, 2, 1, 0, 0), utc(2026, 3, 1, 0, 0))
        );
    }

    #[test]
    fn february_has_29_days_in_a_leap_year_and_28_otherwise() {
        let w = month_window(utc(2026, 1, 1, 0, 0), chrono_tz::UTC);
        let leap = w.period(utc(2028, 2, 10, 0, 0)).unwrap();
        assert_eq!(leap.length(), Duration::days(29));
        let common = w.period(utc(2027, 2, 10, 0, 0)).unwrap();
        assert_eq!(common.length(), Duration::days(28));
    }

    #[test]
    fn a_31st_anchor_clamps_to_the_last_day_and_returns_to_the_31st() {
        let w = month_window(utc(2026, 1, 31, 0, 0), chrono_tz::UTC);
        assert_eq!(
            period(w, utc(2027, 2, 10, 0, 0)),
            (utc(2027, 1, 31, 0, 0), utc(2027, 2, 28, 0, 0))
        );
        assert_eq!(
            period(w, utc(2027, 3, 1, 0, 0)),
            (utc(2027, 2, 28, 0, 0), utc(2027, 3, 31, 0, 0)),
            "March's period starts on Feb 28 and ends on the 31st, not the 28th"
        );
        assert_eq!(
            period(w, utc(2028, 2, 29, 12, 0)),
            (utc(2028, 2, 29, 0, 0), utc(2028, 3, 31, 0, 0))
        );
        assert_eq!(
            period(w, utc(2026, 4, 30, 12, 0)),
            (utc(2026, 4, 30, 0, 0), utc(2026, 5, 31, 0, 0))
        );
    }

    #[test]
    fn a_month_anchored_mid_month_keeps_its_day_and_time() {
        let w = month_window(utc(2026, 1, 15, 9, 30), chrono_tz::UTC);
        assert_eq!(
            period(w, utc(2026, 3, 15, 9, 29)),
            (utc(2026, 2, 15, 9, 30), utc(2026, 3, 15, 9, 30))
        );
        assert_eq!(
            period(w, utc(2026, 3, 15, 9, 30)),
            (utc(2026, 3, 15, 9, 30), utc(2026, 4, 15, 9, 30))
        );
    }

    #[test]
    fn tokyo_months_start_at_local_midnight_without_dst() {
        let anchor = parse_start_time("2026-01-01 00:00:00", Asia::Tokyo).unwrap();
        assert_eq!(anchor, utc(2025, 12, 31, 15, 0));
        let w = month_window(anchor, Asia::Tokyo);
        // 2026-01-31 20:00 UTC is already February 1st in Tokyo.
        assert_eq!(
            period(w, utc(2026, 1, 31, 20, 0)),
            (utc(2026, 1, 31, 15, 0), utc(2026, 2, 28, 15, 0))
        );
        assert_eq!(
            period(w, utc(2026, 1, 31, 14, 59)),
            (utc(2025, 12, 31, 15, 0), utc(2026, 1, 31, 15, 0))
        );
    }

    #[test]
    fn berlin_march_is_an_hour_short_because_dst_starts_in_it() {
        let anchor = parse_start_time("2026-01-01", Europe::Berlin).unwrap();
        let w = month_window(anchor, Europe::Berlin);
        let march = w.period(utc(2026, 3, 30, 12, 0)).unwrap();
        assert_eq!(march.start, utc(2026, 2, 28, 23, 0), "midnight CET");
        assert_eq!(march.end, utc(2026, 3, 31, 22, 0), "midnight CEST");
        assert_eq!(march.length(), Duration::days(31) - Duration::hours(1));
        let october = w.period(utc(2026, 10, 30, 12, 0)).unwrap();
        assert_eq!(october.length(), Duration::days(31) + Duration::hours(1));
    }

    #[test]
    fn new_york_weeks_start_on_the_anchor_weekday_across_dst() {
        // Monday 2026-03-02 00:00 EST; DST starts Sunday 2026-03-08.
        let anchor = parse_start_time("2026-03-02 00:00:00", America::New_York).unwrap();
        let w = TimeWindow::calendar(SloDuration::parse("1w").unwrap(), anchor, America::New_York)
            .unwrap();
        let week = w.period(utc(2026, 3, 8, 12, 0)).unwrap();
        assert_eq!(week.start, utc(2026, 3, 2, 5, 0));
        assert_eq!(week.end, utc(2026, 3, 9, 4, 0), "Monday midnight EDT");
        assert_eq!(week.length(), Duration::hours(167));
        // Twelve weeks later, still Monday midnight local.
        assert_eq!(
            period(w, utc(2026, 5, 27, 0, 0)),
            (utc(2026, 5, 25, 4, 0), utc(2026, 6, 1, 4, 0))
        );
        assert_eq!(
            period(w, utc(2025, 12, 31, 0, 0)),
            (utc(2025, 12, 29, 5, 0), utc(2026, 1, 5, 5, 0)),
            "and before the anchor"
        );
    }

    #[test]
    fn two_week_periods_count_from_the_anchor() {
        let w = TimeWindow::calendar(
            SloDuration::parse("2w").unwrap(),
            utc(2026, 1, 5, 0, 0),
            chrono_tz::UTC,
        )
        .unwrap();
        assert_eq!(
            period(w, utc(2026, 1, 25, 0, 0)),
            (utc(2026, 1, 19, 0, 0), utc(2026, 2, 2, 0, 0))
        );
    }

    #[test]
    fn quarters_and_years_follow_the_anchor() {
        let q = TimeWindow::calendar(
            SloDuration::parse("1Q").unwrap(),
            utc(2026, 1, 1, 0, 0),
            chrono_tz::UTC,
        )
        .unwrap();
        assert_eq!(
            period(q, utc(2026, 5, 20, 0, 0)),
            (utc(2026, 4, 1, 0, 0), utc(2026, 7, 1, 0, 0))
        );
        let y = TimeWindow::calendar(
            SloDuration::parse("1Y").unwrap(),
            utc(2024, 2, 29, 0, 0),
            chrono_tz::UTC,
        )
        .unwrap();
        assert_eq!(
            period(y, utc(2026, 1, 1, 0, 0)),
            (utc(2025, 2, 28, 0, 0), utc(2026, 2, 28, 0, 0))
        );
    }

    #[test]
    fn days_follow_local_midnight_and_hours_are_fixed_steps() {
        let anchor = parse_start_time("2026-01-01", Europe::Berlin).unwrap();
        let d = TimeWindow::calendar(SloDuration::parse("1d").unwrap(), anchor, Europe::Berlin)
            .unwrap();
        assert_eq!(
            period(d, utc(2026, 3, 29, 12, 0)),
            (utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 22, 0)),
            "the DST day has 23 hours"
        );
        let h = TimeWindow::calendar(
            SloDuration::parse("6h").unwrap(),
            utc(2026, 1, 1, 1, 0),
            chrono_tz::UTC,
        )
        .unwrap();
        assert_eq!(
            period(h, utc(2026, 1, 3, 0, 30)),
            (utc(2026, 1, 2, 19, 0), utc(2026, 1, 3, 1, 0))
        );
    }

    #[test]
    fn start_times_parse_in_the_spec_time_zone_unless_they_carry_an_offset() {
        assert_eq!(
            parse_start_time("2026-01-01T00:00:00", Asia::Tokyo).unwrap(),
            utc(2025, 12, 31, 15, 0)
        );
        assert_eq!(
            parse_start_time("2026-01-01 09:00", Asia::Tokyo).unwrap(),
            utc(2026, 1, 1, 0, 0)
        );
        assert_eq!(
            parse_start_time("2026-01-01T00:00:00Z", Asia::Tokyo).unwrap(),
            utc(2026, 1, 1, 0, 0)
        );
        assert!(parse_start_time("January 1st", chrono_tz::UTC)
            .unwrap_err()
            .contains("calendar.startTime \"January 1st\""));
    }

    #[test]
    fn a_calendar_window_in_minutes_steps_from_the_anchor() {
        // The specification's Timeslices example declares `duration: 1m` with a calendar.
        let window = TimeWindow::calendar(
            SloDuration::parse("30m").unwrap(),
            utc(2026, 1, 1, 0, 0),
            chrono_tz::UTC,
        )
        .unwrap();
        assert_eq!(
            period(window, utc(2026, 3, 1, 10, 45)),
            (utc(2026, 3, 1, 10, 30), utc(2026, 3, 1, 11, 0))
        );
    }
}
