//! OpenSLO v1 specs: `SLO`, `SLI` and `DataSource` documents, several per file (`---`),
//! resolved into self-contained SLO definitions. Every error names the file, the document
//! and the field path, e.g. `slo/api.yaml: document 2 (SLO api-latency): spec.objectives[0].target: …`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::SourceError;

pub const API_VERSION: &str = "openslo/v1";

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    pub name: String,
    pub display_name: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, Value>,
    #[serde(default)]
    pub annotations: BTreeMap<String, Value>,
}

/// Where a metric's numbers come from.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricSource {
    pub metric_source_ref: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub spec: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metric {
    pub metric_source: MetricSource,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RatioMetric {
    #[serde(default)]
    pub counter: bool,
    pub good: Option<Metric>,
    pub bad: Option<Metric>,
    pub total: Option<Metric>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SliSpec {
    pub description: Option<String>,
    pub threshold_metric: Option<Metric>,
    pub ratio_metric: Option<RatioMetric>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InlineSli {
    pub metadata: Option<Metadata>,
    pub spec: SliSpec,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Calendar {
    pub start_time: String,
    pub time_zone: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimeWindow {
    pub duration: String,
    #[serde(default)]
    pub is_rolling: bool,
    pub calendar: Option<Calendar>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Objective {
    pub display_name: Option<String>,
    pub op: Option<String>,
    pub value: Option<f64>,
    pub target: Option<f64>,
    pub target_percent: Option<f64>,
    pub time_slice_target: Option<f64>,
    pub time_slice_window: Option<String>,
    pub indicator: Option<InlineSli>,
    pub indicator_ref: Option<String>,
    pub composite_weight: Option<f64>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SloSpec {
    pub description: Option<String>,
    pub service: Option<String>,
    pub indicator: Option<InlineSli>,
    pub indicator_ref: Option<String>,
    pub time_window: Vec<TimeWindow>,
    pub budgeting_method: String,
    pub objectives: Vec<Objective>,
    #[serde(default)]
    pub alert_policies: Vec<Value>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DataSourceSpec {
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub connection_details: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Document<S> {
    #[allow(dead_code)]
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    metadata: Metadata,
    spec: S,
}

/// A metric source with its DataSource's type and connection details merged in.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedSource {
    pub kind: String,
    pub spec: BTreeMap<String, Value>,
    pub connection: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ResolvedIndicator {
    Ratio {
        counter: bool,
        good: Option<ResolvedSource>,
        bad: Option<ResolvedSource>,
        total: ResolvedSource,
    },
    Threshold(ResolvedSource),
}

/// One SLO, ready for a source adapter and the domain.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedSlo {
    /// `file: document N (SLO name)`, for error messages.
    pub origin: String,
    pub file: PathBuf,
    pub name: String,
    pub display_name: Option<String>,
    pub service: Option<String>,
    pub indicator: ResolvedIndicator,
    pub time_window: TimeWindow,
    pub budgeting_method: String,
    pub objectives: Vec<Objective>,
}

struct Raw {
    origin: String,
    file: PathBuf,
    value: Value,
}

fn typed<T: for<'de> Deserialize<'de>>(raw: &Raw) -> Result<Document<T>, SourceError> {
    serde_path_to_error::deserialize(raw.value.clone()).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        SourceError::Input(format!("{}: {path}: {inner}", raw.origin))
    })
}

fn string_field<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

/// Reads and resolves every SLO in `files`.
pub fn load(files: &[PathBuf]) -> Result<Vec<ResolvedSlo>, SourceError> {
    let mut raws = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| SourceError::Input(format!("{}: cannot read: {e}", file.display())))?;
        let documents = super::yaml::documents(&text).map_err(|e| {
            SourceError::Input(format!(
                "{}: invalid YAML: {}",
                file.display(),
                e.describe()
            ))
        })?;
        for (i, value) in documents.into_iter().enumerate() {
            let kind = string_field(&value, "kind").unwrap_or("?").to_string();
            let name = value
                .get("metadata")
                .and_then(|m| string_field(m, "name"))
                .unwrap_or("?")
                .to_string();
            let origin = format!("{}: document {} ({kind} {name})", file.display(), i + 1);
            match string_field(&value, "apiVersion") {
                Some(API_VERSION) => {}
                Some(other) => {
                    return Err(SourceError::Input(format!(
                        "{origin}: apiVersion: {other:?} is not supported (expected {API_VERSION})"
                    )))
                }
                None => {
                    return Err(SourceError::Input(format!(
                        "{origin}: apiVersion: missing (expected {API_VERSION})"
                    )))
                }
            }
            raws.push(Raw {
                origin,
                file: file.clone(),
                value,
            });
        }
    }
    let mut slis = BTreeMap::new();
    let mut sources = BTreeMap::new();
    let mut slos = Vec::new();
    for raw in &raws {
        match string_field(&raw.value, "kind") {
            Some("SLO") => slos.push(raw),
            Some("SLI") => {
                let doc = typed::<SliSpec>(raw)?;
                slis.insert(doc.metadata.name.clone(), doc.spec);
            }
            Some("DataSource") => {
                let doc = typed::<DataSourceSpec>(raw)?;
                sources.insert(doc.metadata.name.clone(), doc.spec);
            }
            // Other OpenSLO kinds do not change the numbers.
            Some("Service" | "AlertPolicy" | "AlertCondition" | "AlertNotificationTarget") => {}
            Some(other) => {
                return Err(SourceError::Input(format!(
                    "{}: kind: unknown kind {other:?} (expected SLO, SLI or DataSource)",
                    raw.origin
                )))
            }
            None => return Err(SourceError::Input(format!("{}: kind: missing", raw.origin))),
        }
    }
    let mut resolved = Vec::new();
    for raw in slos {
        let doc = typed::<SloSpec>(raw)?;
        resolved.push(resolve(raw, doc, &slis, &sources)?);
    }
    Ok(resolved)
}

fn resolve_source(
    origin: &str,
    path: &str,
    metric: &Metric,
    sources: &BTreeMap<String, DataSourceSpec>,
) -> Result<ResolvedSource, SourceError> {
    let source = &metric.metric_source;
    let referenced = match &source.metric_source_ref {
        Some(name) => Some(sources.get(name).ok_or_else(|| {
            SourceError::Input(format!(
                "{origin}: {path}.metricSource.metricSourceRef: no DataSource named {name:?}"
            ))
        })?),
        None => None,
    };
    let kind = source
        .kind
        .clone()
        .or_else(|| referenced.map(|d| d.kind.clone()))
        .ok_or_else(|| {
            SourceError::Input(format!("{origin}: {path}.metricSource.type: missing"))
        })?;
    Ok(ResolvedSource {
        kind,
        spec: source.spec.clone(),
        connection: referenced
            .map(|d| d.connection_details.clone())
            .unwrap_or_default(),
    })
}

fn resolve(
    raw: &Raw,
    doc: Document<SloSpec>,
    slis: &BTreeMap<String, SliSpec>,
    sources: &BTreeMap<String, DataSourceSpec>,
) -> Result<ResolvedSlo, SourceError> {
    let origin = &raw.origin;
    let bad =
        |path: &str, message: &str| SourceError::Input(format!("{origin}: {path}: {message}"));
    let spec = doc.spec;
    let sli = match (&spec.indicator, &spec.indicator_ref) {
        (Some(inline), None) => inline.spec.clone(),
        (None, Some(name)) => slis
            .get(name)
            .cloned()
            .ok_or_else(|| bad("spec.indicatorRef", &format!("no SLI named {name:?}")))?,
        (Some(_), Some(_)) => {
            return Err(bad(
                "spec",
                "set either indicator or indicatorRef, not both",
            ))
        }
        (None, None) => {
            return Err(bad(
                "spec.indicator",
                "missing (an inline indicator or an indicatorRef is required)",
            ))
        }
    };
    let indicator = match (&sli.ratio_metric, &sli.threshold_metric) {
        (Some(ratio), None) => {
            let total = ratio
                .total
                .as_ref()
                .ok_or_else(|| bad("spec.indicator.spec.ratioMetric.total", "missing"))?;
            if ratio.good.is_some() == ratio.bad.is_some() {
                return Err(bad(
                    "spec.indicator.spec.ratioMetric",
                    "needs exactly one of good or bad, with total",
                ));
            }
            let side = |m: &Option<Metric>, name: &str| {
                m.as_ref()
                    .map(|m| {
                        resolve_source(
                            origin,
                            &format!("spec.indicator.spec.ratioMetric.{name}"),
                            m,
                            sources,
                        )
                    })
                    .transpose()
            };
            ResolvedIndicator::Ratio {
                counter: ratio.counter,
                good: side(&ratio.good, "good")?,
                bad: side(&ratio.bad, "bad")?,
                total: resolve_source(
                    origin,
                    "spec.indicator.spec.ratioMetric.total",
                    total,
                    sources,
                )?,
            }
        }
        (None, Some(threshold)) => ResolvedIndicator::Threshold(resolve_source(
            origin,
            "spec.indicator.spec.thresholdMetric",
            threshold,
            sources,
        )?),
        _ => {
            return Err(bad(
                "spec.indicator.spec",
                "needs exactly one of ratioMetric or thresholdMetric",
            ))
        }
    };
    let time_window = match spec.time_window.as_slice() {
        [one] => one.clone(),
        [] => {
            return Err(bad(
                "spec.timeWindow",
                "missing (e.g. [{duration: 28d, isRolling: true}])",
            ))
        }
        _ => {
            return Err(bad(
                "spec.timeWindow",
                "vitals supports one time window per SLO",
            ))
        }
    };
    if spec.objectives.is_empty() {
        return Err(bad("spec.objectives", "at least one objective is required"));
    }
    for (i, o) in spec.objectives.iter().enumerate() {
        // Composite SLOs (per-objective indicators, weights) are not computed: say so.
        for (set, field) in [
            (o.indicator.is_some(), "indicator"),
            (o.indicator_ref.is_some(), "indicatorRef"),
            (o.composite_weight.is_some(), "compositeWeight"),
        ] {
            if set {
                return Err(bad(
                    &format!("spec.objectives[{i}].{field}"),
                    "composite SLOs are not supported: give the SLO one indicator",
                ));
            }
        }
        let target = o.target.or(o.target_percent.map(|p| p / 100.0));
        match target {
            Some(t) if t > 0.0 && t < 1.0 => {}
            Some(t) => {
                return Err(bad(
                    &format!("spec.objectives[{i}].target"),
                    &format!("{t} is outside (0, 1) (99.9 % is 0.999)"),
                ))
            }
            None => return Err(bad(&format!("spec.objectives[{i}].target"), "missing")),
        }
    }
    Ok(ResolvedSlo {
        origin: origin.clone(),
        file: raw.file.clone(),
        name: doc.metadata.name,
        display_name: doc.metadata.display_name,
        service: spec.service,
        indicator,
        time_window,
        budgeting_method: spec.budgeting_method,
        objectives: spec.objectives,
    })
}

/// A string value of a metric source's `spec` or `connectionDetails`.
pub fn spec_text<'v>(map: &'v BTreeMap<String, Value>, key: &str) -> Option<&'v str> {
    map.get(key).and_then(Value::as_str)
}

/// A spec-relative path from a metric source's `spec` (e.g. a CSV `path`).
pub fn spec_path(slo: &ResolvedSlo, source: &ResolvedSource, key: &str) -> Option<PathBuf> {
    let text = source.spec.get(key).and_then(Value::as_str)?;
    let path = Path::new(text);
    Some(if path.is_absolute() {
        path.to_path_buf()
    } else {
        slo.file.parent().unwrap_or(Path::new(".")).join(path)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Vec<ResolvedSlo>, String> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("slo.yaml");
        std::fs::write(&file, text).unwrap();
        load(&[file]).map_err(|e| {
            e.to_string()
                .replace(&dir.path().display().to_string(), "DIR")
        })
    }

    const SPEC: &str = r#"
apiVersion: openslo/v1
kind: DataSource
metadata: {name: metrics}
spec:
  type: CSV
  connectionDetails: {}
---
apiVersion: openslo/v1
kind: SLI
metadata: {name: api-good-ratio}
spec:
  ratioMetric:
    counter: true
    good: {metricSource: {metricSourceRef: metrics, spec: {path: api.csv, column: good}}}
    total: {metricSource: {metricSourceRef: metrics, spec: {path: api.csv, column: total}}}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: api-availability, displayName: API availability}
spec:
  service: api
  indicatorRef: api-good-ratio
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar: {startTime: "2026-01-01 00:00:00", timeZone: Asia/Tokyo}
  budgetingMethod: Occurrences
  objectives:
    - displayName: three nines
      target: 0.999
"#;

    #[test]
    fn references_resolve_across_documents() {
        let slos = load_text(SPEC).unwrap();
        assert_eq!(slos.len(), 1);
        let slo = &slos[0];
        assert_eq!(slo.name, "api-availability");
        let ResolvedIndicator::Ratio {
            counter,
            good: Some(good),
            total,
            ..
        } = &slo.indicator
        else {
            panic!("{:?}", slo.indicator)
        };
        assert!(counter);
        assert_eq!(good.kind, "CSV");
        assert_eq!(total.spec["column"], Value::from("total"));
        assert_eq!(
            slo.time_window.calendar.as_ref().unwrap().time_zone,
            "Asia/Tokyo"
        );
        assert_eq!(
            spec_path(slo, good, "path").unwrap().file_name().unwrap(),
            "api.csv"
        );
    }

    #[test]
    fn errors_name_file_document_and_field_path() {
        let err = load_text(&SPEC.replace("target: 0.999", "target: 1.5")).unwrap_err();
        assert_eq!(err, "DIR/slo.yaml: document 3 (SLO api-availability): spec.objectives[0].target: 1.5 is outside (0, 1) (99.9 % is 0.999)");
        let err = load_text(&SPEC.replace(
            "budgetingMethod: Occurrences",
            "budgetingMethod: Occurrences\n  budgetMethod: x",
        ))
        .unwrap_err();
        assert!(err.contains("document 3 (SLO api-availability): spec.budgetMethod: unknown field `budgetMethod`"), "{err}");
        let err = load_text(&SPEC.replace("target: 0.999", "target: high")).unwrap_err();
        assert!(err.contains("spec.objectives[0].target: "), "{err}");
    }

    #[test]
    fn unknown_kinds_versions_and_references_are_rejected() {
        assert!(load_text(&SPEC.replace("kind: SLI", "kind: Sli"))
            .unwrap_err()
            .contains("kind: unknown kind \"Sli\""));
        assert!(load_text(&SPEC.replacen("openslo/v1", "openslo/v2", 1))
            .unwrap_err()
            .contains(
                "document 1 (DataSource metrics): apiVersion: \"openslo/v2\" is not supported"
            ));
        assert!(
            load_text(&SPEC.replace("indicatorRef: api-good-ratio", "indicatorRef: nope"))
                .unwrap_err()
                .contains("spec.indicatorRef: no SLI named \"nope\"")
        );
        assert!(load_text(&SPEC.replace("    total: {metricSource: {metricSourceRef: metrics, spec: {path: api.csv, column: total}}}\n", "")).unwrap_err().contains("ratioMetric.total: missing"));
        assert!(load_text("key: [unclosed")
            .unwrap_err()
            .contains("invalid YAML"));
    }
}
