//! `vitals slo`: OpenSLO specs → metric sources (CSV, BigQuery, CloudWatch, Prometheus) →
//! SLO domain → reports.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::cli::SloArgs;
use crate::commands::{blocking, onboarding, Context, Digestible, Plan, Section};
use crate::config::{ConfigFile, SloSection};
use crate::domain::slo::{evaluate, BurnWindow, Objective, Series, SloReport, SloResult};
use crate::error::{Error, Result};
use crate::report::{views, Chart, FileTarget, Report, Verdict};
use crate::sources::bigquery::BigQuery;
use crate::sources::metrics::{self, source_kinds, Metrics};
use crate::sources::openslo::{self, ResolvedSlo};
use crate::sources::prometheus;
use crate::sources::{files, SourceError};

fn spec_files(ctx: &Context, flag: &[PathBuf], section: &SloSection) -> Result<Vec<PathBuf>> {
    if !flag.is_empty() {
        return Ok(files::expand(flag, Path::new("."))?);
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

/// The SLOs of `--spec` (else `[slo] specs`), read and checked: at least one, names unique.
pub fn load_specs(ctx: &Context, flag: &[PathBuf]) -> Result<Vec<ResolvedSlo>> {
    let empty = SloSection::default();
    let section = ctx.config.file.slo.as_ref().unwrap_or(&empty);
    let slos = openslo::load(&spec_files(ctx, flag, section)?)?;
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
    Ok(slos)
}

/// `vitals slo`.
pub struct Slo;

/// OpenSLO specs read and validated, nothing fetched yet: what `slo`, `gate` and
/// `four-keys --impact` start from.
pub struct SloSpecs {
    slos: Vec<ResolvedSlo>,
    /// (SLO, objective) indices, in report order.
    objectives: Vec<(usize, usize)>,
    /// `[slo] prometheus_url`, checked.
    prometheus_url: Option<String>,
}

/// One objective and its data, fetched.
pub struct ObjectiveData {
    /// The spec file and document, for messages.
    pub origin: String,
    pub objective: Objective,
    pub series: Series,
}

impl ObjectiveData {
    /// The objective evaluated at `now` (CPU work: call it off the async threads).
    pub fn evaluate(&self, now: DateTime<Utc>) -> Result<SloResult> {
        evaluate(&self.objective, &self.series, now)
            .map_err(|e| SourceError::Input(format!("{}: {e}", self.origin)).into())
    }
}

/// Specs read and validated; nothing fetched yet.
pub struct SloPlan {
    specs: SloSpecs,
    chart: Option<FileTarget>,
}

impl Section for Slo {
    type Args = SloArgs;
    type Plan = SloPlan;

    /// Reads and validates every spec (exit 2 before any data is fetched).
    fn plan(ctx: &Context, args: &SloArgs) -> Result<SloPlan> {
        let empty = SloSection::default();
        let section = ctx.config.file.slo.as_ref().unwrap_or(&empty);
        let specs = SloSpecs::load(ctx, &args.spec)?;
        let chart = ctx
            .config
            .flag("--chart", args.chart.as_deref())
            .or_key("slo.chart", section.chart.as_ref())
            .labelled_path();
        let chart = FileTarget::optional_chart(chart)?;
        Ok(SloPlan { specs, chart })
    }
}

impl SloSpecs {
    /// `--spec` files, else the config's `[slo] specs`, read and validated (exit 2 on any
    /// problem, before any data is fetched). `spec` is the `--spec` flag.
    pub fn load(ctx: &Context, spec: &[PathBuf]) -> Result<SloSpecs> {
        let empty = SloSection::default();
        let section = ctx.config.file.slo.as_ref().unwrap_or(&empty);
        let slos = load_specs(ctx, spec)?;
        unqueryable_alone(&slos)?;
        let prometheus_url = ctx
            .config
            .key::<str, _>("slo.prometheus_url", section.prometheus_url.as_ref())
            .parse(|url| prometheus::parse_url(url).map(|_| url.to_string()))?;
        metrics::check_prometheus(&slos, prometheus_url.as_deref())?;
        let objectives: Vec<(usize, usize)> = slos
            .iter()
            .enumerate()
            .flat_map(|(i, s)| (0..s.objectives.len()).map(move |j| (i, j)))
            .collect();
        Ok(SloSpecs {
            slos,
            objectives,
            prometheus_url,
        })
    }

    /// Where data is needed from for evaluating every objective at `now`: its window's
    /// start, and the longest burn window (burn rates look back 3 days even early in a period).
    fn needed_since(&self, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
        let mut earliest = now - BurnWindow::LONGEST.length();
        for &(i, j) in &self.objectives {
            let o = &self.slos[i].objectives[j].objective;
            let period = o.window.period(now).map_err(Error::Usage)?;
            earliest = earliest.min(period.start);
        }
        Ok(earliest)
    }

    /// Fetches each objective's data up to now, in report order: from what evaluating it at
    /// now needs ([`SloSpecs::needed_since`]), or from `since` when that is earlier.
    pub async fn fetch(
        &self,
        ctx: &Context,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<ObjectiveData>> {
        let needs_bigquery = self.slos.iter().any(|s| {
            source_kinds(s)
                .iter()
                .any(|k| k.eq_ignore_ascii_case("bigquery"))
        });
        let bq = if needs_bigquery {
            Some(BigQuery::connect().await?)
        } else {
            None
        };
        let needed = self.needed_since(ctx.now)?;
        let since = since.map_or(needed, |since| since.min(needed));
        let mut metrics = Metrics::new(bq.as_ref(), since, ctx.now)
            .with_prometheus_url(self.prometheus_url.clone());
        let mut fetched = Vec::with_capacity(self.objectives.len());
        // Remote metric sources can take a while per SLO: say which one is being fetched.
        let total = self.objectives.len();
        let progress = crate::progress::Progress::items(
            "fetching SLO data",
            total as u64,
            "objectives",
            ctx.quiet,
        );
        for (n, &(i, j)) in self.objectives.iter().enumerate() {
            let (slo, resolved) = (&self.slos[i], &self.slos[i].objectives[j]);
            progress.set_message(format!("SLO {}/{total}: {}", n + 1, slo.name));
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
            fetched.push(ObjectiveData {
                origin: slo.origin.clone(),
                objective: resolved.objective.clone(),
                series,
            });
            progress.advance(1);
        }
        progress.finish();
        Ok(fetched)
    }
}

impl SloPlan {
    /// Fetches the data and evaluates every objective at now: the typed `slo` document.
    pub async fn report(&self, ctx: &Context) -> Result<SloReport> {
        let fetched = self.specs.fetch(ctx, None).await?;
        let now = ctx.now;
        let results = blocking(move || fetched.iter().map(|o| o.evaluate(now)).collect()).await?;
        Ok(SloReport::new(ctx.now, results))
    }
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

#[async_trait(?Send)]
impl Plan for SloPlan {
    /// Fetches each SLO's data and evaluates its objectives.
    async fn execute(self: Box<Self>, ctx: &Context) -> Result<Report> {
        let report = self.report(ctx).await?;
        let mut out = Report::new(
            Report::document(&report)?,
            views::slo::view(&report, ctx.tz),
            Verdict::violated_if(report.violated(ctx.strict)),
        );
        out.charts.push(Chart::new(
            "slo-burn-down",
            "Error budget left per objective",
            views::slo::chart(&report, ctx.tz),
            self.chart,
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

    fn describe(_plan: &SloPlan) -> String {
        format!(
            "CSV files; CloudWatch sources with {}; BigQuery sources with {}",
            onboarding::aws_credentials(),
            onboarding::google_credentials()
        )
    }
}
