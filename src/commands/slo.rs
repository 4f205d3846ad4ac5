//! `vitals slo`: OpenSLO specs → metric sources (CSV, BigQuery, CloudWatch) → SLO domain →
//! reports.

use std::path::{Path, PathBuf};

use async_trait::async_trait;

use crate::cli::SloArgs;
use crate::commands::{blocking, onboarding, Context, Digestible, Plan, Section};
use crate::config::{ConfigFile, SloSection};
use crate::domain::slo::{
    evaluate, parse_start_time, BudgetingMethod, BurnWindow, Objective, Op, SloDuration, SloReport,
    Threshold, TimeWindow,
};
use crate::error::{Error, Result};
use crate::report::{views, Chart, FileTarget, Report, Verdict};
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

fn spec_files(ctx: &Context, args: &SloArgs, section: &SloSection) -> Result<Vec<PathBuf>> {
    if !args.spec.is_empty() {
        return Ok(files::expand(&args.spec, Path::new("."))?);
    }
    let specs = section
        .specs
        .as_ref()
        .map(|s| s.get_ref().to_vec())
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

/// `vitals slo`.
pub struct Slo;

/// Specs read and validated; nothing fetched yet.
pub struct SloPlan {
    slos: Vec<ResolvedSlo>,
    objectives: Vec<(usize, Objective)>,
    chart: Option<FileTarget>,
}

impl Section for Slo {
    type Args = SloArgs;
    type Plan = SloPlan;

    /// Reads and validates every spec (exit 2 before any data is fetched).
    fn plan(ctx: &Context, args: &SloArgs) -> Result<SloPlan> {
        let empty = SloSection::default();
        let section = ctx.config.file.slo.as_ref().unwrap_or(&empty);
        let slos = openslo::load(&spec_files(ctx, args, section)?)?;
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
        let chart = ctx
            .config
            .flag("--chart", args.chart.as_deref())
            .or_key("slo.chart", section.chart.as_ref())
            .labelled_path();
        let chart = FileTarget::optional_chart(chart)?;
        Ok(SloPlan {
            slos,
            objectives,
            chart,
        })
    }
}

#[async_trait(?Send)]
impl Plan for SloPlan {
    /// Fetches each SLO's data and evaluates its objectives.
    async fn execute(self: Box<Self>, ctx: &Context) -> Result<Report> {
        let SloPlan {
            slos,
            objectives,
            chart,
        } = *self;
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
        for (_, o) in &objectives {
            let period = o.window.period(ctx.now).map_err(Error::Usage)?;
            earliest = earliest.min(period.start);
        }
        let mut metrics = Metrics::new(bq.as_ref(), earliest, ctx.now);
        let mut results = Vec::with_capacity(objectives.len());
        // Remote metric sources can take a while per SLO: say which one is being fetched.
        let progress = crate::progress::Progress::spinner("fetching SLO data", ctx.quiet);
        let total = objectives.len();
        for (n, (i, objective)) in objectives.into_iter().enumerate() {
            let slo = &slos[i];
            progress.set_message(format!("SLO {}/{total}: {}", n + 1, slo.name));
            let series = metrics.series(slo).await?;
            let (now, origin) = (ctx.now, slo.origin.clone());
            let result = blocking(move || {
                evaluate(&objective, &series, now)
                    .map_err(|e| SourceError::Input(format!("{origin}: {e}")).into())
            })
            .await?;
            results.push(result);
        }
        progress.finish();
        let report = SloReport::new(ctx.now, results);
        let mut out = Report::new(
            Report::document(&report)?,
            views::slo::view(&report),
            Verdict::violated_if(report.violated(ctx.strict)),
        );
        out.charts.push(Chart::new(
            "slo-burn-down",
            views::slo::chart(&report),
            chart,
        ));
        Ok(out)
    }
}

impl Digestible for Slo {
    const TABLE: &'static str = "slo";
    const KIND: &'static str = "slo";
    const TITLE: &'static str = "Service level objectives";

    fn configured(config: &ConfigFile) -> bool {
        config.slo.is_some()
    }

    fn describe(_ctx: &Context, _plan: &SloPlan) -> String {
        format!(
            "CSV files; CloudWatch sources with {}; BigQuery sources with {}",
            onboarding::aws_credentials(),
            onboarding::google_credentials()
        )
    }
}
