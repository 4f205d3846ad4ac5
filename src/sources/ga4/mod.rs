//! Local GA4 BigQuery export files: NDJSON (plain or gzip) and Parquet, in the export's
//! nested schema. Formats are told apart by their first bytes, not their names.

mod ndjson;
mod parquet;
mod quotes;
mod scan;

use std::io::Read;
use std::path::PathBuf;

use super::SourceError;
use crate::domain::crash_free::Aggregator;
use crate::progress::Progress;

/// Reads every file into one aggregator made by `new_aggregator` (called once per thread).
/// `with_params`: whether crashes depend on event params (`--crash fatal`); Parquet then
/// decodes them, otherwise it skips those columns.
pub fn aggregate(
    files: &[PathBuf],
    with_params: bool,
    new_aggregator: &(dyn Fn() -> Aggregator + Sync),
    progress: &Progress,
) -> Result<Aggregator, SourceError> {
    let mut json = Vec::new();
    let mut parquet = Vec::new();
    for path in files {
        let mut magic = [0u8; 4];
        let n = std::fs::File::open(path)
            .and_then(|mut f| f.read(&mut magic))
            .map_err(|e| SourceError::Input(format!("{}: cannot open: {e}", path.display())))?;
        if n == 4 && &magic == b"PAR1" {
            parquet.push(path.clone());
        } else {
            json.push(path.clone());
        }
    }
    let mut total = ndjson::read(&json, new_aggregator, progress)?;
    if !parquet.is_empty() {
        let rows = parquet::read(&parquet, with_params, new_aggregator, progress)?;
        total.merge(rows).map_err(merge_error)?;
    }
    Ok(total)
}

/// Folds the aggregators of several threads into one.
fn merge_all(
    aggregators: impl IntoIterator<Item = Aggregator>,
) -> Result<Option<Aggregator>, SourceError> {
    let mut merged: Option<Aggregator> = None;
    for aggregator in aggregators {
        match &mut merged {
            None => merged = Some(aggregator),
            Some(m) => m.merge(aggregator).map_err(merge_error)?,
        }
    }
    Ok(merged)
}

fn merge_error(e: crate::domain::crash_free::RowError) -> SourceError {
    SourceError::Input(format!("the input: {e}"))
}

/// Total size of the files, for a progress bar.
pub fn total_bytes(files: &[PathBuf]) -> u64 {
    files
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}
