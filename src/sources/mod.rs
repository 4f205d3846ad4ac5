//! Adapters that fetch or read data and hand the domains plain values.
//!
//! A source knows file formats and service APIs; it never computes a metric. Its errors say
//! whether the input was bad (the user must fix something: exit 2) or a service failed
//! (exit 3).

pub mod alert_state;
pub mod autoscale_files;
pub mod aws;
pub mod bigquery;
pub mod cloudwatch;
pub mod csv_metrics;
pub mod dbt;
pub mod files;
pub mod ga4;
pub mod git;
pub mod github;
pub mod metrics;
pub mod openslo;
pub mod prometheus;
pub mod time;
pub mod yaml;

/// What went wrong while reading a source.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The input is bad: the message names the file, line and field.
    #[error("{0}")]
    Input(String),
    /// An upstream service failed (auth, network, quota, API error).
    #[error("{0}")]
    Upstream(String),
}
