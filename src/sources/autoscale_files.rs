//! `vitals autoscale` inputs from files: the CPU trace CSV
//! (`timestamp,cpu_utilization,running_tasks`, one row a minute) and the policy TOML (the
//! shape of the Terraform module).

use std::path::Path;

use super::time::parse_timestamp;
use super::SourceError;
use crate::domain::autoscale::{Policy, TraceBuilder, TraceRow};

/// The trace, validated and gap-filled; the second value counts the filled minutes.
pub fn read_trace(path: &Path) -> Result<(Vec<TraceRow>, usize), SourceError> {
    let bad = |message: String| SourceError::Input(format!("{}: {message}", path.display()));
    let (mut reader, [ts, cpu, tasks]) =
        super::files::csv_columns(path, ["timestamp", "cpu_utilization", "running_tasks"])?;
    let mut trace = TraceBuilder::default();
    for (i, record) in reader.records().enumerate() {
        let fallback = i as u64 + 2;
        let record = record.map_err(|e| super::files::csv_error(path, fallback, &e))?;
        let line = super::files::record_line(&record, fallback);
        let cell = |index: usize| record.get(index).unwrap_or("");
        let number = |index: usize, name: &str| -> Result<f64, SourceError> {
            let text = cell(index);
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| {
                    SourceError::Input(format!(
                        "{}:{line}: column `{name}`: {text:?} is not a non-negative number",
                        path.display()
                    ))
                })
        };
        let minute = parse_timestamp(cell(ts)).ok_or_else(|| {
            SourceError::Input(format!(
                "{}:{line}: column `timestamp`: {:?} is not an RFC 3339 time",
                path.display(),
                cell(ts)
            ))
        })?;
        trace
            .push(TraceRow {
                minute,
                cpu_utilization: number(cpu, "cpu_utilization")?,
                running_tasks: number(tasks, "running_tasks")?,
            })
            .map_err(bad)?;
    }
    trace.finish().map_err(bad)
}

/// The policy TOML, validated; errors name file, line and key.
pub fn read_policy(path: &Path) -> Result<Policy, SourceError> {
    let text = crate::fs::read_input(path, crate::fs::MAX_TOML_BYTES)
        .map_err(|why| SourceError::Input(format!("{}: {why}", path.display())))?;
    let policy: Policy = toml::from_str(&text).map_err(|e| {
        let at = e.span().map(|s| crate::config::line_col(&text, s.start));
        let message = e.message().trim().replace('\n', " ");
        match at {
            Some((line, col)) => {
                SourceError::Input(format!("{}:{line}:{col}: {message}", path.display()))
            }
            None => SourceError::Input(format!("{}: {message}", path.display())),
        }
    })?;
    policy
        .validate()
        .map_err(|e| SourceError::Input(format!("{}: {e}", path.display())))?;
    Ok(policy)
}
