//! GA4 export rows as Parquet in the export's nested schema (BigQuery's Parquet export, or
//! files written by DuckDB/Arrow from it).
//!
//! Only the seven leaf columns the report needs are decoded; row groups are spread over two
//! threads, each with its own aggregator.

use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow_array::cast::AsArray;
use arrow_array::{Array, Int64Array, ListArray, RecordBatch, StructArray};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;
use parquet::schema::types::SchemaDescriptor;

use crate::domain::crash_free::{parse_event_date, Aggregator, DayRange, RawRow};
use crate::progress::Progress;
use crate::sources::SourceError;

const WORKERS: usize = 2;
const BATCH_ROWS: usize = 16 * 1024;

struct ParquetFile {
    path: PathBuf,
    metadata: ArrowReaderMetadata,
    mask: ProjectionMask,
    /// The leaf column index of `event_date`, for row-group statistics.
    date_column: Option<usize>,
}

/// Whether a row group's `event_date` statistics put every one of its rows outside `range`, so
/// it need not be read. Only exact, complete statistics count: no nulls (a missing date is bad
/// input the reader must see), and a minimum and maximum that are both dates.
fn dated_outside(
    row_group: &parquet::file::metadata::RowGroupMetaData,
    date_column: Option<usize>,
    range: DayRange,
) -> bool {
    let Some(stats) = date_column.and_then(|c| row_group.column(c).statistics()) else {
        return false;
    };
    if stats.null_count_opt() != Some(0) || !stats.min_is_exact() || !stats.max_is_exact() {
        return false;
    }
    let date = |bytes: Option<&[u8]>| bytes.and_then(parse_event_date);
    match (date(stats.min_bytes_opt()), date(stats.max_bytes_opt())) {
        (Some(min), Some(max)) => max < range.first() || min > range.last(),
        _ => false,
    }
}

/// Leaf paths wanted, as (first part, last parts): list wrappers in between vary by writer
/// (`event_params.list.element.key`, `event_params.key`, …).
const LEAVES: [(&str, &[&str]); 7] = [
    ("event_date", &[]),
    ("event_name", &[]),
    ("user_pseudo_id", &[]),
    ("platform", &[]),
    ("app_info", &["version"]),
    ("event_params", &["key"]),
    ("event_params", &["value", "int_value"]),
];

const REQUIRED: [&str; 4] = ["event_date", "event_name", "user_pseudo_id", "platform"];

/// The leaves to decode; `event_params` only when crashes depend on the `fatal` param.
fn projection(schema: &SchemaDescriptor, with_params: bool) -> ProjectionMask {
    let indices = schema.columns().iter().enumerate().filter_map(|(i, col)| {
        let parts = col.path().parts();
        let wanted = LEAVES
            .iter()
            .filter(|(first, _)| with_params || *first != "event_params")
            .any(|(first, tail)| {
                parts.first().is_some_and(|p| p == first)
                && parts.len() > tail.len()
                && parts[parts.len() - tail.len()..].iter().zip(tail.iter()).all(|(a, b)| a == b)
                && (!tail.is_empty() || parts.len() == 1)
                // `event_params…key` must not match `event_params…value…key`-like leaves.
                && (tail != &["key"] || parts.len() < 3 || parts[parts.len() - 2] != "value")
            });
        wanted.then_some(i)
    });
    ProjectionMask::leaves(schema, indices.collect::<Vec<_>>())
}

