//! A service's one-minute CPU trace from CloudWatch: `AWS/ECS CPUUtilization` (Average) and
//! Container Insights' `ECS/ContainerInsights RunningTaskCount` in one `GetMetricData` query
//! pair, read by [`metric_data`] (paginated, split so no call asks for more than 100,800
//! datapoints).
//!
//! One-minute datapoints live 15 days in CloudWatch; an older start is moved up to what still
//! exists (the caller says so). Minutes without a CPU datapoint are left out here and filled
//! by the trace validator, like a CSV's gaps.

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
use chrono::{DateTime, Duration, Utc};

use crate::domain::autoscale::TraceRow;
use crate::sources::cloudwatch::metric_data;
use crate::sources::SourceError;

/// How long CloudWatch keeps one-minute datapoints.
pub const ONE_MINUTE_RETENTION_DAYS: i64 = 15;

/// What was fetched, and how complete it was.
pub struct FetchedTrace {
    pub rows: Vec<TraceRow>,
    pub start: DateTime<Utc>,
    /// The requested start was older than one-minute retention and was moved up.
    pub clipped: bool,
    /// No RunningTaskCount datapoints (Container Insights off): tasks came from the
    /// service's current running count.
    pub tasks_assumed: Option<u32>,
    /// GetMetricData calls made.
    pub calls: usize,
}

fn query(id: &str, namespace: &str, metric: &str, cluster: &str, service: &str) -> MetricDataQuery {
    let metric = Metric::builder()
        .namespace(namespace)
        .metric_name(metric)
        .dimensions(
            Dimension::builder()
                .name("ClusterName")
                .value(cluster)
                .build(),
        )
        .dimensions(
            Dimension::builder()
                .name("ServiceName")
                .value(service)
                .build(),
        )
        .build();
    MetricDataQuery::builder()
        .id(id)
        .return_data(true)
        .metric_stat(
            MetricStat::builder()
                .metric(metric)
                .period(60)
                .stat("Average")
                .build(),
        )
        .build()
}

/// The window's start once one-minute retention is respected.
pub fn retained_start(start: DateTime<Utc>, end: DateTime<Utc>) -> (DateTime<Utc>, bool) {
    let oldest = end - Duration::days(ONE_MINUTE_RETENTION_DAYS);
    if start < oldest {
        (oldest, true)
    } else {
        (start, false)
    }
}

/// Reads `[start, end)` minute by minute. `current_running` stands in for the task count when
/// Container Insights has none.
pub async fn fetch(
    client: &aws_sdk_cloudwatch::Client,
    cluster: &str,
    service: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    current_running: u32,
) -> Result<FetchedTrace, SourceError> {
    let (start, clipped) = retained_start(start, end);
    let queries = [
        query("cpu", "AWS/ECS", "CPUUtilization", cluster, service),
        query(
            "tasks",
            "ECS/ContainerInsights",
            "RunningTaskCount",
            cluster,
            service,
        ),
    ];
    let mut data = metric_data(client, &queries, start, end, 60).await?;
    // Minute-aligned, whatever second CloudWatch stamps a datapoint with.
    let mut by_minute = |id: &str| -> BTreeMap<i64, f64> {
        data.series
            .remove(id)
            .unwrap_or_default()
            .into_iter()
            .map(|(t, v)| (t - t.rem_euclid(60), v))
            .collect()
    };
    let (cpu, tasks) = (by_minute("cpu"), by_minute("tasks"));
    let tasks_assumed = tasks.is_empty().then_some(current_running);
    let mut last_tasks = tasks
        .values()
        .next()
        .copied()
        .unwrap_or(current_running as f64);
    let mut rows = Vec::with_capacity(cpu.len());
    for (second, cpu_utilization) in cpu {
        // A minute without a task count keeps the last one seen.
        if let Some(n) = tasks.get(&second) {
            last_tasks = *n;
        }
        let Some(minute) = DateTime::from_timestamp(second, 0) else {
            continue;
        };
        rows.push(TraceRow {
            minute,
            cpu_utilization: cpu_utilization.max(0.0),
            running_tasks: last_tasks.max(0.0),
        });
    }
    Ok(FetchedTrace {
        rows,
        start,
        clipped,
        tasks_assumed,
        calls: data.calls,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::cloudwatch::{chunks, MAX_DATAPOINTS_PER_CALL};
    use chrono::TimeZone;

    #[test]
    fn one_minute_data_older_than_15_days_is_not_asked_for() {
        let end = Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap();
        assert_eq!(
            retained_start(end - Duration::days(20), end),
            (end - Duration::days(15), true)
        );
        assert_eq!(
            retained_start(end - Duration::days(14), end),
            (end - Duration::days(14), false)
        );
    }

    #[test]
    fn two_series_per_call_stay_under_the_datapoint_limit() {
        let end = Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap();
        let pieces = chunks(end - Duration::days(60), end, 60, 2);
        assert!(pieces
            .iter()
            .all(|(a, b)| (*b - *a).num_minutes() * 2 <= MAX_DATAPOINTS_PER_CALL));
        assert_eq!(pieces.first().unwrap().0, end - Duration::days(60));
        assert_eq!(pieces.last().unwrap().1, end);
    }
}
