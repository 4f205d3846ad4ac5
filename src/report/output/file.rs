//! Files a run writes: each is named while planning ([`FileTarget::new`] checks it then,
//! before any work or post) and written atomically once everything is rendered.

use std::path::{Path, PathBuf};

use crate::report::OutputError;

/// A file the run will write, and the setting that named it (`--timeline`, or
/// `vitals.toml:5:9: crash_free.chart`), which every message about it starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileTarget {
    pub label: String,
    pub path: PathBuf,
}

impl FileTarget {
    /// A destination, checked now so that a run never computes what it cannot write.
    pub fn new(label: impl Into<String>, path: PathBuf) -> Result<FileTarget, OutputError> {
        let target = FileTarget {
            label: label.into(),
            path,
        };
        check_destination(&target.path).map_err(|why| target.error(why))?;
        Ok(target)
    }

    /// A destination if one was named (label and path, as a resolved setting gives them).
    pub fn optional(named: Option<(String, PathBuf)>) -> Result<Option<FileTarget>, OutputError> {
        named
            .map(|(label, path)| FileTarget::new(label, path))
            .transpose()
    }

    /// [`FileTarget::optional`] for a chart.
    pub fn optional_chart(
        named: Option<(String, PathBuf)>,
    ) -> Result<Option<FileTarget>, OutputError> {
        named
            .map(|(label, path)| FileTarget::chart(label, path))
            .transpose()
    }

    /// A chart destination: [`FileTarget::new`], and a format vitals draws.
    pub fn chart(label: impl Into<String>, path: PathBuf) -> Result<FileTarget, OutputError> {
        let target = FileTarget::new(label, path)?;
        match crate::report::chart::unsupported_path(&target.path) {
            Some(why) => Err(target.error(why)),
            None => Ok(target),
        }
    }

    fn error(&self, message: impl std::fmt::Display) -> OutputError {
        OutputError::Setup(format!("{} {}: {message}", self.label, self.path.display()))
    }

    /// Writes `bytes` atomically (a temporary file beside it, then a rename).
    pub fn write(&self, bytes: &[u8]) -> Result<(), OutputError> {
        crate::fs::write_atomically(&self.path, bytes).map_err(|e| {
            OutputError::Write(format!(
                "{} {}: cannot write: {e}",
                self.label,
                self.path.display()
            ))
        })
    }
}

/// Whether `path` may receive an output, checked while planning: every file target and the
/// step summary pass here, so that each destination is refused before any work or post. The
/// rules are [`crate::fs::check_output`]'s: an existing path must be a regular file (never a
/// device, FIFO or directory) and its folder must take a new file.
pub(super) fn check_destination(path: &Path) -> Result<(), String> {
    crate::fs::check_output(path)
}
