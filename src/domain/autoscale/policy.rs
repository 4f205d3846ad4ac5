//! The policy file of the contract: a scalable target's bounds, a target tracking policy and
//! a step scaling (spike) policy, as the Terraform module in `terraform/` takes them.
//!
//! Deserialization follows the contract's TOML exactly (unknown keys are errors, so a typo
//! never silently means "default"); [`Policy::validate`] checks what the TOML shape cannot,
//! naming the field at fault, and follows the rules AWS puts on step adjustments.

use serde::{Deserialize, Serialize};

/// One ECS service's scaling configuration.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The scalable target's `MinCapacity`. At least 1 here: with no task serving there is no
    /// CPU metric to simulate (a scaled-to-zero service cannot be replayed on CPU).
    pub min_capacity: u32,
    /// The scalable target's `MaxCapacity`.
    pub max_capacity: u32,
    /// Seconds from a desired count going up to the new tasks serving (not an AWS setting: the
    /// service's image pull, start and health checks).
    pub task_startup_seconds: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_tracking: Option<TargetTracking>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_scaling: Option<StepScaling>,
}

/// A target tracking policy on `ECSServiceAverageCPUUtilization`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetTracking {
    /// CPU percent to hold.
    pub target_value: f64,
    /// `ScaleInCooldown`, seconds.
    pub scale_in_cooldown: u32,
    /// `ScaleOutCooldown`, seconds.
    pub scale_out_cooldown: u32,
}

/// A step scaling policy with its alarm: `CPUUtilization ≥ threshold` (Average, 60 s periods),
/// adjustments of type `ChangeInCapacity`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StepScaling {
    /// The alarm's threshold, CPU percent; step bounds are relative to it.
    pub threshold: f64,
    /// `Cooldown`, seconds.
    pub cooldown: u32,
    /// Sorted by `lower`, contiguous, the last one unbounded (see [`Policy::validate`]).
    pub steps: Vec<Step>,
    /// `MetricAggregationType`; AWS treats a missing one as `Average`.
    #[serde(default)]
    pub aggregation: Aggregation,
}

/// A step adjustment: `MetricIntervalLowerBound`, `MetricIntervalUpperBound` (none: +∞) and
/// `ScalingAdjustment`, bounds relative to the alarm threshold.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub lower: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper: Option<f64>,
    /// Tasks to add.
    pub adjustment: i64,
}

impl From<(f64, Option<f64>, i64)> for Step {
    /// `(lower, upper, adjustment)`, as tables of steps are written.
    fn from((lower, upper, adjustment): (f64, Option<f64>, i64)) -> Step {
        Step {
            lower,
            upper,
            adjustment,
        }
    }
}

/// `MetricAggregationType`: how the alarm's datapoints are reduced to the one value compared
/// with the step bounds. Spelled as AWS spells it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum Aggregation {
    #[default]
    Average,
    Minimum,
    Maximum,
}

impl Aggregation {
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregation::Average => "Average",
            Aggregation::Minimum => "Minimum",
            Aggregation::Maximum => "Maximum",
        }
    }
}

impl Policy {
    /// The first rule the policy breaks, as one line naming the field.
    ///
    /// Step rules follow the StepAdjustment API reference ("ranges can't overlap or have a
    /// gap"; "if one step adjustment has a positive upper bound, then there must be a step
    /// adjustment with a null upper bound"; "if one step adjustment has a negative lower bound,
    /// then there must be a step adjustment with a null lower bound" —
    /// <https://docs.aws.amazon.com/autoscaling/application/APIReference/API_StepAdjustment.html>).
    /// Our alarm is `≥ threshold` and `lower` is never null, so steps start at 0 (below the
    /// threshold the alarm is OK, and a breach between 0 and the first bound would match no
    /// step), run contiguously, and the last has no `upper`. Adjustments add tasks: this
    /// policy fires on high CPU, where removing tasks is never meant.
    pub fn validate(&self) -> Result<(), String> {
        if self.min_capacity < 1 {
            return Err(
                "min_capacity: must be at least 1 (with no task serving there is \
                        no CPU metric to scale on)"
                    .into(),
            );
        }
        // Application Auto Scaling's API takes 32-bit integers; a larger number must be the
        // file's error, not a different policy in AWS.
        let too_big = |v: i64| v > i64::from(i32::MAX);
        if too_big(self.max_capacity.into()) {
            return Err(format!(
                "max_capacity: {} is more than AWS accepts",
                self.max_capacity
            ));
        }
        if let Some(s) = self.step_scaling.as_ref() {
            if let Some(i) = s.steps.iter().position(|st| too_big(st.adjustment)) {
                return Err(format!(
                    "step_scaling.steps[{i}].adjustment: {} is more than AWS accepts",
                    s.steps[i].adjustment
                ));
            }
        }
        if self.min_capacity > self.max_capacity {
            return Err(format!(
                "min_capacity ({}) is greater than max_capacity ({})",
                self.min_capacity, self.max_capacity
            ));
        }
        if let Some(tt) = &self.target_tracking {
            if !(tt.target_value.is_finite() && tt.target_value > 0.0) {
                return Err(format!(
                    "target_tracking.target_value: must be a CPU percent above 0 (got {})",
                    tt.target_value
                ));
            }
        }
        if let Some(step) = &self.step_scaling {
            step.validate()?;
        }
        Ok(())
    }
}

