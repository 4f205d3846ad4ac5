//! `tune`: candidate policies around the current one, and the choice among their simulations.
//!
//! The search is a fixed grid (deterministic for a given policy), evaluated one candidate at a
//! time by [`evaluate`] — pure, sharing nothing, so callers may run candidates in parallel and
//! in any order. [`choose`] then picks the cheapest candidate whose overload and worst spike
//! recovery stay within [`Limits`] (by default the current policy's own figures).

use serde::Serialize;

use super::policy::{Policy, Step, StepScaling, TargetTracking};
use super::simulator::{simulate_figures, SimParams, Simulation};
use super::trace::TraceRow;

/// Target values tried, CPU percent.
const TARGET_VALUES: [f64; 8] = [40.0, 45.0, 50.0, 55.0, 60.0, 65.0, 70.0, 75.0];
/// Target tracking scale-in cooldowns tried, seconds.
const SCALE_IN_COOLDOWNS: [u32; 3] = [60, 120, 300];
/// Target tracking scale-out cooldowns tried, seconds.
const SCALE_OUT_COOLDOWNS: [u32; 3] = [30, 60, 120];
/// Step alarm thresholds tried, CPU percent.
const STEP_THRESHOLDS: [f64; 6] = [60.0, 65.0, 70.0, 75.0, 80.0, 85.0];
/// Factors on the step adjustments tried.
const STEP_SCALES: [f64; 4] = [0.5, 1.0, 1.5, 2.0];
/// Step cooldowns tried, seconds.
const STEP_COOLDOWNS: [u32; 3] = [30, 60, 120];
/// Factors on the current min capacity tried.
const MIN_CAPACITY_SCALES: [f64; 3] = [0.6, 0.8, 1.0];

/// The spike steps, for a current policy without step scaling: +3 for [0, 10) above
/// the threshold, +5 for [10, 20), +10 beyond.
const DEFAULT_STEPS: [(f64, Option<f64>, i64); 3] = [
    (0.0, Some(10.0), 3),
    (10.0, Some(20.0), 5),
    (20.0, None, 10),
];

/// What a candidate may not exceed to be chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Limits {
    pub max_overload_minutes: usize,
    pub max_recovery_minutes: usize,
}

/// A candidate and its figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scored {
    pub policy: Policy,
    pub figures: Simulation,
    pub worst_recovery_minutes: usize,
}

/// The outcome of a search: the current policy (candidate 0), the best one within the limits,
/// and the cost/overload Pareto front (task-hours ascending, overload descending).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Tuning {
    pub evaluated: usize,
    pub limits: Limits,
    pub current: Scored,
    pub best: Scored,
    pub pareto: Vec<Scored>,
}

/// The longest spike recovery, in minutes (0 without spikes).
pub fn worst_recovery(figures: &Simulation) -> usize {
    figures
        .spikes
        .iter()
        .map(|s| s.recovery_minutes)
        .max()
        .unwrap_or(0)
}

/// One candidate's figures: the unit of work a parallel search distributes.
pub fn evaluate(policy: &Policy, trace: &[TraceRow], params: &SimParams) -> Scored {
    let figures = simulate_figures(policy, trace, params);
    Scored {
        worst_recovery_minutes: worst_recovery(&figures),
        policy: policy.clone(),
        figures,
    }
}

