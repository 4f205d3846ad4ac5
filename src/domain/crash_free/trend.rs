//! Whether a platform is getting better or worse, from the recent slope of its 7-day SMA.

use serde::Serialize;

/// Direction of the 7-day SMA over the last week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    Improving,
    Worsening,
    Steady,
}

/// Days of SMA-7 the slope is fitted over.
pub const TREND_DAYS: usize = 7;

/// A week's change smaller than this share of the error budget (1 − SLO) is noise, not a
/// trend: 0.25 × 0.04 % = 0.01 percentage points for a 99.96 % SLO.
pub const STEADY_SHARE_OF_BUDGET: f64 = 0.25;

impl Trend {
    /// Least-squares slope of the last [`TREND_DAYS`] SMA-7 values (oldest first, `None` where
    /// the SMA is undefined), scaled to the change across those days. `None` with fewer than
    /// two defined points.
    pub fn from_sma(sma_7d: &[Option<f64>], slo: f64) -> Option<Trend> {
        let tail = &sma_7d[sma_7d.len().saturating_sub(TREND_DAYS)..];
        let points: Vec<(f64, f64)> = tail
            .iter()
            .enumerate()
            .filter_map(|(x, y)| y.map(|y| (x as f64, y)))
            .collect();
        if points.len() < 2 {
            return None;
        }
        let n = points.len() as f64;
        let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
        let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
        let sxy: f64 = points
            .iter()
            .map(|(x, y)| (x - mean_x) * (y - mean_y))
            .sum();
        let sxx: f64 = points.iter().map(|(x, _)| (x - mean_x).powi(2)).sum();
        let change = sxy / sxx * (TREND_DAYS - 1) as f64;
        let noise = STEADY_SHARE_OF_BUDGET * (1.0 - slo).max(f64::EPSILON);
        Some(if change > noise {
            Trend::Improving
        } else if change < -noise {
            Trend::Worsening
        } else {
            Trend::Steady
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rising_sma_is_improving_and_falling_is_worsening() {
        let up: Vec<_> = (0..7).map(|i| Some(0.990 + 0.001 * i as f64)).collect();
        let down: Vec<_> = up.iter().rev().copied().collect();
        assert_eq!(Trend::from_sma(&up, 0.996), Some(Trend::Improving));
        assert_eq!(Trend::from_sma(&down, 0.996), Some(Trend::Worsening));
    }

    #[test]
    fn a_change_within_a_quarter_of_the_budget_is_steady() {
        // Budget 0.004, so a week's change below 0.001 is steady.
        let flat: Vec<_> = (0..7).map(|i| Some(0.997 + 0.0001 * i as f64)).collect();
        assert_eq!(Trend::from_sma(&flat, 0.996), Some(Trend::Steady));
    }

    #[test]
    fn only_the_last_week_matters_and_gaps_are_skipped() {
        let mut series: Vec<_> = (0..20).map(|i| Some(0.9 + 0.005 * i as f64)).collect();
        series.extend((0..7).map(|i| {
            if i == 3 {
                None
            } else {
                Some(0.999 - 0.001 * i as f64)
            }
        }));
        assert_eq!(Trend::from_sma(&series, 0.996), Some(Trend::Worsening));
    }

    #[test]
    fn fewer_than_two_points_have_no_trend() {
        assert_eq!(Trend::from_sma(&[None, None, Some(0.99)], 0.996), None);
        assert_eq!(Trend::from_sma(&[], 0.996), None);
    }
}
