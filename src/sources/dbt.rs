//! dbt `sources.yml`: the checks a dbt project already declares, read unchanged.
//!
//! `database`/`schema`/`identifier` map to BigQuery project/dataset/table; `freshness` and
//! `loaded_at_field` may sit at source or table level (or under `config:`, dbt ≥ 1.9), the
//! table's block updating the source's key by key, and `freshness: null` turns a table off. A table
//! with `external.location` (the dbt-external-tables convention) is checked as local files.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::SourceError;
use crate::domain::freshness::{Criteria, Threshold};

/// Where a freshness check measures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Local files: a path or glob.
    Files {
        pattern: PathBuf,
        loaded_at_field: Option<String>,
    },
    /// A BigQuery table: last-modified time, or `MAX(loaded_at_field)` with a filter.
    BigQuery {
        project: String,
        dataset: String,
        table: String,
        loaded_at_field: Option<String>,
        filter: Option<String>,
    },
}

/// One check, from config or from dbt.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckSpec {
    pub unique_id: String,
    pub criteria: Criteria,
    pub target: Target,
}

/// `Some(None)` when the key is present and null, `None` when absent.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Default, Deserialize)]
struct Freshness {
    #[serde(default, deserialize_with = "present")]
    warn_after: Option<Option<Threshold>>,
    #[serde(default, deserialize_with = "present")]
    error_after: Option<Option<Threshold>>,
    filter: Option<String>,
}

/// A freshness block with its thresholds resolved.
struct Resolved {
    warn_after: Option<Threshold>,
    error_after: Option<Threshold>,
    filter: Option<String>,
}