/// `--crash fatal` reads each crash's `fatal` param: without `event_params.key` and
/// `event_params.value.int_value` of the export's types, every crash would silently count as
/// non-fatal, so their absence is bad input naming the column.
fn check_params(schema: &arrow_schema::Schema) -> Result<(), String> {
    let needed = "(--crash fatal reads it)";
    let field = schema
        .field_with_name("event_params")
        .map_err(|_| format!("Parquet column `event_params` is missing {needed}"))?;
    let entries = match field.data_type() {
        DataType::List(item) => match item.data_type() {
            DataType::Struct(entries) => Some(entries),
            _ => None,
        },
        _ => None,
    }
    .ok_or_else(|| {
        format!(
            "Parquet column `event_params` has type {}, expected a repeated record of key and value {needed}",
            field.data_type()
        )
    })?;
    let member = |fields: &arrow_schema::Fields, name: &str, path: &str| {
        fields
            .iter()
            .find(|f| f.name() == name)
            .cloned()
            .ok_or_else(|| format!("Parquet column `{path}` is missing {needed}"))
    };
    let key = member(entries, "key", "event_params.key")?;
    if !matches!(
        key.data_type(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    ) {
        return Err(format!(
            "Parquet column `event_params.key` has type {}, expected a string {needed}",
            key.data_type()
        ));
    }
    let value = member(entries, "value", "event_params.value")?;
    let DataType::Struct(value_fields) = value.data_type() else {
        return Err(format!(
            "Parquet column `event_params.value` has type {}, expected a record {needed}",
            value.data_type()
        ));
    };
    let int_value = member(value_fields, "int_value", "event_params.value.int_value")?;
    if int_value.data_type() != &DataType::Int64 {
        return Err(format!(
            "Parquet column `event_params.value.int_value` has type {}, expected INT64 {needed}",
            int_value.data_type()
        ));
    }
    Ok(())
}

fn open(path: &PathBuf, with_params: bool) -> Result<ParquetFile, SourceError> {
    let bad = |e: &dyn std::fmt::Display| {
        SourceError::Input(format!(
            "{}: not a readable Parquet file: {e}",
            path.display()
        ))
    };
    let file = File::open(path)
        .map_err(|e| SourceError::Input(format!("{}: cannot open: {e}", path.display())))?;
    let metadata =
        ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(|e| bad(&e))?;
    let schema = metadata.schema();
    for name in REQUIRED {
        if schema.field_with_name(name).is_err() {
            return Err(SourceError::Input(format!(
                "{}: Parquet column `{name}` is missing (is this a GA4 export?)",
                path.display()
            )));
        }
    }
    if with_params {
        check_params(schema).map_err(|e| SourceError::Input(format!("{}: {e}", path.display())))?;
    }
    let mask = projection(metadata.parquet_schema(), with_params);
    let date_column = metadata
        .parquet_schema()
        .columns()
        .iter()
        .position(|c| c.path().parts() == ["event_date"]);
    Ok(ParquetFile {
        path: path.clone(),
        metadata,
        mask,
        date_column,
    })
}

pub fn read(
    files: &[PathBuf],
    with_params: bool,
    new_aggregator: &(dyn Fn() -> Aggregator + Sync),
    progress: &Progress,
) -> Result<Aggregator, SourceError> {
    let opened = files
        .iter()
        .map(|f| open(f, with_params))
        .collect::<Result<Vec<_>, _>>()?;
    let range = new_aggregator().range();
    let mut tasks: Vec<(usize, usize)> = Vec::new();
    for (f, file) in opened.iter().enumerate() {
        let meta = file.metadata.metadata();
        for rg in 0..meta.num_row_groups() {
            if dated_outside(meta.row_group(rg), file.date_column, range) {
                progress.advance(meta.row_group(rg).compressed_size().unsigned_abs());
            } else {
                tasks.push((f, rg));
            }
        }
    }
    let next = AtomicUsize::new(0);
    let results: Vec<Result<Aggregator, SourceError>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                scope.spawn(|| {
                    let mut aggregator = new_aggregator();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(f, rg)) = tasks.get(i) else { break };
                        if let Err(e) = read_row_group(&opened[f], rg, &mut aggregator, progress) {
                            next.store(tasks.len(), Ordering::Relaxed);
                            return Err(e);
                        }
                    }
                    Ok(aggregator)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(SourceError::Input("a reader thread panicked".into())))
            })
            .collect()
    });
    let aggregators = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    super::merge_all(aggregators)?.ok_or_else(|| SourceError::Input("no reader ran".into()))
}

fn read_row_group(
    file: &ParquetFile,
    row_group: usize,
    aggregator: &mut Aggregator,
    progress: &Progress,
) -> Result<(), SourceError> {
    let path = file.path.display();
    let bad = |e: &dyn std::fmt::Display| {
        SourceError::Input(format!("{path}: not a readable Parquet file: {e}"))
    };
    let meta = file.metadata.metadata();
    // Row numbers for messages: the rows of the row groups before this one (u64: a file may
    // hold more than 4 G rows).
    let first_row: u64 = meta.row_groups()[..row_group]
        .iter()
        .map(|rg| rg.num_rows().unsigned_abs())
        .sum();
    let handle = File::open(&file.path)
        .map_err(|e| SourceError::Input(format!("{path}: cannot open: {e}")))?;
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(handle, file.metadata.clone())
        .with_projection(file.mask.clone())
        .with_row_groups(vec![row_group])
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| bad(&e))?;
    let mut offset = first_row;
    for batch in reader {
        let batch = batch.map_err(|e| bad(&e))?;
        let columns =
            Columns::of(&batch).map_err(|e| SourceError::Input(format!("{path}: {e}")))?;
        for i in 0..batch.num_rows() {
            let row = columns.row(i);
            aggregator.add(&row).map_err(|e| {
                SourceError::Input(format!("{path}: row {}: {e}", offset + i as u64 + 1))
            })?;
        }
        offset += batch.num_rows() as u64;
    }
    progress.advance(meta.row_group(row_group).compressed_size().unsigned_abs());
    Ok(())
}

/// A string column whatever its Arrow width.
enum Strings<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
}

