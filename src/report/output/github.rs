//! GitHub Actions outputs: the Markdown report appended to `$GITHUB_STEP_SUMMARY`, and
//! `::error` / `::warning` workflow commands on stderr.

use std::io::Write;
use std::path::PathBuf;

use crate::redact;
use crate::report::view::{Link, Tone, View};
use crate::report::{Annotation, AnnotationLevel, OutputError};

/// Whether the run is a GitHub Actions step (`GITHUB_ACTIONS=true`).
pub fn in_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// The workflow run this step belongs to (`GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/
/// GITHUB_RUN_ID`), when running in GitHub Actions: a Slack post links back to it.
pub fn run_link() -> Option<Link> {
    if !in_actions() {
        return None;
    }
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|v| v.trim().trim_end_matches('/').to_string())
            .filter(|v| !v.is_empty())
    };
    let (server, repo, run) = (
        var("GITHUB_SERVER_URL")?,
        var("GITHUB_REPOSITORY")?,
        var("GITHUB_RUN_ID")?,
    );
    if !(server.starts_with("https://") || server.starts_with("http://")) {
        return None;
    }
    Some(Link {
        label: "GitHub Actions run".into(),
        url: format!("{server}/{repo}/actions/runs/{run}"),
    })
}

/// The annotations of a report that brings none of its own: its verdict, when it needs
/// attention (a digest brings one per section).
pub fn annotations_of(view: &View) -> Vec<Annotation> {
    let level = match view.tone {
        Tone::Bad => AnnotationLevel::Error,
        Tone::Warn => AnnotationLevel::Warning,
        _ => return Vec::new(),
    };
    vec![Annotation {
        level,
        title: view.title.clone(),
        text: view.verdict(),
    }]
}

/// `$GITHUB_STEP_SUMMARY`, opened for appending while planning, so an unwritable summary stops
/// the run before any work or post.
#[derive(Debug)]
pub struct StepSummary {
    path: PathBuf,
    file: std::fs::File,
}

impl StepSummary {
    /// The summary when asked for (`required`, i.e. `--github-summary`) or running in GitHub
    /// Actions; asking for it without `GITHUB_STEP_SUMMARY` is a usage error.
    pub fn from_env(required: bool) -> Result<Option<StepSummary>, OutputError> {
        if !(required || in_actions()) {
            return Ok(None);
        }
        let path = match std::env::var_os("GITHUB_STEP_SUMMARY") {
            Some(p) => PathBuf::from(p),
            None if required => {
                return Err(OutputError::Setup(
                    "--github-summary: GITHUB_STEP_SUMMARY is not set".into(),
                ))
            }
            None => return Ok(None),
        };
        super::file::check_destination(&path).map_err(|why| {
            OutputError::Setup(format!("GITHUB_STEP_SUMMARY {}: {why}", path.display()))
        })?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| Self::error(&path, e))?;
        Ok(Some(StepSummary { path, file }))
    }

    fn error(path: &std::path::Path, e: std::io::Error) -> OutputError {
        OutputError::Setup(format!(
            "GITHUB_STEP_SUMMARY {}: cannot write: {e}",
            path.display()
        ))
    }

    pub fn append(&self, markdown: &str) -> Result<(), OutputError> {
        (&self.file)
            .write_all(markdown.as_bytes())
            .map_err(|e| Self::error(&self.path, e))
    }
}

/// Prints the annotations as workflow commands: one line each, with `%`, CR and LF escaped
/// as GitHub expects.
pub fn annotate(annotations: &[Annotation]) {
    for a in annotations {
        let level = match a.level {
            AnnotationLevel::Error => "error",
            AnnotationLevel::Warning => "warning",
        };
        let text = redact::clean(&a.text)
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A");
        eprintln!("::{level} title=vitals {}::{text}", a.title);
    }
}
