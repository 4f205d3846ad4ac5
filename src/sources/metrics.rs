//! Metric data for `vitals slo`: an OpenSLO metric source (CSV, BigQuery, CloudWatch) read
//! into a table of timestamped columns, then shaped into the domain's [`Series`]; Prometheus
//! sources are shaped by [`super::prometheus`] from their samples. Each file or query is read
//! once however many SLOs use it.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::bigquery::{BigQuery, Param};
use super::cloudwatch::CloudWatch;
use super::csv_metrics::{self, MetricTable};
use super::openslo::{spec_path, spec_text, ResolvedIndicator, ResolvedSlo, ResolvedSource};
use super::prometheus::{self, CallError, Fetched, Target};
use super::SourceError;
use crate::domain::slo::{counter_increases, Series};

/// Fetches metric tables, caching by file or query.
pub struct Metrics<'a> {
    csv: csv_metrics::Cache,
    cloudwatch: CloudWatch,
    queries: HashMap<(String, String), Arc<MetricTable>>,
    bigquery: Option<&'a BigQuery>,
    /// `[slo] prometheus_url`: the server of Prometheus sources whose DataSource names none.
    pub prometheus_url: Option<String>,
    /// Set up on the first Prometheus source.
    prometheus: Option<prometheus::Client>,
    fetched: HashMap<Target, Arc<Fetched>>,
    /// Data older than this is not needed (window start, or the longest burn window).
    pub since: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

/// The `metricSource.type`s vitals can query (any case).
pub const QUERYABLE: [&str; 4] = ["CSV", "BigQuery", "CloudWatch", "Prometheus"];

fn queryable(kind: &str) -> bool {
    QUERYABLE.iter().any(|k| k.eq_ignore_ascii_case(kind))
}

/// The sources an SLO reads, for deciding which clients to set up.
pub fn source_kinds(slo: &ResolvedSlo) -> Vec<&str> {
    slo.objectives
        .iter()
        .flat_map(|o| o.indicator.sources())
        .map(|s| s.kind.as_str())
        .collect()
}

/// The first `metricSource.type` of `indicator` vitals cannot query (`Any`, `Datadog`, …):
/// a valid spec, whose numbers have to come from elsewhere.
pub fn unqueryable(indicator: &ResolvedIndicator) -> Option<&str> {
    indicator
        .sources()
        .into_iter()
        .map(|s| s.kind.as_str())
        .find(|k| !queryable(k))
}

/// Checks every Prometheus source of `slos` as a fetch would (query, step, server URL),
/// before anything is fetched.
pub fn check_prometheus(
    slos: &[ResolvedSlo],
    default_url: Option<&str>,
) -> Result<(), SourceError> {
    for slo in slos {
        for objective in &slo.objectives {
            for source in objective.indicator.sources() {
                if prometheus::is_prometheus(&source.kind) {
                    Target::resolve(source, default_url).map_err(|e| {
                        SourceError::Input(format!(
                            "{}: {}: metricSource.{e}",
                            slo.origin, objective.path
                        ))
                    })?;
                }
            }
        }
    }
    Ok(())
}

/// A series of `indicator`'s shape without rows: what an unqueryable source yields.
pub fn no_rows(indicator: &ResolvedIndicator) -> Series {
    match indicator {
        ResolvedIndicator::Threshold(_) => Series::values([]),
        _ => Series::good_total([]),
    }
}

