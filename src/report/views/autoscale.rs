//! How autoscaling results read: the simulation's figures, spikes and their recovery; for a
//! tuning, the current and best policies side by side and the cost/overload Pareto front.

use crate::domain::autoscale::tuner::{worst_recovery, Scored, Tuning};
use crate::domain::autoscale::{Policy, Simulation, SimulationReport};
use chrono_tz::Tz;

use crate::report::chart::{Panel, Rule, Series, TimeAxis, YAxis};
use crate::report::format::{count, local_minute, local_time};
use crate::report::view::{Align, Block, Cell, Grid, Highlight, Tone, View};

/// A policy in one line: `TT 60% in 60s/out 30s · step ≥70% +3/+5/+10 cd 30s · 5–50`.
pub fn describe(p: &Policy) -> String {
    let mut parts = Vec::new();
    if let Some(tt) = &p.target_tracking {
        parts.push(format!(
            "TT {}% in {}s/out {}s",
            tt.target_value, tt.scale_in_cooldown, tt.scale_out_cooldown
        ));
    }
    if let Some(s) = &p.step_scaling {
        let adjustments: Vec<String> = s
            .steps
            .iter()
            .map(|st| format!("+{}", st.adjustment))
            .collect();
        parts.push(format!(
            "step ≥{}% {} cd {}s",
            s.threshold,
            adjustments.join("/"),
            s.cooldown
        ));
    }
    parts.push(format!("{}–{} tasks", p.min_capacity, p.max_capacity));
    parts.join(" · ")
}

fn figures_rows(columns: &[&Simulation]) -> Vec<Vec<Cell>> {
    let row = |name: &str, f: &dyn Fn(&Simulation) -> String| {
        let mut cells = vec![Cell::new(name)];
        cells.extend(columns.iter().map(|s| Cell::new(f(s))));
        cells
    };
    vec![
        row("task-hours", &|s| format!("{:.1}", s.task_hours)),
        row("overload minutes", &|s| s.overload_minutes.to_string()),
        row("worst spike recovery", &|s| {
            format!("{} min", worst_recovery(s))
        }),
        row("spikes", &|s| s.spikes.len().to_string()),
        row("max CPU", &|s| format!("{:.0} %", s.max_cpu)),
        row("scale-out / scale-in", &|s| {
            format!("{} / {}", s.scale_out_actions, s.scale_in_actions)
        }),
    ]
}

/// The view of a simulation; times read in `tz`.
pub fn simulation_view(report: &SimulationReport, policy: &Policy, tz: Tz) -> View {
    let s = &report.simulation;
    let mut blocks = vec![Block::Table(Grid {
        header: vec!["Figure".into(), "Value".into()],
        align: vec![Align::Left, Align::Right],
        rows: figures_rows(&[s]),
    })];
    if !s.spikes.is_empty() {
        blocks.push(Block::Table(Grid::new(
            &[
                (&format!("Spike start ({})", tz.name()), Align::Left),
                ("Peak CPU", Align::Right),
                ("Recovery", Align::Right),
            ],
            s.spikes
                .iter()
                .take(10)
                .map(|sp| {
                    vec![
                        Cell::new(local_minute(&sp.start, tz)),
                        Cell::new(format!("{:.0} %", sp.peak_cpu)),
                        Cell::toned(
                            format!("{} min", sp.recovery_minutes),
                            if sp.recovery_minutes > 3 {
                                Tone::Warn
                            } else {
                                Tone::Good
                            },
                        ),
                    ]
                })
                .collect(),
        )));
    }
    View {
        title: "Autoscaling simulation".into(),
        subtitle: describe(policy),
        tone: if s.overload_minutes == 0 {
            Tone::Good
        } else {
            Tone::Warn
        },
        // Overload first: it is what needs attention; the cost, then the span replayed.
        headline: format!(
            "{} overload min · worst spike {} min · {} task-hours in {}",
            s.overload_minutes,
            worst_recovery(s),
            count(s.task_hours.round() as u64),
            span(s.minutes)
        ),
        highlights: spike_highlights(s, tz),
        blocks,
        footer: format!(
            "vitals autoscale simulate · generated {}",
            local_time(&report.generated_at, tz)
        ),
        ..View::default()
    }
}

/// `14 days`, `36 hours`, `90 minutes`: the length of a replayed trace.
fn span(minutes: usize) -> String {
    match minutes {
        m if m >= 2 * 1440 && m % 1440 == 0 => format!("{} days", m / 1440),
        m if m >= 120 && m % 60 == 0 => format!("{} hours", m / 60),
        m => format!("{m} minutes"),
    }
}

