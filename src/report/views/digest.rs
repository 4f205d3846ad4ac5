//! How a digest reads: a verdict line per section, then each section's details.

use chrono::{DateTime, Utc};

use crate::commands::digest::SectionResult;
use crate::domain::rfc3339;
use crate::report::view::{Block, Tone, View};

pub fn view(results: &[SectionResult], now: DateTime<Utc>) -> View {
    let mut verdicts = Vec::new();
    let mut blocks = Vec::new();
    let mut worst = Tone::Muted;
    for r in results {
        let title = r.section.title();
        match &r.outcome {
            Ok((report, _)) => {
                let tone = report.view.tone;
                if tone.severity() > worst.severity() {
                    worst = tone;
                }
                verdicts.push(
                    format!("{} {title}: {}", tone.emoji(), report.view.headline)
                        .trim()
                        .to_string(),
                );
                blocks.push(Block::Heading {
                    text: format!("{title} — {}", report.view.subtitle),
                    tone,
                });
                blocks.extend(report.view.blocks.iter().cloned());
            }
            Err(e) => {
                worst = Tone::Bad;
                verdicts.push(format!("{} {title}: failed", Tone::Bad.emoji()));
                blocks.push(Block::Heading {
                    text: format!("{title} — failed"),
                    tone: Tone::Bad,
                });
                blocks.push(Block::Text(crate::redact::clean(&e.to_string())));
            }
        }
    }
    View {
        title: "Reliability digest".into(),
        subtitle: format!("{} sections", results.len()),
        tone: worst,
        headline: verdicts.join("\n"),
        blocks,
        footer: format!("vitals digest · generated {}", rfc3339::format(&now)),
    }
}
