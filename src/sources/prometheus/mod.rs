//! Prometheus as an SLO source, and anything serving its HTTP API (Thanos, Mimir,
//! VictoriaMetrics): an OpenSLO `metricSource` of type `Prometheus` names a PromQL query
//! (`spec.query`, with the `{{window}}` placeholder standing for the step) and a step
//! (`spec.step`, default 1m). Its samples, summed over the series a query returns, become
//! rows: a sample at t covers [t − step, t), so it counts as a row stamped t − step.
//!
//! Not here: turning specs into alert rules (`domain::slo::rules`), which needs no server.

mod assemble;
mod client;
mod query;
mod reader;
mod reply;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use reqwest::Url;
use serde_json::Value;

pub use crate::domain::slo::rules::{has_window, promql_duration, with_window};
pub use client::{CallError, Client, TOKEN_VARIABLE};
pub use reader::Reader;

use super::openslo::{spec_text, ResolvedSource};
use crate::redact;

/// The environment variable naming the server when neither the DataSource nor the config
/// does.
pub const URL_VARIABLE: &str = "PROMETHEUS_URL";

/// Range calls of one query in flight at once: enough to overlap a server's work with the
/// transfer, few enough not to crowd a shared server.
const CONCURRENT_CALLS: usize = 4;

/// Whether a `metricSource.type` names Prometheus (any case, as OpenSLO tools write it).
pub fn is_prometheus(kind: &str) -> bool {
    kind.eq_ignore_ascii_case("prometheus")
}

/// A server's base URL: http or https, with a host. A password in it is a secret from now on,
/// and no error shows it.
pub fn parse_url(text: &str) -> Result<Url, String> {
    let shown = without_userinfo(text.trim());
    let url = Url::parse(text.trim())
        .map_err(|e| format!("{shown:?} is not a URL ({e}); e.g. http://prometheus:9090"))?;
    if let Some(password) = url.password() {
        redact::register(password);
    }
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "{shown:?} is not an http(s) URL; e.g. http://prometheus:9090"
        ));
    }
    Ok(url)
}

/// A URL as an error may show it: credentials before an `@` of its authority are dropped.
fn without_userinfo(text: &str) -> String {
    let (scheme, rest) = match text.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), text),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}[redacted]@{}", &rest[at + 1..]),
        None => text.to_string(),
    }
}

/// One query to run against one server.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    /// The server's base URL (a path prefix such as Mimir's `/prometheus` included).
    pub base: Url,
    /// The PromQL, its window placeholder replaced by the step.
    pub query: String,
    /// Seconds between samples.
    pub step: i64,
}

impl Target {
    /// The query of a metric source: `spec.query`, `spec.step`, and the server from the
    /// DataSource's `connectionDetails.url` (or the source's own `spec.url`), else
    /// `default_url` (`[slo] prometheus_url`), else `PROMETHEUS_URL`. Errors start with the
    /// field at fault, relative to the `metricSource`.
    pub fn resolve(source: &ResolvedSource, default_url: Option<&str>) -> Result<Target, String> {
        let query = spec_text(&source.spec, "query")
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .ok_or("spec.query: missing (the PromQL query)")?;
        let step = match source.spec.get("step") {
            None | Some(Value::Null) => query::DEFAULT_STEP_SECONDS,
            Some(Value::String(text)) => {
                query::parse_duration(text).map_err(|e| format!("spec.step: {e}"))?
            }
            Some(Value::Number(n)) => n
                .as_i64()
                .filter(|s| *s > 0)
                .ok_or_else(|| format!("spec.step: {n} is not a whole number of seconds"))?,
            Some(other) => return Err(format!("spec.step: {other} is not a duration such as 1m")),
        };
        let (field, url) = if let Some(url) = spec_text(&source.connection, "url") {
            ("the DataSource's connectionDetails.url", url.to_string())
        } else if let Some(url) = spec_text(&source.spec, "url") {
            ("spec.url", url.to_string())
        } else if let Some(url) = default_url {
            ("[slo] prometheus_url", url.to_string())
        } else if let Some(url) = std::env::var(URL_VARIABLE)
            .ok()
            .filter(|u| !u.trim().is_empty())
        {
            (URL_VARIABLE, url)
        } else {
            return Err(format!(
                "no Prometheus server: set the DataSource's connectionDetails.url, [slo] \
                 prometheus_url in the config, or {URL_VARIABLE}"
            ));
        };
        let base = parse_url(&url).map_err(|e| format!("{field}: {e}"))?;
        Ok(Target {
            base,
            query: with_window(query, &promql_duration(step)),
            step,
        })
    }

