//! How the four keys read: one row per metric with its DORA level and the change against the
//! previous window, and a weekly sparkline per metric.

use chrono_tz::Tz;

use crate::domain::four_keys::{Comparison, Direction, FourKeysReport, Level, MetricChange};
use crate::report::chart::{Panel, Series, TimeAxis, YAxis};
use crate::report::format::{local_date, local_time};
use crate::report::sparkline::sparkline;
use crate::report::view::{Align, Block, Cell, Grid, Highlight, Tone, View};

fn tone(level: Option<Level>) -> Tone {
    match level {
        Some(Level::Elite | Level::High) => Tone::Good,
        Some(Level::Medium) => Tone::Warn,
        Some(Level::Low) => Tone::Bad,
        None => Tone::Muted,
    }
}

/// `3h 20m`, `2.5 d`: durations at a glance.
fn duration(seconds: Option<f64>) -> String {
    match seconds {
        None => "—".into(),
        Some(s) if s < 3600.0 => format!("{:.0} min", s / 60.0),
        Some(s) if s < 86_400.0 => format!("{:.1} h", s / 3600.0),
        Some(s) => format!("{:.1} d", s / 86_400.0),
    }
}

fn trend(change: &MetricChange) -> String {
    match change.direction {
        Some(Direction::Better) => "↗ better".into(),
        Some(Direction::Worse) => "↘ worse".into(),
        Some(Direction::Same) => "→ same".into(),
        None => "—".into(),
    }
}

