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
use super::prometheus::{self, Target};
use super::SourceError;
use crate::domain::slo::{ratio_counter_increases, Series};

/// Fetches metric tables, caching by file or query.
pub struct Metrics<'a> {
    csv: csv_metrics::Cache,
    cloudwatch: CloudWatch,
    queries: HashMap<(String, String), Arc<MetricTable>>,
    bigquery: Option<&'a BigQuery>,
    prometheus: prometheus::Reader,
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
            prometheus: prometheus::Reader::default(),
            since,
            now,
        }
    }

    /// The server of Prometheus sources whose DataSource names none (`[slo] prometheus_url`).
    pub fn with_prometheus_url(mut self, url: Option<String>) -> Self {
        self.prometheus.default_url = url;
        self
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
                    (None, Some(file)) => crate::fs::read_input(&file, crate::fs::MAX_SMALL_BYTES)
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
                let mut table = QueryTable::default();
                bq.query_pages(&project, &sql, &params, |columns, page| {
                    table.add_page(&slo.origin, columns, page)
                })
                .await?;
                let table = Arc::new(table.finish());
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
            return self
                .prometheus
                .series(slo, indicator, self.since, self.now)
                .await;
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
                    rows = ratio_counter_increases(&rows);
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

/// A query result (`timestamp` + numeric columns) built page by page: each row is kept as a
/// time and its numbers (no map per row), then sorted into a table.
#[derive(Default)]
struct QueryTable {
    names: Vec<String>,
    rows: Vec<(DateTime<Utc>, Vec<Option<f64>>)>,
}

impl QueryTable {
    fn add_page(
        &mut self,
        origin: &str,
        columns: &super::bigquery::Columns,
        page: Vec<gcp_bigquery_client::model::table_row::TableRow>,
    ) -> Result<(), SourceError> {
        let timestamp = columns.index("timestamp").ok_or_else(|| {
            SourceError::Input(format!(
                "{origin}: the query must return a `timestamp` column"
            ))
        })?;
        let names: Vec<String> = columns
            .names()
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != timestamp)
            .map(|(_, n)| n.clone())
            .collect();
        if self.rows.is_empty() {
            self.names = names;
        } else if self.names != names {
            return Err(SourceError::Upstream(format!(
                "{origin}: the query's pages have different columns"
            )));
        }
        for row in page {
            let cells = columns.cells(row)?;
            let ts = cells.values()[timestamp]
                .as_deref()
                .and_then(|v| {
                    super::time::timestamp_cell(v).or_else(|| super::time::parse_timestamp(v))
                })
                .ok_or_else(|| {
                    SourceError::Input(format!(
                        "{origin}: the query must return a `timestamp` column"
                    ))
                })?;
            let mut values = Vec::with_capacity(self.names.len());
            for (i, cell) in cells.values().iter().enumerate() {
                if i == timestamp {
                    continue;
                }
                values.push(match cell {
                    None => None,
                    Some(text) => Some(
                        text.parse::<f64>()
                            .ok()
                            .filter(|v| v.is_finite())
                            .ok_or_else(|| {
                                SourceError::Input(format!(
                                    "{origin}: query column `{}`: {:?} is not a number",
                                    columns.names()[i],
                                    crate::redact::excerpt(text, 60)
                                ))
                            })?,
                    ),
                });
            }
            self.rows.push((ts, values));
        }
        Ok(())
    }

    fn finish(mut self) -> MetricTable {
        self.rows.sort_by_key(|(t, _)| *t);
        let mut columns: Vec<Vec<Option<f64>>> =
            vec![Vec::with_capacity(self.rows.len()); self.names.len()];
        let mut timestamps = Vec::with_capacity(self.rows.len());
        for (t, values) in self.rows {
            timestamps.push(t);
            for (column, value) in columns.iter_mut().zip(values) {
                column.push(value);
            }
        }
        MetricTable::new(
            "BigQuery query",
            timestamps,
            self.names.into_iter().zip(columns).collect(),
        )
    }
}
