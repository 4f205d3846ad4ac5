//! `vitals four-keys`: deployments (git deploy tags, a deployments CSV, or GitHub), their
//! change sets and incidents (CSV or GitHub issues) → the four-keys domain → reports.

use std::collections::HashMap;
use std::path::PathBuf;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use regex::Regex;

use crate::cli::{CommitTimeArg, CrashFreeArgs, FailuresFromArg, FourKeysArgs, LeadTimeStartArg};
use crate::commands::crash_free::{CrashFree, CrashFreePlan};
use crate::commands::slo::SloSpecs;
use crate::commands::{blocking, flag_path, parse_duration, Context, Digestible, Plan, Section};
use crate::config::{ConfigFile, FourKeysSection};
use crate::domain::crash_free::{ReleaseHealth, ReleaseWindow};
use crate::domain::four_keys::{
    assess, before_window, evaluate_assessed, Assessment, Deployment, FailuresFrom, ImpactOptions,
    Incident, Options, SloTrack,
};
use crate::domain::slo::SpendLedger;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::report::{views, Chart, FileTarget, Report, Verdict};
use crate::sources::git::{self, CommitTime, DeployRecord, GitQuery};
use crate::sources::github::{self, DeploySource, GitHubQuery, LeadTimeStart};
use crate::sources::SourceError;

const DEFAULT_SINCE: chrono::Duration = chrono::Duration::days(90);

/// `vitals four-keys`.
pub struct FourKeys;

/// Where deployments and change sets come from.
enum Source {
    GitHub(GitHubQuery),
    Git(GitWalk),
}

/// Deployments from a local repository: its tags, or the records of `--deployments`, with
/// change sets from its history.
struct GitWalk {
    repo: PathBuf,
    tag_glob: String,
    /// `--deployments`: the file and its records (else the tags matching `tag_glob`).
    records: Option<(PathBuf, Vec<DeployRecord>)>,
    hotfix: glob::Pattern,
    commit_time: CommitTime,
    changes_since: chrono::DateTime<chrono::Utc>,
    /// `--path` prefixes: changes touching none of them are left out.
    paths: Vec<String>,
}

impl GitWalk {
    /// The deployments, and warnings (none found; a `--path` no tree has). A libgit2 walk of a
    /// large history is long CPU work: callers run this on a blocking thread.
    fn run(self) -> Result<(Vec<Deployment>, Vec<String>)> {
        let query = GitQuery {
            tag_glob: &self.tag_glob,
            hotfix: Some(&self.hotfix),
            commit_time: self.commit_time,
            changes_since: self.changes_since,
            with_paths: !self.paths.is_empty(),
        };
        let (deployments, none) = match &self.records {
            Some((csv, records)) => (
                git::recorded_deployments(&self.repo, records, &query)?,
                format!("{}: no deployments: every metric is empty", csv.display()),
            ),
            None => (
                git::deployments(&self.repo, &query)?,
                format!(
                    "{}: no tags match {:?}: every metric is empty",
                    self.repo.display(),
                    self.tag_glob
                ),
            ),
        };
        if deployments.is_empty() {
            return Ok((deployments, vec![none]));
        }
        // A `--path` no tree has would filter out every change in silence.
        let warnings = git::paths_in_no_tree(&self.repo, &deployments, &self.paths)?
            .into_iter()
            .map(|p| {
                format!(
                    "--path {p:?} matches no file in any deployment's tree in {}: no change \
                     can pass it",
                    self.repo.display()
                )
            })
            .collect();
        Ok((deployments, warnings))
    }
}

/// Every setting resolved and the CSVs read and checked, before the repository or GitHub is
/// touched: `digest` and `config check` run it before anything else.
pub struct FourKeysPlan {
    since: chrono::Duration,
    chart: Option<FileTarget>,
    paths: Vec<String>,
    csv_incidents: Option<Vec<Incident>>,
    source: Source,
    impact: Option<ImpactPlan>,
}

/// `--impact`: the SLO specs read and validated, and how deployments are judged.
struct ImpactPlan {
    specs: SloSpecs,
    options: ImpactOptions,
    failures_from: FailuresFrom,
    /// `version_from_tag` with a `[crash_free]` section.
    releases: Option<ReleasePlan>,
}

