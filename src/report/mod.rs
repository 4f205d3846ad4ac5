//! Sinks: where finished results go. A section hands over a typed [`Report`]; this layer
//! renders it ([`export`]: one format a file, typed values in, bytes or an error out) and
//! delivers it ([`output`]: stdout, files, GitHub, Slack). It never fetches or computes, and it
//! depends on nothing above it: not on `commands`, not on `error` (which maps
//! [`OutputError`] to an exit code, like every other error).

pub mod chart;
pub mod export;
pub mod format;
pub mod output;
pub mod sparkline;
pub mod view;
pub mod views;

pub use export::{Format, Style};
pub use output::{FileTarget, Outputs};
use view::View;

/// A finished result: the contract's JSON document, the picture humans read, the verdict, and
/// what else the run produces (charts, files).
pub struct Report {
    pub document: serde_json::Value,
    pub view: View,
    pub verdict: Verdict,
    /// What a Slack post of this report shows.
    pub slack: SlackView,
    pub charts: Vec<Chart>,
    pub artifacts: Vec<Artifact>,
    /// GitHub Actions annotations (the digest's sections that need attention).
    pub annotations: Vec<Annotation>,
}

impl Report {
    /// A report without charts or files, posted to Slack as it is viewed.
    pub fn new(document: serde_json::Value, view: View, verdict: Verdict) -> Report {
        Report {
            document,
            view,
            verdict,
            slack: SlackView::Same,
            charts: Vec::new(),
            artifacts: Vec::new(),
            annotations: Vec::new(),
        }
    }

    /// A domain result as the contract's JSON document.
    pub fn document(result: &impl serde::Serialize) -> Result<serde_json::Value, OutputError> {
        serde_json::to_value(result)
            .map_err(|e| OutputError::Write(format!("cannot encode the report: {e}")))
    }

    /// [`Report::document`] with `kind` and `generated_at` first, for results that do not
    /// carry them (the contract puts them at the top of every document).
    pub fn document_of_kind(
        kind: &str,
        generated_at: &chrono::DateTime<chrono::Utc>,
        result: &impl serde::Serialize,
    ) -> Result<serde_json::Value, OutputError> {
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

    /// The view Slack gets, if anything is worth posting.
    pub fn slack_view(&self) -> Option<&View> {
        match &self.slack {
            SlackView::Same => Some(&self.view),
            SlackView::Only(view) => Some(view.as_ref()),
            SlackView::Nothing => None,
        }
    }
}

/// Whether every objective was met: the exit code's part that is not an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Met,
    Violated,
}

impl Verdict {
    pub fn violated_if(violated: bool) -> Verdict {
        if violated {
            Verdict::Violated
        } else {
            Verdict::Met
        }
    }
}

/// What a Slack post shows: the report's view, a narrower one (freshness posts only what
/// changed), or nothing.
#[derive(Debug)]
pub enum SlackView {
    Same,
    Only(Box<View>),
    Nothing,
}

/// A chart: written to a file when asked (`--chart`), uploaded with `digest --slack-charts`.
pub struct Chart {
    /// File name (without extension) for an upload, e.g. `crash-free`.
    pub name: String,
    /// The file's title where it is shared (a Slack upload).
    pub title: String,
    pub panels: Vec<chart::Panel>,
    pub file: Option<FileTarget>,
}

impl Chart {
    pub fn new(
        name: &str,
        title: &str,
        panels: Vec<chart::Panel>,
        file: Option<FileTarget>,
    ) -> Chart {
        Chart {
            name: name.to_string(),
            title: title.to_string(),
            panels,
            file,
        }
    }
}

/// A file the run writes besides its report, with its typed contents.
#[derive(Debug)]
pub struct Artifact {
    pub target: FileTarget,
    pub content: export::Content,
    /// Written only once this report's own Slack post went out (the freshness alert state
    /// records what was posted). A digest posts its own message and leaves such files out.
    pub after_post: bool,
}

impl Artifact {
    pub fn new(target: FileTarget, content: export::Content) -> Artifact {
        Artifact {
            target,
            content,
            after_post: false,
        }
    }
}

/// A GitHub Actions workflow command (`::error` / `::warning`) for one part of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    pub level: AnnotationLevel,
    pub title: String,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnnotationLevel {
    Error,
    Warning,
}

/// An output failed. `error` maps each kind to its exit code.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Posting to Slack failed (the message never contains the webhook URL or token).
    #[error("{0}")]
    Delivery(String),
    /// An output was asked for that cannot work: Slack without credentials, a summary
    /// without `GITHUB_STEP_SUMMARY`, a path that cannot be written.
    #[error("{0}")]
    Setup(String),
    /// A file could not be rendered or written.
    #[error("{0}")]
    Write(String),
}
