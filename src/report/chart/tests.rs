//! Charts are tested as they look: the SVG is parsed and laid out with the embedded font
//! (usvg, as the PNG is drawn), so each label's text and its box on the canvas can be checked,
//! and the PNG is decoded to check that those boxes hold ink.

use resvg::tiny_skia::{Pixmap, Rect};
use resvg::usvg;

use super::*;

#[test]
fn charts_are_svg_or_png_whatever_the_case() {
    assert_eq!(ChartFormat::of(Path::new("a.SVG")), Some(ChartFormat::Svg));
    assert_eq!(ChartFormat::of(Path::new("a.png")), Some(ChartFormat::Png));
    assert_eq!(
        unsupported_path(Path::new("chart.jpg")),
        Some("a chart is written as .svg or .png")
    );
    let err = export(Path::new("chart.pdf"), &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "chart.pdf: a chart is written as .svg or .png"
    );
    assert!(export(Path::new("chart.png"), &[])
        .unwrap()
        .starts_with(b"\x89PNG"));
}

#[test]
fn a_drawing_gives_its_file_and_its_upload_the_same_picture() {
    let panels = [rate_panel(10)];
    let mut drawing = Drawing::new(&panels);
    let file = drawing.export(Path::new("chart.png")).unwrap();
    assert_eq!(file, png(&panels).unwrap());
    assert_eq!(drawing.png().unwrap(), &file[..]);
    assert_eq!(
        drawing.export(Path::new("chart.svg")).unwrap(),
        svg(&panels).into_bytes()
    );
}

#[test]
fn instants_are_shown_in_the_report_time_zone() {
    let t = DateTime::parse_from_rfc3339("2026-11-21T15:30:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let axis = TimeAxis::instants([t], chrono_tz::Asia::Tokyo);
    assert_eq!(axis.times[0].to_string(), "2026-11-22 00:30:00");
    assert_eq!(axis.zone, "Asia/Tokyo");
}
/// Every text of the SVG with its box on the canvas.
fn texts(svg: &str) -> Vec<(String, Rect)> {
    fn walk(group: &usvg::Group, out: &mut Vec<(String, Rect)>) {
        for node in group.children() {
            match node {
                usvg::Node::Group(g) => walk(g, out),
                usvg::Node::Text(t) => {
                    let text: String = t.chunks().iter().map(|c| c.text()).collect();
                    out.push((text, t.abs_bounding_box()));
                }
                _ => {}
            }
        }
    }
    let tree = usvg::Tree::from_str(svg, &png::options()).unwrap();
    let mut out = Vec::new();
    walk(tree.root(), &mut out);
    out
}

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap() - chrono::Duration::days(n)
}

/// A crash-free-like panel over `days` days ending 2026-11-21.
fn rate_panel(days: i64) -> Panel {
    Panel {
        title: "IOS crash-free users, daily".into(),
        x: TimeAxis::days((0..days).rev().map(day), "Asia/Tokyo"),
        y: YAxis::RATE,
        series: vec![
            Series {
                name: "daily".into(),
                color: "#9ab",
                width: 1.2,
                values: (0..days)
                    .map(|i| Some(if i % 9 == 0 { 0.9985 } else { 1.0 }))
                    .collect(),
            },
            Series {
                name: "7-day average".into(),
                color: "#1f77b4",
                width: 2.2,
                values: (0..days).map(|i| (i >= 6).then_some(0.9996)).collect(),
            },
        ],
        rules: vec![Rule {
            label: "SLO 99.950 %".into(),
            value: 0.9995,
            color: "#d62728",
        }],
    }
}

