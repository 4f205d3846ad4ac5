//! GA4 export rows as NDJSON, plain or gzip (as BigQuery's export writes them).
//!
//! A pipeline, because inflate alone is the floor of this path: this thread reads and inflates
//! into ~1 MiB newline-aligned chunks, and two workers scan rows into their own aggregators,
//! merged at the end. Memory stays flat: a few chunks in flight plus the user bitsets.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Mutex;

use flate2::bufread::MultiGzDecoder;

use super::scan::{scan_row, slow};
use crate::domain::crash_free::Aggregator;
use crate::progress::Progress;
use crate::sources::SourceError;

const CHUNK_BYTES: usize = 1 << 20;
const WORKERS: usize = 2;
const CHUNKS_IN_FLIGHT: usize = 4;

struct Chunk {
    file: usize,
    seq: u64,
    data: Vec<u8>,
    len: usize,
}

/// Where a worker stopped on a bad row.
struct RowFailure {
    file: usize,
    seq: u64,
    line_in_chunk: usize,
    column: Option<usize>,
    message: String,
}

#[derive(Default)]
struct WorkerLog {
    /// (file, seq, lines) of every chunk the worker saw, to turn positions into line numbers.
    lines: Vec<(usize, u64, usize)>,
    failure: Option<RowFailure>,
}

/// Reads every file into `aggregator` (and its clones, one per worker).
pub fn read(
    files: &[PathBuf],
    new_aggregator: &(dyn Fn() -> Aggregator + Sync),
    progress: &Progress,
) -> Result<Aggregator, SourceError> {
    let stop = AtomicBool::new(false);
    let (chunks_tx, chunks_rx) = mpsc::sync_channel::<Chunk>(CHUNKS_IN_FLIGHT);
    let (spare_tx, spare_rx) = mpsc::channel::<Vec<u8>>();
    let chunks_rx = Mutex::new(chunks_rx);

    let (read_result, outputs) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                let (rx, spare_tx, stop) = (&chunks_rx, spare_tx.clone(), &stop);
                scope.spawn(move || work(rx, spare_tx, stop, new_aggregator()))
            })
            .collect();
        drop(spare_tx);
        let read_result = read_files(files, chunks_tx, &spare_rx, &stop, progress);
        let outputs: Vec<_> = workers.into_iter().map(|w| w.join()).collect();
        (read_result, outputs)
    });

    let mut merged: Option<Aggregator> = None;
    let mut log = WorkerLog::default();
    for output in outputs {
        let (aggregator, worker_log) =
            output.map_err(|_| SourceError::Input("a reader thread panicked".into()))?;
        log.lines.extend(worker_log.lines);
        if let Some(f) = worker_log.failure {
            if log
                .failure
                .as_ref()
                .is_none_or(|g| (f.seq, f.line_in_chunk) < (g.seq, g.line_in_chunk))
            {
                log.failure = Some(f);
            }
        }
        match &mut merged {
            None => merged = Some(aggregator),
            Some(m) => m.merge(aggregator),
        }
    }
    if let Some(f) = log.failure {
        let before: usize = log
            .lines
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
    read_result?;
    merged.ok_or_else(|| SourceError::Input("no reader ran".into()))
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

fn read_files(
    files: &[PathBuf],
    chunks: SyncSender<Chunk>,
    spare: &Receiver<Vec<u8>>,
    stop: &AtomicBool,
    progress: &Progress,
) -> Result<(), SourceError> {
    let mut seq = 0u64;
    for (file, path) in files.iter().enumerate() {
        let mut input = open(path, progress)?;
        let read_error = |e: std::io::Error| {
            let what = if e.kind() == std::io::ErrorKind::InvalidInput
                || e.kind() == std::io::ErrorKind::InvalidData
                || e.kind() == std::io::ErrorKind::UnexpectedEof
            {
                "corrupt or truncated gzip data"
            } else {
                "cannot read"
            };
            SourceError::Input(format!("{}: {what}: {e}", path.display()))
        };
        let mut carry: Vec<u8> = Vec::new();
        loop {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            let mut buf = spare.try_recv().unwrap_or_else(|_| vec![0; CHUNK_BYTES]);
            if buf.len() < carry.len() * 2 {
                buf.resize(carry.len() * 2, 0);
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
                    // One line longer than the buffer: grow it and keep reading.
                    None => buf.resize(buf.len() * 2, 0),
                }
            }
            if filled > 0
                && chunks
                    .send(Chunk {
                        file,
                        seq,
                        data: buf,
                        len: filled,
                    })
                    .is_err()
            {
                return Ok(());
            }
            seq += 1;
            if eof {
                break;
            }
        }
    }
    Ok(())
}

fn count_lines(data: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', data).count()
        + usize::from(!data.is_empty() && !data.ends_with(b"\n"))
}

fn work(
    chunks: &Mutex<Receiver<Chunk>>,
    spare: mpsc::Sender<Vec<u8>>,
    stop: &AtomicBool,
    mut aggregator: Aggregator,
) -> (Aggregator, WorkerLog) {
    let mut log = WorkerLog::default();
    loop {
        let next = match chunks.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => break,
        };
        let Ok(chunk) = next else { break };
        let data = &chunk.data[..chunk.len];
        if log.failure.is_none() {
            if let Err((line_in_chunk, column, message)) = scan_chunk(data, &mut aggregator) {
                log.failure = Some(RowFailure {
                    file: chunk.file,
                    seq: chunk.seq,
                    line_in_chunk,
                    column,
                    message,
                });
                stop.store(true, Ordering::Relaxed);
            }
        }
        log.lines.push((chunk.file, chunk.seq, count_lines(data)));
        let _ = spare.send(chunk.data);
    }
    (aggregator, log)
}

/// Counts every row of a chunk; on a bad row, its 0-based line within the chunk and why.
fn scan_chunk(
    data: &[u8],
    aggregator: &mut Aggregator,
) -> Result<(), (usize, Option<usize>, String)> {
    let valid_utf8 = simdutf8::basic::from_utf8(data).is_ok();
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', data).chain(std::iter::once(data.len()));
    for (index, end) in ends.enumerate() {
        if start > data.len() {
            break;
        }
        let line = &data[start..end];
        start = end + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if !valid_utf8 && std::str::from_utf8(line).is_err() {
            return Err((index, None, "invalid UTF-8".into()));
        }
        let result = match scan_row(line) {
            Ok(row) => aggregator.add(&row),
            Err(_) => match slow::parse_row(line) {
                Ok(owned) => aggregator.add(&owned.as_raw()),
                Err(e) => return Err((index, e.column, e.message)),
            },
        };
        if let Err(e) = result {
            return Err((index, None, e.to_string()));
        }
    }
    Ok(())
}
