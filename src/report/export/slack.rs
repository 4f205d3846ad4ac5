//! Block Kit rendering. Slack rejects a message with more than 50 blocks or a section text
//! over 3,000 characters, so long views are split into several messages, each with the header.
//! [`SlackExporter`] is what `--slack-dry-run` prints: the messages a post would send.

use serde_json::{json, Value};

use super::Exporter;
use crate::report::view::{Align, Block, Grid, View};
use crate::report::{OutputError, Report};

pub const MAX_BLOCKS: usize = 50;
pub const MAX_SECTION_TEXT: usize = 3000;
const MAX_HEADER_TEXT: usize = 150;

/// `&`, `<` and `>` are control characters in Slack's mrkdwn.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

fn section(text: String) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": truncate(&text, MAX_SECTION_TEXT)}})
}

/// A grid as aligned monospace lines.
fn grid_lines(grid: &Grid) -> Vec<String> {
    let rows: Vec<Vec<String>> = std::iter::once(grid.header.clone())
        .chain(grid.rows.iter().map(|r| {
            r.iter()
                .map(|c| {
                    let mark = c.tone.emoji();
                    if mark.is_empty() || c.tone == crate::report::view::Tone::Good {
                        c.text.clone()
                    } else {
                        format!("{} {}", c.text, mark)
                    }
                })
                .collect()
        }))
        .collect();
    let columns = grid.header.len();
    let width = |i: usize| {
        rows.iter()
            .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..columns).map(width).collect();
    rows.iter()
        .map(|r| {
            let cells: Vec<String> = (0..columns)
                .map(|i| {
                    let text = r.get(i).map(String::as_str).unwrap_or("");
                    let pad = widths[i].saturating_sub(text.chars().count());
                    match grid.align.get(i) {
                        Some(Align::Right) => format!("{}{text}", " ".repeat(pad)),
                        _ => format!("{text}{}", " ".repeat(pad)),
                    }
                })
                .collect();
            cells.join("  ").trim_end().to_string()
        })
        .collect()
}

/// A grid as one or more code-block sections, each within the section text limit.
fn grid_sections(grid: &Grid) -> Vec<Value> {
    const FENCE: usize = "```\n\n```".len();
    let mut sections = Vec::new();
    let mut current = String::new();
    for line in grid_lines(grid) {
        let line = escape(&line);
        if !current.is_empty() && current.len() + line.len() + 1 + FENCE > MAX_SECTION_TEXT {
            sections.push(section(format!("```\n{current}\n```")));
            current.clear();
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(&truncate(&line, MAX_SECTION_TEXT - FENCE));
    }
    if !current.is_empty() {
        sections.push(section(format!("```\n{current}\n```")));
    }
    sections
}

fn body_blocks(view: &View) -> Vec<Value> {
    let mut blocks = Vec::new();
    let mut intro = String::new();
    if !view.headline.is_empty() {
        intro.push_str(&format!("*{}*", escape(&view.headline)));
    }
    if !view.subtitle.is_empty() {
        intro.push_str(&format!("\n_{}_", escape(&view.subtitle)));
    }
    if !intro.is_empty() {
        blocks.push(section(intro.trim().to_string()));
    }
    for block in &view.blocks {
        match block {
            Block::Heading { text, tone } => {
                blocks.push(json!({"type": "divider"}));
                blocks.push(section(
                    format!("{} *{}*", tone.emoji(), escape(text))
                        .trim()
                        .to_string(),
                ));
            }
            Block::Text(text) => blocks.push(section(escape(text))),
            Block::Table(grid) => blocks.extend(grid_sections(grid)),
        }
    }
    blocks
}

/// The view as Block Kit messages (`text` fallback + `blocks`), split to Slack's limits.
pub fn messages(view: &View) -> Vec<Value> {
    let title = format!("{} {}", view.tone.emoji(), view.title)
        .trim()
        .to_string();
    let footer =
        json!({"type": "context", "elements": [{"type": "mrkdwn", "text": escape(&view.footer)}]});
    let mut body = body_blocks(view);
    if !view.footer.is_empty() {
        body.push(footer);
    }
    let per_message = MAX_BLOCKS - 1; // one for the header
    let chunks: Vec<&[Value]> = if body.is_empty() {
        vec![&[]]
    } else {
        body.chunks(per_message).collect()
    };
    let total = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            let header = if total > 1 { format!("{title} ({}/{total})", i + 1) } else { title.clone() };
            let mut blocks = vec![json!({"type": "header", "text": {"type": "plain_text", "text": truncate(&header, MAX_HEADER_TEXT), "emoji": true}})];
            blocks.extend(chunk.iter().cloned());
            let fallback = if view.headline.is_empty() { header.clone() } else { format!("{header}: {}", view.headline) };
            json!({"text": truncate(&fallback, MAX_SECTION_TEXT), "blocks": blocks})
        })
        .collect()
}

/// Stands in for the first message's `ts` in `--slack-dry-run` output.
pub const THREAD_TS_PLACEHOLDER: &str = "<ts of message 1>";

/// The messages as `--slack-thread` sends them: every message after the first is a reply.
pub fn threaded(messages: &[Value], thread_ts: &str) -> Vec<Value> {
    messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut m = m.clone();
            if i > 0 {
                m["thread_ts"] = Value::String(thread_ts.to_string());
            }
            m
        })
        .collect()
}

/// The report's Slack messages as a JSON array (empty when nothing is worth posting).
pub struct SlackExporter {
    /// `--slack-thread`: replies carry a placeholder for the first message's `ts`.
    pub thread: bool,
}