impl<'a> Strings<'a> {
    fn of(array: &'a dyn Array, name: &str) -> Result<Strings<'a>, String> {
        match array.data_type() {
            DataType::Utf8 => Ok(Strings::Utf8(array.as_string::<i32>())),
            DataType::LargeUtf8 => Ok(Strings::Large(array.as_string::<i64>())),
            DataType::Utf8View => Ok(Strings::View(array.as_string_view())),
            other => Err(format!(
                "Parquet column `{name}` has type {other}, expected a string"
            )),
        }
    }

    #[inline]
    fn get(&self, i: usize) -> Option<&'a [u8]> {
        match self {
            Strings::Utf8(a) => a.is_valid(i).then(|| a.value(i).as_bytes()),
            Strings::Large(a) => a.is_valid(i).then(|| a.value(i).as_bytes()),
            Strings::View(a) => a.is_valid(i).then(|| a.value(i).as_bytes()),
        }
    }
}

struct Params<'a> {
    list: &'a ListArray,
    keys: Strings<'a>,
    values: Option<&'a StructArray>,
    ints: Option<&'a Int64Array>,
}

struct Columns<'a> {
    event_date: Strings<'a>,
    event_name: Strings<'a>,
    user_pseudo_id: Strings<'a>,
    platform: Strings<'a>,
    app_info: Option<(&'a StructArray, Strings<'a>)>,
    params: Option<Params<'a>>,
}

fn strings<'a>(batch: &'a RecordBatch, name: &str) -> Result<Strings<'a>, String> {
    let array = batch
        .column_by_name(name)
        .ok_or_else(|| format!("Parquet column `{name}` is missing"))?;
    Strings::of(array.as_ref(), name)
}

impl<'a> Columns<'a> {
    fn of(batch: &'a RecordBatch) -> Result<Columns<'a>, String> {
        let app_info = match batch.column_by_name("app_info") {
            Some(col) => {
                let app = col
                    .as_struct_opt()
                    .ok_or("Parquet column `app_info` is not a record")?;
                match app.column_by_name("version") {
                    Some(v) => Some((app, Strings::of(v.as_ref(), "app_info.version")?)),
                    None => None,
                }
            }
            None => None,
        };
        let params = match batch.column_by_name("event_params") {
            Some(col) => {
                let list = col
                    .as_list_opt::<i32>()
                    .ok_or("Parquet column `event_params` is not a repeated record")?;
                let entries = list
                    .values()
                    .as_struct_opt()
                    .ok_or("Parquet column `event_params` is not a repeated record")?;
                let keys = entries
                    .column_by_name("key")
                    .ok_or("Parquet column `event_params.key` is missing")?;
                let values = entries
                    .column_by_name("value")
                    .and_then(|v| v.as_struct_opt());
                let ints = match values.and_then(|v| v.column_by_name("int_value")) {
                    Some(ints) => Some(ints.as_primitive_opt().ok_or_else(|| {
                        format!("Parquet column `event_params.value.int_value` has type {}, expected INT64", ints.data_type())
                    })?),
                    None => None,
                };
                Some(Params {
                    list,
                    keys: Strings::of(keys.as_ref(), "event_params.key")?,
                    values,
                    ints,
                })
            }
            None => None,
        };
        Ok(Columns {
            event_date: strings(batch, "event_date")?,
            event_name: strings(batch, "event_name")?,
            user_pseudo_id: strings(batch, "user_pseudo_id")?,
            platform: strings(batch, "platform")?,
            app_info,
            params,
        })
    }

    #[inline]
    fn row(&self, i: usize) -> RawRow<'a> {
        let event_name = self.event_name.get(i);
        RawRow {
            event_date: self.event_date.get(i),
            event_name,
            user_pseudo_id: self.user_pseudo_id.get(i),
            platform: self.platform.get(i),
            app_version: self.app_info.as_ref().and_then(|(app, v)| {
                if app.is_valid(i) {
                    v.get(i)
                } else {
                    None
                }
            }),
            // Only crashes look at params.
            fatal: if event_name == Some(b"app_exception".as_slice()) {
                self.fatal(i)
            } else {
                None
            },
        }
    }

    fn fatal(&self, i: usize) -> Option<i64> {
        let p = self.params.as_ref()?;
        if p.list.is_null(i) {
            return None;
        }
        let offsets = p.list.value_offsets();
        let mut fatal = None;
        for j in offsets[i] as usize..offsets[i + 1] as usize {
            if p.keys.get(j) == Some(b"fatal".as_slice()) {
                fatal = match (p.values, p.ints) {
                    (Some(values), Some(ints)) if values.is_valid(j) && ints.is_valid(j) => {
                        Some(ints.value(j))
                    }
                    _ => None,
                };
            }
        }
        fatal
    }
}