/// dbt-core's `merge_freshness`: the table's block updates the source's key by key (a key the
/// table sets to null is removed); a table `freshness: null` turns the check off.
fn merge(
    source: Option<&Option<Freshness>>,
    table: Option<&Option<Freshness>>,
) -> Option<Resolved> {
    let pick = |t: Option<&Option<Threshold>>, s: Option<&Option<Threshold>>| match t {
        Some(explicit) => *explicit,
        None => s.copied().flatten(),
    };
    match (source, table) {
        (_, Some(None)) => None,
        (Some(None) | None, None) => None,
        (Some(Some(s)), None) => Some(Resolved {
            warn_after: s.warn_after.flatten(),
            error_after: s.error_after.flatten(),
            filter: s.filter.clone(),
        }),
        (base, Some(Some(t))) => {
            let s = base.and_then(Option::as_ref);
            Some(Resolved {
                warn_after: pick(t.warn_after.as_ref(), s.and_then(|s| s.warn_after.as_ref())),
                error_after: pick(
                    t.error_after.as_ref(),
                    s.and_then(|s| s.error_after.as_ref()),
                ),
                filter: t
                    .filter
                    .clone()
                    .or_else(|| s.and_then(|s| s.filter.clone())),
            })
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct Config {
    #[serde(default, deserialize_with = "present")]
    freshness: Option<Option<Freshness>>,
    loaded_at_field: Option<String>,
}

#[derive(Debug, Deserialize)]
struct External {
    location: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Table {
    name: String,
    identifier: Option<String>,
    #[serde(default, deserialize_with = "present")]
    freshness: Option<Option<Freshness>>,
    loaded_at_field: Option<String>,
    #[serde(default)]
    config: Config,
    external: Option<External>,
}

#[derive(Debug, Deserialize)]
struct Source {
    name: String,
    database: Option<String>,
    schema: Option<String>,
    #[serde(default, deserialize_with = "present")]
    freshness: Option<Option<Freshness>>,
    loaded_at_field: Option<String>,
    #[serde(default)]
    config: Config,
    #[serde(default)]
    tables: Vec<Table>,
}

#[derive(Debug, Deserialize)]
struct File {
    sources: Option<Vec<Source>>,
}

/// The checks in one `sources.yml`. `default_project` stands in for a missing `database`.
pub fn read(path: &Path, default_project: Option<&str>) -> Result<Vec<CheckSpec>, SourceError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SourceError::Input(format!("{}: cannot read: {e}", path.display())))?;
    parse(&text, path, default_project)
}

pub fn parse(
    text: &str,
    path: &Path,
    default_project: Option<&str>,
) -> Result<Vec<CheckSpec>, SourceError> {
    let bad = |message: String| SourceError::Input(format!("{}: {message}", path.display()));
    let file: File = super::yaml::from_str(text).map_err(|e| match e.at {
        Some((line, column)) => {
            SourceError::Input(format!("{}:{line}:{column}: {}", path.display(), e.message))
        }
        None => bad(e.message),
    })?;
    let sources = file
        .sources
        .ok_or_else(|| bad("no `sources:` list: is this a dbt sources.yml?".into()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut checks = Vec::new();
    for source in sources {
        let source_freshness = source
            .config
            .freshness
            .as_ref()
            .or(source.freshness.as_ref());
        for table in &source.tables {
            let table_freshness = table.config.freshness.as_ref().or(table.freshness.as_ref());
            let Some(freshness) = merge(source_freshness, table_freshness) else {
                continue;
            };
            if freshness.warn_after.is_none() && freshness.error_after.is_none() {
                continue; // dbt does not snapshot a table without thresholds
            }
            let loaded_at_field = [
                &table.config.loaded_at_field,
                &table.loaded_at_field,
                &source.config.loaded_at_field,
                &source.loaded_at_field,
            ]
            .into_iter()
            .find_map(|f| f.clone());
            let unique_id = format!("source.{}.{}", source.name, table.name);
            let target = match table.external.as_ref().and_then(|e| e.location.as_ref()) {
                Some(location) => Target::Files {
                    pattern: base.join(location),
                    loaded_at_field,
                },
                None => {
                    let project = source.database.clone().or_else(|| default_project.map(str::to_string)).ok_or_else(|| {
                        bad(format!("{unique_id}: no `database` (BigQuery project): set it in the source or `[freshness] project` in vitals.toml"))
                    })?;
                    Target::BigQuery {
                        project,
                        dataset: source.schema.clone().unwrap_or_else(|| source.name.clone()),
                        table: table
                            .identifier
                            .clone()
                            .unwrap_or_else(|| table.name.clone()),
                        loaded_at_field,
                        filter: freshness.filter.clone(),
                    }
                }
            };
            let criteria = Criteria {
                warn_after: freshness.warn_after,
                error_after: freshness.error_after,
                filter: freshness.filter.clone(),
            };
            checks.push(CheckSpec {
                unique_id,
                criteria,
                target,
            });
        }
    }
    Ok(checks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::freshness::Period;

    const SOURCES: &str = r#"
version: 2
sources:
  - name: jaffle_shop
    database: raw-project
    schema: jaffle
    freshness:
      warn_after: {count: 12, period: hour}
      error_after: {count: 24, period: hour}
    loaded_at_field: _etl_loaded_at
    tables:
      - name: customers
      - name: orders
        identifier: orders_v2
        freshness:
          warn_after: {count: 6, period: hour}
          filter: "_etl_loaded_at > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 2 DAY)"
      - name: product_skus
        freshness: null
  - name: stripe
    config:
      freshness:
        error_after: {count: 1, period: day}
    tables:
      - name: payments
        config:
          loaded_at_field: created
      - name: exports
        external:
          location: "exports/*.csv"
models:
  - name: ignored
"#;

    fn checks() -> Vec<CheckSpec> {
        parse(
            SOURCES,
            Path::new("models/sources.yml"),
            Some("default-project"),
        )
        .unwrap()
    }

    #[test]
    fn tables_inherit_source_freshness_and_loaded_at_field() {
        let c = &checks()[0];
        assert_eq!(c.unique_id, "source.jaffle_shop.customers");
        assert_eq!(
            c.criteria.warn_after,
            Some(Threshold {
                count: 12,
                period: Period::Hour
            })
        );
        assert_eq!(
            c.target,
            Target::BigQuery {
                project: "raw-project".into(),
                dataset: "jaffle".into(),
                table: "customers".into(),
                loaded_at_field: Some("_etl_loaded_at".into()),
                filter: None
            }
        );
    }

    #[test]
    fn a_table_freshness_updates_the_sources_key_by_key() {
        let orders = &checks()[1];
        assert_eq!(orders.unique_id, "source.jaffle_shop.orders");
        assert_eq!(
            orders.criteria.warn_after,
            Some(Threshold {
                count: 6,
                period: Period::Hour
            })
        );
        assert_eq!(
            orders.criteria.error_after,
            Some(Threshold {
                count: 24,
                period: Period::Hour
            }),
            "kept from the source, as dbt-core merges"
        );
        assert!(
            matches!(&orders.target, Target::BigQuery { table, filter: Some(_), .. } if table == "orders_v2")
        );
    }

    #[test]
    fn a_table_can_drop_one_threshold_with_null() {
        let text = "sources:\n  - name: s\n    database: p\n    freshness: {warn_after: {count: 1, period: hour}, error_after: {count: 1, period: day}}\n    tables:\n      - name: t\n        freshness: {error_after: null}\n";
        let c = &parse(text, Path::new("s.yml"), None).unwrap()[0];
        assert_eq!(
            c.criteria.warn_after,
            Some(Threshold {
                count: 1,
                period: Period::Hour
            })
        );
        assert_eq!(c.criteria.error_after, None);
    }

    #[test]
    fn null_freshness_disables_and_config_blocks_count() {
        let ids: Vec<_> = checks().iter().map(|c| c.unique_id.clone()).collect();
        assert_eq!(
            ids,
            [
                "source.jaffle_shop.customers",
                "source.jaffle_shop.orders",
                "source.stripe.payments",
                "source.stripe.exports"
            ]
        );
        let payments = &checks()[2];
        assert!(
            matches!(&payments.target, Target::BigQuery { project, dataset, loaded_at_field: Some(f), .. } if project == "default-project" && dataset == "stripe" && f == "created")
        );
        assert_eq!(
            checks()[3].target,
            Target::Files {
                pattern: PathBuf::from("models/exports/*.csv"),
                loaded_at_field: None
            }
        );
    }

    #[test]
    fn files_that_are_not_dbt_sources_say_so_with_a_position() {
        let err = parse("models:\n  - name: x\n", Path::new("s.yml"), None)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "s.yml: no `sources:` list: is this a dbt sources.yml?");
        let err = parse("sources:\n  name: x\n", Path::new("s.yml"), None)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("s.yml:2:"), "{err}");
        let err = parse("sources:\n  - name: s\n    freshness:\n      warn_after: {count: 2, period: week}\n    tables: [{name: t}]\n", Path::new("s.yml"), Some("p")).unwrap_err().to_string();
        assert!(err.contains("unknown period \"week\""), "{err}");
        let err = parse("sources:\n  - name: s\n    freshness: {warn_after: {count: 1, period: day}}\n    tables: [{name: t}]\n", Path::new("s.yml"), None).unwrap_err().to_string();
        assert!(err.contains("source.s.t: no `database`"), "{err}");
    }
}
