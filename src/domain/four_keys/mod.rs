//! DORA's four keys (plus 2024's rework rate), on plain data: the contract's rules for
//! `vitals four-keys`.
//!
//! Adapters (git, GitHub, CSV) turn tags or deployment records into [`Deployment`]s, each
//! with the change set it first shipped, and issues or CSV rows into [`Incident`]s;
//! [`evaluate`] gives the [`FourKeysReport`] at `now`. No git, HTTP, CSV, I/O or clock in
//! here, and no pattern matching on tag names: the adapter decides `is_hotfix`.

mod attribution;
mod compare;
#[cfg(test)]
mod fixtures;
mod history;
mod impact;
mod level;
mod metrics;
mod model;
mod paths;
mod report;
mod stats;
mod weekly;
mod window;

pub use attribution::{Miss, MIN_SHA_PREFIX};
pub use compare::{Comparison, Direction, MetricChange};
pub use impact::{
    assess, before_window, slo_impact, Assessment, FailuresFrom, ImpactOptions, SloImpact, SloTrack,
};
pub use level::Level;
pub use metrics::{
    per_week, ChangeFailureRate, DeploymentFrequency, DeploymentReworkRate, LeadTimeForChanges,
    TimeToRestore, WindowMetrics,
};
pub use model::{Change, Deployment, Incident};
pub use paths::{normalize_prefix, touches};
pub use report::{evaluate, evaluate_assessed, DeploymentEntry, FourKeysReport, Options};
pub use stats::{median, nearest_rank};
pub use weekly::Week;
pub use window::Window;
