//! A service's one-minute history: CloudWatch `CPUUtilization` (Average) and its running task
//! count, one row a minute, as the contract's trace CSV holds it.
//!
//! [`validate_trace`] checks what the simulator relies on and fills the minutes CloudWatch
//! left out, so that the simulation runs on a gapless, strictly one-minute series.

use chrono::{DateTime, Duration, Utc};

/// One minute of the trace, stamped with the start of its minute (as CloudWatch stamps periods).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TraceRow {
    pub minute: DateTime<Utc>,
    /// Percent of the tasks' CPU reservation, averaged over the running tasks; may exceed 100
    /// on EC2, where tasks can burst past their reservation.
    pub cpu_utilization: f64,
    /// May be fractional: CloudWatch averages the count over the minute.
    pub running_tasks: f64,
}

/// Checks the rows and returns them gapless: values finite and ≥ 0, timestamps strictly
/// increasing and whole minutes apart. Errors name the row (1-based data rows, as a reader of
/// the CSV counts them below its header); callers add the file.
///
/// A gap of k missing minutes is filled by carrying the row before it forward k times, so the
/// demand of the last minute seen stands in for what was not measured (no invented trend). The
/// number of filled minutes is `returned.len() − rows.len()`: callers report it.
pub fn validate_trace(rows: &[TraceRow]) -> Result<Vec<TraceRow>, String> {
    if rows.is_empty() {
        return Err("the trace has no rows".into());
    }
    let minute = Duration::minutes(1);
    let mut out = Vec::with_capacity(rows.len());
    let mut previous: Option<TraceRow> = None;
    for (i, row) in rows.iter().enumerate() {
        let n = i + 1;
        check_value(n, "cpu_utilization", row.cpu_utilization)?;
        check_value(n, "running_tasks", row.running_tasks)?;
        if let Some(prev) = previous {
            if row.minute == prev.minute {
                return Err(format!(
                    "row {n}: duplicate timestamp {} (also row {})",
                    crate::domain::rfc3339::format(&row.minute),
                    n - 1
                ));
            }
            if row.minute < prev.minute {
                return Err(format!(
                    "row {n}: timestamp {} is before row {}'s: rows must be in time order",
                    crate::domain::rfc3339::format(&row.minute),
                    n - 1
                ));
            }
            let step = row.minute - prev.minute;
            if step.num_milliseconds() % minute.num_milliseconds() != 0 {
                return Err(format!(
                    "row {n}: timestamp {} is not a whole number of minutes after row {}'s",
                    crate::domain::rfc3339::format(&row.minute),
                    n - 1
                ));
            }
            let mut t = prev.minute + minute;
            while t < row.minute {
                out.push(TraceRow { minute: t, ..prev });
                t += minute;
            }
        }
        out.push(*row);
        previous = Some(*row);
    }
    Ok(out)
}

fn check_value(n: usize, column: &str, value: f64) -> Result<(), String> {
    if !value.is_finite() {
        return Err(format!("row {n}: {column} must be a number (got {value})"));
    }
    if value < 0.0 {
        return Err(format!(
            "row {n}: {column} must not be negative (got {value})"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap() + Duration::minutes(minute)
    }

    fn row(minute: i64, cpu: f64, tasks: f64) -> TraceRow {
        TraceRow {
            minute: at(minute),
            cpu_utilization: cpu,
            running_tasks: tasks,
        }
    }

    #[test]
    fn a_gapless_trace_comes_back_unchanged() {
        let rows = vec![row(0, 10.0, 5.0), row(1, 20.0, 5.0), row(2, 30.0, 6.0)];
        assert_eq!(validate_trace(&rows), Ok(rows));
    }

    #[test]
    fn gaps_are_filled_by_carrying_the_previous_row_forward() {
        let rows = vec![row(0, 10.0, 5.0), row(3, 40.0, 8.0), row(4, 50.0, 8.0)];
        let filled = validate_trace(&rows).unwrap();
        assert_eq!(
            filled,
            vec![
                row(0, 10.0, 5.0),
                row(1, 10.0, 5.0),
                row(2, 10.0, 5.0),
                row(3, 40.0, 8.0),
                row(4, 50.0, 8.0),
            ]
        );
        assert_eq!(filled.len() - rows.len(), 2, "filled minutes");
    }

    #[test]
    fn negative_values_are_rejected_naming_the_row() {
        let rows = vec![row(0, 10.0, 5.0), row(1, -1.0, 5.0)];
        assert_eq!(
            validate_trace(&rows),
            Err("row 2: cpu_utilization must not be negative (got -1)".into())
        );
        let rows = vec![row(0, 10.0, -5.0)];
        assert_eq!(
            validate_trace(&rows),
            Err("row 1: running_tasks must not be negative (got -5)".into())
        );
    }

    #[test]
    fn non_finite_values_are_rejected() {
        let rows = vec![row(0, f64::NAN, 5.0)];
        assert_eq!(
            validate_trace(&rows),
            Err("row 1: cpu_utilization must be a number (got NaN)".into())
        );
        let rows = vec![row(0, 1.0, 5.0), row(1, 1.0, f64::INFINITY)];
        assert_eq!(
            validate_trace(&rows),
            Err("row 2: running_tasks must be a number (got inf)".into())
        );
    }

    #[test]
    fn out_of_order_rows_are_rejected() {
        let rows = vec![row(0, 1.0, 1.0), row(2, 1.0, 1.0), row(1, 1.0, 1.0)];
        assert_eq!(
            validate_trace(&rows),
            Err(
                "row 3: timestamp 2026-03-02T00:01:00Z is before row 2's: rows must be in time \
                 order"
                    .into()
            )
        );
    }

    #[test]
    fn duplicate_timestamps_are_rejected() {
        let rows = vec![row(0, 1.0, 1.0), row(1, 1.0, 1.0), row(1, 2.0, 1.0)];
        assert_eq!(
            validate_trace(&rows),
            Err("row 3: duplicate timestamp 2026-03-02T00:01:00Z (also row 2)".into())
        );
    }

    #[test]
    fn rows_must_be_whole_minutes_apart() {
        let mut late = row(1, 1.0, 1.0);
        late.minute += Duration::seconds(30);
        let rows = vec![row(0, 1.0, 1.0), late];
        assert!(validate_trace(&rows)
            .unwrap_err()
            .starts_with("row 2: timestamp 2026-03-02T00:01:30Z is not a whole number"));
    }

    #[test]
    fn an_empty_trace_is_bad_input() {
        assert_eq!(validate_trace(&[]), Err("the trace has no rows".into()));
    }
}
