//! The deploy gate's rules (`vitals gate`): from the SLO and crash-free results a pipeline
//! already trusts, whether a deploy may go ahead, and why not.
//!
//! Blocking: an SLO `violated`, its budget left below the floor (`--min-budget`), its page
//! pair firing (1h & 5m ≥ 14.4, 6h & 30m ≥ 6), a crash-free platform's 7-day window below its
//! SLO, `at_risk` only when strict; and a check that could not run, since a gate never
//! answers "allowed" without having looked. `no_data` never blocks: it is a warning.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::crash_free::CrashFreeReport;
use crate::domain::rfc3339;
use crate::domain::slo::{SloResult, Status};

/// What may block besides the fixed rules.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GateRules {
    /// `--min-budget`: the least error budget left (a ratio) an SLO must have.
    pub min_budget: f64,
    /// `--strict`: `at_risk` blocks too.
    pub strict: bool,
}

/// Which section a finding comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Slo,
    CrashFree,
}

impl Check {
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Slo => "slo",
            Check::CrashFree => "crash_free",
        }
    }
}

/// One reason to block, or a warning: the contract's `{"check", "name", "objective", "why"}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub check: Check,
    /// The SLO's name, or the platform (`IOS`); the check's name when it could not run.
    pub name: String,
    /// The SLO objective; absent for crash-free findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objective: Option<String>,
    pub why: String,
}

/// A check's outcome as the gate sees it: its results, or why it could not run.
#[derive(Clone, Copy, Debug)]
pub enum Outcome<'a, T: ?Sized> {
    Ran(&'a T),
    Failed(&'a str),
}

/// The contract's `gate` document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GateDecision {
    pub kind: &'static str,
    #[serde(with = "rfc3339")]
    pub generated_at: DateTime<Utc>,
    pub allowed: bool,
    pub reasons: Vec<Finding>,
    pub warnings: Vec<Finding>,
    /// The checks that were asked for, in order (an addition: an empty gate is no gate).
    pub checks: Vec<Check>,
}

/// Decides from the checks that were configured (`None`: not configured).
pub fn decide(
    slo: Option<Outcome<[SloResult]>>,
    crash_free: Option<Outcome<CrashFreeReport>>,
    rules: GateRules,
    now: DateTime<Utc>,
) -> GateDecision {
    let mut reasons = Vec::new();
    let mut warnings = Vec::new();
    let mut checks = Vec::new();
    if let Some(outcome) = slo {
        checks.push(Check::Slo);
        match outcome {
            Outcome::Ran(results) => {
                for r in results {
                    let (block, warn) = slo_findings(r, rules);
                    reasons.extend(block);
                    warnings.extend(warn);
                }
            }
            Outcome::Failed(error) => reasons.push(failed(Check::Slo, error)),
        }
    }
    if let Some(outcome) = crash_free {
        checks.push(Check::CrashFree);
        match outcome {
            Outcome::Ran(report) => {
                let (block, warn) = crash_free_findings(report);
                reasons.extend(block);
                warnings.extend(warn);
            }
            Outcome::Failed(error) => reasons.push(failed(Check::CrashFree, error)),
        }
    }
    GateDecision {
        kind: "gate",
        generated_at: now,
        allowed: reasons.is_empty(),
        reasons,
        warnings,
        checks,
    }
}

fn failed(check: Check, error: &str) -> Finding {
    Finding {
        check,
        name: check.as_str().to_string(),
        objective: None,
        why: format!("the check could not run: {error}"),
    }
}

/// One objective's reasons to block, and its warnings.
pub fn slo_findings(r: &SloResult, rules: GateRules) -> (Vec<Finding>, Vec<Finding>) {
    let finding = |why: String| Finding {
        check: Check::Slo,
        name: r.name.clone(),
        objective: Some(r.objective.clone()),
        why,
    };
    let mut block = Vec::new();
    let mut warn = Vec::new();
    let remaining = r.error_budget.remaining_ratio;
    match r.status {
        Status::NoData => {
            warn.push(finding("no data in the window: not checked".into()));
            return (block, warn);
        }
        Status::Violated => block.push(finding(format!(
            "violated: error budget {} left",
            remaining.map_or("—".into(), budget_left)
        ))),
        _ => {
            if let Some(left) = remaining.filter(|left| *left < rules.min_budget) {
                block.push(finding(format!(
                    "error budget {} left, below the {} floor",
                    budget_left(left),
                    percent(rules.min_budget)
                )));
            }
        }
    }
    for pair in r.alerts.iter().filter(|p| p.is_page()) {
        let (long, short, threshold) = pair.rule();
        let rate = |w| {
            r.burn_rates
                .get(w)
                .map_or("—".into(), |b: f64| format!("{b:.1}×"))
        };
        block.push(finding(format!(
            "page alert: burn {} {}, {} {} ≥ {threshold}",
            long.label(),
            rate(long),
            short.label(),
            rate(short)
        )));
    }
    if r.status == Status::AtRisk && block.is_empty() {
        let why = at_risk_why(r);
        if rules.strict {
            block.push(finding(format!("at risk (--strict): {why}")));
        } else {
            warn.push(finding(format!(
                "at risk: {why}; blocks only with --strict"
            )));
        }
    }
    (block, warn)
}

