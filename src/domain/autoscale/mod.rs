//! ECS Service Auto Scaling, replayed: a policy (target tracking and step scaling, as the
//! Terraform module takes them), a one-minute CPU trace, and a deterministic simulation of what
//! Application Auto Scaling would have done with that policy on that trace.
//!
//! Each AWS rule lives in one module and cites the page it follows: the alarms (`alarm`),
//! target tracking's alarms and proportional capacity (`target_tracking`), step bounds,
//! aggregation and `ChangeInCapacity` (`step_scaling`), cooldowns (`cooldown`), and how
//! several policies' requests become one desired count within min/max (`capacity`). What AWS
//! does not document is a named constant or a [`SimParams`] field. No TOML, CSV, I/O or clock
//! in here: adapters parse the files and fetch the metrics. [`tuner`] searches policies around
//! the current one, one pure [`tuner::evaluate`] per candidate.

mod alarm;
mod capacity;
mod cooldown;
pub mod live;
pub mod plan;
mod policy;
mod simulator;
mod step_scaling;
mod target_tracking;
mod trace;
pub mod tuner;

pub use policy::{Aggregation, Policy, Step, StepScaling, TargetTracking};
pub use simulator::{
    simulate, simulate_figures, SimParams, Simulation, SimulationReport, Spike, TimelineRow,
    DEFAULT_CPU_CEILING, DEFAULT_METRIC_DELAY_SECONDS, DEFAULT_OVERLOAD_THRESHOLD,
    DEFAULT_STEP_ALARM_PERIODS,
};
pub use target_tracking::{HIGH_ALARM_DATAPOINTS, LOW_ALARM_DATAPOINTS, LOW_ALARM_RATIO};
pub use trace::{validate_trace, TraceBuilder, TraceRow, MAX_TRACE_MINUTES};
