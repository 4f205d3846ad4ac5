//! `vitals init` and `vitals config check`: start a config, and see what it would do without
//! calling anything.

use std::path::Path;

use crate::commands::{registry, Context};
use crate::error::{Error, ExitCode, Result};
use crate::report::output::print_stdout;

/// The starting config: every section commented out, so it is valid as written.
pub const TEMPLATE: &str = r##"# vitals configuration. Paths are relative to this file; command-line flags override it.
# Uncomment the sections you use; `vitals config check` shows what each would read and with
# which credentials, and `vitals digest` runs every section present.

# Calendar days are days in this time zone (for crash-free: your GA4 property's).
timezone = "UTC"

[slack]
# Used with SLACK_BOT_TOKEN; an incoming webhook (SLACK_WEBHOOK_URL) needs no channel.
# channel = "#reliability"
# Without --slack-thread: "summary" posts the verdicts and what needs attention, "full" every
# table too.
# detail = "summary"

# [crash_free]
# events = ["data/ga4/*.ndjson.gz"]         # GA4 export files (NDJSON, .gz, Parquet), or:
# bigquery = "my-project.analytics_123456"  # the GA4 export dataset in BigQuery
# days = 60
# slo = { IOS = 0.9995, ANDROID = 0.996 }
# crash = "any"                             # or "fatal"
# link = "https://grafana.example.com/d/crash"  # any section: linked from Slack posts

# [slo]
# specs = ["slo/*.yaml"]                    # OpenSLO v1 specs (CSV, CloudWatch, BigQuery, Prometheus)
# prometheus_url = "http://prometheus:9090" # for Prometheus DataSources without a url (else
#                                           # PROMETHEUS_URL; PROMETHEUS_TOKEN is a bearer token)
# A Prometheus SLI in an OpenSLO spec; `vitals slo rules --out slo-rules.yaml` turns the same
# spec into Prometheus recording rules and burn-rate alerts ({{window}}: 1m for reports, 5m…3d
# for the rules):
#   ratioMetric:
#     bad:   {metricSource: {type: Prometheus, spec: {query: 'sum(increase(http_requests_total{code=~"5.."}[{{window}}]))'}}}
#     total: {metricSource: {type: Prometheus, spec: {query: 'sum(increase(http_requests_total[{{window}}]))'}}}

# [freshness]
# dbt_sources = ["models/sources.yml"]      # dbt sources.yml files, read unchanged
# [[freshness.checks]]
# name = "analytics.events"
# table = "my-project.analytics.events"     # BigQuery table, or path = "exports/*.csv"
# warn_after = "2h"                         # SLO
# error_after = "1d"                        # SLA

# [autoscale]
# trace = "autoscale/api-cpu.csv"           # timestamp,cpu_utilization,running_tasks
# policy = "autoscale/api.toml"
# # or a live ECS service (CloudWatch trace; without policy, its live policy):
# cluster = "prod"
# service = "api"
# since = "14d"                             # CloudWatch keeps one-minute data 15 days

# [four_keys]
# git = "."                                 # the repository whose tags mark deployments
# deploy_tag = "deploy/*"
# incidents = "data/incidents.csv"          # optional: for change failure and time to restore
# since = "90d"
# impact = true                             # what [slo] saw after each deployment

# [gate]
# min_budget = 0.1                          # `vitals gate` blocks below 10 % of budget left
"##;

pub fn init(path: &Path, force: bool) -> Result<ExitCode> {
    if path.exists() && !force {
        return Err(Error::Usage(format!(
            "{}: already exists (use --force to replace it)",
            path.display()
        )));
    }
    crate::fs::check_output(path)
        .and_then(|()| {
            crate::fs::write_atomically(path, TEMPLATE.as_bytes())
                .map_err(|e| format!("cannot write: {e}"))
        })
        .map_err(|why| Error::Usage(format!("{}: {why}", path.display())))?;
    eprintln!(
        "Wrote {}. Next: uncomment a section, then `vitals config check --config {}`.",
        path.display(),
        path.display()
    );
    Ok(ExitCode::Ok)
}

