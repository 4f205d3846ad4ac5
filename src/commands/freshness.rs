//! `vitals freshness`: checks (config and dbt) → measurements (files, BigQuery) → freshness
//! domain → reports, the dbt artifact, and Slack alerts filtered by the state file.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;

use crate::cli::FreshnessArgs;
use crate::commands::{
    flag_path, onboarding, parse_duration, parse_positive_duration, Context, Digestible, Plan,
    Section,
};
use crate::config::{ConfigFile, FreshnessCheck, FreshnessSection};
use crate::domain::freshness::{
    evaluate, plan_alerts, Criteria, FreshnessReport, Measurement, Status,
};
use crate::error::{Error, Result};
use crate::report::export::Content;
use crate::report::{views, Artifact, FileTarget, Report, SlackView, Verdict};
use crate::sources::bigquery::freshness::{self as bq_freshness, TableRef};
use crate::sources::bigquery::{BigQuery, DatasetId};
use crate::sources::dbt::{self, CheckSpec, Target};
use crate::sources::{alert_state, files};

pub const DEFAULT_CONCURRENCY: usize = 8;
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Tables per `UNION ALL` query: large enough to save calls, small enough to isolate failures.
const MAX_PER_BATCH: usize = 50;

fn config_check(ctx: &Context, check: &FreshnessCheck) -> Result<CheckSpec> {
    let config = &ctx.config;
    let name = check.name.get_ref();
    let unique_id = format!("source.{name}");
    if check.warn_after.is_none() && check.error_after.is_none() {
        return Err(config
            .error_at(
                &check.name,
                "freshness.checks",
                format!("{name}: needs warn_after or error_after"),
            )
            .into());
    }
    let text = |value: &Option<toml::Spanned<String>>| value.as_ref().map(|v| v.get_ref().clone());
    let target = match (&check.path, &check.table) {
        (Some(path), None) => Target::Files {
            pattern: config.resolve(path.get_ref()),
            loaded_at_field: text(&check.loaded_at_field),
        },
        (None, Some(table)) => {
            let (dataset, table_name) = table.get_ref().rsplit_once('.').ok_or_else(|| {
                config.error_at(
                    table,
                    "freshness.checks.table",
                    "expected PROJECT.DATASET.TABLE",
                )
            })?;
            let dataset = DatasetId::parse(dataset)
                .map_err(|e| config.error_at(table, "freshness.checks.table", e))?;
            Target::BigQuery {
                project: dataset.project,
                dataset: dataset.dataset,
                table: table_name.into(),
                loaded_at_field: text(&check.loaded_at_field),
                loaded_at_query: None,
                filter: text(&check.filter),
            }
        }
        _ => {
            return Err(config
                .error_at(
                    &check.name,
                    "freshness.checks",
                    format!(
                        "{name}: set exactly one of `path` (local files) or `table` (BigQuery)"
                    ),
                )
                .into())
        }
    };
    Ok(CheckSpec {
        unique_id,
        criteria: Criteria {
            warn_after: check.warn_after.as_ref().map(|t| *t.get_ref()),
            error_after: check.error_after.as_ref().map(|t| *t.get_ref()),
            filter: text(&check.filter),
        },
        target,
    })
}

