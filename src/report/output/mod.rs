//! Destinations, and the manager that maps the run's flags onto them: stdout (a format, or
//! the Slack payload with `--slack-dry-run`), files (charts and artifacts, written
//! atomically), the GitHub step summary and annotations, and Slack.
//!
//! Every destination is set up while planning ([`Outputs::new`], [`FileTarget::new`], …), so
//! a mistake stops the run before any work. [`Outputs::deliver`] then renders everything
//! first and writes second: Slack is posted only after all rendering and every file
//! succeeded, and files that record a post (the freshness alert state) only after it.

mod file;
pub mod github;
pub mod slack;

use std::io::Write;

pub use file::FileTarget;

use super::chart::Drawing;
use super::export::slack::{self as slack_export, Detail, Layout, SlackExporter};
use super::export::{exporter_for, markdown, Exporter, Format, Style};
use super::{OutputError, Report};
use crate::redact;
use slack::{Destination, SlackFile};

/// What the command line asked of Slack.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SlackRequest {
    #[default]
    Off,
    /// `--slack-dry-run`: the payload on stdout instead of the report.
    DryRun,
    /// `--slack`.
    Post,
}

/// The global output options, as plain values (the command line's are mapped onto them).
#[derive(Clone, Debug, Default)]
pub struct OutputSettings {
    pub format: Format,
    pub slack: SlackRequest,
    /// Channel for bot-token posts (`--slack-channel`, else `[slack] channel`).
    pub slack_channel: Option<String>,
    /// `--slack-thread`.
    pub slack_thread: bool,
    /// `[slack] detail`: how much a post without a thread holds.
    pub slack_detail: Detail,
    /// `--quiet`: no notes on stderr about what was posted.
    pub quiet: bool,
}

/// Where this run's report goes.
pub struct Outputs {
    format: Format,
    slack_request: SlackRequest,
    /// Set with `--slack`: checked credentials.
    slack: Option<Destination>,
    slack_layout: Layout,
    upload_charts: bool,
    step_summary: Option<github::StepSummary>,
    annotations: bool,
    quiet: bool,
}

impl Outputs {
    /// Checks the Slack options and credentials (exit 2 before anything runs).
    pub fn new(settings: OutputSettings) -> Result<Outputs, OutputError> {
        let slack = match settings.slack {
            SlackRequest::Post => Some(Destination::from_env(settings.slack_channel.as_deref())?),
            SlackRequest::Off | SlackRequest::DryRun => None,
        };
        if settings.slack_thread {
            needs_slack_bot(
                "--slack-thread",
                settings.slack,
                slack.as_ref(),
                slack::THREAD_NEEDS_BOT,
            )?;
        }
        Ok(Outputs {
            format: settings.format,
            slack_request: settings.slack,
            slack,
            slack_layout: Layout {
                detail: settings.slack_detail,
                thread: settings.slack_thread,
                links: github::run_link().into_iter().collect(),
            },
            upload_charts: false,
            step_summary: None,
            annotations: false,
            quiet: settings.quiet,
        })
    }

    /// Also uploads the report's charts (PNG) where its Slack post lands (needs a bot token).
    pub fn upload_charts(&mut self, flag: &str) -> Result<(), OutputError> {
        needs_slack_bot(
            flag,
            self.slack_request,
            self.slack.as_ref(),
            slack::CHARTS_NEED_BOT,
        )?;
        self.upload_charts = true;
        Ok(())
    }

    /// Also appends the Markdown report to the step summary, and prints the report's
    /// annotations as workflow commands when `annotations`.
    pub fn github(&mut self, summary: Option<github::StepSummary>, annotations: bool) {
        self.step_summary = summary;
        self.annotations = annotations;
    }

    fn stdout_exporter(&self) -> Box<dyn Exporter + Send + Sync> {
        match self.slack_request {
            SlackRequest::DryRun => Box::new(SlackExporter {
                layout: self.slack_layout.clone(),
            }),
            SlackRequest::Off | SlackRequest::Post => exporter_for(self.format, Style::detect()),
        }
    }

    fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }

    /// Renders the report for every destination, then writes the files and the step summary,
    /// prints stdout and the annotations, and posts to Slack, in that order.
    pub async fn deliver(&self, report: &Report) -> Result<(), OutputError> {
        // Everything rendered first: a failure here leaves no file written and nothing posted.
        let stdout = self.stdout_exporter().export(report)?;
        // Each chart drawn once, for its file and its upload alike.
        let mut drawings: Vec<Drawing> = report
            .charts
            .iter()
            .map(|c| Drawing::new(&c.panels))
            .collect();
        let mut files = Vec::new();
        for (chart, drawing) in report.charts.iter().zip(&mut drawings) {
            if let Some(target) = &chart.file {
                files.push((target, drawing.export(&target.path)?, false));
            }
        }
        for artifact in &report.artifacts {
            files.push((
                &artifact.target,
                artifact.content.export()?,
                artifact.after_post,
            ));
        }
        let summary = self
            .step_summary
            .as_ref()
            .map(|s| (s, markdown::render_view(&report.view)));
        let uploads = if self.upload_charts {
            chart_uploads(report, &mut drawings)?
        } else {
            Vec::new()
        };
        let messages = match &self.slack {
            Some(_) => report
                .slack_view()
                .map(|view| slack_export::messages(view, &self.slack_layout))
                .unwrap_or_default(),
            None => Vec::new(),
        };

        for (target, bytes, _) in files.iter().filter(|f| !f.2) {
            target.write(bytes)?;
        }
        if let Some((summary, markdown)) = &summary {
            summary.append(&crate::redact::clean(markdown))?;
        }
        print_stdout(&stdout);
        if self.annotations {
            if report.annotations.is_empty() {
                github::annotate(&github::annotations_of(&report.view));
            } else {
                github::annotate(&report.annotations);
            }
        }
        if self.slack_request == SlackRequest::DryRun {
            for file in &uploads {
                eprintln!(
                    "Would upload {} ({} bytes): {}",
                    file.filename,
                    file.bytes.len(),
                    redact::clean(&file.title)
                );
            }
        }
        let Some(destination) = &self.slack else {
            return Ok(());
        };
        // Slack gets its own network budget: fetching may have spent the run's.
        crate::retry::start_delivery();
        if messages.is_empty() {
            self.note("Nothing to post to Slack.");
        } else {
            let thread = self.slack_layout.thread;
            let posted = slack::post(destination, &messages, thread).await?;
            self.note("Posted to Slack.");
            if !uploads.is_empty() {
                slack::upload(destination, &posted, thread, &uploads).await?;
                self.note(&format!("Uploaded {} chart(s) to Slack.", uploads.len()));
            }
        }
        // The post went out: a file that fails now is not "nothing was posted" (exit 2) but a
        // delivery that half failed, and says so.
        for (target, bytes, _) in files.iter().filter(|f| f.2) {
            target.write(bytes).map_err(|e| {
                OutputError::Delivery(format!(
                    "posted to Slack, but {e}; the next run may post the same again"
                ))
            })?;
        }
        Ok(())
    }
}

