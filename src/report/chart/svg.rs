//! The SVG drawing: hand-written, one `<g>` per panel. Each panel is laid out before it is
//! drawn, with the embedded font's widths: the title on its own line, the legend on the lines
//! below it (wrapping, never under the title), the value labels' width sets the left margin,
//! time labels are spaced so they cannot overlap, and every label is kept inside the canvas.

use std::fmt::Write;

use chrono::{Datelike, NaiveDateTime};

use super::downsample::min_max;
use super::font::{advances, text_width, CSS_FAMILIES};
use super::scale::{span_label, Scale, TimeStep};
use super::{Panel, Series};

pub const WIDTH: f64 = 900.0;
pub const PANEL_HEIGHT: f64 = 300.0;

/// No label comes closer than this to the canvas's edges.
const EDGE: f64 = 8.0;
const RIGHT: f64 = 28.0;
const TITLE_SIZE: f64 = 15.0;
const LEGEND_SIZE: f64 = 12.0;
const TICK_SIZE: f64 = 11.0;
const TITLE_BASELINE: f64 = 24.0;
const LEGEND_BASELINE: f64 = 46.0;
const LEGEND_LINE: f64 = 18.0;
const SWATCH: f64 = 20.0;
/// From the plot's bottom edge to the bottom of the panel: tick labels, then the caption.
const BELOW_PLOT: f64 = 46.0;
/// Value intervals aimed for on the y axis.
const Y_INTERVALS: usize = 5;
/// Series with at most this many points get a marker on each (weekly figures).
const MARKERS_UP_TO: usize = 16;
/// The data keeps this far inside the frame, so lines at 100 % or 0 and markers at the
/// ends do not merge with it.
const INSET: f64 = 8.0;
/// At most this many time labels: more reads as noise.
const MAX_TIME_TICKS: usize = 12;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `text`, cut with `…` to fit `max` pixels.
fn fit(text: &str, size: f64, bold: bool, max: f64) -> String {
    if text_width(text, size, bold) <= max {
        return text.to_string();
    }
    // No glyph is narrower than a fifth of the font size: a name thousands of characters long
    // (an input controls it) is cut to what could fit before measuring, so this stays cheap.
    let could_fit = (max / (size * 0.2)).max(0.0) as usize + 1;
    let ellipsis = text_width("…", size, bold);
    // The longest start that still fits with the `…` after it (widths only grow with length).
    let mut width = 0.0;
    let mut end = 0;
    for ((i, c), advance) in text
        .char_indices()
        .zip(advances(text, size, bold))
        .take(could_fit)
    {
        width += advance;
        if width + ellipsis > max {
            break;
        }
        end = i + c.len_utf8();
    }
    format!("{}…", text[..end].trim_end())
}

struct LegendItem {
    x: f64,
    y: f64,
    label: String,
    color: &'static str,
    dashed: bool,
}

/// Where everything of one panel goes, computed before anything is drawn.
struct Layout {
    left: f64,
    right: f64,
    plot_top: f64,
    plot_bottom: f64,
    scale: Scale,
    y_labels: Vec<(f64, String)>,
    legend: Vec<LegendItem>,
    /// x and label of each time tick.
    x_ticks: Vec<(f64, String)>,
    caption: String,
    t0: NaiveDateTime,
    t1: NaiveDateTime,
}

/// A panel's value axis and its labels.
struct ValueAxis {
    scale: Scale,
    labels: Vec<(f64, String)>,
}

fn value_axis(panel: &Panel) -> ValueAxis {
    let values = panel
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .chain(panel.rules.iter().map(|r| r.value));
    let scale = Scale::nice(values, panel.y.domain, Y_INTERVALS);
    let labels = scale
        .ticks()
        .into_iter()
        .map(|v| (v, scale.label(v, panel.y.unit)))
        .collect();
    ValueAxis { scale, labels }
}

/// The left edge of the plots: room for the widest value label of any panel, so stacked
/// panels line up.
fn plot_left(axes: &[ValueAxis]) -> f64 {
    let widest = axes
        .iter()
        .flat_map(|a| &a.labels)
        .map(|(_, l)| text_width(l, TICK_SIZE, false))
        .fold(0.0, f64::max);
    (EDGE + widest + 10.0).max(48.0).round()
}