    /// `…/api/v1/query_range` under the base URL.
    pub fn endpoint(&self) -> Url {
        let mut url = self.base.clone();
        let path = format!("{}/api/v1/query_range", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url.set_query(None);
        url
    }

    /// The server as messages name it: no credentials, no query string.
    pub fn server(&self) -> String {
        let mut url = self.base.clone();
        let _ = url.set_username("");
        let _ = url.set_password(None);
        url.set_query(None);
        url.as_str().trim_end_matches('/').to_string()
    }
}

/// A query's samples over the run's range.
#[derive(Debug, Default, PartialEq)]
pub struct Fetched {
    /// Every series the query returned, as PromQL writes them.
    pub series: Vec<String>,
    /// The samples summed over the series, stamped t − step, in time order.
    pub points: Vec<(DateTime<Utc>, f64)>,
}

/// Runs `target` over the contract's range for data from `since` to `now`: evaluation times
/// aligned to the step, calls of at most 10,000 points, a few in flight at once.
pub async fn fetch(
    client: &Client,
    target: &Target,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Fetched, CallError> {
    let Some((start, end)) = query::aligned_range(since, now, target.step) else {
        return Ok(Fetched::default());
    };
    let endpoint = target.endpoint();
    let calls = query::chunks(start, end, target.step);
    let replies: Vec<Vec<reply::RangeSeries>> = futures::stream::iter(calls)
        .map(|(from, to)| client.query_range(&endpoint, &target.query, from, to, target.step))
        .buffered(CONCURRENT_CALLS)
        .try_collect()
        .await?;
    let mut series = BTreeSet::new();
    let mut sums: BTreeMap<i64, f64> = BTreeMap::new();
    for reply in replies {
        for s in reply {
            series.insert(s.describe());
            for (t, v) in s.values {
                *sums.entry((t * 1000.0).round() as i64).or_default() += v;
            }
        }
    }
    let step_ms = target.step * 1000;
    let points = sums
        .into_iter()
        .filter_map(|(ms, v)| Some((DateTime::from_timestamp_millis(ms - step_ms)?, v)))
        .collect();
    Ok(Fetched {
        series: series.into_iter().collect(),
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_error_never_shows_its_password() {
        for text in [
            "ftp://user:hunter2hunter2@prom:9090",
            "user:hunter2hunter2@prom:9090/x",
            "http://user:hunter2hunter2@",
        ] {
            let error = parse_url(text).unwrap_err();
            assert!(!error.contains("hunter2"), "{error}");
            assert!(error.contains("[redacted]@"), "{error}");
        }
    }

    fn source(spec: Value, connection: Value) -> ResolvedSource {
        let map = |v: Value| match v {
            Value::Object(m) => m.into_iter().collect(),
            _ => BTreeMap::new(),
        };
        ResolvedSource {
            kind: "Prometheus".into(),
            spec: map(spec),
            connection: map(connection),
        }
    }

    #[test]
    fn the_datasource_url_wins_over_the_config_and_the_step_fills_the_window() {
        let s = source(
            serde_json::json!({"query": "sum(increase(x[{{window}}]))", "step": "5m"}),
            serde_json::json!({"url": "http://prom.example:9090/prometheus/"}),
        );
        let target = Target::resolve(&s, Some("http://other:9090")).unwrap();
        assert_eq!(target.query, "sum(increase(x[5m]))");
        assert_eq!(target.step, 300);
        assert_eq!(
            target.endpoint().as_str(),
            "http://prom.example:9090/prometheus/api/v1/query_range"
        );
        let inline = source(serde_json::json!({"query": "up"}), Value::Null);
        let target = Target::resolve(&inline, Some("http://other:9090")).unwrap();
        assert_eq!(target.step, 60);
        assert_eq!(
            target.endpoint().as_str(),
            "http://other:9090/api/v1/query_range"
        );
    }

    #[test]
    fn a_source_without_query_or_with_a_bad_step_or_url_names_the_field() {
        let err = |spec: Value, conn: Value| {
            Target::resolve(&source(spec, conn), Some("http://p:9090")).unwrap_err()
        };
        assert!(err(serde_json::json!({}), Value::Null).starts_with("spec.query: missing"));
        assert!(err(
            serde_json::json!({"query": "up", "step": "1x"}),
            Value::Null
        )
        .starts_with("spec.step: "));
        assert!(err(
            serde_json::json!({"query": "up"}),
            serde_json::json!({"url": "ftp://p"})
        )
        .starts_with("the DataSource's connectionDetails.url: "));
    }

    #[test]
    fn messages_name_the_server_without_its_credentials() {
        let s = source(
            serde_json::json!({"query": "up"}),
            serde_json::json!({"url": "https://user:s3cr3t-passw0rd@prom.example/?x=1"}),
        );
        let target = Target::resolve(&s, None).unwrap();
        assert_eq!(target.server(), "https://prom.example");
        assert_eq!(redact::clean("s3cr3t-passw0rd"), "[redacted]");
    }
}
