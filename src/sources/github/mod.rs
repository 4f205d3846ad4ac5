//! Deployments, change sets and incidents from GitHub's REST API (github.com or GitHub
//! Enterprise): see [`deployments`], [`compare`] and [`incidents`]; [`client`] does auth,
//! pagination, rate limits and the ETag cache ([`cache`]).

mod cache;
mod client;
mod compare;
mod deployments;
mod incidents;

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::git::CommitTime;
use super::SourceError;
use crate::domain::four_keys::{Deployment, Incident};
use crate::progress::Progress;

pub use incidents::caused_by;

/// Where deployments are recorded.
#[derive(Clone, Debug)]
pub enum DeploySource {
    /// The Deployments API, for this environment.
    Environment(String),
    /// Successful runs of this workflow file.
    Workflow(String),
}

impl DeploySource {
    pub fn describe(&self) -> String {
        match self {
            DeploySource::Environment(e) => format!("environment {e:?}"),
            DeploySource::Workflow(f) => format!("workflow {f}"),
        }
    }
}

/// Where a change's lead time starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeadTimeStart {
    Commit,
    /// The earliest commit of the change's pull request (squash merges).
    FirstCommit,
    /// The pull request's opening.
    PrOpened,
}

/// What to fetch.
pub struct GitHubQuery {
    /// `OWNER/REPO`.
    pub repo: String,
    pub api_url: String,
    pub token: Option<String>,
    pub cache_dir: Option<PathBuf>,
    pub source: DeploySource,
    pub lead_time_start: LeadTimeStart,
    pub commit_time: CommitTime,
    pub hotfix: Option<glob::Pattern>,
    /// Change sets are listed for deployments from here on (older ones only bound them).
    pub changes_since: DateTime<Utc>,
    pub with_paths: bool,
    /// Read incidents from issues with this label (None: they come from elsewhere).
    pub incident_label: Option<String>,
}

/// What GitHub gave.
pub struct Fetched {
    pub deployments: Vec<Deployment>,
    pub incidents: Vec<Incident>,
    /// (another name, deployment id): refs an incident may name instead of the id.
    pub aliases: Vec<(String, String)>,
}

/// `GITHUB_TOKEN`, when set (public repositories work without one, at 60 requests an hour).
pub fn token_from_env() -> Option<String> {
    std::env::var("GITHUB_TOKEN")
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// A reply that is not the shape GitHub documents (a proxy page, an API change).
fn malformed(what: &str) -> SourceError {
    SourceError::Upstream(format!("GitHub: unexpected {what} (not GitHub's shape)"))
}

/// An RFC 3339 field of a JSON object.
fn time_field(value: &Value, field: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value[field].as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn check_repo(repo: &str) -> Result<(), SourceError> {
    let valid = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    match repo.split_once('/') {
        Some((owner, name)) if valid(owner) && valid(name) => Ok(()),
        _ => Err(SourceError::Input(format!(
            "--github {repo:?}: expected OWNER/REPO"
        ))),
    }
}

pub async fn fetch(q: &GitHubQuery, progress: &Progress) -> Result<Fetched, SourceError> {
    check_repo(&q.repo)?;
    let cache = q.cache_dir.as_deref().map(cache::Cache::new);
    let client = client::Client::new(&q.api_url, &q.repo, q.token.clone(), cache, progress)?;
    let shipped = deployments::list(&client, &q.source, q.changes_since).await?;
    let mut pr_starts = HashMap::new();
    let mut lookups = compare::Lookups {
        commit_time: q.commit_time,
        lead_time_start: q.lead_time_start,
        with_paths: q.with_paths,
        since: q.changes_since,
        pr_starts: &mut pr_starts,
    };
    let mut out = Vec::with_capacity(shipped.len());
    for (i, head) in shipped.iter().enumerate() {
        let changes = if head.at >= q.changes_since {
            let base = i.checked_sub(1).map(|p| &shipped[p]);
            compare::changes(&client, base, head, &mut lookups).await?
        } else {
            Vec::new()
        };
        let is_hotfix = q.hotfix.as_ref().is_some_and(|p| {
            p.matches(&head.id)
                || head
                    .labels
                    .iter()
                    .any(|l| p.matches(l.lines().next().unwrap_or("")))
        });
        out.push(Deployment {
            id: head.id.clone(),
            commit: head.sha.clone(),
            deployed_at: head.at,
            is_hotfix,
            changes,
        });
    }
    let all: Vec<(String, String)> = shipped
        .iter()
        .flat_map(|d| {
            d.aliases
                .iter()
                .filter(|a| !a.is_empty())
                .map(|a| (a.clone(), d.id.clone()))
        })
        .collect();
    // A ref names a deployment only when one deployment has it (a tag); a branch such as
    // `main` is deployed again and again and names none of them.
    let aliases: Vec<(String, String)> = all
        .iter()
        .filter(|(alias, _)| {
            all.iter()
                .filter(|(other, _)| other.eq_ignore_ascii_case(alias))
                .count()
                == 1
        })
        .cloned()
        .collect();
    let incidents = match &q.incident_label {
        Some(label) => resolve_aliases(
            incidents::list(&client, label, q.changes_since).await?,
            &aliases,
        ),
        None => Vec::new(),
    };
    Ok(Fetched {
        deployments: out,
        incidents,
        aliases,
    })
}

/// Rewrites a `caused_by` naming a deployment's ref (say a tag, in any case) to that
/// deployment's id.
pub fn resolve_aliases(incidents: Vec<Incident>, aliases: &[(String, String)]) -> Vec<Incident> {
    incidents
        .into_iter()
        .map(|mut incident| {
            if let Some(cause) = &incident.caused_by {
                let is_id = aliases.iter().any(|(_, id)| id == cause);
                if let Some((_, id)) = aliases
                    .iter()
                    .find(|(alias, _)| alias.eq_ignore_ascii_case(cause))
                {
                    if !is_id {
                        incident.caused_by = Some(id.clone());
                    }
                }
            }
            incident
        })
        .collect()
}
