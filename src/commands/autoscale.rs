//! `vitals autoscale`: `simulate`/`tune` (a CPU trace from a CSV or CloudWatch and a policy →
//! the simulator → reports, a timeline CSV, a chart, Terraform variables), `show` (the live
//! setup) and `apply` (the plan from live to a policy file, made only with `--yes`). Each
//! subcommand is a [`Section`]; `simulate` is also the digest's autoscale section.

use std::path::PathBuf;

use async_trait::async_trait;
use rayon::prelude::*;

use crate::cli::{
    ApplyArgs, AutoscaleArgs, AutoscaleCommand, ServiceArgs, ShowArgs, SimulateArgs,
    SimulationArgs, TuneArgs,
};
use crate::commands::{
    blocking, flag_path, onboarding, parse_duration, Context, Digestible, Plan, Section,
};
use crate::config::{AutoscaleSection, ConfigFile};
use crate::domain::autoscale::plan::{self as changes, ManagedNames};
use crate::domain::autoscale::{
    self, live, simulate, simulate_figures, validate_trace, Policy, SimParams, SimulationReport,
    TraceRow,
};
use crate::domain::rfc3339;
use crate::error::{Error, ExitCode, Result};
use crate::report::export::Content;
use crate::report::{views, Artifact, Chart, FileTarget, Outputs, Report, Verdict};
use crate::sources::autoscale_files::{read_policy, read_trace};
use crate::sources::aws::{self, scaling};

/// How much CloudWatch history a live trace covers by default.
const DEFAULT_SINCE: chrono::Duration = chrono::Duration::days(14);

/// `task_startup_seconds` for a policy read from AWS, which does not store it.
const DEFAULT_TASK_STARTUP_SECONDS: u32 = 60;

fn section(ctx: &Context) -> Option<&AutoscaleSection> {
    ctx.config.file.autoscale.as_ref()
}

/// A path flag, else its `[autoscale]` key (resolved against the config's folder).
fn path_setting(
    ctx: &Context,
    flag: &'static str,
    value: &Option<PathBuf>,
    key: fn(&AutoscaleSection) -> &Option<toml::Spanned<PathBuf>>,
    key_name: &str,
) -> Option<PathBuf> {
    ctx.config
        .flag(flag, value.as_deref())
        .or_key(key_name, section(ctx).and_then(|s| key(s).as_ref()))
        .path()
}

/// An ECS service, named on the command line or in `[autoscale]`.
pub struct ServiceRef {
    pub cluster: String,
    pub service: String,
    pub region: Option<String>,
}

impl ServiceRef {
    /// The service the flags name, completed from the config; `None` when neither names one.
    fn resolve(ctx: &Context, args: &ServiceArgs) -> Result<Option<ServiceRef>> {
        let pick = |flag: &'static str,
                    value: &Option<String>,
                    key: fn(&AutoscaleSection) -> &Option<toml::Spanned<String>>,
                    key_name: &str| {
            ctx.config
                .flag(flag, value.as_deref())
                .or_key(key_name, section(ctx).and_then(|s| key(s).as_ref()))
                .owned()
        };
        match (
            pick(
                "--cluster",
                &args.cluster,
                |s| &s.cluster,
                "autoscale.cluster",
            ),
            pick(
                "--service",
                &args.service,
                |s| &s.service,
                "autoscale.service",
            ),
        ) {
            (Some(cluster), Some(service)) => Ok(Some(ServiceRef {
                cluster,
                service,
                region: pick("--region", &args.region, |s| &s.region, "autoscale.region"),
            })),
            (None, None) => Ok(None),
            (Some(_), None) => Err(Error::Usage(
                "--cluster needs --service (or [autoscale] service in the config)".into(),
            )),
            (None, Some(_)) => Err(Error::Usage(
                "--service needs --cluster (or [autoscale] cluster in the config)".into(),
            )),
        }
    }

    fn required(ctx: &Context, args: &ServiceArgs) -> Result<ServiceRef> {
        Self::resolve(ctx, args)?.ok_or_else(|| {
            Error::Usage(
                "name the ECS service: --cluster NAME --service NAME (or [autoscale] cluster \
                 and service in the config)"
                    .into(),
            )
        })
    }

    async fn connect(&self) -> Result<scaling::Service> {
        let config = aws::load_config(self.region.as_deref(), "autoscale", "--region").await?;
        Ok(scaling::Service::new(&config, &self.cluster, &self.service))
    }
}

