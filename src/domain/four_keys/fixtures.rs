//! Literal test data: times written as RFC 3339, deployments and incidents in one line each.

use chrono::{DateTime, Utc};

use super::model::{Change, Deployment, Incident};

pub fn t(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("a test time")
        .with_timezone(&Utc)
}

pub fn change(sha: &str, committed_at: &str) -> Change {
    Change {
        sha: sha.into(),
        committed_at: t(committed_at),
        paths: vec![],
    }
}

pub fn change_in(sha: &str, committed_at: &str, paths: &[&str]) -> Change {
    Change {
        paths: paths.iter().map(|p| p.to_string()).collect(),
        ..change(sha, committed_at)
    }
}

pub fn deploy(id: &str, commit: &str, deployed_at: &str, changes: Vec<Change>) -> Deployment {
    Deployment {
        id: id.into(),
        commit: commit.into(),
        deployed_at: t(deployed_at),
        is_hotfix: false,
        changes,
    }
}

pub fn hotfix(id: &str, commit: &str, deployed_at: &str, changes: Vec<Change>) -> Deployment {
    Deployment {
        is_hotfix: true,
        ..deploy(id, commit, deployed_at, changes)
    }
}

pub fn incident(
    id: &str,
    opened: &str,
    resolved: Option<&str>,
    caused_by: Option<&str>,
) -> Incident {
    Incident {
        id: id.into(),
        opened_at: t(opened),
        resolved_at: resolved.map(t),
        caused_by: caused_by.map(str::to_string),
    }
}
