//! GitHub-flavoured Markdown, for `$GITHUB_STEP_SUMMARY`, pull requests and wikis.

use super::Exporter;
use crate::report::view::{Align, Block, Grid, View};
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
                let mark = c.tone.emoji();
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

pub fn render_view(view: &View) -> String {
    let mut out = String::new();
    if !view.title.is_empty() {
        let mark = view.tone.emoji();
        out.push_str(&format!("## {} {}\n\n", mark, view.title).replace("##  ", "## "));
    }
    if !view.subtitle.is_empty() {
        out.push_str(&format!("_{}_\n\n", view.subtitle));
    }
    if !view.headline.is_empty() {
        out.push_str(&format!("**{}**\n\n", view.headline));
    }
    for block in &view.blocks {
        match block {
            Block::Heading { text, tone } => {
                let mark = tone.emoji();
                out.push_str(&format!("### {mark} {text}\n\n").replace("###  ", "### "));
            }
            Block::Text(text) => out.push_str(&format!("{text}\n\n")),
            Block::Table(g) => {
                out.push_str(&grid(g));
                out.push('\n');
            }
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
