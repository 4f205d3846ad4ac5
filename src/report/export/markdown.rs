//! GitHub-flavoured Markdown, for `$GITHUB_STEP_SUMMARY`, pull requests and wikis.

use super::Exporter;
use crate::report::view::{Align, Block, Grid, Link, View};
use crate::report::{OutputError, Report};

pub struct MarkdownExporter;

fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}

pub fn grid(grid: &Grid) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "| {} |\n",
        grid.header
            .iter()
            .map(|h| escape(h))
            .collect::<Vec<_>>()
            .join(" | ")
    ));
    let rule: Vec<&str> = (0..grid.header.len())
        .map(|i| match grid.align.get(i) {
            Some(Align::Right) => "---:",
            _ => "---",
        })
        .collect();
    out.push_str(&format!("| {} |\n", rule.join(" | ")));
    for row in &grid.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| {
                let mark = c.mark();
                if mark.is_empty() {
                    escape(&c.text)
                } else {
                    format!("{mark} {}", escape(&c.text))
                }
            })
            .collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

/// `# ` … `###### ` for a level.
fn heading(level: usize, mark: &str, text: &str) -> String {
    let mark = if mark.is_empty() {
        String::new()
    } else {
        format!("{mark} ")
    };
    format!("{} {mark}{text}\n\n", "#".repeat(level.clamp(1, 6)))
}

fn links(links: &[Link]) -> String {
    links
        .iter()
        .map(|l| {
            format!(
                "[{}]({})",
                l.label.replace(['[', ']'], ""),
                l.url.replace(' ', "%20")
            )
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A view's body: its verdict (when `verdict`: a digest lists its sections' verdicts
/// above them instead), what needs attention, its blocks; headings one level below `level`.
fn body(out: &mut String, view: &View, level: usize, verdict: bool) {
    if !view.subtitle.is_empty() {
        out.push_str(&format!("_{}_\n\n", view.subtitle));
    }
    if verdict && !view.headline.is_empty() {
        out.push_str(&format!("**{}**\n\n", view.headline));
    }
    if verdict && !view.change.is_empty() {
        out.push_str(&format!("{}\n\n", view.change));
    }
    if !view.highlights.is_empty() {
        for h in &view.highlights {
            let mark = h.tone.emoji();
            out.push_str(&format!(
                "- {mark}{}{}\n",
                if mark.is_empty() { "" } else { " " },
                h.text
            ));
        }
        out.push('\n');
    }
    if !view.links.is_empty() {
        out.push_str(&format!("{}\n\n", links(&view.links)));
    }
    for block in &view.blocks {
        match block {
            Block::Heading { text, tone } => out.push_str(&heading(level + 1, tone.emoji(), text)),
            // Each line its own: a hard break, so lines do not run into one paragraph.
            Block::Text(text) => out.push_str(&format!(
                "{}\n\n",
                text.lines()
                    .map(str::trim_end)
                    .collect::<Vec<_>>()
                    .join("  \n")
            )),
            Block::List(items) => {
                for item in items {
                    out.push_str(&format!("- {item}\n"));
                }
                out.push('\n');
            }
            Block::Sparkline { label, line } => out.push_str(&format!("{label} `{line}`\n\n")),
            Block::Table(g) => {
                out.push_str(&grid(g));
                out.push('\n');
            }
        }
    }
}

/// A report as GitHub renders it: `##` for the report (`#` for a digest, whose sections are
/// `##`), `###` for its groups; each verdict its own list item.
pub fn render_view(view: &View) -> String {
    let mut out = String::new();
    if view.title.is_empty() {
        body(&mut out, view, 2, true);
        return out;
    }
    if view.sections.is_empty() {
        out.push_str(&heading(2, view.tone.status_emoji(), &view.title));
        body(&mut out, view, 2, true);
    } else {
        out.push_str(&heading(1, view.tone.status_emoji(), &view.title));
        if !view.subtitle.is_empty() {
            out.push_str(&format!("_{}_\n\n", view.subtitle));
        }
        for s in &view.sections {
            let verdict = s.verdict();
            let link = if s.links.is_empty() {
                String::new()
            } else {
                format!(" · {}", links(&s.links))
            };
            out.push_str(&format!(
                "- {} **{}**{}{verdict}{link}\n",
                s.tone.status_emoji(),
                s.title,
                if verdict.is_empty() { "" } else { ": " }
            ));
        }
        out.push('\n');
        for s in &view.sections {
            out.push_str(&heading(2, s.tone.status_emoji(), &s.title));
            body(&mut out, s, 2, false);
        }
    }
    if !view.footer.is_empty() {
        out.push_str(&format!("<sub>{}</sub>\n", view.footer));
    }
    out
}

impl Exporter for MarkdownExporter {
    fn export(&self, report: &Report) -> Result<Vec<u8>, OutputError> {
        Ok(render_view(&report.view).into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::view::{Cell, Tone};

    #[test]
    fn tables_are_github_flavoured_with_right_aligned_numbers() {
        let g = Grid {
            header: vec!["Window".into(), "Users".into()],
            align: vec![Align::Left, Align::Right],
            rows: vec![vec![Cell::new("7d"), Cell::toned("1|2", Tone::Bad)]],
        };
        assert_eq!(
            grid(&g),
            "| Window | Users |\n| --- | ---: |\n| 7d | ❌ 1\\|2 |\n"
        );
    }
}
