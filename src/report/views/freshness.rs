//! How a freshness report reads: the checks needing attention first, with age and limits.

use crate::domain::freshness::{FreshnessReport, FreshnessResult, Status};
use crate::domain::rfc3339;
use crate::report::view::{Align, Block, Cell, Grid, Tone, View};

fn tone(status: Status) -> Tone {
    match status {
        Status::Pass => Tone::Good,
        Status::Warn => Tone::Warn,
        Status::Error | Status::RuntimeError => Tone::Bad,
    }
}

/// `45s`, `12m`, `3h 05m`, `2d 04h`.
pub fn age(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

fn row(r: &FreshnessResult) -> Vec<Cell> {
    let limit = |t: Option<crate::domain::freshness::Threshold>| {
        t.map_or("—".to_string(), |t| t.to_string())
    };
    vec![
        Cell::new(r.unique_id.trim_start_matches("source.")),
        Cell::toned(r.status.as_str(), tone(r.status)),
        Cell::new(r.max_loaded_at_time_ago_in_s.map_or("—".to_string(), age)),
        Cell::new(limit(r.criteria.warn_after)),
        Cell::new(limit(r.criteria.error_after)),
    ]
}

/// The view of the report; `only` restricts it to some checks (a Slack alert).
pub fn view(report: &FreshnessReport, only: Option<&[String]>) -> View {
    let shown: Vec<&FreshnessResult> = report
        .results
        .iter()
        .filter(|r| only.is_none_or(|ids| ids.contains(&r.unique_id)))
        .collect();
    let counts: Vec<String> = [
        Status::RuntimeError,
        Status::Error,
        Status::Warn,
        Status::Pass,
    ]
    .iter()
    .filter_map(|&s| {
        let n = report.count(s);
        (n > 0).then(|| format!("{n} {}", s.as_str()))
    })
    .collect();
    let worst = report
        .results
        .iter()
        .map(|r| tone(r.status))
        .max_by_key(|t| t.severity())
        .unwrap_or(Tone::Muted);
    let mut blocks = vec![Block::Table(Grid::new(
        &[
            ("Source", Align::Left),
            ("Status", Align::Left),
            ("Age", Align::Right),
            ("SLO", Align::Right),
            ("SLA", Align::Right),
        ],
        shown.iter().map(|r| row(r)).collect(),
    ))];
    for r in shown.iter().filter(|r| r.status == Status::RuntimeError) {
        blocks.push(Block::Text(format!(
            "{}: {}",
            r.unique_id.trim_start_matches("source."),
            r.error.as_deref().unwrap_or("unknown error")
        )));
    }
    View {
        title: "Data freshness".into(),
        subtitle: match only {
            Some(_) => format!(
                "{} of {} checks changed or need attention",
                shown.len(),
                report.results.len()
            ),
            None => format!("{} checks", report.results.len()),
        },
        tone: worst,
        headline: counts.join(" · "),
        blocks,
        footer: format!(
            "vitals freshness · snapshot {}",
            rfc3339::format(&report.generated_at)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_at_a_glance() {
        assert_eq!(age(42.0), "42s");
        assert_eq!(age(720.0), "12m");
        assert_eq!(age(3.0 * 3600.0 + 300.0), "3h 05m");
        assert_eq!(age(2.0 * 86_400.0 + 4.0 * 3600.0), "2d 04h");
        assert_eq!(age(-5.0), "0s");
    }
}
