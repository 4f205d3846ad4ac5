//! Per-domain presentation: how each result reads in a table, Markdown or Slack. The sinks
//! stay format-only; what to show and in which order lives here.

pub mod autoscale;
pub mod autoscale_live;
pub mod crash_free;
pub mod digest;
pub mod four_keys;
pub mod freshness;
pub mod gate;
pub mod slo;
