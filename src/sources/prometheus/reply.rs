//! Prometheus's HTTP API replies (`/api/v1/query_range`), read strictly enough to tell
//! Prometheus's own answer from a proxy's page in its place: what vitals retries, what it
//! reports as the user's query error, and what it reads.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One series of a range query: its labels and its `(epoch seconds, value)` samples.
#[derive(Clone, Debug, PartialEq)]
pub struct RangeSeries {
    pub labels: BTreeMap<String, String>,
    pub values: Vec<(f64, f64)>,
}

impl RangeSeries {
    /// The series as PromQL writes it, e.g. `{code="500", job="api"}`.
    pub fn describe(&self) -> String {
        let labels: Vec<String> = self
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v:?}"))
            .collect();
        format!("{{{}}}", labels.join(", "))
    }
}

/// What a reply says.
#[derive(Debug, PartialEq)]
pub enum Reply {
    /// The query's series (`resultType: matrix`), and the server's warnings.
    Matrix {
        series: Vec<RangeSeries>,
        warnings: Vec<String>,
    },
    /// Prometheus refused or failed the query and said why (`status: error`).
    Error { error_type: String, error: String },
    /// Not Prometheus's JSON at all (a proxy's or load balancer's page): what it was.
    Foreign(String),
}

#[derive(Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    result: Vec<MatrixSeries>,
}

#[derive(Deserialize)]
struct MatrixSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

/// A sample value: Prometheus writes floats as strings, `NaN` and `±Inf` included. Those
/// carry no count or latency, so they read as no sample.
fn sample(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Reads a reply body; `content_type` only helps describe a foreign one.
pub fn parse(body: &[u8], content_type: &str) -> Reply {
    let envelope: Envelope = match serde_json::from_slice(body) {
        Ok(envelope) => envelope,
        Err(_) => return Reply::Foreign(describe_foreign(body, content_type)),
    };
    match envelope.status.as_str() {
        "success" => match envelope.data {
            Some(data) if data.result_type == "matrix" => Reply::Matrix {
                series: data
                    .result
                    .into_iter()
                    .map(|s| RangeSeries {
                        labels: s.metric,
                        values: s
                            .values
                            .iter()
                            .filter_map(|(t, v)| Some((*t, sample(v)?)))
                            .collect(),
                    })
                    .collect(),
                warnings: envelope.warnings,
            },
            Some(data) => Reply::Foreign(format!(
                "a {:?} result where a range query returns a matrix",
                data.result_type
            )),
            None => Reply::Foreign("a success reply without data".into()),
        },
        "error" => Reply::Error {
            error_type: envelope.error_type.unwrap_or_else(|| "unknown".into()),
            error: envelope.error.unwrap_or_default(),
        },
        other => Reply::Foreign(format!("a reply with status {other:?}")),
    }
}

/// One short phrase for a reply that is not Prometheus's: its type and, for a page, its title.
fn describe_foreign(body: &[u8], content_type: &str) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(4_096)]);
    let lower = text.to_ascii_lowercase();
    let title = lower.find("<title>").and_then(|start| {
        let from = start + "<title>".len();
        let end = lower[from..].find("</title>")? + from;
        Some(
            text[from..end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        )
    });
    let kind = if lower.trim_start().starts_with('<') || content_type.contains("html") {
        "an HTML page"
    } else if body.is_empty() {
        "an empty reply"
    } else {
        "a reply that is not Prometheus's JSON"
    };
    match title.filter(|t| !t.is_empty()) {
        Some(title) => format!("{kind} ({:?})", title.chars().take(80).collect::<String>()),
        None if content_type.is_empty() => kind.to_string(),
        None => format!("{kind} ({content_type})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_matrix_reply_gives_each_series_with_its_samples() {
        let body = br#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"code":"500"},"values":[[1700000060,"3"],[1700000120.5,"NaN"],[1700000180,"+Inf"],[1700000240,"1e1"]]},
            {"metric":{},"values":[]}]},"warnings":["partial"]}"#;
        let Reply::Matrix { series, warnings } = parse(body, "application/json") else {
            panic!("not a matrix")
        };
        assert_eq!(series.len(), 2);
        assert_eq!(
            series[0].values,
            [(1_700_000_060.0, 3.0), (1_700_000_240.0, 10.0)]
        );
        assert_eq!(series[0].describe(), r#"{code="500"}"#);
        assert_eq!(series[1].describe(), "{}");
        assert_eq!(warnings, ["partial"]);
    }

    #[test]
    fn an_error_reply_carries_prometheus_s_type_and_message() {
        let body = br#"{"status":"error","errorType":"bad_data","error":"1:15: parse error: missing unit character in duration"}"#;
        assert_eq!(
            parse(body, "application/json"),
            Reply::Error {
                error_type: "bad_data".into(),
                error: "1:15: parse error: missing unit character in duration".into()
            }
        );
    }

    #[test]
    fn a_proxy_page_is_foreign_and_named_by_its_title() {
        let page = b"<!DOCTYPE html><html><head><title>502 Bad\n Gateway</title></head></html>";
        assert_eq!(
            parse(page, "text/html"),
            Reply::Foreign(r#"an HTML page ("502 Bad Gateway")"#.into())
        );
        assert_eq!(
            parse(b"<html>sign in</html>", ""),
            Reply::Foreign("an HTML page".into())
        );
        assert_eq!(parse(b"", ""), Reply::Foreign("an empty reply".into()));
        assert_eq!(
            parse(br#"{"hello":1}"#, "application/json"),
            Reply::Foreign("a reply that is not Prometheus's JSON (application/json)".into())
        );
        assert_eq!(
            parse(
                br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
                ""
            ),
            Reply::Foreign(r#"a "vector" result where a range query returns a matrix"#.into())
        );
    }
}
