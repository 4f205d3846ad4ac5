//! GitHub's REST API, read-only: token auth, `Link: rel="next"` pagination, rate limits (via
//! [`crate::http::send`]) and conditional requests against the ETag cache. Failures say what
//! the user can do (a rejected token, a repository the token cannot see) and never carry the
//! token.

use reqwest::header::{ACCEPT, ETAG, IF_NONE_MATCH, LINK};
use reqwest::StatusCode;
use serde_json::Value;

use super::cache::{Cache, Entry};
use crate::http::{self, HttpError, RetryPolicy};
use crate::progress::Progress;
use crate::redact;
use crate::sources::SourceError;

/// One page of a response.
pub struct Page {
    pub body: Value,
    /// The `rel="next"` URL, when there are more pages.
    pub next: Option<String>,
}

pub struct Client<'a> {
    http: reqwest::Client,
    /// `https://api.github.com/repos/OWNER/REPO`.
    base: String,
    repo: String,
    token: Option<String>,
    cache: Option<Cache>,
    policy: RetryPolicy,
    progress: &'a Progress,
}

/// The `rel="next"` target of a `Link` header.
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"")
            .then(|| {
                target
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
}

impl<'a> Client<'a> {
    pub fn new(
        api_url: &str,
        repo: &str,
        token: Option<String>,
        cache: Option<Cache>,
        progress: &'a Progress,
    ) -> Result<Client<'a>, SourceError> {
        if let Some(token) = &token {
            redact::register(token);
        }
        Ok(Client {
            http: http::client().map_err(SourceError::Upstream)?,
            base: format!("{}/repos/{repo}", api_url.trim_end_matches('/')),
            repo: repo.to_string(),
            token,
            cache,
            policy: RetryPolicy::default(),
            progress,
        })
    }

    /// The URL of `path` (under the repository) with `query` encoded.
    pub fn url(&self, path: &str, query: &[(&str, &str)]) -> String {
        let mut url = format!("{}{path}", self.base);
        for (i, (key, value)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(key);
            url.push('=');
            url.push_str(&encode(value));
        }
        url
    }

    fn fail(&self, url: &str, e: HttpError) -> SourceError {
        let what = url.strip_prefix(&self.base).unwrap_or(url);
        let message = match e {
            HttpError::Status { status, .. } if status == StatusCode::UNAUTHORIZED => {
                "GitHub rejected the token (GITHUB_TOKEN)".to_string()
            }
            HttpError::Status { status, .. } if status == StatusCode::NOT_FOUND => format!(
                "GitHub: {} not found or the token cannot see it (GET {what})",
                self.repo
            ),
            other => format!("GitHub: GET {what}: {other}"),
        };
        SourceError::Upstream(redact::clean(&message))
    }

    /// One GET, revalidated against the cache when there is one.
    pub async fn get(&self, url: &str) -> Result<Page, SourceError> {
        let cached = self.cache.as_ref().and_then(|c| c.load(url));
        let response = http::send(
            || {
                let mut request = self
                    .http
                    .get(url)
                    .header(ACCEPT, "application/vnd.github+json")
                    .header("X-GitHub-Api-Version", "2022-11-28");
                if let Some(token) = &self.token {
                    request = request.bearer_auth(token);
                }
                if let Some(entry) = &cached {
                    request = request.header(IF_NONE_MATCH, &entry.etag);
                }
                request
            },
            self.policy,
            "(GitHub)",
        )
        .await
        .map_err(|e| self.fail(url, e))?;
        self.progress.advance(1);
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let (body, next) = match cached {
            Some(entry) if response.status() == StatusCode::NOT_MODIFIED => {
                (entry.body, entry.next)
            }
            _ => {
                let etag = header(ETAG);
                let next = header(LINK).as_deref().and_then(next_link);
                let body = response
                    .text()
                    .await
                    .map_err(|e| SourceError::Upstream(format!("GitHub: {}", http::describe(e))))?;
                if let (Some(cache), Some(etag)) = (&self.cache, etag) {
                    let entry = Entry {
                        url: url.to_string(),
                        etag,
                        next: next.clone(),
                        body,
                    };
                    if let Err(e) = cache.store(&entry) {
                        tracing::info!("GitHub cache {url}: {e}");
                    }
                    (entry.body, entry.next)
                } else {
                    (body, next)
                }
            }
        };
        let body = serde_json::from_str(&body).map_err(|e| {
            SourceError::Upstream(format!(
                "GitHub: GET {}: not JSON ({e})",
                url.strip_prefix(&self.base).unwrap_or(url)
            ))
        })?;
        Ok(Page { body, next })
    }

    /// Follows `rel="next"` from `url`, handing each page to `keep` until it returns false.
    pub async fn pages(
        &self,
        url: String,
        mut keep: impl FnMut(&Value) -> bool,
    ) -> Result<(), SourceError> {
        let mut next = Some(url);
        while let Some(url) = next {
            let page = self.get(&url).await?;
            if !keep(&page.body) {
                break;
            }
            next = page.next;
        }
        Ok(())
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_is_found_among_others() {
        let header = r#"<https://api.github.com/repositories/1/deployments?page=2>; rel="next", <https://api.github.com/repositories/1/deployments?page=5>; rel="last""#;
        assert_eq!(
            next_link(header).as_deref(),
            Some("https://api.github.com/repositories/1/deployments?page=2")
        );
        assert_eq!(next_link(r#"<https://x.test/?page=1>; rel="prev""#), None);
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode("prod eu/1"), "prod%20eu%2F1");
        assert_eq!(encode("2026-11-01T00:00:00Z"), "2026-11-01T00%3A00%3A00Z");
    }
}
