//! Scenarios whose outcome follows by hand from the model (minute by minute in the comments),
//! then properties over generated traces and policies.

use super::*;
use crate::domain::autoscale::policy::{Aggregation, Step, StepScaling, TargetTracking};
use chrono::{Duration, TimeZone};

fn t(minute: usize) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap() + Duration::minutes(minute as i64)
}

/// A trace measured on `tasks` tasks, from each minute's CPU percent on them.
fn trace(tasks: f64, cpu: &[f64]) -> Vec<TraceRow> {
    cpu.iter()
        .enumerate()
        .map(|(i, &c)| TraceRow {
            minute: t(i),
            cpu_utilization: c,
            running_tasks: tasks,
        })
        .collect()
}

/// `cpu` for `n` minutes, then the rest.
fn runs(parts: &[(usize, f64)]) -> Vec<f64> {
    parts
        .iter()
        .flat_map(|&(n, c)| std::iter::repeat_n(c, n))
        .collect()
}

fn bounds(min: u32, max: u32) -> Policy {
    Policy {
        min_capacity: min,
        max_capacity: max,
        task_startup_seconds: 60,
        target_tracking: None,
        step_scaling: None,
    }
}

fn target_tracking(mut p: Policy, target: f64, scale_in: u32, scale_out: u32) -> Policy {
    p.target_tracking = Some(TargetTracking {
        target_value: target,
        scale_in_cooldown: scale_in,
        scale_out_cooldown: scale_out,
    });
    p
}

fn stepped(
    mut p: Policy,
    threshold: f64,
    cooldown: u32,
    steps: &[(f64, Option<f64>, i64)],
) -> Policy {
    p.step_scaling = Some(StepScaling {
        threshold,
        cooldown,
        steps: steps.iter().copied().map(Step::from).collect(),
        aggregation: Aggregation::Average,
    });
    p
}

/// The issue's spike policy: +3 for [0, 10) above 70, +5 for [10, 20), +10 for [20, ∞).
fn issue_steps(p: Policy, cooldown: u32) -> Policy {
    stepped(
        p,
        70.0,
        cooldown,
        &[
            (0.0, Some(10.0), 3),
            (10.0, Some(20.0), 5),
            (20.0, None, 10),
        ],
    )
}

fn desired(sim: &Simulation) -> Vec<u32> {
    sim.timeline.iter().map(|r| r.desired).collect()
}

fn serving(sim: &Simulation) -> Vec<u32> {
    sim.timeline.iter().map(|r| r.serving).collect()
}

fn first_action(sim: &Simulation) -> Option<usize> {
    sim.timeline.iter().position(|r| r.action.is_some())
}

fn run(policy: &Policy, rows: &[TraceRow]) -> Simulation {
    assert_eq!(policy.validate(), Ok(()));
    simulate(policy, rows, &SimParams::default())
}

// --- the model ------------------------------------------------------------------------------

#[test]
fn fixed_capacity_never_scales_and_overload_uses_the_uncapped_cpu() {
    // min = max = 5: alarms fire on the 200 % minutes, but nothing can move.
    let p = issue_steps(target_tracking(bounds(5, 5), 60.0, 60, 30), 30);
    let rows = trace(5.0, &[50.0, 50.0, 200.0, 200.0, 200.0, 200.0, 50.0, 50.0]);
    let sim = run(&p, &rows);
    assert_eq!((sim.scale_out_actions, sim.scale_in_actions), (0, 0));
    assert_eq!(serving(&sim), vec![5; 8]);
    assert!(
        sim.timeline[3].step_alarm,
        "the alarm fires; the bounds hold"
    );
    assert_eq!(sim.minutes, 8);
    assert_eq!(sim.task_hours, 40.0 / 60.0);
    assert_eq!(sim.overload_minutes, 4);
    assert_eq!(sim.max_cpu, 200.0);
    assert_eq!(
        sim.spikes,
        vec![Spike {
            start: t(2),
            peak_cpu: 200.0,
            recovery_minutes: 4
        }]
    );
    assert_eq!(
        sim.timeline[3].metric_seen,
        Some(100.0),
        "CloudWatch caps at 100"
    );
    assert_eq!(sim.timeline[3].cpu, 200.0);
}

