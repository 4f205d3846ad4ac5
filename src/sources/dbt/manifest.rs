//! dbt's compiled `target/manifest.json` (schemas v9–v12: dbt 1.5 onwards): its sources are
//! already rendered and merged by dbt, so the checks are exactly the enabled source tables
//! for which dbt's `has_freshness` holds, with dbt's own relation and criteria.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value as Json;

use super::Table;
use crate::domain::freshness::dbt::{self as rules, Block, LoadedAt, Rule};
use crate::sources::SourceError;

/// Manifest schema versions read: dbt 1.5 (v9) to the current v12.
const VERSIONS: std::ops::RangeInclusive<u32> = 9..=12;

#[derive(Deserialize)]
struct Manifest {
    metadata: Metadata,
    #[serde(default)]
    sources: serde_json::Map<String, Json>,
}

#[derive(Deserialize)]
struct Metadata {
    dbt_schema_version: String,
}

#[derive(Deserialize)]
struct SourceNode {
    unique_id: String,
    database: Option<String>,
    schema: String,
    identifier: String,
    loaded_at_field: Option<String>,
    /// dbt ≥ 1.10.
    #[serde(default)]
    loaded_at_query: Option<String>,
    freshness: Option<Freshness>,
    #[serde(default)]
    config: Config,
    external: Option<External>,
    original_file_path: Option<String>,
}

#[derive(Deserialize)]
struct Config {
    #[serde(default = "yes")]
    enabled: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config { enabled: true }
    }
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct Freshness {
    warn_after: Option<Time>,
    error_after: Option<Time>,
    filter: Option<String>,
}

#[derive(Deserialize)]
struct Time {
    count: Option<u64>,
    period: Option<String>,
}

#[derive(Deserialize)]
struct External {
    location: Option<String>,
}

/// `https://schemas.getdbt.com/dbt/manifest/v12.json` → 12.
fn schema_version(url: &str) -> Option<u32> {
    url.strip_prefix("https://schemas.getdbt.com/dbt/manifest/v")?
        .strip_suffix(".json")?
        .parse()
        .ok()
}

fn rule(file: &Path, id: &str, key: &str, time: Option<Time>) -> Result<Option<Rule>, SourceError> {
    let Some(time) = time else {
        return Ok(None);
    };
    let period = match time.period.as_deref() {
        None => None,
        Some(p) => Some(super::sources_file::period(p).ok_or_else(|| {
            SourceError::Input(format!(
                "{}: sources.{id:?}.freshness.{key}.period: unknown period {p:?} (expected minute, hour or day)",
                file.display()
            ))
        })?),
    };
    Ok(Some(Rule {
        count: time.count,
        period,
    }))
}

/// The tables a manifest says `dbt source freshness` checks.
pub(crate) fn read(file: &Path) -> Result<Vec<Table>, SourceError> {
    let bad = |message: String| SourceError::Input(format!("{}: {message}", file.display()));
    // Streamed: a large project's manifest is hundreds of MiB, of which only the sources stay.
    let reader = crate::fs::open_input_stream(file, crate::fs::MAX_MANIFEST_BYTES).map_err(bad)?;
    let manifest: Manifest =
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_reader(reader))
            .map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                if inner.is_syntax() || inner.is_eof() {
                    bad(format!(
                        "not JSON (line {}, column {}): is this dbt's target/manifest.json?",
                        inner.line(),
                        inner.column()
                    ))
                } else if path == "." {
                    bad(format!("not a dbt manifest: {inner}"))
                } else {
                    bad(format!("{path}: {inner}"))
                }
            })?;
    let version = schema_version(&manifest.metadata.dbt_schema_version)
        .filter(|v| VERSIONS.contains(v))
        .ok_or_else(|| {
            bad(format!(
                "metadata.dbt_schema_version: {:?} is not a manifest schema vitals reads (v9–v12, written by dbt 1.5 and later)",
                manifest.metadata.dbt_schema_version
            ))
        })?;
    tracing::debug!("{}: manifest schema v{version}", file.display());
    // Paths in the manifest are relative to the project root; target/ sits in it.
    let root = file
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut tables = Vec::new();
    for (id, node) in manifest.sources {
        let node: SourceNode = serde_path_to_error::deserialize(node)
            .map_err(|e| bad(format!("sources.{id:?}.{}: {}", e.path(), e.inner())))?;
        if !node.config.enabled {
            continue;
        }
        let freshness = match node.freshness {
            None => None,
            Some(f) => Some(Block {
                warn_after: rule(file, &id, "warn_after", f.warn_after)?,
                error_after: rule(file, &id, "error_after", f.error_after)?,
                filter: f.filter,
            }),
        };
        let Some(criteria) = rules::checked(&freshness) else {
            continue;
        };
        let file_dir = node
            .original_file_path
            .as_deref()
            .and_then(|p| Path::new(p).parent())
            .map(|p| root.join(p))
            .unwrap_or_else(|| root.clone());
        tables.push(Table {
            unique_id: node.unique_id,
            database: node.database.filter(|d| !d.is_empty()),
            schema: node.schema,
            identifier: node.identifier,
            loaded_at: LoadedAt {
                field: node.loaded_at_field,
                query: node.loaded_at_query,
            },
            criteria,
            external_location: node
                .external
                .and_then(|e| e.location)
                .map(|l| file_dir.join(l)),
            origin: format!("{}: sources.{id:?}", file.display()),
        });
    }
    Ok(tables)
}

