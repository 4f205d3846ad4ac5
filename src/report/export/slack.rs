//! Block Kit rendering for people who glance at a channel. The first message is the
//! verdicts: a header, one line per section (status emoji, key figure, change, link), and,
//! unless details go to a thread, what needs attention, all within [`MAX_VERDICT_BLOCKS`].
//! The details (tables, notes, sparklines) follow as further messages, in the thread with
//! `--slack-thread`, in the channel with `[slack] detail = "full"`, and not at all with the
//! default `summary`, unless they are short enough to fit the first message.
//!
//! mrkdwn rules kept here: `&`, `<`, `>` escaped; emphasis never spans a line break; no
//! emoji inside code blocks (they break the column alignment of monospace tables).
//! Slack rejects a message with more than 50 blocks or a section text over 3,000 characters,
//! so long details are split into several messages. [`SlackExporter`] is what
//! `--slack-dry-run` prints: the messages a post would send.

use serde_json::{json, Value};

use super::Exporter;
use crate::report::view::{Align, Block, Grid, Link, Tone, View};
use crate::report::{OutputError, Report};

pub const MAX_BLOCKS: usize = 50;
pub const MAX_SECTION_TEXT: usize = 3000;
const MAX_HEADER_TEXT: usize = 150;
/// The first message fits one screen: the contract's bound for the channel message.
pub const MAX_VERDICT_BLOCKS: usize = 12;
/// Highlights listed per section in a compact post; a line says how many more there are.
const HIGHLIGHTS_PER_SECTION: usize = 3;

/// How much goes where.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Detail {
    /// The verdicts and what needs attention (the details too when they fit the message).
    #[default]
    Summary,
    /// Every table and note as well, in further messages.
    Full,
}

/// The post's shape: the detail, whether details go to a thread, and the links every post
/// carries (the GitHub Actions run that made it).
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub detail: Detail,
    pub thread: bool,
    pub links: Vec<Link>,
}