/// The dbt inputs: the command line's, or else the config's (paths relative to the config).
fn dbt_inputs(
    ctx: &Context,
    args: &FreshnessArgs,
    section: &FreshnessSection,
) -> Result<dbt::Inputs> {
    let from_flags =
        args.dbt_manifest.is_some() || args.dbt_project.is_some() || !args.dbt_sources.is_empty();
    let (manifest, project_dir, patterns) = if from_flags {
        (
            args.dbt_manifest.clone(),
            args.dbt_project.clone(),
            args.dbt_sources.clone(),
        )
    } else {
        let resolve = |p: &toml::Spanned<String>| ctx.config.resolve(p.get_ref());
        (
            section.dbt_manifest.as_ref().map(resolve),
            section.dbt_project.as_ref().map(resolve),
            section
                .dbt_sources
                .iter()
                .flat_map(|d| d.get_ref().to_vec())
                .map(|p| ctx.config.resolve(p))
                .collect(),
        )
    };
    let any = manifest.is_some() || project_dir.is_some() || !patterns.is_empty();
    Ok(dbt::Inputs {
        manifest,
        sources: files::expand(&patterns, Path::new("."))?,
        project: project_dir.map(|dir| dbt::ProjectOptions {
            dir,
            profiles_dir: args.profiles_dir.clone(),
            cli_vars: args.dbt_vars.clone(),
            env: std::env::vars().collect(),
        }),
        cli_vars: args.dbt_vars.clone(),
        // Only looked up when there is dbt input: it may read a credentials file.
        fallback_database: section
            .project
            .as_ref()
            .map(|p| p.get_ref().clone())
            .or_else(|| {
                any.then(crate::sources::bigquery::credentials_project)
                    .flatten()
            }),
    })
}

/// Every check, from the config and the dbt files, validated before anything is measured.
fn collect_checks(
    ctx: &Context,
    args: &FreshnessArgs,
    section: &FreshnessSection,
) -> Result<Vec<CheckSpec>> {
    let mut checks = Vec::new();
    for check in &section.checks {
        checks.push(config_check(ctx, check)?);
    }
    checks.extend(dbt::checks(&dbt_inputs(ctx, args, section)?)?);
    if checks.is_empty() {
        return Err(Error::Usage(
            "freshness needs checks: [[freshness.checks]] in the config, --dbt-manifest FILE, \
             --dbt-project DIR or --dbt-sources FILE"
                .into(),
        ));
    }
    let mut seen = HashSet::new();
    for c in &checks {
        if !seen.insert(c.unique_id.clone()) {
            return Err(Error::Usage(format!(
                "freshness: two checks are named {:?}; unique ids must be unique",
                c.unique_id
            )));
        }
        if let (Some(warn), Some(error)) = (c.criteria.warn_after, c.criteria.error_after) {
            if error.seconds() < warn.seconds() {
                ctx.warn(&format!("{}: error_after ({error}) is shorter than warn_after ({warn}); it will never warn", c.unique_id));
            }
        }
        // Identifiers are spliced into SQL: check them before anything runs.
        if let Some(t) = table_ref(c) {
            t.validate()
                .map_err(|e| Error::Usage(format!("{}: {e}", c.unique_id)))?;
        }
    }
    Ok(checks)
}

/// One unit of measuring work: a check, or a batch of one dataset's tables.
enum Job {
    Files(usize),
    Metadata(Vec<usize>),
    Max(Vec<usize>),
}

fn plan_jobs(checks: &[CheckSpec]) -> Vec<Job> {
    let mut jobs = Vec::new();
    let mut metadata: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    let mut max: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, c) in checks.iter().enumerate() {
        match &c.target {
            Target::Files { .. } | Target::Unresolved { .. } => jobs.push(Job::Files(i)),
            Target::BigQuery {
                project,
                dataset,
                loaded_at_field: None,
                loaded_at_query: None,
                ..
            } => metadata
                .entry((project.clone(), dataset.clone()))
                .or_default()
                .push(i),
            Target::BigQuery {
                project, dataset, ..
            } => max
                .entry((project.clone(), dataset.clone()))
                .or_default()
                .push(i),
        }
    }
    jobs.extend(metadata.into_values().map(Job::Metadata));
    for group in max.into_values() {
        jobs.extend(group.chunks(MAX_PER_BATCH).map(|c| Job::Max(c.to_vec())));
    }
    jobs
}

