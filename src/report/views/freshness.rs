//! How a freshness report reads: the checks needing attention first, with age and limits.

use chrono_tz::Tz;

use crate::domain::freshness::{FreshnessReport, FreshnessResult, Status};
use crate::report::format::local_time;
use crate::report::view::{Align, Block, Cell, Grid, Highlight, Tone, View};

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

/// A check that needs attention in one line: `crm.accounts: error, 2d 18h old (SLA 24h)`.
fn highlight(r: &FreshnessResult) -> Option<Highlight> {
    let name = r.unique_id.trim_start_matches("source.");
    let limit = |t: Option<crate::domain::freshness::Threshold>, what: &str| {
        t.map_or(String::new(), |t| format!(" ({what} {t})"))
    };
    let text = match r.status {
        Status::Pass => return None,
        Status::RuntimeError => format!(
            "{name}: runtime error: {}",
            r.error.as_deref().unwrap_or("unknown error")
        ),
        Status::Error | Status::Warn => format!(
            "{name}: {}, {} old{}",
            r.status.as_str(),
            r.max_loaded_at_time_ago_in_s.map_or("—".to_string(), age),
            if r.status == Status::Error {
                limit(r.criteria.error_after, "SLA")
            } else {
                limit(r.criteria.warn_after, "SLO")
            }
        ),
    };
    Some(Highlight::new(tone(r.status), text))
}

/// The view of the report; `only` restricts it to some checks (a Slack alert); times read
/// in `tz`.
pub fn view(report: &FreshnessReport, only: Option<&[String]>, tz: Tz) -> View {
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
    let mut highlights: Vec<Highlight> = shown.iter().filter_map(|r| highlight(r)).collect();
    highlights.sort_by_key(|h| std::cmp::Reverse(h.tone.severity()));
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
        highlights,
        blocks,
        footer: format!(
            "vitals freshness · snapshot {}",
            local_time(&report.generated_at, tz)
        ),
        ..View::default()
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
