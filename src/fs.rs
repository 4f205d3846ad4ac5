//! Local files, both ways. Inputs are read within limits: only regular files (checked on their
//! metadata before opening, so a FIFO is refused instead of blocking and a device instead of
//! streaming forever), whole-file reads capped in size, line-based reads capped per line.
//! Outputs are written atomically, so a reader never sees half of one, and never over anything
//! but a regular file.
//!
//! The limits are the README's "Limits" table; each names what it bounds.

use std::fs::{File, Metadata};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Longest line of a line-based input: SLO metric CSVs, traces, deployments and incidents,
/// files a freshness check reads. Real rows are a few hundred bytes.
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// Largest TOML input: `vitals.toml` and autoscale policies (a config with 10,000 checks is
/// about 2 MiB).
pub const MAX_TOML_BYTES: u64 = 4 << 20;
/// Largest freshness state file (10,000 checks over 100 configs is about 15 MiB).
pub const MAX_STATE_BYTES: u64 = 64 << 20;
/// Largest dbt `manifest.json` (projects with thousands of models write a few hundred MiB).
pub const MAX_MANIFEST_BYTES: u64 = 1 << 30;
/// Largest small text input: a query file, a credentials file, a cached API response.
pub const MAX_SMALL_BYTES: u64 = 16 << 20;

/// `bytes` as people read sizes: `4 MiB`, `512 KiB`, `100 bytes`.
pub fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// Why `path` cannot be read as an input, from its metadata alone (nothing is opened): a
/// directory, FIFO, socket or device is refused, saying which.
pub fn check_input(path: &Path) -> Result<Metadata, String> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err("no such file".into()),
        Err(e) => Err(format!("cannot read: {e}")),
        Ok(m) if m.is_file() => Ok(m),
        Ok(m) if m.is_dir() => Err("is a directory, not a file".into()),
        Ok(_) => Err("not a regular file (a FIFO, socket or device)".into()),
    }
}

/// Opens an input after [`check_input`]. The open itself never blocks (a FIFO swapped in
/// after the check opens non-blocking and is refused on the opened handle's metadata).
pub fn open_input(path: &Path) -> Result<File, String> {
    open_checked(path).map(|(file, _)| file)
}

/// [`open_input`], with the opened file's metadata.
fn open_checked(path: &Path) -> Result<(File, Metadata), String> {
    check_input(path)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // On a regular file O_NONBLOCK changes nothing; it only keeps a FIFO from blocking.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options
        .open(path)
        .map_err(|e| format!("cannot read: {e}"))?;
    match file.metadata() {
        Ok(m) if m.is_file() => Ok((file, m)),
        Ok(_) => Err("not a regular file (a FIFO, socket or device)".into()),
        Err(e) => Err(format!("cannot read: {e}")),
    }
}

/// The whole input as bytes, refused when larger than `max` (checked on the size before
/// reading, and while reading for a file that grows). A UTF-8 byte order mark is dropped.
pub fn read_input_bytes(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let (file, metadata) = open_checked(path)?;
    let too_large = || format!("larger than {}, the limit for this input", size(max));
    let len = metadata.len();
    if len > max {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > max {
        return Err(too_large());
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    Ok(bytes)
}

/// A whole-file input as a stream, for parsers that read as they go (memory then follows
/// what they keep, not the file): [`open_input`], refused when larger than `max`, a UTF-8 byte
/// order mark skipped.
pub fn open_input_stream(path: &Path, max: u64) -> Result<impl io::BufRead, String> {
    let (file, metadata) = open_checked(path)?;
    if metadata.len() > max {
        return Err(format!(
            "larger than {}, the limit for this input",
            size(max)
        ));
    }
    let mut reader = io::BufReader::new(file.take(max));
    let starts_with_bom = io::BufRead::fill_buf(&mut reader)
        .map_err(|e| format!("cannot read: {e}"))?
        .starts_with(b"\xEF\xBB\xBF");
    if starts_with_bom {
        io::BufRead::consume(&mut reader, 3);
    }
    Ok(reader)
}

/// [`read_input_bytes`] as UTF-8 text.
pub fn read_input(path: &Path, max: u64) -> Result<String, String> {
    let bytes = read_input_bytes(path, max)?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        format!("line {line}: not UTF-8 text")
    })
}

