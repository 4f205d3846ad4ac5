//! How an SLO report reads: one row per objective (violations and risks first), the budget
//! left as a bar, burn rates, and a line on what fires and when the budget runs out.

use crate::domain::slo::{SloReport, SloResult, Status};
use chrono_tz::Tz;

use crate::report::chart::{Domain, Panel, Rule, Series, TimeAxis, Unit, YAxis};
use crate::report::format::local_time;
use crate::report::view::{Align, Block, Cell, Grid, Highlight, Tone, View};

fn tone(status: Status) -> Tone {
    match status {
        Status::Ok => Tone::Good,
        Status::AtRisk => Tone::Warn,
        Status::Violated => Tone::Bad,
        Status::NoData => Tone::Muted,
    }
}

/// What needs attention first.
fn rank(status: Status) -> u8 {
    match status {
        Status::Violated => 0,
        Status::AtRisk => 1,
        Status::NoData => 2,
        Status::Ok => 3,
    }
}

/// Cells of the budget bar: narrow enough for the table to fit 80 columns.
const BAR_CELLS: usize = 5;

/// `███░░ 61%`; overspent budgets show an empty bar and a negative figure.
pub fn budget_bar(remaining: Option<f64>) -> String {
    match remaining {
        None => "—".into(),
        Some(r) => {
            let filled = (r.clamp(0.0, 1.0) * BAR_CELLS as f64).round() as usize;
            format!(
                "{}{} {:.0}%",
                "█".repeat(filled),
                "░".repeat(BAR_CELLS - filled),
                r * 100.0
            )
        }
    }
}

/// `99.961%` for an SLI, `99.9%` for a target: compact, yet exact enough for four nines.
fn pct(ratio: Option<f64>, trim: bool) -> String {
    match ratio {
        None => "—".into(),
        Some(r) if trim => format!(
            "{}%",
            format!("{:.3}", r * 100.0)
                .trim_end_matches('0')
                .trim_end_matches('.')
        ),
        Some(r) => format!("{:.3}%", r * 100.0),
    }
}

fn burn(v: Option<f64>) -> String {
    v.map_or("—".into(), |b| {
        if b >= 100.0 {
            format!("{b:.0}")
        } else {
            format!("{b:.1}")
        }
    })
}

fn label(r: &SloResult, multi: bool) -> String {
    if multi {
        format!("{} · {}", r.name, r.objective)
    } else {
        r.name.clone()
    }
}

fn sorted(report: &SloReport) -> Vec<&SloResult> {
    let mut rows: Vec<&SloResult> = report.slos.iter().collect();
    rows.sort_by_key(|r| rank(r.status));
    rows
}

/// A status as people read it: `at risk`, `no data`.
fn status_text(status: Status) -> String {
    status.as_str().replace('_', " ")
}

/// How much of the budget went in the last 24 hours (a drop is negative), from the
/// burn-down; `None` when it does not reach back that far.
fn day_change(r: &SloResult) -> Option<f64> {
    let (last_t, last) = r.burn_down.last()?;
    let since = *last_t - chrono::Duration::hours(24);
    let (_, before) = r.burn_down.iter().rev().find(|(t, _)| *t <= since)?;
    Some(last - before)
}