impl<'a> Metrics<'a> {
    pub fn new(
        bigquery: Option<&'a BigQuery>,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Metrics<'a> {
        Metrics {
            csv: Default::default(),
            cloudwatch: CloudWatch::default(),
            queries: HashMap::new(),
            bigquery,
            prometheus_url: None,
            prometheus: None,
            fetched: HashMap::new(),
            since,
            now,
        }
    }

    async fn table(
        &mut self,
        slo: &ResolvedSlo,
        source: &ResolvedSource,
        role: &str,
    ) -> Result<Arc<MetricTable>, SourceError> {
        let at = |message: String| {
            SourceError::Input(format!("{}: {role}.metricSource: {message}", slo.origin))
        };
        match source.kind.as_str() {
            "CSV" | "csv" => {
                let path = spec_path(slo, source, "path")
                    .ok_or_else(|| at("spec.path: missing (the CSV file)".into()))?;
                self.csv.get(&path)
            }
            "BigQuery" | "bigquery" => {
                let bq = self
                    .bigquery
                    .ok_or_else(|| at("BigQuery client unavailable".into()))?;
                let project = spec_text(&source.spec, "projectId")
                    .or_else(|| spec_text(&source.connection, "projectId"))
                    .ok_or_else(|| at("spec.projectId (or the DataSource's connectionDetails.projectId): missing".into()))?
                    .to_string();
                let sql = match (
                    spec_text(&source.spec, "query"),
                    spec_path(slo, source, "queryFile"),
                ) {
                    (Some(q), _) => q.to_string(),
                    (None, Some(file)) => std::fs::read_to_string(&file)
                        .map_err(|e| at(format!("spec.queryFile {}: {e}", file.display())))?,
                    (None, None) => return Err(at("spec.query or spec.queryFile: missing".into())),
                };
                let key = (project.clone(), sql.clone());
                if let Some(t) = self.queries.get(&key) {
                    return Ok(t.clone());
                }
                let params = [
                    Param {
                        name: "start",
                        kind: "TIMESTAMP",
                        value: crate::domain::rfc3339::format(&self.since),
                    },
                    Param {
                        name: "end",
                        kind: "TIMESTAMP",
                        value: crate::domain::rfc3339::format(&self.now),
                    },
                ];
                let rows = bq.query(&project, &sql, &params).await?;
                let table = Arc::new(query_table(&slo.origin, rows)?);
                self.queries.insert(key, table.clone());
                Ok(table)
            }
            "CloudWatch" | "cloudwatch" => {
                let key = (
                    "cloudwatch".to_string(),
                    format!("{:?}{:?}", source.spec, source.connection),
                );
                if let Some(t) = self.queries.get(&key) {
                    return Ok(t.clone());
                }
                let table = Arc::new(
                    self.cloudwatch
                        .table(
                            &source.spec,
                            &source.connection,
                            self.since,
                            self.now,
                            &slo.origin,
                        )
                        .await?,
                );
                self.queries.insert(key, table.clone());
                Ok(table)
            }
            other => Err(at(format!(
                "type {other:?} is not supported ({})",
                QUERYABLE.join(", ")
            ))),
        }
    }

    fn column<'t>(
        slo: &ResolvedSlo,
        source: &ResolvedSource,
        table: &'t MetricTable,
        role: &str,
    ) -> Result<&'t [Option<f64>], SourceError> {
        if source.kind.eq_ignore_ascii_case("cloudwatch") {
            return table.column("value");
        }
        let name = spec_text(&source.spec, "column").ok_or_else(|| {
            SourceError::Input(format!(
                "{}: {role}.metricSource.spec.column: missing",
                slo.origin
            ))
        })?;
        table.column(name)
    }

    /// One of the SLO's indicators as a time-sorted series.
    pub async fn series(
        &mut self,
        slo: &ResolvedSlo,
        indicator: &ResolvedIndicator,
    ) -> Result<Series, SourceError> {
        let sources = indicator.sources();
        let from_prometheus = sources
            .iter()
            .filter(|s| prometheus::is_prometheus(&s.kind))
            .count();
        if from_prometheus == sources.len() {
            return self.prometheus_series(slo, indicator).await;
        }
        if from_prometheus > 0 {
            return Err(SourceError::Input(format!(
                "{}: the indicator mixes Prometheus with other metric sources; read both \
                 sides of the ratio from Prometheus",
                slo.origin
            )));
        }
        match indicator {
            ResolvedIndicator::Threshold(source) => {
                let table = self.table(slo, source, "thresholdMetric").await?;
                let values = Self::column(slo, source, &table, "thresholdMetric")?;
                Ok(Series::values(
                    table
                        .timestamps
                        .iter()
                        .zip(values)
                        .filter_map(|(t, v)| v.map(|v| (*t, v))),
                ))
            }
            ResolvedIndicator::Raw { source, failure } => {
                let table = self.table(slo, source, "ratioMetric.raw").await?;
                let ratios = Self::column(slo, source, &table, "ratioMetric.raw")?;
                let mut rows = Vec::with_capacity(ratios.len());
                for (i, (t, r)) in table.timestamps.iter().zip(ratios).enumerate() {
                    let Some(r) = r else { continue };
                    if !(0.0..=1.0).contains(r) {
                        return Err(SourceError::Input(format!(
                            "{}:{}: {r} is not a ratio in [0, 1] (ratioMetric.raw)",
                            table.path.display(),
                            table.line_of(i)
                        )));
                    }
                    // Each row is one unit whose good share is the stored ratio.
                    let good = if *failure { 1.0 - r } else { *r };
                    rows.push((*t, good, 1.0));
                }
                Ok(Series::good_total(rows))
            }
            ResolvedIndicator::Ratio {
                counter,
                good,
                bad,
                total,
            } => {
                let (numerator, role) = match (good, bad) {
                    (Some(g), _) => (g, "ratioMetric.good"),
                    (None, Some(b)) => (b, "ratioMetric.bad"),
                    (None, None) => unreachable!("validated by the OpenSLO reader"),
                };
                let mut num_table = self.table(slo, numerator, role).await?;
                let mut total_table = self.table(slo, total, "ratioMetric.total").await?;
                let both_cloudwatch = numerator.kind.eq_ignore_ascii_case("cloudwatch")
                    && total.kind.eq_ignore_ascii_case("cloudwatch");
                if both_cloudwatch && num_table.timestamps != total_table.timestamps {
                    // CloudWatch omits periods without datapoints: for counts, that is zero.
                    let (n, t) = align_with_zeros(&num_table, &total_table);
                    (num_table, total_table) = (Arc::new(n), Arc::new(t));
                }
                if num_table.timestamps != total_table.timestamps {
                    return Err(SourceError::Input(format!(
                        "{}: {role} and ratioMetric.total come from sources with different timestamps ({} and {})",
                        slo.origin,
                        num_table.path.display(),
                        total_table.path.display()
                    )));
                }
                let nums = Self::column(slo, numerator, &num_table, role)?;
                let totals = Self::column(slo, total, &total_table, "ratioMetric.total")?;
                let mut rows: Vec<(DateTime<Utc>, f64, f64)> = Vec::with_capacity(nums.len());
                for (i, ((t, n), d)) in num_table
                    .timestamps
                    .iter()
                    .zip(nums)
                    .zip(totals)
                    .enumerate()
                {
                    let (Some(n), Some(d)) = (n, d) else { continue };
                    if *n < 0.0 || *d < 0.0 {
                        let what = if *counter { "a counter" } else { "a count" };
                        return Err(SourceError::Input(format!(
                            "{}:{}: negative value in {what}",
                            num_table.path.display(),
                            num_table.line_of(i)
                        )));
                    }
                    rows.push((*t, *n, *d));
                }
                if *counter {
                    let n = counter_increases(&rows.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>());
                    let d = counter_increases(&rows.iter().map(|r| (r.0, r.2)).collect::<Vec<_>>());
                    rows = n
                        .into_iter()
                        .zip(d)
                        .map(|((t, n), (_, d))| (t, n, d))
                        .collect();
                }
                Ok(if good.is_some() {
                    Series::good_total(rows)
                } else {
                    Series::bad_total(rows)
                })
            }
        }
    }
}