impl Exporter for SlackExporter {
    fn export(&self, report: &Report) -> Result<Vec<u8>, OutputError> {
        let messages = report.slack_view().map(messages).unwrap_or_default();
        let messages = if self.thread {
            threaded(&messages, THREAD_TS_PLACEHOLDER)
        } else {
            messages
        };
        let mut bytes = super::json::pretty(&Value::Array(messages))?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::view::{Cell, Tone};

    fn view_with_rows(rows: usize, tables: usize) -> View {
        let grid = Grid {
            header: vec!["Name".into(), "Value".into()],
            align: vec![Align::Left, Align::Right],
            rows: (0..rows)
                .map(|i| {
                    vec![
                        Cell::new(format!("row-{i:05}-{}", "x".repeat(40))),
                        Cell::toned(i.to_string(), Tone::Bad),
                    ]
                })
                .collect(),
        };
        View {
            title: "Test".into(),
            tone: Tone::Bad,
            headline: "a < b & c".into(),
            blocks: (0..tables)
                .flat_map(|i| {
                    [
                        Block::Heading {
                            text: format!("group {i}"),
                            tone: Tone::Good,
                        },
                        Block::Table(grid.clone()),
                    ]
                })
                .collect(),
            footer: "generated".into(),
            ..View::default()
        }
    }

    fn all_within_limits(messages: &[Value]) {
        for m in messages {
            let blocks = m["blocks"].as_array().unwrap();
            assert!(blocks.len() <= MAX_BLOCKS, "{} blocks", blocks.len());
            assert_eq!(blocks[0]["type"], "header");
            for b in blocks {
                if b["type"] == "section" {
                    assert!(
                        b["text"]["text"].as_str().unwrap().chars().count() <= MAX_SECTION_TEXT
                    );
                }
            }
        }
    }

    #[test]
    fn a_small_view_is_one_message_with_header_sections_and_context() {
        let m = messages(&view_with_rows(2, 1));
        assert_eq!(m.len(), 1);
        let types: Vec<_> = m[0]["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["type"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            types,
            ["header", "section", "divider", "section", "section", "context"]
        );
        assert_eq!(m[0]["blocks"][1]["text"]["text"], "*a &lt; b &amp; c*");
        assert!(m[0]["text"].as_str().unwrap().starts_with("❌ Test"));
    }

    #[test]
    fn long_tables_split_into_sections_under_3000_characters() {
        let m = messages(&view_with_rows(400, 1));
        all_within_limits(&m);
        let sections = m[0]["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["type"] == "section")
            .count();
        assert!(sections > 5);
    }

    /// A view whose body is exactly `n` blocks (no intro, no footer).
    fn view_of_texts(n: usize, text: &str) -> View {
        View {
            title: "Limits".into(),
            blocks: (0..n).map(|_| Block::Text(text.to_string())).collect(),
            ..View::default()
        }
    }

    #[test]
    fn forty_nine_body_blocks_fit_one_message_of_exactly_fifty() {
        let m = messages(&view_of_texts(MAX_BLOCKS - 1, "x"));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0]["blocks"].as_array().unwrap().len(), MAX_BLOCKS);
        assert_eq!(m[0]["blocks"][0]["text"]["text"], "Limits", "no (1/1)");
    }

    #[test]
    fn fifty_body_blocks_need_a_second_message() {
        let m = messages(&view_of_texts(MAX_BLOCKS, "x"));
        assert_eq!(m.len(), 2);
        assert_eq!(m[0]["blocks"].as_array().unwrap().len(), MAX_BLOCKS);
        assert_eq!(
            m[1]["blocks"].as_array().unwrap().len(),
            2,
            "header + the 50th"
        );
        assert_eq!(m[1]["blocks"][0]["text"]["text"], "Limits (2/2)");
        all_within_limits(&m);
    }

    #[test]
    fn section_text_of_exactly_3000_characters_is_kept_and_3001_is_cut() {
        let exact = "é".repeat(MAX_SECTION_TEXT); // characters, not bytes
        let m = messages(&view_of_texts(1, &exact));
        assert_eq!(m[0]["blocks"][1]["text"]["text"], exact.as_str());
        let over = "é".repeat(MAX_SECTION_TEXT + 1);
        let m = messages(&view_of_texts(1, &over));
        let text = m[0]["blocks"][1]["text"]["text"].as_str().unwrap();
        assert_eq!(text.chars().count(), MAX_SECTION_TEXT);
        assert!(text.ends_with('…'));
    }

    #[test]
    fn table_lines_exactly_filling_a_section_stay_in_one() {
        // Fences take 8 characters: lines of 1,495 and 1,496 and the newline between fill 3,000.
        let grid = Grid {
            header: vec!["h".repeat(1495)],
            align: vec![Align::Left],
            rows: vec![vec![Cell::new("r".repeat(1496))]],
        };
        let sections = grid_sections(&grid);
        assert_eq!(sections.len(), 1);
        let text = sections[0]["text"]["text"].as_str().unwrap();
        assert_eq!(text.chars().count(), MAX_SECTION_TEXT);
        let grid = Grid {
            header: vec!["h".repeat(1496)],
            align: vec![Align::Left],
            rows: vec![vec![Cell::new("r".repeat(1496))]],
        };
        assert_eq!(grid_sections(&grid).len(), 2, "one character over: split");
    }

    #[test]
    fn more_than_fifty_blocks_split_into_several_messages() {
        let m = messages(&view_with_rows(2, 40));
        assert!(m.len() >= 2);
        all_within_limits(&m);
        assert_eq!(
            m[1]["blocks"][0]["text"]["text"],
            format!("❌ Test (2/{})", m.len())
        );
    }
}
