//! Freshness measurements in BigQuery, spending as few calls and bytes as possible:
//! - metadata: a table's last-modified time, from `tables.get` (0 bytes), or for several
//!   tables of one dataset from one `__TABLES__` query (metadata only, 0 bytes);
//! - data: `MAX(loaded_at_field)` with the optional filter, the tables of one dataset batched
//!   into one `UNION ALL` query.
//!
//! A batch that fails is retried table by table, so one broken table is one `runtime error`.

use chrono::{DateTime, Utc};

use super::BigQuery;
use crate::domain::freshness::Measurement;
use crate::sources::time::timestamp_cell;
use crate::sources::SourceError;

/// A table to measure.
#[derive(Clone, Debug)]
pub struct TableRef {
    pub project: String,
    pub dataset: String,
    pub table: String,
    pub loaded_at_field: Option<String>,
    /// dbt's `loaded_at_query`: a query returning the newest load time (beats the field).
    pub loaded_at_query: Option<String>,
    pub filter: Option<String>,
}

fn check_identifier(kind: &str, text: &str, extra: &[char]) -> Result<(), String> {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(&c))
    {
        Ok(())
    } else {
        Err(format!("{kind} {text:?} is not a BigQuery identifier"))
    }
}

impl TableRef {
    /// Identifiers are spliced into SQL, so they are checked first.
    pub fn validate(&self) -> Result<(), String> {
        check_identifier("project", &self.project, &['-', '.', ':'])?;
        check_identifier("dataset", &self.dataset, &[])?;
        check_identifier("table", &self.table, &['-', '$'])
    }

    fn path(&self) -> String {
        format!("`{}.{}.{}`", self.project, self.dataset, self.table)
    }

    /// The loaded-at expression: a column name is quoted; anything else is taken as the SQL
    /// expression dbt allows there.
    fn loaded_at_sql(&self) -> Option<String> {
        let field = self.loaded_at_field.as_deref()?;
        Some(
            if field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                format!("`{field}`")
            } else {
                format!("({field})")
            },
        )
    }
}

fn millis(text: &str) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(text.parse().ok()?)
}

fn failed(e: &SourceError) -> String {
    e.to_string()
}

/// Last-modified time of one table.
pub async fn last_modified(bq: &BigQuery, t: &TableRef) -> Measurement {
    let table = bq
        .table(&t.project, &t.dataset, &t.table)
        .await
        .map_err(|e| failed(&e))?;
    table
        .last_modified_time
        .as_deref()
        .and_then(millis)
        .ok_or_else(|| {
            format!(
                "BigQuery {}.{}.{}: no lastModifiedTime in the table metadata",
                t.project, t.dataset, t.table
            )
        })
}

/// Last-modified times of several tables of one dataset, with one metadata query; falls
/// back to `tables.get` per table when `__TABLES__` cannot be read.
pub async fn last_modified_batch(bq: &BigQuery, tables: &[TableRef]) -> Vec<Measurement> {
    let Some(first) = tables.first() else {
        return Vec::new();
    };
    let sql = format!(
        "SELECT table_id, last_modified_time FROM `{}.{}.__TABLES__`",
        first.project, first.dataset
    );
    // Streamed: a dataset of date-sharded tables lists thousands; only the checked ones stay.
    let wanted: std::collections::HashSet<&str> = tables.iter().map(|t| t.table.as_str()).collect();
    let mut times: std::collections::HashMap<String, Option<DateTime<Utc>>> =
        std::collections::HashMap::new();
    let listed = bq
        .query_pages(&first.project, &sql, &[], |columns, page| {
            for row in page {
                let cells = columns.cells(row)?;
                if let Some(id) = cells
                    .get(columns, "table_id")
                    .filter(|id| wanted.contains(id))
                {
                    let time = cells.get(columns, "last_modified_time").and_then(millis);
                    times.insert(id.to_string(), time);
                }
            }
            Ok(())
        })
        .await;
    match listed {
        Ok(()) => tables
            .iter()
            .map(|t| match times.get(&t.table) {
                Some(Some(time)) => Ok(*time),
                Some(None) => Err(format!(
                    "BigQuery {}.{}.{}: no last_modified_time",
                    t.project, t.dataset, t.table
                )),
                None => Err(format!(
                    "BigQuery: Not found: Table {}:{}.{} (notFound)",
                    t.project, t.dataset, t.table
                )),
            })
            .collect(),
        Err(_) => {
            let mut out = Vec::with_capacity(tables.len());
            for t in tables {
                out.push(last_modified(bq, t).await);
            }
            out
        }
    }
}

