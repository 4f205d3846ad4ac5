//! GA4 export rows as NDJSON, plain or gzip (as BigQuery's export writes them).
//!
//! Inflate is the floor of this path, so it runs beside parsing: up to one inflating thread
//! per core, each taking the next file (largest first), cuts its output into ~1 MiB
//! newline-aligned chunks; one parsing thread per core scans chunks from any file into its own
//! aggregator, and the aggregators are merged at the end. One big gzip member keeps one core
//! inflating and the other parsing; many daily shards keep every core inflating and parsing.
//! Memory stays flat: a few chunks per thread in flight plus the user bitsets, however many
//! rows or files there are.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Mutex;

use flate2::bufread::MultiGzDecoder;

use super::quotes::QuoteIndex;
use super::scan::{fast_row, slow};
use crate::domain::crash_free::Aggregator;
use crate::progress::Progress;
use crate::sources::SourceError;

const CHUNK_BYTES: usize = 1 << 20;
/// The longest line accepted. GA4 export rows are a few KB; BigQuery caps a row at 100 MB, but
/// a line this long is far likelier a broken file, and the reader's buffer is bounded by it.
pub const MAX_LINE_BYTES: usize = 32 << 20;
/// A UTF-8 byte order mark, which some tools put before the first row.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The cores to use: inflating and parsing threads each number this many.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 16))
}

struct Chunk {
    file: usize,
    /// Position of the chunk within its file.
    seq: u64,
    data: Vec<u8>,
    /// The rows are `data[start..end]` (`start` skips a byte order mark).
    start: usize,
    end: usize,
}

/// A bad row (or line), where it is.
struct Failure {
    file: usize,
    seq: u64,
    line_in_chunk: usize,
    column: Option<usize>,
    message: String,
}

impl Failure {
    fn position(&self) -> (usize, u64, usize) {
        (self.file, self.seq, self.line_in_chunk)
    }
}

/// What a parsing thread returns: its aggregator, the lines of every chunk it scanned (to turn
/// chunk positions into line numbers), and the first bad row it met.
struct Parsed {
    aggregator: Aggregator,
    lines: Vec<(usize, u64, usize)>,
    failure: Option<Failure>,
}

/// What every thread shares.
struct Shared<'a> {
    files: &'a [PathBuf],
    /// Indices into `files`, largest first, so the last files to finish are short ones.
    order: Vec<usize>,
    next_file: AtomicUsize,
    stop: AtomicBool,
    /// Buffers handed back by the parsers, reused by the inflaters.
    spare: Mutex<Vec<Vec<u8>>>,
    progress: &'a Progress,
}

/// Reads every file into one aggregator (each parsing thread makes its own with
/// `new_aggregator`; they are merged at the end).
pub fn read(
    files: &[PathBuf],
    new_aggregator: &(dyn Fn() -> Aggregator + Sync),
    progress: &Progress,
) -> Result<Aggregator, SourceError> {
    let cores = cores();
    let mut order: Vec<usize> = (0..files.len()).collect();
    let sizes: Vec<u64> = files
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
    let shared = Shared {
        files,
        order,
        next_file: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        spare: Mutex::new(Vec::new()),
        progress,
    };
    let (chunks_tx, chunks_rx) = mpsc::sync_channel::<Chunk>(2 * cores);
    let chunks_rx = Mutex::new(chunks_rx);

    let (inflated, parsed) = std::thread::scope(|scope| {
        let parsers: Vec<_> = (0..cores)
            .map(|_| {
                let (rx, shared) = (&chunks_rx, &shared);
                scope.spawn(move || parse(rx, shared, new_aggregator()))
            })
            .collect();
        let inflaters: Vec<_> = (0..cores.min(files.len()))
            .map(|_| {
                let (tx, shared) = (chunks_tx.clone(), &shared);
                scope.spawn(move || inflate(tx, shared))
            })
            .collect();
        drop(chunks_tx);
        let inflated: Vec<_> = inflaters.into_iter().map(|h| h.join().ok()).collect();
        let parsed: Vec<_> = parsers.into_iter().map(|h| h.join().ok()).collect();
        (inflated, parsed)
    });

    let mut aggregators = Vec::new();
    let mut lines = Vec::new();
    let mut failure: Option<Failure> = None;
    let mut keep_first = |f: Failure| {
        if failure.as_ref().is_none_or(|g| f.position() < g.position()) {
            failure = Some(f);
        }
    };
    let mut read_error = None;
    let panicked = || SourceError::Input("a reader thread panicked".into());
    for result in inflated {
        match result.ok_or_else(panicked)? {
            Ok(()) => {}
            Err(InflateError::Line(f)) => keep_first(f),
            Err(InflateError::Read(e)) => read_error = read_error.or(Some(e)),
        }
    }
    for result in parsed {
        let out = result.ok_or_else(panicked)?;
        lines.extend(out.lines);
        if let Some(f) = out.failure {
            keep_first(f);
        }
        aggregators.push(out.aggregator);
    }
    if let Some(f) = failure {
        let before: usize = lines
            .iter()
            .filter(|(file, seq, _)| *file == f.file && *seq < f.seq)
            .map(|(_, _, n)| n)
            .sum();
        let line = before + f.line_in_chunk + 1;
        let at = match f.column {
            Some(c) => format!("{}:{line}:{c}", files[f.file].display()),
            None => format!("{}:{line}", files[f.file].display()),
        };
        return Err(SourceError::Input(format!("{at}: {}", f.message)));
    }
    if let Some(e) = read_error {
        return Err(e);
    }
    super::merge_all(aggregators)?.ok_or_else(|| SourceError::Input("no reader ran".into()))
}

