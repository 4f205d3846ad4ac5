//! Charts: one pipeline. A chart is panels of time series (per platform, SLO, …) with
//! reference lines; [`svg`] draws it, and [`png`] is that same SVG rasterised with the font
//! embedded in the binary, so the two carry the same title, ticks, dates and legend.
//!
//! The views decide what to plot ([`Panel`]); this module decides how it reads: nice value
//! ticks within the quantity's possible range ([`scale`]), calendar time ticks in the
//! report's time zone, min/max downsampling to the pixel width ([`downsample`]), every label
//! inside the canvas ([`svg`]).

mod downsample;
pub mod font;
mod png;
pub mod scale;
mod svg;

use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;

pub use scale::{Domain, Unit};
pub use svg::{PANEL_HEIGHT, WIDTH};

use super::OutputError;

/// A line: one value per time of the panel's axis; `None` breaks it.
pub struct Series {
    pub name: String,
    pub color: &'static str,
    pub width: f64,
    pub values: Vec<Option<f64>>,
}

/// A horizontal reference line (an SLO, a target), drawn dashed and named in the legend.
pub struct Rule {
    pub label: String,
    pub value: f64,
    pub color: &'static str,
}

/// The times of a panel's points: local wall-clock times in the report's time zone, which
/// the axis names.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimeAxis {
    pub times: Vec<NaiveDateTime>,
    pub zone: String,
    /// Said after the span under the axis, e.g. ` · weeks start on Mondays`.
    pub note: &'static str,
}

impl TimeAxis {
    /// Calendar days (already in the report's time zone).
    pub fn days(days: impl IntoIterator<Item = NaiveDate>, zone: &str) -> TimeAxis {
        TimeAxis {
            times: days
                .into_iter()
                .map(|d| d.and_time(NaiveTime::MIN))
                .collect(),
            zone: zone.to_string(),
            note: "",
        }
    }

    /// Instants, shown in `tz`.
    pub fn instants(times: impl IntoIterator<Item = DateTime<Utc>>, tz: Tz) -> TimeAxis {
        TimeAxis {
            times: times
                .into_iter()
                .map(|t| t.with_timezone(&tz).naive_local())
                .collect(),
            zone: tz.name().to_string(),
            note: "",
        }
    }
}

/// How a panel's values read and what they can be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct YAxis {
    pub unit: Unit,
    pub domain: Domain,
}

impl YAxis {
    /// A rate in [0, 1], shown as a percentage.
    pub const RATE: YAxis = YAxis {
        unit: Unit::Ratio,
        domain: Domain::RATE,
    };

    /// A non-negative quantity with a unit suffix (`" %"` for CPU, `""` for counts).
    pub const fn non_negative(suffix: &'static str) -> YAxis {
        YAxis {
            unit: Unit::Number { suffix },
            domain: Domain::NON_NEGATIVE,
        }
    }
}

pub struct Panel {
    pub title: String,
    pub x: TimeAxis,
    pub y: YAxis,
    pub series: Vec<Series>,
    pub rules: Vec<Rule>,
}

/// The file formats a chart is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartFormat {
    Svg,
    Png,
}

impl ChartFormat {
    /// The format a path's extension names, if vitals draws it.
    pub fn of(path: &Path) -> Option<ChartFormat> {
        let ext = path.extension()?.to_str()?;
        if ext.eq_ignore_ascii_case("svg") {
            Some(ChartFormat::Svg)
        } else if ext.eq_ignore_ascii_case("png") {
            Some(ChartFormat::Png)
        } else {
            None
        }
    }
}

/// Why `path` cannot hold a chart, if it cannot.
pub fn unsupported_path(path: &Path) -> Option<&'static str> {
    ChartFormat::of(path)
        .is_none()
        .then_some("a chart is written as .svg or .png")
}

/// The panels stacked in one SVG document.
pub fn svg(panels: &[Panel]) -> String {
    svg::render(panels)
}

/// The same picture as [`svg`], as a PNG at twice its size (crisp on dense screens).
pub fn png(panels: &[Panel]) -> Result<Vec<u8>, OutputError> {
    png::rasterise(&svg::render(panels))
}

/// The chart as the file at `path` holds it.
pub fn export(path: &Path, panels: &[Panel]) -> Result<Vec<u8>, OutputError> {
    Drawing::new(panels).export(path)
}

/// One chart for every destination (its file, a Slack upload): the SVG is drawn at most once,
/// and the PNG rasterised from it at most once, when first asked for.
pub struct Drawing<'a> {
    panels: &'a [Panel],
    svg: Option<String>,
    png: Option<Vec<u8>>,
}

impl<'a> Drawing<'a> {
    pub fn new(panels: &'a [Panel]) -> Drawing<'a> {
        Drawing {
            panels,
            svg: None,
            png: None,
        }
    }

    /// As [`svg`].
    pub fn svg(&mut self) -> &str {
        let panels = self.panels;
        self.svg.get_or_insert_with(|| svg::render(panels))
    }

    /// As [`png`].
    pub fn png(&mut self) -> Result<&[u8], OutputError> {
        let bytes = match self.png.take() {
            Some(bytes) => bytes,
            None => png::rasterise(self.svg())?,
        };
        Ok(self.png.insert(bytes))
    }

    /// As [`export`].
    pub fn export(&mut self, path: &Path) -> Result<Vec<u8>, OutputError> {
        match ChartFormat::of(path) {
            Some(ChartFormat::Svg) => Ok(self.svg().as_bytes().to_vec()),
            Some(ChartFormat::Png) => self.png().map(<[u8]>::to_vec),
            None => Err(OutputError::Write(format!(
                "{}: a chart is written as .svg or .png",
                path.display()
            ))),
        }
    }
}

#[cfg(test)]
mod tests;
