//! `vitals four-keys`: deployments (git deploy tags, a deployments CSV, or GitHub), their
//! change sets and incidents (CSV or GitHub issues) → the four-keys domain → reports.

use std::path::PathBuf;

use crate::cli::{CommitTimeArg, FourKeysArgs, LeadTimeStartArg};
use crate::commands::{parse_duration, Context};
use crate::config::FourKeysSection;
use crate::domain::four_keys::{evaluate, Deployment, Incident, Options};
use crate::error::{Error, ExitCode, Result};
use crate::progress::Progress;
use crate::report::{views, Report};
use crate::sources::git::{self, CommitTime, DeployRecord, GitQuery};
use crate::sources::github::{self, DeploySource, GitHubQuery, LeadTimeStart};

/// Which `[four_keys]` key a flag falls back to.
type Key = fn(&FourKeysSection) -> &Option<String>;

fn config_str(ctx: &Context, key: Key) -> Option<String> {
    ctx.config
        .file
        .four_keys
        .as_ref()
        .and_then(|c| key(c).clone())
}

/// A flag, else its `[four_keys]` config key.
fn setting(ctx: &Context, flag: &Option<String>, key: Key) -> Option<String> {
    flag.clone().or_else(|| config_str(ctx, key))
}

/// A path flag, else its config key resolved against the config file's directory.
fn path_setting(ctx: &Context, flag: &Option<PathBuf>, key: Key) -> Option<PathBuf> {
    flag.clone()
        .or_else(|| config_str(ctx, key).map(|p| ctx.config.resolve(p)))
}

fn lead_time_start(ctx: &Context, args: &FourKeysArgs) -> Result<LeadTimeStart> {
    let arg = match (
        args.lead_time_start,
        config_str(ctx, |c| &c.lead_time_start),
    ) {
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

/// The flags and settings every source shares, and the CSVs, read and checked before the
/// repository or GitHub is touched.
pub struct Plan<'a> {
    args: &'a FourKeysArgs,
    since: chrono::Duration,
    hotfix: glob::Pattern,
    csv_incidents: Option<Vec<Incident>>,
    /// `--deployments`: the file and its records.
    deploy_records: Option<(PathBuf, Vec<DeployRecord>)>,
    lead_time_start: LeadTimeStart,
}

/// Checks the flags, the `[four_keys]` section and the CSVs without reading the repository or
/// calling GitHub: `digest` and `config check` run it before anything else.
pub fn plan<'a>(ctx: &Context, args: &'a FourKeysArgs) -> Result<Plan<'a>> {
    let since_text = setting(ctx, &args.since, |c| &c.since).unwrap_or_else(|| "90d".into());
    let since = parse_duration(&since_text).map_err(|e| Error::Usage(format!("--since: {e}")))?;
    let hotfix_text = setting(ctx, &args.hotfix_pattern, |c| &c.hotfix_pattern)
        .unwrap_or_else(|| "*hotfix*".into());
    let hotfix = glob::Pattern::new(&hotfix_text)
        .map_err(|e| Error::Usage(format!("--hotfix-pattern {hotfix_text:?}: {}", e.msg)))?;
    let csv_incidents = match path_setting(ctx, &args.incidents, |c| &c.incidents) {
        Some(path) => Some(git::incidents(&path)?),
        None => None,
    };
    let deploy_records = match path_setting(ctx, &args.deployments, |c| &c.deployments) {
        Some(csv) => {
            let records = git::deploy_records(&csv)?;
            Some((csv, records))
        }
        None => None,
    };
    Ok(Plan {
        args,
        since,
        hotfix,
        csv_incidents,
        deploy_records,
        lead_time_start: lead_time_start(ctx, args)?,
    })
}

/// Reads deployments and incidents (from the repository and files, or from GitHub) and
/// builds the report.
pub async fn execute(ctx: &Context, plan: Plan<'_>) -> Result<(Report, ExitCode)> {
    let Plan {
        args,
        since,
        hotfix,
        csv_incidents,
        deploy_records,
        lead_time_start,
    } = plan;
    let commit_time = match args.commit_time {
        CommitTimeArg::Committer => CommitTime::Committer,
        CommitTimeArg::Author => CommitTime::Author,
    };
    // The previous window is reported too, so changes are listed back to its start (older
    // deployments still bound them: a commit any earlier deployment shipped is never a change).
    let changes_since = ctx.now - since - since;
    let with_paths = !args.paths.is_empty();

    let github_repo = args.github.clone().or_else(|| {
        // A `--git` or `--deployments` flag means the local source even when the config
        // names a GitHub repository.
        (args.git.is_none() && args.deployments.is_none())
            .then(|| config_str(ctx, |c| &c.github))
            .flatten()
    });
    let (deployments, incidents): (Vec<Deployment>, Vec<Incident>) = match github_repo {
        Some(repo) => {
            let source = match setting(ctx, &args.deploy_workflow, |c| &c.deploy_workflow) {
                Some(file) => DeploySource::Workflow(file),
                None => DeploySource::Environment(
                    setting(ctx, &args.environment, |c| &c.environment)
                        .unwrap_or_else(|| "production".into()),
                ),
            };
            let query = GitHubQuery {
                repo,
                api_url: setting(ctx, &args.github_api_url, |c| &c.github_api_url)
                    .unwrap_or_else(|| "https://api.github.com".into()),
                token: github::token_from_env(),
                cache_dir: path_setting(ctx, &args.cache_dir, |c| &c.cache_dir),
                source,
                lead_time_start,
                commit_time,
                hotfix: Some(hotfix.clone()),
                changes_since,
                with_paths,
                incident_label: csv_incidents.is_none().then(|| {
                    setting(ctx, &args.incident_label, |c| &c.incident_label)
                        .unwrap_or_else(|| "incident".into())
                }),
            };
            let progress = Progress::counter("fetching from GitHub", "requests", ctx.quiet);
            let fetched = github::fetch(&query, &progress).await;
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
            let repo =
                path_setting(ctx, &args.git, |c| &c.git).unwrap_or_else(|| PathBuf::from("."));
            let tag_glob = setting(ctx, &args.deploy_tag, |c| &c.deploy_tag)
                .unwrap_or_else(|| "deploy/*".into());
            let query = GitQuery {
                tag_glob: &tag_glob,
                hotfix: Some(&hotfix),
                commit_time,
                changes_since,
                with_paths,
            };
            let deployments = match deploy_records {
                Some((csv, records)) => {
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
            // A `--path` no tree has would filter out every change in silence.
            if !args.paths.is_empty() && !deployments.is_empty() {
                for p in git::paths_in_no_tree(&repo, &deployments, &args.paths)? {
                    ctx.warn(&format!(
                        "--path {p:?} matches no file in any deployment's tree in {}: no \
                         change can pass it",
                        repo.display()
                    ));
                }
            }
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
    let (report, code) = execute(ctx, plan(ctx, args)?).await?;
    ctx.deliver(&report).await?;
    Ok(code)
}
