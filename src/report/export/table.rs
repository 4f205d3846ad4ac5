//! Terminal tables (comfy-table): readable at 80 columns; colour only on a TTY without
//! `NO_COLOR`.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{modifiers::UTF8_ROUND_CORNERS, CellAlignment, Color, ContentArrangement, Table};

use super::{Exporter, Style};
use crate::report::view::{Align, Block, Grid, Tone, View};
use crate::report::{OutputError, Report};

/// The terminal width the text around tables is laid out for.
const WIDTH: usize = 80;

pub struct TableExporter {
    pub style: Style,
}

fn color(tone: Tone) -> Option<Color> {
    match tone {
        Tone::Good => Some(Color::Green),
        Tone::Warn => Some(Color::Yellow),
        Tone::Bad => Some(Color::Red),
        Tone::Muted => Some(Color::DarkGrey),
        Tone::Plain => None,
    }
}

/// A terminal symbol for a verdict (no emoji: they break column widths).
fn symbol(tone: Tone) -> &'static str {
    match tone {
        Tone::Good => "✓",
        Tone::Warn => "!",
        Tone::Bad => "✗",
        Tone::Plain | Tone::Muted => "",
    }
}

impl TableExporter {
    fn paint(&self, text: &str, tone: Tone, bold: bool) -> String {
        if !self.style.color {
            return text.to_string();
        }
        let code = match tone {
            Tone::Good => "32",
            Tone::Warn => "33",
            Tone::Bad => "31",
            Tone::Muted => "90",
            Tone::Plain => "39",
        };
        let weight = if bold { "1;" } else { "" };
        format!("\x1b[{weight}{code}m{text}\x1b[0m")
    }

    fn grid(&self, grid: &Grid) -> String {
        let mut table = Table::new();
        table
            .load_preset(UTF8_FULL_CONDENSED)
            .apply_modifier(UTF8_ROUND_CORNERS);
        table.set_content_arrangement(ContentArrangement::Dynamic);
        if self.style.color {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        table.set_header(grid.header.clone());
        for row in &grid.rows {
            table.add_row(row.iter().map(|cell| {
                let mut c = comfy_table::Cell::new(&cell.text);
                if let (true, Some(fg)) = (self.style.color, color(cell.tone)) {
                    c = c.fg(fg);
                }
                c
            }));
        }
        for (i, align) in grid.align.iter().enumerate() {
            if let Some(column) = table.column_mut(i) {
                column.set_cell_alignment(match align {
                    Align::Left => CellAlignment::Left,
                    Align::Right => CellAlignment::Right,
                });
            }
        }
        table.to_string()
    }

    /// A view's blocks and its links. (Highlights are for compact posts: the terminal shows
    /// the blocks they summarise.)
    fn body(&self, out: &mut String, view: &View) {
        // Sparklines of one view line up, label under label.
        let label_width = view
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Sparkline { label, .. } => Some(label.chars().count()),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        for block in &view.blocks {
            match block {
                Block::Heading { text, tone } => {
                    out.push('\n');
                    let mark = symbol(*tone);
                    out.push_str(&self.paint(format!("{mark} {text}").trim_start(), *tone, true));
                    out.push('\n');
                }
                Block::Text(text) => {
                    out.push_str(text);
                    out.push('\n');
                }
                Block::List(items) => {
                    for item in items {
                        out.push_str(&format!("  • {item}\n"));
                    }
                }
                Block::Sparkline { label, line } => {
                    let pad = " ".repeat(label_width - label.chars().count());
                    out.push_str(&format!("{label}{pad}  {line}\n"));
                }
                Block::Table(grid) => {
                    out.push_str(&self.grid(grid));
                    out.push('\n');
                }
            }
        }
        for link in &view.links {
            out.push_str(&format!("{}: {}\n", link.label, link.url));
        }
    }

    fn title(&self, out: &mut String, view: &View) {
        let mark = symbol(view.tone);
        let title = format!("{mark} {}", view.title).trim_start().to_string();
        out.push_str(&self.paint(&title, view.tone, true));
        if !view.subtitle.is_empty() {
            // Beside the title when both fit 80 columns, else under it.
            let beside = title.chars().count() + 2 + view.subtitle.chars().count() <= WIDTH;
            out.push_str(if beside { "  " } else { "\n" });
            out.push_str(&self.paint(&view.subtitle, Tone::Muted, false));
        }
        out.push('\n');
    }

    pub fn render_view(&self, view: &View) -> String {
        let mut out = String::new();
        if !view.title.is_empty() {
            self.title(&mut out, view);
        }
        if view.sections.is_empty() {
            // The verdict on one line when 80 columns hold it, else the change below.
            let verdict = view.verdict();
            if verdict.chars().count() <= WIDTH {
                if !verdict.is_empty() {
                    out.push_str(&verdict);
                    out.push('\n');
                }
            } else {
                out.push_str(&format!("{}\n{}\n", view.headline, view.change));
            }
            self.body(&mut out, view);
        } else {
            for s in &view.sections {
                // The headline on the verdict's line, the change below it: 80 columns hold
                // one, rarely both.
                let mark = symbol(s.tone);
                let line = format!(
                    "{} {}: {}",
                    if mark.is_empty() { "·" } else { mark },
                    s.title,
                    s.headline
                );
                out.push_str(&self.paint(line.trim_end_matches(": "), s.tone, false));
                out.push('\n');
                if !s.change.is_empty() {
                    out.push_str(&format!("  {}\n", s.change));
                }
            }
            for s in &view.sections {
                out.push('\n');
                self.title(&mut out, s);
                self.body(&mut out, s);
            }
        }
        if !view.footer.is_empty() {
            out.push('\n');
            out.push_str(&self.paint(&view.footer, Tone::Muted, false));
            out.push('\n');
        }
        out
    }
}

impl Exporter for TableExporter {
    fn export(&self, report: &Report) -> Result<Vec<u8>, OutputError> {
        Ok(self.render_view(&report.view).into_bytes())
    }
}