#[test]
fn serving_starts_at_the_first_rows_tasks_clamped() {
    let rows = trace(3.0, &[50.0, 50.0]);
    assert_eq!(serving(&run(&bounds(5, 10), &rows)), vec![5, 5]);
    let rows = trace(12.4, &[50.0, 50.0]);
    assert_eq!(serving(&run(&bounds(5, 10), &rows)), vec![10, 10]);
    let rows = trace(6.6, &[50.0, 50.0]);
    assert_eq!(serving(&run(&bounds(5, 10), &rows)), vec![7, 7], "rounded");
}

#[test]
fn demand_is_cpu_times_running_tasks() {
    // 50 % of 8 tasks is 4 task-units; on 5 serving tasks that is 80 %.
    let rows = trace(8.0, &[50.0]);
    let sim = run(&bounds(5, 5), &rows);
    assert_eq!(sim.timeline[0].demand, 4.0);
    assert_eq!(sim.timeline[0].cpu, 80.0);
}

// --- step scaling ---------------------------------------------------------------------------

#[test]
fn a_single_step_jump() {
    // Minute 0 runs at 85 % on 5 tasks. Minute 1 sees it: breach 15 is in [10, 20): +5.
    // The 5 new tasks serve from minute 2 (60 s start-up): 4.25 task-units on 10 is 42.5 %.
    let p = issue_steps(bounds(5, 50), 300);
    let sim = run(&p, &trace(5.0, &[85.0; 5]));
    assert_eq!(desired(&sim), vec![5, 10, 10, 10, 10]);
    assert_eq!(serving(&sim), vec![5, 5, 10, 10, 10]);
    assert_eq!(
        sim.timeline[1].action.as_deref(),
        Some("out 5->10 (step: 10)")
    );
    assert_eq!(sim.scale_out_actions, 1);
    assert_eq!(sim.task_hours, 40.0 / 60.0);
    assert_eq!(sim.spikes.len(), 1);
    assert_eq!(sim.spikes[0].recovery_minutes, 2, "minutes 0 and 1");
}

#[test]
fn each_step_adds_its_own_adjustment() {
    for (cpu, want) in [(75.0, 8), (85.0, 10), (95.0, 15), (69.0, 5)] {
        let sim = run(&issue_steps(bounds(5, 50), 300), &trace(5.0, &[cpu; 3]));
        assert_eq!(sim.timeline[1].desired, want, "{cpu} %");
    }
}

#[test]
fn during_a_step_cooldown_only_the_difference_is_added() {
    // Minute 1 sees 75 %: +3 → 8. Minute 2 sees minute 1's 95 % (still on 5 tasks): +10,
    // counted from the 5 before the cooldown: 15, so 7 more, not 10.
    let cpu = [75.0, 95.0, 95.0, 95.0];
    let sim = run(&issue_steps(bounds(5, 50), 300), &trace(5.0, &cpu));
    assert_eq!(&desired(&sim)[..3], &[5, 8, 15]);
    assert_eq!(
        sim.timeline[2].action.as_deref(),
        Some("out 8->15 (step: 15)")
    );
    // Without a cooldown, the second alarm adds its full +10 to 8.
    let sim = run(&issue_steps(bounds(5, 50), 0), &trace(5.0, &cpu));
    assert_eq!(&desired(&sim)[..3], &[5, 8, 18]);
}

