//! Outbound HTTP with the retry rules every upstream call follows: 429 (and a 403 carrying
//! `Retry-After`, GitHub's secondary limits) waits for `Retry-After`; a 403/429 with
//! `X-RateLimit-Remaining: 0` waits for `X-RateLimit-Reset`; 5xx and refused connections back
//! off exponentially, a bounded number of times. 304 Not Modified is an answer, not a failure.
//! Errors never carry the request URL (it may hold a secret).

use std::time::Duration;

use reqwest::{RequestBuilder, Response, StatusCode};

use crate::redact;

#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    /// First backoff after a 5xx; doubles each time.
    pub base_delay: Duration,
    /// A `Retry-After` longer than this fails the call instead of stalling the job.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(250),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("HTTP {status}{detail} (after {attempts} attempt{s})", detail = if body.is_empty() { String::new() } else { format!(": {body}") }, s = if *attempts == 1 { "" } else { "s" })]
    Status {
        status: StatusCode,
        body: String,
        attempts: u32,
    },
    #[error("rate limited: Retry-After {0:?} is longer than vitals waits")]
    RetryAfterTooLong(Duration),
    /// The hourly quota is spent and resets later than vitals waits.
    #[error("rate limit exhausted; it resets at {} (X-RateLimit-Reset)", .0.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))]
    RateLimited(chrono::DateTime<chrono::Utc>),
    #[error("{0}")]
    Transport(String),
}

/// A reqwest error as one line without the URL.
pub fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    redact::clean(&text)
}

pub fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(concat!("vitals/", env!("CARGO_PKG_VERSION")))
        .timeout(Duration::from_secs(60))
        .connect_timeout(Duration::from_secs(15))
        .build()
        .map_err(describe)
}

fn retry_after(response: &Response) -> Option<Duration> {
    let value = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    // Seconds, or an HTTP date (RFC 9110 allows both).
    if let Ok(seconds) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    let wait = date.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// `host/path` of a call for `-v`, without the query string (it may carry a signature or a
/// key); a path holding a registered secret (a webhook's) keeps only its first segment.
fn call_target(url: &reqwest::Url) -> String {
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        (None, _) => String::new(),
    };
    let path = url.path();
    if redact::clean(path) == path {
        return format!("{host}{path}");
    }
    let first = path.split('/').find(|s| !s.is_empty()).unwrap_or("");
    format!("{host}/{first}/[redacted]")
}

/// When an exhausted quota (`X-RateLimit-Remaining: 0`) resets.
fn rate_limit_reset(response: &Response) -> Option<chrono::DateTime<chrono::Utc>> {
    let header = |name: &str| response.headers().get(name)?.to_str().ok();
    if header("x-ratelimit-remaining")?.trim() != "0" {
        return None;
    }
    let epoch: i64 = header("x-ratelimit-reset")?.trim().parse().ok()?;
    chrono::DateTime::from_timestamp(epoch, 0)
}

/// Sends the request built by `build` (called once per attempt) under `policy`. Each attempt
/// is logged for `-v` (method, host, path, status, attempt, elapsed); `what` names the call.
pub async fn send(
    build: impl Fn() -> RequestBuilder,
    policy: RetryPolicy,
    what: &str,
) -> Result<Response, HttpError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let (client, request) = build().build_split();
        let request = request.map_err(|e| HttpError::Transport(describe(e)))?;
        let (method, target) = (request.method().clone(), call_target(request.url()));
        let started = std::time::Instant::now();
        let result = client.execute(request).await;
        let ms = started.elapsed().as_millis();
        let wait = match result {
            Ok(response) => {
                let status = response.status();
                tracing::info!(
                    "{method} {target} -> {} (attempt {attempt}, {ms} ms) {what}",
                    status.as_u16()
                );
                if status.is_success() || status == StatusCode::NOT_MODIFIED {
                    return Ok(response);
                }
                let limited =
                    status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::FORBIDDEN;
                let reset = limited.then(|| rate_limit_reset(&response)).flatten();
                let wait = if let Some(reset) = reset {
                    // A second past the reset: the quota is counted in whole seconds.
                    let wait = (reset - chrono::Utc::now())
                        .to_std()
                        .unwrap_or(Duration::ZERO)
                        + Duration::from_secs(1);
                    if wait > policy.max_retry_after {
                        return Err(HttpError::RateLimited(reset));
                    }
                    Some(wait)
                } else if limited
                    && (status == StatusCode::TOO_MANY_REQUESTS || retry_after(&response).is_some())
                {
                    let wait = retry_after(&response).unwrap_or(Duration::from_secs(1));
                    if wait > policy.max_retry_after {
                        return Err(HttpError::RetryAfterTooLong(wait));
                    }
                    Some(wait)
                } else if status.is_server_error() {
                    Some(policy.base_delay * 2u32.saturating_pow(attempt - 1))
                } else {
                    None
                };
                match wait {
                    Some(wait) if attempt < policy.max_attempts => wait,
                    _ => {
                        let body = response.text().await.unwrap_or_default();
                        let body = redact::clean(body.trim());
                        let body: String = body.chars().take(200).collect();
                        return Err(HttpError::Status {
                            status,
                            body,
                            attempts: attempt,
                        });
                    }
                }
            }
            Err(e) => {
                let connect = e.is_connect();
                let error = describe(e);
                tracing::info!("{method} {target} -> {error} (attempt {attempt}, {ms} ms) {what}");
                if !(connect && attempt < policy.max_attempts) {
                    return Err(HttpError::Transport(error));
                }
                policy.base_delay * 2u32.saturating_pow(attempt - 1)
            }
        };
        tracing::debug!("{what}: retrying in {} ms", wait.as_millis());
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_targets_drop_the_query_and_secret_paths() {
        let url = |s: &str| reqwest::Url::parse(s).unwrap();
        assert_eq!(
            call_target(&url("https://slack.com/api/chat.postMessage?token=abc")),
            "slack.com/api/chat.postMessage"
        );
        assert_eq!(
            call_target(&url("http://127.0.0.1:8080/upload/v1/F1?sig=x")),
            "127.0.0.1:8080/upload/v1/F1"
        );
        redact::register("https://hooks.slack.com/services/T0/B0/SECRETsecret42");
        assert_eq!(
            call_target(&url(
                "https://hooks.slack.com/services/T0/B0/SECRETsecret42"
            )),
            "hooks.slack.com/services/[redacted]"
        );
    }
}
