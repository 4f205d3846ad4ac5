//! CSV files written through the `csv` crate (quoting as RFC 4180 needs it): a simulation's
//! timeline and a CPU trace in the contract's shape, which `--trace` reads back.

use crate::domain::autoscale::{TimelineRow, TraceRow};
use crate::domain::rfc3339;
use crate::report::OutputError;

fn write_rows<const N: usize>(
    header: [&str; N],
    rows: impl Iterator<Item = [String; N]>,
) -> Result<Vec<u8>, OutputError> {
    let fail = |e: csv::Error| OutputError::Write(format!("cannot encode CSV: {e}"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header).map_err(fail)?;
    for row in rows {
        writer.write_record(&row).map_err(fail)?;
    }
    writer
        .into_inner()
        .map_err(|e| OutputError::Write(format!("cannot encode CSV: {e}")))
}

/// `--timeline`: one row per simulated minute.
pub fn timeline(rows: &[TimelineRow]) -> Result<Vec<u8>, OutputError> {
    write_rows(
        [
            "minute",
            "demand",
            "desired",
            "serving",
            "cpu",
            "metric_seen",
            "tt_alarm_high",
            "tt_alarm_low",
            "step_alarm",
            "action",
        ],
        rows.iter().map(|r| {
            [
                rfc3339::format(&r.minute),
                format!("{:.3}", r.demand),
                r.desired.to_string(),
                r.serving.to_string(),
                format!("{:.2}", r.cpu),
                r.metric_seen.map(|m| format!("{m:.2}")).unwrap_or_default(),
                r.tt_alarm_high.to_string(),
                r.tt_alarm_low.to_string(),
                r.step_alarm.to_string(),
                r.action.clone().unwrap_or_default(),
            ]
        }),
    )
}

/// `--save-trace`: the contract's trace CSV, replayable with `--trace`.
pub fn trace(rows: &[TraceRow]) -> Result<Vec<u8>, OutputError> {
    write_rows(
        ["timestamp", "cpu_utilization", "running_tasks"],
        rows.iter().map(|r| {
            [
                rfc3339::format(&r.minute),
                r.cpu_utilization.to_string(),
                r.running_tasks.to_string(),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn a_trace_round_trips_through_its_csv_shape() {
        let rows = [TraceRow {
            minute: Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap(),
            cpu_utilization: 42.5,
            running_tasks: 3.0,
        }];
        let text = String::from_utf8(trace(&rows).unwrap()).unwrap();
        assert_eq!(
            text,
            "timestamp,cpu_utilization,running_tasks\n2026-11-21T00:00:00Z,42.5,3\n"
        );
    }

    #[test]
    fn timeline_actions_with_commas_or_quotes_stay_one_field() {
        let row = TimelineRow {
            minute: Utc.with_ymd_and_hms(2026, 11, 21, 0, 1, 0).unwrap(),
            demand: 1.0,
            desired: 2,
            serving: 2,
            cpu: 50.0,
            metric_seen: None,
            tt_alarm_high: false,
            tt_alarm_low: false,
            step_alarm: true,
            action: Some("out 2->3 (step: 3, \"tt\")".into()),
        };
        let text = String::from_utf8(timeline(&[row]).unwrap()).unwrap();
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(&record[9], "out 2->3 (step: 3, \"tt\")");
        assert_eq!(&record[5], "", "no datapoint seen yet");
    }
}
