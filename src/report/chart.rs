//! SVG line charts: one panel per group (platform, SLO, …), each with its series and
//! reference lines. Hand-written SVG: no font or raster dependencies, readable in a browser,
//! a pull request or Slack.

use std::fmt::Write;
use std::path::Path;

use super::OutputError;

pub struct Series {
    pub name: String,
    pub color: &'static str,
    pub width: f64,
    /// One value per x position; `None` breaks the line.
    pub values: Vec<Option<f64>>,
}

/// A horizontal reference line (an SLO, a target).
pub struct Rule {
    pub label: String,
    pub value: f64,
    pub color: &'static str,
}

pub struct Panel {
    pub title: String,
    pub x_labels: Vec<String>,
    pub series: Vec<Series>,
    pub rules: Vec<Rule>,
    /// Formats a y value for the axis.
    pub y_format: fn(f64) -> String,
}

pub(super) const WIDTH: f64 = 900.0;
pub(super) const PANEL_HEIGHT: f64 = 280.0;
pub(super) const LEFT: f64 = 80.0;
const RIGHT: f64 = 20.0;
pub(super) const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn y_range(panel: &Panel) -> (f64, f64) {
    let values = panel
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .chain(panel.rules.iter().map(|r| r.value));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-6);
    (lo - pad, hi + pad)
}

/// Where a panel's points land: shared by the SVG and the PNG renderings.
pub(super) struct Geometry {
    n: usize,
    y0: f64,
    y1: f64,
    /// The panel's top edge in the whole image.
    pub top: f64,
}

pub(super) const PLOT_W: f64 = WIDTH - LEFT - RIGHT;
pub(super) const PLOT_H: f64 = PANEL_HEIGHT - TOP - BOTTOM;

impl Geometry {
    pub fn new(panel: &Panel, top: f64) -> Geometry {
        let (y0, y1) = y_range(panel);
        Geometry {
            n: panel.x_labels.len().max(1),
            y0,
            y1,
            top,
        }
    }

    pub fn x(&self, i: usize) -> f64 {
        LEFT + if self.n == 1 {
            PLOT_W / 2.0
        } else {
            PLOT_W * i as f64 / (self.n - 1) as f64
        }
    }

    pub fn y(&self, v: f64) -> f64 {
        self.top + TOP + PLOT_H * (1.0 - (v - self.y0) / (self.y1 - self.y0))
    }

    /// The y values of the horizontal grid lines, bottom to top.
    pub fn grid_values(&self) -> impl Iterator<Item = f64> + '_ {
        (0..=4).map(|k| self.y0 + (self.y1 - self.y0) * k as f64 / 4.0)
    }

    /// Runs of consecutive points (a `None` value breaks the line).
    pub fn runs(&self, values: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
        let mut runs = vec![Vec::new()];
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => {
                    if let Some(run) = runs.last_mut() {
                        run.push((self.x(i), self.y(*v)));
                    }
                }
                None => runs.push(Vec::new()),
            }
        }
        runs.retain(|r| !r.is_empty());
        runs
    }
}

