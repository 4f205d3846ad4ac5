//! Which deployments happened: the Deployments API (an environment's deployments whose
//! latest status is `success`, or `inactive` after a success, at the success's time) or a
//! workflow's successful runs (at the run's `updated_at`). The API pages newest first, so
//! paging stops once past `since` (one older deployment is kept: it bounds the oldest change
//! set); [`list`] returns them oldest first.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::client::Client;
use super::{malformed, time_field, DeploySource};
use crate::sources::SourceError;

/// A deployment before its change set is known.
#[derive(Clone, Debug)]
pub struct Shipped {
    pub id: String,
    pub sha: String,
    pub at: DateTime<Utc>,
    /// Other names an incident's `Caused by:` may use (the deployment's ref, e.g. a tag).
    pub aliases: Vec<String>,
    /// What `--hotfix-pattern` is tried on besides the id (ref, description, run title).
    pub labels: Vec<String>,
}

/// Deployments, oldest first, from `since` on plus the one before it.
pub async fn list(
    client: &Client<'_>,
    source: &DeploySource,
    since: DateTime<Utc>,
) -> Result<Vec<Shipped>, SourceError> {
    let mut shipped = match source {
        DeploySource::Environment(environment) => {
            from_deployments_api(client, environment, since).await?
        }
        DeploySource::Workflow(file) => from_workflow_runs(client, file, since).await?,
    };
    shipped.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    Ok(shipped)
}

/// True when `items` (newest first) reach back before `since`: later pages are older still.
fn reaches_before(items: &[Value], field: &str, since: DateTime<Utc>) -> bool {
    items
        .last()
        .and_then(|item| time_field(item, field))
        .is_some_and(|t| t < since)
}

async fn from_deployments_api(
    client: &Client<'_>,
    environment: &str,
    since: DateTime<Utc>,
) -> Result<Vec<Shipped>, SourceError> {
    let mut listed: Vec<Value> = Vec::new();
    let mut shape = Ok(());
    let url = client.url(
        "/deployments",
        &[("environment", environment), ("per_page", "100")],
    );
    client
        .pages(url, |body| match body.as_array() {
            Some(items) => {
                listed.extend(items.iter().cloned());
                !items.is_empty() && !reaches_before(items, "created_at", since)
            }
            None => {
                shape = Err(malformed("deployments list"));
                false
            }
        })
        .await?;
    shape?;
    // Newest first; a deployment counts when its latest status is `success`, or `inactive`
    // after a `success`: GitHub marks an environment's earlier deployments inactive when a
    // newer one succeeds, so the latest status alone would keep only the newest.
    let mut out = Vec::new();
    for deployment in &listed {
        let (Some(id), Some(sha)) = (
            deployment["id"].as_u64(),
            deployment["sha"].as_str().map(str::to_string),
        ) else {
            return Err(malformed("deployment"));
        };
        let Some(at) = succeeded_at(client, id).await? else {
            continue;
        };
        let reference = deployment["ref"].as_str().unwrap_or("").to_string();
        let description = deployment["description"].as_str().unwrap_or("").to_string();
        out.push(Shipped {
            id: id.to_string(),
            sha,
            at,
            aliases: vec![reference.clone()],
            labels: vec![reference, description],
        });
        if at < since {
            break;
        }
    }
    Ok(out)
}

/// When deployment `id` succeeded, if it did and was not failed or errored since.
async fn succeeded_at(client: &Client<'_>, id: u64) -> Result<Option<DateTime<Utc>>, SourceError> {
    let url = client.url(
        &format!("/deployments/{id}/statuses"),
        &[("per_page", "100")],
    );
    let page = client.get(&url).await?;
    let Some(statuses) = page.body.as_array() else {
        return Err(malformed("deployment statuses"));
    };
    let success = match statuses.first().and_then(|s| s["state"].as_str()) {
        Some("success") => statuses.first(),
        Some("inactive") => statuses
            .iter()
            .find(|s| s["state"].as_str() == Some("success")),
        _ => None,
    };
    match success {
        Some(status) => time_field(status, "created_at")
            .map(Some)
            .ok_or_else(|| malformed("deployment status")),
        None => Ok(None),
    }
}

async fn from_workflow_runs(
    client: &Client<'_>,
    file: &str,
    since: DateTime<Utc>,
) -> Result<Vec<Shipped>, SourceError> {
    let mut out = Vec::new();
    let mut shape = Ok(());
    let url = client.url(
        &format!("/actions/workflows/{file}/runs"),
        &[("status", "success"), ("per_page", "100")],
    );
    client
        .pages(url, |body| {
            let Some(runs) = body["workflow_runs"].as_array() else {
                shape = Err(malformed("workflow runs list"));
                return false;
            };
            for run in runs {
                let (Some(number), Some(sha), Some(at)) = (
                    run["run_number"].as_u64(),
                    run["head_sha"].as_str(),
                    time_field(run, "updated_at"),
                ) else {
                    shape = Err(malformed("workflow run"));
                    return false;
                };
                out.push(Shipped {
                    id: format!("run-{number}"),
                    sha: sha.to_string(),
                    at,
                    aliases: Vec::new(),
                    labels: vec![
                        run["display_title"].as_str().unwrap_or("").to_string(),
                        run["head_branch"].as_str().unwrap_or("").to_string(),
                    ],
                });
                if at < since {
                    return false;
                }
            }
            !runs.is_empty()
        })
        .await?;
    shape?;
    Ok(out)
}
