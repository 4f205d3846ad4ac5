//! Replays a trace's demand under a policy, one minute at a time, and sums up what it cost and
//! how often the service ran hot: the contract's `autoscale_simulation` figures.
//!
//! The model (the contract's, made exact in time):
//! - Minute `j` of the trace has demand `cpu_utilization / 100 × running_tasks` task-units; its
//!   simulated CPU is `100 × demand / serving` (above 100 when demand exceeds capacity).
//! - Serving tasks start at the first row's running tasks, rounded and clamped to
//!   `[min_capacity, max_capacity]`; the desired count starts equal to it.
//! - CloudWatch's datapoint for minute `j` is that CPU capped at `cpu_ceiling`. Alarms evaluate
//!   at the start of each minute and see the datapoints whose delay has passed (see
//!   [`SimParams::metric_lag_minutes`]); policies act at that instant.
//! - A scale-out's tasks serve from the first whole minute after `task_startup_seconds`; a
//!   scale-in drops tasks still starting first, then serving ones at once.
//! - Overload, spikes and `max_cpu` use the uncapped CPU; `task_hours` counts serving tasks.
//!
//! The rules themselves live in [`super::target_tracking`], [`super::step_scaling`],
//! [`super::cooldown`], [`super::alarm`] and [`super::capacity`]; this module only sequences them.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::alarm::BreachRun;
use super::capacity;
use super::cooldown::{self, ScaleOutCooldown, MINUTE_SECONDS};
use super::policy::Policy;
use super::step_scaling;
use super::target_tracking;
use super::trace::TraceRow;
use crate::domain::rfc3339;

/// `--cpu-ceiling`: Fargate tasks cannot use more CPU than they reserve, so CloudWatch reports
/// at most 100 % however far demand exceeds capacity.
pub const DEFAULT_CPU_CEILING: f64 = 100.0;
/// `--metric-delay`, seconds.
pub const DEFAULT_METRIC_DELAY_SECONDS: u32 = 60;
/// `--overload`, CPU percent.
pub const DEFAULT_OVERLOAD_THRESHOLD: f64 = 80.0;
/// The contract's step alarm: 1 × 60 s.
pub const DEFAULT_STEP_ALARM_PERIODS: usize = 1;

/// What the simulation assumes beyond the policy; AWS documents none of these numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct SimParams {
    /// The most CPU percent CloudWatch reports (the alarms' view); overload uses the uncapped.
    pub cpu_ceiling: f64,
    /// Seconds from a datapoint's timestamp (the start of its minute) until alarms see it.
    pub metric_delay_seconds: u32,
    /// A minute is overloaded when its simulated CPU is at least this.
    pub overload_threshold: f64,
    /// Target tracking `AlarmHigh`: datapoints above target, out of as many.
    pub tt_high_datapoints: usize,
    /// Target tracking `AlarmLow`: datapoints below `tt_low_ratio` × target, out of as many.
    pub tt_low_datapoints: usize,
    pub tt_low_ratio: f64,
    /// The step alarm's evaluation periods (all must breach); its datapoints are what
    /// `aggregation` reduces.
    pub step_alarm_periods: usize,
}

impl Default for SimParams {
    fn default() -> Self {
        SimParams {
            cpu_ceiling: DEFAULT_CPU_CEILING,
            metric_delay_seconds: DEFAULT_METRIC_DELAY_SECONDS,
            overload_threshold: DEFAULT_OVERLOAD_THRESHOLD,
            tt_high_datapoints: target_tracking::HIGH_ALARM_DATAPOINTS,
            tt_low_datapoints: target_tracking::LOW_ALARM_DATAPOINTS,
            tt_low_ratio: target_tracking::LOW_ALARM_RATIO,
            step_alarm_periods: DEFAULT_STEP_ALARM_PERIODS,
        }
    }
}

