//! `vitals autoscale` inputs from files: the CPU trace CSV
//! (`timestamp,cpu_utilization,running_tasks`, one row a minute) and the policy TOML (the
//! shape of the Terraform module).

use std::path::Path;

use super::time::parse_timestamp;
use super::SourceError;
use crate::domain::autoscale::{validate_trace, Policy, TraceRow};

/// The trace, validated and gap-filled; the second value counts the filled minutes.
pub fn read_trace(path: &Path) -> Result<(Vec<TraceRow>, usize), SourceError> {
    let bad = |message: String| SourceError::Input(format!("{}: {message}", path.display()));
    let (mut reader, [ts, cpu, tasks]) =
        super::files::csv_columns(path, ["timestamp", "cpu_utilization", "running_tasks"])?;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| bad(format!("line {line}: {e}")))?;
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
        rows.push(TraceRow {
            minute,
            cpu_utilization: number(cpu, "cpu_utilization")?,
            running_tasks: number(tasks, "running_tasks")?,
        });
    }
    let filled = validate_trace(&rows).map_err(bad)?;
    let gaps = filled.len() - rows.len();
    Ok((filled, gaps))
}

/// The policy TOML, validated; errors name file, line and key.
pub fn read_policy(path: &Path) -> Result<Policy, SourceError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SourceError::Input(format!("{}: cannot read: {e}", path.display())))?;
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
