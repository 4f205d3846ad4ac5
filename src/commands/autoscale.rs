//! `vitals autoscale simulate|tune`: a CPU trace and a policy (files) → the simulator → reports,
//! a per-minute timeline CSV, a chart, and for `tune` Terraform variables.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::cli::{AutoscaleArgs, AutoscaleCommand, SimulationArgs, TuneArgs};
use crate::commands::{write_atomically, Context};
use crate::domain::autoscale::{
    self, simulate, simulate_figures, Policy, SimParams, SimulationReport, TraceRow,
};
use crate::domain::rfc3339;
use crate::error::{Error, ExitCode, Result};
use crate::report::{chart, views, Report};
use crate::sources::autoscale_files::{read_policy, read_trace};

fn config_path(ctx: &Context, key: &str) -> Option<PathBuf> {
    let section = ctx.config.file.autoscale.as_ref()?;
    section
        .get(key)
        .and_then(|v| v.as_str())
        .map(|p| ctx.config.resolve(p))
}

/// The trace, policy and parameters, read and validated (exit 2 before anything runs).
pub fn inputs(ctx: &Context, sim: &SimulationArgs) -> Result<(Vec<TraceRow>, Policy, SimParams)> {
    let trace_path = sim
        .trace
        .clone()
        .or_else(|| config_path(ctx, "trace"))
        .ok_or_else(|| {
            Error::Usage(
                "autoscale needs --trace FILE.csv (or [autoscale] trace in the config)".into(),
            )
        })?;
    let policy_path = sim
        .policy
        .clone()
        .or_else(|| config_path(ctx, "policy"))
        .ok_or_else(|| {
            Error::Usage(
                "autoscale needs --policy FILE.toml (or [autoscale] policy in the config)".into(),
            )
        })?;
    let (trace, filled) = read_trace(&trace_path)?;
    if filled > 0 {
        ctx.warn(&format!(
            "{}: {filled} missing minutes filled by carrying the previous minute forward",
            trace_path.display()
        ));
    }
    let policy = read_policy(&policy_path)?;
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
    Ok((trace, policy, params))
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
    let (trace, policy, params) = inputs(ctx, sim)?;
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
    let (trace, policy, params) = inputs(ctx, &args.sim)?;
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
    let mut document = Report::document(&tuning)?;
    if let Some(obj) = document.as_object_mut() {
        obj.insert("kind".into(), "autoscale_tuning".into());
        obj.insert("generated_at".into(), rfc3339::format(&ctx.now).into());
    }
    ctx.deliver(&Report {
        document,
        view: views::autoscale::tuning_view(&tuning),
    })
    .await?;
    Ok(ExitCode::Ok)
}

/// The simulation as a report (for `digest`).
pub fn simulation_report(
    ctx: &Context,
    inputs: &(Vec<TraceRow>, Policy, SimParams),
) -> Result<(Report, ExitCode)> {
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
    }
}
