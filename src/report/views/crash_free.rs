//! How a crash-free report reads: per platform, its windows against the SLO, the daily trend
//! as a sparkline, and the versions driving it.

use chrono_tz::Tz;

use crate::domain::crash_free::{CrashFreeReport, PlatformReport, Trend, Window, WindowStats};
use crate::report::chart::{Panel, Rule, Series, TimeAxis, YAxis};
use crate::report::format::{count, local_time, percent, points};
use crate::report::sparkline::sparkline;
use crate::report::view::{Align, Block, Cell, Grid, Highlight, Tone, View};

/// Versions listed per platform; a line counts the rest.
pub const TOP_VERSIONS: usize = 8;
/// Days shown in the sparkline.
pub const SPARKLINE_DAYS: usize = 30;

fn window_tone(stats: &WindowStats) -> Tone {
    match stats.meets_slo {
        Some(true) => Tone::Good,
        Some(false) => Tone::Bad,
        None => Tone::Muted,
    }
}

fn platform_tone(p: &PlatformReport) -> Tone {
    let tones = Window::ALL.map(|w| window_tone(p.windows.get(w)));
    if tones.contains(&Tone::Bad) {
        Tone::Bad
    } else if tones.contains(&Tone::Good) {
        Tone::Good
    } else {
        Tone::Muted
    }
}

fn trend_text(trend: Option<Trend>) -> &'static str {
    match trend {
        Some(Trend::Improving) => "improving ↗",
        Some(Trend::Worsening) => "worsening ↘",
        Some(Trend::Steady) => "steady →",
        None => "no trend yet",
    }
}

fn verdict(stats: &WindowStats) -> Cell {
    match stats.meets_slo {
        Some(true) => Cell::toned("meets", Tone::Good),
        Some(false) => Cell::toned("misses", Tone::Bad),
        None => Cell::toned("no data", Tone::Muted),
    }
}

fn windows_grid(p: &PlatformReport) -> Grid {
    Grid::new(
        &[
            ("Window", Align::Left),
            ("Users", Align::Right),
            ("Crashed", Align::Right),
            ("Crash-free", Align::Right),
            ("SLO", Align::Left),
        ],
        Window::ALL
            .iter()
            .map(|&w| {
                let s = p.windows.get(w);
                vec![
                    Cell::new(w.label()),
                    Cell::new(count(s.users)),
                    Cell::new(count(s.crashed_users)),
                    Cell::toned(percent(s.crash_free_rate), window_tone(s)),
                    verdict(s),
                ]
            })
            .collect(),
    )
}

fn versions_grid(p: &PlatformReport) -> Grid {
    Grid::new(
        &[
            ("Version", Align::Left),
            ("7d users", Align::Right),
            ("7d crash-free", Align::Right),
            ("30d users", Align::Right),
            ("30d crash-free", Align::Right),
        ],
        p.versions
            .iter()
            .take(TOP_VERSIONS)
            .map(|v| {
                let (d7, d30) = (&v.windows.days7, &v.windows.days30);
                vec![
                    Cell::new(&v.version),
                    Cell::new(count(d7.users)),
                    Cell::toned(percent(d7.crash_free_rate), window_tone(d7)),
                    Cell::new(count(d30.users)),
                    Cell::toned(percent(d30.crash_free_rate), window_tone(d30)),
                ]
            })
            .collect(),
    )
}

fn daily_blocks(p: &PlatformReport) -> [Block; 2] {
    let tail = &p.daily[p.daily.len().saturating_sub(SPARKLINE_DAYS)..];
    let rates: Vec<Option<f64>> = tail.iter().map(|d| d.crash_free_rate).collect();
    let last = p.daily.last();
    [
        Block::Sparkline {
            label: format!("Daily, last {} days", tail.len()),
            line: sparkline(&rates),
        },
        Block::Text(format!(
            "Last day {} · SMA-7 {} · SMA-30 {}",
            percent(last.and_then(|d| d.crash_free_rate)),
            percent(last.and_then(|d| d.sma_7d)),
            percent(last.and_then(|d| d.sma_30d)),
        )),
    ]
}

/// The 7-day average's change over the last 7 days, if both ends have one.
fn week_change(p: &PlatformReport) -> Option<f64> {
    let n = p.daily.len();
    let now = p.daily.last()?.sma_7d?;
    let before = p.daily.get(n.checked_sub(8)?)?.sma_7d?;
    Some(now - before)
}

