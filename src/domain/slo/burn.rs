//! Burn rates and the SRE workbook's multiwindow, multi-burn-rate alerts.
//!
//! A burn rate of 1 spends the budget exactly over the window; 14.4 over an hour spends 2 %
//! of a 30-day budget. Each alert pairs a long window (is it significant?) with a short one
//! (is it still happening?), so it fires fast and resets fast.

use chrono::Duration;
use serde::Serialize;

use super::budget::{reaches, Tally};

/// (bad / total) / (1 − target), `None` without data in the burn window.
pub fn burn_rate(spent: Tally, complement: f64) -> Option<f64> {
    spent
        .has_data()
        .then(|| spent.bad() / spent.total / complement)
}

/// Every burn window evaluated; only the four long ones are in the JSON.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct BurnRates {
    #[serde(skip)]
    pub m5: Option<f64>,
    #[serde(skip)]
    pub m30: Option<f64>,
    #[serde(rename = "1h")]
    pub h1: Option<f64>,
    #[serde(skip)]
    pub h2: Option<f64>,
    #[serde(rename = "6h")]
    pub h6: Option<f64>,
    #[serde(rename = "1d")]
    pub d1: Option<f64>,
    #[serde(rename = "3d")]
    pub d3: Option<f64>,
}

/// One burn window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BurnWindow {
    M5,
    M30,
    H1,
    H2,
    H6,
    D1,
    D3,
}

impl BurnWindow {
    pub const ALL: [BurnWindow; 7] = [
        BurnWindow::M5,
        BurnWindow::M30,
        BurnWindow::H1,
        BurnWindow::H2,
        BurnWindow::H6,
        BurnWindow::D1,
        BurnWindow::D3,
    ];

    /// The longest window: data older than this before now never matters to a burn rate.
    pub const LONGEST: BurnWindow = BurnWindow::D3;

    pub fn length(self) -> Duration {
        match self {
            BurnWindow::M5 => Duration::minutes(5),
            BurnWindow::M30 => Duration::minutes(30),
            BurnWindow::H1 => Duration::hours(1),
            BurnWindow::H2 => Duration::hours(2),
            BurnWindow::H6 => Duration::hours(6),
            BurnWindow::D1 => Duration::days(1),
            BurnWindow::D3 => Duration::days(3),
        }
    }

    /// The window as a PromQL duration in its largest whole unit: `5m`, `1h`, `3d`.
    pub fn label(self) -> &'static str {
        match self {
            BurnWindow::M5 => "5m",
            BurnWindow::M30 => "30m",
            BurnWindow::H1 => "1h",
            BurnWindow::H2 => "2h",
            BurnWindow::H6 => "6h",
            BurnWindow::D1 => "1d",
            BurnWindow::D3 => "3d",
        }
    }
}

impl BurnRates {
    /// Builds the rates from a function giving each window's rate.
    pub fn from_fn(mut rate: impl FnMut(BurnWindow) -> Option<f64>) -> BurnRates {
        BurnRates {
            m5: rate(BurnWindow::M5),
            m30: rate(BurnWindow::M30),
            h1: rate(BurnWindow::H1),
            h2: rate(BurnWindow::H2),
            h6: rate(BurnWindow::H6),
            d1: rate(BurnWindow::D1),
            d3: rate(BurnWindow::D3),
        }
    }

    pub fn get(&self, window: BurnWindow) -> Option<f64> {
        match window {
            BurnWindow::M5 => self.m5,
            BurnWindow::M30 => self.m30,
            BurnWindow::H1 => self.h1,
            BurnWindow::H2 => self.h2,
            BurnWindow::H6 => self.h6,
            BurnWindow::D1 => self.d1,
            BurnWindow::D3 => self.d3,
        }
    }

    /// The pairs whose long and short windows both reach their threshold, in severity order.
    pub fn firing(&self) -> Vec<AlertPair> {
        AlertPair::ALL
            .into_iter()
            .filter(|pair| pair.fires(self))
            .collect()
    }
}

/// A multiwindow alert: page (1h & 5m ≥ 14.4, 6h & 30m ≥ 6) or ticket (1d & 2h ≥ 3,
/// 3d & 6h ≥ 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum AlertPair {
    #[serde(rename = "page_1h_5m")]
    Page1h5m,
    #[serde(rename = "page_6h_30m")]
    Page6h30m,
    #[serde(rename = "ticket_1d_2h")]
    Ticket1d2h,
    #[serde(rename = "ticket_3d_6h")]
    Ticket3d6h,
}