/// `&`, `<` and `>` are control characters in Slack's mrkdwn.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Bold that Slack renders: one line, no `*` inside.
fn bold(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("*{}*", escape(l.trim()).replace('*', "∗")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn link(l: &Link) -> String {
    let url = l
        .url
        .replace('<', "%3C")
        .replace('>', "%3E")
        .replace('|', "%7C");
    format!("<{url}|{}>", escape(&l.label).replace('|', "/"))
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

fn context(text: String) -> Value {
    json!({"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(&text, MAX_SECTION_TEXT)}]})
}

fn header(text: &str) -> Value {
    json!({"type": "header", "text": {"type": "plain_text", "text": truncate(text, MAX_HEADER_TEXT), "emoji": true}})
}

/// The title with its status emoji.
fn title(view: &View) -> String {
    format!("{} {}", view.tone.status_emoji(), view.title)
        .trim()
        .to_string()
}

/// A monospace table's marker for a cell's verdict: characters that keep one column.
fn table_mark(tone: Tone) -> &'static str {
    match tone {
        Tone::Bad => " ✗",
        Tone::Warn => " !",
        _ => "",
    }
}

/// A grid as aligned monospace lines (no emoji: they are wider than a column).
fn grid_lines(grid: &Grid) -> Vec<String> {
    let rows: Vec<Vec<String>> = std::iter::once(grid.header.clone())
        .chain(grid.rows.iter().map(|r| {
            r.iter()
                .map(|c| {
                    let mark = if c.marked { table_mark(c.tone) } else { "" };
                    format!("{}{mark}", c.text)
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

/// A view's own blocks (headings, tables, notes) as Block Kit.
fn body_blocks(view: &View) -> Vec<Value> {
    let mut blocks = Vec::new();
    let mut view_last: Option<&Block> = None;
    for block in &view.blocks {
        match block {
            Block::Heading { text, tone } => {
                blocks.push(json!({"type": "divider"}));
                blocks.push(section(
                    format!("{} {}", tone.emoji(), bold(text))
                        .trim()
                        .to_string(),
                ));
            }
            Block::Text(text) => blocks.push(section(escape(text))),
            Block::List(items) => {
                let list = items
                    .iter()
                    .map(|i| format!("• {}", escape(i)))
                    .collect::<Vec<_>>()
                    .join("\n");
                // A list right under its line of text is one block with it.
                match blocks.last_mut() {
                    Some(last) if matches!(view_last, Some(Block::Text(_))) => {
                        let text = last["text"]["text"].as_str().unwrap_or_default();
                        *last = section(format!("{text}\n{list}"));
                    }
                    _ => blocks.push(section(list)),
                }
            }
            Block::Sparkline { label, line } => {
                blocks.push(section(format!("{} `{}`", escape(label), line)))
            }
            Block::Table(grid) => blocks.extend(grid_sections(grid)),
        }
        view_last = Some(block);
    }
    blocks
}

/// `  · <url|label>` for each link, or nothing.
fn links_suffix(links: &[Link]) -> String {
    links.iter().map(|l| format!(" · {}", link(l))).collect()
}

/// One section's verdict line: `✅ *Crash-free users*  IOS 99.95 % … · <url|dashboard>`.
fn verdict_line(view: &View) -> String {
    let verdict = view.verdict();
    let mut line = format!("{} {}", view.tone.status_emoji(), bold(&view.title));
    if !verdict.is_empty() {
        line.push_str("  ");
        line.push_str(&escape(&verdict));
    }
    line.push_str(&links_suffix(&view.links));
    line.trim().to_string()
}

/// The highlights as bullet lines, at most `max`, then how many were left out.
fn highlight_lines(view: &View, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = view
        .highlights
        .iter()
        .take(max)
        .map(|h| format!("• {}", escape(&h.text)))
        .collect();
    if view.highlights.len() > max {
        lines.push(format!("• …and {} more", view.highlights.len() - max));
    }
    lines
}

/// The first message's body: the verdicts and, when `attention`, what needs it.
fn verdict_blocks(view: &View, attention: bool) -> Vec<Value> {
    let mut blocks = Vec::new();
    if view.sections.is_empty() {
        let mut text = escape(&view.verdict());
        if !view.links.is_empty() {
            text.push_str(&links_suffix(&view.links));
        }
        if !text.trim().is_empty() {
            blocks.push(section(text.trim().to_string()));
        }
        if attention && !view.highlights.is_empty() {
            blocks.push(section(highlight_lines(view, 10).join("\n")));
        }
        return blocks;
    }
    let lines: Vec<String> = view.sections.iter().map(verdict_line).collect();
    // One block a section reads best; many sections share one block to stay on one screen.
    if lines.len() + 4 <= MAX_VERDICT_BLOCKS {
        blocks.extend(lines.into_iter().map(section));
    } else {
        blocks.push(section(lines.join("\n")));
    }
    if attention {
        let needs: Vec<String> = view
            .sections
            .iter()
            .filter(|s| !s.highlights.is_empty() && matches!(s.tone, Tone::Bad | Tone::Warn))
            .map(|s| {
                let mut lines = vec![bold(&s.title)];
                lines.extend(highlight_lines(s, HIGHLIGHTS_PER_SECTION));
                lines.join("\n")
            })
            .collect();
        if !needs.is_empty() {
            blocks.push(section(needs.join("\n")));
        }
    }
    blocks
}

/// A view's details, as the messages of a thread (or of a full post) show them under their
/// header: its highlights, then `body` (its [`body_blocks`]).
fn detail_blocks(view: &View, body: Vec<Value>) -> Vec<Value> {
    let mut blocks = Vec::new();
    if !view.highlights.is_empty() {
        blocks.push(section(highlight_lines(view, 20).join("\n")));
    }
    blocks.extend(body);
    blocks
}

/// A digest section's details: what it covers and its verdict first, as the channel message
/// did not show them.
fn section_details(view: &View) -> Vec<Value> {
    let mut blocks = Vec::new();
    let mut about = escape(&view.subtitle);
    about.push_str(&links_suffix(&view.links));
    let about = about.trim().to_string();
    if !about.is_empty() {
        blocks.push(context(about));
    }
    if !view.verdict().is_empty() {
        blocks.push(section(escape(&view.verdict())));
    }
    blocks.extend(detail_blocks(view, body_blocks(view)));
    blocks
}

/// Blocks split into messages of at most [`MAX_BLOCKS`], each opened by a header.
fn split(title: &str, body: Vec<Value>, fallback: &str) -> Vec<Value> {
    let per_message = MAX_BLOCKS - 1;
    let chunks: Vec<&[Value]> = body.chunks(per_message).collect();
    let total = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            let head = if total > 1 {
                format!("{title} ({}/{total})", i + 1)
            } else {
                title.to_string()
            };
            let mut blocks = vec![header(&head)];
            blocks.extend(chunk.iter().cloned());
            json!({"text": truncate(&format!("{head}: {fallback}"), MAX_SECTION_TEXT), "blocks": blocks})
        })
        .collect()
}

/// The notification text: what a phone shows before the message is opened.
fn fallback(view: &View) -> String {
    if view.sections.is_empty() {
        return format!("{}: {}", title(view), view.verdict());
    }
    let needing: Vec<String> = view
        .sections
        .iter()
        .filter(|s| matches!(s.tone, Tone::Bad | Tone::Warn))
        .map(|s| format!("{} {}", s.tone.emoji(), s.title))
        .collect();
    if needing.is_empty() {
        format!("{}: every section is fine", title(view))
    } else {
        format!("{}: {} need attention", title(view), needing.join(", "))
    }
}

/// The view as Block Kit messages (`text` fallback + `blocks`): the verdict message first,
/// then the details the layout asks for, each within Slack's limits.
pub fn messages(view: &View, layout: &Layout) -> Vec<Value> {
    if view.title.is_empty() {
        // Plain text (a dry run's estimate): its blocks, nothing more.
        return split("vitals", body_blocks(view), "");
    }
    // A view without sections: its own blocks, which a summary may carry inline.
    let own_body = view.sections.is_empty().then(|| body_blocks(view));
    let details: Vec<Vec<Value>> = match &own_body {
        Some(body) => Some(detail_blocks(view, body.clone()))
            .filter(|b| !b.is_empty())
            .into_iter()
            .collect(),
        None => view.sections.iter().map(section_details).collect(),
    };
    let footer = {
        let mut parts = vec![escape(&view.footer)];
        parts.extend(layout.links.iter().map(link));
        if layout.thread && !details.is_empty() {
            parts.push("details in the thread".into());
        }
        parts.retain(|p| !p.is_empty());
        parts.join(" · ")
    };
    let mut first = vec![header(&title(view))];
    if !view.subtitle.is_empty() && !view.sections.is_empty() {
        first.push(context(escape(&view.subtitle)));
    }
    first.extend(verdict_blocks(view, !layout.thread));
    let footer_block = (!footer.is_empty()).then(|| context(footer));
    // Short details ride along in a summary rather than being dropped.
    let fits = |extra: usize| {
        first.len() + extra + usize::from(footer_block.is_some()) <= MAX_VERDICT_BLOCKS
    };
    // Inline, the highlights are already in the verdict blocks: the body only.
    let inline = !layout.thread
        && details.len() == 1
        && own_body.as_ref().is_some_and(|body| fits(body.len()));
    if inline {
        first.extend(own_body.into_iter().flatten());
    }
    first.extend(footer_block);
    let mut out =
        vec![json!({"text": truncate(&fallback(view), MAX_SECTION_TEXT), "blocks": first})];
    let send_details = layout.thread || layout.detail == Detail::Full;
    if send_details && !inline {
        if view.sections.is_empty() {
            let head = format!("{} · details", title(view));
            for body in details {
                out.extend(split(&head, body, &view.verdict()));
            }
        } else {
            for (s, body) in view.sections.iter().zip(details) {
                // Each section's messages are headed by its title, cut as a header cuts it.
                let head = truncate(&title(s), MAX_HEADER_TEXT);
                out.extend(split(&head, body, "details"));
            }
        }
    }
    out
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
    pub layout: Layout,
}

impl Exporter for SlackExporter {
    fn export(&self, report: &Report) -> Result<Vec<u8>, OutputError> {
        let messages = report
            .slack_view()
            .map(|v| messages(v, &self.layout))
            .unwrap_or_default();
        let messages = if self.layout.thread {
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
    use crate::report::view::{Cell, Highlight};

    fn grid(rows: usize, tone: Tone) -> Grid {
        Grid {
            header: vec!["Name".into(), "Value".into()],
            align: vec![Align::Left, Align::Right],
            rows: (0..rows)
                .map(|i| {
                    vec![
                        Cell::new(format!("row-{i:05}-{}", "x".repeat(40))),
                        Cell::toned(i.to_string(), tone),
                    ]
                })
                .collect(),
        }
    }

    fn section_view(title: &str, tone: Tone, rows: usize) -> View {
        View {
            title: title.into(),
            subtitle: "the last 7 days".into(),
            tone,
            headline: "a < b & c".into(),
            change: "+1 pt vs last week".into(),
            highlights: vec![Highlight::new(tone, "row-00001 needs a look")],
            blocks: vec![
                Block::Heading {
                    text: "group".into(),
                    tone,
                },
                Block::Table(grid(rows, tone)),
            ],
            links: vec![Link {
                label: "dashboard".into(),
                url: "https://grafana.example.com/d/x?a=1&b=2".into(),
            }],
            footer: "section footer".into(),
            ..View::default()
        }
    }

    fn digest(rows: usize) -> View {
        View {
            title: "Reliability digest".into(),
            subtitle: "2026-11-22 09:00 Asia/Tokyo".into(),
            tone: Tone::Bad,
            sections: vec![
                section_view("Crash-free users", Tone::Good, rows),
                section_view("Service level objectives", Tone::Bad, rows),
                section_view("Data freshness", Tone::Warn, rows),
                section_view("Autoscaling", Tone::Good, rows),
                section_view("Four keys", Tone::Plain, rows),
            ],
            footer: "vitals digest".into(),
            ..View::default()
        }
    }

    fn layout(detail: Detail, thread: bool) -> Layout {
        Layout {
            detail,
            thread,
            links: vec![Link {
                label: "GitHub Actions run".into(),
                url: "https://github.com/o/r/actions/runs/1".into(),
            }],
        }
    }

    fn blocks(message: &Value) -> &Vec<Value> {
        message["blocks"].as_array().unwrap()
    }

    /// Every mrkdwn text of the messages.
    fn texts(messages: &[Value]) -> Vec<String> {
        let mut out = Vec::new();
        for m in messages {
            for b in blocks(m) {
                if let Some(t) = b["text"]["text"].as_str() {
                    out.push(t.to_string());
                }
                for e in b["elements"].as_array().into_iter().flatten() {
                    out.extend(e["text"].as_str().map(str::to_string));
                }
            }
        }
        out
    }

    fn all_within_limits(messages: &[Value]) {
        for m in messages {
            let blocks = blocks(m);
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
    fn the_channel_gets_one_verdict_line_per_section_on_one_screen() {
        let m = messages(&digest(30), &layout(Detail::Summary, false));
        assert_eq!(m.len(), 1, "summary: no detail messages");
        assert!(blocks(&m[0]).len() <= MAX_VERDICT_BLOCKS);
        let text = texts(&m).join("\n");
        assert!(text.contains("✅ *Crash-free users*  a &lt; b &amp; c · +1 pt vs last week"));
        assert!(
            text.contains("ℹ️ *Four keys*"),
            "informational, not a pass or fail"
        );
        assert!(text.contains("<https://grafana.example.com/d/x?a=1&b=2|dashboard>"));
        assert!(text.contains("<https://github.com/o/r/actions/runs/1|GitHub Actions run>"));
        assert!(text.contains("*Service level objectives*\n• row-00001 needs a look"));
        assert!(!text.contains("```"), "no tables in a summary");
        assert!(m[0]["text"]
            .as_str()
            .unwrap()
            .contains("❌ Service level objectives, ⚠️ Data freshness need attention"));
    }

    #[test]
    fn with_a_thread_the_details_are_replies_one_section_each() {
        let m = messages(&digest(30), &layout(Detail::Summary, true));
        assert!(blocks(&m[0]).len() <= MAX_VERDICT_BLOCKS);
        let first = texts(&m[..1]).join("\n");
        assert!(
            !first.contains("needs a look"),
            "attention goes to the thread"
        );
        assert!(first.contains("details in the thread"));
        assert_eq!(m.len(), 6, "the verdicts, then a reply per section");
        assert_eq!(
            blocks(&m[2])[0]["text"]["text"],
            "❌ Service level objectives"
        );
        assert!(texts(&m[2..3]).join("\n").contains("```"));
        all_within_limits(&m);
    }

    #[test]
    fn full_detail_follows_the_verdicts_in_the_channel() {
        let m = messages(&digest(30), &layout(Detail::Full, false));
        assert_eq!(m.len(), 6);
        assert!(m.iter().all(|m| m.get("thread_ts").is_none()));
    }

    #[test]
    fn emphasis_never_spans_a_line_and_tables_hold_no_emoji() {
        for layout in [layout(Detail::Full, false), layout(Detail::Summary, true)] {
            for text in texts(&messages(&digest(5), &layout)) {
                for line in text.lines() {
                    assert_eq!(
                        line.matches('*').count() % 2,
                        0,
                        "unbalanced bold: {line:?}"
                    );
                }
                if let Some(table) = text.strip_prefix("```") {
                    assert!(
                        !table.contains(['✅', '❌', '⚠']),
                        "emoji in a table: {table}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_short_single_report_is_posted_whole_in_a_summary() {
        let view = section_view("Data freshness", Tone::Warn, 3);
        let m = messages(&view, &layout(Detail::Summary, false));
        assert_eq!(m.len(), 1);
        let text = texts(&m).join("\n");
        assert!(text.contains("```") && text.contains("needs a look"));
        assert!(blocks(&m[0]).len() <= MAX_VERDICT_BLOCKS);
        let long = section_view("Data freshness", Tone::Warn, 400);
        let m = messages(&long, &layout(Detail::Summary, false));
        assert_eq!(m.len(), 1, "too long to fit: the summary only");
        assert!(!texts(&m).join("\n").contains("```"));
    }

    #[test]
    fn long_tables_split_into_sections_and_messages_within_slacks_limits() {
        let m = messages(&digest(400), &layout(Detail::Full, false));
        all_within_limits(&m);
        let sections = m
            .iter()
            .flat_map(|m| blocks(m).iter())
            .filter(|b| b["type"] == "section")
            .count();
        assert!(sections > 20);
    }

    /// A single view whose details are exactly `n` text blocks.
    fn view_of_texts(n: usize, text: &str) -> View {
        View {
            title: "Limits".into(),
            headline: "h".into(),
            blocks: (0..n).map(|_| Block::Text(text.to_string())).collect(),
            ..View::default()
        }
    }

    #[test]
    fn forty_nine_detail_blocks_fit_one_message_of_exactly_fifty() {
        let m = messages(
            &view_of_texts(MAX_BLOCKS - 1, "x"),
            &layout(Detail::Full, false),
        );
        assert_eq!(m.len(), 2, "the verdict, then the details");
        assert_eq!(blocks(&m[1]).len(), MAX_BLOCKS);
        assert_eq!(
            blocks(&m[1])[0]["text"]["text"],
            "ℹ️ Limits · details",
            "no (1/1)"
        );
    }

    #[test]
    fn fifty_detail_blocks_need_a_second_message() {
        let m = messages(
            &view_of_texts(MAX_BLOCKS, "x"),
            &layout(Detail::Full, false),
        );
        assert_eq!(m.len(), 3);
        assert_eq!(blocks(&m[1]).len(), MAX_BLOCKS);
        assert_eq!(blocks(&m[2]).len(), 2, "header + the 50th");
        assert_eq!(
            blocks(&m[2])[0]["text"]["text"],
            "ℹ️ Limits · details (2/2)"
        );
        all_within_limits(&m);
    }

    #[test]
    fn section_text_of_exactly_3000_characters_is_kept_and_3001_is_cut() {
        let exact = "é".repeat(MAX_SECTION_TEXT); // characters, not bytes
        let m = messages(&view_of_texts(1, &exact), &layout(Detail::Full, false));
        let last = |m: &[Value]| texts(m).into_iter().find(|t| t.starts_with('é')).unwrap();
        assert_eq!(last(&m), exact);
        let over = "é".repeat(MAX_SECTION_TEXT + 1);
        let m = messages(&view_of_texts(1, &over), &layout(Detail::Full, false));
        let text = last(&m);
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
    fn many_sections_share_one_verdict_block() {
        let mut view = digest(1);
        let more = view.sections.clone();
        view.sections.extend(more);
        let m = messages(&view, &layout(Detail::Summary, true));
        assert!(blocks(&m[0]).len() <= MAX_VERDICT_BLOCKS);
        assert_eq!(m.len(), 11);
    }
}
