//! Local paths and globs, as written on the command line or in `vitals.toml`.

use std::path::{Path, PathBuf};

use super::SourceError;

/// Expands each pattern (a path or a glob) relative to `base`, sorted, without duplicates. A
/// pattern that matches nothing is bad input: a typo should not look like an empty export.
/// Every match must be a regular file: a directory, FIFO or device is bad input.
pub fn expand(patterns: &[PathBuf], base: &Path) -> Result<Vec<PathBuf>, SourceError> {
    expand_matching(patterns, base, Matches::RegularFilesOnly)
}

/// What a glob may match besides regular files.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Matches {
    RegularFilesOnly,
    /// Directories and other non-files are left out (freshness: the newest file of a glob).
    SkipOthers,
}

fn expand_matching(
    patterns: &[PathBuf],
    base: &Path,
    matching: Matches,
) -> Result<Vec<PathBuf>, SourceError> {
    let mut files = Vec::new();
    for pattern in patterns {
        let full = if pattern.is_absolute() {
            pattern.clone()
        } else {
            base.join(pattern)
        };
        let text = full.to_string_lossy();
        if !text.contains(['*', '?', '[']) {
            regular_file(&full)?;
            files.push(full);
            continue;
        }
        let matches = glob::glob(&text).map_err(|e| {
            SourceError::Input(format!(
                "{}: bad glob pattern: {}",
                pattern.display(),
                e.msg
            ))
        })?;
        let before = files.len();
        for entry in matches {
            let path = entry.map_err(|e| {
                SourceError::Input(format!("{}: {}", e.path().display(), e.error()))
            })?;
            if matching == Matches::RegularFilesOnly {
                regular_file(&path)?;
            } else if !path.is_file() {
                continue;
            }
            files.push(path);
        }
        if files.len() == before {
            return Err(SourceError::Input(format!(
                "{}: no file matches this pattern",
                full.display()
            )));
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// Inputs are regular files: a directory, FIFO or device is bad input saying so (a FIFO would
/// block forever, a device never end).
fn regular_file(path: &Path) -> Result<(), SourceError> {
    crate::fs::check_input(path)
        .map(|_| ())
        .map_err(|why| SourceError::Input(format!("{}: {why}", path.display())))
}

/// A line-limited input (see [`crate::fs::open_lines`]), its problems bad input naming it.
pub fn open_lines(path: &Path) -> Result<crate::fs::LineLimited<std::fs::File>, SourceError> {
    crate::fs::open_lines(path)
        .map_err(|why| SourceError::Input(format!("{}: {why}", path.display())))
}

/// A CSV reader over [`open_lines`], fields trimmed.
pub fn csv_reader(path: &Path) -> Result<CsvReader, SourceError> {
    Ok(csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(open_lines(path)?))
}

/// What [`csv_reader`] gives.
pub type CsvReader = csv::Reader<crate::fs::LineLimited<std::fs::File>>;

/// A CSV reading error as `file:line: message`: the line the reader was at (`line`, 1-based)
/// unless the error knows better; a line past the limit is named as such.
pub fn csv_error(path: &Path, line: u64, error: &csv::Error) -> SourceError {
    if let csv::ErrorKind::Io(io) = error.kind() {
        if let Some(long) = crate::fs::LineTooLong::within(io) {
            return SourceError::Input(long.in_file(path));
        }
    }
    let line = error.position().map_or(line, |p| p.line());
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
        _ => error.to_string(),
    };
    SourceError::Input(format!("{}:{line}: {message}", path.display()))
}

/// Opens a CSV file with a header and finds the named columns (in that order); a missing one
/// is bad input naming the header the file should have.
pub fn csv_columns<const N: usize>(
    path: &Path,
    names: [&str; N],
) -> Result<(CsvReader, [usize; N]), SourceError> {
    let bad = |message: String| SourceError::Input(format!("{}: {message}", path.display()));
    let mut reader = csv_reader(path)?;
    let headers = reader
        .headers()
        .map_err(|e| csv_error(path, 1, &e))?
        .clone();
    let mut indices = [0; N];
    for (slot, name) in indices.iter_mut().zip(names) {
        *slot = headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| bad(format!("no `{name}` column (header: {})", names.join(","))))?;
    }
    Ok((reader, indices))
}

/// The 1-based line a record read by `reader` started on (the header is line 1).
pub fn record_line(record: &csv::StringRecord, fallback: u64) -> u64 {
    record.position().map_or(fallback, |p| p.line())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_expand_relative_to_the_base_sorted() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.ndjson", "a.ndjson", "c.txt"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let found = expand(&["*.ndjson".into(), "a.ndjson".into()], dir.path()).unwrap();
        let names: Vec<_> = found
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(names, ["a.ndjson", "b.ndjson"]);
    }

    #[test]
    fn a_pattern_without_matches_is_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let err = expand(&["*.parquet".into()], dir.path()).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("*.parquet: no file matches this pattern"),
            "{err}"
        );
        let err = expand(&["missing.ndjson".into()], dir.path()).unwrap_err();
        assert!(
            err.to_string().ends_with("missing.ndjson: no such file"),
            "{err}"
        );
    }

    #[test]
    fn a_directory_among_the_inputs_is_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.ndjson"), "").unwrap();
        std::fs::create_dir(dir.path().join("b.ndjson")).unwrap();
        for pattern in ["*.ndjson", "b.ndjson"] {
            let err = expand(&[pattern.into()], dir.path()).unwrap_err();
            assert!(
                err.to_string()
                    .ends_with("b.ndjson: is a directory, not a file"),
                "{err}"
            );
        }
    }
}

