//! The inputs adapters produce: deployments with their change sets, and incidents.
//!
//! Git, GitHub and CSV sources all reduce to these; the domain never walks history itself, so
//! the rules below hold whichever source (and whichever lead-time start) the user picked.

use chrono::{DateTime, Utc};

/// A commit first shipped by a deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub sha: String,
    /// Where its lead time starts: committer or author date, a squash-merged PR's first commit,
    /// or the PR's opening, as the adapter was told.
    pub committed_at: DateTime<Utc>,
    /// Repository-relative paths it touched; only read when `--path` prefixes are given.
    pub paths: Vec<String>,
}

/// One deployment: a deploy tag, a GitHub deployment or a workflow run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// Tag name or deployment id; what an incident's `caused_by` may name.
    pub id: String,
    /// The commit deployed.
    pub commit: String,
    pub deployed_at: DateTime<Utc>,
    /// An unplanned fix by name (`--hotfix-pattern` matched its tag or message).
    pub is_hotfix: bool,
    /// Commits reachable from this deployment and from no earlier one in time, however far
    /// back (the contract's "first shipped"); empty for a rollback, a re-deploy or a tag
    /// re-created late. Adapters may leave it empty for deployments older than the report
    /// needs, but never list a commit an earlier deployment shipped.
    pub changes: Vec<Change>,
}

/// A production incident.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incident {
    pub id: String,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// A deployment id (tag name) or a commit SHA, full or abbreviated to 7+ hex digits.
    pub caused_by: Option<String>,
}