/// A line longer than the limit, found by [`LineLimited`]; callers name the file.
#[derive(Debug)]
pub struct LineTooLong {
    /// 1-based.
    pub line: u64,
    pub limit: usize,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {} is longer than {}, the line limit",
            self.line,
            size(self.limit as u64)
        )
    }
}

impl std::error::Error for LineTooLong {}

impl LineTooLong {
    /// The [`LineTooLong`] inside an I/O error from a [`LineLimited`] reader, if that is what
    /// it is.
    pub fn within(error: &io::Error) -> Option<&LineTooLong> {
        error.get_ref()?.downcast_ref::<LineTooLong>()
    }

    /// `file:line: longer than 1 MiB, the line limit`.
    pub fn in_file(&self, path: &Path) -> String {
        format!(
            "{}:{}: longer than {}, the line limit",
            path.display(),
            self.line,
            size(self.limit as u64)
        )
    }
}

/// A reader that fails with [`LineTooLong`] as soon as a line passes `limit` bytes, so that a
/// parser above it (csv, a line splitter) never buffers more than that for one line.
pub struct LineLimited<R> {
    inner: R,
    limit: usize,
    /// Bytes of the current line so far.
    current: usize,
    /// 1-based number of the current line.
    line: u64,
}

impl<R: Read> LineLimited<R> {
    pub fn new(inner: R, limit: usize) -> LineLimited<R> {
        LineLimited {
            inner,
            limit,
            current: 0,
            line: 1,
        }
    }
}

impl<R: Read> Read for LineLimited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for chunk in buf[..n].split_inclusive(|&b| b == b'\n') {
            let ends_line = chunk.last() == Some(&b'\n');
            let length = self.current + chunk.len() - usize::from(ends_line);
            if length > self.limit {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    LineTooLong {
                        line: self.line,
                        limit: self.limit,
                    },
                ));
            }
            if ends_line {
                self.current = 0;
                self.line += 1;
            } else {
                self.current = length;
            }
        }
        Ok(n)
    }
}

/// A line-based input: [`open_input`] under a [`LineLimited`] of [`MAX_LINE_BYTES`].
pub fn open_lines(path: &Path) -> Result<LineLimited<File>, String> {
    Ok(LineLimited::new(open_input(path)?, MAX_LINE_BYTES))
}

