//! How a digest reads: a verdict line per section (its status, key figure and change), then
//! each section's own view, titled by the section. A section that failed is a view too.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::report::format::local_time;
use crate::report::view::{Block, Highlight, Link, Tone, View};

/// One section of a digest: its title, its view or why it failed, and its config `link`.
pub struct SectionView<'a> {
    pub title: &'a str,
    pub outcome: Result<&'a View, String>,
    pub link: Option<Link>,
}

impl SectionView<'_> {
    /// The section as a view of its own, titled as the digest names it.
    fn view(&self) -> View {
        let mut view = match &self.outcome {
            Ok(view) => View {
                title: self.title.to_string(),
                ..(*view).clone()
            },
            Err(error) => {
                let error = crate::redact::clean(error);
                View {
                    title: self.title.to_string(),
                    subtitle: "failed to run".into(),
                    tone: Tone::Bad,
                    headline: "failed".into(),
                    highlights: vec![Highlight::new(Tone::Bad, format!("failed: {error}"))],
                    blocks: vec![Block::Text(error)],
                    ..View::default()
                }
            }
        };
        view.links.extend(self.link.clone());
        view
    }
}

/// The digest of `sections`, generated at `now` (read in `tz`).
pub fn view(sections: &[SectionView], now: DateTime<Utc>, tz: Tz) -> View {
    let sections: Vec<View> = sections.iter().map(SectionView::view).collect();
    let worst = sections
        .iter()
        .map(|s| s.tone)
        .max_by_key(|t| t.severity())
        .filter(|t| t.severity() > 0)
        .unwrap_or(Tone::Good);
    let attention = sections
        .iter()
        .filter(|s| matches!(s.tone, Tone::Bad | Tone::Warn))
        .count();
    View {
        title: "Reliability digest".into(),
        subtitle: format!(
            "{} · {} sections, {attention} {} attention",
            local_time(&now, tz),
            sections.len(),
            if attention == 1 { "needs" } else { "need" }
        ),
        tone: worst,
        headline: String::new(),
        sections,
        footer: format!("vitals digest · generated {}", local_time(&now, tz)),
        ..View::default()
    }
}