fn panel_svg(out: &mut String, panel: &Panel, top: f64) {
    let (plot_w, plot_h) = (PLOT_W, PLOT_H);
    let g = Geometry::new(panel, top);
    let n = panel.x_labels.len().max(1);
    let x = |i: usize| g.x(i);
    let y = |v: f64| g.y(v);
    let _ = writeln!(
        out,
        r#"<text x="{LEFT}" y="{}" font-size="15" font-weight="bold">{}</text>"#,
        top + 22.0,
        escape(&panel.title)
    );
    let _ = writeln!(
        out,
        r##"<rect x="{LEFT}" y="{}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#ccc"/>"##,
        top + TOP
    );
    for v in g.grid_values() {
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="#eee"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#555">{}</text>"##,
            LEFT + plot_w,
            LEFT - 6.0,
            y(v) + 4.0,
            escape(&(panel.y_format)(v)),
            yy = y(v)
        );
    }
    let step = (n / 8).max(1);
    for (i, label) in panel.x_labels.iter().enumerate().step_by(step) {
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#555">{}</text>"##,
            x(i),
            top + TOP + plot_h + 18.0,
            escape(label)
        );
    }
    for rule in &panel.rules {
        let _ = writeln!(
            out,
            r#"<line x1="{LEFT}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="{}" stroke-dasharray="6 4"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="{}">{}</text>"#,
            LEFT + plot_w,
            rule.color,
            LEFT + plot_w - 4.0,
            y(rule.value) - 4.0,
            rule.color,
            escape(&rule.label),
            yy = y(rule.value)
        );
    }
    for series in &panel.series {
        let mut path = String::new();
        for run in g.runs(&series.values) {
            for (k, (px, py)) in run.iter().enumerate() {
                let _ = write!(path, "{}{px:.1},{py:.1} ", if k == 0 { "M" } else { "L" });
            }
        }
        if !path.is_empty() {
            let _ = writeln!(
                out,
                r#"<path d="{}" fill="none" stroke="{}" stroke-width="{}"/>"#,
                path.trim_end(),
                series.color,
                series.width
            );
        }
    }
    let mut lx = LEFT + 260.0;
    for series in &panel.series {
        let _ = writeln!(
            out,
            r#"<line x1="{lx}" x2="{}" y1="{ly}" y2="{ly}" stroke="{}" stroke-width="3"/><text x="{}" y="{}" font-size="12">{}</text>"#,
            lx + 18.0,
            series.color,
            lx + 22.0,
            top + 22.0 + 4.0,
            escape(&series.name),
            ly = top + 22.0
        );
        lx += 30.0 + 7.0 * series.name.len() as f64;
    }
}

/// The panels stacked in one SVG document.
pub fn svg(panels: &[Panel]) -> String {
    let height = PANEL_HEIGHT * panels.len().max(1) as f64;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif">
<rect width="100%" height="100%" fill="white"/>
"#
    );
    for (i, panel) in panels.iter().enumerate() {
        panel_svg(&mut out, panel, PANEL_HEIGHT * i as f64);
    }
    out.push_str("</svg>\n");
    out
}

/// Why `path` cannot hold a chart, if it cannot: only SVG is drawn with text (the PNG
/// rendering has no fonts, so it serves Slack uploads, which carry the title beside them).
pub fn unsupported_path(path: &Path) -> Option<&'static str> {
    let is_svg = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    (!is_svg).then_some("only .svg charts are supported")
}

/// The chart as the file at `path` holds it.
pub fn export(path: &Path, panels: &[Panel]) -> Result<Vec<u8>, OutputError> {
    match unsupported_path(path) {
        Some(why) => Err(OutputError::Write(format!("{}: {why}", path.display()))),
        None => Ok(svg(panels).into_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_break_the_line_and_text_is_escaped() {
        let panel = Panel {
            title: "A & B".into(),
            x_labels: vec!["d1".into(), "d2".into(), "d3".into()],
            series: vec![Series {
                name: "rate".into(),
                color: "red",
                width: 1.0,
                values: vec![Some(1.0), None, Some(0.5)],
            }],
            rules: vec![Rule {
                label: "SLO".into(),
                value: 0.9,
                color: "green",
            }],
            y_format: |v| format!("{v:.2}"),
        };
        let svg = svg(&[panel]);
        assert!(svg.contains("A &amp; B"));
        let path = svg.lines().find(|l| l.starts_with("<path")).unwrap();
        assert_eq!(path.matches('M').count(), 2, "{path}");
        assert!(svg.ends_with("</svg>\n"));
    }

    #[test]
    fn only_svg_files_are_written() {
        let err = export(Path::new("chart.png"), &[]).unwrap_err();
        assert_eq!(err.to_string(), "chart.png: only .svg charts are supported");
        assert!(export(Path::new("chart.SVG"), &[]).is_ok());
    }
}