/// An exclusive advisory lock on a file (the OS's `flock`): held until dropped, and released
/// by the OS when the process ends however it ends, so a killed run never leaves a stale lock.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// Takes the lock on `path` (created empty if missing; it stays, as lock files do) if no
/// other process holds it: `Ok(None)` when one does.
pub fn try_lock(path: &Path) -> Result<Option<Lock>, String> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options
        .open(path)
        .map_err(|e| format!("cannot open the lock file {}: {e}", path.display()))?;
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(format!("{}: not a regular file", path.display()));
    }
    match file.try_lock() {
        Ok(()) => Ok(Some(Lock { _file: file })),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

/// Whether `path` may receive an output, checked while planning: an existing path must be a
/// regular file (never a device, FIFO, socket or directory, which an atomic rename would
/// replace), and the nearest existing folder must take a new file (probed, which also catches
/// read-only mounts and immutable folders that permission bits do not show).
pub fn check_output(path: &Path) -> Result<(), String> {
    if path.as_os_str().is_empty() {
        return Err("an empty path".into());
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => {}
        Ok(m) if m.is_dir() => return Err("is a directory; name a file".into()),
        Ok(_) => {
            return Err(
                "not a regular file (a device, FIFO or socket): vitals replaces outputs whole, \
                 so it only writes regular files"
                    .into(),
            )
        }
        Err(e) if absent(&e) => {}
        Err(e) => return Err(format!("cannot write: {e}")),
    }
    let folder = nearest_folder(path)?;
    probe_writable(&folder).map_err(|e| format!("cannot write in {}: {e}", folder.display()))
}

/// Whether a lookup failed because the path does not exist (or a file stands where a folder
/// of it should).
fn absent(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

/// The path's folder, or the nearest ancestor of it that exists (the write creates the rest).
fn nearest_folder(path: &Path) -> Result<PathBuf, String> {
    let mut folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    loop {
        match std::fs::metadata(&folder) {
            Ok(m) if m.is_dir() => return Ok(folder),
            Ok(_) => return Err(format!("{} is not a folder", folder.display())),
            Err(e) if absent(&e) => match folder.parent() {
                Some(p) if !p.as_os_str().is_empty() => folder = p.to_path_buf(),
                _ => return Ok(PathBuf::from(".")),
            },
            Err(e) => return Err(format!("cannot write in {}: {e}", folder.display())),
        }
    }
}

/// Creates and removes an empty file in `folder`: the one check that agrees with the write.
fn probe_writable(folder: &Path) -> io::Result<()> {
    let probe = folder.join(format!(".vitals-probe-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    std::fs::remove_file(&probe)
}

/// Writes `contents` to `path` atomically: a temporary file beside it, then a rename, so a
/// crash never leaves half a file. A path that is not a regular file (anything
/// [`check_output`] refuses) is never replaced.
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    if let Ok(m) = std::fs::metadata(path) {
        if !m.is_file() {
            return Err(io::Error::other(
                "not a regular file: vitals only replaces regular files",
            ));
        }
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{name}.tmp.{}", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
        .and_then(|mut f| f.write_all(contents));
    written
        .and_then(|()| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out/state.json");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["state.json"]);
    }

    #[cfg(unix)]
    fn fifo(dir: &Path) -> PathBuf {
        let path = dir.join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success());
        path
    }

    #[cfg(unix)]
    #[test]
    fn inputs_must_be_regular_files_and_a_fifo_never_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = fifo(dir.path());
        for (path, why) in [
            (
                fifo.as_path(),
                "not a regular file (a FIFO, socket or device)",
            ),
            (
                Path::new("/dev/zero"),
                "not a regular file (a FIFO, socket or device)",
            ),
            (dir.path(), "is a directory, not a file"),
            (&dir.path().join("missing"), "no such file"),
        ] {
            assert_eq!(read_input(path, 10).unwrap_err(), why, "{}", path.display());
        }
    }

    #[test]
    fn whole_file_reads_stop_at_their_limit_and_drop_a_bom() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, "\u{feff}a = 1\n").unwrap();
        assert_eq!(read_input(&path, 100).unwrap(), "a = 1\n");
        assert_eq!(
            read_input(&path, 4).unwrap_err(),
            "larger than 4 bytes, the limit for this input"
        );
        std::fs::write(&path, b"a\nb\xff\n").unwrap();
        assert_eq!(
            read_input(&path, 100).unwrap_err(),
            "line 2: not UTF-8 text"
        );
    }

    #[test]
    fn a_line_past_the_limit_fails_naming_its_line() {
        let text = format!("short\n{}\nnext\n", "x".repeat(20));
        let mut out = Vec::new();
        let err = LineLimited::new(text.as_bytes(), 10)
            .read_to_end(&mut out)
            .unwrap_err();
        let inner = LineTooLong::within(&err).unwrap();
        assert_eq!(inner.line, 2);
        assert_eq!(
            inner.to_string(),
            "line 2 is longer than 10 bytes, the line limit"
        );
        // Exactly at the limit passes, newline excluded, whatever the read sizes.
        let text = format!("{}\n{}", "y".repeat(10), "z".repeat(10));
        let mut reader = io::BufReader::with_capacity(3, LineLimited::new(text.as_bytes(), 10));
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        assert_eq!(out, text);
    }

    #[cfg(unix)]
    #[test]
    fn outputs_never_replace_a_device_fifo_or_directory() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = fifo(dir.path());
        for path in [fifo.as_path(), Path::new("/dev/null"), dir.path()] {
            assert!(check_output(path).is_err(), "{}", path.display());
            assert!(write_atomically(path, b"x").is_err(), "{}", path.display());
        }
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
        check_output(&dir.path().join("new/deeper/out.json")).unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        let err = check_output(&file.join("below.json")).unwrap_err();
        assert!(err.ends_with("file is not a folder"), "{err}");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 2, "the probe leaves nothing behind");
    }

    #[test]
    fn a_lock_excludes_others_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json.lock");
        let held = try_lock(&path).unwrap().expect("free");
        assert!(try_lock(&path).unwrap().is_none(), "held by the first");
        drop(held);
        assert!(try_lock(&path).unwrap().is_some(), "released on drop");
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(MAX_LINE_BYTES as u64), "1 MiB");
        assert_eq!(size(MAX_MANIFEST_BYTES), "1 GiB");
        assert_eq!(size(1500), "1500 bytes");
    }
}