#[test]
fn during_a_step_cooldown_the_same_step_adds_nothing() {
    let cpu = [75.0, 75.0, 75.0];
    let sim = run(&issue_steps(bounds(5, 50), 300), &trace(5.0, &cpu));
    assert_eq!(desired(&sim), vec![5, 8, 8]);
    let sim = run(&issue_steps(bounds(5, 50), 30), &trace(5.0, &cpu));
    assert_eq!(
        desired(&sim),
        vec![5, 8, 11],
        "a 30 s cooldown is over by minute 2"
    );
}

#[test]
fn step_aggregation_maximum_reads_the_worst_datapoint() {
    // Two evaluation periods: minute 2 sees minutes 0 and 1 (75 %, 95 %).
    let params = SimParams {
        step_alarm_periods: 2,
        ..SimParams::default()
    };
    let rows = trace(5.0, &[75.0, 95.0, 95.0]);
    let mut p = issue_steps(bounds(5, 50), 300);
    let sim = simulate(&p, &rows, &params);
    assert_eq!(desired(&sim), vec![5, 5, 10], "average 85: +5");
    p.step_scaling.as_mut().unwrap().aggregation = Aggregation::Maximum;
    let sim = simulate(&p, &rows, &params);
    assert_eq!(desired(&sim), vec![5, 5, 15], "maximum 95: +10");
}

// --- target tracking ------------------------------------------------------------------------

#[test]
fn target_tracking_scales_out_after_3_of_3_datapoints_above_target() {
    // Minute 2's 40 % breaks the run; minutes 3, 4, 5 are seen at minutes 4, 5, 6.
    let cpu = [60.0, 60.0, 40.0, 60.0, 60.0, 60.0, 60.0, 60.0];
    let sim = run(
        &target_tracking(bounds(1, 100), 50.0, 0, 0),
        &trace(10.0, &cpu),
    );
    assert_eq!(first_action(&sim), Some(6));
    assert!(!sim.timeline[5].tt_alarm_high && sim.timeline[6].tt_alarm_high);
    assert_eq!(sim.timeline[6].desired, 12, "⌈10 × 60 / 50⌉");
}

#[test]
fn target_tracking_scales_in_after_15_of_15_datapoints_below_90_percent() {
    // 44 % < 45 % (90 % of 50) from minute 0: minute 15 sees the 15th such datapoint.
    let sim = run(
        &target_tracking(bounds(1, 100), 50.0, 0, 0),
        &trace(10.0, &[44.0; 20]),
    );
    assert_eq!(first_action(&sim), Some(15));
    assert_eq!(sim.timeline[15].desired, 9, "⌈10 × 44 / 50⌉ = ⌈8.8⌉");
    assert_eq!(sim.scale_in_actions, 1);
}

#[test]
fn target_tracking_does_not_scale_in_at_exactly_90_percent() {
    let sim = run(
        &target_tracking(bounds(1, 100), 50.0, 0, 0),
        &trace(10.0, &[45.0; 30]),
    );
    assert_eq!(sim.timeline[20].metric_seen, Some(45.0));
    assert!(sim.timeline.iter().all(|r| !r.tt_alarm_low));
    assert_eq!(sim.scale_in_actions, 0);
}

#[test]
fn a_larger_scale_out_goes_through_during_a_scale_out_cooldown() {
    // Minute 3 sees 60, 60, 60: 10 → 12. Minute 4 sees minute 3's 80 % (still on 10 tasks);
    // inside the 600 s cooldown it counts from 10: ⌈10 × 80 / 50⌉ = 16 > 12, so it goes on.
    let cpu = [60.0, 60.0, 60.0, 80.0, 80.0];
    let sim = run(
        &target_tracking(bounds(1, 100), 50.0, 0, 600),
        &trace(10.0, &cpu),
    );
    assert_eq!(&desired(&sim)[..5], &[10, 10, 10, 12, 16]);
}