impl AlertPair {
    pub const ALL: [AlertPair; 4] = [
        AlertPair::Page1h5m,
        AlertPair::Page6h30m,
        AlertPair::Ticket1d2h,
        AlertPair::Ticket3d6h,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertPair::Page1h5m => "page_1h_5m",
            AlertPair::Page6h30m => "page_6h_30m",
            AlertPair::Ticket1d2h => "ticket_1d_2h",
            AlertPair::Ticket3d6h => "ticket_3d_6h",
        }
    }

    /// (long window, short window, burn-rate threshold).
    pub fn rule(self) -> (BurnWindow, BurnWindow, f64) {
        match self {
            AlertPair::Page1h5m => (BurnWindow::H1, BurnWindow::M5, 14.4),
            AlertPair::Page6h30m => (BurnWindow::H6, BurnWindow::M30, 6.0),
            AlertPair::Ticket1d2h => (BurnWindow::D1, BurnWindow::H2, 3.0),
            AlertPair::Ticket3d6h => (BurnWindow::D3, BurnWindow::H6, 1.0),
        }
    }

    /// Pages wake someone up; tickets wait for working hours.
    pub fn is_page(self) -> bool {
        matches!(self, AlertPair::Page1h5m | AlertPair::Page6h30m)
    }

    /// Both windows have data and reach the threshold.
    pub fn fires(self, rates: &BurnRates) -> bool {
        let (long, short, threshold) = self.rule();
        let meets = |w| rates.get(w).is_some_and(|r| reaches(r, threshold));
        meets(long) && meets(short)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::slo::budget::complement;

    fn rates(pairs: &[(BurnWindow, f64)]) -> BurnRates {
        BurnRates::from_fn(|w| pairs.iter().find(|(x, _)| *x == w).map(|(_, r)| *r))
    }

    #[test]
    fn burn_rate_is_the_bad_ratio_over_the_allowed_ratio() {
        let spent = Tally {
            good: 9_856.0,
            total: 10_000.0,
        };
        let r = burn_rate(spent, complement(0.999)).unwrap();
        assert!((r - 14.4).abs() < 1e-9, "{r}");
        assert_eq!(
            burn_rate(
                Tally {
                    good: 99.0,
                    total: 100.0
                },
                complement(0.99)
            ),
            Some(1.0)
        );
        assert_eq!(
            burn_rate(
                Tally {
                    good: 100.0,
                    total: 100.0
                },
                complement(0.99)
            ),
            Some(0.0)
        );
    }

    #[test]
    fn burn_rate_is_null_without_data() {
        assert_eq!(burn_rate(Tally::default(), complement(0.999)), None);
    }

    #[test]
    fn page_1h_5m_fires_only_when_both_reach_14_4() {
        use BurnWindow::*;
        assert_eq!(
            rates(&[(H1, 14.4), (M5, 20.0)]).firing(),
            [AlertPair::Page1h5m]
        );
        assert!(rates(&[(H1, 14.3), (M5, 20.0)]).firing().is_empty());
        assert!(rates(&[(H1, 20.0), (M5, 14.3)]).firing().is_empty());
        assert!(rates(&[(H1, 20.0)]).firing().is_empty(), "5m without data");
    }

    #[test]
    fn page_6h_30m_fires_only_when_both_reach_6() {
        use BurnWindow::*;
        assert_eq!(
            rates(&[(H6, 6.0), (M30, 6.0)]).firing(),
            [AlertPair::Page6h30m]
        );
        assert!(rates(&[(H6, 5.9), (M30, 50.0)]).firing().is_empty());
        assert!(rates(&[(H6, 50.0), (M30, 5.9)]).firing().is_empty());
    }

    #[test]
    fn ticket_1d_2h_fires_only_when_both_reach_3() {
        use BurnWindow::*;
        assert_eq!(
            rates(&[(D1, 3.0), (H2, 3.5)]).firing(),
            [AlertPair::Ticket1d2h]
        );
        assert!(rates(&[(D1, 2.9), (H2, 3.5)]).firing().is_empty());
        assert!(rates(&[(D1, 3.5), (H2, 2.9)]).firing().is_empty());
    }

    #[test]
    fn ticket_3d_6h_fires_only_when_both_reach_1() {
        use BurnWindow::*;
        assert_eq!(
            rates(&[(D3, 1.0), (H6, 1.0)]).firing(),
            [AlertPair::Ticket3d6h]
        );
        assert!(rates(&[(D3, 0.99), (H6, 5.0)]).firing().is_empty());
        assert!(rates(&[(D3, 5.0), (H6, 0.99)]).firing().is_empty());
    }

    #[test]
    fn a_steady_fast_burn_fires_every_pair() {
        let all = BurnRates::from_fn(|_| Some(20.0));
        assert_eq!(all.firing(), AlertPair::ALL);
        assert!(AlertPair::Page1h5m.is_page() && !AlertPair::Ticket3d6h.is_page());
    }

    #[test]
    fn only_the_four_long_windows_are_serialized() {
        let json = serde_json::to_value(BurnRates::from_fn(|_| Some(1.5))).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"1h": 1.5, "6h": 1.5, "1d": 1.5, "3d": 1.5})
        );
        assert_eq!(
            serde_json::to_value(AlertPair::Ticket3d6h).unwrap(),
            "ticket_3d_6h"
        );
    }
}
