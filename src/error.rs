//! The one place outcomes become exit codes (see the contract's table): each layer's error
//! kinds, and a report's verdict.

use crate::config::ConfigError;
use crate::report::{OutputError, Verdict};
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
    Output(#[from] OutputError),
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
            Error::Output(OutputError::Setup(_) | OutputError::Write(_)) => ExitCode::BadInput,
            Error::Output(OutputError::Delivery(_)) => ExitCode::Upstream,
        }
    }
}

impl From<Verdict> for ExitCode {
    fn from(verdict: Verdict) -> ExitCode {
        match verdict {
            Verdict::Met => ExitCode::Ok,
            Verdict::Violated => ExitCode::Violated,
        }
    }
}

/// A section's outcome as an exit code: its verdict, or its error's code.
pub fn outcome_code<T>(outcome: &Result<T>, verdict: impl Fn(&T) -> Verdict) -> ExitCode {
    match outcome {
        Ok(value) => verdict(value).into(),
        Err(e) => e.exit_code(),
    }
}
