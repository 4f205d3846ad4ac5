//! Axes: a value range rounded out to nice ticks (1, 2, 2.5 or 5 × 10ⁿ) within what the
//! quantity can be (a rate never above 100 %, a count never below 0), and time ticks on
//! calendar boundaries (midnights, Mondays, first days of months) with labels that carry the
//! year when the range crosses one.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// What values a quantity can take: the axis never shows beyond these.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Domain {
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// The axis always starts at `min`: amounts read against zero (tasks, CPU, deployments)
    /// would exaggerate their swings on an axis from 40.
    pub from_min: bool,
}

impl Domain {
    /// A rate or ratio: 0 to 100 %.
    pub const RATE: Domain = Domain {
        min: Some(0.0),
        max: Some(1.0),
        from_min: false,
    };
    /// What is left of a budget: at most all of it, below zero once overspent.
    pub const AT_MOST_ONE: Domain = Domain {
        min: None,
        max: Some(1.0),
        from_min: false,
    };
    /// Counts, durations, CPU: never negative, drawn from zero.
    pub const NON_NEGATIVE: Domain = Domain {
        min: Some(0.0),
        max: None,
        from_min: true,
    };

    fn clamp(&self, v: f64) -> f64 {
        let v = self.min.map_or(v, |m| v.max(m));
        self.max.map_or(v, |m| v.min(m))
    }
}

/// How tick values read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unit {
    /// A ratio in [0, 1] shown as a percentage: 0.9995 → `99.95 %`.
    Ratio,
    /// A plain number with a suffix: `60 %` for CPU, `12` tasks, `36 h`.
    Number { suffix: &'static str },
}

/// A value axis: from `lo` to `hi`, ticks every `step`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
}

/// The smallest of 1, 2, 2.5, 5 × 10ⁿ at least `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let base = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * base)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * base)
}

/// Tolerance for "on a tick" comparisons, relative to the step.
const EPS: f64 = 1e-9;

/// More ticks than this on one axis means the scale is not one `nice` made.
const MAX_TICKS: i64 = 1000;

impl Scale {
    /// An axis covering `values` with about `target` intervals, rounded out to whole steps and
    /// held within `domain`.
    pub fn nice(values: impl IntoIterator<Item = f64>, domain: Domain, target: usize) -> Scale {
        let (mut lo, mut hi) = values
            .into_iter()
            // Values past 1e100 (a corrupt input) would overflow the axis arithmetic.
            .filter(|v| v.is_finite() && v.abs() < 1e100)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        if !lo.is_finite() {
            (lo, hi) = (domain.min.unwrap_or(0.0), domain.max.unwrap_or(1.0));
        }
        if let (true, Some(min)) = (domain.from_min, domain.min) {
            lo = lo.min(min);
        }
        if hi - lo < 1e-12 {
            // One value: a band around it, a hundredth of its size (or a unit at zero).
            let half = if lo.abs() > 1e-12 {
                lo.abs() * 0.01
            } else {
                0.5
            };
            (lo, hi) = (lo - half, hi + half);
        }
        // A little headroom, so lines do not run along the frame.
        let pad = (hi - lo) * 0.03;
        lo = domain.clamp(lo - pad);
        hi = domain.clamp(hi + pad);
        if hi - lo < 1e-12 {
            (lo, hi) = (domain.clamp(lo - 0.5), domain.clamp(hi + 0.5));
        }
        let step = nice_step((hi - lo) / target.max(1) as f64);
        let lo = domain.clamp((lo / step + EPS).floor() * step);
        let hi = domain.clamp((hi / step - EPS).ceil() * step);
        Scale { lo, hi, step }
    }

    /// The tick values, bottom to top: the multiples of the step within the axis.
    pub fn ticks(&self) -> Vec<f64> {
        let first = (self.lo / self.step - EPS).ceil() as i64;
        let last = (self.hi / self.step + EPS).floor() as i64;
        // A scale from `nice` has a handful of steps; anything else gets its two ends only.
        if last.saturating_sub(first) > MAX_TICKS {
            return vec![self.lo, self.hi];
        }
        (first..=last).map(|k| k as f64 * self.step).collect()
    }