/// Where a simulation's trace comes from.
pub enum TraceSource {
    File(PathBuf),
    CloudWatch {
        service: ServiceRef,
        since: chrono::Duration,
        /// `--save-trace`.
        save: Option<FileTarget>,
    },
}

/// A simulation's inputs, checked before anything is fetched (exit 2 on any mistake).
pub struct SimulationPlan {
    pub trace: TraceSource,
    /// `None`: the live service's own policy (`show --as-policy`'s reading of it).
    pub policy: Option<Policy>,
    pub params: SimParams,
}

type Inputs = (Vec<TraceRow>, Policy, SimParams);

impl SimulationPlan {
    /// The trace source, policy and parameters, validated (exit 2 before anything runs).
    fn new(ctx: &Context, sim: &SimulationArgs) -> Result<SimulationPlan> {
        // Flags win over the config; a trace file on the command line wins over a service.
        let service_flag = sim.live.cluster.is_some() || sim.live.service.is_some();
        let config_trace = || {
            ctx.config
                .key::<std::path::Path, _>(
                    "autoscale.trace",
                    section(ctx).and_then(|s| s.trace.as_ref()),
                )
                .path()
        };
        let trace = if let Some(path) = &sim.trace {
            TraceSource::File(path.clone())
        } else if service_flag {
            live_source(ctx, sim, ServiceRef::required(ctx, &sim.live)?)?
        } else if let Some(path) = config_trace() {
            TraceSource::File(path)
        } else if let Some(service) = ServiceRef::resolve(ctx, &sim.live)? {
            live_source(ctx, sim, service)?
        } else {
            return Err(Error::Usage(
                "autoscale needs --trace FILE.csv or --cluster/--service (or [autoscale] trace, \
                 or cluster and service, in the config)"
                    .into(),
            ));
        };
        if let TraceSource::File(path) = &trace {
            // Read when the plan runs; a missing or non-regular file is bad input now.
            crate::fs::check_input(path)
                .map_err(|why| Error::Usage(format!("{}: {why}", path.display())))?;
        }
        let policy = match path_setting(
            ctx,
            "--policy",
            &sim.policy,
            |s| &s.policy,
            "autoscale.policy",
        ) {
            Some(path) => Some(read_policy(&path)?),
            None if matches!(trace, TraceSource::CloudWatch { .. }) => None,
            None => {
                return Err(Error::Usage(
                    "autoscale needs --policy FILE.toml (or [autoscale] policy in the config)"
                        .into(),
                ))
            }
        };
        let mut params = SimParams::default();
        if let Some(v) = sim.overload {
            params.overload_threshold = v;
        }
        if let Some(v) = sim.cpu_ceiling {
            params.cpu_ceiling = v;
        }
        if let Some(v) = sim.metric_delay {
            params.metric_delay_seconds = v;
        }
        params.validate().map_err(Error::Usage)?;
        Ok(SimulationPlan {
            trace,
            policy,
            params,
        })
    }

    /// Reads the trace (fetching it when it lives in CloudWatch) and, if the plan has none,
    /// the live policy; a fetched trace is returned for `--save-trace` too.
    async fn load(self, ctx: &Context) -> Result<(Inputs, Option<Artifact>)> {
        let (trace, live_policy, saved) = match self.trace {
            TraceSource::File(path) => {
                let (trace, filled, path) = blocking(move || {
                    let (trace, filled) = read_trace(&path)?;
                    Ok((trace, filled, path))
                })
                .await?;
                if filled > 0 {
                    ctx.warn(&format!(
                        "{}: {filled} missing minutes filled by carrying the previous minute forward",
                        path.display()
                    ));
                }
                (trace, None, None)
            }
            TraceSource::CloudWatch {
                service,
                since,
                save,
            } => {
                let (trace, live_policy) =
                    fetch_trace(ctx, &service, since, self.policy.is_none()).await?;
                let saved = save.map(|target| Artifact::new(target, Content::Trace(trace.clone())));
                (trace, live_policy, saved)
            }
        };
        let policy = match (self.policy, live_policy) {
            (Some(p), _) => p,
            (None, Some(p)) => p,
            (None, None) => return Err(Error::Usage("autoscale needs --policy FILE.toml".into())),
        };
        Ok(((trace, policy, self.params), saved))
    }
}

fn live_source(ctx: &Context, sim: &SimulationArgs, service: ServiceRef) -> Result<TraceSource> {
    let since = ctx
        .config
        .flag("--since", sim.since.as_deref())
        .or_key(
            "autoscale.since",
            section(ctx).and_then(|s| s.since.as_ref()),
        )
        .parse(parse_duration)?
        .unwrap_or(DEFAULT_SINCE);
    let save = FileTarget::optional(flag_path("--save-trace", &sim.save_trace))?;
    Ok(TraceSource::CloudWatch {
        service,
        since,
        save,
    })
}

