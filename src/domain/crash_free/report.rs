//! From counts to the contract's `crash_free` document: rates, SMAs, SLO checks, trend.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::model::{Counts, CrashCounts, CrashKind, Platform, PlatformFilter, SloTargets, Window};
use super::range::DayRange;
use super::trend::Trend;
use crate::domain::rfc3339;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CrashFreeReport {
    pub kind: &'static str,
    #[serde(with = "rfc3339")]
    pub generated_at: DateTime<Utc>,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub crash: CrashKind,
    pub platforms: Vec<PlatformReport>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlatformReport {
    pub platform: Platform,
    pub slo: f64,
    pub trend: Option<Trend>,
    pub windows: WindowPair,
    pub versions: Vec<VersionReport>,
    pub daily: Vec<DailyPoint>,
}

/// The 7- and 30-day figures, keyed as the contract spells them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WindowPair {
    #[serde(rename = "7d")]
    pub days7: WindowStats,
    #[serde(rename = "30d")]
    pub days30: WindowStats,
}

impl WindowPair {
    pub fn get(&self, window: Window) -> &WindowStats {
        match window {
            Window::Days7 => &self.days7,
            Window::Days30 => &self.days30,
        }
    }
}

/// One window's figures. Without users, the rate and the SLO check are `null`: no data is
/// neither a pass nor a miss.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct WindowStats {
    pub users: u64,
    pub crashed_users: u64,
    pub crash_free_rate: Option<f64>,
    pub meets_slo: Option<bool>,
}