/// Counts the compressed bytes read, for the progress bar.
struct Metered<'p, R> {
    inner: R,
    progress: &'p Progress,
}

impl<R: Read> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

fn open<'p>(path: &Path, progress: &'p Progress) -> Result<Box<dyn Read + 'p>, SourceError> {
    let file = File::open(path)
        .map_err(|e| SourceError::Input(format!("{}: cannot open: {e}", path.display())))?;
    let mut reader = BufReader::with_capacity(
        256 << 10,
        Metered {
            inner: file,
            progress,
        },
    );
    let is_gzip = std::io::BufRead::fill_buf(&mut reader)
        .map_err(|e| SourceError::Input(format!("{}: cannot read: {e}", path.display())))?
        .starts_with(&[0x1f, 0x8b]);
    Ok(if is_gzip {
        Box::new(MultiGzDecoder::new(reader))
    } else {
        Box::new(reader)
    })
}

enum InflateError {
    /// A line the reader itself rejects (too long), placed like a bad row.
    Line(Failure),
    Read(SourceError),
}

/// An inflating thread: takes files until none is left and sends their newline-aligned chunks.
fn inflate(chunks: SyncSender<Chunk>, shared: &Shared<'_>) -> Result<(), InflateError> {
    while !shared.stop.load(Ordering::Relaxed) {
        let next = shared.next_file.fetch_add(1, Ordering::Relaxed);
        let Some(&file) = shared.order.get(next) else {
            return Ok(());
        };
        let result = inflate_file(file, &chunks, shared);
        if result.is_err() {
            shared.stop.store(true, Ordering::Relaxed);
        }
        result?;
    }
    Ok(())
}

fn inflate_file(
    file: usize,
    chunks: &SyncSender<Chunk>,
    shared: &Shared<'_>,
) -> Result<(), InflateError> {
    let path = &shared.files[file];
    let mut input = open(path, shared.progress).map_err(InflateError::Read)?;
    let read_error = |e: std::io::Error| {
        let what = if matches!(
            e.kind(),
            std::io::ErrorKind::InvalidInput
                | std::io::ErrorKind::InvalidData
                | std::io::ErrorKind::UnexpectedEof
        ) {
            "corrupt or truncated gzip data"
        } else {
            "cannot read"
        };
        InflateError::Read(SourceError::Input(format!(
            "{}: {what}: {e}",
            path.display()
        )))
    };
    let mut carry: Vec<u8> = Vec::new();
    for seq in 0u64.. {
        if shared.stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        let spare = shared.spare.lock().ok().and_then(|mut s| s.pop());
        let mut buf = spare.unwrap_or_else(|| vec![0; CHUNK_BYTES]);
        if buf.len() < carry.len() * 2 {
            buf.resize((carry.len() * 2).min(MAX_LINE_BYTES + 1), 0);
        }
        buf[..carry.len()].copy_from_slice(&carry);
        let mut filled = carry.len();
        carry.clear();
        let mut eof = false;
        loop {
            while filled < buf.len() {
                let n = input.read(&mut buf[filled..]).map_err(read_error)?;
                if n == 0 {
                    eof = true;
                    break;
                }
                filled += n;
            }
            if eof {
                break;
            }
            match memchr::memrchr(b'\n', &buf[..filled]) {
                Some(end) => {
                    carry.extend_from_slice(&buf[end + 1..filled]);
                    filled = end + 1;
                    break;
                }
                // The chunk is one unfinished line: grow it, up to the line limit.
                None if filled > MAX_LINE_BYTES => {
                    return Err(InflateError::Line(Failure {
                        file,
                        seq,
                        line_in_chunk: 0,
                        column: None,
                        message: format!(
                            "line longer than {} MiB (the limit; is this NDJSON?)",
                            MAX_LINE_BYTES >> 20
                        ),
                    }))
                }
                None => buf.resize((buf.len() * 2).min(MAX_LINE_BYTES + 1), 0),
            }
        }
        let start = if seq == 0 && buf[..filled].starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        if filled > start {
            let chunk = Chunk {
                file,
                seq,
                data: buf,
                start,
                end: filled,
            };
            if chunks.send(chunk).is_err() {
                return Ok(());
            }
        }
        if eof {
            return Ok(());
        }
    }
    Ok(())
}

