//! `vitals four-keys`: git deploy tags and an incidents CSV → the four-keys domain → reports.

use std::path::PathBuf;

use crate::cli::{CommitTimeArg, FourKeysArgs};
use crate::commands::{parse_duration, Context};
use crate::domain::four_keys::{evaluate, Options};
use crate::error::{Error, ExitCode, Result};
use crate::report::{views, Report};
use crate::sources::git::{self, CommitTime, GitQuery};

fn config_str(ctx: &Context, key: &str) -> Option<String> {
    ctx.config
        .file
        .four_keys
        .as_ref()?
        .get(key)?
        .as_str()
        .map(str::to_string)
}

/// Reads the repository and incidents and builds the report (no network: everything is local).
pub fn compute(ctx: &Context, args: &FourKeysArgs) -> Result<(Report, ExitCode)> {
    let repo = args
        .git
        .clone()
        .or_else(|| config_str(ctx, "git").map(|p| ctx.config.resolve(p)))
        .unwrap_or_else(|| PathBuf::from("."));
    let tag_glob = args
        .deploy_tag
        .clone()
        .or_else(|| config_str(ctx, "deploy_tag"))
        .unwrap_or_else(|| "deploy/*".into());
    let since_text = args
        .since
        .clone()
        .or_else(|| config_str(ctx, "since"))
        .unwrap_or_else(|| "90d".into());
    let since = parse_duration(&since_text).map_err(|e| Error::Usage(format!("--since: {e}")))?;
    let hotfix_text = args
        .hotfix_pattern
        .clone()
        .unwrap_or_else(|| "*hotfix*".into());
    let hotfix = glob::Pattern::new(&hotfix_text)
        .map_err(|e| Error::Usage(format!("--hotfix-pattern {hotfix_text:?}: {}", e.msg)))?;
    let incidents_path = args
        .incidents
        .clone()
        .or_else(|| config_str(ctx, "incidents").map(|p| ctx.config.resolve(p)));
    let incidents = match &incidents_path {
        Some(path) => git::incidents(path)?,
        None => Vec::new(),
    };
    let query = GitQuery {
        tag_glob: &tag_glob,
        hotfix: Some(&hotfix),
        commit_time: match args.commit_time {
            CommitTimeArg::Committer => CommitTime::Committer,
            CommitTimeArg::Author => CommitTime::Author,
        },
        // The previous window is reported too.
        changes_since: ctx.now - since - since,
        with_paths: !args.paths.is_empty(),
    };
    let deployments = git::deployments(&repo, &query)?;
    if deployments.is_empty() {
        ctx.warn(&format!(
            "{}: no tags match {tag_glob:?}: every metric is empty",
            repo.display()
        ));
    }
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
    let (report, code) = compute(ctx, args)?;
    ctx.deliver(&report).await?;
    Ok(code)
}