/// The current policy first, then the grid around it: min capacity, target tracking's target
/// and cooldowns (when the current policy tracks a target), and either no step policy or one
/// of the thresholds × adjustment scales × cooldowns (the current steps, or the issue's, as the
/// template). `max_capacity` and the start-up time are the service's and stay. Every candidate
/// is valid; none repeats the current policy.
pub fn candidates(current: &Policy) -> Vec<Policy> {
    let mut out = vec![current.clone()];
    let mins = distinct_u32(MIN_CAPACITY_SCALES.iter().map(|f| {
        ((f64::from(current.min_capacity) * f).round() as u32).clamp(1, current.max_capacity)
    }));
    let trackings: Vec<Option<TargetTracking>> = match &current.target_tracking {
        None => vec![None],
        Some(tt) => {
            let mut all = Vec::new();
            for &target_value in &with_current_f64(&TARGET_VALUES, tt.target_value) {
                for &scale_in_cooldown in
                    &with_current_u32(&SCALE_IN_COOLDOWNS, tt.scale_in_cooldown)
                {
                    for &scale_out_cooldown in
                        &with_current_u32(&SCALE_OUT_COOLDOWNS, tt.scale_out_cooldown)
                    {
                        all.push(Some(TargetTracking {
                            target_value,
                            scale_in_cooldown,
                            scale_out_cooldown,
                        }));
                    }
                }
            }
            all
        }
    };
    let template: Vec<Step> = match &current.step_scaling {
        Some(s) => s.steps.clone(),
        None => DEFAULT_STEPS.iter().copied().map(Step::from).collect(),
    };
    let aggregation = current
        .step_scaling
        .as_ref()
        .map(|s| s.aggregation)
        .unwrap_or_default();
    let mut steppings: Vec<Option<StepScaling>> = vec![None];
    let thresholds = match &current.step_scaling {
        Some(s) => with_current_f64(&STEP_THRESHOLDS, s.threshold),
        None => STEP_THRESHOLDS.to_vec(),
    };
    let cooldowns = match &current.step_scaling {
        Some(s) => with_current_u32(&STEP_COOLDOWNS, s.cooldown),
        None => STEP_COOLDOWNS.to_vec(),
    };
    let mut scaled_sets: Vec<Vec<Step>> = Vec::new();
    for factor in STEP_SCALES {
        let steps: Vec<Step> = template
            .iter()
            .map(|s| Step {
                adjustment: ((s.adjustment as f64 * factor).round() as i64).max(1),
                ..*s
            })
            .collect();
        if !scaled_sets.contains(&steps) {
            scaled_sets.push(steps);
        }
    }
    for &threshold in &thresholds {
        for steps in &scaled_sets {
            for &cooldown in &cooldowns {
                steppings.push(Some(StepScaling {
                    threshold,
                    cooldown,
                    steps: steps.clone(),
                    aggregation,
                }));
            }
        }
    }
    for &min_capacity in &mins {
        for tt in &trackings {
            for step in &steppings {
                let candidate = Policy {
                    min_capacity,
                    max_capacity: current.max_capacity,
                    task_startup_seconds: current.task_startup_seconds,
                    target_tracking: tt.clone(),
                    step_scaling: step.clone(),
                };
                if candidate != *current && candidate.validate().is_ok() {
                    out.push(candidate);
                }
            }
        }
    }
    out
}

/// The search's outcome from every candidate's figures, `evaluated[0]` being the current
/// policy. The best is the fewest task-hours within `limits` (ties: less overload, then shorter
/// worst recovery, then the earlier candidate); the current policy when nothing else fits.
/// `None` without candidates.
pub fn choose(evaluated: &[(Policy, Simulation)], limits: Limits) -> Option<Tuning> {
    let scored: Vec<Scored> = evaluated
        .iter()
        .map(|(policy, figures)| Scored {
            policy: policy.clone(),
            worst_recovery_minutes: worst_recovery(figures),
            figures: figures.clone(),
        })
        .collect();
    let current = scored.first()?.clone();
    let fits = |s: &Scored| {
        s.figures.overload_minutes <= limits.max_overload_minutes
            && s.worst_recovery_minutes <= limits.max_recovery_minutes
    };
    let mut order: Vec<usize> = (0..scored.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&scored[a], &scored[b]);
        x.figures
            .task_hours
            .total_cmp(&y.figures.task_hours)
            .then(x.figures.overload_minutes.cmp(&y.figures.overload_minutes))
            .then(x.worst_recovery_minutes.cmp(&y.worst_recovery_minutes))
            .then(a.cmp(&b))
    });
    let best = order
        .iter()
        .map(|&i| &scored[i])
        .find(|s| fits(s))
        .unwrap_or(&current)
        .clone();
    let mut pareto = Vec::new();
    let mut least_overload = usize::MAX;
    for &i in &order {
        if scored[i].figures.overload_minutes < least_overload {
            least_overload = scored[i].figures.overload_minutes;
            pareto.push(scored[i].clone());
        }
    }
    Some(Tuning {
        evaluated: scored.len(),
        limits,
        current,
        best,
        pareto,
    })
}

fn with_current_f64(grid: &[f64], current: f64) -> Vec<f64> {
    let mut all = grid.to_vec();
    if !all.contains(&current) {
        all.push(current);
    }
    all.sort_by(f64::total_cmp);
    all
}

fn with_current_u32(grid: &[u32], current: u32) -> Vec<u32> {
    distinct_u32(grid.iter().copied().chain([current]))
}

