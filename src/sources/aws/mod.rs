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
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
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

/// An SDK error as one line: the service's error code and message when it sent one, else the
/// SDK's own account (no credentials, connection refused, …).
pub fn upstream<E>(call: &str, error: &E) -> SourceError
where
    E: ProvideErrorMetadata + std::error::Error,
{
    let text = match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => DisplayErrorContext(error).to_string(),
    };
    SourceError::Upstream(crate::redact::clean(&format!("{call}: {text}")))
}