/// The trace from CloudWatch, gaps filled as a CSV's would be; with `want_policy`, also the
/// service's live policy.
async fn fetch_trace(
    ctx: &Context,
    service: &ServiceRef,
    since: chrono::Duration,
    want_policy: bool,
) -> Result<(Vec<TraceRow>, Option<Policy>)> {
    let aws = service.connect().await?;
    // The whole live setup only when its policy is simulated; otherwise the task count (the
    // stand-in when Container Insights is off) is one call.
    let (policy, running) = if want_policy {
        let setup = aws.read_setup().await?;
        let (policy, notes) = live::as_policy(&setup, DEFAULT_TASK_STARTUP_SECONDS)
            .map_err(|e| Error::Usage(format!("no --policy given, and {e}")))?;
        ctx.warn(&format!(
            "no --policy: simulating {}'s live policy ({})",
            setup.resource_id,
            views::autoscale::describe(&policy)
        ));
        for note in notes {
            ctx.warn(&note);
        }
        (Some(policy), setup.service.map_or(0, |s| s.running))
    } else {
        (None, aws.counts().await?.running)
    };
    let progress = crate::progress::Progress::spinner("reading CloudWatch", ctx.quiet);
    let fetched = aws::trace::fetch(
        aws.cloudwatch(),
        &service.cluster,
        &service.service,
        ctx.now - since,
        ctx.now,
        running.max(1),
    )
    .await;
    progress.finish();
    let fetched = fetched?;
    let name = format!("{}/{}", service.cluster, service.service);
    if fetched.clipped {
        ctx.warn(&format!(
            "{name}: CloudWatch keeps one-minute datapoints for {} days: the trace starts at {}",
            aws::trace::ONE_MINUTE_RETENTION_DAYS,
            rfc3339::format(&fetched.start)
        ));
    }
    if let Some(n) = fetched.tasks_assumed {
        ctx.warn(&format!(
            "{name}: no ECS/ContainerInsights RunningTaskCount (is Container Insights on?): \
             assuming the current {n} running tasks for every minute"
        ));
    }
    if fetched.rows.is_empty() {
        return Err(Error::Usage(format!(
            "{name}: CloudWatch has no CPUUtilization datapoints since {}",
            rfc3339::format(&fetched.start)
        )));
    }
    let filled = validate_trace(&fetched.rows)
        .map_err(|e| Error::Usage(format!("{name}: CloudWatch trace: {e}")))?;
    let gaps = filled.len() - fetched.rows.len();
    if gaps > 0 {
        ctx.warn(&format!(
            "{name}: {gaps} minutes without a datapoint filled by carrying the previous minute forward"
        ));
    }
    tracing::info!(
        "{name}: {} minutes in {} GetMetricData calls",
        filled.len(),
        fetched.calls
    );
    Ok((filled, policy))
}

/// `vitals autoscale simulate` (and the digest's autoscale section).
pub struct Simulate;

pub struct SimulatePlan {
    simulation: SimulationPlan,
    timeline: Option<FileTarget>,
    chart: Option<FileTarget>,
}

impl Section for Simulate {
    type Args = SimulateArgs;
    type Plan = SimulatePlan;

    fn plan(ctx: &Context, args: &SimulateArgs) -> Result<SimulatePlan> {
        Ok(SimulatePlan {
            simulation: SimulationPlan::new(ctx, &args.sim)?,
            timeline: FileTarget::optional(flag_path("--timeline", &args.timeline))?,
            chart: FileTarget::optional_chart(flag_path("--chart", &args.chart))?,
        })
    }
}

#[async_trait(?Send)]
impl Plan for SimulatePlan {
    async fn execute(self: Box<Self>, ctx: &Context) -> Result<Report> {
        let SimulatePlan {
            simulation,
            timeline,
            chart,
        } = *self;
        let ((trace, policy, params), saved) = simulation.load(ctx).await?;
        // One simulation with its per-minute timeline is milliseconds: always recorded, so
        // the chart is there for a file and for the digest's Slack upload alike.
        let (simulation, policy) = blocking(move || {
            let simulation = simulate(&policy, &trace, &params);
            Ok((simulation, policy))
        })
        .await?;
        let mut artifacts: Vec<Artifact> = saved.into_iter().collect();
        if let Some(target) = timeline {
            artifacts.push(Artifact::new(
                target,
                Content::Timeline(simulation.timeline.clone()),
            ));
        }
        let chart = Chart::new(
            "autoscale",
            "Autoscaling simulation: CPU and tasks per minute",
            views::autoscale::chart(&simulation, &policy, ctx.tz),
            chart,
        );
        let report = SimulationReport::new(ctx.now, simulation);
        let mut out = Report::new(
            Report::document(&report)?,
            views::autoscale::simulation_view(&report, &policy, ctx.tz),
            Verdict::Met,
        );
        out.artifacts = artifacts;
        out.charts.push(chart);
        Ok(out)
    }
}