impl WindowStats {
    fn new(counts: Counts, slo: f64) -> WindowStats {
        let rate = crash_free_rate(counts);
        WindowStats {
            users: counts.users,
            crashed_users: counts.crashed_users,
            crash_free_rate: rate,
            meets_slo: rate.map(|r| r >= slo),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VersionReport {
    pub version: String,
    #[serde(flatten)]
    pub windows: WindowPair,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DailyPoint {
    pub date: NaiveDate,
    pub users: u64,
    pub crashed_users: u64,
    pub crash_free_rate: Option<f64>,
    pub sma_7d: Option<f64>,
    pub sma_30d: Option<f64>,
}

/// (users − crashed_users) / users; `None` without users.
pub fn crash_free_rate(counts: Counts) -> Option<f64> {
    (counts.users > 0).then(|| {
        (counts.users - counts.crashed_users.min(counts.users)) as f64 / counts.users as f64
    })
}

/// The plain mean of the `days` daily rates ending at `end`, or `None` unless every one of
/// those days is in the range and has data.
fn sma(rates: &[Option<f64>], end: usize, days: usize) -> Option<f64> {
    if end + 1 < days {
        return None;
    }
    let window = &rates[end + 1 - days..=end];
    let sum = window.iter().try_fold(0.0, |sum, r| r.map(|r| sum + r))?;
    Some(sum / days as f64)
}

impl CrashFreeReport {
    /// True when some platform's 7d or 30d window misses its SLO (exit code 1).
    pub fn misses_slo(&self) -> bool {
        self.platforms.iter().any(|p| {
            Window::ALL
                .iter()
                .any(|&w| p.windows.get(w).meets_slo == Some(false))
        })
    }
}

/// Builds the report for `range` from either engine's counts. Platforms without any data in
/// the range are left out.
pub fn build_report(
    counts: &CrashCounts,
    range: DayRange,
    slo: SloTargets,
    crash: CrashKind,
    filter: PlatformFilter,
    generated_at: DateTime<Utc>,
) -> CrashFreeReport {
    let platforms = Platform::ALL
        .into_iter()
        .filter(|&p| filter.includes(p))
        .filter(|&p| counts.daily.keys().any(|(q, _)| *q == p))
        .map(|p| platform_report(counts, range, p, slo.get(p)))
        .collect();
    CrashFreeReport {
        kind: "crash_free",
        generated_at,
        first_day: range.first(),
        last_day: range.last(),
        crash,
        platforms,
    }
}

fn platform_report(
    counts: &CrashCounts,
    range: DayRange,
    platform: Platform,
    slo: f64,
) -> PlatformReport {
    let window = |w: Window| {
        WindowStats::new(
            counts
                .windows
                .get(&(platform, w))
                .copied()
                .unwrap_or_default(),
            slo,
        )
    };
    let daily_counts: Vec<Counts> = range
        .days()
        .map(|d| {
            counts
                .daily
                .get(&(platform, d))
                .copied()
                .unwrap_or_default()
        })
        .collect();
    let rates: Vec<Option<f64>> = daily_counts.iter().map(|&c| crash_free_rate(c)).collect();
    let daily: Vec<DailyPoint> = daily_counts
        .iter()
        .enumerate()
        .map(|(i, c)| DailyPoint {
            date: range.date_at(i),
            users: c.users,
            crashed_users: c.crashed_users,
            crash_free_rate: rates[i],
            sma_7d: sma(&rates, i, 7),
            sma_30d: sma(&rates, i, 30),
        })
        .collect();
    let sma_7d: Vec<Option<f64>> = daily.iter().map(|d| d.sma_7d).collect();
    PlatformReport {
        platform,
        slo,
        trend: Trend::from_sma(&sma_7d, slo),
        windows: WindowPair {
            days7: window(Window::Days7),
            days30: window(Window::Days30),
        },
        versions: version_reports(counts, platform, slo),
        daily,
    }
}

/// Versions used in the 30-day window, most users first (ties by version name).
fn version_reports(counts: &CrashCounts, platform: Platform, slo: f64) -> Vec<VersionReport> {
    let mut names: Vec<&String> = counts
        .versions
        .keys()
        .filter(|(p, _, _)| *p == platform)
        .map(|(_, v, _)| v)
        .collect();
    names.dedup();
    let get = |name: &String, w: Window| {
        counts
            .versions
            .get(&(platform, name.clone(), w))
            .copied()
            .unwrap_or_default()
    };
    let mut versions: Vec<VersionReport> = names
        .into_iter()
        .filter(|name| get(name, Window::Days30).users > 0)
        .map(|name| VersionReport {
            version: name.clone(),
            windows: WindowPair {
                days7: WindowStats::new(get(name, Window::Days7), slo),
                days30: WindowStats::new(get(name, Window::Days30), slo),
            },
        })
        .collect();
    versions.sort_by(|a, b| {
        b.windows
            .days30
            .users
            .cmp(&a.windows.days30.users)
            .then_with(|| a.version.cmp(&b.version))
    });
    versions
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 3, 0, 0).unwrap()
    }

    /// Every day of `range` for iOS with `users` users and `crashed(i)` crashed.
    fn daily(range: DayRange, users: u64, crashed: impl Fn(usize) -> u64) -> CrashCounts {
        let mut counts = CrashCounts::default();
        for (i, d) in range.days().enumerate() {
            counts.daily.insert(
                (Platform::Ios, d),
                Counts {
                    users,
                    crashed_users: crashed(i),
                },
            );
        }
        counts
    }

    fn report(counts: &CrashCounts, range: DayRange) -> CrashFreeReport {
        build_report(
            counts,
            range,
            SloTargets::default(),
            CrashKind::Any,
            PlatformFilter::Both,
            now(),
        )
    }

    #[test]
    fn daily_rate_is_share_of_users_without_a_crash() {
        assert_eq!(
            crash_free_rate(Counts {
                users: 4,
                crashed_users: 1
            }),
            Some(0.75)
        );
        assert_eq!(
            crash_free_rate(Counts {
                users: 0,
                crashed_users: 0
            }),
            None
        );
    }

    #[test]
    fn sma_is_null_until_the_window_is_full_at_range_start() {
        let range = DayRange::ending(date(11, 21), 10);
        let r = report(&daily(range, 100, |_| 1), range);
        let ios = &r.platforms[0];
        assert!(ios.daily[..6].iter().all(|d| d.sma_7d.is_none()));
        assert!((ios.daily[6].sma_7d.unwrap() - 0.99).abs() < 1e-12);
        assert!(ios.daily.iter().all(|d| d.sma_30d.is_none()));
    }

    #[test]
    fn sma_is_null_while_a_missing_day_is_inside_its_window() {
        let range = DayRange::ending(date(11, 21), 20);
        let mut counts = daily(range, 100, |_| 0);
        counts.daily.remove(&(Platform::Ios, range.date_at(10)));
        let r = report(&counts, range);
        let d = &r.platforms[0].daily;
        assert_eq!(d[10].users, 0);
        assert_eq!(d[10].crash_free_rate, None);
        assert_eq!(d[9].sma_7d, Some(1.0));
        assert!((10..=16).all(|i| d[i].sma_7d.is_none()));
        assert_eq!(d[17].sma_7d, Some(1.0));
    }

    #[test]
    fn sma_is_the_plain_mean_of_daily_rates() {
        let range = DayRange::ending(date(11, 21), 7);
        // Rates 1.0 ×6 and 0.5: the mean is 13/14, not a users-weighted figure.
        let mut counts = daily(range, 10, |_| 0);
        counts.daily.insert(
            (Platform::Ios, range.last()),
            Counts {
                users: 2,
                crashed_users: 1,
            },
        );
        let r = report(&counts, range);
        assert_eq!(r.platforms[0].daily[6].sma_7d, Some((6.0 + 0.5) / 7.0));
    }

    #[test]
    fn daily_has_one_entry_per_calendar_day_oldest_first() {
        let range = DayRange::ending(date(11, 21), 60);
        let mut counts = CrashCounts::default();
        counts.daily.insert(
            (Platform::Android, date(11, 1)),
            Counts {
                users: 3,
                crashed_users: 0,
            },
        );
        let r = report(&counts, range);
        assert_eq!(r.platforms.len(), 1);
        let d = &r.platforms[0].daily;
        assert_eq!(d.len(), 60);
        assert_eq!(d[0].date, date(9, 23));
        assert_eq!(d[59].date, date(11, 21));
    }

    #[test]
    fn meets_slo_compares_the_window_rate_with_the_platform_slo() {
        let range = DayRange::ending(date(11, 21), 30);
        let mut counts = daily(range, 100, |_| 0);
        counts.windows.insert(
            (Platform::Ios, Window::Days7),
            Counts {
                users: 10_000,
                crashed_users: 5,
            },
        );
        counts.windows.insert(
            (Platform::Ios, Window::Days30),
            Counts {
                users: 10_000,
                crashed_users: 6,
            },
        );
        let r = report(&counts, range);
        let w = &r.platforms[0].windows;
        assert_eq!(w.days7.crash_free_rate, Some(0.9995));
        assert_eq!(w.days7.meets_slo, Some(true), "exactly at the SLO meets it");
        assert_eq!(w.days30.meets_slo, Some(false));
        assert!(r.misses_slo());
    }

    #[test]
    fn a_window_without_users_neither_meets_nor_misses() {
        let range = DayRange::ending(date(11, 21), 30);
        let r = report(&daily(range, 1, |_| 0), range);
        assert_eq!(r.platforms[0].windows.days7.meets_slo, None);
        assert!(!r.misses_slo());
    }

    #[test]
    fn versions_sort_by_thirty_day_users() {
        let range = DayRange::ending(date(11, 21), 30);
        let mut counts = daily(range, 1, |_| 0);
        for (v, users) in [("1.0", 5), ("1.2", 9), ("1.1", 9)] {
            counts.versions.insert(
                (Platform::Ios, v.into(), Window::Days30),
                Counts {
                    users,
                    crashed_users: 0,
                },
            );
        }
        let r = report(&counts, range);
        let names: Vec<_> = r.platforms[0]
            .versions
            .iter()
            .map(|v| v.version.as_str())
            .collect();
        assert_eq!(names, ["1.1", "1.2", "1.0"]);
        assert_eq!(r.platforms[0].versions[0].windows.days7.users, 0);
    }

    #[test]
    fn platform_filter_drops_the_other_platform() {
        let range = DayRange::ending(date(11, 21), 3);
        let mut counts = daily(range, 1, |_| 0);
        counts.daily.insert(
            (Platform::Android, range.last()),
            Counts {
                users: 1,
                crashed_users: 0,
            },
        );
        let r = build_report(
            &counts,
            range,
            SloTargets::default(),
            CrashKind::Any,
            PlatformFilter::Only(Platform::Android),
            now(),
        );
        assert_eq!(r.platforms.len(), 1);
        assert_eq!(r.platforms[0].platform, Platform::Android);
    }

    #[test]
    fn json_has_the_contract_shape() {
        let range = DayRange::ending(date(11, 21), 1);
        let r = report(&daily(range, 4, |_| 1), range);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["kind"], "crash_free");
        assert_eq!(json["generated_at"], "2026-11-22T03:00:00Z");
        assert_eq!(json["last_day"], "2026-11-21");
        assert_eq!(json["crash"], "any");
        let p = &json["platforms"][0];
        assert_eq!(p["platform"], "IOS");
        assert_eq!(p["daily"][0]["crash_free_rate"], 0.75);
        assert!(p["daily"][0]["sma_7d"].is_null());
        assert!(p["windows"]["7d"].is_object() && p["windows"]["30d"].is_object());
    }
}