#[test]
fn a_scale_out_cooldown_blocks_an_equal_scale_out() {
    // Minute 4 sees minute 3's 60 % on the old 10 tasks: from 10 that asks 12 again: nothing.
    let cpu = [60.0; 6];
    let sim = run(
        &target_tracking(bounds(1, 100), 50.0, 0, 600),
        &trace(10.0, &cpu),
    );
    assert_eq!(desired(&sim), vec![10, 10, 10, 12, 12, 12]);
    // Without the cooldown minute 4 asks ⌈12 × 60 / 50⌉ = 15: the stale metric compounds.
    let sim = run(
        &target_tracking(bounds(1, 100), 50.0, 0, 0),
        &trace(10.0, &cpu),
    );
    assert_eq!(desired(&sim)[4], 15);
}

#[test]
fn scale_in_is_blocked_inside_the_scale_in_cooldown() {
    // 20 % on 10 tasks for 15 minutes: minute 15 scales in to ⌈10 × 20 / 50⌉ = 4. Demand then
    // drops to 0.4 task-units (10 % on 4): the low alarm stays, but the 300 s cooldown holds
    // until minute 20, which asks ⌈4 × 10 / 50⌉ = 1.
    let cpu = runs(&[(15, 20.0), (10, 4.0)]);
    let sim = run(
        &target_tracking(bounds(1, 20), 50.0, 300, 0),
        &trace(10.0, &cpu),
    );
    let d = desired(&sim);
    assert_eq!(d[14], 10);
    assert_eq!(&d[15..21], &[4, 4, 4, 4, 4, 1]);
    assert!(sim.timeline[16..20].iter().all(|r| r.tt_alarm_low));
    assert_eq!(sim.scale_in_actions, 2);
}

#[test]
fn a_scale_out_interrupts_the_scale_in_cooldown() {
    // Minute 15 scales in 10 → 4 and starts a 3600 s scale-in cooldown. Minute 20 runs at
    // 100 %; minute 21 sees it and the step policy adds 1 (→ 5), ending that cooldown. From
    // minute 21 the low datapoints (24–30 %) run again: the 15th is seen at minute 36, which
    // scales in ⌈5 × 24 / 50⌉ = 3 — long before minute 75, when the cooldown would have ended.
    let p = stepped(
        target_tracking(bounds(1, 20), 50.0, 3600, 0),
        70.0,
        0,
        &[(0.0, None, 1)],
    );
    let cpu = runs(&[(15, 20.0), (5, 12.0), (1, 40.0), (20, 12.0)]);
    let sim = run(&p, &trace(10.0, &cpu));
    let d = desired(&sim);
    assert_eq!(d[15], 4);
    assert_eq!(d[21], 5);
    assert_eq!(
        sim.timeline[21].action.as_deref(),
        Some("out 4->5 (step: 5)")
    );
    assert_eq!((d[35], d[36]), (5, 3));
}

#[test]
fn the_largest_request_wins_across_policies() {
    // With a 1-datapoint high alarm both policies see minute 0 at minute 1.
    let params = SimParams {
        tt_high_datapoints: 1,
        ..SimParams::default()
    };
    let p = issue_steps(target_tracking(bounds(1, 100), 50.0, 0, 0), 0);
    let sim = simulate(&p, &trace(10.0, &[80.0, 80.0]), &params);
    assert_eq!(
        sim.timeline[1].action.as_deref(),
        Some("out 10->16 (target_tracking: 16, step: 15)")
    );
    let sim = simulate(&p, &trace(10.0, &[95.0, 95.0]), &params);
    assert_eq!(
        sim.timeline[1].action.as_deref(),
        Some("out 10->20 (target_tracking: 19, step: 20)")
    );
}

// --- bounds, delays, ceiling ----------------------------------------------------------------

#[test]
fn capacity_is_clamped_to_max() {
    let sim = run(
        &target_tracking(bounds(1, 12), 50.0, 0, 0),
        &trace(10.0, &[80.0; 10]),
    );
    assert_eq!(sim.timeline[3].desired, 12, "⌈10 × 80 / 50⌉ = 16, max 12");
    assert!(sim.timeline.iter().all(|r| r.desired <= 12));
    let sim = run(&issue_steps(bounds(5, 12), 0), &trace(5.0, &[95.0; 3]));
    assert_eq!(sim.timeline[1].desired, 12, "5 + 10, max 12");
}

