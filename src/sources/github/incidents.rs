//! Incidents from issues carrying the incident label: opened at `created_at`, resolved at
//! `closed_at`, caused by the deployment a body line `Caused by: <deployment id, tag or SHA>`
//! names (case-insensitive). Pull requests (which the issues API lists too) are skipped.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::client::Client;
use super::{malformed, time_field};
use crate::domain::four_keys::Incident;
use crate::sources::SourceError;

/// The value of the first `Caused by:` line, without Markdown code ticks.
pub fn caused_by(body: &str) -> Option<String> {
    body.lines().find_map(|line| {
        let line = line.trim().trim_start_matches(['-', '*', '>', ' ']);
        let head = line.get(..10)?;
        if !head.eq_ignore_ascii_case("caused by:") {
            return None;
        }
        let value = line[10..].trim().trim_matches(['`', '*']).trim();
        (!value.is_empty()).then(|| value.to_string())
    })
}

/// Issues labelled `label` updated since `since` (older ones cannot fall in the windows).
pub async fn list(
    client: &Client<'_>,
    label: &str,
    since: DateTime<Utc>,
) -> Result<Vec<Incident>, SourceError> {
    let since = since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let url = client.url(
        "/issues",
        &[
            ("labels", label),
            ("state", "all"),
            ("since", &since),
            ("per_page", "100"),
        ],
    );
    let mut out = Vec::new();
    let mut shape = Ok(());
    client
        .pages(url, |body| {
            let Some(issues) = body.as_array() else {
                shape = Err(malformed("issues list"));
                return false;
            };
            for issue in issues.iter().filter(|i| i.get("pull_request").is_none()) {
                if let Some(incident) = incident(issue) {
                    out.push(incident);
                }
            }
            !issues.is_empty()
        })
        .await?;
    shape?;
    Ok(out)
}

fn incident(issue: &Value) -> Option<Incident> {
    Some(Incident {
        id: format!("#{}", issue["number"].as_u64()?),
        opened_at: time_field(issue, "created_at")?,
        resolved_at: time_field(issue, "closed_at"),
        caused_by: issue["body"].as_str().and_then(caused_by),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caused_by_line_is_found_in_any_case() {
        assert_eq!(
            caused_by("Checkout fails.\n\ncaused BY: `v1.4.2`\n").as_deref(),
            Some("v1.4.2")
        );
        assert_eq!(
            caused_by("- Caused by: 3f2a9c1").as_deref(),
            Some("3f2a9c1")
        );
        assert_eq!(caused_by("Caused by:\nnothing"), None);
        assert_eq!(caused_by("no cause given"), None);
    }
}