fn distinct_u32(values: impl IntoIterator<Item = u32>) -> Vec<u32> {
    let mut all: Vec<u32> = values.into_iter().collect();
    all.sort_unstable();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::autoscale::simulator::Spike;
    use chrono::{TimeZone, Utc};

    fn contract_policy() -> Policy {
        Policy {
            min_capacity: 5,
            max_capacity: 50,
            task_startup_seconds: 60,
            target_tracking: Some(TargetTracking {
                target_value: 60.0,
                scale_in_cooldown: 60,
                scale_out_cooldown: 30,
            }),
            step_scaling: Some(StepScaling {
                threshold: 70.0,
                cooldown: 30,
                steps: DEFAULT_STEPS
                    .iter()
                    .map(|&(lower, upper, adjustment)| Step {
                        lower,
                        upper,
                        adjustment,
                    })
                    .collect(),
                aggregation: Default::default(),
            }),
        }
    }

    fn figures(task_hours: f64, overload_minutes: usize, recovery: &[usize]) -> Simulation {
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
        Simulation {
            task_hours,
            overload_minutes,
            spikes: recovery
                .iter()
                .map(|&r| Spike {
                    start,
                    peak_cpu: 90.0,
                    recovery_minutes: r,
                })
                .collect(),
            ..Simulation::default()
        }
    }

    fn policy_with_min(min: u32) -> Policy {
        Policy {
            min_capacity: min,
            ..contract_policy()
        }
    }

    #[test]
    fn candidates_start_with_the_current_policy_and_are_valid_and_distinct() {
        let current = contract_policy();
        let all = candidates(&current);
        assert_eq!(all[0], current);
        assert!(all.len() >= 10_000, "{} candidates", all.len());
        assert!(all.iter().all(|p| p.validate().is_ok()));
        assert!(all[1..].iter().all(|p| *p != current));
        for (i, p) in all.iter().enumerate().step_by(997) {
            assert_eq!(
                all.iter().filter(|q| *q == p).count(),
                1,
                "candidate {i} repeats"
            );
        }
    }

    #[test]
    fn candidates_without_target_tracking_keep_it_off() {
        let current = Policy {
            target_tracking: None,
            step_scaling: None,
            ..contract_policy()
        };
        let all = candidates(&current);
        assert!(all.iter().all(|p| p.target_tracking.is_none()));
        assert!(
            all.iter().any(|p| p.step_scaling.is_some()),
            "tries adding steps"
        );
    }

    #[test]
    fn worst_recovery_is_the_longest_spike() {
        assert_eq!(worst_recovery(&figures(1.0, 0, &[])), 0);
        assert_eq!(worst_recovery(&figures(1.0, 9, &[2, 5, 2])), 5);
    }

    #[test]
    fn the_best_is_the_cheapest_within_the_limits() {
        let evaluated = vec![
            (policy_with_min(5), figures(100.0, 10, &[4])),
            (policy_with_min(4), figures(80.0, 12, &[4])), // too much overload
            (policy_with_min(3), figures(85.0, 10, &[6])), // recovers too slowly
            (policy_with_min(2), figures(90.0, 8, &[3])),
            (policy_with_min(1), figures(95.0, 2, &[1])),
        ];
        let limits = Limits {
            max_overload_minutes: 10,
            max_recovery_minutes: 4,
        };
        let t = choose(&evaluated, limits).unwrap();
        assert_eq!(t.evaluated, 5);
        assert_eq!(t.current.policy.min_capacity, 5);
        assert_eq!(t.best.policy.min_capacity, 2);
        let front: Vec<u32> = t.pareto.iter().map(|s| s.policy.min_capacity).collect();
        assert_eq!(front, vec![4, 3, 2, 1], "cost up, overload down");
    }

    #[test]
    fn without_a_fitting_candidate_the_best_is_the_current_policy() {
        let evaluated = vec![
            (policy_with_min(5), figures(100.0, 10, &[4])),
            (policy_with_min(4), figures(80.0, 12, &[4])),
        ];
        let limits = Limits {
            max_overload_minutes: 0,
            max_recovery_minutes: 0,
        };
        let t = choose(&evaluated, limits).unwrap();
        assert_eq!(t.best, t.current);
        assert!(choose(&[], limits).is_none());
    }

    #[test]
    fn ties_go_to_the_earlier_candidate() {
        let evaluated = vec![
            (policy_with_min(5), figures(100.0, 10, &[4])),
            (policy_with_min(4), figures(90.0, 10, &[4])),
            (policy_with_min(3), figures(90.0, 10, &[4])),
        ];
        let limits = Limits {
            max_overload_minutes: 10,
            max_recovery_minutes: 4,
        };
        assert_eq!(
            choose(&evaluated, limits).unwrap().best.policy.min_capacity,
            4
        );
    }
}