#[test]
fn capacity_is_clamped_to_min() {
    let sim = run(
        &target_tracking(bounds(3, 20), 50.0, 0, 0),
        &trace(10.0, &[5.0; 20]),
    );
    assert_eq!(sim.timeline[15].desired, 3, "⌈10 × 5 / 50⌉ = 1, min 3");
    assert!(sim
        .timeline
        .iter()
        .all(|r| r.desired >= 3 && r.serving >= 3));
}

#[test]
fn new_tasks_serve_after_the_start_up_time() {
    // The step policy adds 3 at minute 1; they serve from the first whole minute after it.
    for (startup, from) in [(0, 1), (30, 2), (60, 2), (61, 3), (180, 4)] {
        let mut p = issue_steps(bounds(5, 50), 600);
        p.task_startup_seconds = startup;
        let sim = run(&p, &trace(5.0, &[75.0; 6]));
        let s = serving(&sim);
        assert_eq!(s[from - 1], 5, "{startup} s");
        assert_eq!(s[from], 8, "{startup} s");
        assert_eq!(sim.timeline[1].desired, 8, "{startup} s");
    }
}

#[test]
fn alarms_see_the_metric_after_its_delay() {
    // Minute 0's datapoint is over at the start of minute 1: no delay is shorter than that.
    for (delay, seen_at) in [(0, 1), (60, 1), (61, 2), (120, 2), (180, 3)] {
        let params = SimParams {
            metric_delay_seconds: delay,
            ..SimParams::default()
        };
        let sim = simulate(
            &issue_steps(bounds(5, 50), 600),
            &trace(5.0, &[75.0; 5]),
            &params,
        );
        assert_eq!(first_action(&sim), Some(seen_at), "{delay} s");
        assert_eq!(sim.timeline[seen_at - 1].metric_seen, None, "{delay} s");
        assert_eq!(sim.timeline[seen_at].metric_seen, Some(75.0));
    }
}

#[test]
fn alarms_see_the_cpu_capped_at_the_ceiling() {
    // 200 % on 5 tasks: CloudWatch reports 100, so target tracking asks ⌈5 × 100 / 50⌉ = 10,
    // not the 20 the demand needs; with a 300 % ceiling (EC2 bursting) it asks 20.
    let p = target_tracking(bounds(1, 100), 50.0, 0, 600);
    let rows = trace(5.0, &[200.0; 4]);
    let sim = run(&p, &rows);
    assert_eq!(sim.timeline[3].desired, 10);
    assert_eq!(sim.timeline[1].metric_seen, Some(100.0));
    assert_eq!(sim.max_cpu, 200.0, "overload figures use the uncapped CPU");
    let params = SimParams {
        cpu_ceiling: 300.0,
        ..SimParams::default()
    };
    let sim = simulate(&p, &rows, &params);
    assert_eq!(sim.timeline[3].desired, 20);
}

// --- figures --------------------------------------------------------------------------------

#[test]
fn a_spike_is_a_maximal_run_of_overloaded_minutes() {
    let cpu = [50.0, 90.0, 95.0, 85.0, 50.0, 80.0, 70.0, 100.0];
    let sim = run(&bounds(4, 4), &trace(4.0, &cpu));
    assert_eq!(sim.overload_minutes, 5);
    assert_eq!(
        sim.spikes,
        vec![
            Spike {
                start: t(1),
                peak_cpu: 95.0,
                recovery_minutes: 3
            },
            Spike {
                start: t(5),
                peak_cpu: 80.0,
                recovery_minutes: 1
            },
            Spike {
                start: t(7),
                peak_cpu: 100.0,
                recovery_minutes: 1
            },
        ],
        "80 % counts (≥); a spike still running at the end counts so far"
    );
}