impl Metrics<'_> {
    /// A Prometheus indicator's series: its queries fetched (at once, each once per run), then
    /// shaped by the contract's rules.
    async fn prometheus_series(
        &mut self,
        slo: &ResolvedSlo,
        indicator: &ResolvedIndicator,
    ) -> Result<Series, SourceError> {
        let roles: Vec<(&ResolvedSource, &str)> = match indicator {
            ResolvedIndicator::Threshold(source) => vec![(source, "thresholdMetric")],
            ResolvedIndicator::Raw { source, .. } => vec![(source, "ratioMetric.raw")],
            ResolvedIndicator::Ratio {
                good, bad, total, ..
            } => {
                let numerator = match (good, bad) {
                    (Some(g), _) => (g, "ratioMetric.good"),
                    (None, Some(b)) => (b, "ratioMetric.bad"),
                    (None, None) => unreachable!("validated by the OpenSLO reader"),
                };
                vec![numerator, (total, "ratioMetric.total")]
            }
        };
        let fetched = self.prometheus_fetch(slo, &roles).await?;
        let bad_data = |e: String| SourceError::Input(format!("{}: {e}", slo.origin));
        match indicator {
            ResolvedIndicator::Threshold(_) | ResolvedIndicator::Raw { .. } => {
                let (role, one) = (roles[0].1, &fetched[0]);
                if one.series.len() > 1 {
                    let shown: Vec<&str> = one.series.iter().take(3).map(String::as_str).collect();
                    return Err(bad_data(format!(
                        "{role}.metricSource.spec.query: the query returned {} series ({}{}); \
                         a {} needs exactly one: aggregate it (e.g. max(…), or \
                         histogram_quantile over sum by (le) (…))",
                        one.series.len(),
                        shown.join(", "),
                        if one.series.len() > 3 { ", …" } else { "" },
                        if role == "thresholdMetric" {
                            "threshold metric"
                        } else {
                            "raw ratio"
                        }
                    )));
                }
                match indicator {
                    ResolvedIndicator::Raw { failure, .. } => {
                        prometheus::raw(&one.points, *failure)
                            .map_err(|e| bad_data(format!("{role}: {e}")))
                    }
                    _ => Ok(Series::values(one.points.iter().copied())),
                }
            }
            ResolvedIndicator::Ratio { counter, good, .. } => prometheus::ratio(
                &fetched[0].points,
                &fetched[1].points,
                *counter,
                good.is_some(),
            )
            .map_err(|e| bad_data(format!("ratioMetric.{e}"))),
        }
    }

    /// Each source's samples, in order; the ones not fetched yet this run are fetched at once.
    async fn prometheus_fetch(
        &mut self,
        slo: &ResolvedSlo,
        roles: &[(&ResolvedSource, &str)],
    ) -> Result<Vec<Arc<Fetched>>, SourceError> {
        let mut targets = Vec::with_capacity(roles.len());
        for (source, role) in roles {
            let target = Target::resolve(source, self.prometheus_url.as_deref()).map_err(|e| {
                SourceError::Input(format!("{}: {role}.metricSource.{e}", slo.origin))
            })?;
            targets.push((target, *role));
        }
        if self.prometheus.is_none() {
            self.prometheus = Some(prometheus::Client::from_env().map_err(SourceError::Upstream)?);
        }
        let client = self.prometheus.as_ref().expect("set up above");
        let mut missing: Vec<(&Target, &str)> = Vec::new();
        for (target, role) in &targets {
            if !self.fetched.contains_key(target) && !missing.iter().any(|(t, _)| *t == target) {
                missing.push((target, role));
            }
        }
        let (since, now) = (self.since, self.now);
        let results = futures::future::try_join_all(missing.iter().map(|(target, role)| async move {
            prometheus::fetch(client, target, since, now)
                .await
                .map_err(|e| match e {
                    CallError::Rejected(message) => SourceError::Input(format!(
                        "{}: {role}.metricSource.spec.query: Prometheus rejected the query: {message}",
                        slo.origin
                    )),
                    CallError::Upstream(message) => SourceError::Upstream(format!(
                        "{}: Prometheus at {}: {message}",
                        slo.origin,
                        target.server()
                    )),
                })
        }))
        .await?;
        let fetched: Vec<(Target, Arc<Fetched>)> = missing
            .iter()
            .map(|(t, _)| (*t).clone())
            .zip(results.into_iter().map(Arc::new))
            .collect();
        self.fetched.extend(fetched);
        Ok(targets
            .iter()
            .map(|(t, _)| self.fetched[t].clone())
            .collect())
    }
}