/// The default place: `DIR/target/manifest.json`.
pub fn default_path(project_dir: &Path) -> PathBuf {
    project_dir.join("target").join("manifest.json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest(version: u32, sources: Json) -> String {
        json!({
            "metadata": {"dbt_schema_version": format!("https://schemas.getdbt.com/dbt/manifest/v{version}.json"), "dbt_version": "1.5.0"},
            "nodes": {}, "sources": sources
        })
        .to_string()
    }

    fn source(id: &str, freshness: Json) -> Json {
        json!({"unique_id": id, "database": "p", "schema": "s", "identifier": "t", "name": "t",
               "source_name": "s", "loaded_at_field": null, "freshness": freshness,
               "config": {"enabled": true}, "original_file_path": "models/sources.yml"})
    }

    fn read_text(text: &str) -> Result<Vec<Table>, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.json");
        std::fs::write(&path, text).unwrap();
        read(&path).map_err(|e| {
            e.to_string()
                .replace(&path.display().to_string(), "manifest.json")
        })
    }

    #[test]
    fn has_freshness_decides_which_sources_are_checked() {
        let text = manifest(
            9,
            json!({
                "source.a.s.complete": source("source.a.s.complete", json!({"warn_after": {"count": 1, "period": "hour"}, "error_after": {"count": null, "period": null}, "filter": null})),
                "source.a.s.incomplete": source("source.a.s.incomplete", json!({"warn_after": {"count": 36, "period": null}, "error_after": null, "filter": "x"})),
                "source.a.s.off": source("source.a.s.off", Json::Null),
            }),
        );
        let tables = read_text(&text).unwrap();
        let ids: Vec<_> = tables.iter().map(|t| t.unique_id.as_str()).collect();
        assert_eq!(ids, ["source.a.s.complete"]);
    }

    #[test]
    fn every_schema_from_v9_to_v12_is_read_and_others_are_refused() {
        for v in 9..=12 {
            assert!(read_text(&manifest(v, json!({}))).is_ok(), "v{v}");
        }
        let err = read_text(&manifest(8, json!({}))).unwrap_err();
        assert!(err.starts_with("manifest.json: metadata.dbt_schema_version: \"https://schemas.getdbt.com/dbt/manifest/v8.json\" is not a manifest schema vitals reads"), "{err}");
        let err = read_text("{\"metadata\": ").unwrap_err();
        assert!(err.starts_with("manifest.json: not JSON"), "{err}");
        let err = read_text("[]").unwrap_err();
        assert!(
            err.starts_with("manifest.json: not a dbt manifest"),
            "{err}"
        );
        let bad = manifest(
            12,
            json!({"source.a.s.t": source("source.a.s.t", json!({"warn_after": {"count": 1, "period": "week"}}))}),
        );
        let err = read_text(&bad).unwrap_err();
        assert!(
            err.contains(
                "sources.\"source.a.s.t\".freshness.warn_after.period: unknown period \"week\""
            ),
            "{err}"
        );
    }
}
