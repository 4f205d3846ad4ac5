//! `vitals slo`: OpenSLO specs → metric sources (CSV, BigQuery) → SLO domain → reports.

use std::path::{Path, PathBuf};

use crate::cli::SloArgs;
use crate::commands::Context;
use crate::domain::slo::{
    evaluate, parse_start_time, BudgetingMethod, BurnWindow, Objective, Op, SloDuration, SloReport,
    Threshold, TimeWindow,
};
use crate::error::{Error, ExitCode, Result};
use crate::report::{chart, views, Report};
use crate::sources::bigquery::BigQuery;
use crate::sources::metrics::{source_kinds, Metrics};
use crate::sources::openslo::{self, ResolvedSlo};
use crate::sources::{files, SourceError};

fn invalid(slo: &ResolvedSlo, path: &str, message: impl std::fmt::Display) -> Error {
    SourceError::Input(format!("{}: {path}: {message}", slo.origin)).into()
}

fn window(slo: &ResolvedSlo) -> Result<TimeWindow> {
    let tw = &slo.time_window;
    let duration = SloDuration::parse(&tw.duration)
        .map_err(|e| invalid(slo, "spec.timeWindow[0].duration", e))?;
    if tw.is_rolling {
        return Ok(TimeWindow::rolling(duration));
    }
    let calendar = tw.calendar.as_ref().ok_or_else(|| {
        invalid(
            slo,
            "spec.timeWindow[0].calendar",
            "required when isRolling is false (startTime and timeZone)",
        )
    })?;
    let tz: chrono_tz::Tz = calendar.time_zone.parse().map_err(|_| {
        invalid(
            slo,
            "spec.timeWindow[0].calendar.timeZone",
            format!("unknown time zone {:?}", calendar.time_zone),
        )
    })?;
    let anchor = parse_start_time(&calendar.start_time, tz)
        .map_err(|e| invalid(slo, "spec.timeWindow[0].calendar.startTime", e))?;
    TimeWindow::calendar(duration, anchor, tz).map_err(|e| invalid(slo, "spec.timeWindow[0]", e))
}

/// Each objective of the SLO as the domain's [`Objective`].
fn objectives(slo: &ResolvedSlo) -> Result<Vec<Objective>> {
    let window = window(slo)?;
    slo.objectives
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let at = |field: &str| format!("spec.objectives[{i}].{field}");
            let slice = match &o.time_slice_window {
                Some(text) => Some(
                    SloDuration::parse(text)
                        .map_err(|e| invalid(slo, &at("timeSliceWindow"), e))?
                        .rolling(),
                ),
                None => None,
            };
            let method =
                BudgetingMethod::from_spec(&slo.budgeting_method, slice, o.time_slice_target)
                    .map_err(|e| invalid(slo, "spec.budgetingMethod", e))?;
            let threshold = match (&o.op, o.value) {
                (Some(op), Some(value)) => Some(Threshold {
                    op: Op::parse(op).map_err(|e| invalid(slo, &at("op"), e))?,
                    value,
                }),
                (None, None) => None,
                _ => return Err(invalid(slo, &at("op"), "op and value go together")),
            };
            let objective = Objective {
                name: slo.name.clone(),
                objective: o.display_name.clone().unwrap_or_else(|| i.to_string()),
                target: o
                    .target
                    .or(o.target_percent.map(|p| p / 100.0))
                    .unwrap_or_default(),
                window,
                method,
                threshold,
            };
            objective
                .validate()
                .map_err(|e| invalid(slo, &format!("spec.objectives[{i}]"), e))?;
            Ok(objective)
        })
        .collect()
}

fn spec_files(ctx: &Context, args: &SloArgs) -> Result<Vec<PathBuf>> {
    if !args.spec.is_empty() {
        return Ok(files::expand(&args.spec, Path::new("."))?);
    }
    let specs = ctx
        .config
        .file
        .slo
        .as_ref()
        .and_then(|s| s.specs.as_ref())
        .map(|s| s.to_vec())
        .unwrap_or_default();
    if specs.is_empty() {
        return Err(Error::Usage(
            "slo needs OpenSLO specs: --spec FILE… or [slo] specs in the config".into(),
        ));
    }
    Ok(files::expand(
        &specs.into_iter().map(PathBuf::from).collect::<Vec<_>>(),
        &ctx.config.dir,
    )?)
}

