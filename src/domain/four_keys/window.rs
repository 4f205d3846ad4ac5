//! The report's spans: `[now − since, now)`, the previous window of equal length before it,
//! and the ISO weeks the weekly trend is cut into.

use chrono::{Datelike, Days, NaiveDate};
use chrono_tz::Tz;

use crate::domain::time::{local_midnight, Span};

/// A half-open span `[start, end)`; serialized as the contract's `window`. The report's is
/// [`Span::last`]`(since, now)`.
pub type Window = Span;

/// One ISO week of the trend, clipped to the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IsoWeekSpan {
    /// Monday of the week, in the report's time zone.
    pub monday: NaiveDate,
    /// The ISO week-numbering year and week (`2026`, `1` for 2026-W01, which starts on
    /// Monday 2025-12-29).
    pub iso_year: i32,
    pub iso_week: u32,
    /// The part of the week inside the window.
    pub span: Window,
    /// The window starts after the week's Monday midnight or ends before the next one.
    pub partial: bool,
}

/// The ISO weeks overlapping `window`, oldest first. Weeks start on Monday at midnight in
/// `tz` (the `--tz` calendar), so a Tokyo team's week is Tokyo's week.
pub fn iso_weeks(window: Window, tz: Tz) -> Vec<IsoWeekSpan> {
    let first_day = window.start.with_timezone(&tz).date_naive();
    let mut monday = first_day - Days::new(u64::from(first_day.weekday().num_days_from_monday()));
    let mut weeks = Vec::new();
    loop {
        let start = local_midnight(monday, tz);
        if start >= window.end {
            break;
        }
        let Some(next_monday) = monday.checked_add_days(Days::new(7)) else {
            break;
        };
        let end = local_midnight(next_monday, tz);
        let span = Window {
            start: start.max(window.start),
            end: end.min(window.end),
        };
        let week = monday.iso_week();
        weeks.push(IsoWeekSpan {
            monday,
            iso_year: week.year(),
            iso_week: week.week(),
            span,
            partial: span.start != start || span.end != end,
        });
        monday = next_monday;
    }
    weeks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::four_keys::fixtures::t;
    use chrono::Duration;

    fn window(start: &str, end: &str) -> Window {
        Window {
            start: t(start),
            end: t(end),
        }
    }

    #[test]
    fn the_window_is_the_last_since_ending_now() {
        let w = Window::last(Duration::days(90), t("2026-04-01T00:00:00Z")).unwrap();
        assert_eq!(w, window("2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z"));
        assert_eq!(w.days(), 90.0);
        assert!(w.contains(t("2026-01-01T00:00:00Z")), "start is in");
        assert!(!w.contains(t("2026-04-01T00:00:00Z")), "now is out");
    }

    #[test]
    fn the_previous_window_has_equal_length_and_ends_at_the_start() {
        let w = Window::last(Duration::days(7), t("2026-03-15T12:00:00Z")).unwrap();
        assert_eq!(
            w.previous(),
            window("2026-03-01T12:00:00Z", "2026-03-08T12:00:00Z")
        );
    }

    #[test]
    fn a_non_positive_or_absurd_since_is_refused() {
        let now = t("2026-03-15T12:00:00Z");
        assert!(Window::last(Duration::zero(), now).is_err());
        assert!(Window::last(Duration::days(-1), now).is_err());
        assert!(Window::last(Duration::days(200_000_000), now).is_err());
    }

    #[test]
    fn iso_weeks_cross_the_year_boundary_and_clip_to_the_window() {
        // Wednesday 2025-12-24 to Wednesday 2026-01-07.
        let w = window("2025-12-24T00:00:00Z", "2026-01-07T00:00:00Z");
        let weeks = iso_weeks(w, chrono_tz::UTC);
        let labels: Vec<_> = weeks
            .iter()
            .map(|w| (w.monday.to_string(), w.iso_year, w.iso_week, w.partial))
            .collect();
        assert_eq!(
            labels,
            [
                ("2025-12-22".to_string(), 2025, 52, true),
                ("2025-12-29".to_string(), 2026, 1, false),
                ("2026-01-05".to_string(), 2026, 2, true),
            ]
        );
        assert_eq!(
            weeks[0].span,
            window("2025-12-24T00:00:00Z", "2025-12-29T00:00:00Z")
        );
        assert_eq!(
            weeks[2].span,
            window("2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z")
        );
    }

    #[test]
    fn a_window_of_whole_weeks_from_monday_has_no_partial_week() {
        let w = window("2026-03-02T00:00:00Z", "2026-03-16T00:00:00Z");
        let weeks = iso_weeks(w, chrono_tz::UTC);
        assert_eq!(weeks.len(), 2);
        assert!(weeks.iter().all(|w| !w.partial));
    }

    #[test]
    fn weeks_start_at_local_midnight_in_the_time_zone() {
        // Monday 2026-03-02 00:00 in Tokyo is Sunday 15:00 UTC.
        let w = window("2026-03-01T16:00:00Z", "2026-03-08T15:00:00Z");
        let weeks = iso_weeks(w, chrono_tz::Asia::Tokyo);
        assert_eq!(weeks.len(), 1);
        assert_eq!(weeks[0].monday.to_string(), "2026-03-02");
        assert_eq!(weeks[0].span.start, t("2026-03-01T16:00:00Z"));
        assert!(weeks[0].partial);
        let utc = iso_weeks(w, chrono_tz::UTC);
        assert_eq!(utc[0].monday.to_string(), "2026-02-23", "Sunday in UTC");
        assert_eq!(utc.len(), 2);
    }
}
