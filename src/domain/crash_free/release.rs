//! Crash-free users of one app version over the days after its release: what a deployment
//! that names a version (`four-keys --impact` with `version_from_tag`) is judged by.
//!
//! The [`Aggregator`](super::Aggregator) counts each requested [`ReleaseWindow`] as it folds
//! the export rows (a row counts when its version and day match), so the figures follow the
//! same rules as the report's version windows: distinct users who ran that version on those
//! days, and among them those who logged a crash under it.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::model::{CrashCounts, Platform, PlatformFilter, SloTargets};
use super::range::{last_complete_day, DayRange};
use super::report::crash_free_rate;
use crate::domain::time::local_date;

/// Calendar days a release is judged over, counting its release day.
pub const RELEASE_DAYS: u64 = 7;

/// One version's days to count: `[first, last]` in the report's calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseWindow {
    pub version: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl ReleaseWindow {
    /// The [`RELEASE_DAYS`] calendar days in `tz` from the day of `released_at`, capped at
    /// the last complete day before `now` (a day still in progress is not counted, as in the
    /// report): empty (`last` before `first`) when no day is complete yet.
    pub fn after(
        version: &str,
        released_at: DateTime<Utc>,
        now: DateTime<Utc>,
        tz: Tz,
    ) -> ReleaseWindow {
        let first = local_date(released_at, tz);
        let last = first
            .checked_add_days(Days::new(RELEASE_DAYS - 1))
            .unwrap_or(NaiveDate::MAX)
            .min(last_complete_day(now, tz));
        ReleaseWindow {
            version: version.to_string(),
            first,
            last,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.last < self.first
    }

    /// The days to read so that every window is covered, ending `last` (at least one day).
    pub fn covering(windows: &[ReleaseWindow], last: NaiveDate) -> DayRange {
        let first = windows
            .iter()
            .filter(|w| !w.is_empty())
            .map(|w| w.first)
            .min()
            .unwrap_or(last)
            .min(last);
        DayRange::ending(last, (last - first).num_days() as u32 + 1)
    }
}

/// A version's crash-free users over its release window on one platform; the contract's
/// `crash_free` entry of a deployment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReleaseHealth {
    pub platform: Platform,
    pub version: String,
    pub users_7d: u64,
    /// `null` without users.
    pub crash_free_rate_7d: Option<f64>,
    /// The verdict against the platform's SLO (not in the JSON).
    #[serde(skip)]
    misses_slo: bool,
}

impl ReleaseHealth {
    /// The figures, judged against the platform's `slo` once, here.
    pub fn new(
        platform: Platform,
        version: String,
        users_7d: u64,
        crash_free_rate_7d: Option<f64>,
        slo: f64,
    ) -> ReleaseHealth {
        ReleaseHealth {
            platform,
            version,
            users_7d,
            crash_free_rate_7d,
            misses_slo: crash_free_rate_7d.is_some_and(|r| r < slo),
        }
    }

    /// The rate is known and below the platform's SLO.
    pub fn misses_slo(&self) -> bool {
        self.misses_slo
    }
}

/// Window `index` of the aggregated release windows, one entry per platform of `filter`
/// (a platform where the version had no users has 0 and a `null` rate).
pub fn release_health(
    counts: &CrashCounts,
    index: usize,
    window: &ReleaseWindow,
    filter: PlatformFilter,
    slo: SloTargets,
) -> Vec<ReleaseHealth> {
    Platform::ALL
        .into_iter()
        .filter(|p| filter.includes(*p))
        .map(|platform| {
            let c = counts
                .releases
                .get(&(index, platform))
                .copied()
                .unwrap_or_default();
            ReleaseHealth::new(
                platform,
                window.version.clone(),
                c.users,
                crash_free_rate(c),
                slo.get(platform),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::crash_free::Counts;
    use chrono::TimeZone;

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn utc(m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn a_release_is_judged_over_seven_days_from_its_local_release_day() {
        // 2026-11-02 20:00 UTC is already 11-03 in Tokyo.
        let w = ReleaseWindow::after(
            "5.13.0",
            utc(11, 2, 20),
            utc(11, 22, 0),
            chrono_tz::Asia::Tokyo,
        );
        assert_eq!((w.first, w.last), (date(11, 3), date(11, 9)));
    }

    #[test]
    fn a_recent_release_window_is_capped_at_the_last_complete_day() {
        let w = ReleaseWindow::after("1.0", utc(11, 19, 12), utc(11, 22, 6), chrono_tz::UTC);
        assert_eq!((w.first, w.last), (date(11, 19), date(11, 21)));
        let today = ReleaseWindow::after("1.0", utc(11, 22, 1), utc(11, 22, 6), chrono_tz::UTC);
        assert!(today.is_empty(), "released today: no complete day yet");
        assert!(!w.is_empty());
    }

    #[test]
    fn the_range_read_covers_every_window() {
        let windows = [
            ReleaseWindow::after("a", utc(11, 10, 0), utc(11, 22, 0), chrono_tz::UTC),
            ReleaseWindow::after("b", utc(11, 3, 0), utc(11, 22, 0), chrono_tz::UTC),
            ReleaseWindow::after("today", utc(11, 22, 1), utc(11, 22, 6), chrono_tz::UTC),
        ];
        let range = ReleaseWindow::covering(&windows, date(11, 21));
        assert_eq!((range.first(), range.last()), (date(11, 3), date(11, 21)));
        let none = ReleaseWindow::covering(&[], date(11, 21));
        assert_eq!(none.len(), 1);
    }

    #[test]
    fn a_release_below_its_platform_slo_misses_it_and_no_users_is_null() {
        let mut counts = CrashCounts::default();
        counts.releases.insert(
            (0, Platform::Android),
            Counts {
                users: 1_000,
                crashed_users: 5,
            },
        );
        let window = ReleaseWindow {
            version: "5.13.0".into(),
            first: date(11, 3),
            last: date(11, 9),
        };
        let health = release_health(
            &counts,
            0,
            &window,
            PlatformFilter::Both,
            SloTargets::default(),
        );
        assert_eq!(health.len(), 2);
        let android = &health[0];
        assert_eq!(android.platform, Platform::Android);
        assert_eq!(android.crash_free_rate_7d, Some(0.995));
        assert!(android.misses_slo(), "99.5 % < 99.6 %");
        let ios = &health[1];
        assert_eq!((ios.users_7d, ios.crash_free_rate_7d), (0, None));
        assert!(!ios.misses_slo());
        assert_eq!(
            serde_json::to_value(android).unwrap(),
            serde_json::json!({"platform": "ANDROID", "version": "5.13.0", "users_7d": 1000,
                               "crash_free_rate_7d": 0.995})
        );
    }
}
