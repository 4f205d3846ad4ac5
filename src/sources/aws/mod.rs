//! AWS adapters for `vitals autoscale`: the live ECS scaling setup (Application Auto Scaling,
//! CloudWatch alarms, ECS counts) and applying a plan to it ([`scaling`]), and a service's CPU
//! trace from CloudWatch ([`trace`]).
//!
//! Credentials and region come from the standard AWS chain (env, profile, SSO, web identity for
//! GitHub Actions OIDC); `AWS_ENDPOINT_URL` points every client elsewhere (tests use moto).

pub mod scaling;
pub mod trace;

use aws_sdk_cloudwatch::error::{DisplayErrorContext, ProvideErrorMetadata};

use super::SourceError;

/// The shared SDK configuration; a missing region is the user's to fix (exit 2), and
/// `region_hint` says where else they may give it.
pub async fn load_config(
    region: Option<&str>,
    who: &str,
    region_hint: &str,
) -> Result<aws_config::SdkConfig, SourceError> {
    // The run's deadlines, in the SDK's terms: each attempt, and each operation with the SDK's
    // own retries (resets and timeouts are transient errors to it); `call` also bounds every
    // operation by what is left of the run's network budget.
    let deadlines = crate::retry::deadlines();
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(deadlines.attempt.min(std::time::Duration::from_secs(15)))
        .operation_attempt_timeout(deadlines.attempt)
        .operation_timeout(deadlines.overall)
        .build();
    let mut loader =
        aws_config::defaults(aws_config::BehaviorVersion::latest()).timeout_config(timeouts);
    if let Some(r) = region {
        loader = loader.region(aws_config::Region::new(r.to_string()));
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return Err(SourceError::Input(format!(
            "{who}: no AWS region: set AWS_REGION, a profile region, or {region_hint}"
        )));
    }
    Ok(config)
}

/// Runs one SDK call within what is left of the run's network budget, logging it for `-v`
/// (name, outcome, time), and maps its error.
pub async fn call<T, E>(
    name: &str,
    request: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, SourceError>
where
    E: ProvideErrorMetadata + std::error::Error,
{
    let started = std::time::Instant::now();
    let Ok(result) = tokio::time::timeout(crate::retry::remaining(), request).await else {
        tracing::info!(
            "AWS {name} -> out of time ({} ms)",
            started.elapsed().as_millis()
        );
        let budget = crate::retry::Expired::Budget(crate::retry::deadlines().overall);
        return Err(SourceError::Upstream(format!("{name}: {budget}")));
    };
    let ms = started.elapsed().as_millis();
    match &result {
        Ok(_) => tracing::info!("AWS {name} -> ok ({ms} ms)"),
        Err(e) => tracing::info!("AWS {name} -> {} ({ms} ms)", e.code().unwrap_or("failed")),
    }
    result.map_err(|e| upstream(name, &e))
}

/// An SDK error as one line: the service's error code and message when it sent one, else the
/// SDK's own account (no credentials, connection refused, …).
fn upstream<E>(call: &str, error: &E) -> SourceError
where
    E: ProvideErrorMetadata + std::error::Error,
{
    let text = match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => causes(error),
    };
    SourceError::Upstream(crate::redact::excerpt(&format!("{call}: {text}"), 400))
}

/// The error and its causes, first line of each, in one line; a missing credential chain
/// (whose report spans a dozen lines) as one sentence.
fn causes(error: &dyn std::error::Error) -> String {
    let full = DisplayErrorContext(error).to_string();
    if full.contains("no credentials found") {
        return "no AWS credentials found (environment, profile, SSO, web identity, ECS or \
                instance metadata): configure them, e.g. with aws-actions/configure-aws-credentials"
            .into();
    }
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = next {
        let line = e
            .to_string()
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        if !line.is_empty() && !parts.iter().any(|p| p.contains(&line)) {
            parts.push(line);
        }
        next = e.source();
    }
    parts.join(": ")
}