    /// A tick value as its label reads: just enough decimals for the step.
    pub fn label(&self, value: f64, unit: Unit) -> String {
        let (value, step, suffix) = match unit {
            Unit::Ratio => (value * 100.0, self.step * 100.0, " %"),
            Unit::Number { suffix } => (value, self.step, suffix),
        };
        let decimals = (0..=6)
            .find(|d| {
                let scaled = step * 10f64.powi(*d);
                (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
            })
            .unwrap_or(6) as usize;
        let text = format!("{value:.decimals$}");
        // `-0` reads as a sign error.
        let text = if text
            .trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            text.trim_start_matches('-').to_string()
        } else {
            text.replace('-', "−")
        };
        format!("{text}{suffix}")
    }
}

/// A calendar step between time ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeStep {
    Minutes(u32),
    Hours(u32),
    Days(u32),
    /// Mondays.
    Weeks(u32),
    Months(u32),
    Years(u32),
}

impl TimeStep {
    /// From finest to coarsest: the first whose labels fit is used.
    pub const ALL: [TimeStep; 17] = [
        TimeStep::Minutes(1),
        TimeStep::Minutes(5),
        TimeStep::Minutes(15),
        TimeStep::Minutes(30),
        TimeStep::Hours(1),
        TimeStep::Hours(2),
        TimeStep::Hours(3),
        TimeStep::Hours(6),
        TimeStep::Hours(12),
        TimeStep::Days(1),
        TimeStep::Days(2),
        TimeStep::Weeks(1),
        TimeStep::Weeks(2),
        TimeStep::Months(1),
        TimeStep::Months(3),
        TimeStep::Months(6),
        TimeStep::Years(1),
    ];

    /// The ticks within [start, end], on this step's calendar boundaries.
    pub fn ticks(self, start: NaiveDateTime, end: NaiveDateTime) -> Vec<NaiveDateTime> {
        let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN);
        let mut ticks = Vec::new();
        let mut push_while =
            |mut t: NaiveDateTime, next: &dyn Fn(NaiveDateTime) -> NaiveDateTime| {
                while t <= end {
                    if t >= start {
                        ticks.push(t);
                    }
                    if ticks.len() > 400 {
                        break;
                    }
                    t = next(t);
                }
            };
        match self {
            TimeStep::Minutes(n) | TimeStep::Hours(n) => {
                let minutes = if let TimeStep::Hours(h) = self {
                    h * 60
                } else {
                    n
                };
                // Aligned to the day: every 6 hours is 00, 06, 12, 18.
                let day = midnight(start.date());
                let since = (start - day).num_minutes().max(0) as u32;
                let first = day + Duration::minutes(i64::from(since.div_ceil(minutes) * minutes));
                push_while(first, &|t| {
                    let next = t + Duration::minutes(i64::from(minutes));
                    // Realign at midnight, where a day's minutes are not a multiple of the step.
                    if next.date() != t.date() {
                        midnight(next.date())
                    } else {
                        next
                    }
                });
            }
            TimeStep::Days(n) => {
                // Every other day counted from the 1st of the month, so ticks stay put as the
                // range moves.
                let first = midnight(
                    start.date() + Duration::days(i64::from(start.time() != NaiveTime::MIN)),
                );
                let first = (0..n)
                    .map(|k| first + Duration::days(i64::from(k)))
                    .find(|t| (t.day() - 1) % n == 0)
                    .unwrap_or(first);
                push_while(first, &|t| {
                    let next = t + Duration::days(i64::from(n));
                    // A new month starts the count again (the 31st → the 1st, not the 2nd).
                    if next.month() != t.month() && next.day() != 1 {
                        midnight(next.date().with_day(1).unwrap_or(next.date()))
                    } else {
                        next
                    }
                });
            }
            TimeStep::Weeks(n) => {
                let d = start.date() + Duration::days(i64::from(start.time() != NaiveTime::MIN));
                let monday =
                    d + Duration::days(i64::from((7 - d.weekday().num_days_from_monday()) % 7));
                push_while(midnight(monday), &|t| t + Duration::weeks(i64::from(n)));
            }
            TimeStep::Months(n) | TimeStep::Years(n) => {
                let months = if let TimeStep::Years(y) = self {
                    y * 12
                } else {
                    n
                };
                let d = start.date();
                let mut first = NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d);
                if midnight(first) < start {
                    first = first
                        .checked_add_months(chrono::Months::new(1))
                        .unwrap_or(first);
                }
                while !first.month0().is_multiple_of(months) {
                    first = first
                        .checked_add_months(chrono::Months::new(1))
                        .unwrap_or(first);
                }
                push_while(midnight(first), &|t| {
                    t.date()
                        .checked_add_months(chrono::Months::new(months))
                        .map_or(t + Duration::days(400), midnight)
                });
            }
        }
        ticks
    }

    /// How a tick reads: a date at midnight (`Nov 8`, `Dec 28, 2025` when the range crosses a
    /// year), a time of day otherwise (`06:00`), a month (`Nov 2026`) or a year.
    pub fn label(self, t: NaiveDateTime, crosses_year: bool) -> String {
        match self {
            TimeStep::Years(_) => t.format("%Y").to_string(),
            TimeStep::Months(_) => t.format("%b %Y").to_string(),
            _ if t.hour() != 0 || t.minute() != 0 => t.format("%H:%M").to_string(),
            _ => date_label(t.date(), crosses_year),
        }
    }
}