impl SimParams {
    /// The first parameter out of range, naming it.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.cpu_ceiling.is_finite() && self.cpu_ceiling > 0.0) {
            return Err(format!(
                "cpu_ceiling: must be a CPU percent above 0 (got {})",
                self.cpu_ceiling
            ));
        }
        if !(self.overload_threshold.is_finite() && self.overload_threshold >= 0.0) {
            return Err(format!(
                "overload_threshold: must be a CPU percent, 0 or more (got {})",
                self.overload_threshold
            ));
        }
        if !(self.tt_low_ratio.is_finite() && self.tt_low_ratio > 0.0 && self.tt_low_ratio <= 1.0) {
            return Err(format!(
                "tt_low_ratio: must be in (0, 1] (got {})",
                self.tt_low_ratio
            ));
        }
        for (name, n) in [
            ("tt_high_datapoints", self.tt_high_datapoints),
            ("tt_low_datapoints", self.tt_low_datapoints),
            ("step_alarm_periods", self.step_alarm_periods),
        ] {
            if n == 0 {
                return Err(format!("{name}: must be at least 1"));
            }
        }
        Ok(())
    }

    /// Whole minutes between a datapoint's minute and the first evaluation that sees it. A
    /// datapoint stamped `t` covers `[t, t + 60 s)` and cannot be seen before it is over, so
    /// this is at least 1 (delays under 60 s act as 60); beyond that, evaluations happen on the
    /// minute, so the delay rounds up.
    pub fn metric_lag_minutes(&self) -> usize {
        whole_minutes_up(self.metric_delay_seconds).max(1)
    }
}

/// A maximal run of overloaded minutes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Spike {
    #[serde(serialize_with = "rfc3339::serialize")]
    pub start: DateTime<Utc>,
    /// The highest simulated (uncapped) CPU of the run.
    pub peak_cpu: f64,
    /// The run's length: minutes until the CPU fell below the overload threshold (so far, for a
    /// run still going when the trace ends).
    pub recovery_minutes: usize,
}

/// One simulated minute, for `--timeline` and charts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimelineRow {
    #[serde(serialize_with = "rfc3339::serialize")]
    pub minute: DateTime<Utc>,
    /// Task-units of work.
    pub demand: f64,
    /// The desired count after this minute's action.
    pub desired: u32,
    pub serving: u32,
    /// Simulated CPU, uncapped.
    pub cpu: f64,
    /// The newest datapoint the alarms saw this minute (capped, delayed); none at the start.
    pub metric_seen: Option<f64>,
    pub tt_alarm_high: bool,
    pub tt_alarm_low: bool,
    pub step_alarm: bool,
    /// e.g. `out 5->8 (step: 8)`: direction, capacity before and after, and what each policy
    /// asked for.
    pub action: Option<String>,
}

/// The contract's `autoscale_simulation` figures, in its field order (without `kind` and
/// `generated_at`: see [`SimulationReport`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Simulation {
    pub minutes: usize,
    /// Σ serving tasks × 1 minute / 60.
    pub task_hours: f64,
    pub overload_minutes: usize,
    pub overload_threshold: f64,
    /// The highest simulated CPU, uncapped.
    pub max_cpu: f64,
    pub scale_out_actions: usize,
    pub scale_in_actions: usize,
    pub spikes: Vec<Spike>,
    /// Empty from [`simulate_figures`].
    #[serde(skip)]
    pub timeline: Vec<TimelineRow>,
}

/// The `autoscale_simulation` document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimulationReport {
    pub kind: &'static str,
    #[serde(with = "rfc3339")]
    pub generated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub simulation: Simulation,
}

impl SimulationReport {
    pub fn new(generated_at: DateTime<Utc>, simulation: Simulation) -> SimulationReport {
        SimulationReport {
            kind: "autoscale_simulation",
            generated_at,
            simulation,
        }
    }
}

