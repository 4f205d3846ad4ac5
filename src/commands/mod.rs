//! The imperative shell: one file per subcommand wiring source → domain → report. This module
//! holds what they share: the run's context and the delivery of a finished report.

pub mod autoscale;
pub mod crash_free;
pub mod digest;
pub mod four_keys;
pub mod freshness;
pub mod onboarding;
pub mod slo;

use std::io::Write;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::cli::{Format, GlobalArgs};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::redact;
use crate::report::slack::{self, Destination, Posted, SlackFile};
use crate::report::view::View;
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
    /// `--slack-thread`: replies after the first message (checked to have a bot token).
    pub slack_thread: bool,
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
        if args.slack_thread {
            match &slack {
                SlackMode::Off => {
                    return Err(Error::Usage(
                        "--slack-thread: needs --slack (or --slack-dry-run)".into(),
                    ))
                }
                SlackMode::Post(Destination::Webhook { .. }) => {
                    return Err(Error::Usage(slack::THREAD_NEEDS_BOT.into()))
                }
                _ => {}
            }
        }
        Ok(Context {
            now,
            tz,
            format: args.format,
            slack,
            slack_thread: args.slack_thread,
            strict: args.strict,
            quiet: args.quiet,
            config,
        })
    }

    /// A warning on stderr (suppressed by nothing: warnings matter even with `--quiet`).
    pub fn warn(&self, message: &str) {
        eprintln!("warning: {}", redact::clean(message));
    }

    /// Prints the report on stdout (or its Slack payload with `--slack-dry-run`) and posts it
    /// with `--slack`.
    pub async fn deliver(&self, report: &Report) -> Result<()> {
        self.deliver_with(report, Some(&report.view))
            .await
            .map(|_| ())
    }

    /// Like [`Context::deliver`], with its own Slack view (`None`: nothing worth posting).
    /// Returns where the post landed, when something was posted.
    pub async fn deliver_with(
        &self,
        report: &Report,
        slack_view: Option<&View>,
    ) -> Result<Option<Posted>> {
        let messages = slack_view.map(slack::messages).unwrap_or_default();
        match &self.slack {
            SlackMode::DryRun => {
                let messages = if self.slack_thread {
                    slack::threaded(&messages, slack::THREAD_TS_PLACEHOLDER)
                } else {
                    messages
                };
                let text = serde_json::to_string_pretty(&serde_json::Value::Array(messages))
                    .unwrap_or_default();
                print_stdout(&format!("{text}\n"));
                Ok(None)
            }
            SlackMode::Off => {
                print_stdout(&sink_for(self.format, Style::detect()).render(report));
                Ok(None)
            }
            SlackMode::Post(destination) => {
                print_stdout(&sink_for(self.format, Style::detect()).render(report));
                if messages.is_empty() {
                    if !self.quiet {
                        eprintln!("Nothing to post to Slack.");
                    }
                    return Ok(None);
                }
                let posted = slack::post(destination, &messages, self.slack_thread).await?;
                if !self.quiet {
                    eprintln!("Posted to Slack.");
                }
                Ok(Some(posted))
            }
        }
    }

    /// Shares files (charts) where the report was posted; with `--slack-dry-run`, says on
    /// stderr what would be uploaded.
    pub async fn share_files(&self, posted: Option<&Posted>, files: &[SlackFile]) -> Result<()> {
        match (&self.slack, posted) {
            (SlackMode::DryRun, _) => {
                for file in files {
                    eprintln!(
                        "Would upload {} ({} bytes): {}",
                        file.filename,
                        file.bytes.len(),
                        redact::clean(&file.title)
                    );
                }
            }
            (SlackMode::Post(destination), Some(posted)) if !files.is_empty() => {
                slack::upload(destination, posted, self.slack_thread, files).await?;
                if !self.quiet {
                    eprintln!("Uploaded {} chart(s) to Slack.", files.len());
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// `90s`, `30m`, `6h`, `2d`: durations of flags like `--timeout` and `--remind-every`.
pub fn parse_duration(text: &str) -> std::result::Result<chrono::Duration, String> {
    let t = text.trim();
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    let (number, unit) = t.split_at(digits);
    let n: i64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 30s, 5m, 6h or 1d"))?;
    let seconds = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{text:?}: unknown unit (use s, m, h or d)")),
    };
    if n <= 0 {
        return Err(format!("{text:?} must be positive"));
    }
    n.checked_mul(seconds)
        .and_then(chrono::Duration::try_seconds)
        .filter(|d| *d <= chrono::Duration::days(36_500))
        .ok_or_else(|| format!("{text:?} is longer than vitals handles (100 years)"))
}

pub use crate::sources::files::write_atomically;

/// Writes the result; a closed pipe (`vitals … | head`) is not an error.
pub fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out
        .write_all(redact::clean(text).as_bytes())
        .and_then(|_| out.flush());
}