#[test]
fn the_overload_threshold_is_a_parameter() {
    let params = SimParams {
        overload_threshold: 95.0,
        ..SimParams::default()
    };
    let sim = simulate(
        &bounds(4, 4),
        &trace(4.0, &[90.0, 95.0, 100.0, 50.0]),
        &params,
    );
    assert_eq!(sim.overload_minutes, 2);
    assert_eq!(sim.overload_threshold, 95.0);
    assert_eq!(sim.spikes.len(), 1);
}

#[test]
fn task_hours_sum_serving_tasks_by_the_minute() {
    let sim = run(&bounds(6, 6), &trace(6.0, &[50.0; 90]));
    assert_eq!(sim.task_hours, 9.0);
}

#[test]
fn an_empty_trace_simulates_nothing() {
    let sim = run(&bounds(1, 2), &[]);
    assert_eq!(
        sim,
        Simulation {
            overload_threshold: 80.0,
            ..Simulation::default()
        }
    );
}

#[test]
fn the_report_serializes_as_the_contracts_document() {
    let sim = run(&issue_steps(bounds(5, 50), 300), &trace(5.0, &[85.0; 5]));
    let report = SimulationReport::new(t(60), sim);
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(
        json,
        concat!(
            r#"{"kind":"autoscale_simulation","generated_at":"2026-03-02T01:00:00Z","minutes":5,"#,
            r#""task_hours":0.6666666666666666,"overload_minutes":2,"overload_threshold":80.0,"#,
            r#""max_cpu":85.0,"scale_out_actions":1,"scale_in_actions":0,"#,
            r#""spikes":[{"start":"2026-03-02T00:00:00Z","peak_cpu":85.0,"recovery_minutes":2}]}"#
        ),
        "the timeline stays out of the JSON"
    );
}

#[test]
fn a_timeline_row_serializes_for_the_csv() {
    let sim = run(&issue_steps(bounds(5, 50), 300), &trace(5.0, &[85.0; 2]));
    let row = serde_json::to_value(&sim.timeline[1]).unwrap();
    assert_eq!(row["minute"], "2026-03-02T00:01:00Z");
    assert_eq!(row["metric_seen"], 85.0);
    assert_eq!(row["action"], "out 5->10 (step: 10)");
    assert_eq!(
        serde_json::to_value(&sim.timeline[0]).unwrap()["metric_seen"],
        serde_json::Value::Null
    );
}

#[test]
fn params_are_validated_naming_the_field() {
    assert_eq!(SimParams::default().validate(), Ok(()));
    let bad = SimParams {
        cpu_ceiling: 0.0,
        ..SimParams::default()
    };
    assert!(bad.validate().unwrap_err().starts_with("cpu_ceiling:"));
    let bad = SimParams {
        tt_low_datapoints: 0,
        ..SimParams::default()
    };
    assert_eq!(
        bad.validate(),
        Err("tt_low_datapoints: must be at least 1".into())
    );
    let bad = SimParams {
        tt_low_ratio: 1.5,
        ..SimParams::default()
    };
    assert!(bad.validate().unwrap_err().starts_with("tt_low_ratio:"));
}

// --- properties over generated traces -------------------------------------------------------

/// SplitMix64: a tiny deterministic generator, enough to vary traces and policies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [lo, hi).
    fn float(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (self.next() >> 11) as f64 / (1u64 << 53) as f64 * (hi - lo)
    }

    /// Uniform in [lo, hi].
    fn int(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.next() as usize % items.len()]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.float(0.0, 1.0) < p
    }
}

