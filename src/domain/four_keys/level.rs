//! DORA 2023 performance levels, graded as the contract states.
//!
//! Boundaries are compared exactly: counts in integers (7 deployments in 7 days is elite,
//! 1 failure in 20 is 5 % and elite) and durations in seconds (a median lead time of
//! exactly one day is `high`, not `elite`).

use chrono::Duration;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Elite,
    High,
    Medium,
    Low,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Elite => "elite",
            Level::High => "high",
            Level::Medium => "medium",
            Level::Low => "low",
        }
    }
}

const HOUR: f64 = 3_600.0;
const DAY: f64 = 86_400.0;
const WEEK: f64 = 7.0 * DAY;
const MONTH: f64 = 30.0 * DAY;

/// Elite ≥ 7/week, high ≥ 1/week, medium ≥ 1 per 30 days, else low; `None` without
/// deployments (the source may simply have found none: no tag matched).
pub fn deployment_frequency(deployments: usize, window: Duration) -> Option<Level> {
    if deployments == 0 {
        return None;
    }
    // n / W ≥ k / P  ⇔  n·P ≥ k·W, in milliseconds.
    let n = deployments as i128;
    let w = i128::from(window.num_milliseconds());
    let at_least = |k: i128, period: Duration| n * i128::from(period.num_milliseconds()) >= k * w;
    Some(if at_least(7, Duration::weeks(1)) {
        Level::Elite
    } else if at_least(1, Duration::weeks(1)) {
        Level::High
    } else if at_least(1, Duration::days(30)) {
        Level::Medium
    } else {
        Level::Low
    })
}

/// Graded on the median: elite < 1 day, high < 1 week, medium < 30 days, else low.
pub fn lead_time(median_seconds: f64) -> Level {
    below(median_seconds, [DAY, WEEK, MONTH])
}

/// Elite ≤ 5 %, high ≤ 10 %, medium ≤ 15 %, else low; `None` without deployments.
pub fn change_failure_rate(failed: usize, deployments: usize) -> Option<Level> {
    if deployments == 0 {
        return None;
    }
    let at_most = |percent: usize| failed * 100 <= percent * deployments;
    Some(if at_most(5) {
        Level::Elite
    } else if at_most(10) {
        Level::High
    } else if at_most(15) {
        Level::Medium
    } else {
        Level::Low
    })
}

/// Graded on the median: elite < 1 hour, high < 1 day, medium < 1 week, else low.
pub fn time_to_restore(median_seconds: f64) -> Level {
    below(median_seconds, [HOUR, DAY, WEEK])
}

fn below(seconds: f64, [elite, high, medium]: [f64; 3]) -> Level {
    if seconds < elite {
        Level::Elite
    } else if seconds < high {
        Level::High
    } else if seconds < medium {
        Level::Medium
    } else {
        Level::Low
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_deployments_a_week_is_elite_and_six_is_high() {
        let week = Duration::weeks(1);
        assert_eq!(deployment_frequency(7, week), Some(Level::Elite));
        assert_eq!(deployment_frequency(6, week), Some(Level::High));
        let quarter = Duration::days(90);
        assert_eq!(deployment_frequency(90, quarter), Some(Level::Elite));
        assert_eq!(deployment_frequency(89, quarter), Some(Level::High));
    }

    #[test]
    fn one_deployment_a_week_is_high_and_less_is_medium() {
        assert_eq!(
            deployment_frequency(1, Duration::weeks(1)),
            Some(Level::High)
        );
        let quarter = Duration::days(91);
        assert_eq!(deployment_frequency(13, quarter), Some(Level::High));
        assert_eq!(deployment_frequency(12, quarter), Some(Level::Medium));
    }

    #[test]
    fn one_deployment_per_30_days_is_medium_and_less_is_low() {
        assert_eq!(
            deployment_frequency(1, Duration::days(30)),
            Some(Level::Medium)
        );
        assert_eq!(
            deployment_frequency(3, Duration::days(90)),
            Some(Level::Medium)
        );
        assert_eq!(
            deployment_frequency(2, Duration::days(90)),
            Some(Level::Low)
        );
        assert_eq!(
            deployment_frequency(1, Duration::days(30) + Duration::seconds(1)),
            Some(Level::Low)
        );
    }

    #[test]
    fn no_deployments_has_no_frequency_level() {
        assert_eq!(deployment_frequency(0, Duration::days(90)), None);
    }

    #[test]
    fn lead_time_boundaries_belong_to_the_slower_level() {
        assert_eq!(lead_time(DAY - 1.0), Level::Elite);
        assert_eq!(lead_time(DAY), Level::High);
        assert_eq!(lead_time(WEEK - 0.5), Level::High);
        assert_eq!(lead_time(WEEK), Level::Medium);
        assert_eq!(lead_time(MONTH - 1.0), Level::Medium);
        assert_eq!(lead_time(MONTH), Level::Low);
        assert_eq!(lead_time(0.0), Level::Elite);
    }

    #[test]
    fn change_failure_rate_boundaries_belong_to_the_better_level() {
        assert_eq!(change_failure_rate(0, 20), Some(Level::Elite));
        assert_eq!(change_failure_rate(1, 20), Some(Level::Elite), "5 %");
        assert_eq!(change_failure_rate(1, 19), Some(Level::High), "5.3 %");
        assert_eq!(change_failure_rate(2, 20), Some(Level::High), "10 %");
        assert_eq!(change_failure_rate(3, 29), Some(Level::Medium), "10.3 %");
        assert_eq!(change_failure_rate(3, 20), Some(Level::Medium), "15 %");
        assert_eq!(change_failure_rate(4, 26), Some(Level::Low), "15.4 %");
        assert_eq!(change_failure_rate(1, 1), Some(Level::Low));
        assert_eq!(change_failure_rate(0, 0), None);
    }

    #[test]
    fn time_to_restore_boundaries_belong_to_the_slower_level() {
        assert_eq!(time_to_restore(HOUR - 1.0), Level::Elite);
        assert_eq!(time_to_restore(HOUR), Level::High);
        assert_eq!(time_to_restore(DAY - 1.0), Level::High);
        assert_eq!(time_to_restore(DAY), Level::Medium);
        assert_eq!(time_to_restore(WEEK - 1.0), Level::Medium);
        assert_eq!(time_to_restore(WEEK), Level::Low);
    }

    #[test]
    fn levels_serialize_lowercase() {
        assert_eq!(serde_json::to_value(Level::Elite).unwrap(), "elite");
        assert_eq!(serde_json::to_value(Some(Level::Medium)).unwrap(), "medium");
        assert_eq!(
            serde_json::to_value(None::<Level>).unwrap(),
            serde_json::Value::Null
        );
        assert_eq!(Level::Low.as_str(), "low");
    }
}