/// What a compact post lists: windows missing the SLO, then the biggest versions missing it.
fn highlights(p: &PlatformReport) -> Vec<Highlight> {
    let mut out = Vec::new();
    for w in Window::ALL {
        let s = p.windows.get(w);
        if s.meets_slo == Some(false) {
            out.push(Highlight::new(
                Tone::Bad,
                format!(
                    "{} {} crash-free {} misses the SLO {}",
                    p.platform,
                    w.label(),
                    percent(s.crash_free_rate),
                    percent(Some(p.slo))
                ),
            ));
        }
    }
    for v in p
        .versions
        .iter()
        .filter(|v| v.windows.days7.meets_slo == Some(false))
        .take(3)
    {
        out.push(Highlight::new(
            Tone::Warn,
            format!(
                "{} {}: {} over 7 days ({} users)",
                p.platform,
                v.version,
                percent(v.windows.days7.crash_free_rate),
                count(v.windows.days7.users)
            ),
        ));
    }
    out
}

/// The view of a crash-free report; `tz` is the calendar the days are in.
pub fn view(report: &CrashFreeReport, tz: Tz) -> View {
    let mut blocks = Vec::new();
    let mut headline = Vec::new();
    let mut changes = Vec::new();
    let mut notes = Vec::new();
    for p in &report.platforms {
        let tone = platform_tone(p);
        let d7 = &p.windows.days7;
        headline.push(format!("{} {}", p.platform, percent(d7.crash_free_rate)));
        if let Some(delta) = week_change(p) {
            changes.push(format!("{} {}", p.platform, points(delta)));
        }
        notes.extend(highlights(p));
        blocks.push(Block::Heading {
            text: format!(
                "{} · SLO {} · trend {}",
                p.platform,
                percent(Some(p.slo)),
                trend_text(p.trend)
            ),
            tone,
        });
        blocks.push(Block::Table(windows_grid(p)));
        blocks.extend(daily_blocks(p));
        if !p.versions.is_empty() {
            blocks.push(Block::Table(versions_grid(p)));
            if p.versions.len() > TOP_VERSIONS {
                blocks.push(Block::Text(format!(
                    "…and {} more versions",
                    p.versions.len() - TOP_VERSIONS
                )));
            }
        }
    }
    let tone = if report.misses_slo() {
        Tone::Bad
    } else if report
        .platforms
        .iter()
        .any(|p| platform_tone(p) == Tone::Good)
    {
        Tone::Good
    } else {
        Tone::Muted
    };
    notes.sort_by_key(|h| std::cmp::Reverse(h.tone.severity()));
    View {
        title: "Crash-free users".into(),
        subtitle: format!(
            "{} → {} ({}) · crash: {}",
            report.first_day,
            report.last_day,
            tz.name(),
            report.crash.as_str()
        ),
        tone,
        headline: format!("{} (7d)", headline.join(" · ")),
        change: if changes.is_empty() {
            String::new()
        } else {
            format!("7-day average {} vs a week before", changes.join(", "))
        },
        highlights: notes,
        blocks,
        footer: format!(
            "vitals crash-free · generated {}",
            local_time(&report.generated_at, tz)
        ),
        ..View::default()
    }
}

/// Chart panels: per platform, the daily rate, SMA-7 and SMA-30 with the SLO line; `tz`
/// names the calendar the days are in.
pub fn chart(report: &CrashFreeReport, tz: &str) -> Vec<Panel> {
    report
        .platforms
        .iter()
        .map(|p| Panel {
            title: format!("{} crash-free users, daily", p.platform),
            x: TimeAxis::days(p.daily.iter().map(|d| d.date), tz),
            y: YAxis::RATE,
            series: vec![
                Series {
                    name: "daily".into(),
                    color: "#9ab",
                    width: 1.2,
                    values: p.daily.iter().map(|d| d.crash_free_rate).collect(),
                },
                Series {
                    name: "7-day average".into(),
                    color: "#1f77b4",
                    width: 2.2,
                    values: p.daily.iter().map(|d| d.sma_7d).collect(),
                },
                Series {
                    name: "30-day average".into(),
                    color: "#ff7f0e",
                    width: 2.2,
                    values: p.daily.iter().map(|d| d.sma_30d).collect(),
                },
            ],
            rules: vec![Rule {
                label: format!("SLO {}", percent(Some(p.slo))),
                value: p.slo,
                color: "#d62728",
            }],
        })
        .collect()
}
