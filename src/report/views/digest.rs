//! How a digest reads: a verdict line per section, then each section's details.

use chrono::{DateTime, Utc};

use crate::domain::rfc3339;
use crate::report::view::{Block, Tone, View};

/// One section of a digest: its title, and its view or why it failed.
pub struct SectionView<'a> {
    pub title: &'a str,
    pub outcome: Result<&'a View, String>,
}

pub fn view(sections: &[SectionView], now: DateTime<Utc>) -> View {
    let mut verdicts = Vec::new();
    let mut blocks = Vec::new();
    let mut worst = Tone::Muted;
    for section in sections {
        let title = section.title;
        match &section.outcome {
            Ok(view) => {
                let tone = view.tone;
                if tone.severity() > worst.severity() {
                    worst = tone;
                }
                verdicts.push(
                    format!("{} {title}: {}", tone.emoji(), view.headline)
                        .trim()
                        .to_string(),
                );
                blocks.push(Block::Heading {
                    text: format!("{title} — {}", view.subtitle),
                    tone,
                });
                blocks.extend(view.blocks.iter().cloned());
            }
            Err(error) => {
                worst = Tone::Bad;
                verdicts.push(format!("{} {title}: failed", Tone::Bad.emoji()));
                blocks.push(Block::Heading {
                    text: format!("{title} — failed"),
                    tone: Tone::Bad,
                });
                blocks.push(Block::Text(crate::redact::clean(error)));
            }
        }
    }
    View {
        title: "Reliability digest".into(),
        subtitle: format!("{} sections", sections.len()),
        tone: worst,
        headline: verdicts.join("\n"),
        blocks,
        footer: format!("vitals digest · generated {}", rfc3339::format(&now)),
    }
}
