//! The report's calendar: which days it covers and where its windows start.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;

use super::model::Window;

/// The last complete calendar day before `now` in `tz`: the report ends there, like the
/// original SQL's "yesterday".
pub fn last_complete_day(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    let today = crate::domain::time::local_date(now, tz);
    today.pred_opt().unwrap_or(today)
}

/// Parses the export's `event_date` (`YYYYMMDD`). `None` when it is not an existing date.
pub fn parse_event_date(text: &[u8]) -> Option<NaiveDate> {
    if text.len() != 8 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |s: &[u8]| s.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let year = i32::try_from(num(&text[0..4])).ok()?;
    NaiveDate::from_ymd_opt(year, num(&text[4..6]), num(&text[6..8]))
}

/// `days` calendar days ending on (and including) `last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayRange {
    first: NaiveDate,
    last: NaiveDate,
}

impl DayRange {
    /// A range of `days` ≥ 1 days ending on `last`.
    pub fn ending(last: NaiveDate, days: u32) -> DayRange {
        let days = days.max(1);
        let first = last
            .checked_sub_days(Days::new(u64::from(days - 1)))
            .unwrap_or(NaiveDate::MIN);
        DayRange { first, last }
    }

    pub fn first(&self) -> NaiveDate {
        self.first
    }

    pub fn last(&self) -> NaiveDate {
        self.last
    }

    pub fn len(&self) -> usize {
        (self.last - self.first).num_days() as usize + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// Position of `date` in the range, `None` outside it.
    pub fn index_of(&self, date: NaiveDate) -> Option<usize> {
        if date < self.first || date > self.last {
            return None;
        }
        Some((date - self.first).num_days() as usize)
    }

    pub fn date_at(&self, index: usize) -> NaiveDate {
        self.first + Days::new(index as u64)
    }

    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        (0..self.len()).map(|i| self.date_at(i))
    }

    /// First day of `window` ending on the last day, clipped to the range: rows outside the
    /// range are ignored, so a window can never reach before it.
    pub fn window_start(&self, window: Window) -> NaiveDate {
        let start = self
            .last
            .checked_sub_days(Days::new(u64::from(window.days() - 1)))
            .unwrap_or(NaiveDate::MIN);
        start.max(self.first)
    }

    /// Index of the window's first day within the range.
    pub fn window_start_index(&self, window: Window) -> usize {
        self.len() - (self.len().min(window.days() as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn last_day_is_yesterday_in_the_report_time_zone() {
        // 2026-11-21 23:30 UTC is already 2026-11-22 08:30 in Tokyo.
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 23, 30, 0).unwrap();
        assert_eq!(last_complete_day(now, chrono_tz::UTC), date(2026, 11, 20));
        assert_eq!(
            last_complete_day(now, chrono_tz::Asia::Tokyo),
            date(2026, 11, 21)
        );
    }

    #[test]
    fn last_day_at_exact_midnight_is_the_day_before() {
        // Midnight in Tokyo is 15:00 UTC the day before.
        let midnight_tokyo = Utc.with_ymd_and_hms(2026, 11, 21, 15, 0, 0).unwrap();
        assert_eq!(
            last_complete_day(midnight_tokyo, chrono_tz::Asia::Tokyo),
            date(2026, 11, 21)
        );
        let just_before = Utc.with_ymd_and_hms(2026, 11, 21, 14, 59, 59).unwrap();
        assert_eq!(
            last_complete_day(just_before, chrono_tz::Asia::Tokyo),
            date(2026, 11, 20)
        );
        assert_eq!(
            last_complete_day(just_before, chrono_tz::UTC),
            date(2026, 11, 20)
        );
    }

    #[test]
    fn event_dates_parse_only_when_they_exist() {
        assert_eq!(parse_event_date(b"20261121"), Some(date(2026, 11, 21)));
        assert_eq!(parse_event_date(b"20240229"), Some(date(2024, 2, 29)));
        assert_eq!(parse_event_date(b"20250229"), None);
        assert_eq!(parse_event_date(b"20261301"), None);
        assert_eq!(parse_event_date(b"2026-11-21"), None);
        assert_eq!(parse_event_date(b"2026112"), None);
        assert_eq!(parse_event_date(b""), None);
    }

    #[test]
    fn a_range_covers_exactly_its_days() {
        let range = DayRange::ending(date(2026, 11, 21), 60);
        assert_eq!(range.len(), 60);
        assert_eq!(range.first(), date(2026, 9, 23));
        assert_eq!(range.index_of(date(2026, 9, 22)), None);
        assert_eq!(range.index_of(date(2026, 9, 23)), Some(0));
        assert_eq!(range.index_of(date(2026, 11, 21)), Some(59));
        assert_eq!(range.index_of(date(2026, 11, 22)), None);
        assert_eq!(range.date_at(59), date(2026, 11, 21));
    }

    #[test]
    fn windows_end_on_the_last_day_and_never_reach_before_the_range() {
        let range = DayRange::ending(date(2026, 11, 21), 60);
        assert_eq!(range.window_start(Window::Days7), date(2026, 11, 15));
        assert_eq!(range.window_start(Window::Days30), date(2026, 10, 23));
        assert_eq!(range.window_start_index(Window::Days7), 53);
        let short = DayRange::ending(date(2026, 11, 21), 10);
        assert_eq!(short.window_start(Window::Days30), date(2026, 11, 12));
        assert_eq!(short.window_start_index(Window::Days30), 0);
    }
}
