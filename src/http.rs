//! Outbound HTTP under the one retry policy ([`crate::retry`]), classified as every upstream
//! call is: 429 (and a 403 carrying `Retry-After`, GitHub's secondary limits) waits for
//! `Retry-After`; a 403/429 with `X-RateLimit-Remaining: 0` waits for `X-RateLimit-Reset`;
//! 5xx, refused connections and connections reset or closed mid-reply back off and try
//! again; an attempt that stalls past its limit is tried again when the method is idempotent
//! (a POST may have arrived). 304 Not Modified is an answer, not a failure.
//!
//! The whole reply is read within its attempt, up to [`MAX_REPLY_BYTES`], so a reply cut off
//! halfway is retried like a reset and an endless one is refused. Errors never carry the
//! request URL (it may hold a secret), and an error body is printed as a short excerpt.

use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode};

use crate::redact;
pub use crate::retry::RetryPolicy;
use crate::retry::{self, Attempt};

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
    /// Asking again would download it again: never retried.
    #[error("the reply is larger than {}", crate::fs::size(MAX_REPLY_BYTES as u64))]
    ReplyTooLarge,
}

/// Largest reply read: API pages are kilobytes; a reply that does not end is refused here.
pub const MAX_REPLY_BYTES: usize = 32 << 20;

/// Characters of an upstream's error body shown in a message.
pub const ERROR_BODY_CHARS: usize = 300;

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
    let attempt = retry::deadlines().attempt;
    reqwest::Client::builder()
        .user_agent(concat!("vitals/", env!("CARGO_PKG_VERSION")))
        .timeout(attempt)
        .connect_timeout(attempt.min(Duration::from_secs(15)))
        .build()
        .map_err(describe)
}

/// Whether a failed request is worth sending again whatever its method: the connection was
/// refused (nothing arrived), or reset or closed before the reply was complete.
pub(crate) fn interrupted(error: &reqwest::Error) -> bool {
    if error.is_connect() {
        return true;
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            ) {
                return true;
            }
        }
        if let Some(hyper) = cause.downcast_ref::<hyper::Error>() {
            if hyper.is_incomplete_message() || hyper.is_closed() || hyper.is_canceled() {
                return true;
            }
        }
        source = cause.source();
    }
    false
}

/// Whether sending the request twice does no more than sending it once (RFC 9110 §9.2.2).
fn idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

/// The reply with its whole body read (at most [`MAX_REPLY_BYTES`]), so that reading it is
/// part of the attempt: a body cut off is an interrupted attempt, not a later surprise.
async fn read_whole(mut response: Response) -> Result<Response, ReadError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        if body.len() + chunk.len() > MAX_REPLY_BYTES {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    let mut whole = http::Response::new(body);
    *whole.status_mut() = response.status();
    *whole.version_mut() = response.version();
    *whole.headers_mut() = std::mem::take(response.headers_mut());
    Ok(Response::from(whole))
}

enum ReadError {
    Transport(reqwest::Error),
    TooLarge,
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
    // A stalled attempt may have arrived: only an idempotent request is sent again after one.
    let method = build()
        .build()
        .map(|r| r.method().clone())
        .unwrap_or(Method::POST);
    retry::run(
        &policy,
        what,
        |n| attempt(build(), &policy, n, what, &[]),
        |why| {
            let error = HttpError::Transport(why.to_string());
            if idempotent(&method) && matches!(why, retry::Expired::Attempt(_)) {
                Attempt::Retry { error, after: None }
            } else {
                Attempt::Fail(error)
            }
        },
    )
    .await
}

/// One attempt of a request, classified as [`send`] classifies it, for callers that run their
/// own [`retry::run`] loop because they must also look at the reply (a Prometheus server's
/// JSON, or a proxy's HTML page in its place). `answers` are statuses handed back as replies
/// rather than errors, e.g. an API's 400 whose body says why, unshortened.
pub async fn attempt(
    builder: RequestBuilder,
    policy: &RetryPolicy,
    attempt: u32,
    what: &str,
    answers: &[StatusCode],
) -> Attempt<Response, HttpError> {
    let (client, request) = builder.build_split();
    let request = match request {
        Ok(request) => request,
        Err(e) => return Attempt::Fail(HttpError::Transport(describe(e))),
    };
    let (method, target) = (request.method().clone(), call_target(request.url()));
    let started = std::time::Instant::now();
    let result = match client.execute(request).await {
        Ok(response) => read_whole(response).await,
        Err(e) => Err(ReadError::Transport(e)),
    };
    let ms = started.elapsed().as_millis();
    let response = match result {
        Ok(response) => response,
        Err(ReadError::TooLarge) => {
            let error = HttpError::ReplyTooLarge;
            tracing::info!("{method} {target} -> {error} (attempt {attempt}, {ms} ms) {what}");
            return Attempt::Fail(error);
        }
        Err(ReadError::Transport(e)) => {
            let retry = interrupted(&e) || (e.is_timeout() && idempotent(&method));
            let error = HttpError::Transport(describe(e));
            tracing::info!("{method} {target} -> {error} (attempt {attempt}, {ms} ms) {what}");
            return if retry {
                Attempt::Retry { error, after: None }
            } else {
                Attempt::Fail(error)
            };
        }
    };
    let status = response.status();
    tracing::info!(
        "{method} {target} -> {} (attempt {attempt}, {ms} ms) {what}",
        status.as_u16()
    );
    if status.is_success() || status == StatusCode::NOT_MODIFIED || answers.contains(&status) {
        return Attempt::Done(response);
    }
    let limited = status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::FORBIDDEN;
    let reset = limited.then(|| rate_limit_reset(&response)).flatten();
    let after = if let Some(reset) = reset {
        // A second past the reset: the quota is counted in whole seconds.
        let wait = (reset - chrono::Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO)
            + Duration::from_secs(1);
        if wait > policy.max_retry_after {
            return Attempt::Fail(HttpError::RateLimited(reset));
        }
        Some(Some(wait))
    } else if limited
        && (status == StatusCode::TOO_MANY_REQUESTS || retry_after(&response).is_some())
    {
        let wait = retry_after(&response).unwrap_or(Duration::from_secs(1));
        if wait > policy.max_retry_after {
            return Attempt::Fail(HttpError::RetryAfterTooLong(wait));
        }
        Some(Some(wait))
    } else if status.is_server_error() {
        Some(None)
    } else {
        None
    };
    let body = response.text().await.unwrap_or_default();
    let error = HttpError::Status {
        status,
        body: redact::excerpt(&body, ERROR_BODY_CHARS),
        attempts: attempt,
    };
    match after {
        Some(after) => Attempt::Retry { error, after },
        None => Attempt::Fail(error),
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
