//! `apply`'s plan: what must change so the live setup matches a policy file, field by field,
//! like `terraform plan`. An empty plan means "nothing to do", which makes a second apply a
//! no-op.
//!
//! vitals manages three resources besides the scalable target, named as the Terraform module
//! names them (so `terraform import` adopts them later): `<service>-cpu-target-tracking`,
//! `<service>-cpu-step-scaling` and its alarm `<service>-cpu-high-step-scaling`. Other policies
//! on the service are left alone.

use std::fmt;

use serde::Serialize;

use super::live::{
    Bounds, LiveAlarm, LivePolicy, LivePolicyKind, LiveSetup, LiveStep, CPU_METRIC,
    DEFAULT_ECS_COOLDOWN_SECONDS,
};
use super::policy::{Policy, StepScaling, TargetTracking};

/// The names of what vitals manages on one service (the Terraform module's names).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ManagedNames {
    pub target_tracking: String,
    pub step_scaling: String,
    pub step_alarm: String,
}

impl ManagedNames {
    pub fn for_service(service: &str) -> ManagedNames {
        ManagedNames {
            target_tracking: format!("{service}-cpu-target-tracking"),
            step_scaling: format!("{service}-cpu-step-scaling"),
            step_alarm: format!("{service}-cpu-high-step-scaling"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Delete,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    ScalableTarget,
    TargetTrackingPolicy,
    StepScalingPolicy,
    Alarm,
}

/// One field that differs, in the plan's notation; `None` on a side that does not exist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub action: Action,
    pub resource: Resource,
    pub name: String,
    pub fields: Vec<FieldChange>,
}

/// A field's value, typed: the plan compares values (a live `60.0` and a file's `60` are one
/// target), and [`fmt::Display`] is the one notation `apply` shows them in.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Count(u32),
    Number(f64),
    Flag(bool),
    Text(String),
    Steps(Vec<LiveStep>),
    Metric {
        namespace: String,
        name: String,
        statistic: String,
    },
    Condition {
        comparison: String,
        threshold: f64,
        datapoints: u32,
        evaluation_periods: u32,
        period: u32,
    },
}

/// The alarm comparison the Terraform module and `apply` create.
const AT_OR_ABOVE: &str = "GreaterThanOrEqualToThreshold";

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Count(n) => write!(f, "{n}"),
            Value::Number(x) => write!(f, "{x}"),
            Value::Flag(b) => write!(f, "{b}"),
            Value::Text(text) => f.write_str(text),
            Value::Steps(steps) => {
                let steps: Vec<String> = steps.iter().map(LiveStep::to_string).collect();
                f.write_str(&steps.join(" "))
            }
            Value::Metric {
                namespace,
                name,
                statistic,
            } => write!(f, "{namespace} {name} {statistic}"),
            Value::Condition {
                comparison,
                threshold,
                datapoints,
                evaluation_periods,
                period,
            } => {
                if comparison == AT_OR_ABOVE
                    && *period == 60
                    && *evaluation_periods == 1
                    && *datapoints == 1
                {
                    write!(f, ">= {threshold} for 1 x 60 s")
                } else {
                    write!(
                        f,
                        "{comparison} {threshold} for {datapoints} of {evaluation_periods} x {period} s"
                    )
                }
            }
        }
    }
}