/// Replays `trace` (validated: gapless, one row a minute) under `policy` (validated), with the
/// per-minute timeline.
pub fn simulate(policy: &Policy, trace: &[TraceRow], params: &SimParams) -> Simulation {
    run(policy, trace, params, true)
}

/// The same figures without the timeline: the tuner's evaluation of one candidate. Pure and
/// allocation-light, it shares nothing between calls, so candidates can run in parallel.
pub fn simulate_figures(policy: &Policy, trace: &[TraceRow], params: &SimParams) -> Simulation {
    run(policy, trace, params, false)
}

fn whole_minutes_up(seconds: u32) -> usize {
    u64::from(seconds).div_ceil(MINUTE_SECONDS) as usize
}

fn run(policy: &Policy, trace: &[TraceRow], params: &SimParams, record: bool) -> Simulation {
    let lag = params.metric_lag_minutes();
    let startup = whole_minutes_up(policy.task_startup_seconds);
    let (min, max) = (policy.min_capacity, policy.max_capacity);
    let tt = policy.target_tracking.as_ref();
    let step = policy.step_scaling.as_ref();
    let step_periods = params.step_alarm_periods.max(1);

    // CloudWatch's datapoint for each simulated minute so far.
    let mut datapoints: Vec<f64> = Vec::with_capacity(trace.len());
    let first_tasks = trace.first().map_or(0.0, |r| r.running_tasks);
    let mut desired = (first_tasks.round().min(f64::from(u32::MAX)) as u32).clamp(min, max);
    let mut serving = desired;
    // Tasks starting: (first minute they serve, how many), in request order.
    let mut pending: VecDeque<(usize, u32)> = VecDeque::new();
    let mut tt_cooldown: Option<ScaleOutCooldown> = None;
    let mut step_cooldown: Option<ScaleOutCooldown> = None;
    let mut last_scale_in: Option<usize> = None;
    let (mut high, mut low, mut step_run) = (
        BreachRun::default(),
        BreachRun::default(),
        BreachRun::default(),
    );

    let mut sim = Simulation {
        minutes: trace.len(),
        overload_threshold: params.overload_threshold,
        ..Simulation::default()
    };
    if record {
        sim.timeline.reserve(trace.len());
    }
    let mut serving_minutes: u64 = 0;
    let mut spike: Option<Spike> = None;

    for (j, row) in trace.iter().enumerate() {
        // 1. The alarms take in the datapoint that became visible at the start of this minute.
        let newest = j.checked_sub(lag).map(|k| (k, datapoints[k]));
        if let Some((_, value)) = newest {
            if let Some(tt) = tt {
                high.push(target_tracking::above_target(value, tt.target_value));
                low.push(target_tracking::below_low_threshold(
                    value,
                    tt.target_value,
                    params.tt_low_ratio,
                ));
            }
            if let Some(step) = step {
                step_run.push(step_scaling::breaching(value, step.threshold));
            }
        }
        let tt_alarm_high = tt.is_some() && high.in_alarm(params.tt_high_datapoints);
        let tt_alarm_low = tt.is_some() && low.in_alarm(params.tt_low_datapoints);
        let step_alarm = step.is_some() && step_run.in_alarm(step_periods);

        // 2. Each policy in ALARM asks for a capacity; one desired count comes out.
        let current = desired;
        let (mut tt_out, mut tt_in, mut step_out) = (None, None, None);
        if let (Some(tt), Some((_, value))) = (tt, newest) {
            if tt_alarm_high {
                tt_out = target_tracking::scale_out(tt, value, current, tt_cooldown, j);
            }
            if tt_alarm_low {
                tt_in = target_tracking::scale_in(tt, value, current, last_scale_in, j);
            }
        }
        if let (Some(step), Some((k, _))) = (step, newest) {
            if step_alarm {
                let window = &datapoints[k + 1 - step_periods..=k];
                step_out = step_scaling::scale_out(step, window, current, step_cooldown, j);
            }
        }
        let mut outs = [0u32; 2];
        let mut n_outs = 0;
        for want in [tt_out, step_out].into_iter().flatten() {
            outs[n_outs] = want;
            n_outs += 1;
        }
        let tt_votes = [tt_in];
        let tt_votes: &[Option<u32>] = if tt.is_some() { &tt_votes } else { &[] };
        desired = capacity::combine(current, &outs[..n_outs], tt_votes, min, max);

        // 3. The action: start tasks, or stop them; cooldowns start.
        let mut action = None;
        if desired > current {
            pending.push_back((j + startup, desired - current));
            if let (Some(tt), Some(_)) = (tt, tt_out) {
                tt_cooldown = Some(cooldown::after_scale_out(
                    tt_cooldown,
                    tt.scale_out_cooldown,
                    j,
                    current,
                ));
            }
            if let (Some(step), Some(_)) = (step, step_out) {
                step_cooldown = Some(cooldown::after_scale_out(
                    step_cooldown,
                    step.cooldown,
                    j,
                    current,
                ));
            }
            last_scale_in = None; // a scale-out ends the scale-in cooldown
            sim.scale_out_actions += 1;
            if record {
                action = Some(describe("out", current, desired, tt_out, step_out));
            }
        } else if desired < current {
            let mut stop = current - desired;
            while stop > 0 {
                match pending.back_mut() {
                    Some((_, starting)) => {
                        let take = (*starting).min(stop);
                        *starting -= take;
                        stop -= take;
                        if *starting == 0 {
                            pending.pop_back();
                        }
                    }
                    None => {
                        serving -= stop;
                        stop = 0;
                    }
                }
            }
            last_scale_in = Some(j);
            sim.scale_in_actions += 1;
            if record {
                action = Some(describe("in", current, desired, tt_in, None));
            }
        }

        // 4. Tasks whose start-up is over serve from this minute.
        while let Some(&(ready, count)) = pending.front() {
            if ready > j {
                break;
            }
            serving += count;
            pending.pop_front();
        }
        debug_assert_eq!(serving + pending.iter().map(|p| p.1).sum::<u32>(), desired);

        // 5. The minute runs: CPU, what CloudWatch reports, overload.
        let demand = row.cpu_utilization / 100.0 * row.running_tasks;
        let cpu = 100.0 * demand / f64::from(serving);
        datapoints.push(cpu.min(params.cpu_ceiling));
        serving_minutes += u64::from(serving);
        sim.max_cpu = sim.max_cpu.max(cpu);
        if cpu >= params.overload_threshold {
            sim.overload_minutes += 1;
            match &mut spike {
                Some(s) => {
                    s.peak_cpu = s.peak_cpu.max(cpu);
                    s.recovery_minutes += 1;
                }
                None => {
                    spike = Some(Spike {
                        start: row.minute,
                        peak_cpu: cpu,
                        recovery_minutes: 1,
                    })
                }
            }
        } else if let Some(s) = spike.take() {
            sim.spikes.push(s);
        }

        if record {
            sim.timeline.push(TimelineRow {
                minute: row.minute,
                demand,
                desired,
                serving,
                cpu,
                metric_seen: newest.map(|(_, v)| v),
                tt_alarm_high,
                tt_alarm_low,
                step_alarm,
                action,
            });
        }
    }
    sim.spikes.extend(spike);
    sim.task_hours = serving_minutes as f64 / 60.0;
    sim
}

/// `out 5->15 (target_tracking: 12, step: 15)`.
fn describe(
    direction: &str,
    from: u32,
    to: u32,
    target_tracking: Option<u32>,
    step: Option<u32>,
) -> String {
    let mut asked = Vec::new();
    if let Some(want) = target_tracking {
        asked.push(format!("target_tracking: {want}"));
    }
    if let Some(want) = step {
        asked.push(format!("step: {want}"));
    }
    format!("{direction} {from}->{to} ({})", asked.join(", "))
}

#[cfg(test)]
mod tests;
