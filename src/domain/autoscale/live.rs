//! What is deployed: an ECS service's scalable target, its scaling policies and their alarms,
//! as plain values the AWS adapter fills in, and how that setup reads as the policy file
//! ([`as_policy`]), so `show --as-policy` can feed `simulate`.

use serde::Serialize;

use super::policy::{Aggregation, Policy, Step, StepScaling, TargetTracking};

/// Application Auto Scaling's cooldown when a policy leaves it unset, for ECS services
/// ("Default: 300 seconds for ECS services", TargetTrackingScalingPolicyConfiguration and
/// StepScalingPolicyConfiguration in the API reference).
pub const DEFAULT_ECS_COOLDOWN_SECONDS: u32 = 300;

/// The predefined metric the contract's target tracking policy tracks.
pub const CPU_METRIC: &str = "ECSServiceAverageCPUUtilization";

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LiveSetup {
    /// `service/<cluster>/<service>`.
    pub resource_id: String,
    pub scalable_target: Option<Bounds>,
    pub service: Option<ServiceCounts>,
    pub policies: Vec<LivePolicy>,
    pub alarms: Vec<LiveAlarm>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Bounds {
    pub min_capacity: u32,
    pub max_capacity: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceCounts {
    pub desired: u32,
    pub running: u32,
    pub pending: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LivePolicy {
    pub name: String,
    pub arn: String,
    #[serde(flatten)]
    pub kind: LivePolicyKind,
    /// The CloudWatch alarms that invoke it.
    pub alarm_names: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LivePolicyKind {
    TargetTracking(LiveTargetTracking),
    StepScaling(LiveStepScaling),
    /// A policy type vitals does not model (e.g. predictive scaling).
    Other {
        policy_type: String,
    },
}

/// A target tracking policy as Application Auto Scaling holds it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LiveTargetTracking {
    pub target_value: f64,
    /// The predefined metric type, or `custom`.
    pub metric: String,
    pub scale_in_cooldown: Option<u32>,
    pub scale_out_cooldown: Option<u32>,
    pub disable_scale_in: bool,
}

/// A step scaling policy as Application Auto Scaling holds it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LiveStepScaling {
    pub adjustment_type: String,
    pub cooldown: Option<u32>,
    pub aggregation: Option<String>,
    pub steps: Vec<LiveStep>,
}

/// A step adjustment: bounds relative to the alarm threshold, open on a side that is `None`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LiveStep {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub adjustment: i64,
}

impl From<&Step> for LiveStep {
    fn from(step: &Step) -> LiveStep {
        LiveStep {
            lower: Some(step.lower),
            upper: step.upper,
            adjustment: step.adjustment,
        }
    }
}

/// The one notation for a step everywhere vitals shows one: `[0,10):+3`, `[20,inf):+10`.
impl std::fmt::Display for LiveStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bound = |b: Option<f64>, open: &str| b.map_or(open.to_string(), |v| v.to_string());
        write!(
            f,
            "[{},{}):{:+}",
            bound(self.lower, "-inf"),
            bound(self.upper, "inf"),
            self.adjustment
        )
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LiveAlarm {
    pub name: String,
    pub namespace: String,
    pub metric: String,
    pub statistic: String,
    pub comparison: String,
    pub threshold: f64,
    pub period: u32,
    pub evaluation_periods: u32,
    pub datapoints_to_alarm: Option<u32>,
    pub state: String,
    pub actions: Vec<String>,
}

fn cooldown(value: Option<u32>) -> u32 {
    value.unwrap_or(DEFAULT_ECS_COOLDOWN_SECONDS)
}

/// The live setup as the policy file, and what it had to leave out (one line each).
///
/// The first CPU target tracking policy and the first `ChangeInCapacity` step policy whose
/// alarm watches CPUUtilization become the file's two sections; anything else is reported.
/// `task_startup_seconds` is not an AWS setting, so the caller supplies it.
pub fn as_policy(
    setup: &LiveSetup,
    task_startup_seconds: u32,
) -> Result<(Policy, Vec<String>), String> {
    let bounds = setup.scalable_target.ok_or_else(|| {
        format!(
            "{} is not registered with Application Auto Scaling: there is no policy to read",
            setup.resource_id
        )
    })?;
    let mut notes = Vec::new();
    let mut target_tracking = None;
    let mut step_scaling = None;
    for policy in &setup.policies {
        match &policy.kind {
            LivePolicyKind::TargetTracking(tt)
                if tt.metric == CPU_METRIC && target_tracking.is_none() =>
            {
                if tt.disable_scale_in {
                    notes.push(format!(
                        "{}: scale-in is disabled live; the policy file always scales in",
                        policy.name
                    ));
                }
                target_tracking = Some(TargetTracking {
                    target_value: tt.target_value,
                    scale_in_cooldown: cooldown(tt.scale_in_cooldown),
                    scale_out_cooldown: cooldown(tt.scale_out_cooldown),
                });
            }
            LivePolicyKind::StepScaling(live)
                if live.adjustment_type == "ChangeInCapacity" && step_scaling.is_none() =>
            {
                match cpu_alarm(setup, policy) {
                    Some(alarm) => {
                        step_scaling = Some(StepScaling {
                            threshold: alarm.threshold,
                            cooldown: cooldown(live.cooldown),
                            steps: live
                                .steps
                                .iter()
                                .map(|s| Step {
                                    // An unbounded lower bound means "from the threshold" for
                                    // a >= alarm: nothing below it can breach.
                                    lower: s.lower.unwrap_or(0.0).max(0.0),
                                    upper: s.upper,
                                    adjustment: s.adjustment,
                                })
                                .collect(),
                            aggregation: match live.aggregation.as_deref() {
                                Some("Maximum") => Aggregation::Maximum,
                                Some("Minimum") => Aggregation::Minimum,
                                _ => Aggregation::Average,
                            },
                        });
                    }
                    None => notes.push(format!(
                        "{}: no CPUUtilization >= alarm invokes it; left out",
                        policy.name
                    )),
                }
            }
            LivePolicyKind::TargetTracking(tt) => notes.push(format!(
                "{}: target tracking on {} left out (the file holds one CPU policy)",
                policy.name, tt.metric
            )),
            LivePolicyKind::StepScaling(live) => notes.push(format!(
                "{}: step scaling ({}) left out (the file holds one ChangeInCapacity CPU policy)",
                policy.name, live.adjustment_type
            )),
            LivePolicyKind::Other { policy_type } => notes.push(format!(
                "{}: {policy_type} policies are not simulated; left out",
                policy.name
            )),
        }
    }
    let policy = Policy {
        min_capacity: bounds.min_capacity,
        max_capacity: bounds.max_capacity,
        task_startup_seconds,
        target_tracking,
        step_scaling,
    };
    policy.validate().map_err(|e| {
        format!(
            "{}: the live setup is not a valid policy: {e}",
            setup.resource_id
        )
    })?;
    Ok((policy, notes))
}

/// The scale-out alarm on CPUUtilization that invokes a step policy.
fn cpu_alarm<'a>(setup: &'a LiveSetup, policy: &LivePolicy) -> Option<&'a LiveAlarm> {
    setup.alarms.iter().find(|a| {
        policy.alarm_names.contains(&a.name)
            && a.metric == "CPUUtilization"
            && a.comparison.starts_with("GreaterThan")
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn alarm(name: &str, threshold: f64, actions: &[&str]) -> LiveAlarm {
        LiveAlarm {
            name: name.into(),
            namespace: "AWS/ECS".into(),
            metric: "CPUUtilization".into(),
            statistic: "Average".into(),
            comparison: "GreaterThanOrEqualToThreshold".into(),
            threshold,
            period: 60,
            evaluation_periods: 1,
            datapoints_to_alarm: Some(1),
            state: "OK".into(),
            actions: actions.iter().map(|a| a.to_string()).collect(),
        }
    }

    /// The issue's production setup, as Application Auto Scaling describes it.
    pub fn issue_setup() -> LiveSetup {
        LiveSetup {
            resource_id: "service/prod/api".into(),
            scalable_target: Some(Bounds {
                min_capacity: 5,
                max_capacity: 50,
            }),
            service: Some(ServiceCounts {
                desired: 7,
                running: 7,
                pending: 0,
            }),
            policies: vec![
                LivePolicy {
                    name: "api-cpu-target-tracking".into(),
                    arn: "arn:tt".into(),
                    kind: LivePolicyKind::TargetTracking(LiveTargetTracking {
                        target_value: 60.0,
                        metric: CPU_METRIC.into(),
                        scale_in_cooldown: Some(60),
                        scale_out_cooldown: Some(30),
                        disable_scale_in: false,
                    }),
                    alarm_names: vec!["TargetTracking-high".into(), "TargetTracking-low".into()],
                },
                LivePolicy {
                    name: "api-cpu-step-scaling".into(),
                    arn: "arn:step".into(),
                    kind: LivePolicyKind::StepScaling(LiveStepScaling {
                        adjustment_type: "ChangeInCapacity".into(),
                        cooldown: Some(30),
                        aggregation: Some("Average".into()),
                        steps: vec![
                            LiveStep {
                                lower: Some(0.0),
                                upper: Some(10.0),
                                adjustment: 3,
                            },
                            LiveStep {
                                lower: Some(10.0),
                                upper: Some(20.0),
                                adjustment: 5,
                            },
                            LiveStep {
                                lower: Some(20.0),
                                upper: None,
                                adjustment: 10,
                            },
                        ],
                    }),
                    alarm_names: vec!["api-cpu-high-step-scaling".into()],
                },
            ],
            alarms: vec![alarm("api-cpu-high-step-scaling", 70.0, &["arn:step"])],
        }
    }

    #[test]
    fn the_issue_setup_reads_as_the_contract_policy() {
        let (policy, notes) = as_policy(&issue_setup(), 60).unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        let expected: Policy = toml::from_str(
            r#"
            min_capacity = 5
            max_capacity = 50
            task_startup_seconds = 60
            [target_tracking]
            target_value = 60
            scale_in_cooldown = 60
            scale_out_cooldown = 30
            [step_scaling]
            threshold = 70
            cooldown = 30
            steps = [
              { lower = 0, upper = 10, adjustment = 3 },
              { lower = 10, upper = 20, adjustment = 5 },
              { lower = 20, adjustment = 10 },
            ]
            "#,
        )
        .unwrap();
        assert_eq!(policy, expected);
    }

    #[test]
    fn unset_cooldowns_are_aws_ecs_defaults() {
        let mut setup = issue_setup();
        if let LivePolicyKind::TargetTracking(tt) = &mut setup.policies[0].kind {
            tt.scale_in_cooldown = None;
            tt.scale_out_cooldown = None;
        }
        let (policy, _) = as_policy(&setup, 60).unwrap();
        let tt = policy.target_tracking.unwrap();
        assert_eq!((tt.scale_in_cooldown, tt.scale_out_cooldown), (300, 300));
    }

    #[test]
    fn an_unregistered_service_has_no_policy() {
        let setup = LiveSetup {
            resource_id: "service/prod/api".into(),
            ..LiveSetup::default()
        };
        assert!(as_policy(&setup, 60)
            .unwrap_err()
            .contains("not registered"));
    }

    #[test]
    fn what_the_file_cannot_hold_is_reported_not_dropped_silently() {
        let mut setup = issue_setup();
        setup.policies.push(LivePolicy {
            name: "api-requests".into(),
            arn: "arn:req".into(),
            kind: LivePolicyKind::TargetTracking(LiveTargetTracking {
                target_value: 1000.0,
                metric: "ALBRequestCountPerTarget".into(),
                scale_in_cooldown: None,
                scale_out_cooldown: None,
                disable_scale_in: false,
            }),
            alarm_names: vec![],
        });
        setup.alarms.clear();
        let (policy, notes) = as_policy(&setup, 60).unwrap();
        assert!(policy.step_scaling.is_none());
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("no CPUUtilization"));
        assert!(notes[1].contains("ALBRequestCountPerTarget"));
    }

    #[test]
    fn an_open_lower_bound_starts_at_the_threshold() {
        let mut setup = issue_setup();
        if let LivePolicyKind::StepScaling(live) = &mut setup.policies[1].kind {
            live.steps[0].lower = None;
        }
        let (policy, _) = as_policy(&setup, 60).unwrap();
        assert_eq!(policy.step_scaling.unwrap().steps[0].lower, 0.0);
    }
}
