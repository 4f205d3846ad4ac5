//! Sinks: where finished results go. A sink receives a typed, computed result and renders or
//! delivers it; it never fetches or computes. One format per file, behind [`Sink`]; adding a
//! format means one new file and one arm in [`sink_for`].

pub mod chart;
pub mod chart_png;
pub mod dbt_artifact;
pub mod format;
pub mod json;
pub mod markdown;
pub mod slack;
pub mod sparkline;
pub mod table;
pub mod view;
pub mod views;

use crate::cli::Format;
use crate::error::ExitCode;
use view::View;

/// A finished result: the contract's JSON document and the picture humans read.
#[derive(Clone, Debug)]
pub struct Report {
    pub document: serde_json::Value,
    pub view: View,
}

impl Report {
    /// A domain result as the contract's JSON document.
    pub fn document(result: &impl serde::Serialize) -> Result<serde_json::Value, ReportError> {
        serde_json::to_value(result)
            .map_err(|e| ReportError::Write(format!("cannot encode the report: {e}")))
    }

    /// [`Report::document`] with `kind` and `generated_at` first, for results that do not
    /// carry them (the contract puts them at the top of every document).
    pub fn document_of_kind(
        kind: &str,
        generated_at: &chrono::DateTime<chrono::Utc>,
        result: &impl serde::Serialize,
    ) -> Result<serde_json::Value, ReportError> {
        let mut document = Self::document(result)?;
        if let Some(obj) = document.as_object_mut() {
            obj.shift_insert(0, "kind".into(), kind.into());
            obj.shift_insert(
                1,
                "generated_at".into(),
                crate::domain::rfc3339::format(generated_at).into(),
            );
        }
        Ok(document)
    }
}

/// Renders a report as the text that goes to stdout.
pub trait Sink {
    fn render(&self, report: &Report) -> String;
}

/// Whether the terminal output may use colour (a TTY, and `NO_COLOR` unset).
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn detect() -> Style {
        use std::io::IsTerminal;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: std::io::stdout().is_terminal() && !no_color,
        }
    }
}

pub fn sink_for(format: Format, style: Style) -> Box<dyn Sink> {
    match format {
        Format::Table => Box::new(table::TableSink { style }),
        Format::Json => Box::new(json::JsonSink),
        Format::Markdown => Box::new(markdown::MarkdownSink),
    }
}

/// A sink failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Posting to Slack failed (the message never contains the webhook URL or token).
    #[error("{0}")]
    Delivery(String),
    /// Slack was asked for without credentials or a channel.
    #[error("{0}")]
    Setup(String),
    /// A file sink (chart) could not be written.
    #[error("{0}")]
    Write(String),
}

impl ReportError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            ReportError::Delivery(_) => ExitCode::Upstream,
            ReportError::Setup(_) | ReportError::Write(_) => ExitCode::BadInput,
        }
    }
}
