//! How the four keys read: one row per metric with its DORA level and the change against the
//! previous window, and a weekly sparkline per metric.

use chrono_tz::Tz;

use crate::domain::four_keys::{
    Comparison, DeploymentEntry, Direction, FailuresFrom, FourKeysReport, Level, MetricChange,
    SloImpact,
};
use crate::report::chart::{Panel, Series, TimeAxis, YAxis};
use crate::report::format::{local_date, local_time, percent};
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

/// A rate as a percentage to one decimal, `12.5 %`; `—` for none.
fn percent_of(ratio: Option<f64>) -> String {
    ratio.map_or("—".into(), |r| format!("{:.1} %", r * 100.0))
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
                percent_of(m.change_failure_rate.ratio)
                    + failures_from_note(m.change_failure_rate.failures_from),
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
            Cell::new(percent_of(m.deployment_rework_rate.ratio)),
            Cell::new(""),
            Cell::new(trend(&c.deployment_rework_rate)),
        ],
    ];
    let weekly = |f: &dyn Fn(&crate::domain::four_keys::Week) -> Option<f64>| {
        sparkline(&r.weekly.iter().map(f).collect::<Vec<_>>())
    };
    let mut blocks = vec![
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
    blocks.extend(impact_blocks(r));
    let mut highlights: Vec<Highlight> = [
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
    // Deployments that burned budget (--impact) are worth a look, whatever the levels say.
    highlights.extend(
        r.deployments
            .iter()
            .filter(|d| d.suspect == Some(true))
            .map(|d| Highlight::new(Tone::Warn, format!("suspect: {}", why_suspect(d)))),
    );
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
            "{} deployments · lead time {} · failure {} · restore {}{}",
            m.deployment_frequency.deployments,
            duration(m.lead_time_for_changes.median_seconds),
            m.change_failure_rate
                .ratio
                .map_or("—".into(), |r| format!("{:.0} %", r * 100.0)),
            duration(m.time_to_restore.median_seconds),
            suspects(r).map_or(String::new(), |n| format!(" · {n} suspect"))
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

/// What counted as a failure, when SLOs had a say (`--failures-from`).
fn failures_from_note(from: Option<FailuresFrom>) -> &'static str {
    match from {
        Some(FailuresFrom::Slo) => " (SLOs)",
        Some(FailuresFrom::Both) => " (incidents or SLOs)",
        Some(FailuresFrom::Incidents) | None => "",
    }
}

/// How many deployments in the window are suspect, when they were assessed (`--impact`).
fn suspects(r: &FourKeysReport) -> Option<usize> {
    let assessed = r.deployments.iter().any(|d| d.suspect.is_some());
    assessed.then(|| {
        r.deployments
            .iter()
            .filter(|d| d.suspect == Some(true))
            .count()
    })
}

/// `14.2×`: burn rates at a glance.
fn burn(rate: Option<f64>) -> String {
    match rate {
        None => "—".into(),
        Some(b) if b >= 100.0 => format!("{b:.0}×"),
        Some(b) => format!("{b:.1}×"),
    }
}

/// The objective that burned fastest after the deployment (those without data last).
fn worst(d: &DeploymentEntry) -> Option<&SloImpact> {
    d.impact.as_ref()?.iter().max_by(|a, b| {
        let key = |i: &SloImpact| i.burn_rate_after.unwrap_or(f64::NEG_INFINITY);
        key(a).total_cmp(&key(b))
    })
}

/// Why a suspect deployment is: its fastest burn, or the release that missed its
/// crash-free SLO. `deploy/2026-11-21 (api-availability 54.2×)`.
fn why_suspect(d: &DeploymentEntry) -> String {
    let missed = d.crash_free.iter().flatten().find(|h| h.misses_slo());
    let cause = match (worst(d).filter(|i| i.burn_rate_after.is_some()), missed) {
        (Some(i), None) if i.burn_rate_after > Some(0.0) => {
            format!("{} {}", i.slo, burn(i.burn_rate_after))
        }
        (_, Some(h)) => format!(
            "{} {} {}",
            h.platform,
            h.version,
            h.crash_free_rate_7d
                .map_or("—".into(), |r| format!("{:.2} % crash-free", r * 100.0))
        ),
        _ => String::new(),
    };
    if cause.is_empty() {
        d.name.clone()
    } else {
        format!("{} ({cause})", d.name)
    }
}

/// The common `deploy/`-like prefix of every name (up to a `/`), to keep the table narrow.
fn common_prefix(names: &[&str]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    let mut prefix = match first.rfind('/') {
        Some(i) => &first[..=i],
        None => return String::new(),
    };
    for name in names {
        while !name.starts_with(prefix) || name.len() == prefix.len() {
            match prefix[..prefix.len() - 1].rfind('/') {
                Some(i) => prefix = &prefix[..=i],
                None => return String::new(),
            }
        }
    }
    prefix.to_string()
}

/// With `--impact`: the line the digest shows ("2 of 14 deployments burned budget: …"), a
/// row per deployment, and each release's crash-free users.
fn impact_blocks(r: &FourKeysReport) -> Vec<Block> {
    let Some(count) = suspects(r) else {
        return Vec::new();
    };
    let total = r.deployments.len();
    let suspect: Vec<String> = r
        .deployments
        .iter()
        .filter(|d| d.suspect == Some(true))
        .map(why_suspect)
        .collect();
    let mut line = format!("{count} of {total} deployments burned budget");
    if !suspect.is_empty() {
        let shown = suspect
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        line.push_str(&format!(": {shown}"));
        if suspect.len() > 3 {
            line.push_str(&format!(" and {} more", suspect.len() - 3));
        }
    }
    let names: Vec<&str> = r.deployments.iter().map(|d| d.name.as_str()).collect();
    let prefix = common_prefix(&names);
    let header = if prefix.is_empty() {
        "Deployment".to_string()
    } else {
        format!("{prefix}…")
    };
    let rows = r
        .deployments
        .iter()
        .map(|d| {
            let worst = worst(d).filter(|i| i.burn_rate_after.is_some());
            let suspect = d.suspect == Some(true);
            let tone = if suspect { Tone::Bad } else { Tone::Plain };
            vec![
                Cell::toned(&d.name[prefix.len()..], tone),
                Cell::new(d.changes.to_string()),
                Cell::new(worst.map_or("—".into(), |i| i.slo.clone())),
                Cell::toned(
                    worst.map_or("—".into(), |i| {
                        format!(
                            "{} ({})",
                            burn(i.burn_rate_after),
                            burn(Some(i.burn_rate_before.unwrap_or(0.0)))
                        )
                    }),
                    tone,
                ),
                Cell::toned(if suspect { "suspect" } else { "" }, tone),
            ]
        })
        .collect();
    let mut blocks = vec![
        Block::Text(line),
        Block::Table(Grid::new(
            &[
                (header.as_str(), Align::Left),
                ("Changes", Align::Right),
                ("Worst SLO after", Align::Left),
                ("Burn (before)", Align::Right),
                ("Suspect", Align::Left),
            ],
            rows,
        )),
    ];
    for d in &r.deployments {
        let Some(health) = d.crash_free.as_ref().filter(|h| !h.is_empty()) else {
            continue;
        };
        let parts: Vec<String> = health
            .iter()
            .map(|h| match h.crash_free_rate_7d {
                Some(rate) => format!(
                    "{} {} of {} users{}",
                    h.platform,
                    percent(Some(rate)),
                    h.users_7d,
                    if h.misses_slo() {
                        " (below its SLO)"
                    } else {
                        ""
                    }
                ),
                None => format!("{} no users", h.platform),
            })
            .collect();
        blocks.push(Block::Text(format!(
            "{} {} crash-free over 7 days: {}",
            d.name,
            health[0].version,
            parts.join(", ")
        )));
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_tag_folder_is_left_out_of_the_table() {
        assert_eq!(common_prefix(&["deploy/a", "deploy/b"]), "deploy/");
        assert_eq!(common_prefix(&["deploy/eu/a", "deploy/us/b"]), "deploy/");
        assert_eq!(common_prefix(&["deploy/a", "v1.2"]), "");
        assert_eq!(common_prefix(&["deploy/", "deploy/a"]), "");
        assert_eq!(common_prefix(&[]), "");
    }

    #[test]
    fn burn_rates_read_as_multiples() {
        assert_eq!(burn(Some(14.24)), "14.2×");
        assert_eq!(burn(Some(240.0)), "240×");
        assert_eq!(burn(None), "—");
    }
}