/// A random walk of demand with a daily-ish swell, quiet stretches and sudden spikes, measured
/// on a task count that drifts.
fn generated_trace(rng: &mut Rng) -> Vec<TraceRow> {
    let n = rng.int(30, 400) as usize;
    let mut demand = rng.float(0.5, 20.0);
    let mut tasks = rng.int(1, 30) as f64;
    let mut spike_left = 0;
    (0..n)
        .map(|i| {
            demand = (demand * rng.float(0.9, 1.1)).clamp(0.0, 60.0);
            if rng.chance(0.02) {
                spike_left = rng.int(1, 12);
            }
            let factor = if spike_left > 0 {
                spike_left -= 1;
                3.0
            } else if rng.chance(0.01) {
                0.0
            } else {
                1.0
            };
            if rng.chance(0.05) {
                tasks = rng.int(1, 30) as f64;
            }
            TraceRow {
                minute: t(i),
                cpu_utilization: 100.0 * demand * factor / tasks,
                running_tasks: tasks,
            }
        })
        .collect()
}

fn generated_policy(rng: &mut Rng) -> Policy {
    let cooldowns = [0, 30, 60, 90, 120, 300, 600];
    let min = rng.int(1, 10) as u32;
    let mut p = Policy {
        min_capacity: min,
        max_capacity: min + rng.int(0, 40) as u32,
        task_startup_seconds: rng.pick(&[0, 30, 60, 90, 180]),
        target_tracking: None,
        step_scaling: None,
    };
    if rng.chance(0.8) {
        p.target_tracking = Some(TargetTracking {
            target_value: rng.float(20.0, 90.0),
            scale_in_cooldown: rng.pick(&cooldowns),
            scale_out_cooldown: rng.pick(&cooldowns),
        });
    }
    if rng.chance(0.6) {
        let mut steps = Vec::new();
        let mut lower = 0.0;
        for _ in 0..rng.int(0, 3) {
            let upper = lower + rng.int(5, 20) as f64;
            steps.push(Step {
                lower,
                upper: Some(upper),
                adjustment: rng.int(0, 10) as i64,
            });
            lower = upper;
        }
        steps.push(Step {
            lower,
            upper: None,
            adjustment: rng.int(1, 15) as i64,
        });
        p.step_scaling = Some(StepScaling {
            threshold: rng.float(40.0, 95.0),
            cooldown: rng.pick(&cooldowns),
            steps,
            aggregation: rng.pick(&[
                Aggregation::Average,
                Aggregation::Minimum,
                Aggregation::Maximum,
            ]),
        });
    }
    assert_eq!(p.validate(), Ok(()), "{p:?}");
    p
}

fn generated_params(rng: &mut Rng) -> SimParams {
    let params = SimParams {
        cpu_ceiling: rng.pick(&[100.0, 150.0, 1000.0]),
        metric_delay_seconds: rng.pick(&[0, 60, 90, 120, 300]),
        overload_threshold: rng.pick(&[70.0, 80.0, 95.0]),
        tt_high_datapoints: rng.pick(&[1, 3]),
        tt_low_datapoints: rng.pick(&[5, 15]),
        tt_low_ratio: rng.pick(&[0.8, 0.9, 1.0]),
        step_alarm_periods: rng.pick(&[1, 2, 3]),
    };
    assert_eq!(params.validate(), Ok(()));
    params
}

/// Every generated case, with a seed so a failure can be replayed.
fn cases(n: u64) -> impl Iterator<Item = (u64, Policy, Vec<TraceRow>, SimParams)> {
    (0..n).map(|seed| {
        let mut rng = Rng(seed);
        let policy = generated_policy(&mut rng);
        let rows = generated_trace(&mut rng);
        let params = generated_params(&mut rng);
        (seed, policy, rows, params)
    })
}

#[test]
fn property_capacity_stays_within_min_and_max() {
    for (seed, p, rows, params) in cases(300) {
        let sim = simulate(&p, &rows, &params);
        for (i, r) in sim.timeline.iter().enumerate() {
            assert!(
                p.min_capacity <= r.serving
                    && r.serving <= r.desired
                    && r.desired <= p.max_capacity,
                "seed {seed}, minute {i}: serving {} desired {} outside [{}, {}]",
                r.serving,
                r.desired,
                p.min_capacity,
                p.max_capacity
            );
        }
    }
}

