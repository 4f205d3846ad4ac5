//! `POST /api/v1/query_range` under the one retry policy ([`crate::retry`]), each attempt
//! classified by [`crate::http::attempt`] and then by what the body is: Prometheus's matrix
//! (done), Prometheus refusing the query (the user's to fix: never retried), or something that
//! is not Prometheus's JSON (a proxy's page: retried like a 502, since proxies often serve
//! one while the server behind them restarts).

use std::cell::Cell;

use reqwest::header::CONTENT_TYPE;
use reqwest::{StatusCode, Url};

use super::reply::{self, RangeSeries, Reply};
use crate::http::{self, HttpError, RetryPolicy};
use crate::redact;
use crate::retry::{self, Attempt};

/// The environment variable holding the bearer token (a secret).
pub const TOKEN_VARIABLE: &str = "PROMETHEUS_TOKEN";

/// Why a range query failed.
#[derive(Debug, PartialEq)]
pub enum CallError {
    /// Prometheus refused the query (HTTP 400/422 with its JSON error): the message is
    /// Prometheus's, with its `errorType`.
    Rejected(String),
    /// Anything else, after the retries: network, 5xx, 429, auth, a foreign reply.
    Upstream(String),
}

/// What one attempt failed with, kept for the message after the last one.
enum Failure {
    Http(HttpError),
    Rejected(String),
    Foreign { what: String, status: StatusCode },
}

pub struct Client {
    http: reqwest::Client,
    token: Option<String>,
    policy: RetryPolicy,
}

impl Client {
    /// A client with `PROMETHEUS_TOKEN` (when set) registered as a secret before any call.
    pub fn from_env() -> Result<Client, String> {
        let token = std::env::var(TOKEN_VARIABLE)
            .ok()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        if let Some(token) = &token {
            redact::register(token);
        }
        Ok(Client {
            http: http::client()?,
            token,
            policy: RetryPolicy::default(),
        })
    }

    /// The series of `query` evaluated every `step` seconds from `start` to `end` (epoch
    /// seconds, both included). `endpoint` is the server's `…/api/v1/query_range`.
    pub async fn query_range(
        &self,
        endpoint: &Url,
        query: &str,
        start: i64,
        end: i64,
        step: i64,
    ) -> Result<Vec<RangeSeries>, CallError> {
        let form = [
            ("query", query.to_string()),
            ("start", start.to_string()),
            ("end", end.to_string()),
            ("step", step.to_string()),
        ];
        tracing::info!(
            "Prometheus query_range {} → {} (step {step}s): {query}",
            epoch(start),
            epoch(end),
        );
        let what = "(Prometheus query_range)";
        let attempts = Cell::new(0u32);
        let result = retry::run(
            &self.policy,
            what,
            |n| {
                attempts.set(n);
                let mut request = self.http.post(endpoint.clone()).form(&form);
                if let Some(token) = &self.token {
                    request = request.bearer_auth(token);
                }
                let answers = [StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY];
                async move {
                    match http::attempt(request, &self.policy, n, what, &answers).await {
                        Attempt::Done(response) => read(response).await,
                        Attempt::Retry { error, after } => Attempt::Retry {
                            error: Failure::Http(error),
                            after,
                        },
                        // A query changes nothing on the server: a lost reply is safe to ask
                        // for again.
                        Attempt::Fail(HttpError::Transport(e)) => Attempt::Retry {
                            error: Failure::Http(HttpError::Transport(e)),
                            after: None,
                        },
                        Attempt::Fail(e) => Attempt::Fail(Failure::Http(e)),
                    }
                }
            },
            // A slow attempt is asked again; a spent budget is the end.
            |why| {
                let error = Failure::Http(HttpError::Transport(why.to_string()));
                match why {
                    retry::Expired::Attempt(_) => Attempt::Retry { error, after: None },
                    retry::Expired::Budget(_) => Attempt::Fail(error),
                }
            },
        )
        .await;
        result.map_err(|failure| match failure {
            Failure::Http(e) => describe(e, attempts.get()),
            Failure::Rejected(message) => CallError::Rejected(redact::clean(&message)),
            Failure::Foreign { what, status } => CallError::Upstream(format!(
                "got {what} (HTTP {}) instead of Prometheus's JSON, {}; is the URL a \
                 Prometheus API, or is a proxy or login page in the way?",
                status.as_u16(),
                tries(attempts.get())
            )),
        })
    }
}

fn epoch(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0).map_or_else(
        || seconds.to_string(),
        |t| crate::domain::rfc3339::format(&t),
    )
}

fn tries(n: u32) -> String {
    match n {
        1 => "once".to_string(),
        n => format!("{n} times"),
    }
}

/// The error after the last attempt, as one line for the user.
fn describe(error: HttpError, attempts: u32) -> CallError {
    let message = match error {
        HttpError::Status { status, .. } if status == StatusCode::UNAUTHORIZED => {
            format!("HTTP 401: the server wants credentials (set {TOKEN_VARIABLE}, a bearer token) or refused them")
        }
        HttpError::Status { status, .. } if status == StatusCode::FORBIDDEN => {
            format!("HTTP 403: the credentials ({TOKEN_VARIABLE}) may not read this API")
        }
        HttpError::Status { status, .. } if status == StatusCode::NOT_FOUND => {
            "HTTP 404: no /api/v1/query_range here (the URL should be the server's base, e.g. http://prometheus:9090)".to_string()
        }
        HttpError::Transport(e) => format!("{e} (tried {})", tries(attempts)),
        other => other.to_string(),
    };
    CallError::Upstream(redact::clean(&message))
}

/// Classifies a reply that came back with a 2xx, 400 or 422.
async fn read(response: reqwest::Response) -> Attempt<Vec<RangeSeries>, Failure> {
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(e) => {
            return Attempt::Retry {
                error: Failure::Http(HttpError::Transport(http::describe(e))),
                after: None,
            }
        }
    };
    let foreign = |what: String| Attempt::Retry {
        error: Failure::Foreign { what, status },
        after: None,
    };
    match (reply::parse(&body, &content_type), status.is_success()) {
        (Reply::Matrix { series, warnings }, true) => {
            for warning in warnings {
                tracing::info!("Prometheus warning: {warning}");
            }
            Attempt::Done(series)
        }
        (Reply::Error { error_type, error }, false) => {
            Attempt::Fail(Failure::Rejected(format!("{error} ({error_type})")))
        }
        (Reply::Error { error_type, error }, true) => Attempt::Fail(Failure::Http(
            HttpError::Transport(format!("an error ({error_type}) with HTTP 200: {error}")),
        )),
        (Reply::Matrix { .. }, false) => foreign("a result with an error status".into()),
        (Reply::Foreign(what), _) => foreign(what),
    }
}
