//! How a live ECS scaling setup (`autoscale show`) and an `apply` plan read.

use crate::domain::autoscale::live::{LivePolicyKind, LiveSetup};
use crate::domain::autoscale::plan::{Action, Change, Resource};
use crate::report::view::{Align, Block, Cell, Grid, Tone, View};

fn seconds(value: Option<u32>) -> String {
    value.map_or("default".into(), |s| format!("{s}s"))
}

fn policy_line(kind: &LivePolicyKind) -> (String, String) {
    match kind {
        LivePolicyKind::TargetTracking(tt) => (
            "target tracking".into(),
            format!(
                "{} = {} · in {} / out {}{}",
                tt.metric,
                tt.target_value,
                seconds(tt.scale_in_cooldown),
                seconds(tt.scale_out_cooldown),
                if tt.disable_scale_in {
                    " · scale-in disabled"
                } else {
                    ""
                }
            ),
        ),
        LivePolicyKind::StepScaling(live) => {
            let steps: Vec<String> = live.steps.iter().map(ToString::to_string).collect();
            (
                "step scaling".into(),
                format!(
                    "{} {} · {} · cooldown {}",
                    live.adjustment_type,
                    steps.join(" "),
                    live.aggregation.as_deref().unwrap_or("Average"),
                    seconds(live.cooldown)
                ),
            )
        }
        LivePolicyKind::Other { policy_type } => (policy_type.clone(), String::new()),
    }
}

pub fn setup_view(setup: &LiveSetup) -> View {
    let mut blocks = Vec::new();
    let target = match setup.scalable_target {
        Some(b) => format!("{}–{} tasks", b.min_capacity, b.max_capacity),
        None => "not registered with Application Auto Scaling".into(),
    };
    let counts = setup.service.map_or(String::new(), |c| {
        format!(
            " · desired {}, running {}, pending {}",
            c.desired, c.running, c.pending
        )
    });
    if !setup.policies.is_empty() {
        blocks.push(Block::Table(Grid::new(
            &[
                ("Policy", Align::Left),
                ("Type", Align::Left),
                ("Configuration", Align::Left),
                ("Alarms", Align::Left),
            ],
            setup
                .policies
                .iter()
                .map(|p| {
                    let (kind, config) = policy_line(&p.kind);
                    vec![
                        Cell::new(&p.name),
                        Cell::new(kind),
                        Cell::new(config),
                        Cell::new(p.alarm_names.len().to_string()),
                    ]
                })
                .collect(),
        )));
    }
    if !setup.alarms.is_empty() {
        blocks.push(Block::Table(Grid::new(
            &[
                ("Alarm", Align::Left),
                ("Condition", Align::Left),
                ("State", Align::Left),
            ],
            setup
                .alarms
                .iter()
                .map(|a| {
                    let tone = match a.state.as_str() {
                        "ALARM" => Tone::Warn,
                        "OK" => Tone::Good,
                        _ => Tone::Muted,
                    };
                    vec![
                        Cell::new(&a.name),
                        Cell::new(format!(
                            "{} {} {} {} {} for {} × {}s",
                            a.namespace,
                            a.metric,
                            a.statistic,
                            a.comparison,
                            a.threshold,
                            a.datapoints_to_alarm.unwrap_or(a.evaluation_periods),
                            a.period
                        )),
                        Cell::toned(&a.state, tone),
                    ]
                })
                .collect(),
        )));
    }
    View {
        title: format!("Autoscaling of {}", setup.resource_id),
        subtitle: format!("{target}{counts}"),
        tone: if setup.scalable_target.is_some() {
            Tone::Plain
        } else {
            Tone::Warn
        },
        headline: format!(
            "{target} · {} policies · {} alarms",
            setup.policies.len(),
            setup.alarms.len()
        ),
        blocks,
        footer: "vitals autoscale show".into(),
        ..View::default()
    }
}

fn resource_name(r: Resource) -> &'static str {
    match r {
        Resource::ScalableTarget => "scalable target",
        Resource::TargetTrackingPolicy => "target tracking policy",
        Resource::StepScalingPolicy => "step scaling policy",
        Resource::Alarm => "alarm",
    }
}

/// The plan as `terraform plan` shows one: `+` create, `~` update, `-` delete, then field lines.
pub fn plan_view(
    resource_id: &str,
    changes: &[Change],
    unmanaged: &[&str],
    yes: bool,
    applied: usize,
) -> View {
    let rows = changes
        .iter()
        .flat_map(|c| {
            // The sign says it, as in `terraform plan`; no tone, so Markdown and Slack add
            // no emoji to every row.
            let sign = match c.action {
                Action::Create => "+",
                Action::Update => "~",
                Action::Delete => "-",
            };
            let head = vec![
                Cell::new(format!("{sign} {}", resource_name(c.resource))),
                Cell::new(&c.name),
                Cell::new(""),
            ];
            let fields = c.fields.iter().map(|f| {
                let side = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
                vec![
                    Cell::new(""),
                    Cell::new(format!("  {}", f.field)),
                    Cell::new(format!("{} → {}", side(&f.before), side(&f.after))),
                ]
            });
            std::iter::once(head).chain(fields).collect::<Vec<_>>()
        })
        .collect();
    let mut blocks = Vec::new();
    if !changes.is_empty() {
        blocks.push(Block::Table(Grid {
            header: ["Change", "Name", "Before → after"]
                .map(String::from)
                .to_vec(),
            align: vec![Align::Left; 3],
            rows,
        }));
    }
    if !unmanaged.is_empty() {
        blocks.push(Block::Text(format!(
            "Left as they are (not managed by vitals): {}",
            unmanaged.join(", ")
        )));
    }
    let headline = match (changes.len(), yes) {
        (0, _) => "No changes: the live setup matches the policy file.".to_string(),
        (n, false) => {
            format!("{n} changes planned; nothing changed. Run again with --yes to apply.")
        }
        (n, true) => format!("{applied} of {n} changes applied."),
    };
    View {
        title: format!("Autoscaling plan for {resource_id}"),
        subtitle: String::new(),
        tone: if changes.is_empty() || yes {
            Tone::Good
        } else {
            Tone::Warn
        },
        headline,
        blocks,
        footer: "vitals autoscale apply".into(),
        ..View::default()
    }
}
