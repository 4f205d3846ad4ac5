//! The imperative shell: one file per subcommand, each a [`Section`] wiring source → domain →
//! report. This module holds what they share: the run's context, and [`run`], which plans,
//! executes and delivers one section.

pub mod autoscale;
pub mod crash_free;
pub mod digest;
pub mod four_keys;
pub mod freshness;
pub mod gate;
pub mod onboarding;
pub mod registry;
mod section;
pub mod slo;
pub mod slo_rules;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use section::{Digestible, Entry, Plan, Section};

pub use crate::domain::time::duration::parse_duration;

/// A duration that must be longer than zero (a time limit), as [`std::time::Duration`].
pub fn parse_positive_duration(text: &str) -> std::result::Result<std::time::Duration, String> {
    parse_duration(text)?
        .to_std()
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{text:?} must be longer than zero"))
}

use crate::cli::{Format, GlobalArgs};
use crate::config::Config;
use crate::error::{ExitCode, Result};
use crate::redact;
use crate::report::export::slack::Detail;
use crate::report::output::github::{self, StepSummary};
use crate::report::output::{OutputSettings, SlackRequest};
use crate::report::view::Link;
use crate::report::Outputs;

/// Everything a section needs besides its own flags: resolved once, before any work.
pub struct Context {
    pub now: DateTime<Utc>,
    pub tz: Tz,
    pub strict: bool,
    pub quiet: bool,
    pub config: Config,
}

fn parse_now(text: &str) -> std::result::Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("{text:?} is not an RFC 3339 time (e.g. 2026-11-22T09:00:00+09:00)"))
}

fn parse_tz(text: &str) -> std::result::Result<Tz, String> {
    text.trim().parse::<Tz>().map_err(|_| {
        format!("unknown time zone {text:?} (expected an IANA name such as Asia/Tokyo)")
    })
}

impl Context {
    /// Validates the global options and the config; fails before anything runs or posts.
    pub fn new(args: &GlobalArgs) -> Result<Context> {
        let config = Config::load(args.config.as_deref())?;
        let file = &config.file;
        let now = config
            .flag("--now", args.now.as_deref())
            .or_key("now", file.now.as_ref())
            .parse(parse_now)?
            .unwrap_or_else(Utc::now);
        let tz = config
            .flag("--tz", args.tz.as_deref())
            .or_key("timezone", file.timezone.as_ref())
            .parse(parse_tz)?
            .unwrap_or(chrono_tz::UTC);
        let timeout = config
            .flag("--timeout", args.timeout.as_deref())
            .or_key(
                "network.timeout",
                file.network.as_ref().and_then(|n| n.timeout.as_ref()),
            )
            .parse(parse_positive_duration)?
            .unwrap_or(crate::retry::DEFAULT_TIMEOUT);
        crate::retry::set_deadlines(crate::retry::Deadlines::from_timeout(timeout));
        let ctx = Context {
            now,
            tz,
            strict: args.strict,
            quiet: args.quiet,
            config,
        };
        // A section's `link` is checked with the rest of the config, before anything runs.
        for entry in registry::SECTIONS {
            ctx.section_link(entry.table())?;
        }
        Ok(ctx)
    }

    /// The run's outputs from the global options (Slack credentials checked now).
    pub fn outputs(&self, args: &GlobalArgs) -> Result<Outputs> {
        let slack = self.config.file.slack.as_ref();
        let settings = OutputSettings {
            format: match args.format {
                Format::Table => crate::report::Format::Table,
                Format::Json => crate::report::Format::Json,
                Format::Markdown => crate::report::Format::Markdown,
            },
            slack: if args.slack_dry_run {
                SlackRequest::DryRun
            } else if args.slack {
                SlackRequest::Post
            } else {
                SlackRequest::Off
            },
            slack_channel: self
                .config
                .flag("--slack-channel", args.slack_channel.as_deref())
                .or_key("slack.channel", slack.and_then(|s| s.channel.as_ref()))
                .owned(),
            slack_thread: args.slack_thread,
            slack_detail: self
                .config
                .key::<str, _>("slack.detail", slack.and_then(|s| s.detail.as_ref()))
                .parse(|text| match text {
                    "summary" => Ok(Detail::Summary),
                    "full" => Ok(Detail::Full),
                    other => Err(format!("{other:?} is not summary or full")),
                })?
                .unwrap_or_default(),
            quiet: args.quiet,
        };
        let mut outputs = Outputs::new(settings)?;
        // Every subcommand's report goes to the step summary in GitHub Actions, and its
        // verdict becomes an annotation when it needs attention (digest adds its flags).
        outputs.github(StepSummary::from_env(false)?, github::in_actions());
        Ok(outputs)
    }

    /// `--github-summary` / `--annotations` (digest, gate) on top of what [`Context::outputs`]
    /// set up from the environment: only a flag that is given changes anything.
    pub fn github_flags(outputs: &mut Outputs, summary: bool, annotations: bool) -> Result<()> {
        if summary || annotations {
            outputs.github(
                StepSummary::from_env(summary)?,
                annotations || github::in_actions(),
            );
        }
        Ok(())
    }

    /// The `link` of a section's config table, checked (exit 2 on a URL that is not one).
    pub fn section_link(&self, table: &str) -> Result<Option<Link>> {
        let Some(setting) = self.config.file.section_link(table) else {
            return Ok(None);
        };
        let (url, label) = setting
            .get_ref()
            .resolve()
            .map_err(|why| self.config.error_at(setting, &format!("{table}.link"), why))?;
        Ok(Some(Link { label, url }))
    }

    /// A warning on stderr (suppressed by nothing: warnings matter even with `--quiet`).
    pub fn warn(&self, message: &str) {
        eprintln!("warning: {}", redact::clean(message));
    }
}

/// Plans the section (exit 2 before any work), executes the plan, delivers the report, and
/// returns the report's exit code.
pub async fn run<S: Section>(ctx: &Context, outputs: Outputs, args: &S::Args) -> Result<ExitCode> {
    let plan = S::plan(ctx, args)?;
    let mut report = Box::new(plan).execute(ctx).await?;
    // A digest section's own report carries its `link` too.
    let kind = report.document["kind"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if let Some(entry) = registry::SECTIONS.iter().find(|e| e.kind() == kind) {
        report.view.links.extend(ctx.section_link(entry.table())?);
    }
    outputs.deliver(&report).await?;
    Ok(report.verdict.into())
}

/// A path flag with its name, as [`crate::report::FileTarget::optional`] takes it.
pub fn flag_path(
    flag: &str,
    path: &Option<std::path::PathBuf>,
) -> Option<(String, std::path::PathBuf)> {
    path.clone().map(|p| (flag.to_string(), p))
}

/// Runs blocking or CPU-heavy work (a libgit2 walk, GA4 aggregation, simulations) on tokio's
/// blocking threads, so the async threads keep driving every other section's I/O and timers.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(crate::error::Error::Usage(format!("interrupted: {e}"))),
    }
}