impl Digestible for Simulate {
    const TABLE: &'static str = "autoscale";
    const KIND: &'static str = "autoscale_simulation";
    const TITLE: &'static str = "Autoscaling";

    fn configured(config: &ConfigFile) -> bool {
        config.autoscale.is_some()
    }

    fn describe(plan: &SimulatePlan) -> String {
        match &plan.simulation.trace {
            TraceSource::File(_) => "the trace and policy files".into(),
            TraceSource::CloudWatch { service, .. } => format!(
                "ECS service {}/{} (CloudWatch, Application Auto Scaling) with {}",
                service.cluster,
                service.service,
                onboarding::aws_credentials()
            ),
        }
    }
}

/// `vitals autoscale tune`.
pub struct Tune;

pub struct TunePlan {
    simulation: SimulationPlan,
    max_overload_minutes: Option<usize>,
    max_recovery_minutes: Option<usize>,
    emit_terraform: Option<FileTarget>,
}

impl Section for Tune {
    type Args = TuneArgs;
    type Plan = TunePlan;

    fn plan(ctx: &Context, args: &TuneArgs) -> Result<TunePlan> {
        Ok(TunePlan {
            simulation: SimulationPlan::new(ctx, &args.sim)?,
            max_overload_minutes: args.max_overload_minutes,
            max_recovery_minutes: args.max_recovery_minutes,
            emit_terraform: FileTarget::optional(flag_path(
                "--emit-terraform",
                &args.emit_terraform,
            ))?,
        })
    }
}

#[async_trait(?Send)]
impl Plan for TunePlan {
    async fn execute(self: Box<Self>, ctx: &Context) -> Result<Report> {
        let plan = *self;
        let ((trace, policy, params), saved) = plan.simulation.load(ctx).await?;
        let candidates = autoscale::tuner::candidates(&policy);
        let progress = std::sync::Arc::new(crate::progress::Progress::items(
            "simulating",
            candidates.len() as u64,
            "policies",
            ctx.quiet,
        ));
        let started = std::time::Instant::now();
        let minutes = trace.len();
        // Thousands of simulations: rayon's pool, from a blocking thread.
        let counter = progress.clone();
        let evaluated: Vec<(Policy, autoscale::Simulation)> = blocking(move || {
            Ok(candidates
                .into_par_iter()
                .map(|p| {
                    let figures = simulate_figures(&p, &trace, &params);
                    counter.advance(1);
                    (p, figures)
                })
                .collect())
        })
        .await?;
        progress.finish();
        let seconds = started.elapsed().as_secs_f64();
        if !ctx.quiet {
            eprintln!(
                "tune: {} policies × {minutes} minutes in {seconds:.2} s ({:.1} M simulated minutes/s)",
                evaluated.len(),
                evaluated.len() as f64 * minutes as f64 / seconds / 1e6
            );
        }
        let current = &evaluated[0].1;
        let limits = autoscale::tuner::Limits {
            max_overload_minutes: plan
                .max_overload_minutes
                .unwrap_or(current.overload_minutes),
            max_recovery_minutes: plan
                .max_recovery_minutes
                .unwrap_or_else(|| autoscale::tuner::worst_recovery(current)),
        };
        let tuning = autoscale::tuner::choose(&evaluated, limits)
            .ok_or_else(|| Error::Usage("tune: no candidates".into()))?;
        let mut out = Report::new(
            Report::document_of_kind("autoscale_tuning", &ctx.now, &tuning)?,
            views::autoscale::tuning_view(&tuning),
            Verdict::Met,
        );
        out.artifacts.extend(saved);
        if let Some(target) = plan.emit_terraform {
            out.artifacts.push(Artifact::new(
                target,
                Content::TerraformVars(tuning.best.policy.clone()),
            ));
        }
        Ok(out)
    }
}

/// `vitals autoscale show`.
pub struct Show;

