//! `vitals autoscale`: `simulate`/`tune` (a CPU trace from a CSV or CloudWatch and a policy →
//! the simulator → reports, a timeline CSV, a chart, Terraform variables), `show` (the live
//! setup) and `apply` (the plan from live to a policy file, made only with `--yes`).

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::cli::{
    ApplyArgs, AutoscaleArgs, AutoscaleCommand, ServiceArgs, ShowArgs, SimulationArgs, TuneArgs,
};
use crate::commands::{parse_duration, write_atomically, Context};
use crate::config::AutoscaleSection;
use crate::domain::autoscale::plan::{self as changes, ManagedNames};
use crate::domain::autoscale::{
    self, live, simulate, simulate_figures, validate_trace, Policy, SimParams, SimulationReport,
    TraceRow,
};
use crate::domain::rfc3339;
use crate::error::{Error, ExitCode, Result};
use crate::report::{chart, views, Report};
use crate::sources::autoscale_files::{read_policy, read_trace};
use crate::sources::aws::{self, scaling};

/// `task_startup_seconds` for a policy read from AWS, which does not store it.
const DEFAULT_TASK_STARTUP_SECONDS: u32 = 60;

fn section(ctx: &Context) -> Option<&crate::config::AutoscaleSection> {
    ctx.config.file.autoscale.as_ref()
}

