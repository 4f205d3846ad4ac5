//! Change sets: the compare API between consecutive deployments (`base...head` lists the
//! commits reachable from head and not from base, oldest first, paged), and for the first
//! deployment with no predecessor the commits API since the start of the reported windows.
//!
//! Paths (only with `--path`) come from `GET /commits/{sha}` per commit: the compare
//! response's `files` are the union over the whole range, which would credit every commit
//! with every path and defeat a monorepo filter. Commit responses never change, so with
//! `--cache-dir` a later run revalidates them for free (304).
//!
//! Lead-time starts other than the commit look up the commit's pull request
//! (`/commits/{sha}/pulls`): a squash merge's own commit is dated at the merge, so its PR's
//! earliest commit (`first-commit`) or its opening (`pr-opened`) is where the work started.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::client::Client;
use super::deployments::Shipped;
use super::{malformed, time_field, LeadTimeStart};
use crate::domain::four_keys::Change;
use crate::sources::git::CommitTime;
use crate::sources::SourceError;

/// A commit's date as `--commit-time` asks (compare, commits and PR-commits entries share
/// this shape).
fn commit_date(entry: &Value, commit_time: CommitTime) -> Option<DateTime<Utc>> {
    let person = match commit_time {
        CommitTime::Committer => "committer",
        CommitTime::Author => "author",
    };
    time_field(&entry["commit"][person], "date")
}

/// What a change set needs besides the range.
pub struct Lookups<'q> {
    pub commit_time: CommitTime,
    pub lead_time_start: LeadTimeStart,
    pub with_paths: bool,
    /// The start of the reported windows (for a first deployment's commits).
    pub since: DateTime<Utc>,
    /// Lead-time starts already looked up, by PR number.
    pub pr_starts: &'q mut HashMap<u64, Option<DateTime<Utc>>>,
}

/// The commits `head` ships after `base` (all since `l.since` when there is no base).
pub async fn changes(
    client: &Client<'_>,
    base: Option<&Shipped>,
    head: &Shipped,
    l: &mut Lookups<'_>,
) -> Result<Vec<Change>, SourceError> {
    if base.is_some_and(|b| b.sha == head.sha) {
        return Ok(Vec::new());
    }
    let mut entries: Vec<Value> = Vec::new();
    let mut shape = Ok(());
    match base {
        Some(base) => {
            let url = client.url(
                &format!("/compare/{}...{}", base.sha, head.sha),
                &[("per_page", "100")],
            );
            client
                .pages(url, |body| {
                    // `behind`/`identical`: a rollback or re-deploy ships nothing new.
                    match body["commits"].as_array() {
                        Some(commits) => {
                            entries.extend(commits.iter().cloned());
                            !commits.is_empty()
                        }
                        None => {
                            shape = Err(malformed("compare response"));
                            false
                        }
                    }
                })
                .await?;
        }
        None => {
            let since = l.since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let url = client.url(
                "/commits",
                &[("sha", &head.sha), ("since", &since), ("per_page", "100")],
            );
            client
                .pages(url, |body| match body.as_array() {
                    Some(commits) => {
                        entries.extend(commits.iter().cloned());
                        !commits.is_empty()
                    }
                    None => {
                        shape = Err(malformed("commits list"));
                        false
                    }
                })
                .await?;
        }
    }
    shape?;
    let mut out = Vec::with_capacity(entries.len());
    for entry in &entries {
        let (Some(sha), Some(committed_at)) =
            (entry["sha"].as_str(), commit_date(entry, l.commit_time))
        else {
            return Err(malformed("commit"));
        };
        let committed_at = match lead_time_start(client, sha, l).await? {
            Some(start) => start.min(committed_at),
            None => committed_at,
        };
        let paths = if l.with_paths {
            paths(client, sha).await?
        } else {
            Vec::new()
        };
        out.push(Change {
            sha: sha.to_string(),
            committed_at,
            paths,
        });
    }
    Ok(out)
}

async fn paths(client: &Client<'_>, sha: &str) -> Result<Vec<String>, SourceError> {
    let mut out = Vec::new();
    let url = client.url(&format!("/commits/{sha}"), &[("per_page", "100")]);
    client
        .pages(url, |body| {
            let files = body["files"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            out.extend(
                files
                    .iter()
                    .filter_map(|f| f["filename"].as_str().map(str::to_string)),
            );
            !files.is_empty()
        })
        .await?;
    Ok(out)
}

/// Where the work on `sha` started by its pull request, when `--lead-time-start` asks and
/// it has one.
async fn lead_time_start(
    client: &Client<'_>,
    sha: &str,
    l: &mut Lookups<'_>,
) -> Result<Option<DateTime<Utc>>, SourceError> {
    if l.lead_time_start == LeadTimeStart::Commit {
        return Ok(None);
    }
    let page = client
        .get(&client.url(&format!("/commits/{sha}/pulls"), &[]))
        .await?;
    let pulls = page.body.as_array().map(Vec::as_slice).unwrap_or(&[]);
    // The PR this commit merged (its merge or squash commit), else the first one listing it.
    let Some(pull) = pulls
        .iter()
        .find(|p| p["merge_commit_sha"].as_str() == Some(sha))
        .or_else(|| pulls.first())
    else {
        return Ok(None);
    };
    let Some(number) = pull["number"].as_u64() else {
        return Err(malformed("pull request"));
    };
    if let Some(known) = l.pr_starts.get(&number) {
        return Ok(*known);
    }
    let start = match l.lead_time_start {
        LeadTimeStart::PrOpened => time_field(pull, "created_at"),
        _ => {
            let mut earliest: Option<DateTime<Utc>> = None;
            let commit_time = l.commit_time;
            let url = client.url(&format!("/pulls/{number}/commits"), &[("per_page", "100")]);
            client
                .pages(url, |body| {
                    let commits = body.as_array().map(Vec::as_slice).unwrap_or(&[]);
                    for date in commits.iter().filter_map(|c| commit_date(c, commit_time)) {
                        earliest = Some(earliest.map_or(date, |e| e.min(date)));
                    }
                    !commits.is_empty()
                })
                .await?;
            earliest
        }
    };
    l.pr_starts.insert(number, start);
    Ok(start)
}