/// Crash-free users per released version.
struct ReleasePlan {
    version_from_tag: Regex,
    crash_free: CrashFreePlan,
}

impl Section for FourKeys {
    type Args = FourKeysArgs;
    type Plan = FourKeysPlan;

    fn plan(ctx: &Context, args: &FourKeysArgs) -> Result<FourKeysPlan> {
        let empty = FourKeysSection::default();
        let c = ctx.config.file.four_keys.as_ref().unwrap_or(&empty);
        let config = &ctx.config;

        let since = config
            .flag("--since", args.since.as_deref())
            .or_key("four_keys.since", c.since.as_ref())
            .parse(parse_duration)?
            .unwrap_or(DEFAULT_SINCE);
        let hotfix = config
            .flag("--hotfix-pattern", args.hotfix_pattern.as_deref())
            .or_key("four_keys.hotfix_pattern", c.hotfix_pattern.as_ref())
            .parse(|text| glob::Pattern::new(text).map_err(|e| format!("{text:?}: {}", e.msg)))?
            .unwrap_or_else(|| glob::Pattern::new("*hotfix*").expect("a valid glob"));
        let csv_incidents = config
            .flag("--incidents", args.incidents.as_deref())
            .or_key("four_keys.incidents", c.incidents.as_ref())
            .path()
            .map(|p| git::incidents(&p))
            .transpose()?;
        let records = config
            .flag("--deployments", args.deployments.as_deref())
            .or_key("four_keys.deployments", c.deployments.as_ref())
            .path()
            .map(|csv| git::deploy_records(&csv).map(|records| (csv, records)))
            .transpose()?;
        let lead_time_start = match args.lead_time_start {
            Some(arg) => arg,
            None => config
                .key::<str, _>("four_keys.lead_time_start", c.lead_time_start.as_ref())
                .parse(|text| match text {
                    "commit" => Ok(LeadTimeStartArg::Commit),
                    "first-commit" => Ok(LeadTimeStartArg::FirstCommit),
                    "pr-opened" => Ok(LeadTimeStartArg::PrOpened),
                    other => Err(format!(
                        "{other:?} is not commit, first-commit or pr-opened"
                    )),
                })?
                .unwrap_or_default(),
        };
        let commit_time = match args.commit_time {
            CommitTimeArg::Committer => CommitTime::Committer,
            CommitTimeArg::Author => CommitTime::Author,
        };

        // The previous window is reported too, so changes are listed back to its start.
        let changes_since = ctx.now - since - since;
        let with_paths = !args.paths.is_empty();
        // A `--git` or `--deployments` flag means the local source even when the config names
        // a GitHub repository.
        let local_flag = args.git.is_some() || args.deployments.is_some();
        let github_repo = match &args.github {
            Some(repo) => Some(repo.clone()),
            None if local_flag => None,
            None => c.github.as_ref().map(|r| r.get_ref().clone()),
        };
        let source = match github_repo {
            Some(repo) => {
                let workflow = config
                    .flag("--deploy-workflow", args.deploy_workflow.as_deref())
                    .or_key("four_keys.deploy_workflow", c.deploy_workflow.as_ref());
                let deploys = match workflow.owned() {
                    Some(file) => DeploySource::Workflow(file),
                    None => DeploySource::Environment(
                        config
                            .flag("--environment", args.environment.as_deref())
                            .or_key("four_keys.environment", c.environment.as_ref())
                            .owned()
                            .unwrap_or_else(|| "production".into()),
                    ),
                };
                let incident_label = csv_incidents.is_none().then(|| {
                    config
                        .flag("--incident-label", args.incident_label.as_deref())
                        .or_key("four_keys.incident_label", c.incident_label.as_ref())
                        .owned()
                        .unwrap_or_else(|| "incident".into())
                });
                Source::GitHub(GitHubQuery {
                    repo,
                    api_url: config
                        .flag("--github-api-url", args.github_api_url.as_deref())
                        .or_key("four_keys.github_api_url", c.github_api_url.as_ref())
                        .owned()
                        .unwrap_or_else(|| "https://api.github.com".into()),
                    token: github::token_from_env(),
                    cache_dir: config
                        .flag("--cache-dir", args.cache_dir.as_deref())
                        .or_key("four_keys.cache_dir", c.cache_dir.as_ref())
                        .path(),
                    source: deploys,
                    lead_time_start: match lead_time_start {
                        LeadTimeStartArg::Commit => LeadTimeStart::Commit,
                        LeadTimeStartArg::FirstCommit => LeadTimeStart::FirstCommit,
                        LeadTimeStartArg::PrOpened => LeadTimeStart::PrOpened,
                    },
                    commit_time,
                    hotfix: Some(hotfix),
                    changes_since,
                    with_paths,
                    incident_label,
                })
            }
            None => Source::Git(GitWalk {
                repo: config
                    .flag("--git", args.git.as_deref())
                    .or_key("four_keys.git", c.git.as_ref())
                    .path()
                    .unwrap_or_else(|| PathBuf::from(".")),
                tag_glob: config
                    .flag("--deploy-tag", args.deploy_tag.as_deref())
                    .or_key("four_keys.deploy_tag", c.deploy_tag.as_ref())
                    .parse(crate::sources::git::tag_glob)?
                    .unwrap_or_else(|| "deploy/*".into()),
                records,
                hotfix,
                commit_time,
                changes_since,
                paths: args.paths.clone(),
            }),
        };
        Ok(FourKeysPlan {
            since,
            chart: FileTarget::optional_chart(flag_path("--chart", &args.chart))?,
            paths: args.paths.clone(),
            csv_incidents,
            source,
            impact: impact_plan(ctx, args, c)?,
        })
    }
}

