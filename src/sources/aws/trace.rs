//! A service's one-minute CPU trace from CloudWatch: `AWS/ECS CPUUtilization` (Average) and
//! Container Insights' `ECS/ContainerInsights RunningTaskCount` in one `GetMetricData` query
//! pair, paginated, split so no call asks for more than 100,800 datapoints.
//!
//! One-minute datapoints live 15 days in CloudWatch; an older start is moved up to what still
//! exists (the caller says so). Minutes without a CPU datapoint are left out here and filled
//! by the trace validator, like a CSV's gaps.

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
use chrono::{DateTime, Duration, Utc};

use super::call;
use crate::domain::autoscale::TraceRow;
use crate::sources::cloudwatch::MAX_DATAPOINTS_PER_CALL;
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

fn smithy(t: DateTime<Utc>) -> aws_sdk_cloudwatch::primitives::DateTime {
    aws_sdk_cloudwatch::primitives::DateTime::from_secs(t.timestamp())
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
    mut on_call: impl FnMut(),
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
    let mut cpu: BTreeMap<i64, f64> = BTreeMap::new();
    let mut tasks: BTreeMap<i64, f64> = BTreeMap::new();
    // Two series per call share the datapoint limit.
    let minutes_per_call = MAX_DATAPOINTS_PER_CALL / queries.len() as i64;
    for (from, to) in split(start, end, minutes_per_call) {
        let mut token: Option<String> = None;
        loop {
            on_call();
            let reply = call(
                "CloudWatch GetMetricData",
                client
                    .get_metric_data()
                    .set_metric_data_queries(Some(queries.to_vec()))
                    .start_time(smithy(from))
                    .end_time(smithy(to))
                    .set_next_token(token.clone())
                    .send(),
            )
            .await?;
            for result in reply.metric_data_results() {
                let into = match result.id() {
                    Some("cpu") => &mut cpu,
                    Some("tasks") => &mut tasks,
                    _ => continue,
                };
                for (t, v) in result.timestamps().iter().zip(result.values()) {
                    into.insert(t.secs() - t.secs().rem_euclid(60), *v);
                }
            }
            token = reply.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
    }
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
    })
}

fn split(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    minutes: i64,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut out = Vec::new();
    let mut from = start;
    while from < end {
        let to = (from + Duration::minutes(minutes)).min(end);
        out.push((from, to));
        from = to;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let pieces = split(end - Duration::days(60), end, MAX_DATAPOINTS_PER_CALL / 2);
        assert!(pieces
            .iter()
            .all(|(a, b)| (*b - *a).num_minutes() * 2 <= MAX_DATAPOINTS_PER_CALL));
        assert_eq!(pieces.first().unwrap().0, end - Duration::days(60));
        assert_eq!(pieces.last().unwrap().1, end);
    }
}