/// Freshness of local files: the newest modification time among a glob's matches, or with
/// `loaded_at_field` the newest value of that column (CSV with a header) or field (NDJSON).
pub mod freshness {
    use std::path::{Path, PathBuf};

    use chrono::{DateTime, Utc};

    use crate::domain::freshness::Measurement;
    use crate::sources::time::parse_timestamp;

    fn matches(pattern: &Path) -> Result<Vec<PathBuf>, String> {
        super::expand_matching(
            &[pattern.to_path_buf()],
            Path::new("."),
            super::Matches::SkipOthers,
        )
        .map_err(|e| e.to_string())
    }

    pub fn newest_mtime(pattern: &Path) -> Measurement {
        let mut newest: Option<DateTime<Utc>> = None;
        for path in matches(pattern)? {
            let modified = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let t: DateTime<Utc> = modified.into();
            newest = newest.max(Some(t));
        }
        newest.ok_or_else(|| format!("{}: no file matches this pattern", pattern.display()))
    }

    fn newest_in_csv(path: &Path, field: &str) -> Result<Option<DateTime<Utc>>, String> {
        let mut reader = super::csv_reader(path).map_err(|e| e.to_string())?;
        let headers = reader
            .headers()
            .map_err(|e| super::csv_error(path, 1, &e).to_string())?
            .clone();
        let column = headers
            .iter()
            .position(|h| h.trim() == field)
            .ok_or_else(|| format!("{}: no column `{field}` in the header", path.display()))?;
        let mut newest = None;
        for (i, record) in reader.records().enumerate() {
            let fallback = i as u64 + 2;
            let record = record.map_err(|e| super::csv_error(path, fallback, &e).to_string())?;
            let line = super::record_line(&record, fallback);
            let cell = record.get(column).unwrap_or("").trim();
            if cell.is_empty() {
                continue;
            }
            let t = parse_timestamp(cell).ok_or_else(|| {
                format!(
                    "{}:{line}: column `{field}`: {cell:?} is not a timestamp",
                    path.display()
                )
            })?;
            newest = newest.max(Some(t));
        }
        Ok(newest)
    }

