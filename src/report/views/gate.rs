//! How the deploy gate reads: allowed or blocked in the title, then one row per reason and
//! per warning; and the `::error` / `::warning` annotations a GitHub Actions run shows.

use chrono_tz::Tz;

use crate::domain::gate::{Finding, GateDecision};
use crate::report::format::local_time;
use crate::report::view::{Align, Block, Cell, Grid, Highlight, Tone, View};
use crate::report::{Annotation, AnnotationLevel};

/// `api-availability · 99.9 % of requests succeed`, or `IOS`.
fn subject(f: &Finding) -> String {
    match &f.objective {
        Some(objective) => format!("{} · {objective}", f.name),
        None => f.name.clone(),
    }
}

/// `api-availability · 99.9 % of requests succeed: …`: a finding and why, on one line.
fn finding_line(f: &Finding) -> String {
    format!("{}: {}", subject(f), f.why)
}

/// The name, and the objective too where one SLO has findings about several.
fn short_subject(f: &Finding, all: &[Finding]) -> String {
    let several = all
        .iter()
        .any(|g| g.name == f.name && g.check == f.check && g.objective != f.objective);
    if several {
        subject(f)
    } else {
        f.name.clone()
    }
}

fn table(findings: &[Finding], tone: Tone) -> Block {
    Block::Table(Grid::new(
        &[
            ("Check", Align::Left),
            ("Name", Align::Left),
            ("Why", Align::Left),
        ],
        findings
            .iter()
            .map(|f| {
                vec![
                    Cell::new(f.check.as_str()),
                    Cell::toned(short_subject(f, findings), tone),
                    Cell::new(f.why.clone()),
                ]
            })
            .collect(),
    ))
}

/// The gate's verdict; times read in `tz`.
pub fn view(d: &GateDecision, tz: Tz) -> View {
    let tone = if d.allowed { Tone::Good } else { Tone::Bad };
    let checks: Vec<&str> = d.checks.iter().map(|c| c.as_str()).collect();
    let headline = match d.reasons.len() {
        0 if d.warnings.is_empty() => "Allowed: every check passed".to_string(),
        0 => format!(
            "Allowed, with {} warning{}",
            d.warnings.len(),
            plural(d.warnings.len())
        ),
        _ => {
            let mut names: Vec<&str> = Vec::new();
            for f in &d.reasons {
                if !names.contains(&f.name.as_str()) {
                    names.push(&f.name);
                }
            }
            let more = names.len().saturating_sub(3);
            names.truncate(3);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!("Blocked: {}{more}", names.join(", "))
        }
    };
    let mut blocks = Vec::new();
    if !d.reasons.is_empty() {
        blocks.push(Block::Heading {
            text: format!(
                "Blocked by {} reason{}",
                d.reasons.len(),
                plural(d.reasons.len())
            ),
            tone: Tone::Bad,
        });
        blocks.push(table(&d.reasons, Tone::Bad));
    }
    if !d.warnings.is_empty() {
        blocks.push(Block::Heading {
            text: format!("{} warning{}", d.warnings.len(), plural(d.warnings.len())),
            tone: Tone::Warn,
        });
        blocks.push(table(&d.warnings, Tone::Warn));
    }
    View {
        title: "Deploy gate".into(),
        subtitle: format!("checked {}", checks.join(", ")),
        tone,
        headline,
        highlights: d
            .reasons
            .iter()
            .map(|f| Highlight::new(Tone::Bad, finding_line(f)))
            .chain(
                d.warnings
                    .iter()
                    .map(|f| Highlight::new(Tone::Warn, finding_line(f))),
            )
            .collect(),
        blocks,
        footer: format!(
            "vitals gate · generated {}",
            local_time(&d.generated_at, tz)
        ),
        ..View::default()
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// An `::error` per reason and a `::warning` per warning.
pub fn annotations(d: &GateDecision) -> Vec<Annotation> {
    let annotation = |level, f: &Finding| Annotation {
        level,
        title: format!("gate: {}", f.check.as_str()),
        text: finding_line(f),
    };
    d.reasons
        .iter()
        .map(|f| annotation(AnnotationLevel::Error, f))
        .chain(
            d.warnings
                .iter()
                .map(|f| annotation(AnnotationLevel::Warning, f)),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::gate::Check;
    use chrono::TimeZone;

    fn finding(check: Check, name: &str, objective: Option<&str>, why: &str) -> Finding {
        Finding {
            check,
            name: name.into(),
            objective: objective.map(str::to_string),
            why: why.into(),
        }
    }

    fn decision(reasons: Vec<Finding>, warnings: Vec<Finding>) -> GateDecision {
        GateDecision {
            kind: "gate",
            generated_at: chrono::Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(),
            allowed: reasons.is_empty(),
            reasons,
            warnings,
            checks: vec![Check::Slo, Check::CrashFree],
        }
    }

    #[test]
    fn a_blocked_gate_names_its_reasons_and_annotates_each() {
        let d = decision(
            vec![finding(
                Check::Slo,
                "api",
                Some("99.9 %"),
                "violated: error budget −4.0 % left",
            )],
            vec![finding(
                Check::CrashFree,
                "IOS",
                None,
                "no users in the last 7 days: not checked",
            )],
        );
        let v = view(&d, chrono_tz::UTC);
        assert_eq!(v.title, "Deploy gate");
        assert_eq!(v.tone, Tone::Bad);
        assert_eq!(v.headline, "Blocked: api");
        let a = annotations(&d);
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].level, AnnotationLevel::Error);
        assert_eq!(a[0].title, "gate: slo");
        assert_eq!(
            a[0].text,
            "api · 99.9 %: violated: error budget −4.0 % left"
        );
        assert_eq!(a[1].level, AnnotationLevel::Warning);
    }

    #[test]
    fn an_allowed_gate_says_so() {
        let v = view(&decision(vec![], vec![]), chrono_tz::UTC);
        assert_eq!(v.title, "Deploy gate");
        assert_eq!(v.tone, Tone::Good);
        assert_eq!(v.headline, "Allowed: every check passed");
        assert!(v.blocks.is_empty());
        assert_eq!(v.subtitle, "checked slo, crash_free");
    }
}