/// `Nov 8`, or `Nov 8, 2026` when the year is needed.
pub fn date_label(d: NaiveDate, with_year: bool) -> String {
    if with_year {
        d.format("%b %-d, %Y").to_string()
    } else {
        d.format("%b %-d").to_string()
    }
}

/// The span as one line, always with its year: `Sep 23 – Nov 21, 2026`,
/// `Dec 2, 2025 – Jan 5, 2026`, `Nov 8 09:00 – Nov 22 09:00, 2026`.
pub fn span_label(start: NaiveDateTime, end: NaiveDateTime) -> String {
    let at_midnight = start.time() == NaiveTime::MIN && end.time() == NaiveTime::MIN;
    let part = |t: NaiveDateTime, year: bool| {
        let date = date_label(t.date(), year);
        if at_midnight {
            date
        } else if year {
            // `Nov 22, 2026 09:00` reads worse than `Nov 22 09:00, 2026`.
            format!("{} {}, {}", t.format("%b %-d"), t.format("%H:%M"), t.year())
        } else {
            format!("{date} {}", t.format("%H:%M"))
        }
    };
    if start.year() == end.year() {
        if start == end {
            return part(start, true);
        }
        format!("{} – {}", part(start, false), part(end, true))
    } else {
        format!("{} – {}", part(start, true), part(end, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn absurd_values_neither_overflow_the_axis_nor_make_endless_ticks() {
        let scale = Scale::nice([1.0, 1.7e308, 3.0], Domain::NON_NEGATIVE, 5);
        assert!(scale.lo.is_finite() && scale.hi.is_finite() && scale.step.is_finite());
        assert!(scale.ticks().len() <= 12, "{:?}", scale);
        let odd = Scale {
            lo: 0.0,
            hi: 1e30,
            step: 1.0,
        };
        assert_eq!(odd.ticks(), vec![0.0, 1e30]);
    }

    #[test]
    fn steps_are_one_two_two_and_a_half_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(1.3), 2.0);
        assert_eq!(nice_step(2.1), 2.5);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(6.0), 10.0);
        assert!((nice_step(0.00021) - 0.00025).abs() < 1e-12);
        assert_eq!(nice_step(20.0), 20.0);
    }

    #[test]
    fn a_rate_axis_never_goes_past_one_hundred_percent() {
        // The crash-free axis topped out at 100.03 %.
        let s = Scale::nice([0.9975, 1.0, 0.9995], Domain::RATE, 5);
        assert_eq!(s.hi, 1.0);
        assert!(s.ticks().iter().all(|t| *t <= 1.0));
        assert_eq!(s.label(*s.ticks().last().unwrap(), Unit::Ratio), "100.0 %");
        assert_eq!(s.label(s.ticks()[0], Unit::Ratio), "99.7 %");
    }

    #[test]
    fn counts_and_cpu_never_go_negative() {
        let s = Scale::nice([5.0, 50.0], Domain::NON_NEGATIVE, 5);
        assert_eq!(s.lo, 0.0);
        assert_eq!((s.step, s.hi), (20.0, 60.0));
        let cpu = Scale::nice([41.0, 133.0, 60.0], Domain::NON_NEGATIVE, 5);
        assert_eq!(cpu.lo, 0.0, "amounts are drawn from zero");
        assert_eq!(cpu.ticks().first(), Some(&0.0));
    }

    #[test]
    fn ticks_are_whole_steps_not_odd_values() {
        // The odd ticks: 108 / 79 / 50 / 21 / −8 %.
        let s = Scale::nice([0.0, 100.0], Domain::NON_NEGATIVE, 5);
        let labels: Vec<String> = s
            .ticks()
            .iter()
            .map(|t| s.label(*t, Unit::Number { suffix: " %" }))
            .collect();
        assert_eq!(labels, ["0 %", "25 %", "50 %", "75 %", "100 %", "125 %"]);
    }

    #[test]
    fn an_overspent_budget_goes_below_zero_but_never_above_all_of_it() {
        let s = Scale::nice([1.0, 0.4, -0.64], Domain::AT_MOST_ONE, 5);
        assert_eq!(s.hi, 1.0);
        assert!(s.lo <= -0.64);
        let labels: Vec<String> = s.ticks().iter().map(|t| s.label(*t, Unit::Ratio)).collect();
        assert_eq!(labels, ["−100 %", "−50 %", "0 %", "50 %", "100 %"]);
    }

    #[test]
    fn labels_have_the_decimals_of_a_quarter_step() {
        let s = Scale {
            lo: 0.995,
            hi: 1.0,
            step: 0.000025,
        };
        assert_eq!(s.label(0.99975, Unit::Ratio), "99.9750 %");
        let s = Scale::nice([0.0, 0.0], Domain::NON_NEGATIVE, 5);
        assert!(s.lo == 0.0 && s.hi > 0.0);
    }

    #[test]
    fn a_flat_series_still_gets_an_axis() {
        let s = Scale::nice([1.0, 1.0], Domain::RATE, 5);
        assert!(s.lo < 1.0 && s.hi == 1.0 && s.ticks().len() >= 2, "{s:?}");
        let s = Scale::nice(std::iter::empty(), Domain::RATE, 5);
        assert_eq!((s.lo, s.hi), (0.0, 1.0));
    }

    #[test]
    fn day_ticks_fall_on_midnights_and_week_ticks_on_mondays() {
        let (start, end) = (at("2026-11-08 09:00"), at("2026-11-22 09:00"));
        let days = TimeStep::Days(2).ticks(start, end);
        assert_eq!(days.first(), Some(&at("2026-11-09 00:00")));
        assert!(days.iter().all(|t| t.time() == NaiveTime::MIN));
        let weeks = TimeStep::Weeks(1).ticks(start, end);
        assert_eq!(weeks, [at("2026-11-09 00:00"), at("2026-11-16 00:00")]);
        let hours = TimeStep::Hours(6).ticks(at("2026-11-08 05:00"), at("2026-11-08 13:00"));
        assert_eq!(hours, [at("2026-11-08 06:00"), at("2026-11-08 12:00")]);
        let months = TimeStep::Months(3).ticks(at("2026-02-10 00:00"), at("2026-12-01 00:00"));
        assert_eq!(
            months,
            [
                at("2026-04-01 00:00"),
                at("2026-07-01 00:00"),
                at("2026-10-01 00:00")
            ]
        );
    }

    #[test]
    fn labels_carry_the_year_when_the_range_crosses_one() {
        let t = at("2026-01-04 00:00");
        assert_eq!(TimeStep::Days(1).label(t, false), "Jan 4");
        assert_eq!(TimeStep::Days(1).label(t, true), "Jan 4, 2026");
        assert_eq!(
            TimeStep::Hours(6).label(at("2026-01-04 06:00"), true),
            "06:00"
        );
        assert_eq!(
            span_label(at("2025-12-02 00:00"), at("2026-01-05 00:00")),
            "Dec 2, 2025 – Jan 5, 2026"
        );
        assert_eq!(
            span_label(at("2026-09-23 00:00"), at("2026-11-21 00:00")),
            "Sep 23 – Nov 21, 2026"
        );
        assert_eq!(
            span_label(at("2026-11-08 09:00"), at("2026-11-22 08:59")),
            "Nov 8 09:00 – Nov 22 08:59, 2026"
        );
    }
}
