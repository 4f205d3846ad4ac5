//! Deploy impact (`four-keys --impact`): what the SLOs saw after each deployment, against
//! what they saw the day before, and whether that makes the deployment suspect.
//!
//! Each window is the deployment's own: `[t, t + window)` capped at now, and `[t − 1d, t)`.
//! Consecutive deployments' windows may overlap; each counts everything in its own, since
//! which of them caused a burst is for people to judge, not arithmetic. The burn-rate and
//! spend rules are the SLO domain's ([`SpendLedger`]).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::domain::crash_free::ReleaseHealth;
use crate::domain::slo::{reaches, SpendLedger};

/// How long before a deployment its "before" burn rate looks.
pub fn before_window() -> Duration {
    Duration::days(1)
}

/// `--impact-window` and `--impact-threshold`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ImpactOptions {
    /// The after-window's length (default 1 h).
    pub window: Duration,
    /// The burn rate after a deployment from which it is suspect (default 6).
    pub threshold: f64,
}

impl Default for ImpactOptions {
    fn default() -> Self {
        ImpactOptions {
            window: Duration::hours(1),
            threshold: 6.0,
        }
    }
}

/// `--failures-from`: what makes a deployment count in the change failure rate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailuresFrom {
    /// An incident belongs to it.
    #[default]
    Incidents,
    /// It is suspect (the SLOs burned after it).
    Slo,
    /// Either.
    Both,
}

/// One SLO objective's data, as the impact needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct SloTrack {
    pub slo: String,
    pub objective: String,
    pub ledger: SpendLedger,
    /// `allowed_bad` of the objective's current window: what `budget_consumed` divides by.
    pub allowed_bad: f64,
}

/// The contract's `impact` entry: one objective around one deployment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SloImpact {
    pub slo: String,
    pub objective: String,
    /// Bad and total units (events or slices) in the after-window.
    pub bad: f64,
    pub total: f64,
    pub burn_rate_after: Option<f64>,
    pub burn_rate_before: Option<f64>,
    /// bad / `allowed_bad` of the current window; `null` without data after, or without an
    /// allowance (no events in the current window).
    pub budget_consumed: Option<f64>,
}

impl SloImpact {
    /// The contract's `suspect` rule for one objective: burned at least `threshold` after
    /// the deployment, and more than before it (no data before counts as 0).
    pub fn burned(&self, threshold: f64) -> bool {
        self.burn_rate_after.is_some_and(|after| {
            reaches(after, threshold) && after > self.burn_rate_before.unwrap_or(0.0)
        })
    }
}

/// The objective around a deployment at `t`.
pub fn slo_impact(
    track: &SloTrack,
    t: DateTime<Utc>,
    options: ImpactOptions,
    now: DateTime<Utc>,
) -> SloImpact {
    let end = (t + options.window).min(now);
    let after = track.ledger.spent(t, end);
    let burn_rate_after = track.ledger.burn_rate_of(after);
    SloImpact {
        slo: track.slo.clone(),
        objective: track.objective.clone(),
        bad: after.bad(),
        total: after.total,
        burn_rate_after,
        burn_rate_before: track.ledger.burn_rate(t - before_window(), t),
        budget_consumed: burn_rate_after
            .filter(|_| track.allowed_bad > 0.0)
            .map(|_| after.bad() / track.allowed_bad),
    }
}

/// What is known about one deployment beyond its incidents.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Assessment {
    /// One entry per SLO objective.
    pub impact: Vec<SloImpact>,
    /// The released version's crash-free users per platform, when its tag names one.
    pub crash_free: Option<Vec<ReleaseHealth>>,
    /// Some objective burned (see [`SloImpact::burned`]), or the version misses its
    /// platform's crash-free SLO.
    pub suspect: bool,
}

