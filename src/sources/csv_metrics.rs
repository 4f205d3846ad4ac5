//! Metric CSVs for `vitals slo` (OpenSLO `metricSource.type: CSV`): a `timestamp` column
//! (RFC 3339) and one column per metric, one row per interval, timestamps strictly increasing.
//! Files are read once however many SLOs use them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::time::parse_timestamp;
use super::SourceError;

/// A parsed metrics file: timestamps and every numeric column, by name.
#[derive(Debug)]
pub struct MetricTable {
    pub path: PathBuf,
    pub timestamps: Vec<DateTime<Utc>>,
    columns: HashMap<String, Vec<Option<f64>>>,
}

impl MetricTable {
    /// A table from another source (a query result), with `label` standing in for the path.
    pub fn new(
        label: &str,
        timestamps: Vec<DateTime<Utc>>,
        columns: HashMap<String, Vec<Option<f64>>>,
    ) -> MetricTable {
        MetricTable {
            path: PathBuf::from(label),
            timestamps,
            columns,
        }
    }

    /// The column's values (`None` for an empty cell), or an error naming the file.
    pub fn column(&self, name: &str) -> Result<&[Option<f64>], SourceError> {
        self.columns.get(name).map(Vec::as_slice).ok_or_else(|| {
            let mut known: Vec<&str> = self.columns.keys().map(String::as_str).collect();
            known.sort_unstable();
            SourceError::Input(format!(
                "{}: no column `{name}` (columns: {})",
                self.path.display(),
                known.join(", ")
            ))
        })
    }

    /// 1-based file line of row `i` (the header is line 1).
    pub fn line_of(&self, i: usize) -> usize {
        i + 2
    }
}

pub fn read(path: &Path) -> Result<MetricTable, SourceError> {
    let bad = |line: usize, message: String| {
        SourceError::Input(format!("{}:{line}: {message}", path.display()))
    };
    let mut reader = super::files::csv_reader(path)?;
    let headers = reader
        .headers()
        .map_err(|e| super::files::csv_error(path, 1, &e))?
        .clone();
    let ts_index = headers
        .iter()
        .position(|h| h == "timestamp")
        .ok_or_else(|| bad(1, "no `timestamp` column".into()))?;
    let names: Vec<String> = headers.iter().map(str::to_string).collect();
    let mut timestamps = Vec::new();
    let mut values: Vec<Vec<Option<f64>>> = vec![Vec::new(); names.len()];
    let mut record = csv::StringRecord::new();
    let mut line = 1;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(super::files::csv_error(path, line as u64 + 1, &e)),
        }
        line = usize::try_from(super::files::record_line(&record, line as u64 + 1))
            .unwrap_or(usize::MAX);
        let ts_text = record.get(ts_index).unwrap_or("");
        let ts = parse_timestamp(ts_text).ok_or_else(|| {
            bad(
                line,
                format!("column `timestamp`: {ts_text:?} is not an RFC 3339 time"),
            )
        })?;
        if let Some(&previous) = timestamps.last() {
            if ts <= previous {
                let what = if ts == previous {
                    "duplicate"
                } else {
                    "out-of-order"
                };
                return Err(bad(line, format!("column `timestamp`: {what} timestamp {ts_text} (rows must be sorted, one per interval)")));
            }
        }
        timestamps.push(ts);
        for (i, column) in values.iter_mut().enumerate() {
            if i == ts_index {
                continue;
            }
            let cell = record.get(i).unwrap_or("");
            column.push(if cell.is_empty() {
                None
            } else {
                Some(
                    cell.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| {
                            bad(
                                line,
                                format!("column `{}`: {cell:?} is not a number", names[i]),
                            )
                        })?,
                )
            });
        }
    }
    let columns = names
        .into_iter()
        .zip(values)
        .enumerate()
        .filter(|(i, _)| *i != ts_index)
        .map(|(_, c)| c)
        .collect();
    Ok(MetricTable {
        path: path.to_path_buf(),
        timestamps,
        columns,
    })
}

/// Reads each file once.
#[derive(Default)]
pub struct Cache {
    tables: HashMap<PathBuf, Arc<MetricTable>>,
}

impl Cache {
    pub fn get(&mut self, path: &Path) -> Result<Arc<MetricTable>, SourceError> {
        if let Some(t) = self.tables.get(path) {
            return Ok(t.clone());
        }
        let table = Arc::new(read(path)?);
        self.tables.insert(path.to_path_buf(), table.clone());
        Ok(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn columns_by_name_with_gaps() {
        let (_d, path) =
            write("timestamp,good,total\n2026-11-01T00:00:00Z,9,10\n2026-11-01T00:01:00Z,,5\n");
        let t = read(&path).unwrap();
        assert_eq!(t.timestamps.len(), 2);
        assert_eq!(t.column("good").unwrap(), &[Some(9.0), None]);
        assert!(t
            .column("bad")
            .unwrap_err()
            .to_string()
            .ends_with("no column `bad` (columns: good, total)"));
    }

    #[test]
    fn bad_rows_name_line_and_column() {
        let cases = [
            (
                "timestamp,good\n2026-11-01T00:00:00Z,x\n",
                "m.csv:2: column `good`: \"x\" is not a number",
            ),
            (
                "timestamp,good\n2026-11-01T00:01:00Z,1\n2026-11-01T00:00:00Z,1\n",
                "m.csv:3: column `timestamp`: out-of-order timestamp",
            ),
            (
                "timestamp,good\n2026-11-01T00:00:00Z,1\n2026-11-01T00:00:00Z,1\n",
                "m.csv:3: column `timestamp`: duplicate timestamp",
            ),
            (
                "timestamp,good\nnoon,1\n",
                "m.csv:2: column `timestamp`: \"noon\" is not an RFC 3339 time",
            ),
            ("time,good\n", "m.csv:1: no `timestamp` column"),
        ];
        for (text, expected) in cases {
            let (_d, path) = write(text);
            let err = read(&path).unwrap_err().to_string();
            assert!(err.contains(expected), "{text}\n{err}");
        }
    }
}