type Fields = Vec<(&'static str, Value)>;

fn target_fields(b: &Bounds) -> Fields {
    vec![
        ("min_capacity", Value::Count(b.min_capacity)),
        ("max_capacity", Value::Count(b.max_capacity)),
    ]
}

fn tt_fields(tt: &TargetTracking) -> Fields {
    vec![
        ("metric", Value::Text(CPU_METRIC.into())),
        ("target_value", Value::Number(tt.target_value)),
        ("scale_in_cooldown", Value::Count(tt.scale_in_cooldown)),
        ("scale_out_cooldown", Value::Count(tt.scale_out_cooldown)),
        ("disable_scale_in", Value::Flag(false)),
    ]
}

fn step_fields(s: &StepScaling) -> Fields {
    vec![
        ("adjustment_type", Value::Text("ChangeInCapacity".into())),
        ("cooldown", Value::Count(s.cooldown)),
        ("aggregation", Value::Text(s.aggregation.as_str().into())),
        (
            "steps",
            Value::Steps(s.steps.iter().map(LiveStep::from).collect()),
        ),
    ]
}

fn alarm_fields(threshold: f64, invokes: &str) -> Fields {
    vec![
        (
            "metric",
            Value::Metric {
                namespace: "AWS/ECS".into(),
                name: "CPUUtilization".into(),
                statistic: "Average".into(),
            },
        ),
        (
            "condition",
            Value::Condition {
                comparison: AT_OR_ABOVE.into(),
                threshold,
                datapoints: 1,
                evaluation_periods: 1,
                period: 60,
            },
        ),
        ("invokes", Value::Text(invokes.to_string())),
    ]
}

fn live_policy_fields(p: &LivePolicy) -> Fields {
    let cd = |c: Option<u32>| Value::Count(c.unwrap_or(DEFAULT_ECS_COOLDOWN_SECONDS));
    match &p.kind {
        LivePolicyKind::TargetTracking(tt) => vec![
            ("metric", Value::Text(tt.metric.clone())),
            ("target_value", Value::Number(tt.target_value)),
            ("scale_in_cooldown", cd(tt.scale_in_cooldown)),
            ("scale_out_cooldown", cd(tt.scale_out_cooldown)),
            ("disable_scale_in", Value::Flag(tt.disable_scale_in)),
        ],
        LivePolicyKind::StepScaling(live) => vec![
            ("adjustment_type", Value::Text(live.adjustment_type.clone())),
            ("cooldown", cd(live.cooldown)),
            (
                "aggregation",
                Value::Text(live.aggregation.clone().unwrap_or("Average".into())),
            ),
            ("steps", Value::Steps(live.steps.clone())),
        ],
        LivePolicyKind::Other { policy_type } => {
            vec![("policy_type", Value::Text(policy_type.clone()))]
        }
    }
}

fn live_alarm_fields(a: &LiveAlarm, step_policy: Option<&LivePolicy>) -> Fields {
    let invokes = match step_policy {
        Some(p) if a.actions.contains(&p.arn) => p.name.clone(),
        _ => format!("{} action(s), not the step policy", a.actions.len()),
    };
    vec![
        (
            "metric",
            Value::Metric {
                namespace: a.namespace.clone(),
                name: a.metric.clone(),
                statistic: a.statistic.clone(),
            },
        ),
        (
            "condition",
            Value::Condition {
                comparison: a.comparison.clone(),
                threshold: a.threshold,
                datapoints: a.datapoints_to_alarm.unwrap_or(a.evaluation_periods),
                evaluation_periods: a.evaluation_periods,
                period: a.period,
            },
        ),
        ("invokes", Value::Text(invokes)),
    ]
}

/// The fields that differ between two descriptions with the same keys (or one missing side),
/// compared as values and shown in [`Value`]'s notation.
fn diff(before: Option<&Fields>, after: Option<&Fields>) -> Vec<FieldChange> {
    let keys: Vec<&'static str> = after
        .or(before)
        .into_iter()
        .flatten()
        .map(|f| f.0)
        .collect();
    let value = |side: Option<&Fields>, key: &str| {
        side.and_then(|fields| fields.iter().find(|f| f.0 == key).map(|f| f.1.clone()))
    };
    keys.into_iter()
        .filter_map(|key| {
            let (before, after) = (value(before, key), value(after, key));
            (before != after).then(|| FieldChange {
                field: key,
                before: before.map(|v| v.to_string()),
                after: after.map(|v| v.to_string()),
            })
        })
        .collect()
}

fn change(
    resource: Resource,
    name: &str,
    before: Option<Fields>,
    after: Option<Fields>,
) -> Option<Change> {
    let action = match (&before, &after) {
        (None, None) => return None,
        (None, Some(_)) => Action::Create,
        (Some(_), None) => Action::Delete,
        (Some(_), Some(_)) => Action::Update,
    };
    let fields = diff(before.as_ref(), after.as_ref());
    if action == Action::Update && fields.is_empty() {
        return None;
    }
    Some(Change {
        action,
        resource,
        name: name.to_string(),
        fields,
    })
}

/// The changes, in the order they must be made: target, policies, then the alarm (it names
/// the step policy's ARN); deletions of the alarm before its policy.
pub fn plan(live: &LiveSetup, desired: &Policy, names: &ManagedNames) -> Vec<Change> {
    let policy = |name: &str| live.policies.iter().find(|p| p.name == name);
    let live_step = policy(&names.step_scaling);
    let desired_bounds = Bounds {
        min_capacity: desired.min_capacity,
        max_capacity: desired.max_capacity,
    };
    let step_alarm_after = desired.step_scaling.as_ref().map(|s| {
        // A step policy created by this plan gets a new ARN: its alarm must be (re)put too.
        let invokes = if live_step.is_some() {
            names.step_scaling.clone()
        } else {
            format!("{} (new)", names.step_scaling)
        };
        alarm_fields(s.threshold, &invokes)
    });
    let live_alarm = live.alarms.iter().find(|a| a.name == names.step_alarm);
    let alarm = change(
        Resource::Alarm,
        &names.step_alarm,
        live_alarm.map(|a| live_alarm_fields(a, live_step)),
        step_alarm_after,
    );
    // The alarm names the step policy: deleted before it, put after it.
    let (alarm_first, alarm_last) = match desired.step_scaling {
        None => (alarm, None),
        Some(_) => (None, alarm),
    };
    [
        change(
            Resource::ScalableTarget,
            &live.resource_id,
            live.scalable_target.as_ref().map(target_fields),
            Some(target_fields(&desired_bounds)),
        ),
        change(
            Resource::TargetTrackingPolicy,
            &names.target_tracking,
            policy(&names.target_tracking).map(live_policy_fields),
            desired.target_tracking.as_ref().map(tt_fields),
        ),
        alarm_first,
        change(
            Resource::StepScalingPolicy,
            &names.step_scaling,
            live_step.map(live_policy_fields),
            desired.step_scaling.as_ref().map(step_fields),
        ),
        alarm_last,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Live policies vitals will not touch, by name (they keep acting beside the managed ones).
pub fn unmanaged<'a>(live: &'a LiveSetup, names: &ManagedNames) -> Vec<&'a str> {
    live.policies
        .iter()
        .map(|p| p.name.as_str())
        .filter(|n| *n != names.target_tracking && *n != names.step_scaling)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::live::tests::issue_setup;
    use super::super::live::{as_policy, ServiceCounts};
    use super::*;

    fn names() -> ManagedNames {
        ManagedNames::for_service("api")
    }

    fn issue_policy() -> Policy {
        as_policy(&issue_setup(), 60).unwrap().0
    }

    #[test]
    fn a_setup_matching_the_file_needs_no_change() {
        assert_eq!(plan(&issue_setup(), &issue_policy(), &names()), vec![]);
    }

    #[test]
    fn an_unregistered_service_gets_everything_created_in_dependency_order() {
        let live = LiveSetup {
            resource_id: "service/prod/api".into(),
            service: Some(ServiceCounts {
                desired: 2,
                running: 2,
                pending: 0,
            }),
            ..LiveSetup::default()
        };
        let changes = plan(&live, &issue_policy(), &names());
        let order: Vec<(Action, Resource)> =
            changes.iter().map(|c| (c.action, c.resource)).collect();
        assert_eq!(
            order,
            [
                (Action::Create, Resource::ScalableTarget),
                (Action::Create, Resource::TargetTrackingPolicy),
                (Action::Create, Resource::StepScalingPolicy),
                (Action::Create, Resource::Alarm),
            ]
        );
        assert!(changes[0].fields.iter().all(|f| f.before.is_none()));
        assert_eq!(
            changes[2].fields.last().unwrap().after.as_deref(),
            Some("[0,10):+3 [10,20):+5 [20,inf):+10")
        );
    }

    #[test]
    fn only_the_fields_that_differ_are_listed() {
        let mut desired = issue_policy();
        desired.target_tracking.as_mut().unwrap().target_value = 55.0;
        desired.max_capacity = 40;
        let changes = plan(&issue_setup(), &desired, &names());
        assert_eq!(changes.len(), 2);
        assert_eq!(
            changes[0].fields,
            [FieldChange {
                field: "max_capacity",
                before: Some("50".into()),
                after: Some("40".into()),
            }]
        );
        assert_eq!(changes[1].fields.len(), 1);
        assert_eq!(changes[1].fields[0].field, "target_value");
    }

    #[test]
    fn a_new_threshold_updates_the_alarm_only() {
        let mut desired = issue_policy();
        desired.step_scaling.as_mut().unwrap().threshold = 75.0;
        let changes = plan(&issue_setup(), &desired, &names());
        assert_eq!(changes.len(), 1);
        assert_eq!(
            (changes[0].action, changes[0].resource),
            (Action::Update, Resource::Alarm)
        );
    }

    #[test]
    fn dropping_step_scaling_deletes_the_alarm_before_its_policy() {
        let mut desired = issue_policy();
        desired.step_scaling = None;
        let changes = plan(&issue_setup(), &desired, &names());
        let order: Vec<(Action, Resource)> =
            changes.iter().map(|c| (c.action, c.resource)).collect();
        assert_eq!(
            order,
            [
                (Action::Delete, Resource::Alarm),
                (Action::Delete, Resource::StepScalingPolicy)
            ]
        );
    }

    #[test]
    fn an_alarm_not_invoking_the_step_policy_is_repointed() {
        let mut live = issue_setup();
        live.alarms[0].actions.clear();
        let changes = plan(&live, &issue_policy(), &names());
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].fields[0].field, "invokes");
    }

    #[test]
    fn policies_vitals_does_not_manage_are_left_alone() {
        let mut live = issue_setup();
        live.policies[0].name = "hand-made".into();
        let changes = plan(&live, &issue_policy(), &names());
        assert_eq!(changes.len(), 1, "only the managed TT policy is created");
        assert_eq!(unmanaged(&live, &names()), ["hand-made"]);
    }
}
