//! OpenSLO v1 specs (github.com/OpenSLO/OpenSLO), as people write them: `---` streams, a
//! file that is one YAML sequence of objects (the form the Go SDK and `oslo` read), or a
//! single document; any mix of the seven kinds. `SLO`, `SLI` and `DataSource` objects are
//! resolved into self-contained SLOs whose objectives are already the domain's
//! [`Objective`](crate::domain::slo::Objective)s; `Service` and the alerting kinds are checked
//! and otherwise ignored, since they do not change the numbers.
//!
//! Every error names the file, the object and the field path, e.g.
//! `slo/api.yaml: document 2 (SLO api-latency): spec.objectives[0].target: …`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::SourceError;
use crate::domain::slo::Objective;

mod check;
mod resolve;
mod schema;

pub const API_VERSION: &str = "openslo/v1";

/// The kinds of OpenSLO v1 (General Schema).
const KINDS: &str =
    "SLO, SLI, DataSource, Service, AlertPolicy, AlertCondition or AlertNotificationTarget";

/// A metric source with its DataSource's type and connection details merged in.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedSource {
    pub kind: String,
    pub spec: BTreeMap<String, Value>,
    pub connection: BTreeMap<String, Value>,
}

/// Where an objective's numbers come from.
#[derive(Clone, Debug, PartialEq)]
pub enum ResolvedIndicator {
    /// good/total or bad/total.
    Ratio {
        counter: bool,
        good: Option<ResolvedSource>,
        bad: Option<ResolvedSource>,
        total: ResolvedSource,
    },
    /// A precomputed ratio per row: of successes, or (`rawType: failure`) of failures.
    Raw {
        source: ResolvedSource,
        failure: bool,
    },
    Threshold(ResolvedSource),
}

impl ResolvedIndicator {
    /// Every metric source it reads.
    pub fn sources(&self) -> Vec<&ResolvedSource> {
        match self {
            ResolvedIndicator::Ratio {
                good, bad, total, ..
            } => good
                .iter()
                .chain(bad.iter())
                .chain(std::iter::once(total))
                .collect(),
            ResolvedIndicator::Raw { source, .. } | ResolvedIndicator::Threshold(source) => {
                vec![source]
            }
        }
    }
}

/// One objective: one entry of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedObjective {
    /// `spec.objectives[i]`, for error messages.
    pub path: String,
    pub objective: Objective,
    /// The SLO's indicator, or (composite SLOs) the objective's own.
    pub indicator: ResolvedIndicator,
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
    pub objectives: Vec<ResolvedObjective>,
}

/// One object of a file, with where it came from.
struct Raw {
    origin: String,
    file: PathBuf,
    kind: String,
    value: Value,
}

fn input(origin: &str, path: &str, message: impl std::fmt::Display) -> SourceError {
    SourceError::Input(format!("{origin}: {path}: {message}"))
}

/// `value` as a `T`, errors naming `prefix` + the field path inside it.
fn typed<T: DeserializeOwned>(origin: &str, prefix: &str, value: &Value) -> Result<T, SourceError> {
    serde_path_to_error::deserialize(value.clone()).map_err(|e| {
        let inner = e.path().to_string();
        let path = match (prefix, inner.as_str()) {
            (p, ".") => p.to_string(),
            ("", i) => i.to_string(),
            (p, i) if i.starts_with('[') => format!("{p}{i}"),
            (p, i) => format!("{p}.{i}"),
        };
        let path = if path.is_empty() { "." } else { &path };
        input(origin, path, e.into_inner())
    })
}

fn string_field<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