/// `flag` needs Slack (`--slack` or `--slack-dry-run`) and, to post, a bot token: a webhook
/// gets `webhook_error`.
fn needs_slack_bot(
    flag: &str,
    request: SlackRequest,
    destination: Option<&Destination>,
    webhook_error: &str,
) -> Result<(), OutputError> {
    match (request, destination) {
        (SlackRequest::Off, _) => Err(OutputError::Setup(format!(
            "{flag}: needs --slack (or --slack-dry-run)"
        ))),
        (_, Some(Destination::Webhook { .. })) => Err(OutputError::Setup(webhook_error.into())),
        _ => Ok(()),
    }
}

/// Each chart with panels as a PNG file, titled where Slack shares it; `drawings` are the
/// report's charts, in order.
fn chart_uploads(report: &Report, drawings: &mut [Drawing]) -> Result<Vec<SlackFile>, OutputError> {
    report
        .charts
        .iter()
        .zip(drawings)
        .filter(|(c, _)| !c.panels.is_empty())
        .map(|(c, drawing)| {
            Ok(SlackFile {
                filename: format!("{}.png", c.name),
                title: c.title.clone(),
                bytes: drawing.png()?.to_vec(),
            })
        })
        .collect()
}

/// Writes the result on stdout (secrets redacted); a closed pipe (`vitals … | head`) is not an
/// error.
pub fn print_stdout(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    let text = redact::clean(&String::from_utf8_lossy(bytes));
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::autoscale::TraceRow;
    use crate::report::export::Content;
    use crate::report::view::View;
    use crate::report::{Artifact, Chart, Verdict};

    fn target(dir: &std::path::Path, name: &str) -> FileTarget {
        FileTarget {
            label: "--test".into(),
            path: dir.join(name),
        }
    }

    fn trace() -> Content {
        Content::Trace(vec![TraceRow {
            minute: chrono::DateTime::from_timestamp(0, 0).unwrap(),
            cpu_utilization: 50.0,
            running_tasks: 2.0,
        }])
    }

    #[tokio::test]
    async fn nothing_is_written_when_any_output_fails_to_render() {
        let dir = tempfile::tempdir().unwrap();
        let mut report = Report::new(serde_json::json!({}), View::text("x"), Verdict::Met);
        report
            .artifacts
            .push(Artifact::new(target(dir.path(), "trace.csv"), trace()));
        // A chart target that skipped FileTarget::chart's check: rendering it fails.
        report.charts.push(Chart::new(
            "chart",
            "a chart",
            Vec::new(),
            Some(target(dir.path(), "chart.jpg")),
        ));
        let outputs = Outputs::new(OutputSettings {
            quiet: true,
            ..OutputSettings::default()
        })
        .unwrap();
        assert!(outputs.deliver(&report).await.is_err());
        assert!(!dir.path().join("trace.csv").exists(), "rendered first");
    }

    #[tokio::test]
    async fn files_recording_a_post_wait_for_a_post() {
        let dir = tempfile::tempdir().unwrap();
        let mut report = Report::new(serde_json::json!({}), View::text("x"), Verdict::Met);
        report
            .artifacts
            .push(Artifact::new(target(dir.path(), "always.csv"), trace()));
        report.artifacts.push(Artifact {
            after_post: true,
            ..Artifact::new(target(dir.path(), "after-post.csv"), trace())
        });
        let outputs = Outputs::new(OutputSettings {
            quiet: true,
            ..OutputSettings::default()
        })
        .unwrap();
        outputs.deliver(&report).await.unwrap();
        assert!(dir.path().join("always.csv").exists());
        assert!(
            !dir.path().join("after-post.csv").exists(),
            "no --slack: nothing was posted, so nothing records a post"
        );
    }

    #[test]
    fn threads_and_chart_uploads_need_slack() {
        let err = Outputs::new(OutputSettings {
            slack_thread: true,
            ..OutputSettings::default()
        })
        .err()
        .unwrap();
        assert_eq!(
            err.to_string(),
            "--slack-thread: needs --slack (or --slack-dry-run)"
        );
        let mut outputs = Outputs::new(OutputSettings::default()).unwrap();
        assert_eq!(
            outputs
                .upload_charts("--slack-charts")
                .unwrap_err()
                .to_string(),
            "--slack-charts: needs --slack (or --slack-dry-run)"
        );
    }
}