/// Two one-column tables over the union of their timestamps, a missing value being 0.
fn align_with_zeros(a: &MetricTable, b: &MetricTable) -> (MetricTable, MetricTable) {
    let mut times: Vec<DateTime<Utc>> = a.timestamps.iter().chain(&b.timestamps).copied().collect();
    times.sort();
    times.dedup();
    let fill = |t: &MetricTable| {
        let values: HashMap<DateTime<Utc>, Option<f64>> = t
            .timestamps
            .iter()
            .copied()
            .zip(t.column("value").unwrap_or(&[]).iter().copied())
            .collect();
        let column = times
            .iter()
            .map(|ts| Some(values.get(ts).copied().flatten().unwrap_or(0.0)))
            .collect();
        MetricTable::new(
            "CloudWatch",
            times.clone(),
            HashMap::from([("value".to_string(), column)]),
        )
    };
    (fill(a), fill(b))
}

/// One result row: its time and its numeric cells by column.
type TimedRow = (DateTime<Utc>, HashMap<String, Option<f64>>);

/// A query result (`timestamp` + numeric columns) as a sorted table.
fn query_table(origin: &str, rows: Vec<super::bigquery::Row>) -> Result<MetricTable, SourceError> {
    let mut parsed: Vec<TimedRow> = Vec::with_capacity(rows.len());
    for row in rows {
        let ts = row
            .get("timestamp")
            .and_then(|v| v.as_deref())
            .and_then(|v| {
                super::time::timestamp_cell(v).or_else(|| super::time::parse_timestamp(v))
            })
            .ok_or_else(|| {
                SourceError::Input(format!(
                    "{origin}: the query must return a `timestamp` column"
                ))
            })?;
        let mut values = HashMap::new();
        for (column, cell) in row.into_iter().filter(|(k, _)| k != "timestamp") {
            let value = match cell {
                None => None,
                Some(text) => Some(
                    text.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| {
                            SourceError::Input(format!(
                                "{origin}: query column `{column}`: {text:?} is not a number"
                            ))
                        })?,
                ),
            };
            values.insert(column, value);
        }
        parsed.push((ts, values));
    }
    parsed.sort_by_key(|(t, _)| *t);
    let mut columns: HashMap<String, Vec<Option<f64>>> = HashMap::new();
    for (_, values) in &parsed {
        for (k, v) in values {
            columns.entry(k.clone()).or_default().push(*v);
        }
    }
    Ok(MetricTable::new(
        "BigQuery query",
        parsed.into_iter().map(|(t, _)| t).collect(),
        columns,
    ))
}