/// `--impact` and its settings; the flags that only mean something with it are refused
/// without it.
fn impact_plan(
    ctx: &Context,
    args: &FourKeysArgs,
    c: &FourKeysSection,
) -> Result<Option<ImpactPlan>> {
    let config = &ctx.config;
    let wanted = args.impact
        || config
            .key::<bool, _>("four_keys.impact", c.impact.as_ref())
            .value()
            .copied()
            .unwrap_or(false);
    if !wanted {
        let stray = [
            (!args.spec.is_empty(), "--spec"),
            (args.impact_window.is_some(), "--impact-window"),
            (args.impact_threshold.is_some(), "--impact-threshold"),
            (args.failures_from.is_some(), "--failures-from"),
            (args.version_from_tag.is_some(), "--version-from-tag"),
        ];
        if let Some((_, flag)) = stray.iter().find(|(given, _)| *given) {
            return Err(Error::Usage(format!(
                "{flag}: needs --impact (or [four_keys] impact = true)"
            )));
        }
        return Ok(None);
    }
    if args.spec.is_empty() && config.file.slo.is_none() {
        return Err(Error::Usage(
            "--impact needs SLOs: an [slo] section in the config, or --spec FILE…".into(),
        ));
    }
    let specs = SloSpecs::load(ctx, &args.spec)?;
    let window = config
        .flag("--impact-window", args.impact_window.as_deref())
        .or_key("four_keys.impact_window", c.impact_window.as_ref())
        .parse(parse_duration)?;
    let threshold = config
        .flag("--impact-threshold", args.impact_threshold.as_ref())
        .or_key("four_keys.impact_threshold", c.impact_threshold.as_ref())
        .check(
            |t| t.is_finite() && *t > 0.0,
            "must be a burn rate above 0, e.g. 6",
        )?
        .copied();
    let defaults = ImpactOptions::default();
    let options = ImpactOptions {
        window: window.unwrap_or(defaults.window),
        threshold: threshold.unwrap_or(defaults.threshold),
    };
    let failures_from = match args.failures_from {
        Some(FailuresFromArg::Incidents) => FailuresFrom::Incidents,
        Some(FailuresFromArg::Slo) => FailuresFrom::Slo,
        Some(FailuresFromArg::Both) => FailuresFrom::Both,
        None => config
            .key::<str, _>("four_keys.failures_from", c.failures_from.as_ref())
            .parse(|text| match text {
                "incidents" => Ok(FailuresFrom::Incidents),
                "slo" => Ok(FailuresFrom::Slo),
                "both" => Ok(FailuresFrom::Both),
                other => Err(format!("{other:?} is not incidents, slo or both")),
            })?
            .unwrap_or_default(),
    };
    let version_from_tag = config
        .flag("--version-from-tag", args.version_from_tag.as_deref())
        .or_key("four_keys.version_from_tag", c.version_from_tag.as_ref())
        .sourced();
    let releases = match version_from_tag {
        None => None,
        Some(setting) => {
            let origin = setting.origin;
            let regex = version_regex(setting.value).map_err(|e| origin.error(e))?;
            if config.file.crash_free.is_none() {
                return Err(origin.error(
                    "needs a [crash_free] section: the versions' crash-free users come from it",
                ));
            }
            let crash_free = CrashFree::plan(ctx, &CrashFreeArgs::default())?;
            Some(ReleasePlan {
                version_from_tag: regex,
                crash_free,
            })
        }
    };
    Ok(Some(ImpactPlan {
        specs,
        options,
        failures_from,
        releases,
    }))
}