/// Assesses a deployment at `t` against every objective (and its release's crash-free users).
pub fn assess(
    t: DateTime<Utc>,
    tracks: &[SloTrack],
    crash_free: Option<Vec<ReleaseHealth>>,
    options: ImpactOptions,
    now: DateTime<Utc>,
) -> Assessment {
    let impact: Vec<SloImpact> = tracks
        .iter()
        .map(|track| slo_impact(track, t, options, now))
        .collect();
    let suspect = impact.iter().any(|i| i.burned(options.threshold))
        || crash_free.iter().flatten().any(ReleaseHealth::misses_slo);
    Assessment {
        impact,
        crash_free,
        suspect,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::crash_free::Platform;
    use crate::domain::slo::{BudgetingMethod, Objective, Series, TimeWindow};
    use chrono::TimeZone;

    /// 2026-03-10 10:00 UTC: the deployment in most cases.
    fn deploy() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, 10, 0, 0).unwrap()
    }

    fn minutes(m: i64) -> DateTime<Utc> {
        deploy() + Duration::minutes(m)
    }

    /// One row a minute from `from` to `to` (minutes from the deployment), 100 requests each,
    /// `bad(minute)` of them failing.
    fn traffic(from: i64, to: i64, bad: impl Fn(i64) -> f64) -> Vec<(DateTime<Utc>, f64, f64)> {
        (from..to).map(|m| (minutes(m), bad(m), 100.0)).collect()
    }

    /// A 99.9 % objective over a rolling 30 days: 1 bad in 1,000 burns at 1.
    fn track(
        rows: Vec<(DateTime<Utc>, f64, f64)>,
        now: DateTime<Utc>,
        allowed_bad: f64,
    ) -> SloTrack {
        let objective = Objective {
            name: "api-availability".into(),
            objective: "99.9 %".into(),
            target: 0.999,
            window: TimeWindow::Rolling(Duration::days(30)),
            method: BudgetingMethod::Occurrences,
            threshold: None,
            composite_weight: None,
        };
        let series = Series::bad_total(rows);
        SloTrack {
            slo: "api-availability".into(),
            objective: "99.9 %".into(),
            ledger: SpendLedger::new(&objective, &series, now - Duration::days(30), now).unwrap(),
            allowed_bad,
        }
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn a_burst_right_after_a_deploy_makes_it_suspect() {
        // The day before: 1 bad request in 1,000 (burn 1). The 20 minutes after: 2 in 100
        // (burn 20), then clean: 40 bad in 6,000 over the hour, burn 40/6000/0.001 = 6.67.
        let now = minutes(24 * 60);
        let rows = traffic(-1440, 1440, |m| match m {
            m if m < 0 && m % 10 == 0 => 1.0,
            0..=19 => 2.0,
            _ => 0.0,
        });
        let t = track(rows, now, 100.0);
        let i = slo_impact(&t, deploy(), ImpactOptions::default(), now);
        assert_eq!((i.bad, i.total), (40.0, 6_000.0));
        assert!(
            close(i.burn_rate_after, 40.0 / 6_000.0 / 0.001),
            "{:?}",
            i.burn_rate_after
        );
        assert!(close(i.burn_rate_before, 1.0), "{:?}", i.burn_rate_before);
        assert!(close(i.budget_consumed, 0.4));
        assert!(i.burned(6.0));
        assert!(assess(deploy(), &[t], None, ImpactOptions::default(), now).suspect);
    }

    #[test]
    fn a_small_burst_is_not_suspect() {
        // 5 bad over the hour after: 5/6000/0.001 = 0.83, well under 6.
        let now = minutes(24 * 60);
        let rows = traffic(-1440, 1440, |m| if (0..5).contains(&m) { 1.0 } else { 0.0 });
        let t = track(rows, now, 100.0);
        let i = slo_impact(&t, deploy(), ImpactOptions::default(), now);
        assert!(close(i.burn_rate_after, 5.0 / 6.0));
        assert_eq!(i.burn_rate_before, Some(0.0));
        assert!(!i.burned(6.0));
        assert!(!assess(deploy(), &[t], None, ImpactOptions::default(), now).suspect);
    }

    #[test]
    fn a_burn_no_higher_than_before_is_not_suspect() {
        // Burning at 10 all day, before and after: the deployment changed nothing.
        let now = minutes(24 * 60);
        let rows = traffic(-1440, 1440, |_| 1.0);
        let i = slo_impact(
            &track(rows, now, 100.0),
            deploy(),
            ImpactOptions::default(),
            now,
        );
        assert!(close(i.burn_rate_after, 10.0) && close(i.burn_rate_before, 10.0));
        assert!(!i.burned(6.0));
    }

    #[test]
    fn a_deploy_less_than_a_window_before_now_is_judged_up_to_now() {
        // Deployed 20 minutes before now: the window is those 20 minutes, 2 bad of 100 each
        // (burn 20), not an hour in which 40 minutes have not happened yet (which would be 6.67).
        let now = minutes(20);
        let rows = traffic(-1440, 20, |m| if m >= 0 { 2.0 } else { 0.0 });
        let i = slo_impact(
            &track(rows, now, 100.0),
            deploy(),
            ImpactOptions::default(),
            now,
        );
        assert_eq!((i.bad, i.total), (40.0, 2_000.0));
        assert!(close(i.burn_rate_after, 20.0));
        assert!(i.burned(6.0));
    }

    #[test]
    fn no_data_after_a_deploy_is_null_and_not_suspect() {
        let now = minutes(24 * 60);
        // Data only up to the deployment.
        let rows = traffic(-1440, 0, |_| 1.0);
        let i = slo_impact(
            &track(rows, now, 100.0),
            deploy(),
            ImpactOptions::default(),
            now,
        );
        assert_eq!((i.bad, i.total), (0.0, 0.0));
        assert_eq!(i.burn_rate_after, None);
        assert_eq!(i.budget_consumed, None);
        assert!(close(i.burn_rate_before, 10.0));
        assert!(!i.burned(6.0));
        let json = serde_json::to_value(&i).unwrap();
        assert!(json["burn_rate_after"].is_null() && json["budget_consumed"].is_null());
        // No data at all: before is null too.
        let empty = slo_impact(
            &track(vec![], now, 0.0),
            deploy(),
            ImpactOptions::default(),
            now,
        );
        assert_eq!(
            (empty.burn_rate_after, empty.burn_rate_before),
            (None, None)
        );
    }

    #[test]
    fn overlapping_windows_of_consecutive_deploys_each_count_their_own() {
        // Deploys at 0 and +30 min; 3 bad in 100 from +30 to +60, clean otherwise. The first
        // deploy's hour sees 90 bad of 6,000 (burn 15); the second's hour (to +90) sees the
        // same 90 bad of 6,000, and its day before includes the first deploy's clean half hour.
        let now = minutes(24 * 60);
        let rows = traffic(
            -1440,
            1440,
            |m| if (30..60).contains(&m) { 3.0 } else { 0.0 },
        );
        let t = track(rows, now, 100.0);
        let first = slo_impact(&t, deploy(), ImpactOptions::default(), now);
        let second = slo_impact(&t, minutes(30), ImpactOptions::default(), now);
        assert_eq!((first.bad, first.total), (90.0, 6_000.0));
        assert_eq!((second.bad, second.total), (90.0, 6_000.0));
        assert!(close(first.burn_rate_after, 15.0) && close(second.burn_rate_after, 15.0));
        assert_eq!(first.burn_rate_before, Some(0.0));
        assert_eq!(second.burn_rate_before, Some(0.0));
        assert!(first.burned(6.0) && second.burned(6.0));
    }

    #[test]
    fn the_impact_window_and_threshold_are_options() {
        let now = minutes(24 * 60);
        // 2 bad of 100 for 10 minutes: 20 bad of 1,000 in 10 minutes (burn 20), of 6,000 in
        // the hour (burn 3.33).
        let rows = traffic(
            -1440,
            1440,
            |m| if (0..10).contains(&m) { 2.0 } else { 0.0 },
        );
        let t = track(rows, now, 100.0);
        let ten = ImpactOptions {
            window: Duration::minutes(10),
            threshold: 6.0,
        };
        assert!(close(
            slo_impact(&t, deploy(), ten, now).burn_rate_after,
            20.0
        ));
        let hour = slo_impact(&t, deploy(), ImpactOptions::default(), now);
        assert!(!hour.burned(6.0) && hour.burned(3.0));
    }

    #[test]
    fn a_release_below_its_crash_free_slo_makes_the_deploy_suspect() {
        let now = minutes(24 * 60);
        let health =
            |rate| ReleaseHealth::new(Platform::Android, "5.13.0".into(), 1_000, Some(rate), 0.996);
        let a = assess(
            deploy(),
            &[],
            Some(vec![health(0.995)]),
            ImpactOptions::default(),
            now,
        );
        assert!(a.suspect);
        let b = assess(
            deploy(),
            &[],
            Some(vec![health(0.999)]),
            ImpactOptions::default(),
            now,
        );
        assert!(!b.suspect);
    }
}