/// Overload in one line, then the slowest spike.
fn spike_highlights(s: &Simulation, tz: Tz) -> Vec<Highlight> {
    if s.overload_minutes == 0 {
        return Vec::new();
    }
    let mut out = vec![Highlight::new(
        Tone::Warn,
        format!(
            "{} overload minutes (CPU ≥ {} %) in {} spikes",
            s.overload_minutes,
            s.overload_threshold,
            s.spikes.len()
        ),
    )];
    if let Some(worst) = s.spikes.iter().max_by_key(|sp| sp.recovery_minutes) {
        out.push(Highlight::new(
            Tone::Warn,
            format!(
                "slowest recovery {} min from {} (peak {:.0} %)",
                worst.recovery_minutes,
                local_minute(&worst.start, tz),
                worst.peak_cpu
            ),
        ));
    }
    out
}

pub fn tuning_view(t: &Tuning) -> View {
    let saved = t.current.figures.task_hours - t.best.figures.task_hours;
    let mut blocks = vec![
        Block::Text(format!("current: {}", describe(&t.current.policy))),
        Block::Text(format!("best:    {}", describe(&t.best.policy))),
        Block::Table(Grid {
            header: vec!["Figure".into(), "Current".into(), "Best".into()],
            align: vec![Align::Left, Align::Right, Align::Right],
            rows: figures_rows(&[&t.current.figures, &t.best.figures]),
        }),
    ];
    blocks.push(Block::Heading {
        text: "Pareto front: cost vs overload".into(),
        tone: Tone::Plain,
    });
    blocks.push(Block::Table(Grid::new(
        &[
            ("Task-hours", Align::Right),
            ("Overload min", Align::Right),
            ("Worst spike", Align::Right),
            ("Policy", Align::Left),
        ],
        t.pareto
            .iter()
            .take(12)
            .map(|s: &Scored| {
                vec![
                    Cell::new(format!("{:.1}", s.figures.task_hours)),
                    Cell::new(s.figures.overload_minutes.to_string()),
                    Cell::new(format!("{} min", s.worst_recovery_minutes)),
                    Cell::new(describe(&s.policy)),
                ]
            })
            .collect(),
    )));
    View {
        title: "Autoscaling tuning".into(),
        subtitle: format!("{} policies simulated", t.evaluated),
        tone: if saved > 0.0 { Tone::Good } else { Tone::Plain },
        headline: format!(
            "best saves {saved:.1} task-hours ({:.1} %) · overload ≤ {} min · spikes ≤ {} min",
            if t.current.figures.task_hours > 0.0 {
                100.0 * saved / t.current.figures.task_hours
            } else {
                0.0
            },
            t.limits.max_overload_minutes,
            t.limits.max_recovery_minutes
        ),
        blocks,
        footer: "vitals autoscale tune".into(),
        ..View::default()
    }
}

/// CPU and capacity over time (in `tz`), with the target and step threshold lines.
pub fn chart(s: &Simulation, policy: &Policy, tz: Tz) -> Vec<Panel> {
    let x = TimeAxis::instants(s.timeline.iter().map(|r| r.minute), tz);
    let mut rules = Vec::new();
    if let Some(tt) = &policy.target_tracking {
        rules.push(Rule {
            label: format!("target {} %", tt.target_value),
            value: tt.target_value,
            color: "#2ca02c",
        });
    }
    if let Some(st) = &policy.step_scaling {
        rules.push(Rule {
            label: format!("step alarm ≥ {} %", st.threshold),
            value: st.threshold,
            color: "#ff7f0e",
        });
    }
    rules.push(Rule {
        label: format!("overload ≥ {} %", s.overload_threshold),
        value: s.overload_threshold,
        color: "#d62728",
    });
    vec![
        Panel {
            title: "Simulated CPU, per minute".into(),
            x: x.clone(),
            y: YAxis::non_negative(" %"),
            series: vec![Series {
                name: "CPU".into(),
                color: "#1f77b4",
                width: 1.0,
                values: s.timeline.iter().map(|r| Some(r.cpu)).collect(),
            }],
            rules,
        },
        Panel {
            title: "Tasks, per minute".into(),
            x,
            y: YAxis::non_negative(""),
            series: vec![
                Series {
                    name: "serving tasks".into(),
                    color: "#1f77b4",
                    width: 1.5,
                    values: s
                        .timeline
                        .iter()
                        .map(|r| Some(f64::from(r.serving)))
                        .collect(),
                },
                Series {
                    name: "demand (task-units)".into(),
                    color: "#999",
                    width: 1.0,
                    values: s.timeline.iter().map(|r| Some(r.demand)).collect(),
                },
            ],
            rules: vec![],
        },
    ]
}
