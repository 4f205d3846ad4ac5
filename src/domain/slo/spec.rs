//! One objective of an SLO, as evaluation needs it: target, window, budgeting method and,
//! for threshold metrics, the comparison a good value satisfies.
//!
//! The OpenSLO adapter builds these; nothing here reads YAML.

use chrono::Duration;

use super::window::TimeWindow;

/// OpenSLO's `op`: how a good value compares with the objective's `value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Lt,
    Lte,
    Gt,
    Gte,
}

impl Op {
    pub fn parse(text: &str) -> Result<Op, String> {
        match text.trim() {
            "lt" => Ok(Op::Lt),
            "lte" => Ok(Op::Lte),
            "gt" => Ok(Op::Gt),
            "gte" => Ok(Op::Gte),
            other => Err(format!(
                "unknown op {other:?} (expected lt, lte, gt or gte)"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::Gt => "gt",
            Op::Gte => "gte",
        }
    }

    /// `value op bound`, e.g. `250 lte 300`.
    pub fn holds(self, value: f64, bound: f64) -> bool {
        match self {
            Op::Lt => value < bound,
            Op::Lte => value <= bound,
            Op::Gt => value > bound,
            Op::Gte => value >= bound,
        }
    }
}

/// A threshold objective: a value is good when it satisfies `op value`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Threshold {
    pub op: Op,
    pub value: f64,
}

impl Threshold {
    pub fn is_good(&self, value: f64) -> bool {
        self.op.holds(value, self.value)
    }
}

/// How the error budget is counted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BudgetingMethod {
    /// Events: good/total are event counts.
    Occurrences,
    /// Slices of `slice` (`timeSliceWindow`), each good or bad. A ratio metric's slice is good
    /// when its good/total satisfies `slice_target`: `op timeSliceTarget`, `op` defaulting to
    /// `gte` (a ratio metric then requires `timeSliceTarget`).
    Timeslices {
        slice: Duration,
        slice_target: Option<Threshold>,
    },
    /// Slices of `slice`, each consuming 1 − its good/total ratio of budget.
    RatioTimeslices { slice: Duration },
}

impl BudgetingMethod {
    /// From OpenSLO's `budgetingMethod` and the objective's `timeSliceWindow` and
    /// `timeSliceTarget` (with the `op` a ratio slice is compared by).
    pub fn from_spec(
        name: &str,
        time_slice_window: Option<Duration>,
        time_slice_target: Option<Threshold>,
    ) -> Result<BudgetingMethod, String> {
        let slice = || {
            time_slice_window.ok_or_else(|| format!("budgetingMethod {name} needs timeSliceWindow"))
        };
        match name {
            "Occurrences" => Ok(BudgetingMethod::Occurrences),
            "Timeslices" => Ok(BudgetingMethod::Timeslices {
                slice: slice()?,
                slice_target: time_slice_target,
            }),
            "RatioTimeslices" => Ok(BudgetingMethod::RatioTimeslices { slice: slice()? }),
            other => Err(format!(
                "unknown budgetingMethod {other:?} (expected Occurrences, Timeslices or \
                 RatioTimeslices)"
            )),
        }
    }

    /// The contract's spelling.
    pub fn name(&self) -> &'static str {
        match self {
            BudgetingMethod::Occurrences => "Occurrences",
            BudgetingMethod::Timeslices { .. } => "Timeslices",
            BudgetingMethod::RatioTimeslices { .. } => "RatioTimeslices",
        }
    }

    /// The time slice length, for the two slice methods.
    pub fn slice(&self) -> Option<Duration> {
        match *self {
            BudgetingMethod::Occurrences => None,
            BudgetingMethod::Timeslices { slice, .. }
            | BudgetingMethod::RatioTimeslices { slice } => Some(slice),
        }
    }
}

/// One objective of one SLO: one entry of the `slo` document.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    /// The SLO's `metadata.name`.
    pub name: String,
    /// The objective's `displayName`, or its index as a string.
    pub objective: String,
    /// The objective's `target`, in (0, 1).
    pub target: f64,
    pub window: TimeWindow,
    pub method: BudgetingMethod,
    /// `op` and `value`, for a threshold metric.
    pub threshold: Option<Threshold>,
    /// A composite SLO's `compositeWeight` for this objective (reported, not computed with).
    pub composite_weight: Option<f64>,
}