#[test]
fn property_no_scale_in_inside_a_scale_in_cooldown() {
    let mut scale_ins = 0;
    for (seed, p, rows, params) in cases(300) {
        let Some(tt) = &p.target_tracking else {
            continue;
        };
        let sim = simulate(&p, &rows, &params);
        let mut last_in: Option<usize> = None;
        let mut before = sim.timeline.first().map_or(0, |r| r.desired);
        for (i, r) in sim.timeline.iter().enumerate() {
            if r.desired < before {
                scale_ins += 1;
                if let Some(a) = last_in {
                    assert!(
                        (i - a) as u64 * 60 >= u64::from(tt.scale_in_cooldown),
                        "seed {seed}: scale-in at minute {i}, {} s after the one at {a}",
                        (i - a) * 60
                    );
                }
                last_in = Some(i);
            } else if r.desired > before {
                last_in = None; // a scale-out ends the scale-in cooldown
            }
            before = r.desired;
        }
    }
    assert!(
        scale_ins > 50,
        "the generator exercises scale-in ({scale_ins})"
    );
}

#[test]
fn property_demand_is_conserved() {
    for (seed, p, rows, params) in cases(300) {
        let sim = simulate(&p, &rows, &params);
        let traced: f64 = rows
            .iter()
            .map(|r| r.cpu_utilization / 100.0 * r.running_tasks)
            .sum();
        let demand: f64 = sim.timeline.iter().map(|r| r.demand).sum();
        let served: f64 = sim
            .timeline
            .iter()
            .map(|r| r.cpu / 100.0 * f64::from(r.serving))
            .sum();
        let tolerance = 1e-9 * traced.max(1.0);
        assert!((demand - traced).abs() <= tolerance, "seed {seed}");
        assert!(
            (served - demand).abs() <= tolerance,
            "seed {seed}: served {served} vs demand {demand}"
        );
    }
}

#[test]
fn property_figures_agree_with_the_timeline() {
    for (seed, p, rows, params) in cases(200) {
        let sim = simulate(&p, &rows, &params);
        let tl = &sim.timeline;
        assert_eq!(sim.minutes, tl.len(), "seed {seed}");
        let serving: u64 = tl.iter().map(|r| u64::from(r.serving)).sum();
        assert_eq!(sim.task_hours, serving as f64 / 60.0, "seed {seed}");
        let overloaded = tl
            .iter()
            .filter(|r| r.cpu >= params.overload_threshold)
            .count();
        assert_eq!(sim.overload_minutes, overloaded, "seed {seed}");
        let in_spikes: usize = sim.spikes.iter().map(|s| s.recovery_minutes).sum();
        assert_eq!(in_spikes, overloaded, "seed {seed}");
        let actions = tl.iter().filter(|r| r.action.is_some()).count();
        assert_eq!(
            sim.scale_out_actions + sim.scale_in_actions,
            actions,
            "seed {seed}"
        );
        let max = tl.iter().map(|r| r.cpu).fold(0.0, f64::max);
        assert_eq!(sim.max_cpu, max, "seed {seed}");
        assert!(
            tl.iter()
                .all(|r| r.metric_seen.is_none_or(|m| m <= params.cpu_ceiling)),
            "seed {seed}: the alarms never see more than the ceiling"
        );
    }
}

#[test]
fn property_the_simulation_is_deterministic_and_figures_match() {
    for (seed, p, rows, params) in cases(100) {
        let a = simulate(&p, &rows, &params);
        let b = simulate(&p, &rows, &params);
        assert_eq!(a, b, "seed {seed}");
        let figures = simulate_figures(&p, &rows, &params);
        assert!(figures.timeline.is_empty());
        assert_eq!(
            Simulation {
                timeline: Vec::new(),
                ..a
            },
            figures,
            "seed {seed}"
        );
    }
}
