//! `vitals four-keys`: deployments (git deploy tags, a deployments CSV, or GitHub), their
//! change sets and incidents (CSV or GitHub issues) → the four-keys domain → reports.

use std::path::PathBuf;

use crate::cli::{CommitTimeArg, FourKeysArgs, LeadTimeStartArg};
use crate::commands::{parse_duration, Context};
use crate::domain::four_keys::{evaluate, Deployment, Incident, Options};
use crate::error::{Error, ExitCode, Result};
use crate::progress::Progress;
use crate::report::{views, Report};
use crate::sources::git::{self, CommitTime, GitQuery};
use crate::sources::github::{self, DeploySource, GitHubQuery, LeadTimeStart};

fn config_str(ctx: &Context, key: &str) -> Option<String> {
    ctx.config
        .file
        .four_keys
        .as_ref()?
        .get(key)?
        .as_str()
        .map(str::to_string)
}

/// A flag, else its `[four_keys]` config key.
fn setting(ctx: &Context, flag: &Option<String>, key: &str) -> Option<String> {
    flag.clone().or_else(|| config_str(ctx, key))
}

/// A path flag, else its config key resolved against the config file's directory.
fn path_setting(ctx: &Context, flag: &Option<PathBuf>, key: &str) -> Option<PathBuf> {
    flag.clone()
        .or_else(|| config_str(ctx, key).map(|p| ctx.config.resolve(p)))
}

fn lead_time_start(ctx: &Context, args: &FourKeysArgs) -> Result<LeadTimeStart> {
    let arg = match (args.lead_time_start, config_str(ctx, "lead_time_start")) {
        (Some(arg), _) => arg,
        (None, Some(text)) => match text.as_str() {
            "commit" => LeadTimeStartArg::Commit,
            "first-commit" => LeadTimeStartArg::FirstCommit,
            "pr-opened" => LeadTimeStartArg::PrOpened,
            other => {
                return Err(Error::Usage(format!(
                    "four_keys.lead_time_start: {other:?} is not commit, first-commit or pr-opened"
                )))
            }
        },
        (None, None) => LeadTimeStartArg::Commit,
    };
    Ok(match arg {
        LeadTimeStartArg::Commit => LeadTimeStart::Commit,
        LeadTimeStartArg::FirstCommit => LeadTimeStart::FirstCommit,
        LeadTimeStartArg::PrOpened => LeadTimeStart::PrOpened,
    })
}

/// Reads deployments and incidents (from the repository and files, or from GitHub) and
/// builds the report.
pub async fn compute(ctx: &Context, args: &FourKeysArgs) -> Result<(Report, ExitCode)> {
    let since_text = setting(ctx, &args.since, "since").unwrap_or_else(|| "90d".into());
    let since = parse_duration(&since_text).map_err(|e| Error::Usage(format!("--since: {e}")))?;
    let hotfix_text = args
        .hotfix_pattern
        .clone()
        .unwrap_or_else(|| "*hotfix*".into());
    let hotfix = glob::Pattern::new(&hotfix_text)
        .map_err(|e| Error::Usage(format!("--hotfix-pattern {hotfix_text:?}: {}", e.msg)))?;
    let incidents_path = path_setting(ctx, &args.incidents, "incidents");
    let csv_incidents = match &incidents_path {
        Some(path) => Some(git::incidents(path)?),
        None => None,
    };
    let commit_time = match args.commit_time {
        CommitTimeArg::Committer => CommitTime::Committer,
        CommitTimeArg::Author => CommitTime::Author,
    };
    // The previous window is reported too, so changes are listed back to its start.
    let changes_since = ctx.now - since - since;
    let with_paths = !args.paths.is_empty();

    let github_repo = args.github.clone().or_else(|| {
        // A `--git` or `--deployments` flag means the local source even when the config
        // names a GitHub repository.
        (args.git.is_none() && args.deployments.is_none())
            .then(|| config_str(ctx, "github"))
            .flatten()
    });
    let (deployments, incidents): (Vec<Deployment>, Vec<Incident>) = match github_repo {
        Some(repo) => {
            let source = match setting(ctx, &args.deploy_workflow, "deploy_workflow") {
                Some(file) => DeploySource::Workflow(file),
                None => DeploySource::Environment(
                    setting(ctx, &args.environment, "environment")
                        .unwrap_or_else(|| "production".into()),
                ),
            };
            let query = GitHubQuery {
                repo,
                api_url: setting(ctx, &args.github_api_url, "github_api_url")
                    .unwrap_or_else(|| "https://api.github.com".into()),
                token: github::token_from_env(),
                cache_dir: path_setting(ctx, &args.cache_dir, "cache_dir"),
                source,
                lead_time_start: lead_time_start(ctx, args)?,
                commit_time,
                hotfix: Some(hotfix.clone()),
                changes_since,
                with_paths,
                incident_label: csv_incidents.is_none().then(|| {
                    setting(ctx, &args.incident_label, "incident_label")
                        .unwrap_or_else(|| "incident".into())
                }),
            };
            let progress = Progress::counter("fetching from GitHub", "requests", ctx.quiet);
            let log = ctx.logger();
            let fetched = github::fetch(&query, &*log, &progress).await;
            progress.finish();
            let fetched = fetched?;
            if fetched.deployments.is_empty() {
                ctx.warn(&format!(
                    "{}: no successful deployments ({}): every metric is empty",
                    query.repo,
                    query.source.describe()
                ));
            }
            let incidents = match csv_incidents {
                Some(rows) => github::resolve_aliases(rows, &fetched.aliases),
                None => fetched.incidents,
            };
            (fetched.deployments, incidents)
        }
        None => {
            let repo = path_setting(ctx, &args.git, "git").unwrap_or_else(|| PathBuf::from("."));
            let tag_glob =
                setting(ctx, &args.deploy_tag, "deploy_tag").unwrap_or_else(|| "deploy/*".into());
            let query = GitQuery {
                tag_glob: &tag_glob,
                hotfix: Some(&hotfix),
                commit_time,
                changes_since,
                with_paths,
            };
            let deployments = match path_setting(ctx, &args.deployments, "deployments") {
                Some(csv) => {
                    let records = git::deploy_records(&csv)?;
                    let deployments = git::recorded_deployments(&repo, &records, &query)?;
                    if deployments.is_empty() {
                        ctx.warn(&format!(
                            "{}: no deployments: every metric is empty",
                            csv.display()
                        ));
                    }
                    deployments
                }
                None => {
                    let deployments = git::deployments(&repo, &query)?;
                    if deployments.is_empty() {
                        ctx.warn(&format!(
                            "{}: no tags match {tag_glob:?}: every metric is empty",
                            repo.display()
                        ));
                    }
                    deployments
                }
            };
            (deployments, csv_incidents.unwrap_or_default())
        }
    };
    let options = Options {
        since,
        paths: args.paths.clone(),
        tz: ctx.tz,
    };
    let report = evaluate(&deployments, &incidents, &options, ctx.now).map_err(Error::Usage)?;
    for warning in &report.warnings {
        ctx.warn(warning);
    }
    let document = Report::document(&report)?;
    Ok((
        Report {
            document,
            view: views::four_keys::view(&report),
        },
        ExitCode::Ok,
    ))
}

pub async fn run(ctx: &Context, args: &FourKeysArgs) -> Result<ExitCode> {
    let (report, code) = compute(ctx, args).await?;
    ctx.deliver(&report).await?;
    Ok(code)
}
