//! CloudWatch metrics through `GetMetricData`: a metric stat (`Sum`, `Average`, or an
//! extended statistic such as `p95`) or a metric-math expression, paginated (`NextToken`),
//! split so no call asks for more than 100,800 datapoints, at a period CloudWatch still
//! retains for the range (1-minute data lives 15 days, 5-minute 63 days, then hourly).
//! Credentials and region come from the standard AWS chain (env, profile, SSO, web identity
//! for GitHub Actions OIDC); `AWS_ENDPOINT_URL` points it elsewhere (tests use moto).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::csv_metrics::MetricTable;
use super::openslo::spec_text;
use super::SourceError;

/// CloudWatch refuses a GetMetricData call asking for more datapoints than this.
pub const MAX_DATAPOINTS_PER_CALL: i64 = 100_800;

/// `[start, end)` split by CloudWatch's retention tiers, newest first: 1-minute datapoints for
/// the last 15 days, 5-minute to 63 days, hourly beyond.
pub fn retention_tiers(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>, i64)> {
    let bounds = [
        (end - Duration::days(15), 60),
        (end - Duration::days(63), 300),
        (DateTime::<Utc>::MIN_UTC, 3600),
    ];
    let mut tiers = Vec::new();
    let mut upper = end;
    for (lower, period) in bounds {
        let from = lower.max(start);
        if from < upper {
            tiers.push((from, upper, period));
            upper = from;
        }
    }
    tiers
}

/// `[start, end)` cut so no call asks for more than [`MAX_DATAPOINTS_PER_CALL`]: `series`
/// queries of one datapoint per `period` share the limit.
pub fn chunks(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    period: i64,
    series: usize,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let periods = MAX_DATAPOINTS_PER_CALL / series.max(1) as i64;
    let step = Duration::seconds(period * periods);
    let mut out = Vec::new();
    let mut from = start;
    while from < end {
        let to = (from + step).min(end);
        out.push((from, to));
        from = to;
    }
    out
}

/// One metric query, from an OpenSLO `metricSource.spec` of type CloudWatch.
fn query(
    spec: &BTreeMap<String, Value>,
    period: i64,
    origin: &str,
) -> Result<MetricDataQuery, SourceError> {
    let bad = |m: &str| SourceError::Input(format!("{origin}: metricSource.spec: {m}"));
    let period = i32::try_from(period).map_err(|_| bad("period: too long"))?;
    let builder = MetricDataQuery::builder().id("m0").return_data(true);
    if let Some(expression) = spec_text(spec, "expression").or_else(|| spec_text(spec, "sql")) {
        return Ok(builder.expression(expression).period(period).build());
    }
    let namespace = spec_text(spec, "namespace")
        .ok_or_else(|| bad("namespace: missing (or give an expression)"))?;
    let metric_name = spec_text(spec, "metricName").ok_or_else(|| bad("metricName: missing"))?;
    let stat = spec_text(spec, "stat").unwrap_or("Sum");
    let mut metric = Metric::builder()
        .namespace(namespace)
        .metric_name(metric_name);
    if let Some(Value::Array(dims)) = spec.get("dimensions") {
        for d in dims {
            let (Some(name), Some(value)) = (
                d.get("name").and_then(Value::as_str),
                d.get("value").and_then(Value::as_str),
            ) else {
                return Err(bad("dimensions: each needs name and value"));
            };
            metric = metric.dimensions(Dimension::builder().name(name).value(value).build());
        }
    }
    let stat = MetricStat::builder()
        .metric(metric.build())
        .period(period)
        .stat(stat)
        .build();
    Ok(builder.metric_stat(stat).build())
}

fn smithy(t: DateTime<Utc>) -> aws_sdk_cloudwatch::primitives::DateTime {
    aws_sdk_cloudwatch::primitives::DateTime::from_secs(t.timestamp())
}

/// What [`metric_data`] read: each query's datapoints by id (epoch seconds → value).
pub struct MetricData {
    pub series: HashMap<String, BTreeMap<i64, f64>>,
    pub calls: usize,
}