/// Specs read and validated; nothing fetched yet.
pub struct Plan {
    slos: Vec<ResolvedSlo>,
    objectives: Vec<(usize, Objective)>,
    chart: Option<PathBuf>,
}

/// Reads and validates every spec (exit 2 before any data is fetched).
pub fn plan(ctx: &Context, args: &SloArgs) -> Result<Plan> {
    let slos = openslo::load(&spec_files(ctx, args)?)?;
    if slos.is_empty() {
        return Err(Error::Usage("slo: the specs hold no SLO documents".into()));
    }
    // Results, annotations and Slack lines are keyed by name: two SLOs of one name are a
    // copy-paste mistake, not two objectives.
    let mut seen = std::collections::HashMap::new();
    for s in &slos {
        if let Some(first) = seen.insert(s.name.as_str(), &s.file) {
            return Err(Error::Usage(format!(
                "{}: duplicate SLO name (also in {})",
                s.origin,
                first.display()
            )));
        }
    }
    let objectives: Vec<(usize, Objective)> = slos
        .iter()
        .enumerate()
        .map(|(i, s)| objectives(s).map(|os| os.into_iter().map(move |o| (i, o))))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    let chart = args.chart.clone().or_else(|| {
        ctx.config
            .file
            .slo
            .as_ref()
            .and_then(|s| s.chart.as_ref())
            .map(|c| ctx.config.resolve(c))
    });
    Ok(Plan {
        slos,
        objectives,
        chart,
    })
}

/// Fetches each SLO's data and evaluates its objectives.
pub async fn execute(ctx: &Context, plan: &Plan) -> Result<(Report, ExitCode)> {
    execute_charted(ctx, plan)
        .await
        .map(|(report, code, _)| (report, code))
}

/// [`execute`], also returning the burn-down chart's panels (for `digest --slack-charts`).
pub async fn execute_charted(
    ctx: &Context,
    plan: &Plan,
) -> Result<(Report, ExitCode, Vec<chart::Panel>)> {
    let slos = &plan.slos;
    let needs_bigquery = slos.iter().any(|s| {
        source_kinds(s)
            .iter()
            .any(|k| k.eq_ignore_ascii_case("bigquery"))
    });
    let bq = if needs_bigquery {
        Some(BigQuery::connect().await?)
    } else {
        None
    };
    // Burn rates look back up to 3 days, so data is needed from there even early in a period.
    let mut earliest = ctx.now - BurnWindow::LONGEST.length();
    for (_, o) in &plan.objectives {
        let period = o.window.period(ctx.now).map_err(Error::Usage)?;
        earliest = earliest.min(period.start);
    }
    let mut metrics = Metrics::new(bq.as_ref(), earliest, ctx.now);
    let mut results = Vec::with_capacity(plan.objectives.len());
    // Remote metric sources can take a while per SLO: say which one is being fetched.
    let progress = crate::progress::Progress::spinner("fetching SLO data", ctx.quiet);
    for (n, (i, objective)) in plan.objectives.iter().enumerate() {
        progress.set_message(format!(
            "SLO {}/{}: {}",
            n + 1,
            plan.objectives.len(),
            slos[*i].name
        ));
        let series = metrics.series(&slos[*i]).await?;
        let result = evaluate(objective, &series, ctx.now)
            .map_err(|e| SourceError::Input(format!("{}: {e}", slos[*i].origin)))?;
        results.push(result);
    }
    progress.finish();
    let report = SloReport::new(ctx.now, results);
    let panels = views::slo::chart(&report);
    if let Some(path) = &plan.chart {
        chart::write(path, &panels)?;
    }
    let document = Report::document(&report)?;
    let code = if report.violated(ctx.strict) {
        ExitCode::Violated
    } else {
        ExitCode::Ok
    };
    Ok((
        Report {
            document,
            view: views::slo::view(&report),
        },
        code,
        panels,
    ))
}

pub async fn run(ctx: &Context, args: &SloArgs) -> Result<ExitCode> {
    let plan = plan(ctx, args)?;
    let (report, code) = execute(ctx, &plan).await?;
    ctx.deliver(&report).await?;
    Ok(code)
}
