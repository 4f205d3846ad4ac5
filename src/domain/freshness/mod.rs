//! Data freshness: how old the newest data of each source is, against its SLO (`warn_after`)
//! and SLA (`error_after`), with dbt's `sources.json` semantics; and when to alert about it.

mod alerts;
pub mod dbt;
mod evaluate;
mod threshold;

pub use alerts::{plan_alerts, AlertPlan, AlertState, AlertStore, CheckState};
pub use evaluate::{
    evaluate, sort_for_display, Criteria, FreshnessReport, FreshnessResult, Measurement, Status,
};
pub use threshold::{Period, Threshold};