/// Every datapoint of `queries` over `[start, end)` at `period`: chunked under the datapoint
/// limit, each chunk paginated (`NextToken`), each call logged for `-v`.
pub async fn metric_data(
    client: &aws_sdk_cloudwatch::Client,
    queries: &[MetricDataQuery],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    period: i64,
) -> Result<MetricData, SourceError> {
    let mut data = MetricData {
        series: HashMap::new(),
        calls: 0,
    };
    for (from, to) in chunks(start, end, period, queries.len()) {
        let mut token: Option<String> = None;
        loop {
            tracing::info!("CloudWatch GetMetricData {from} → {to} (period {period}s)");
            data.calls += 1;
            let reply = super::aws::call(
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
                let points = data
                    .series
                    .entry(result.id().unwrap_or_default().to_string())
                    .or_default();
                for (t, v) in result.timestamps().iter().zip(result.values()) {
                    points.insert(t.secs(), *v);
                }
            }
            token = reply.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
    }
    Ok(data)
}

/// CloudWatch clients, one per region asked for.
#[derive(Default)]
pub struct CloudWatch {
    clients: HashMap<String, aws_sdk_cloudwatch::Client>,
}

impl CloudWatch {
    async fn client(
        &mut self,
        region: Option<&str>,
    ) -> Result<&aws_sdk_cloudwatch::Client, SourceError> {
        let key = region.unwrap_or("").to_string();
        if !self.clients.contains_key(&key) {
            let config =
                super::aws::load_config(region, "CloudWatch", "`region` in the metric source")
                    .await?;
            self.clients
                .insert(key.clone(), aws_sdk_cloudwatch::Client::new(&config));
        }
        Ok(&self.clients[&key])
    }

    /// The metric's values over `[start, end)` as a one-column (`value`) table.
    pub async fn table(
        &mut self,
        spec: &BTreeMap<String, Value>,
        connection: &BTreeMap<String, Value>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        origin: &str,
    ) -> Result<MetricTable, SourceError> {
        let region = spec_text(spec, "region")
            .or_else(|| spec_text(connection, "region"))
            .map(str::to_string);
        // An explicit period applies to the whole range; otherwise each retention tier is read
        // at the finest period CloudWatch keeps for it, so recent burn windows stay 1-minute.
        let tiers = match spec.get("period") {
            Some(value) => {
                let period = value.as_i64().filter(|p| *p >= 60 && *p % 60 == 0 && *p <= 86_400).ok_or_else(|| {
                    SourceError::Input(format!("{origin}: metricSource.spec.period: {value:?} must be a multiple of 60 seconds, at most 86400"))
                })?;
                vec![(start, end, period)]
            }
            None => retention_tiers(start, end),
        };
        let mut points: BTreeMap<i64, f64> = BTreeMap::new();
        for (tier_start, tier_end, period) in tiers {
            let q = query(spec, period, origin)?;
            let client = self.client(region.as_deref()).await?;
            let data = metric_data(client, &[q], tier_start, tier_end, period).await?;
            points.extend(data.series.into_values().flatten());
        }
        let timestamps = points
            .keys()
            .filter_map(|s| DateTime::from_timestamp(*s, 0))
            .collect();
        let values = points.values().map(|v| Some(*v)).collect();
        Ok(MetricTable::new(
            "CloudWatch",
            timestamps,
            HashMap::from([("value".to_string(), values)]),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn each_retention_tier_is_read_at_its_own_period() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap();
        let tiers = retention_tiers(now - Duration::days(90), now);
        assert_eq!(
            tiers.iter().map(|t| t.2).collect::<Vec<_>>(),
            [60, 300, 3600]
        );
        assert_eq!(tiers[0], (now - Duration::days(15), now, 60));
        assert_eq!(tiers[2].0, now - Duration::days(90));
        assert_eq!(
            retention_tiers(now - Duration::days(3), now),
            [(now - Duration::days(3), now, 60)]
        );
    }

    #[test]
    fn no_call_asks_for_more_than_100800_datapoints() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap();
        let pieces = chunks(now - Duration::days(100), now, 60, 1);
        assert_eq!(pieces.len(), 2, "100 days of minutes is 144,000 points");
        assert!(pieces
            .iter()
            .all(|(a, b)| (*b - *a).num_seconds() / 60 <= MAX_DATAPOINTS_PER_CALL));
        assert_eq!(pieces[0].0, now - Duration::days(100));
        assert_eq!(pieces[1].1, now);
    }
}