/// `version_from_tag`: a regex whose one capture group is the version.
fn version_regex(text: &str) -> std::result::Result<Regex, String> {
    let regex = Regex::new(text).map_err(|e| {
        format!(
            "{text:?} is not a regex: {}",
            e.to_string().replace('\n', " ")
        )
    })?;
    match regex.captures_len() - 1 {
        1 => Ok(regex),
        n => Err(format!(
            "{text:?} has {n} capture groups; it needs exactly one, the version (e.g. \"v(.*)\")"
        )),
    }
}

impl ImpactPlan {
    /// Assesses every deployment in the window and the one before it (so that
    /// `--failures-from` grades both alike), by input position. `names` gives a deployment's
    /// other names (GitHub refs) for `version_from_tag`.
    async fn assess(
        &self,
        ctx: &Context,
        deployments: &[Deployment],
        names: &HashMap<String, Vec<String>>,
        since: Duration,
    ) -> Result<Vec<Option<Assessment>>> {
        let now = ctx.now;
        let from = now - since - since;
        let assessed: Vec<usize> = (0..deployments.len())
            .filter(|&i| (from..now).contains(&deployments[i].deployed_at))
            .collect();
        let Some(earliest) = assessed.iter().map(|&i| deployments[i].deployed_at).min() else {
            return Ok(vec![None; deployments.len()]);
        };
        let data_from = earliest - before_window();
        let fetched = self.specs.fetch(ctx, Some(data_from)).await?;
        let releases = match &self.releases {
            Some(plan) => Some(plan.health(ctx, deployments, &assessed, names).await?),
            None => None,
        };
        let options = self.options;
        let times: Vec<DateTime<Utc>> = deployments.iter().map(|d| d.deployed_at).collect();
        blocking(move || {
            let tracks = fetched
                .iter()
                .map(|o| {
                    let result = o.evaluate(now)?;
                    let ledger = SpendLedger::new(&o.objective, &o.series, data_from, now)
                        .map_err(|e| SourceError::Input(format!("{}: {e}", o.origin)))?;
                    Ok(SloTrack {
                        slo: o.objective.name.clone(),
                        objective: o.objective.objective.clone(),
                        ledger,
                        allowed_bad: result.error_budget.allowed_bad,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let mut releases = releases.unwrap_or_default();
            let mut out = vec![None; times.len()];
            for &i in &assessed {
                let crash_free = releases.remove(&i);
                out[i] = Some(assess(times[i], &tracks, crash_free, options, now));
            }
            Ok(out)
        })
        .await
    }
}

impl ReleasePlan {
    /// The version each assessed deployment's tag names, and its crash-free users over the
    /// release window, by deployment position.
    async fn health(
        &self,
        ctx: &Context,
        deployments: &[Deployment],
        assessed: &[usize],
        names: &HashMap<String, Vec<String>>,
    ) -> Result<HashMap<usize, Vec<ReleaseHealth>>> {
        let mut which = Vec::new();
        let mut windows = Vec::new();
        for &i in assessed {
            let d = &deployments[i];
            let aliases = names.get(&d.id).into_iter().flatten();
            let version = std::iter::once(&d.id)
                .chain(aliases)
                .find_map(|name| Some(self.version_from_tag.captures(name)?.get(1)?.as_str()));
            if let Some(version) = version {
                which.push(i);
                windows.push(ReleaseWindow::after(
                    version,
                    d.deployed_at,
                    ctx.now,
                    ctx.tz,
                ));
            }
        }
        let health = self.crash_free.releases(ctx, windows).await?;
        Ok(which.into_iter().zip(health).collect())
    }
}

#[async_trait(?Send)]
impl Plan for FourKeysPlan {
    /// Reads deployments and incidents (from the repository and files, or from GitHub) and
    /// builds the report.
    async fn execute(self: Box<Self>, ctx: &Context) -> Result<Report> {
        let FourKeysPlan {
            since,
            chart,
            paths,
            csv_incidents,
            source,
            impact,
        } = *self;
        // A GitHub deployment's ref (say a tag) names it too, for `version_from_tag`.
        let mut names: HashMap<String, Vec<String>> = HashMap::new();
        let (deployments, incidents): (Vec<Deployment>, Vec<Incident>) = match source {
            Source::GitHub(query) => {
                let progress = Progress::counter("fetching from GitHub", "requests", ctx.quiet);
                let fetched = github::fetch(&query, &progress).await;
                progress.finish();
                let fetched = fetched?;
                if fetched.deployments.is_empty() {
                    ctx.warn(&format!(
                        "{}: no successful deployments ({}): every metric is empty",
                        query.repo,
                        query.source.describe()
                    ));
                }
                let incidents = match csv_incidents {
                    Some(rows) => github::resolve_aliases(rows, &fetched.aliases),
                    None => fetched.incidents,
                };
                for (alias, id) in &fetched.aliases {
                    names.entry(id.clone()).or_default().push(alias.clone());
                }
                (fetched.deployments, incidents)
            }
            Source::Git(walk) => {
                let (deployments, warnings) = blocking(move || walk.run()).await?;
                for warning in &warnings {
                    ctx.warn(warning);
                }
                (deployments, csv_incidents.unwrap_or_default())
            }
        };
        let assessments = match &impact {
            Some(plan) => Some(plan.assess(ctx, &deployments, &names, since).await?),
            None => None,
        };
        let options = Options {
            since,
            paths,
            tz: ctx.tz,
            failures_from: impact.map(|i| i.failures_from).unwrap_or_default(),
        };
        let now = ctx.now;
        let report = blocking(move || {
            evaluate_assessed(
                &deployments,
                &incidents,
                assessments.as_deref(),
                &options,
                now,
            )
            .map_err(Error::Usage)
        })
        .await?;
        for warning in &report.warnings {
            ctx.warn(warning);
        }
        let mut out = Report::new(
            Report::document(&report)?,
            views::four_keys::view(&report, ctx.tz),
            Verdict::Met,
        );
        out.charts.push(Chart::new(
            "four-keys",
            "Four keys, weekly",
            views::four_keys::chart(&report, ctx.tz.name()),
            chart,
        ));
        Ok(out)
    }
}

impl Digestible for FourKeys {
    const TABLE: &'static str = "four_keys";
    const KIND: &'static str = "four_keys";
    const TITLE: &'static str = "Four keys";

    fn configured(config: &ConfigFile) -> bool {
        config.four_keys.is_some()
    }

    fn describe(plan: &FourKeysPlan) -> String {
        match &plan.source {
            Source::GitHub(query) => format!(
                "GitHub {} with {}",
                query.repo,
                if query.token.is_some() {
                    "GITHUB_TOKEN"
                } else {
                    "no token (GITHUB_TOKEN unset: public repositories only, 60 requests an hour)"
                }
            ),
            Source::Git(_) => "the local git repository and incidents CSV (no credentials)".into(),
        }
    }
}