fn table_ref(check: &CheckSpec) -> Option<TableRef> {
    match &check.target {
        Target::BigQuery {
            project,
            dataset,
            table,
            loaded_at_field,
            loaded_at_query,
            filter,
        } => Some(TableRef {
            project: project.clone(),
            dataset: dataset.clone(),
            table: table.clone(),
            loaded_at_field: loaded_at_field.clone(),
            loaded_at_query: loaded_at_query.clone(),
            filter: filter.clone(),
        }),
        Target::Files { .. } | Target::Unresolved { .. } => None,
    }
}

async fn run_job(
    job: &Job,
    checks: &[CheckSpec],
    bq: Option<&BigQuery>,
) -> Vec<(usize, Measurement)> {
    let no_client = || Err("BigQuery client unavailable".to_string());
    match job {
        Job::Files(i) => {
            let (pattern, loaded_at_field) = match checks[*i].target.clone() {
                Target::Files {
                    pattern,
                    loaded_at_field,
                } => (pattern, loaded_at_field),
                Target::Unresolved { error } => return vec![(*i, Err(error))],
                Target::BigQuery { .. } => return vec![],
            };
            let measured = tokio::task::spawn_blocking(move || match &loaded_at_field {
                Some(field) => files::freshness::newest_value(&pattern, field),
                None => files::freshness::newest_mtime(&pattern),
            })
            .await
            .unwrap_or_else(|e| Err(format!("check panicked: {e}")));
            vec![(*i, measured)]
        }
        Job::Metadata(ids) | Job::Max(ids) => {
            let Some(bq) = bq else {
                return ids.iter().map(|&i| (i, no_client())).collect();
            };
            let tables: Vec<TableRef> = ids.iter().filter_map(|&i| table_ref(&checks[i])).collect();
            let measured = match job {
                Job::Metadata(_) if tables.len() == 1 => {
                    vec![bq_freshness::last_modified(bq, &tables[0]).await]
                }
                Job::Metadata(_) => bq_freshness::last_modified_batch(bq, &tables).await,
                _ => bq_freshness::max_loaded_at_batch(bq, &tables).await,
            };
            ids.iter().copied().zip(measured).collect()
        }
    }
}

fn job_ids(job: &Job) -> Vec<usize> {
    match job {
        Job::Files(i) => vec![*i],
        Job::Metadata(ids) | Job::Max(ids) => ids.clone(),
    }
}