impl StepScaling {
    fn validate(&self) -> Result<(), String> {
        if !(self.threshold.is_finite() && self.threshold >= 0.0) {
            return Err(format!(
                "step_scaling.threshold: must be a CPU percent, 0 or more (got {})",
                self.threshold
            ));
        }
        if self.steps.is_empty() {
            return Err("step_scaling.steps: at least one step is required".into());
        }
        for (i, s) in self.steps.iter().enumerate() {
            let at = format!("step_scaling.steps[{i}]");
            if !(s.lower.is_finite() && s.lower >= 0.0) {
                return Err(format!(
                    "{at}.lower: must be 0 or more, relative to the threshold (got {})",
                    s.lower
                ));
            }
            if let Some(upper) = s.upper {
                if !upper.is_finite() || upper <= s.lower {
                    return Err(format!(
                        "{at}.upper ({upper}) must be greater than its lower ({})",
                        s.lower
                    ));
                }
            }
            if s.adjustment < 0 {
                return Err(format!(
                    "{at}.adjustment: must not be negative (got {}); this policy adds tasks \
                     on high CPU",
                    s.adjustment
                ));
            }
        }
        if let Some(i) = self
            .steps
            .windows(2)
            .position(|pair| pair[1].lower < pair[0].lower)
        {
            return Err(format!(
                "step_scaling.steps[{}].lower ({}) is below steps[{i}].lower ({}): sort the \
                 steps by lower",
                i + 1,
                self.steps[i + 1].lower,
                self.steps[i].lower
            ));
        }
        if self.steps[0].lower != 0.0 {
            return Err(format!(
                "step_scaling.steps[0].lower: must be 0 (got {}), or a breach just above the \
                 threshold matches no step",
                self.steps[0].lower
            ));
        }
        for (i, pair) in self.steps.windows(2).enumerate() {
            let (this, next) = (pair[0], pair[1]);
            let j = i + 1;
            match this.upper {
                None => {
                    return Err(format!(
                        "step_scaling.steps[{i}].upper: only the last step may be unbounded"
                    ))
                }
                Some(upper) if next.lower > upper => {
                    return Err(format!(
                        "step_scaling.steps[{j}].lower ({}) leaves a gap after \
                         steps[{i}].upper ({upper})",
                        next.lower
                    ))
                }
                Some(upper) if next.lower < upper => {
                    return Err(format!(
                        "step_scaling.steps[{j}].lower ({}) overlaps steps[{i}], which runs \
                         to {upper}",
                        next.lower
                    ))
                }
                Some(_) => {}
            }
        }
        let last = self.steps.len() - 1;
        if let Some(upper) = self.steps[last].upper {
            return Err(format!(
                "step_scaling.steps[{last}].upper ({upper}): the last step must have no upper \
                 bound, or a larger breach matches no step"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The policy file exactly as the contract shows it.
    const CONTRACT_TOML: &str = r#"
min_capacity = 5
max_capacity = 50
task_startup_seconds = 60     # desired count up -> task serving

[target_tracking]
target_value = 60             # ECSServiceAverageCPUUtilization
scale_in_cooldown = 60
scale_out_cooldown = 30

[step_scaling]                # optional: spike scale-out
threshold = 70                # alarm: CPUUtilization Average >= threshold, 1 x 60 s
cooldown = 30
steps = [
  { lower = 0,  upper = 10, adjustment = 3 },
  { lower = 10, upper = 20, adjustment = 5 },
  { lower = 20,             adjustment = 10 },
]
"#;

    fn contract() -> Policy {
        toml::from_str(CONTRACT_TOML).expect("the contract's policy parses")
    }

    fn with_steps(steps: Vec<Step>) -> Policy {
        let mut p = contract();
        p.step_scaling.as_mut().unwrap().steps = steps;
        p
    }

    fn step(lower: f64, upper: Option<f64>, adjustment: i64) -> Step {
        Step {
            lower,
            upper,
            adjustment,
        }
    }

    #[test]
    fn the_contract_policy_file_parses_and_is_valid() {
        let p = contract();
        assert_eq!((p.min_capacity, p.max_capacity), (5, 50));
        assert_eq!(p.task_startup_seconds, 60);
        let tt = p.target_tracking.as_ref().unwrap();
        assert_eq!(tt.target_value, 60.0);
        assert_eq!((tt.scale_in_cooldown, tt.scale_out_cooldown), (60, 30));
        let s = p.step_scaling.as_ref().unwrap();
        assert_eq!((s.threshold, s.cooldown), (70.0, 30));
        assert_eq!(
            s.steps,
            vec![
                step(0.0, Some(10.0), 3),
                step(10.0, Some(20.0), 5),
                step(20.0, None, 10)
            ]
        );
        assert_eq!(
            s.aggregation,
            Aggregation::Average,
            "AWS treats a missing one as Average"
        );
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn both_policies_are_optional() {
        let p: Policy =
            toml::from_str("min_capacity = 2\nmax_capacity = 2\ntask_startup_seconds = 0\n")
                .unwrap();
        assert!(p.target_tracking.is_none() && p.step_scaling.is_none());
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn aggregation_is_spelled_as_aws_spells_it() {
        let text = CONTRACT_TOML.replace(
            "cooldown = 30\nsteps",
            "cooldown = 30\naggregation = \"Maximum\"\nsteps",
        );
        let p: Policy = toml::from_str(&text).unwrap();
        assert_eq!(p.step_scaling.unwrap().aggregation, Aggregation::Maximum);
        let bad = CONTRACT_TOML.replace(
            "cooldown = 30\nsteps",
            "cooldown = 30\naggregation = \"max\"\nsteps",
        );
        assert!(toml::from_str::<Policy>(&bad).is_err());
    }

    #[test]
    fn unknown_keys_are_errors() {
        let top = format!("{CONTRACT_TOML}\n")
            .replace("min_capacity = 5", "min_capacity = 5\nmin_capcity = 5");
        let err = toml::from_str::<Policy>(&top).unwrap_err().to_string();
        assert!(err.contains("min_capcity"), "{err}");
        let nested = CONTRACT_TOML.replace(
            "scale_in_cooldown = 60",
            "scale_in_cooldown = 60\ndisable_scale_in = true",
        );
        assert!(toml::from_str::<Policy>(&nested).is_err());
        let in_step = CONTRACT_TOML.replace("adjustment = 10 }", "adjustment = 10, kind = \"x\" }");
        assert!(toml::from_str::<Policy>(&in_step).is_err());
    }

    #[test]
    fn negative_counts_and_seconds_do_not_parse() {
        let text = CONTRACT_TOML.replace("scale_in_cooldown = 60", "scale_in_cooldown = -60");
        assert!(toml::from_str::<Policy>(&text).is_err());
        let text = CONTRACT_TOML.replace("min_capacity = 5", "min_capacity = -5");
        assert!(toml::from_str::<Policy>(&text).is_err());
    }

    #[test]
    fn serializes_back_to_the_same_policy() {
        let p = contract();
        let text = toml::to_string(&p).unwrap();
        assert_eq!(toml::from_str::<Policy>(&text).unwrap(), p);
        assert!(
            !text.contains("upper = nan"),
            "an unbounded step has no upper key"
        );
    }

    #[test]
    fn min_greater_than_max_names_both() {
        let mut p = contract();
        p.min_capacity = 60;
        assert_eq!(
            p.validate(),
            Err("min_capacity (60) is greater than max_capacity (50)".into())
        );
    }

    #[test]
    fn numbers_beyond_the_aws_api_are_errors_not_truncated() {
        let mut p = contract();
        p.step_scaling.as_mut().unwrap().steps[1].adjustment = 4_294_967_299;
        assert!(p
            .validate()
            .unwrap_err()
            .starts_with("step_scaling.steps[1].adjustment: 4294967299"));
        let mut p = contract();
        p.max_capacity = u32::MAX;
        assert!(p.validate().unwrap_err().starts_with("max_capacity:"));
    }

    #[test]
    fn min_capacity_zero_cannot_be_simulated() {
        let mut p = contract();
        p.min_capacity = 0;
        assert!(p.validate().unwrap_err().starts_with("min_capacity:"));
    }

    #[test]
    fn target_value_must_be_positive() {
        let mut p = contract();
        p.target_tracking.as_mut().unwrap().target_value = 0.0;
        assert!(p
            .validate()
            .unwrap_err()
            .starts_with("target_tracking.target_value:"));
        p.target_tracking.as_mut().unwrap().target_value = f64::NAN;
        assert!(p.validate().is_err());
    }

    #[test]
    fn negative_threshold_is_rejected() {
        let mut p = contract();
        p.step_scaling.as_mut().unwrap().threshold = -1.0;
        assert!(p
            .validate()
            .unwrap_err()
            .starts_with("step_scaling.threshold:"));
    }

    #[test]
    fn steps_with_a_gap_are_rejected() {
        let p = with_steps(vec![step(0.0, Some(10.0), 3), step(15.0, None, 5)]);
        assert_eq!(
            p.validate(),
            Err("step_scaling.steps[1].lower (15) leaves a gap after steps[0].upper (10)".into())
        );
    }

    #[test]
    fn overlapping_steps_are_rejected() {
        let p = with_steps(vec![step(0.0, Some(10.0), 3), step(5.0, None, 5)]);
        assert_eq!(
            p.validate(),
            Err("step_scaling.steps[1].lower (5) overlaps steps[0], which runs to 10".into())
        );
    }

    #[test]
    fn unsorted_steps_are_rejected() {
        let p = with_steps(vec![
            step(0.0, Some(20.0), 3),
            step(10.0, Some(20.0), 5),
            step(20.0, None, 10),
        ]);
        assert!(p.validate().unwrap_err().contains("overlaps"));
        let p = with_steps(vec![
            step(0.0, Some(10.0), 3),
            step(20.0, None, 10),
            step(10.0, Some(20.0), 5),
        ]);
        assert!(p
            .validate()
            .unwrap_err()
            .contains("sort the steps by lower"));
    }

    #[test]
    fn upper_must_exceed_lower() {
        let p = with_steps(vec![step(0.0, Some(0.0), 3), step(0.0, None, 5)]);
        assert_eq!(
            p.validate(),
            Err("step_scaling.steps[0].upper (0) must be greater than its lower (0)".into())
        );
    }

    #[test]
    fn the_last_step_must_be_unbounded() {
        let p = with_steps(vec![step(0.0, Some(10.0), 3), step(10.0, Some(20.0), 5)]);
        assert!(p
            .validate()
            .unwrap_err()
            .starts_with("step_scaling.steps[1].upper (20): the last step must have no upper"));
    }

    #[test]
    fn only_the_last_step_may_be_unbounded() {
        let p = with_steps(vec![step(0.0, None, 3), step(10.0, None, 5)]);
        assert_eq!(
            p.validate(),
            Err("step_scaling.steps[0].upper: only the last step may be unbounded".into())
        );
    }

    #[test]
    fn steps_start_at_the_threshold() {
        let p = with_steps(vec![step(5.0, None, 3)]);
        assert!(p
            .validate()
            .unwrap_err()
            .starts_with("step_scaling.steps[0].lower: must be 0"));
        let p = with_steps(vec![step(-10.0, Some(0.0), 1), step(0.0, None, 3)]);
        assert!(p
            .validate()
            .unwrap_err()
            .starts_with("step_scaling.steps[0].lower: must be 0 or more"));
    }

    #[test]
    fn steps_are_required_and_add_tasks() {
        let p = with_steps(vec![]);
        assert_eq!(
            p.validate(),
            Err("step_scaling.steps: at least one step is required".into())
        );
        let p = with_steps(vec![step(0.0, None, -2)]);
        assert!(p
            .validate()
            .unwrap_err()
            .starts_with("step_scaling.steps[0].adjustment: must not be negative"));
    }
}