    /// The newest `field` of an NDJSON file. Rows are not assumed to be in time order (an
    /// export's may be in any), so every line is read, one at a time: memory is one line,
    /// at most [`crate::fs::MAX_LINE_BYTES`].
    fn newest_in_ndjson(path: &Path, field: &str) -> Result<Option<DateTime<Utc>>, String> {
        let reader = super::open_lines(path).map_err(|e| e.to_string())?;
        let mut reader = std::io::BufReader::with_capacity(1 << 16, reader);
        let mut newest = None;
        let mut line = Vec::new();
        let mut number = 0u64;
        loop {
            line.clear();
            let read = std::io::BufRead::read_until(&mut reader, b'\n', &mut line);
            match read {
                Ok(0) => break,
                Ok(_) => number += 1,
                Err(e) => {
                    return Err(match crate::fs::LineTooLong::within(&e) {
                        Some(long) => long.in_file(path),
                        None => format!("{}: cannot read: {e}", path.display()),
                    })
                }
            }
            let text = if number == 1 {
                line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&line)
            } else {
                &line[..]
            };
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let value: serde_json::Value = serde_json::from_slice(text)
                .map_err(|e| format!("{}:{number}: invalid JSON: {e}", path.display()))?;
            match &value[field] {
                serde_json::Value::Null => {}
                serde_json::Value::String(s) => {
                    let t = parse_timestamp(s).ok_or_else(|| {
                        format!(
                            "{}:{number}: field `{field}`: {s:?} is not a timestamp",
                            path.display()
                        )
                    })?;
                    newest = newest.max(Some(t));
                }
                other => {
                    return Err(format!(
                        "{}:{number}: field `{field}`: expected a timestamp string, found {}",
                        path.display(),
                        crate::redact::excerpt(&other.to_string(), 80)
                    ))
                }
            }
        }
        Ok(newest)
    }

    pub fn newest_value(pattern: &Path, field: &str) -> Measurement {
        let mut newest = None;
        for path in matches(pattern)? {
            let is_json = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "ndjson" | "jsonl" | "json"));
            let t = if is_json {
                newest_in_ndjson(&path, field)?
            } else {
                newest_in_csv(&path, field)?
            };
            newest = newest.max(t);
        }
        newest.ok_or_else(|| {
            format!(
                "{}: no `{field}` values in the matching files",
                pattern.display()
            )
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn newest_column_value_across_files() {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(
                dir.path().join("a.csv"),
                "id,loaded_at\n1,2026-11-21 10:00:00\n2,2026-11-22T01:00:00Z\n",
            )
            .unwrap();
            std::fs::write(
                dir.path().join("b.csv"),
                "id,loaded_at\n3,2026-11-20 00:00:00\n4,\n",
            )
            .unwrap();
            let t = newest_value(&dir.path().join("*.csv"), "loaded_at").unwrap();
            assert_eq!(t.to_rfc3339(), "2026-11-22T01:00:00+00:00");
            let err = newest_value(&dir.path().join("*.csv"), "nope").unwrap_err();
            assert!(err.ends_with("no column `nope` in the header"), "{err}");
        }

        #[test]
        fn bad_cells_name_file_line_and_column() {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("a.csv"), "loaded_at\n2026-11-21\nsoon\n").unwrap();
            let err = newest_value(&dir.path().join("a.csv"), "loaded_at").unwrap_err();
            assert!(
                err.ends_with("a.csv:3: column `loaded_at`: \"soon\" is not a timestamp"),
                "{err}"
            );
        }

        #[test]
        fn ndjson_rows_in_any_order_and_a_bom_give_the_newest() {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(
                dir.path().join("a.ndjson"),
                "\u{feff}{\"at\": \"2026-11-22T01:00:00Z\"}\n\n{\"at\": null}\n{\"at\": \"2026-11-20T00:00:00Z\"}",
            )
            .unwrap();
            let t = newest_value(&dir.path().join("a.ndjson"), "at").unwrap();
            assert_eq!(t.to_rfc3339(), "2026-11-22T01:00:00+00:00");
            let long = format!(
                "{{\"at\": \"{}\"}}\n",
                "x".repeat(crate::fs::MAX_LINE_BYTES)
            );
            std::fs::write(dir.path().join("b.ndjson"), format!("{{}}\n{long}")).unwrap();
            let err = newest_value(&dir.path().join("b.ndjson"), "at").unwrap_err();
            assert!(
                err.ends_with("b.ndjson:2: longer than 1 MiB, the line limit"),
                "{err}"
            );
        }

        #[test]
        fn no_match_is_a_measurement_error() {
            let dir = tempfile::tempdir().unwrap();
            assert!(newest_mtime(&dir.path().join("*.csv"))
                .unwrap_err()
                .contains("no file matches"));
        }
    }
}