impl Layout {
    fn new(panel: &Panel, axis: ValueAxis, top: f64, left: f64) -> Layout {
        let ValueAxis {
            scale,
            labels: y_labels,
        } = axis;
        let right = WIDTH - RIGHT;

        let entries = panel
            .series
            .iter()
            .map(|s| (s.name.as_str(), s.color, false))
            .chain(
                panel
                    .rules
                    .iter()
                    .map(|r| (r.label.as_str(), r.color, true)),
            );
        let mut legend = Vec::new();
        let (mut x, mut y) = (left, top + LEGEND_BASELINE);
        for (label, color, dashed) in entries {
            let label = fit(label, LEGEND_SIZE, false, right - left - SWATCH - 6.0);
            let w = SWATCH + 6.0 + text_width(&label, LEGEND_SIZE, false);
            if x > left && x + w > right {
                (x, y) = (left, y + LEGEND_LINE);
            }
            legend.push(LegendItem {
                x,
                y,
                label,
                color,
                dashed,
            });
            x += w + 18.0;
        }
        let plot_top = y + 14.0;
        let plot_bottom = top + PANEL_HEIGHT - BELOW_PLOT;

        let times = &panel.x.times;
        let (t0, t1) = match (times.first(), times.last()) {
            (Some(a), Some(b)) => (*a, *b),
            _ => (NaiveDateTime::default(), NaiveDateTime::default()),
        };
        let mut layout = Layout {
            left,
            right,
            plot_top,
            plot_bottom,
            scale,
            y_labels,
            legend,
            x_ticks: Vec::new(),
            caption: String::new(),
            t0,
            t1,
        };
        if !times.is_empty() {
            layout.x_ticks = layout.time_ticks();
            layout.caption = format!("{} ({}){}", span_label(t0, t1), panel.x.zone, panel.x.note);
        }
        layout
    }

    /// The finest calendar step whose labels do not crowd each other.
    fn time_ticks(&self) -> Vec<(f64, String)> {
        let crosses_year = self.t0.year() != self.t1.year();
        for step in TimeStep::ALL {
            let ticks = step.ticks(self.t0, self.t1);
            if ticks.is_empty() || ticks.len() > MAX_TIME_TICKS {
                continue;
            }
            let labelled: Vec<(f64, String)> = ticks
                .iter()
                .map(|t| (self.x(*t), step.label(*t, crosses_year)))
                .collect();
            let widest = labelled
                .iter()
                .map(|(_, l)| text_width(l, TICK_SIZE, false))
                .fold(0.0, f64::max);
            let tightest = labelled
                .windows(2)
                .map(|w| w[1].0 - w[0].0)
                .fold(f64::INFINITY, f64::min);
            if tightest >= widest + 14.0 {
                return labelled;
            }
        }
        // A range too short for any boundary: its first time.
        let label = self.t0.format("%H:%M").to_string();
        vec![(self.x(self.t0), label)]
    }

    fn x(&self, t: NaiveDateTime) -> f64 {
        let span = (self.t1 - self.t0).num_milliseconds() as f64;
        let (left, w) = (self.left + INSET, self.right - self.left - 2.0 * INSET);
        if span <= 0.0 {
            return left + w / 2.0;
        }
        left + w * (t - self.t0).num_milliseconds() as f64 / span
    }

    fn y(&self, v: f64) -> f64 {
        let Scale { lo, hi, .. } = self.scale;
        let (bottom, h) = (
            self.plot_bottom - INSET,
            self.plot_bottom - self.plot_top - 2.0 * INSET,
        );
        bottom - h * (v - lo) / (hi - lo)
    }
}

