//! The Prometheus side of `vitals slo`'s metric reader: an indicator's queries resolved,
//! fetched once per run (the ones not fetched yet, at once) and shaped into its series.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::assemble::{ratio, raw};
use super::{CallError, Client, Fetched, Target};
use crate::domain::slo::Series;
use crate::sources::openslo::{ResolvedIndicator, ResolvedSlo, ResolvedSource};
use crate::sources::SourceError;

/// Reads Prometheus indicators; the client is set up on the first one.
#[derive(Default)]
pub struct Reader {
    /// `[slo] prometheus_url`: the server of sources whose DataSource names none.
    pub default_url: Option<String>,
    client: Option<Client>,
    fetched: HashMap<Target, Arc<Fetched>>,
}

impl Reader {
    /// A Prometheus indicator's series: its queries fetched (at once, each once per run), then
    /// shaped by the contract's rules.
    pub async fn series(
        &mut self,
        slo: &ResolvedSlo,
        indicator: &ResolvedIndicator,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Series, SourceError> {
        let roles: Vec<(&ResolvedSource, &str)> = match indicator {
            ResolvedIndicator::Threshold(source) => vec![(source, "thresholdMetric")],
            ResolvedIndicator::Raw { source, .. } => vec![(source, "ratioMetric.raw")],
            ResolvedIndicator::Ratio {
                good, bad, total, ..
            } => {
                let numerator = match (good, bad) {
                    (Some(g), _) => (g, "ratioMetric.good"),
                    (None, Some(b)) => (b, "ratioMetric.bad"),
                    (None, None) => unreachable!("validated by the OpenSLO reader"),
                };
                vec![numerator, (total, "ratioMetric.total")]
            }
        };
        let fetched = self.fetch(slo, &roles, since, now).await?;
        let bad_data = |e: String| SourceError::Input(format!("{}: {e}", slo.origin));
        match indicator {
            ResolvedIndicator::Threshold(_) | ResolvedIndicator::Raw { .. } => {
                let (role, one) = (roles[0].1, &fetched[0]);
                if one.series.len() > 1 {
                    let shown: Vec<&str> = one.series.iter().take(3).map(String::as_str).collect();
                    return Err(bad_data(format!(
                        "{role}.metricSource.spec.query: the query returned {} series ({}{}); \
                         a {} needs exactly one: aggregate it (e.g. max(…), or \
                         histogram_quantile over sum by (le) (…))",
                        one.series.len(),
                        shown.join(", "),
                        if one.series.len() > 3 { ", …" } else { "" },
                        if role == "thresholdMetric" {
                            "threshold metric"
                        } else {
                            "raw ratio"
                        }
                    )));
                }
                match indicator {
                    ResolvedIndicator::Raw { failure, .. } => {
                        raw(&one.points, *failure).map_err(|e| bad_data(format!("{role}: {e}")))
                    }
                    _ => Ok(Series::values(one.points.iter().copied())),
                }
            }
            ResolvedIndicator::Ratio { counter, good, .. } => ratio(
                &fetched[0].points,
                &fetched[1].points,
                *counter,
                good.is_some(),
            )
            .map_err(|e| bad_data(format!("ratioMetric.{e}"))),
        }
    }

    /// Each source's samples, in order; the ones not fetched yet this run are fetched at once.
    async fn fetch(
        &mut self,
        slo: &ResolvedSlo,
        roles: &[(&ResolvedSource, &str)],
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Arc<Fetched>>, SourceError> {
        let mut targets = Vec::with_capacity(roles.len());
        for (source, role) in roles {
            let target = Target::resolve(source, self.default_url.as_deref()).map_err(|e| {
                SourceError::Input(format!("{}: {role}.metricSource.{e}", slo.origin))
            })?;
            targets.push((target, *role));
        }
        let client: &Client = match self.client {
            Some(ref client) => client,
            None => self
                .client
                .insert(Client::from_env().map_err(SourceError::Upstream)?),
        };
        let mut missing: Vec<(&Target, &str)> = Vec::new();
        for (target, role) in &targets {
            if !self.fetched.contains_key(target) && !missing.iter().any(|(t, _)| *t == target) {
                missing.push((target, role));
            }
        }
        let results =
            futures::future::try_join_all(missing.iter().map(|(target, role)| async move {
                super::fetch(client, target, since, now)
                    .await
                    .map_err(|e| call_error(slo, role, target, e))
            }))
            .await?;
        let fetched: Vec<(Target, Arc<Fetched>)> = missing
            .iter()
            .map(|(t, _)| (*t).clone())
            .zip(results.into_iter().map(Arc::new))
            .collect();
        self.fetched.extend(fetched);
        Ok(targets
            .iter()
            .map(|(t, _)| self.fetched[t].clone())
            .collect())
    }
}

/// A failed call as the run's error: a rejected query is the spec's to fix (exit 2), anything
/// else the server's (exit 3).
fn call_error(slo: &ResolvedSlo, role: &str, target: &Target, error: CallError) -> SourceError {
    match error {
        CallError::Rejected(message) => SourceError::Input(format!(
            "{}: {role}.metricSource.spec.query: Prometheus rejected the query: {message}",
            slo.origin
        )),
        CallError::Upstream(message) => SourceError::Upstream(format!(
            "{}: Prometheus at {}: {message}",
            slo.origin,
            target.server()
        )),
    }
}