/// A two-week, one-minute CPU trace with one short spike.
fn cpu_panel() -> Panel {
    let start = DateTime::parse_from_rfc3339("2026-11-08T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let minutes = 20_160;
    Panel {
        title: "Simulated CPU, per minute".into(),
        x: TimeAxis::instants(
            (0..minutes).map(|m| start + chrono::Duration::minutes(m)),
            chrono_tz::Asia::Tokyo,
        ),
        y: YAxis::non_negative(" %"),
        series: vec![Series {
            name: "CPU".into(),
            color: "#1f77b4",
            width: 1.0,
            values: (0..minutes)
                .map(|m| {
                    Some(if m == 9_999 {
                        133.0
                    } else {
                        45.0 + (m % 37) as f64 / 2.0
                    })
                })
                .collect(),
        }],
        rules: vec![
            Rule {
                label: "target 60 %".into(),
                value: 60.0,
                color: "#2ca02c",
            },
            Rule {
                label: "overload ≥ 80 %".into(),
                value: 80.0,
                color: "#d62728",
            },
        ],
    }
}

fn has(texts: &[(String, Rect)], text: &str) -> Rect {
    texts
        .iter()
        .find(|(t, _)| t == text)
        .map(|(_, r)| *r)
        .unwrap_or_else(|| {
            panic!(
                "no {text:?} among {:?}",
                texts.iter().map(|t| &t.0).collect::<Vec<_>>()
            )
        })
}

#[test]
fn a_chart_names_its_title_legend_ticks_dates_and_zone() {
    let texts = texts(&svg(&[rate_panel(60)]));
    has(&texts, "IOS crash-free users, daily");
    has(&texts, "daily");
    has(&texts, "7-day average");
    has(&texts, "SLO 99.950 %");
    has(&texts, "100.00 %");
    has(&texts, "Nov 16");
    has(&texts, "Sep 23 – Nov 21, 2026 (Asia/Tokyo)");
    assert!(
        texts
            .iter()
            .all(|(t, _)| !t.contains("100.0") || t.starts_with("100.0")),
        "nothing above 100 %"
    );
}

#[test]
fn every_label_is_inside_the_canvas_and_none_overlaps_another() {
    for panels in [
        vec![rate_panel(60)],
        vec![cpu_panel()],
        vec![rate_panel(3), rate_panel(400)],
    ] {
        let svg = svg(&panels);
        let texts = texts(&svg);
        let height = PANEL_HEIGHT as f32 * panels.len() as f32;
        for (text, r) in &texts {
            assert!(
                r.left() >= 0.0
                    && r.right() <= WIDTH as f32
                    && r.top() >= 0.0
                    && r.bottom() <= height,
                "{text:?} at {r:?} leaves the canvas"
            );
        }
        for (i, (a, ra)) in texts.iter().enumerate() {
            for (b, rb) in &texts[i + 1..] {
                assert!(
                    ra.intersect(rb).is_none(),
                    "{a:?} {ra:?} overlaps {b:?} {rb:?}"
                );
            }
        }
    }
}

#[test]
fn the_legend_sits_below_the_title_even_when_it_wraps() {
    let mut panel = rate_panel(30);
    for i in 0..8 {
        panel.rules.push(Rule {
            label: format!("a rather long reference line number {i}"),
            value: 0.999,
            color: "#999",
        });
    }
    let texts = texts(&svg(&[panel]));
    let title = has(&texts, "IOS crash-free users, daily");
    let first = has(&texts, "daily");
    let last = has(&texts, "a rather long reference line number 7");
    assert!(first.top() > title.bottom());
    assert!(last.top() > first.bottom(), "wrapped onto a later line");
}

#[test]
fn dates_carry_the_year_when_the_range_crosses_one() {
    let within = texts(&svg(&[rate_panel(40)]));
    let ticks = within.iter().filter(|(t, _)| !t.contains('('));
    assert!(
        ticks.into_iter().all(|(t, _)| !t.contains(", 2026")),
        "one year: no year on ticks"
    );
    let first = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    let panel = Panel {
        x: TimeAxis::days((0..40).map(|n| first + chrono::Duration::days(n)), "UTC"),
        ..rate_panel(40)
    };
    let across = texts(&svg(&[panel]));
    has(&across, "Dec 2, 2026 – Jan 10, 2027 (UTC)");
    assert!(
        across
            .iter()
            .any(|(t, _)| t.ends_with(", 2027") && t.len() < 14),
        "a tick with its year"
    );
}

#[test]
fn twenty_thousand_minutes_stay_small_and_keep_their_spike() {
    let panel = cpu_panel();
    let svg = svg(&[panel]);
    assert!(svg.len() < 150_000, "{} bytes", svg.len());
    let texts = texts(&svg);
    // The axis starts at 0 and its top tick is a whole step above the spike.
    let zero = has(&texts, "0 %");
    let (top, top_value) = texts
        .iter()
        .filter_map(|(t, r)| Some((*r, t.strip_suffix(" %")?.parse::<f32>().ok()?)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    assert!(top_value >= 133.0);
    // The spike's top point is drawn: some path point is at the 133 % level (labels are
    // centred 4 px above their line).
    let spike_y = {
        let (y0, y1) = (zero.y() + zero.height() / 2.0, top.y() + top.height() / 2.0);
        y0 + (y1 - y0) * 133.0 / top_value
    };
    let path = svg.lines().find(|l| l.starts_with("<path")).unwrap();
    let ys = path
        .split(['M', 'L'])
        .filter_map(|p| p.split(',').nth(1))
        .filter_map(|y| {
            y.trim_end_matches(|c: char| !c.is_ascii_digit())
                .parse::<f32>()
                .ok()
        });
    assert!(
        ys.into_iter().any(|y| (y - spike_y).abs() < 3.0),
        "no point near the spike at y = {spike_y}"
    );
}

#[test]
fn the_png_has_the_svgs_text_drawn_where_the_svg_puts_it() {
    let panels = [rate_panel(60)];
    let texts = texts(&svg(&panels));
    let bytes = png(&panels).unwrap();
    let pixmap = Pixmap::decode_png(&bytes).unwrap();
    assert_eq!((pixmap.width(), pixmap.height()), (1800, 600));
    let dark = |r: &Rect| {
        let mut n = 0;
        for y in (r.top() * 2.0) as u32..(r.bottom() * 2.0).ceil() as u32 {
            for x in (r.left() * 2.0) as u32..(r.right() * 2.0).ceil() as u32 {
                let p = pixmap.pixel(x, y).unwrap();
                if u32::from(p.red()) + u32::from(p.green()) + u32::from(p.blue()) < 400 {
                    n += 1;
                }
            }
        }
        n
    };
    for label in [
        "IOS crash-free users, daily",
        "7-day average",
        "100.00 %",
        "Nov 16",
    ] {
        let r = has(&texts, label);
        assert!(dark(&r) > 20, "{label:?}: no ink at {r:?}");
    }
    // Outside any text, along the top edge: white.
    let blank = Rect::from_xywh(300.0, 1.0, 200.0, 5.0).unwrap();
    assert_eq!(dark(&blank), 0);
}

#[test]
fn an_empty_chart_is_still_a_valid_picture() {
    let panel = Panel {
        title: "nothing yet".into(),
        x: TimeAxis::default(),
        y: YAxis::RATE,
        series: vec![],
        rules: vec![],
    };
    let svg = svg(&[panel]);
    assert!(texts(&svg).iter().any(|(t, _)| t == "nothing yet"));
    assert!(png::rasterise(&svg).is_ok());
}