/// Each run of defined values (a `None` breaks the line) in pixels.
fn runs(layout: &Layout, panel: &Panel, series: &Series) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![Vec::new()];
    for (t, v) in panel.x.times.iter().zip(&series.values) {
        match v {
            Some(v) if v.is_finite() => {
                if let Some(run) = runs.last_mut() {
                    run.push((layout.x(*t), layout.y(*v)));
                }
            }
            _ => runs.push(Vec::new()),
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

/// A text element; `anchor` is `start`, `middle` or `end`.
#[allow(clippy::too_many_arguments)]
fn text(
    out: &mut String,
    x: f64,
    y: f64,
    size: f64,
    anchor: &str,
    fill: &str,
    bold: bool,
    body: &str,
) {
    let weight = if bold { r#" font-weight="bold""# } else { "" };
    let _ = writeln!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{weight}>{}</text>"#,
        escape(body)
    );
}

fn line(out: &mut String, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str, extra: &str) {
    let _ = writeln!(
        out,
        r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{stroke}"{extra}/>"#
    );
}

fn panel_svg(out: &mut String, panel: &Panel, axis: ValueAxis, top: f64, left: f64) {
    let l = Layout::new(panel, axis, top, left);
    let _ = writeln!(out, "<g>");
    let title = fit(&panel.title, TITLE_SIZE, true, WIDTH - l.left - EDGE);
    text(
        out,
        l.left,
        top + TITLE_BASELINE,
        TITLE_SIZE,
        "start",
        "#222",
        true,
        &title,
    );

    // Grid and frame.
    for (v, _) in &l.y_labels {
        line(out, (l.left, l.y(*v)), (l.right, l.y(*v)), "#e6e6e6", "");
    }
    for (x, _) in &l.x_ticks {
        line(out, (*x, l.plot_top), (*x, l.plot_bottom), "#f0f0f0", "");
    }
    let _ = writeln!(
        out,
        r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#bbb"/>"##,
        l.left,
        l.plot_top,
        l.right - l.left,
        l.plot_bottom - l.plot_top
    );

    // Value labels, right-aligned against the plot.
    for (v, label) in &l.y_labels {
        text(
            out,
            l.left - 6.0,
            l.y(*v) + 4.0,
            TICK_SIZE,
            "end",
            "#555",
            false,
            label,
        );
    }
    // Time labels, each kept inside the canvas and clear of the one before.
    let mut taken = f64::NEG_INFINITY;
    for (x, label) in &l.x_ticks {
        let w = text_width(label, TICK_SIZE, false);
        let centre = x.clamp(EDGE + w / 2.0, WIDTH - EDGE - w / 2.0);
        if centre - w / 2.0 < taken + 6.0 {
            continue;
        }
        taken = centre + w / 2.0;
        line(
            out,
            (*x, l.plot_bottom),
            (*x, l.plot_bottom + 4.0),
            "#999",
            "",
        );
        text(
            out,
            centre,
            l.plot_bottom + 17.0,
            TICK_SIZE,
            "middle",
            "#555",
            false,
            label,
        );
    }
    if !l.caption.is_empty() {
        let caption = fit(&l.caption, TICK_SIZE, false, WIDTH - 2.0 * EDGE);
        let w = text_width(&caption, TICK_SIZE, false);
        let centre = ((l.left + l.right) / 2.0).clamp(EDGE + w / 2.0, WIDTH - EDGE - w / 2.0);
        text(
            out,
            centre,
            l.plot_bottom + 35.0,
            TICK_SIZE,
            "middle",
            "#777",
            false,
            &caption,
        );
    }

    for rule in &panel.rules {
        let y = l.y(rule.value);
        line(
            out,
            (l.left, y),
            (l.right, y),
            rule.color,
            r#" stroke-width="1.2" stroke-dasharray="6 4""#,
        );
    }
    let column = 1.0;
    for series in &panel.series {
        let runs = runs(&l, panel, series);
        let mut path = String::new();
        for run in &runs {
            for (k, (x, y)) in min_max(run, column).iter().enumerate() {
                let _ = write!(path, "{}{x:.1},{y:.1}", if k == 0 { "M" } else { "L" });
            }
        }
        if !path.is_empty() {
            let _ = writeln!(
                out,
                r#"<path d="{path}" fill="none" stroke="{}" stroke-width="{}" stroke-linejoin="round" stroke-linecap="round"/>"#,
                series.color, series.width
            );
        }
        let points: usize = runs.iter().map(Vec::len).sum();
        for run in &runs {
            if points <= MARKERS_UP_TO || run.len() == 1 {
                for (x, y) in run {
                    let _ = writeln!(
                        out,
                        r#"<circle cx="{x:.1}" cy="{y:.1}" r="{:.1}" fill="{}"/>"#,
                        (series.width + 1.5).max(2.5),
                        series.color
                    );
                }
            }
        }
    }

    for item in &l.legend {
        let mid = item.y - 4.0;
        let dash = if item.dashed {
            r#" stroke-width="2" stroke-dasharray="5 3""#
        } else {
            r#" stroke-width="3""#
        };
        line(out, (item.x, mid), (item.x + SWATCH, mid), item.color, dash);
        text(
            out,
            item.x + SWATCH + 6.0,
            item.y,
            LEGEND_SIZE,
            "start",
            "#333",
            false,
            &item.label,
        );
    }
    let _ = writeln!(out, "</g>");
}

/// The panels stacked in one SVG document.
pub fn render(panels: &[Panel]) -> String {
    let height = PANEL_HEIGHT * panels.len().max(1) as f64;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="{CSS_FAMILIES}">
<rect width="100%" height="100%" fill="white"/>
"#
    );
    let axes: Vec<ValueAxis> = panels.iter().map(value_axis).collect();
    let left = plot_left(&axes);
    for (i, (panel, axis)) in panels.iter().zip(axes).enumerate() {
        panel_svg(&mut out, panel, axis, PANEL_HEIGHT * i as f64, left);
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod fit_tests {
    use super::*;

    #[test]
    fn a_huge_label_is_cut_without_measuring_all_of_it() {
        // Measured one character at a time, this would take hours.
        let name = "x".repeat(2_000_000);
        let cut = fit(&name, 14.0, true, 300.0);
        assert!(cut.ends_with('…') && text_width(&cut, 14.0, true) <= 300.0);
    }
}