fn max_sql(i: usize, t: &TableRef) -> String {
    if let Some(query) = &t.loaded_at_query {
        return format!("SELECT {i} AS check_index, TIMESTAMP(({query})) AS max_loaded_at");
    }
    let loaded_at = t.loaded_at_sql().unwrap_or_else(|| "NULL".into());
    let filter = t
        .filter
        .as_deref()
        .map(|f| format!(" WHERE ({f})"))
        .unwrap_or_default();
    format!(
        "SELECT {i} AS check_index, TIMESTAMP(MAX({loaded_at})) AS max_loaded_at FROM {}{filter}",
        t.path()
    )
}

/// `MAX(loaded_at_field)` of several tables (of one dataset) in one query.
pub async fn max_loaded_at_batch(bq: &BigQuery, tables: &[TableRef]) -> Vec<Measurement> {
    let Some(first) = tables.first() else {
        return Vec::new();
    };
    let sql = tables
        .iter()
        .enumerate()
        .map(|(i, t)| max_sql(i, t))
        .collect::<Vec<_>>()
        .join("\nUNION ALL\n");
    match bq.query(&first.project, &sql, &[]).await {
        Ok(rows) => {
            let mut out: Vec<Measurement> = tables
                .iter()
                .map(|t| Err(format!("BigQuery {}: no result row", t.path())))
                .collect();
            for row in &rows {
                let Some(i) = row
                    .get("check_index")
                    .and_then(|v| v.as_deref())
                    .and_then(|v| v.parse::<usize>().ok())
                else {
                    continue;
                };
                if let Some(slot) = out.get_mut(i) {
                    let t = &tables[i];
                    *slot = match row.get("max_loaded_at").and_then(|v| v.as_deref()) {
                        Some(v) => timestamp_cell(v).ok_or_else(|| {
                            format!("BigQuery {}: {v:?} is not a timestamp", t.path())
                        }),
                        None => Err(format!(
                            "BigQuery {}: MAX({}) is NULL (no rows{})",
                            t.path(),
                            t.loaded_at_field.as_deref().unwrap_or("?"),
                            if t.filter.is_some() {
                                " match the filter"
                            } else {
                                ""
                            }
                        )),
                    };
                }
            }
            out
        }
        Err(e) if tables.len() == 1 => vec![Err(failed(&e))],
        Err(_) => {
            // Isolate the table that broke the batch.
            let mut out = Vec::with_capacity(tables.len());
            for t in tables {
                out.push(
                    Box::pin(max_loaded_at_batch(bq, std::slice::from_ref(t)))
                        .await
                        .remove(0),
                );
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(table: &str, field: Option<&str>, filter: Option<&str>) -> TableRef {
        TableRef {
            project: "p".into(),
            dataset: "d".into(),
            table: table.into(),
            loaded_at_field: field.map(Into::into),
            loaded_at_query: None,
            filter: filter.map(Into::into),
        }
    }

    #[test]
    fn columns_are_quoted_and_expressions_kept() {
        assert_eq!(max_sql(0, &t("events", Some("_loaded_at"), None)), "SELECT 0 AS check_index, TIMESTAMP(MAX(`_loaded_at`)) AS max_loaded_at FROM `p.d.events`");
        assert_eq!(
            max_sql(3, &t("e", Some("TIMESTAMP_MILLIS(ts)"), Some("_PARTITIONDATE >= CURRENT_DATE() - 2"))),
            "SELECT 3 AS check_index, TIMESTAMP(MAX((TIMESTAMP_MILLIS(ts)))) AS max_loaded_at FROM `p.d.e` WHERE (_PARTITIONDATE >= CURRENT_DATE() - 2)"
        );
    }

    #[test]
    fn a_loaded_at_query_is_the_measurement() {
        let mut q = t("e", Some("ignored"), None);
        q.loaded_at_query = Some("select max(ts) from `p`.`d`.`e`".into());
        assert_eq!(
            max_sql(1, &q),
            "SELECT 1 AS check_index, TIMESTAMP((select max(ts) from `p`.`d`.`e`)) AS max_loaded_at"
        );
    }

    #[test]
    fn identifiers_are_validated_before_splicing() {
        assert!(t("events_2026", None, None).validate().is_ok());
        assert!(t("x`; DROP TABLE y; --", None, None).validate().is_err());
    }

    #[test]
    fn last_modified_times_are_milliseconds() {
        assert_eq!(
            millis("1795305600000").unwrap().to_rfc3339(),
            "2026-11-22T00:00:00+00:00"
        );
    }
}
