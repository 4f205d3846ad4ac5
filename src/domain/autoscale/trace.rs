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

/// Longest trace replayed, in minutes: a year. CloudWatch keeps one-minute data 15 days, so
/// real traces are far shorter; the bound keeps a timestamp that jumps years ahead from
/// asking for memory (and simulated minutes) in proportion to the jump. At 24 bytes a minute,
/// a full-length trace is 12 MiB.
pub const MAX_TRACE_MINUTES: i64 = 366 * 24 * 60;

/// Builds a gapless trace row by row, checking each as it comes, so a reader never holds
/// more than the bounded result (see [`validate_trace`] for the rules).
#[derive(Default)]
pub struct TraceBuilder {
    rows: Vec<TraceRow>,
    /// Rows pushed (the filled minutes are `rows.len() − pushed`).
    pushed: usize,
}

impl TraceBuilder {
    /// Checks the next row against the ones before it and appends it, filling a gap before it.
    pub fn push(&mut self, row: TraceRow) -> Result<(), String> {
        let minute = Duration::minutes(1);
        self.pushed += 1;
        let n = self.pushed;
        check_value(n, "cpu_utilization", row.cpu_utilization)?;
        check_value(n, "running_tasks", row.running_tasks)?;
        if let (Some(first), Some(&prev)) = (self.rows.first(), self.rows.last()) {
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
            if (row.minute - first.minute).num_minutes() >= MAX_TRACE_MINUTES {
                return Err(format!(
                    "row {n}: timestamp {} is more than {} days after the first row's: a trace \
                     covers at most {MAX_TRACE_MINUTES} minutes",
                    crate::domain::rfc3339::format(&row.minute),
                    MAX_TRACE_MINUTES / (24 * 60)
                ));
            }
            let mut t = prev.minute + minute;
            while t < row.minute {
                self.rows.push(TraceRow { minute: t, ..prev });
                t += minute;
            }
        }
        self.rows.push(row);
        Ok(())
    }

    /// The gapless trace and how many minutes were filled.
    pub fn finish(self) -> Result<(Vec<TraceRow>, usize), String> {
        if self.rows.is_empty() {
            return Err("the trace has no rows".into());
        }
        let filled = self.rows.len() - self.pushed;
        Ok((self.rows, filled))
    }
}

/// Checks the rows and returns them gapless: values finite and ≥ 0, timestamps strictly
/// increasing, whole minutes apart and within [`MAX_TRACE_MINUTES`] of the first. Errors name
/// the row (1-based data rows, as a reader of the CSV counts them below its header); callers
/// add the file.
///
/// A gap of k missing minutes is filled by carrying the row before it forward k times, so the
/// demand of the last minute seen stands in for what was not measured (no invented trend). The
/// number of filled minutes is `returned.len() − rows.len()`: callers report it.
pub fn validate_trace(rows: &[TraceRow]) -> Result<Vec<TraceRow>, String> {
    let mut builder = TraceBuilder::default();
    for row in rows {
        builder.push(*row)?;
    }
    builder.finish().map(|(rows, _)| rows)
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
    fn a_trace_longer_than_a_year_is_refused_before_anything_is_filled() {
        let far = row(MAX_TRACE_MINUTES, 1.0, 1.0);
        let err = validate_trace(&[row(0, 1.0, 1.0), far]).unwrap_err();
        assert!(
            err.starts_with(
                "row 2: timestamp 2027-03-03T00:00:00Z is more than 366 days after the first row's"
            ),
            "{err}"
        );
        let hundred_years = TraceRow {
            minute: at(0) + Duration::days(36_525),
            ..row(0, 1.0, 1.0)
        };
        assert!(validate_trace(&[row(0, 1.0, 1.0), hundred_years]).is_err());
        let longest = validate_trace(&[row(0, 1.0, 1.0), row(MAX_TRACE_MINUTES - 1, 1.0, 1.0)]);
        assert_eq!(longest.unwrap().len() as i64, MAX_TRACE_MINUTES);
    }

    #[test]
    fn an_empty_trace_is_bad_input() {
        assert_eq!(validate_trace(&[]), Err("the trace has no rows".into()));
    }
}