fn config_path(ctx: &Context, key: fn(&AutoscaleSection) -> &Option<String>) -> Option<PathBuf> {
    section(ctx)
        .and_then(|s| key(s).as_ref())
        .map(|p| ctx.config.resolve(p))
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
        let pick = |flag: &Option<String>, key: fn(&AutoscaleSection) -> &Option<String>| {
            flag.clone()
                .or_else(|| section(ctx).and_then(|s| key(s).clone()))
        };
        match (
            pick(&args.cluster, |s| &s.cluster),
            pick(&args.service, |s| &s.service),
        ) {
            (Some(cluster), Some(service)) => Ok(Some(ServiceRef {
                cluster,
                service,
                region: pick(&args.region, |s| &s.region),
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
        save: Option<PathBuf>,
    },
}

/// A simulation's inputs, checked before anything is fetched (exit 2 on any mistake).
pub struct SimulationPlan {
    pub trace: TraceSource,
    /// `None`: the live service's own policy (`show --as-policy`'s reading of it).
    pub policy: Option<Policy>,
    pub params: SimParams,
}

pub type Inputs = (Vec<TraceRow>, Policy, SimParams);

/// The trace source, policy and parameters, validated (exit 2 before anything runs).
pub fn plan(ctx: &Context, sim: &SimulationArgs) -> Result<SimulationPlan> {
    // Flags win over the config; a trace file on the command line wins over a service.
    let service_flag = sim.live.cluster.is_some() || sim.live.service.is_some();
    let trace = if let Some(path) = &sim.trace {
        TraceSource::File(path.clone())
    } else if service_flag {
        live_source(ctx, sim, ServiceRef::required(ctx, &sim.live)?)?
    } else if let Some(path) = config_path(ctx, |s| &s.trace) {
        TraceSource::File(path)
    } else if let Some(service) = ServiceRef::resolve(ctx, &sim.live)? {
        live_source(ctx, sim, service)?
    } else {
        return Err(Error::Usage(
            "autoscale needs --trace FILE.csv or --cluster/--service (or [autoscale] trace, or \
             cluster and service, in the config)"
                .into(),
        ));
    };
    let policy = match sim
        .policy
        .clone()
        .or_else(|| config_path(ctx, |s| &s.policy))
    {
        Some(path) => Some(read_policy(&path)?),
        None if matches!(trace, TraceSource::CloudWatch { .. }) => None,
        None => {
            return Err(Error::Usage(
                "autoscale needs --policy FILE.toml (or [autoscale] policy in the config)".into(),
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

fn live_source(ctx: &Context, sim: &SimulationArgs, service: ServiceRef) -> Result<TraceSource> {
    let text = sim
        .since
        .clone()
        .or_else(|| section(ctx).and_then(|s| s.since.clone()))
        .unwrap_or_else(|| "14d".into());
    let since = parse_duration(&text).map_err(|e| Error::Usage(format!("--since: {e}")))?;
    Ok(TraceSource::CloudWatch {
        service,
        since,
        save: sim.save_trace.clone(),
    })
}

/// Reads the trace (fetching it when it lives in CloudWatch) and, if the plan has none, the
/// live policy.
pub async fn load(ctx: &Context, plan: &SimulationPlan) -> Result<Inputs> {
    let (trace, live_policy) = match &plan.trace {
        TraceSource::File(path) => {
            let (trace, filled) = read_trace(path)?;
            if filled > 0 {
                ctx.warn(&format!(
                    "{}: {filled} missing minutes filled by carrying the previous minute forward",
                    path.display()
                ));
            }
            (trace, None)
        }
        TraceSource::CloudWatch {
            service,
            since,
            save,
        } => {
            let (trace, live_policy) =
                fetch_trace(ctx, service, *since, plan.policy.is_none()).await?;
            if let Some(path) = save {
                write_trace(path, &trace)?;
            }
            (trace, live_policy)
        }
    };
    let policy = match (&plan.policy, live_policy) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) => p,
        (None, None) => return Err(Error::Usage("autoscale needs --policy FILE.toml".into())),
    };
    Ok((trace, policy, plan.params.clone()))
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

/// The trace as the contract's CSV, so a fetched trace can be replayed offline.
fn write_trace(path: &Path, trace: &[TraceRow]) -> Result<()> {
    let mut text = String::from("timestamp,cpu_utilization,running_tasks\n");
    for row in trace {
        text.push_str(&format!(
            "{},{},{}\n",
            rfc3339::format(&row.minute),
            row.cpu_utilization,
            row.running_tasks
        ));
    }
    write_atomically(path, text.as_bytes()).map_err(|e| {
        Error::Usage(format!(
            "--save-trace {}: cannot write: {e}",
            path.display()
        ))
    })
}

fn write_timeline(path: &Path, simulation: &autoscale::Simulation) -> Result<()> {
    let mut text = String::from("minute,demand,desired,serving,cpu,metric_seen,tt_alarm_high,tt_alarm_low,step_alarm,action\n");
    for r in &simulation.timeline {
        let action = r.action.as_deref().unwrap_or("").replace('"', "'");
        text.push_str(&format!(
            "{},{:.3},{},{},{:.2},{},{},{},{},\"{action}\"\n",
            rfc3339::format(&r.minute),
            r.demand,
            r.desired,
            r.serving,
            r.cpu,
            r.metric_seen.map(|m| format!("{m:.2}")).unwrap_or_default(),
            r.tt_alarm_high,
            r.tt_alarm_low,
            r.step_alarm,
        ));
    }
    write_atomically(path, text.as_bytes())
        .map_err(|e| Error::Usage(format!("--timeline {}: cannot write: {e}", path.display())))
}

async fn run_simulate(
    ctx: &Context,
    sim: &SimulationArgs,
    timeline: Option<&Path>,
    chart_path: Option<&Path>,
) -> Result<ExitCode> {
    let (trace, policy, params) = load(ctx, &plan(ctx, sim)?).await?;
    let simulation = simulate(&policy, &trace, &params);
    if let Some(path) = timeline {
        write_timeline(path, &simulation)?;
    }
    if let Some(path) = chart_path {
        chart::write(path, &views::autoscale::chart(&simulation, &policy))?;
    }
    let report = SimulationReport::new(ctx.now, simulation);
    let document = Report::document(&report)?;
    ctx.deliver(&Report {
        document,
        view: views::autoscale::simulation_view(&report, &policy),
    })
    .await?;
    Ok(ExitCode::Ok)
}

async fn run_tune(ctx: &Context, args: &TuneArgs) -> Result<ExitCode> {
    let (trace, policy, params) = load(ctx, &plan(ctx, &args.sim)?).await?;
    let candidates = autoscale::tuner::candidates(&policy);
    let progress = crate::progress::Progress::spinner(
        &format!("simulating {} policies", candidates.len()),
        ctx.quiet,
    );
    let started = std::time::Instant::now();
    let evaluated: Vec<(Policy, autoscale::Simulation)> = candidates
        .into_par_iter()
        .map(|p| {
            let figures = simulate_figures(&p, &trace, &params);
            (p, figures)
        })
        .collect();
    progress.finish();
    let seconds = started.elapsed().as_secs_f64();
    let minutes = evaluated.len() as f64 * trace.len() as f64;
    if !ctx.quiet {
        eprintln!(
            "tune: {} policies × {} minutes in {seconds:.2} s ({:.1} M simulated minutes/s)",
            evaluated.len(),
            trace.len(),
            minutes / seconds / 1e6
        );
    }
    let current = &evaluated[0].1;
    let limits = autoscale::tuner::Limits {
        max_overload_minutes: args
            .max_overload_minutes
            .unwrap_or(current.overload_minutes),
        max_recovery_minutes: args
            .max_recovery_minutes
            .unwrap_or_else(|| autoscale::tuner::worst_recovery(current)),
    };
    let tuning = autoscale::tuner::choose(&evaluated, limits)
        .ok_or_else(|| Error::Usage("tune: no candidates".into()))?;
    if let Some(path) = &args.emit_terraform {
        let vars = views::autoscale::terraform_vars(&tuning.best.policy);
        let text = serde_json::to_vec_pretty(&vars).unwrap_or_default();
        write_atomically(path, &text).map_err(|e| {
            Error::Usage(format!(
                "--emit-terraform {}: cannot write: {e}",
                path.display()
            ))
        })?;
    }
    let document = Report::document_of_kind("autoscale_tuning", &ctx.now, &tuning)?;
    ctx.deliver(&Report {
        document,
        view: views::autoscale::tuning_view(&tuning),
    })
    .await?;
    Ok(ExitCode::Ok)
}

/// The simulation as a report (for `digest`).
pub fn simulation_report(ctx: &Context, inputs: &Inputs) -> Result<(Report, ExitCode)> {
    let (trace, policy, params) = inputs;
    let report = SimulationReport::new(ctx.now, simulate_figures(policy, trace, params));
    let document = Report::document(&report)?;
    Ok((
        Report {
            document,
            view: views::autoscale::simulation_view(&report, policy),
        },
        ExitCode::Ok,
    ))
}

pub async fn run(ctx: &Context, args: &AutoscaleArgs) -> Result<ExitCode> {
    match &args.command {
        AutoscaleCommand::Simulate {
            sim,
            timeline,
            chart,
        } => run_simulate(ctx, sim, timeline.as_deref(), chart.as_deref()).await,
        AutoscaleCommand::Tune(tune) => run_tune(ctx, tune).await,
        AutoscaleCommand::Show(show) => run_show(ctx, show).await,
        AutoscaleCommand::Apply(apply) => run_apply(ctx, apply).await,
    }
}

async fn run_show(ctx: &Context, args: &ShowArgs) -> Result<ExitCode> {
    let service = ServiceRef::required(ctx, &args.target)?;
    let progress = crate::progress::Progress::spinner("reading the scaling setup", ctx.quiet);
    let setup = service.connect().await?.read_setup().await;
    progress.finish();
    let setup = setup?;
    if let Some(path) = &args.as_policy {
        let (policy, notes) =
            live::as_policy(&setup, args.task_startup_seconds).map_err(Error::Usage)?;
        for note in &notes {
            ctx.warn(note);
        }
        let text = format!(
            "# {} as of {}, read by `vitals autoscale show`.\n\
             # task_startup_seconds is not an AWS setting: measure it (desired count up -> task serving).\n{}\n",
            setup.resource_id,
            rfc3339::format(&ctx.now),
            toml::to_string(&policy)
                .map_err(|e| Error::Usage(format!("--as-policy: {e}")))?
                .trim_end()
        );
        write_atomically(path, text.as_bytes()).map_err(|e| {
            Error::Usage(format!("--as-policy {}: cannot write: {e}", path.display()))
        })?;
    }
    let document = Report::document_of_kind("autoscale_setup", &ctx.now, &setup)?;
    ctx.deliver(&Report {
        document,
        view: views::autoscale_live::setup_view(&setup),
    })
    .await?;
    Ok(ExitCode::Ok)
}

async fn run_apply(ctx: &Context, args: &ApplyArgs) -> Result<ExitCode> {
    let service = ServiceRef::required(ctx, &args.target)?;
    let policy_path = args
        .policy
        .clone()
        .or_else(|| config_path(ctx, |s| &s.policy))
        .ok_or_else(|| {
            Error::Usage(
                "apply needs --policy FILE.toml (or [autoscale] policy in the config)".into(),
            )
        })?;
    let desired = read_policy(&policy_path)?;
    let names = ManagedNames::for_service(&service.service);
    let aws = service.connect().await?;
    let live = aws.read_setup().await?;
    let plan = changes::plan(&live, &desired, &names);
    let unmanaged = changes::unmanaged(&live, &names);
    let applied = if args.yes && !plan.is_empty() {
        let progress = crate::progress::Progress::spinner("applying", ctx.quiet);
        let result = aws.apply(&plan, &desired, &names).await;
        progress.finish();
        result?
    } else {
        0
    };
    let document = serde_json::json!({
        "kind": "autoscale_plan",
        "generated_at": rfc3339::format(&ctx.now),
        "resource_id": live.resource_id,
        "policy_file": policy_path.display().to_string(),
        "changes": plan,
        "applied": args.yes && !plan.is_empty(),
        "unmanaged_policies": unmanaged,
    });
    ctx.deliver(&Report {
        document,
        view: views::autoscale_live::plan_view(
            &live.resource_id,
            &plan,
            &unmanaged,
            args.yes,
            applied,
        ),
    })
    .await?;
    Ok(ExitCode::Ok)
}