/// The objective's notes: burn rates, alerts, when the budget runs out (in `tz`).
fn notes(r: &SloResult, tz: Tz) -> Vec<String> {
    let mut notes = vec![format!(
        "burn 1h {} · 6h {} · 1d {} · 3d {}",
        burn(r.burn_rates.h1),
        burn(r.burn_rates.h6),
        burn(r.burn_rates.d1),
        burn(r.burn_rates.d3)
    )];
    if r.error_budget.remaining_ratio.is_some_and(|x| x < 0.0) {
        notes.push("the budget is spent".into());
    }
    if !r.alerts.is_empty() {
        notes.push(format!(
            "firing {}",
            r.alerts
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(t) = r.exhaustion_forecast {
        notes.push(format!("runs out {} at this 1d burn", local_time(&t, tz)));
    }
    if let Some(m) = r.budget_remaining_minutes {
        notes.push(format!("{m:.0} bad minutes left"));
    }
    if r.status == Status::NoData {
        notes.push("no data in the window".into());
    }
    notes
}

/// The view of an SLO report; times read in `tz`.
pub fn view(report: &SloReport, tz: Tz) -> View {
    let multi = |name: &str| report.slos.iter().filter(|r| r.name == name).count() > 1;
    let rows = sorted(report);
    let grid = Grid::new(
        &[
            ("SLO", Align::Left),
            ("SLI", Align::Right),
            ("Target", Align::Right),
            ("Budget left", Align::Left),
            ("Burn 1h", Align::Right),
            ("Status", Align::Left),
        ],
        rows.iter()
            .map(|r| {
                vec![
                    Cell::new(label(r, multi(&r.name))),
                    Cell::new(pct(r.sli, false)),
                    Cell::new(pct(Some(r.target), true)),
                    Cell::coloured(budget_bar(r.error_budget.remaining_ratio), tone(r.status)),
                    Cell::new(burn(r.burn_rates.h1)),
                    Cell::toned(status_text(r.status), tone(r.status)),
                ]
            })
            .collect(),
    );
    let mut blocks = vec![Block::Table(grid)];
    let mut highlights = Vec::new();
    for r in rows.iter().filter(|r| r.status != Status::Ok) {
        let name = label(r, multi(&r.name));
        let notes = notes(r, tz);
        blocks.push(Block::Text(format!("{name} ({}):", status_text(r.status))));
        blocks.push(Block::List(notes.clone()));
        let budget = r.error_budget.remaining_ratio.map_or(String::new(), |b| {
            format!(", budget left {:.0} %", b * 100.0)
        });
        let why = notes.get(1).map_or(String::new(), |n| format!(" · {n}"));
        highlights.push(Highlight::new(
            tone(r.status),
            format!("{name}: {}{budget}{why}", status_text(r.status)),
        ));
    }
    let counts: Vec<String> = [Status::Violated, Status::AtRisk, Status::NoData, Status::Ok]
        .iter()
        .filter_map(|&s| {
            let n = report.count(s);
            (n > 0).then(|| format!("{n} {}", status_text(s)))
        })
        .collect();
    // The objective whose budget fell most over the last day.
    let change = report
        .slos
        .iter()
        .filter_map(|r| Some((r, day_change(r)?)))
        .filter(|(_, d)| *d < -0.005)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(String::new(), |(r, d)| {
            let delta = format!("{:+.0}", d * 100.0).replace('-', "−");
            format!("{} budget {delta} pt in 24 h", label(r, multi(&r.name)))
        });
    View {
        title: "Service level objectives".into(),
        subtitle: format!("{} objectives", report.slos.len()),
        tone: rows.first().map_or(Tone::Muted, |r| tone(r.status)),
        headline: counts.join(" · "),
        change,
        highlights,
        blocks,
        footer: format!(
            "vitals slo · generated {}",
            local_time(&report.generated_at, tz)
        ),
        ..View::default()
    }
}

/// One panel per objective: the budget left over its window (in `tz`), with the zero line.
pub fn chart(report: &SloReport, tz: Tz) -> Vec<Panel> {
    // An objective's display name says what it promises; a bare index only tells apart
    // the objectives of one SLO.
    let multi = |name: &str| report.slos.iter().filter(|r| r.name == name).count() > 1;
    let named = |r: &SloResult| r.objective.parse::<usize>().is_err();
    report
        .slos
        .iter()
        .map(|r| Panel {
            title: format!(
                "{} — error budget left",
                label(r, named(r) || multi(&r.name))
            ),
            x: TimeAxis::instants(r.burn_down.iter().map(|(t, _)| *t), tz),
            y: YAxis {
                unit: Unit::Ratio,
                domain: Domain::AT_MOST_ONE,
            },
            series: vec![Series {
                name: format!("budget left (target {})", pct(Some(r.target), true)),
                color: "#1f77b4",
                width: 2.0,
                values: r.burn_down.iter().map(|(_, v)| Some(*v)).collect(),
            }],
            rules: vec![Rule {
                label: "budget exhausted".into(),
                value: 0.0,
                color: "#d62728",
            }],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_bar_shows_tenths_and_overspend() {
        assert_eq!(budget_bar(Some(0.68)), "███░░ 68%");
        assert_eq!(budget_bar(Some(1.0)), "█████ 100%");
        assert_eq!(budget_bar(Some(-0.4)), "░░░░░ -40%");
        assert_eq!(budget_bar(None), "—");
    }

    #[test]
    fn targets_drop_trailing_zeros_and_slis_keep_three_decimals() {
        assert_eq!(pct(Some(0.999), true), "99.9%");
        assert_eq!(pct(Some(0.9995), true), "99.95%");
        assert_eq!(pct(Some(0.99961), false), "99.961%");
    }
}
