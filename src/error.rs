//! The one place errors become exit codes (see the contract's table).

use crate::config::ConfigError;
use crate::report::ReportError;
use crate::sources::SourceError;

/// Every way a run can fail, by whose fault it is.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad flags or option values.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Report(#[from] ReportError),
}

pub type Result<T> = std::result::Result<T, Error>;

/// The contract's exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitCode {
    /// Every objective met.
    Ok = 0,
    /// At least one objective violated.
    Violated = 1,
    /// Bad usage, config or input: nothing was posted.
    BadInput = 2,
    /// An upstream service failed.
    Upstream = 3,
}

impl Error {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_) | Error::Config(_) => ExitCode::BadInput,
            Error::Source(SourceError::Input(_)) => ExitCode::BadInput,
            Error::Source(SourceError::Upstream(_)) => ExitCode::Upstream,
            Error::Report(e) => e.exit_code(),
        }
    }
}
