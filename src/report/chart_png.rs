//! The same charts as [`super::chart`], rasterised to PNG for Slack's file upload. Lines and
//! rules only, no text (no fonts to depend on): the title travels as the Slack file's title.

use tiny_skia::{Color, Paint, PathBuilder, Pixmap, Stroke, StrokeDash, Transform};

use super::chart::{Geometry, Panel, LEFT, PANEL_HEIGHT, PLOT_H, PLOT_W, TOP, WIDTH};
use super::OutputError;

/// Drawn at twice the SVG's size so lines stay crisp on high-density screens.
const SCALE: f32 = 2.0;

/// `#rgb` / `#rrggbb` as a colour; anything else is drawn grey.
fn color(text: &str) -> Color {
    let hex = text.trim_start_matches('#');
    if !hex.is_ascii() {
        return Color::from_rgba8(128, 128, 128, 255);
    }
    let channel = |s: &str| u8::from_str_radix(s, 16).ok();
    let rgb = match hex.len() {
        3 => {
            let d: Vec<Option<u8>> = (0..3).map(|i| channel(&hex[i..i + 1])).collect();
            match (d[0], d[1], d[2]) {
                (Some(r), Some(g), Some(b)) => Some((r * 17, g * 17, b * 17)),
                _ => None,
            }
        }
        6 => match (
            channel(&hex[0..2]),
            channel(&hex[2..4]),
            channel(&hex[4..6]),
        ) {
            (Some(r), Some(g), Some(b)) => Some((r, g, b)),
            _ => None,
        },
        _ => None,
    };
    let (r, g, b) = rgb.unwrap_or((128, 128, 128));
    Color::from_rgba8(r, g, b, 255)
}

fn paint(c: Color) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color(c);
    paint.anti_alias = true;
    paint
}

fn line(pixmap: &mut Pixmap, points: &[(f64, f64)], c: Color, width: f64, dash: bool) {
    let mut pb = PathBuilder::new();
    for (i, (x, y)) in points.iter().enumerate() {
        if i == 0 {
            pb.move_to(*x as f32, *y as f32);
        } else {
            pb.line_to(*x as f32, *y as f32);
        }
    }
    let Some(path) = pb.finish() else { return };
    let stroke = Stroke {
        width: width as f32,
        dash: if dash {
            StrokeDash::new(vec![6.0, 4.0], 0.0)
        } else {
            None
        },
        ..Stroke::default()
    };
    pixmap.stroke_path(
        &path,
        &paint(c),
        &stroke,
        Transform::from_scale(SCALE, SCALE),
        None,
    );
}

fn draw_panel(pixmap: &mut Pixmap, panel: &Panel, top: f64) {
    let g = Geometry::new(panel, top);
    let (left, right) = (LEFT, LEFT + PLOT_W);
    let (upper, lower) = (top + TOP, top + TOP + PLOT_H);
    for v in g.grid_values() {
        line(
            pixmap,
            &[(left, g.y(v)), (right, g.y(v))],
            color("#eee"),
            1.0,
            false,
        );
    }
    let frame = [
        (left, upper),
        (right, upper),
        (right, lower),
        (left, lower),
        (left, upper),
    ];
    line(pixmap, &frame, color("#ccc"), 1.0, false);
    for rule in &panel.rules {
        let y = g.y(rule.value);
        line(
            pixmap,
            &[(left, y), (right, y)],
            color(rule.color),
            1.0,
            true,
        );
    }
    for series in &panel.series {
        for run in g.runs(&series.values) {
            if let [(x, y)] = run.as_slice() {
                // A lone point: a short tick, so it is not invisible.
                line(
                    pixmap,
                    &[(x - 2.0, *y), (x + 2.0, *y)],
                    color(series.color),
                    series.width.max(2.0),
                    false,
                );
            } else {
                line(pixmap, &run, color(series.color), series.width, false);
            }
        }
    }
    // Legend swatches in series order, where the SVG puts the legend.
    for (i, series) in panel.series.iter().enumerate() {
        let x = LEFT + 260.0 + 60.0 * i as f64;
        let y = top + 22.0;
        line(
            pixmap,
            &[(x, y), (x + 18.0, y)],
            color(series.color),
            3.0,
            false,
        );
    }
}

/// The panels stacked in one PNG image.
pub fn png(panels: &[Panel]) -> Result<Vec<u8>, OutputError> {
    let height = PANEL_HEIGHT * panels.len().max(1) as f64;
    let (w, h) = (
        (WIDTH as f32 * SCALE) as u32,
        (height as f32 * SCALE) as u32,
    );
    let mut pixmap =
        Pixmap::new(w, h).ok_or_else(|| OutputError::Write("chart: empty image".into()))?;
    pixmap.fill(Color::WHITE);
    for (i, panel) in panels.iter().enumerate() {
        draw_panel(&mut pixmap, panel, PANEL_HEIGHT * i as f64);
    }
    pixmap
        .encode_png()
        .map_err(|e| OutputError::Write(format!("chart: cannot encode PNG: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::chart::{Rule, Series};

    #[test]
    fn a_panel_renders_as_a_png_with_its_lines_drawn() {
        let panel = Panel {
            title: "rate".into(),
            x_labels: (0..10).map(|i| i.to_string()).collect(),
            series: vec![Series {
                name: "IOS".into(),
                color: "#d62728",
                width: 2.0,
                values: (0..10).map(|i| Some(0.99 + i as f64 / 1000.0)).collect(),
            }],
            rules: vec![Rule {
                label: "SLO".into(),
                value: 0.995,
                color: "#2ca02c",
            }],
            y_format: |v| format!("{v}"),
        };
        let bytes = png(&[panel]).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        let pixmap = Pixmap::decode_png(&bytes).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (1800, 560));
        let red = pixmap
            .pixels()
            .iter()
            .filter(|p| p.red() > 200 && p.green() < 80 && p.blue() < 80)
            .count();
        assert!(
            red > 100,
            "the series is drawn in its colour ({red} pixels)"
        );
    }

    #[test]
    fn colours_parse_short_and_long_hex_and_fall_back_to_grey() {
        assert_eq!(color("#9ab"), Color::from_rgba8(0x99, 0xaa, 0xbb, 255));
        assert_eq!(color("#1f77b4"), Color::from_rgba8(0x1f, 0x77, 0xb4, 255));
        assert_eq!(color("red"), Color::from_rgba8(128, 128, 128, 255));
        assert_eq!(color("#é"), Color::from_rgba8(128, 128, 128, 255));
    }
}
