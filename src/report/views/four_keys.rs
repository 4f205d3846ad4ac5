//! How the four keys read: one row per metric with its DORA level and the change against the
//! previous window, and a weekly sparkline per metric.

use crate::domain::four_keys::{
    DeploymentEntry, Direction, FailuresFrom, FourKeysReport, Level, MetricChange, SloImpact,
};
use crate::domain::rfc3339;
use crate::report::sparkline::sparkline;
use crate::report::view::{Align, Block, Cell, Grid, Tone, View};

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

pub fn view(r: &FourKeysReport) -> View {
    let m = &r.current;
    let c = &r.change_vs_previous;
    let level = |l: Option<Level>| Cell::toned(l.map_or("—", |l| l.as_str()), tone(l));
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
                    .map_or("—".into(), |r| format!("{:.1} %", r * 100.0))
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
    let mut blocks = vec![
        Block::Table(Grid {
            header: ["Metric", "Value", "Level", "vs previous"]
                .map(String::from)
                .to_vec(),
            align: vec![Align::Left, Align::Right, Align::Left, Align::Left],
            rows,
        }),
        Block::Text(format!(
            "Weekly deployments  {}",
            weekly(&|w| Some(w.deployments as f64))
        )),
        Block::Text(format!(
            "Weekly lead time    {}",
            weekly(&|w| w.lead_time_median_seconds)
        )),
    ];
    blocks.extend(impact_blocks(r));
    let levels = [
        m.deployment_frequency.level,
        m.lead_time_for_changes.level,
        m.change_failure_rate.level,
        m.time_to_restore.level,
    ];
    let worst = levels
        .iter()
        .map(|l| tone(*l))
        .filter(|t| *t != Tone::Muted)
        .max_by_key(|t| t.severity());
    View {
        title: "Four keys".into(),
        subtitle: format!(
            "{} → {}",
            m.window.start.format("%Y-%m-%d"),
            m.window.end.format("%Y-%m-%d")
        ),
        tone: worst.unwrap_or(Tone::Muted),
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
            rfc3339::format(&r.generated_at)
        ),
    }
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
                    "{} {:.3} % of {} users{}",
                    h.platform,
                    rate * 100.0,
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