fn at_risk_why(r: &SloResult) -> String {
    match (r.alerts.first(), r.exhaustion_forecast) {
        (Some(pair), _) => format!("{} fires", pair.as_str()),
        (None, Some(at)) => format!(
            "at the 1-day burn rate the budget runs out {}",
            at.format("%Y-%m-%d %H:%M UTC")
        ),
        (None, None) => "the budget runs out before the window ends".into(),
    }
}

/// Each platform's 7-day window against its SLO: below blocks, no users warns.
pub fn crash_free_findings(report: &CrashFreeReport) -> (Vec<Finding>, Vec<Finding>) {
    let mut block = Vec::new();
    let mut warn = Vec::new();
    for p in &report.platforms {
        let finding = |why: String| Finding {
            check: Check::CrashFree,
            name: p.platform.as_str().to_string(),
            objective: None,
            why,
        };
        let week = &p.windows.days7;
        match (week.crash_free_rate, week.meets_slo) {
            (Some(rate), Some(false)) => block.push(finding(format!(
                "7-day crash-free users {} below the {} SLO",
                precise_percent(rate),
                precise_percent(p.slo)
            ))),
            (None, _) | (_, None) => {
                warn.push(finding("no users in the last 7 days: not checked".into()))
            }
            _ => {}
        }
    }
    (block, warn)
}

/// `4.0 %`, `−64.0 %`: the budget left, to a tenth of a percent.
fn budget_left(ratio: f64) -> String {
    format!("{:.1} %", ratio * 100.0).replace('-', "−")
}

/// `10 %`, `2.5 %`: a floor as it was written.
fn percent(ratio: f64) -> String {
    let p = ratio * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{:.0} %", p)
    } else {
        format!("{p:.1} %")
    }
    .replace('-', "−")
}

