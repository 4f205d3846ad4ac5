//! `vitals slo`: OpenSLO specs → metric sources (CSV, BigQuery) → SLO domain → reports.

use std::path::{Path, PathBuf};

use crate::cli::SloArgs;
use crate::commands::Context;
use crate::domain::slo::{evaluate, BurnWindow, SloReport};
use crate::error::{Error, ExitCode, Result};
use crate::report::{chart, views, Report};
use crate::sources::bigquery::BigQuery;
use crate::sources::metrics::{self, source_kinds, Metrics};
use crate::sources::openslo::{self, ResolvedSlo};
use crate::sources::{files, SourceError};

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
    /// (SLO, objective) indices, in report order.
    objectives: Vec<(usize, usize)>,
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
    unqueryable_alone(&slos)?;
    let objectives: Vec<(usize, usize)> = slos
        .iter()
        .enumerate()
        .flat_map(|(i, s)| (0..s.objectives.len()).map(move |j| (i, j)))
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

/// The rule for sources vitals cannot query: when the run's only SLO reads nothing
/// vitals can query, a `no_data` report would hide the cause, so it is bad input.
fn unqueryable_alone(slos: &[ResolvedSlo]) -> Result<()> {
    let [slo] = slos else { return Ok(()) };
    let kinds: Vec<&str> = slo
        .objectives
        .iter()
        .filter_map(|o| metrics::unqueryable(&o.indicator))
        .collect();
    match kinds.first() {
        Some(kind) if kinds.len() == slo.objectives.len() => Err(SourceError::Input(format!(
            "{}: SLO {:?} reads metricSource.type {kind:?}, which vitals cannot query ({}); \
                 nothing to compute",
            slo.origin,
            slo.name,
            metrics::QUERYABLE.join(", ")
        ))
        .into()),
        _ => Ok(()),
    }
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
    for (i, j) in &plan.objectives {
        let o = &slos[*i].objectives[*j].objective;
        let period = o.window.period(ctx.now).map_err(Error::Usage)?;
        earliest = earliest.min(period.start);
    }
    let mut metrics = Metrics::new(bq.as_ref(), earliest, ctx.now);
    let mut results = Vec::with_capacity(plan.objectives.len());
    // Remote metric sources can take a while per SLO: say which one is being fetched.
    let progress = crate::progress::Progress::spinner("fetching SLO data", ctx.quiet);
    for (n, (i, j)) in plan.objectives.iter().enumerate() {
        let (slo, resolved) = (&slos[*i], &slos[*i].objectives[*j]);
        progress.set_message(format!(
            "SLO {}/{}: {}",
            n + 1,
            plan.objectives.len(),
            slo.name
        ));
        let series = match metrics::unqueryable(&resolved.indicator) {
            // A valid spec whose numbers live where vitals cannot reach: no data, said so.
            Some(kind) => {
                ctx.warn(&format!(
                    "{}: {}: metricSource.type {kind:?} cannot be queried by vitals ({}): \
                     reported as no_data",
                    slo.origin,
                    resolved.path,
                    metrics::QUERYABLE.join(", ")
                ));
                metrics::no_rows(&resolved.indicator)
            }
            None => metrics.series(slo, &resolved.indicator).await?,
        };
        let result = evaluate(&resolved.objective, &series, ctx.now)
            .map_err(|e| SourceError::Input(format!("{}: {e}", slo.origin)))?;
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
