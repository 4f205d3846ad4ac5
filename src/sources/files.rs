//! Local paths and globs, as written on the command line or in `vitals.toml`.

use std::path::{Path, PathBuf};

use super::SourceError;

/// Expands each pattern (a path or a glob) relative to `base`, sorted, without duplicates. A
/// pattern that matches nothing is bad input: a typo should not look like an empty export.
pub fn expand(patterns: &[PathBuf], base: &Path) -> Result<Vec<PathBuf>, SourceError> {
    let mut files = Vec::new();
    for pattern in patterns {
        let full = if pattern.is_absolute() {
            pattern.clone()
        } else {
            base.join(pattern)
        };
        let text = full.to_string_lossy();
        if !text.contains(['*', '?', '[']) {
            if !full.is_file() {
                return Err(SourceError::Input(format!(
                    "{}: no such file",
                    full.display()
                )));
            }
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
            if path.is_file() {
                files.push(path);
            }
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
}