/// `99.950 %`: crash-free rates need three decimals to tell SLOs apart.
fn precise_percent(ratio: f64) -> String {
    format!("{:.3} %", ratio * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::crash_free::{
        build_report, Counts, CrashCounts, CrashKind, DayRange, Platform, PlatformFilter,
        SloTargets, Window,
    };
    use crate::domain::slo::{evaluate, BudgetingMethod, Objective, Series, TimeWindow};
    use chrono::{Duration, NaiveDate, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 11, 0, 0, 0).unwrap()
    }

    fn rules() -> GateRules {
        GateRules {
            min_budget: 0.0,
            strict: false,
        }
    }

    /// A 99 % objective over a rolling 7 days: 10 days of one row a minute, 100 requests
    /// each, `bad(minutes_ago)` failing.
    fn slo(bad: impl Fn(i64) -> f64) -> SloResult {
        let objective = Objective {
            name: "api".into(),
            objective: "99 %".into(),
            target: 0.99,
            window: TimeWindow::Rolling(Duration::days(7)),
            method: BudgetingMethod::Occurrences,
            threshold: None,
            composite_weight: None,
        };
        let rows = (1..=10 * 1_440)
            .rev()
            .map(|ago| (now() - Duration::minutes(ago), bad(ago), 100.0));
        evaluate(&objective, &Series::bad_total(rows), now()).unwrap()
    }

    fn one_slo(result: &SloResult, rules: GateRules) -> GateDecision {
        decide(
            Some(Outcome::Ran(std::slice::from_ref(result))),
            None,
            rules,
            now(),
        )
    }

    fn whys(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.why.as_str()).collect()
    }

    #[test]
    fn a_healthy_slo_allows_the_deploy() {
        let d = one_slo(&slo(|_| 0.1), rules());
        assert!(d.allowed);
        assert!(d.reasons.is_empty() && d.warnings.is_empty());
        assert_eq!(d.checks, [Check::Slo]);
    }

    #[test]
    fn a_violated_slo_blocks() {
        // 2 % bad against a 1 % allowance: twice the budget.
        let r = slo(|_| 2.0);
        assert_eq!(r.status, Status::Violated);
        let d = one_slo(&r, rules());
        assert!(!d.allowed);
        assert_eq!(whys(&d.reasons), ["violated: error budget −100.0 % left"]);
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(
            json["reasons"][0],
            serde_json::json!({"check": "slo", "name": "api", "objective": "99 %",
                               "why": "violated: error budget −100.0 % left"})
        );
    }

    #[test]
    fn a_budget_below_the_floor_blocks() {
        // 0.96 of 1 allowed per 100: 4 % left, under a 10 % floor, over a 0 % one.
        let r = slo(|_| 0.96);
        assert_eq!(r.status, Status::Ok);
        let floor = GateRules {
            min_budget: 0.1,
            ..rules()
        };
        let d = one_slo(&r, floor);
        assert!(!d.allowed);
        assert_eq!(
            whys(&d.reasons),
            ["error budget 4.0 % left, below the 10 % floor"]
        );
        assert!(one_slo(&r, rules()).allowed, "the default floor is 0");
    }

    #[test]
    fn a_firing_page_pair_blocks() {
        // Clean except the last hour, 20 % bad: burn 20 over 1h and 5m (≥ 14.4), 3.3 over 6h
        // (< 6), and the budget holds (1,200 bad of 10,080 allowed).
        let r = slo(|ago| if ago <= 60 { 20.0 } else { 0.0 });
        assert_eq!(r.status, Status::AtRisk);
        let d = one_slo(&r, rules());
        assert!(!d.allowed);
        assert_eq!(
            whys(&d.reasons),
            ["page alert: burn 1h 20.0×, 5m 20.0× ≥ 14.4"]
        );
    }

    #[test]
    fn at_risk_alone_warns_and_blocks_only_when_strict() {
        // 4 % bad over the last day: the ticket pairs fire (1d & 2h at 4 ≥ 3; 3d at 1.33 and
        // 6h at 4 ≥ 1), no page pair (6h at 4 < 6).
        let r = slo(|ago| if ago <= 1_440 { 4.0 } else { 0.0 });
        assert_eq!(r.status, Status::AtRisk);
        assert!(r.alerts.iter().all(|p| !p.is_page()), "{:?}", r.alerts);
        let lenient = one_slo(&r, rules());
        assert!(lenient.allowed);
        assert_eq!(
            whys(&lenient.warnings),
            ["at risk: ticket_1d_2h fires; blocks only with --strict"]
        );
        let strict = one_slo(
            &r,
            GateRules {
                strict: true,
                ..rules()
            },
        );
        assert!(!strict.allowed);
        assert_eq!(
            whys(&strict.reasons),
            ["at risk (--strict): ticket_1d_2h fires"]
        );
    }

    #[test]
    fn no_data_never_blocks_even_when_strict() {
        let objective = Objective {
            name: "quiet".into(),
            objective: "0".into(),
            target: 0.99,
            window: TimeWindow::Rolling(Duration::days(7)),
            method: BudgetingMethod::Occurrences,
            threshold: None,
            composite_weight: None,
        };
        let r = evaluate(&objective, &Series::good_total([]), now()).unwrap();
        for strict in [false, true] {
            let d = one_slo(
                &r,
                GateRules {
                    min_budget: 0.5,
                    strict,
                },
            );
            assert!(d.allowed);
            assert_eq!(whys(&d.warnings), ["no data in the window: not checked"]);
        }
    }

    fn crash_report(crashed_ios: u64) -> CrashFreeReport {
        let last = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let range = DayRange::ending(last, 7);
        let mut counts = CrashCounts::default();
        for p in Platform::ALL {
            counts.daily.insert(
                (p, last),
                Counts {
                    users: 10_000,
                    crashed_users: 0,
                },
            );
        }
        let week = |crashed| Counts {
            users: 10_000,
            crashed_users: crashed,
        };
        counts
            .windows
            .insert((Platform::Ios, Window::Days7), week(crashed_ios));
        counts
            .windows
            .insert((Platform::Android, Window::Days7), week(10));
        build_report(
            &counts,
            range,
            SloTargets::default(),
            CrashKind::Any,
            PlatformFilter::Both,
            now(),
        )
    }

    #[test]
    fn a_crash_free_platform_below_its_7d_slo_blocks() {
        // iOS 6 crashed of 10,000: 99.94 % < 99.95 %. Android 99.9 % ≥ 99.6 %.
        let report = crash_report(6);
        let d = decide(None, Some(Outcome::Ran(&report)), rules(), now());
        assert!(!d.allowed);
        assert_eq!(d.reasons.len(), 1);
        assert_eq!(d.reasons[0].name, "IOS");
        assert_eq!(d.reasons[0].check, Check::CrashFree);
        assert_eq!(
            d.reasons[0].why,
            "7-day crash-free users 99.940 % below the 99.950 % SLO"
        );
        assert!(serde_json::to_value(&d.reasons[0])
            .unwrap()
            .get("objective")
            .is_none());
        let fine = crash_report(5);
        assert!(decide(None, Some(Outcome::Ran(&fine)), rules(), now()).allowed);
    }

    #[test]
    fn a_check_that_failed_to_run_blocks() {
        let healthy = slo(|_| 0.1);
        let d = decide(
            Some(Outcome::Ran(std::slice::from_ref(&healthy))),
            Some(Outcome::Failed("BigQuery: 503 Service Unavailable")),
            rules(),
            now(),
        );
        assert!(!d.allowed);
        assert_eq!(d.checks, [Check::Slo, Check::CrashFree]);
        assert_eq!(
            d.reasons,
            [Finding {
                check: Check::CrashFree,
                name: "crash_free".into(),
                objective: None,
                why: "the check could not run: BigQuery: 503 Service Unavailable".into(),
            }]
        );
    }

    #[test]
    fn percentages_read_as_people_say_them() {
        assert_eq!(budget_left(0.04), "4.0 %");
        assert_eq!(budget_left(-0.64), "−64.0 %");
        assert_eq!(percent(0.1), "10 %");
        assert_eq!(percent(0.025), "2.5 %");
        assert_eq!(precise_percent(0.9995), "99.950 %");
    }
}