/// Should a parsing thread panic (a bug), the inflaters must not block forever on a full
/// channel: this stops them and drains what is left, so the run ends with an error.
struct DrainOnPanic<'a> {
    chunks: &'a Mutex<Receiver<Chunk>>,
    stop: &'a AtomicBool,
}

impl Drop for DrainOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.stop.store(true, Ordering::Relaxed);
            let rx = self.chunks.lock().unwrap_or_else(|e| e.into_inner());
            while rx.recv().is_ok() {}
        }
    }
}

/// A parsing thread: scans chunks until the inflaters are done.
fn parse(chunks: &Mutex<Receiver<Chunk>>, shared: &Shared<'_>, aggregator: Aggregator) -> Parsed {
    let _drain = DrainOnPanic {
        chunks,
        stop: &shared.stop,
    };
    let mut out = Parsed {
        aggregator,
        lines: Vec::new(),
        failure: None,
    };
    let mut index = QuoteIndex::default();
    loop {
        let next = chunks.lock().unwrap_or_else(|e| e.into_inner()).recv();
        let Ok(chunk) = next else { break };
        let data = &chunk.data[chunk.start..chunk.end];
        let lines = if out.failure.is_none() && !shared.stop.load(Ordering::Relaxed) {
            match scan_chunk(data, &mut index, &mut out.aggregator) {
                Ok(lines) => lines,
                Err((line_in_chunk, column, message)) => {
                    out.failure = Some(Failure {
                        file: chunk.file,
                        seq: chunk.seq,
                        line_in_chunk,
                        column,
                        message,
                    });
                    shared.stop.store(true, Ordering::Relaxed);
                    count_lines(data)
                }
            }
        } else {
            count_lines(data)
        };
        out.lines.push((chunk.file, chunk.seq, lines));
        if let Ok(mut spare) = shared.spare.lock() {
            spare.push(chunk.data);
        }
    }
    out
}

fn count_lines(data: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', data).count()
        + usize::from(!data.is_empty() && !data.ends_with(b"\n"))
}

/// Counts every row of a chunk and returns its line count; on a bad row, its 0-based line
/// within the chunk and why.
fn scan_chunk(
    data: &[u8],
    index: &mut QuoteIndex,
    aggregator: &mut Aggregator,
) -> Result<usize, (usize, Option<usize>, String)> {
    let valid_utf8 = simdutf8::basic::from_utf8(data).is_ok();
    // Rows with a control byte go straight to the full parser, which has the final word; rows
    // with a backslash are scanned without the quote index (a quote may be escaped).
    let flags = index.index(data);
    let mut start = 0;
    let mut lines = 0;
    for end in memchr::memchr_iter(b'\n', data).chain(std::iter::once(data.len())) {
        if start >= data.len() {
            break;
        }
        let index_line = lines;
        lines += 1;
        let line_start = start;
        let line = &data[start..end];
        start = end + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
            continue;
        }
        if !valid_utf8 && std::str::from_utf8(line).is_err() {
            return Err((index_line, None, "invalid UTF-8".into()));
        }
        let quotes = (!flags.backslash || memchr::memchr(b'\\', line).is_none())
            .then(|| index.line(line_start));
        let result = match fast_row(line, flags.control, quotes) {
            Some(row) => aggregator.add(&row),
            None => match slow::parse_row(line) {
                Ok(owned) => aggregator.add(&owned.as_raw()),
                Err(e) => return Err((index_line, e.column, e.message)),
            },
        };
        if let Err(e) = result {
            return Err((index_line, None, e.to_string()));
        }
    }
    Ok(lines)
}