/// Measures every check, `concurrency` jobs at a time, each within `timeout`; a BigQuery job
/// also within what is left of the run's network budget (`--timeout`), which local files,
/// bounded by the line and size limits, do not spend.
async fn measure(
    ctx: &Context,
    checks: &[CheckSpec],
    concurrency: usize,
    timeout: Duration,
) -> Result<(Vec<Measurement>, Option<u64>)> {
    let needs_bigquery = checks
        .iter()
        .any(|c| matches!(c.target, Target::BigQuery { .. }));
    let bq = if needs_bigquery {
        Some(BigQuery::connect().await?)
    } else {
        None
    };
    let jobs = plan_jobs(checks);
    let progress =
        crate::progress::Progress::items("checking", checks.len() as u64, "sources", ctx.quiet);
    let outcomes: Vec<Vec<(usize, Measurement)>> = futures::stream::iter(jobs.iter())
        .map(|job| {
            let bq = bq.as_ref();
            let progress = &progress;
            async move {
                let left = match job {
                    Job::Files(_) => Duration::MAX,
                    Job::Metadata(_) | Job::Max(_) => crate::retry::remaining(),
                };
                let done =
                    match tokio::time::timeout(timeout.min(left), run_job(job, checks, bq)).await {
                        Ok(done) => done,
                        Err(_) => {
                            let why = if timeout < left {
                                format!("timed out after {}s", timeout.as_millis().div_ceil(1000))
                            } else {
                                let budget = crate::retry::deadlines().overall;
                                crate::retry::Expired::Budget(budget).to_string()
                            };
                            job_ids(job)
                                .into_iter()
                                .map(|i| (i, Err(why.clone())))
                                .collect()
                        }
                    };
                progress.advance(done.len() as u64);
                done
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    progress.finish();
    let mut measurements: Vec<Measurement> = checks
        .iter()
        .map(|_| Err("not measured".to_string()))
        .collect();
    for (i, m) in outcomes.into_iter().flatten() {
        measurements[i] = m;
    }
    Ok((measurements, bq.as_ref().map(BigQuery::calls)))
}

/// Where this run's checks live in a shared state file: the config it was given and the dbt
/// inputs named on the command line, each named relative to the state file's folder, so a
/// checkout moved elsewhere together with its state (another CI workspace) keeps its scope.
fn state_scope(ctx: &Context, args: &FreshnessArgs, state: Option<&Path>) -> String {
    let state_dir = state
        .and_then(|p| std::path::absolute(p).ok())
        .and_then(|p| p.parent().map(Path::to_path_buf));
    let name = |p: &Path| {
        let absolute = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        match &state_dir {
            Some(dir) => relative_path(dir, &absolute).display().to_string(),
            None => absolute.display().to_string(),
        }
    };
    let mut parts = Vec::new();
    if let Some(path) = &ctx.config.path {
        parts.push(format!("config {}", name(path)));
    }
    if let Some(path) = &args.dbt_manifest {
        parts.push(format!("dbt manifest {}", name(path)));
    }
    if let Some(path) = &args.dbt_project {
        parts.push(format!("dbt project {}", name(path)));
    }
    for path in &args.dbt_sources {
        parts.push(format!("dbt sources {}", name(path)));
    }
    if parts.is_empty() {
        "default".into()
    } else {
        parts.join(", ")
    }
}

/// `to` as seen from the folder `from` (both absolute): `../vitals.toml`.
fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let (from, to): (Vec<_>, Vec<_>) = (from.components().collect(), to.components().collect());
    let shared = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut path = PathBuf::new();
    for _ in shared..from.len() {
        path.push("..");
    }
    for part in &to[shared..] {
        path.push(part);
    }
    path
}

/// `vitals freshness`.
pub struct Freshness;

/// A validated freshness run: settings resolved and every check built.
pub struct FreshnessPlan {
    checks: Vec<CheckSpec>,
    concurrency: usize,
    timeout: Duration,
    remind_every: Option<chrono::Duration>,
    /// `--state`: alerts go out only on changes, and the state is saved after the post.
    state: Option<FileTarget>,
    /// This run's entry in the state file.
    scope: String,
    dbt_artifact: Option<FileTarget>,
}

impl Section for Freshness {
    type Args = FreshnessArgs;
    type Plan = FreshnessPlan;

    /// Validates flags, config and dbt files (exit 2 before anything is measured).
    fn plan(ctx: &Context, args: &FreshnessArgs) -> Result<FreshnessPlan> {
        let empty = FreshnessSection::default();
        let section = ctx.config.file.freshness.as_ref().unwrap_or(&empty);
        let config = &ctx.config;
        let concurrency = config
            .flag("--concurrency", args.concurrency.as_ref())
            .or_key("freshness.concurrency", section.concurrency.as_ref())
            .check(|n| *n >= 1, "must be at least 1")?
            .map_or(DEFAULT_CONCURRENCY, |n| *n as usize);
        // Per check; the run's `--timeout` bounds every check as well (see retry.rs).
        let timeout = config
            .key::<str, String>("freshness.timeout", section.timeout.as_ref())
            .parse(parse_positive_duration)?
            .unwrap_or(DEFAULT_TIMEOUT);
        let remind_every = config
            .flag("--remind-every", args.remind_every.as_deref())
            .or_key("freshness.remind_every", section.remind_every.as_ref())
            .parse(parse_duration)?;
        let state = FileTarget::optional(
            config
                .flag("--state", args.state.as_deref())
                .or_key("freshness.state", section.state.as_ref())
                .labelled_path(),
        )?;
        let dbt_artifact =
            FileTarget::optional(flag_path("--write-dbt-artifact", &args.write_dbt_artifact))?;
        let checks = collect_checks(ctx, args, section)?;
        let scope = state_scope(ctx, args, state.as_ref().map(|t| t.path.as_path()));
        Ok(FreshnessPlan {
            checks,
            concurrency,
            timeout,
            remind_every,
            state,
            scope,
            dbt_artifact,
        })
    }
}

#[async_trait(?Send)]
impl Plan for FreshnessPlan {
    /// Measures every check and evaluates it; Slack hears about what is not passing, and with
    /// a state file only about what changed.
    async fn execute(self: Box<Self>, ctx: &Context) -> Result<Report> {
        let plan = *self;
        let checks = &plan.checks;
        let (measurements, calls) = measure(ctx, checks, plan.concurrency, plan.timeout).await?;
        if let Some(calls) = calls {
            tracing::info!("{calls} BigQuery API calls for {} checks", checks.len());
        }
        let results = checks
            .iter()
            .zip(measurements)
            .map(|(c, m)| evaluate(&c.unique_id, &c.criteria, m, ctx.now))
            .collect();
        let report = FreshnessReport::new(ctx.now, results);

        // Read, compare and (after the post) write under one lock: runs started together post
        // an alert once.
        let alerts = match &plan.state {
            Some(target) => {
                let lock = alert_state::lock(&target.path).await?;
                let store = alert_state::read(&target.path, &plan.scope, &|m| ctx.warn(m));
                let previous = store.scope(&plan.scope);
                let alerts = plan_alerts(&previous, &report.results, ctx.now, plan.remind_every);
                Some((alerts, store, lock))
            }
            None => None,
        };
        let alert_ids: Vec<String> = match &alerts {
            Some((alerts, ..)) => alerts.notify.clone(),
            None => report
                .results
                .iter()
                .filter(|r| r.status != Status::Pass)
                .map(|r| r.unique_id.clone())
                .collect(),
        };
        let mut out = Report::new(
            Report::document(&report)?,
            views::freshness::view(&report, None, ctx.tz),
            Verdict::violated_if(report.violated(ctx.strict)),
        );
        out.slack = if alert_ids.is_empty() {
            SlackView::Nothing
        } else {
            SlackView::Only(Box::new(views::freshness::view(
                &report,
                Some(&alert_ids),
                ctx.tz,
            )))
        };
        if let (Some(target), Some((alerts, store, lock))) = (plan.state, alerts) {
            out.artifacts.push(Artifact {
                target,
                content: Content::AlertState {
                    store: store.with_scope(&plan.scope, alerts.next),
                    lock,
                },
                after_post: true,
            });
        }
        if let Some(target) = plan.dbt_artifact {
            out.artifacts
                .push(Artifact::new(target, Content::DbtSources(report)));
        }
        Ok(out)
    }
}

impl Digestible for Freshness {
    const TABLE: &'static str = "freshness";
    const KIND: &'static str = "freshness";
    const TITLE: &'static str = "Data freshness";

    fn configured(config: &ConfigFile) -> bool {
        config.freshness.is_some()
    }

    fn describe(_plan: &FreshnessPlan) -> String {
        format!(
            "local files; BigQuery tables with {}",
            onboarding::google_credentials()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_named_from_the_state_files_folder() {
        let rel = |from: &str, to: &str| relative_path(Path::new(from), Path::new(to));
        assert_eq!(
            rel("/w/repo/.vitals", "/w/repo/vitals.toml"),
            Path::new("../vitals.toml")
        );
        assert_eq!(
            rel("/w/repo", "/w/repo/ops/vitals.toml"),
            Path::new("ops/vitals.toml")
        );
        assert_eq!(rel("/a/b", "/c/d.toml"), Path::new("../../c/d.toml"));
    }
}