/// The objects of one file: each document, a document that is a sequence counting as its
/// items.
fn objects(file: &Path) -> Result<Vec<Raw>, SourceError> {
    let text = crate::fs::read_input(file, super::yaml::MAX_BYTES as u64)
        .map_err(|why| SourceError::Input(format!("{}: {why}", file.display())))?;
    let documents = super::yaml::documents(&text).map_err(|e| {
        SourceError::Input(format!(
            "{}: invalid YAML: {}",
            file.display(),
            e.describe()
        ))
    })?;
    let mut out = Vec::new();
    for (d, document) in documents.into_iter().enumerate() {
        let place = format!("{}: document {}", file.display(), d + 1);
        let items = match document {
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!("{place}, item {}", i + 1), v))
                .collect(),
            other => vec![(place, other)],
        };
        for (place, value) in items {
            if !value.is_object() {
                return Err(SourceError::Input(format!(
                    "{place}: expected an OpenSLO object (apiVersion, kind, metadata, spec), \
                     or a list of them"
                )));
            }
            let kind = string_field(&value, "kind").unwrap_or("?").to_string();
            let name = value
                .get("metadata")
                .and_then(|m| string_field(m, "name"))
                .unwrap_or("?");
            let origin = format!("{place} ({kind} {name})");
            match string_field(&value, "apiVersion") {
                Some(API_VERSION) => {}
                Some(other) => {
                    return Err(input(
                        &origin,
                        "apiVersion",
                        format!("{other:?} is not supported (expected {API_VERSION})"),
                    ))
                }
                None => {
                    return Err(input(
                        &origin,
                        "apiVersion",
                        format!("missing (expected {API_VERSION})"),
                    ))
                }
            }
            out.push(Raw {
                origin,
                file: file.to_path_buf(),
                kind,
                value,
            });
        }
    }
    Ok(out)
}

/// Objects of one kind by name; a name given twice is a mistake, not an override.
struct Named<T> {
    kind: &'static str,
    items: BTreeMap<String, (String, T)>,
}

impl<T> Named<T> {
    fn new(kind: &'static str) -> Named<T> {
        Named {
            kind,
            items: BTreeMap::new(),
        }
    }

    fn insert(&mut self, origin: &str, name: String, item: T) -> Result<(), SourceError> {
        if let Some((first, _)) = self.items.get(&name) {
            return Err(input(
                origin,
                "metadata.name",
                format!("a second {} named {name:?} (the first: {first})", self.kind),
            ));
        }
        self.items.insert(name, (origin.to_string(), item));
        Ok(())
    }

    fn get(&self, name: &str) -> Option<&(String, T)> {
        self.items.get(name)
    }
}

/// Reads, checks and resolves every SLO in `files`.
pub fn load(files: &[PathBuf]) -> Result<Vec<ResolvedSlo>, SourceError> {
    let mut raws = Vec::new();
    for file in files {
        raws.extend(objects(file)?);
    }
    let mut slis = Named::new("SLI");
    let mut sources = Named::new("DataSource");
    let mut slos = Vec::new();
    for raw in &raws {
        let origin = raw.origin.as_str();
        match raw.kind.as_str() {
            "SLO" => slos.push(raw),
            "SLI" => {
                let doc: schema::Object<schema::SliSpec> = typed(origin, "", &raw.value)?;
                slis.insert(origin, doc.metadata.name, doc.spec)?;
            }
            "DataSource" => {
                let doc: schema::Object<schema::DataSourceSpec> = typed(origin, "", &raw.value)?;
                sources.insert(origin, doc.metadata.name, doc.spec)?;
            }
            "Service" => {
                typed::<schema::Object<schema::ServiceSpec>>(origin, "", &raw.value)?;
            }
            "AlertPolicy" => check::alert_policy(origin, "", &raw.value)?,
            "AlertCondition" => check::alert_condition(origin, "", &raw.value)?,
            "AlertNotificationTarget" => {
                typed::<schema::Object<schema::AlertNotificationTargetSpec>>(
                    origin, "", &raw.value,
                )?;
            }
            "?" => return Err(input(origin, "kind", format!("missing (one of {KINDS})"))),
            other => {
                return Err(input(
                    origin,
                    "kind",
                    format!("unknown kind {other:?} (expected {KINDS})"),
                ))
            }
        }
    }
    let refs = resolve::References {
        slis: &slis,
        sources: &sources,
    };
    slos.into_iter()
        .map(|raw| resolve::slo(&raw.origin, &raw.file, &raw.value, &refs))
        .collect()
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
mod tests;