impl Objective {
    /// Checks what does not depend on the data; the message names the offending field.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.target > 0.0 && self.target < 1.0) {
            return Err(format!(
                "target must be between 0 and 1 (both exclusive), got {}",
                self.target
            ));
        }
        if let TimeWindow::Rolling(d) = self.window {
            if d <= Duration::zero() {
                return Err("timeWindow duration must be longer than zero".into());
            }
        }
        if let Some(slice) = self.method.slice() {
            if slice <= Duration::zero() {
                return Err("timeSliceWindow must be longer than zero".into());
            }
        }
        if let BudgetingMethod::Timeslices {
            slice_target: Some(Threshold { value: t, .. }),
            ..
        } = self.method
        {
            if !(t > 0.0 && t <= 1.0) {
                return Err(format!(
                    "timeSliceTarget must be greater than 0 and at most 1, got {t}"
                ));
            }
        }
        if let Some(th) = self.threshold {
            if !th.value.is_finite() {
                return Err(format!("value must be a number, got {}", th.value));
            }
        }
        if let Some(w) = self.composite_weight {
            if !(w > 0.0 && w.is_finite()) {
                return Err(format!("compositeWeight must be greater than 0, got {w}"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::slo::duration::SloDuration;

    fn objective() -> Objective {
        Objective {
            name: "api".into(),
            objective: "0".into(),
            target: 0.999,
            window: TimeWindow::rolling(SloDuration::parse("28d").unwrap()),
            method: BudgetingMethod::Occurrences,
            threshold: None,
            composite_weight: None,
        }
    }

    #[test]
    fn ops_compare_as_named() {
        assert!(Op::parse("lt").unwrap().holds(299.0, 300.0));
        assert!(!Op::Lt.holds(300.0, 300.0));
        assert!(Op::Lte.holds(300.0, 300.0));
        assert!(!Op::Gt.holds(300.0, 300.0));
        assert!(Op::Gte.holds(300.0, 300.0));
        assert!(Op::parse("le").unwrap_err().contains("unknown op \"le\""));
    }

    #[test]
    fn slice_methods_need_a_time_slice_window() {
        assert_eq!(
            BudgetingMethod::from_spec("Occurrences", None, None).unwrap(),
            BudgetingMethod::Occurrences
        );
        let at_least_95 = Some(Threshold {
            op: Op::Gte,
            value: 0.95,
        });
        assert_eq!(
            BudgetingMethod::from_spec("Timeslices", Some(Duration::minutes(5)), at_least_95)
                .unwrap(),
            BudgetingMethod::Timeslices {
                slice: Duration::minutes(5),
                slice_target: at_least_95
            }
        );
        assert!(BudgetingMethod::from_spec("RatioTimeslices", None, None)
            .unwrap_err()
            .contains("needs timeSliceWindow"));
        assert!(BudgetingMethod::from_spec("occurrences", None, None)
            .unwrap_err()
            .contains("unknown budgetingMethod"));
    }

    #[test]
    fn target_is_strictly_between_0_and_1() {
        assert!(objective().validate().is_ok());
        for bad in [0.0, 1.0, 99.9, f64::NAN] {
            let o = Objective {
                target: bad,
                ..objective()
            };
            assert!(o.validate().unwrap_err().contains("target"), "{bad}");
        }
    }

    #[test]
    fn slice_settings_must_make_sense() {
        let zero_slice = Objective {
            method: BudgetingMethod::RatioTimeslices {
                slice: Duration::zero(),
            },
            ..objective()
        };
        assert!(zero_slice
            .validate()
            .unwrap_err()
            .contains("timeSliceWindow"));
        let bad_target = Objective {
            method: BudgetingMethod::Timeslices {
                slice: Duration::minutes(1),
                slice_target: Some(Threshold {
                    op: Op::Gte,
                    value: 1.5,
                }),
            },
            ..objective()
        };
        assert!(bad_target
            .validate()
            .unwrap_err()
            .contains("timeSliceTarget"));
    }

    #[test]
    fn a_composite_weight_is_positive() {
        let weighted = |w: f64| Objective {
            composite_weight: Some(w),
            ..objective()
        };
        assert!(weighted(2.0).validate().is_ok());
        for bad in [0.0, -1.0, f64::INFINITY] {
            assert!(weighted(bad)
                .validate()
                .unwrap_err()
                .contains("compositeWeight"));
        }
    }
}
