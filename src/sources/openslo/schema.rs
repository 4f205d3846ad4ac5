//! The OpenSLO v1 objects as written, one struct per shape of the specification
//! (github.com/OpenSLO/OpenSLO, README "Object Types"). Unknown fields are errors, as in the
//! Go SDK's decoder; a key written with nothing after it (`alertPolicies:` followed only by
//! comments, as in the specification's own examples) reads as absent.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `null` reads as the type's default (`spec:` with only comments under it).
fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A label value is a string or a list of strings (General Schema notes); numbers and
/// booleans are accepted as the strings a YAML author meant (`tier: 1`).
fn is_label_value(v: &Value) -> bool {
    match v {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => true,
        Value::Array(items) => items
            .iter()
            .all(|i| !matches!(i, Value::Array(_) | Value::Object(_) | Value::Null)),
        _ => false,
    }
}

/// `metadata.labels`: "map[string]string|string[]" (General Schema notes): a map of label
/// values, or a plain list of labels. Labels never change the numbers; only their shape is
/// checked.
fn labels<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    use serde::de::Error;
    let value = Option::<Value>::deserialize(d)?.unwrap_or(Value::Null);
    let ok = match &value {
        Value::Null => true,
        Value::Object(map) => map.values().all(is_label_value),
        Value::Array(_) => is_label_value(&value),
        _ => false,
    };
    if ok {
        Ok(value)
    } else {
        Err(D::Error::custom(
            "labels are a map of strings or lists of strings, or a list of strings",
        ))
    }
}

/// `metadata` of every object (General Schema).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    pub name: String,
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "labels")]
    pub labels: Value,
    #[serde(default, deserialize_with = "or_default")]
    pub annotations: BTreeMap<String, Value>,
}

/// `metricSource` (SLI section): a DataSource reference and/or a type, and the fields that
/// source needs.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricSource {
    pub metric_source_ref: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "or_default")]
    pub spec: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metric {
    pub metric_source: MetricSource,
}

/// `ratioMetric` (SLI section, "Ratio Metric"): good or bad over total, or a precomputed
/// `raw` ratio with its `rawType`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RatioMetric {
    #[serde(default, deserialize_with = "or_default")]
    pub counter: bool,
    pub good: Option<Metric>,
    pub bad: Option<Metric>,
    pub total: Option<Metric>,
    pub raw_type: Option<String>,
    pub raw: Option<Metric>,
}

/// An SLI's `spec` (SLI section).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SliSpec {
    pub description: Option<String>,
    pub threshold_metric: Option<Metric>,
    pub ratio_metric: Option<RatioMetric>,
}

/// An indicator written inside an SLO or an objective (SLO section, `indicator`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InlineSli {
    pub metadata: Option<Metadata>,
    pub spec: Option<SliSpec>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Calendar {
    /// "date with time in 24h format, format without time zone", read in `timeZone`.
    pub start_time: String,
    pub time_zone: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimeWindow {
    pub duration: String,
    pub is_rolling: Option<bool>,
    pub calendar: Option<Calendar>,
}

/// `timeSliceWindow`: "number | duration-shorthand", a bare number being minutes
/// (Notes (Objectives)); read as duration shorthand (`5` is `5m`).
fn slice_window<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::de::Error;
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(Some(format!("{n}m"))),
        Some(other) => Err(D::Error::custom(format!(
            "{other} is not a duration (e.g. 5m, or a number of minutes)"
        ))),
    }
}

/// One of an SLO's `objectives` (SLO section, "Objectives"); composite SLOs give each its
/// own `indicator` or `indicatorRef` and a `compositeWeight`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Objective {
    pub display_name: Option<String>,
    pub op: Option<String>,
    pub value: Option<f64>,
    pub target: Option<f64>,
    pub target_percent: Option<f64>,
    pub time_slice_target: Option<f64>,
    #[serde(default, deserialize_with = "slice_window")]
    pub time_slice_window: Option<String>,
    pub indicator: Option<InlineSli>,
    pub indicator_ref: Option<String>,
    pub composite_weight: Option<f64>,
}

/// An SLO's `spec` (SLO section).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SloSpec {
    pub description: Option<String>,
    pub service: Option<String>,
    pub indicator: Option<InlineSli>,
    pub indicator_ref: Option<String>,
    /// "a list but accepting only exactly one item" (Notes (SLO)), read by the resolver so a
    /// bare mapping can count as that item.
    pub time_window: Option<Value>,
    pub budgeting_method: String,
    #[serde(default, deserialize_with = "or_default")]
    pub objectives: Vec<Objective>,
    /// Inline AlertPolicy objects or `alertPolicyRef`s: checked, never computed with.
    #[serde(default, deserialize_with = "or_default")]
    pub alert_policies: Vec<Value>,
}

/// A DataSource's `spec` (DataSource section). `connectionDetails` holds "everything that is
/// valid YAML".
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DataSourceSpec {
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub connection_details: Value,
}

/// A Service's `spec` (Service section).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceSpec {
    pub description: Option<String>,
}

/// `condition` of an AlertCondition (AlertCondition section).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Condition {
    pub kind: Option<String>,
    pub op: Option<String>,
    pub threshold: Option<f64>,
    pub lookback_window: Option<String>,
    pub alert_after: Option<String>,
}

/// An AlertCondition's `spec` (AlertCondition section).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertConditionSpec {
    pub description: Option<String>,
    pub severity: String,
    pub condition: Condition,
}

/// An AlertNotificationTarget's `spec` (AlertNotificationTarget section).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertNotificationTargetSpec {
    pub description: Option<String>,
    pub target: String,
}

/// An AlertPolicy's `spec` (AlertPolicy section): conditions and targets are inline objects
/// or references, checked by the reader.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertPolicySpec {
    pub description: Option<String>,
    pub alert_when_no_data: Option<bool>,
    pub alert_when_resolved: Option<bool>,
    pub alert_when_breaching: Option<bool>,
    #[serde(default, deserialize_with = "or_default")]
    pub conditions: Vec<Value>,
    #[serde(default, deserialize_with = "or_default")]
    pub notification_targets: Vec<Value>,
}

/// A whole object: `apiVersion`, `kind`, `metadata`, `spec` (General Schema). Objects
/// written inline in another (an AlertPolicy's conditions) may leave out `apiVersion`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Object<S> {
    #[allow(dead_code)]
    pub api_version: Option<String>,
    #[allow(dead_code)]
    pub kind: String,
    pub metadata: Metadata,
    pub spec: S,
}