fn set(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.trim().is_empty())
}

/// Which Google credentials a BigQuery call would use.
pub fn google_credentials() -> String {
    if set("GOOGLE_OAUTH_ACCESS_TOKEN") {
        "GOOGLE_OAUTH_ACCESS_TOKEN".into()
    } else if let Ok(path) = std::env::var("GOOGLE_APPLICATION_CREDENTIALS") {
        let kind = crate::fs::read_input(std::path::Path::new(&path), crate::fs::MAX_SMALL_BYTES)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["type"].as_str().map(str::to_string))
            .unwrap_or_else(|| "unreadable".into());
        format!("GOOGLE_APPLICATION_CREDENTIALS ({kind})")
    } else {
        "application default credentials (gcloud, or the metadata server)".into()
    }
}

/// Which AWS credentials an AWS call would use.
pub fn aws_credentials() -> String {
    if set("AWS_ACCESS_KEY_ID") {
        "AWS environment credentials".into()
    } else if set("AWS_WEB_IDENTITY_TOKEN_FILE") {
        "AWS web identity (OIDC)".into()
    } else if set("AWS_PROFILE") {
        format!(
            "AWS profile {}",
            std::env::var("AWS_PROFILE").unwrap_or_default()
        )
    } else {
        "the AWS default chain (profile, SSO, instance role)".into()
    }
}

/// Validates every section as a run would, and says what it would read and how it would
/// authenticate. Calls nothing.
pub fn check(ctx: &Context) -> Result<ExitCode> {
    let file = &ctx.config.file;
    let mut lines = vec![format!(
        "config: {}",
        ctx.config
            .path
            .as_ref()
            .map_or("none (./vitals.toml not found)".to_string(), |p| p
                .display()
                .to_string())
    )];
    lines.push(format!("time zone: {}", ctx.tz.name()));
    for section in registry::SECTIONS {
        if section.configured(file) {
            lines.push(format!("{}: ok — {}", section.table(), section.check(ctx)?));
        }
    }
    let slack = match (
        set("SLACK_BOT_TOKEN"),
        file.slack
            .as_ref()
            .and_then(|s| s.channel.as_ref())
            .map(|c| c.get_ref().as_str()),
        set("SLACK_WEBHOOK_URL"),
    ) {
        (true, Some(channel), _) => format!("chat.postMessage to {channel} (SLACK_BOT_TOKEN)"),
        (_, _, true) => "incoming webhook (SLACK_WEBHOOK_URL)".into(),
        _ => "not set up (SLACK_WEBHOOK_URL, or SLACK_BOT_TOKEN with [slack] channel)".into(),
    };
    lines.push(format!("slack: {slack}"));
    print_stdout(format!("{}\n", lines.join("\n")).as_bytes());
    Ok(ExitCode::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// The template with every commented-out setting switched on.
    fn uncommented() -> String {
        TEMPLATE
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with('[')
                        || rest.split_once(" = ").is_some_and(|(key, _)| {
                            key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                        }) =>
                {
                    rest
                }
                _ => line,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_template_parses_back_as_a_config_as_written_and_fully_uncommented() {
        let path = Path::new("vitals.toml");
        let plain = Config::parse(TEMPLATE, path).unwrap();
        assert!(
            plain.file.crash_free.is_none(),
            "sections start commented out"
        );
        let text = uncommented();
        let full = Config::parse(&text, path).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let file = &full.file;
        assert!(file
            .slack
            .as_ref()
            .and_then(|s| s.channel.as_ref())
            .is_some());
        assert!(file.crash_free.is_some() && file.slo.is_some());
        assert_eq!(file.freshness.as_ref().map(|f| f.checks.len()), Some(1));
        assert!(file.autoscale.is_some() && file.four_keys.is_some());
        assert!(file.gate.is_some());
    }
}