pub struct ShowPlan {
    service: ServiceRef,
    as_policy: Option<FileTarget>,
    task_startup_seconds: u32,
}

impl Section for Show {
    type Args = ShowArgs;
    type Plan = ShowPlan;

    fn plan(ctx: &Context, args: &ShowArgs) -> Result<ShowPlan> {
        Ok(ShowPlan {
            service: ServiceRef::required(ctx, &args.target)?,
            as_policy: FileTarget::optional(flag_path("--as-policy", &args.as_policy))?,
            task_startup_seconds: args.task_startup_seconds,
        })
    }
}

#[async_trait(?Send)]
impl Plan for ShowPlan {
    async fn execute(self: Box<Self>, ctx: &Context) -> Result<Report> {
        let progress = crate::progress::Progress::spinner("reading the scaling setup", ctx.quiet);
        let setup = self.service.connect().await?.read_setup().await;
        progress.finish();
        let setup = setup?;
        let mut out = Report::new(
            Report::document_of_kind("autoscale_setup", &ctx.now, &setup)?,
            views::autoscale_live::setup_view(&setup),
            Verdict::Met,
        );
        if let Some(target) = self.as_policy {
            let (policy, notes) =
                live::as_policy(&setup, self.task_startup_seconds).map_err(Error::Usage)?;
            for note in &notes {
                ctx.warn(note);
            }
            let comment = format!(
                "# {} as of {}, read by `vitals autoscale show`.\n\
                 # task_startup_seconds is not an AWS setting: measure it (desired count up -> task serving).\n",
                setup.resource_id,
                rfc3339::format(&ctx.now),
            );
            out.artifacts.push(Artifact::new(
                target,
                Content::PolicyFile { comment, policy },
            ));
        }
        Ok(out)
    }
}

/// `vitals autoscale apply`.
pub struct Apply;

pub struct ApplyPlan {
    service: ServiceRef,
    policy_path: PathBuf,
    desired: Policy,
    yes: bool,
}

impl Section for Apply {
    type Args = ApplyArgs;
    type Plan = ApplyPlan;

    fn plan(ctx: &Context, args: &ApplyArgs) -> Result<ApplyPlan> {
        let service = ServiceRef::required(ctx, &args.target)?;
        let policy_path = path_setting(
            ctx,
            "--policy",
            &args.policy,
            |s| &s.policy,
            "autoscale.policy",
        )
        .ok_or_else(|| {
            Error::Usage(
                "apply needs --policy FILE.toml (or [autoscale] policy in the config)".into(),
            )
        })?;
        let desired = read_policy(&policy_path)?;
        Ok(ApplyPlan {
            service,
            policy_path,
            desired,
            yes: args.yes,
        })
    }
}

#[async_trait(?Send)]
impl Plan for ApplyPlan {
    async fn execute(self: Box<Self>, ctx: &Context) -> Result<Report> {
        let names = ManagedNames::for_service(&self.service.service);
        let aws = self.service.connect().await?;
        let live = aws.read_setup().await?;
        let plan = changes::plan(&live, &self.desired, &names);
        let unmanaged = changes::unmanaged(&live, &names);
        let applied = if self.yes && !plan.is_empty() {
            let progress = crate::progress::Progress::spinner("applying", ctx.quiet);
            let result = aws.apply(&plan, &self.desired, &names).await;
            progress.finish();
            result?
        } else {
            0
        };
        let document = serde_json::json!({
            "kind": "autoscale_plan",
            "generated_at": rfc3339::format(&ctx.now),
            "resource_id": live.resource_id,
            "policy_file": self.policy_path.display().to_string(),
            "changes": plan,
            "applied": self.yes && !plan.is_empty(),
            "unmanaged_policies": unmanaged,
        });
        Ok(Report::new(
            document,
            views::autoscale_live::plan_view(
                &live.resource_id,
                &plan,
                &unmanaged,
                self.yes,
                applied,
            ),
            Verdict::Met,
        ))
    }
}

pub async fn run(ctx: &Context, outputs: Outputs, args: &AutoscaleArgs) -> Result<ExitCode> {
    match &args.command {
        AutoscaleCommand::Simulate(simulate) => {
            super::run::<Simulate>(ctx, outputs, simulate).await
        }
        AutoscaleCommand::Tune(tune) => super::run::<Tune>(ctx, outputs, tune).await,
        AutoscaleCommand::Show(show) => super::run::<Show>(ctx, outputs, show).await,
        AutoscaleCommand::Apply(apply) => super::run::<Apply>(ctx, outputs, apply).await,
    }
}
