//! The imperative shell: one file per subcommand wiring source → domain → report. This module
//! holds what they share: the run's context and the delivery of a finished report.

pub mod crash_free;

use std::io::Write;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::cli::{Format, GlobalArgs};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::redact;
use crate::report::slack::{self, Destination};
use crate::report::{sink_for, Report, Style};

/// What to do with Slack this run.
pub enum SlackMode {
    Off,
    DryRun,
    Post(Destination),
}

/// Everything a subcommand needs besides its own flags: resolved once, before any work.
pub struct Context {
    pub now: DateTime<Utc>,
    pub tz: Tz,
    pub format: Format,
    pub slack: SlackMode,
    pub strict: bool,
    pub quiet: bool,
    pub verbose: bool,
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
        let now = match (&args.now, &config.file.now) {
            (Some(flag), _) => parse_now(flag).map_err(|e| Error::Usage(format!("--now: {e}")))?,
            (None, Some(value)) => {
                parse_now(value.get_ref()).map_err(|e| config.error_at(value, "now", e))?
            }
            (None, None) => Utc::now(),
        };
        let tz = match (&args.tz, &config.file.timezone) {
            (Some(flag), _) => parse_tz(flag).map_err(|e| Error::Usage(format!("--tz: {e}")))?,
            (None, Some(value)) => {
                parse_tz(value.get_ref()).map_err(|e| config.error_at(value, "timezone", e))?
            }
            (None, None) => chrono_tz::UTC,
        };
        let slack = if args.slack_dry_run {
            SlackMode::DryRun
        } else if args.slack {
            let channel = args
                .slack_channel
                .clone()
                .or_else(|| config.file.slack.as_ref().and_then(|s| s.channel.clone()));
            SlackMode::Post(Destination::from_env(channel.as_deref())?)
        } else {
            SlackMode::Off
        };
        Ok(Context {
            now,
            tz,
            format: args.format,
            slack,
            strict: args.strict,
            quiet: args.quiet,
            verbose: args.verbose > 0,
            config,
        })
    }

    /// `-v` logging of upstream calls, on stderr, secrets redacted.
    pub fn logger(&self) -> Box<dyn Fn(String) + Send + Sync> {
        if self.verbose {
            Box::new(|line: String| eprintln!("vitals: {}", redact::clean(&line)))
        } else {
            Box::new(|_| {})
        }
    }

    /// A warning on stderr (suppressed by nothing: warnings matter even with `--quiet`).
    pub fn warn(&self, message: &str) {
        eprintln!("warning: {}", redact::clean(message));
    }

    /// Prints the report on stdout (or its Slack payload with `--slack-dry-run`) and posts it
    /// with `--slack`.
    pub async fn deliver(&self, report: &Report) -> Result<()> {
        match &self.slack {
            SlackMode::DryRun => {
                let payload = serde_json::Value::Array(slack::messages(&report.view));
                let text = serde_json::to_string_pretty(&payload).unwrap_or_default();
                print_stdout(&format!("{text}\n"));
            }
            SlackMode::Off => print_stdout(&sink_for(self.format, Style::detect()).render(report)),
            SlackMode::Post(destination) => {
                print_stdout(&sink_for(self.format, Style::detect()).render(report));
                let log = self.logger();
                slack::post(destination, &slack::messages(&report.view), &*log).await?;
                if !self.quiet {
                    eprintln!("Posted to Slack.");
                }
            }
        }
        Ok(())
    }
}

/// Writes the result; a closed pipe (`vitals … | head`) is not an error.
pub fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out
        .write_all(redact::clean(text).as_bytes())
        .and_then(|_| out.flush());
}