/// Which metrics got better and which worse than in the previous window.
fn change_line(c: &Comparison, days: i64) -> String {
    let metrics = [
        ("deploys", &c.deployment_frequency),
        ("lead time", &c.lead_time_for_changes),
        ("failures", &c.change_failure_rate),
        ("restore", &c.time_to_restore),
    ];
    let named = |d: Direction| {
        metrics
            .iter()
            .filter(|(_, m)| m.direction == Some(d))
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let parts: Vec<String> = [("better", Direction::Better), ("worse", Direction::Worse)]
        .into_iter()
        .filter_map(|(word, d)| {
            let names = named(d);
            (!names.is_empty()).then(|| format!("{names} {word}"))
        })
        .collect();
    if parts.is_empty() {
        return String::new();
    }
    format!("vs the previous {days} days: {}", parts.join("; "))
}

/// A DORA level is a grade, not a pass or fail: it reads as performance.
fn level_highlight(metric: &str, value: String, level: Option<Level>) -> Option<Highlight> {
    match level {
        Some(l @ (Level::Low | Level::Medium)) => Some(Highlight::new(
            Tone::Plain,
            format!("{metric} {value}: performance {}", l.as_str()),
        )),
        _ => None,
    }
}

/// The view of the four keys; the window's dates read in `tz`.
pub fn view(r: &FourKeysReport, tz: Tz) -> View {
    let m = &r.current;
    let c = &r.change_vs_previous;
    let level = |l: Option<Level>| Cell::coloured(l.map_or("—", |l| l.as_str()), tone(l));
    let rows = vec![
        vec![
            Cell::new("Deployment frequency"),
            Cell::new(format!(
                "{:.1}/week ({})",
                m.deployment_frequency.per_week, m.deployment_frequency.deployments
            )),
            level(m.deployment_frequency.level),
            Cell::new(trend(&c.deployment_frequency)),
        ],
        vec![
            Cell::new("Lead time (median)"),
            Cell::new(format!(
                "{} ({} changes)",
                duration(m.lead_time_for_changes.median_seconds),
                m.lead_time_for_changes.changes
            )),
            level(m.lead_time_for_changes.level),
            Cell::new(trend(&c.lead_time_for_changes)),
        ],
        vec![
            Cell::new("Change failure rate"),
            Cell::new(
                m.change_failure_rate
                    .ratio
                    .map_or("—".into(), |r| format!("{:.1} %", r * 100.0)),
            ),
            level(m.change_failure_rate.level),
            Cell::new(trend(&c.change_failure_rate)),
        ],
        vec![
            Cell::new("Time to restore"),
            Cell::new(format!(
                "{} ({} incidents)",
                duration(m.time_to_restore.median_seconds),
                m.time_to_restore.incidents
            )),
            level(m.time_to_restore.level),
            Cell::new(trend(&c.time_to_restore)),
        ],
        vec![
            Cell::new("Rework rate"),
            Cell::new(
                m.deployment_rework_rate
                    .ratio
                    .map_or("—".into(), |r| format!("{:.1} %", r * 100.0)),
            ),
            Cell::new(""),
            Cell::new(trend(&c.deployment_rework_rate)),
        ],
    ];
    let weekly = |f: &dyn Fn(&crate::domain::four_keys::Week) -> Option<f64>| {
        sparkline(&r.weekly.iter().map(f).collect::<Vec<_>>())
    };
    let blocks = vec![
        Block::Table(Grid {
            header: ["Metric", "Value", "Performance", "vs previous"]
                .map(String::from)
                .to_vec(),
            align: vec![Align::Left, Align::Right, Align::Left, Align::Left],
            rows,
        }),
        Block::Sparkline {
            label: "Weekly deployments".into(),
            line: weekly(&|w| Some(w.deployments as f64)),
        },
        Block::Sparkline {
            label: "Weekly lead time".into(),
            line: weekly(&|w| w.lead_time_median_seconds),
        },
    ];
    let percent_of =
        |ratio: Option<f64>| ratio.map_or("—".into(), |r| format!("{:.1} %", r * 100.0));
    let highlights: Vec<Highlight> = [
        level_highlight(
            "deployment frequency",
            format!("{:.1}/week", m.deployment_frequency.per_week),
            m.deployment_frequency.level,
        ),
        level_highlight(
            "lead time",
            duration(m.lead_time_for_changes.median_seconds),
            m.lead_time_for_changes.level,
        ),
        level_highlight(
            "change failure rate",
            percent_of(m.change_failure_rate.ratio),
            m.change_failure_rate.level,
        ),
        level_highlight(
            "time to restore",
            duration(m.time_to_restore.median_seconds),
            m.time_to_restore.level,
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    let days = (m.window.end - m.window.start).num_days();
    View {
        title: "Four keys".into(),
        subtitle: format!(
            "{} → {} ({})",
            local_date(&m.window.start, tz),
            local_date(&m.window.end, tz),
            tz.name()
        ),
        // Levels grade performance; nothing here passes or fails.
        tone: Tone::Plain,
        change: change_line(c, days),
        highlights,
        headline: format!(
            "{} deployments · lead time {} · failure {} · restore {}",
            m.deployment_frequency.deployments,
            duration(m.lead_time_for_changes.median_seconds),
            m.change_failure_rate
                .ratio
                .map_or("—".into(), |r| format!("{:.0} %", r * 100.0)),
            duration(m.time_to_restore.median_seconds)
        ),
        blocks,
        footer: format!(
            "vitals four-keys · generated {}",
            local_time(&r.generated_at, tz)
        ),
        ..View::default()
    }
}

/// The weekly trend (weeks start on Mondays in `tz`): deployments, the median lead time and
/// the change failure rate.
pub fn chart(r: &FourKeysReport, tz: &str) -> Vec<Panel> {
    let x = TimeAxis {
        note: " · weeks from Monday",
        ..TimeAxis::days(r.weekly.iter().map(|w| w.start), tz)
    };
    let partial = r.weekly.iter().any(|w| w.partial);
    let lead: Vec<Option<f64>> = r
        .weekly
        .iter()
        .map(|w| w.lead_time_median_seconds)
        .collect();
    // Days once the medians run to days; hours below that.
    let in_days = lead.iter().flatten().any(|s| *s >= 3.0 * 86_400.0);
    let (unit, per) = if in_days {
        (" d", 86_400.0)
    } else {
        (" h", 3600.0)
    };
    let series = |name: &str, color, values: Vec<Option<f64>>| Series {
        name: name.to_string(),
        color,
        width: 2.0,
        values,
    };
    vec![
        Panel {
            title: "Deployments per week".into(),
            x: x.clone(),
            y: YAxis::non_negative(""),
            series: vec![series(
                if partial {
                    "deployments (weeks at the window's ends are partial)"
                } else {
                    "deployments"
                },
                "#1f77b4",
                r.weekly
                    .iter()
                    .map(|w| Some(w.deployments as f64))
                    .collect(),
            )],
            rules: vec![],
        },
        Panel {
            title: "Lead time for changes, weekly median".into(),
            x: x.clone(),
            y: YAxis::non_negative(unit),
            series: vec![series(
                "median lead time",
                "#9467bd",
                lead.iter().map(|s| s.map(|s| s / per)).collect(),
            )],
            rules: vec![],
        },
        Panel {
            title: "Change failure rate, weekly".into(),
            x,
            y: YAxis::RATE,
            series: vec![series(
                "change failure rate",
                "#d62728",
                r.weekly.iter().map(|w| w.change_failure_ratio).collect(),
            )],
            rules: vec![],
        },
    ]
}
