//! `vitals crash-free`: GA4 export (files or BigQuery) → crash-free domain → reports.

use std::path::{Path, PathBuf};

use async_trait::async_trait;

use crate::cli::{CrashArg, CrashFreeArgs, PlatformArg};
use crate::commands::{blocking, onboarding, Context, Digestible, Plan, Section};
use crate::config::{ConfigFile, CrashFreeSection};
use crate::domain::crash_free::{
    build_report, last_complete_day, release_health, Aggregator, CrashCounts, CrashFreeReport,
    CrashKind, DayRange, Platform, PlatformFilter, ReleaseHealth, ReleaseWindow, SloTargets,
};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::report::view::View;
use crate::report::{views, Chart, FileTarget, Report, SlackView, Verdict};
use crate::sources::bigquery::{self, BigQuery, DatasetId};
use crate::sources::{files, ga4, SourceError};

pub const DEFAULT_DAYS: i64 = 60;
/// Ten years of days: beyond that a typo is likelier than a need.
const MAX_DAYS: i64 = 3660;

enum Input {
    /// Expanded while planning: a glob matching nothing is bad input before any work.
    Files(Vec<PathBuf>),
    BigQuery(DatasetId),
}

/// `vitals crash-free`.
pub struct CrashFree;

/// A validated crash-free run: everything checked before any data is read.
pub struct CrashFreePlan {
    input: Input,
    range: DayRange,
    crash: CrashKind,
    platforms: PlatformFilter,
    slo: SloTargets,
    chart: Option<FileTarget>,
    dry_run: bool,
}

impl Section for CrashFree {
    type Args = CrashFreeArgs;
    type Plan = CrashFreePlan;

    /// Flags first, then `[crash_free]`, then defaults (exit 2 before anything runs).
    fn plan(ctx: &Context, args: &CrashFreeArgs) -> Result<CrashFreePlan> {
        let empty = CrashFreeSection::default();
        let section = ctx.config.file.crash_free.as_ref().unwrap_or(&empty);
        let config = &ctx.config;

        let days = config
            .flag("--days", args.days.as_ref())
            .or_key("crash_free.days", section.days.as_ref())
            .check(
                |d| (1..=MAX_DAYS).contains(d),
                format!("must be between 1 and {MAX_DAYS}"),
            )?
            .copied()
            .unwrap_or(DEFAULT_DAYS) as u32;

        let crash = match args.crash {
            Some(CrashArg::Any) => CrashKind::Any,
            Some(CrashArg::Fatal) => CrashKind::Fatal,
            None => section
                .crash
                .as_ref()
                .map(|c| *c.get_ref())
                .unwrap_or_default(),
        };
        let platforms = match args.platform {
            Some(PlatformArg::Ios) => PlatformFilter::Only(Platform::Ios),
            Some(PlatformArg::Android) => PlatformFilter::Only(Platform::Android),
            None => config
                .key::<String, _>("crash_free.platform", section.platform.as_ref())
                .parse(|p| match p.to_ascii_lowercase().as_str() {
                    "ios" => Ok(PlatformFilter::Only(Platform::Ios)),
                    "android" => Ok(PlatformFilter::Only(Platform::Android)),
                    "both" | "all" => Ok(PlatformFilter::Both),
                    _ => Err("expected \"ios\", \"android\" or \"both\"".into()),
                })?
                .unwrap_or(PlatformFilter::Both),
        };
        let slo = slo_targets(ctx, section)?;
        let chart = config
            .flag("--chart", args.chart.as_deref())
            .or_key("crash_free.chart", section.chart.as_ref())
            .labelled_path();
        let chart = FileTarget::optional_chart(chart)?;
        // Last: the config's values are checked before its files are looked for.
        let input = input(ctx, args, section)?;

        if args.dry_run && !matches!(input, Input::BigQuery(_)) {
            return Err(Error::Usage(
                "--dry-run needs a BigQuery source (--bigquery or [crash_free] bigquery)".into(),
            ));
        }
        if days < 30 {
            ctx.warn(&format!(
                "--days {days}: the 30d window covers only the {days} days of the range"
            ));
        }
        Ok(CrashFreePlan {
            input,
            range: DayRange::ending(last_complete_day(ctx.now, ctx.tz), days),
            crash,
            platforms,
            slo,
            chart,
            dry_run: args.dry_run,
        })
    }
}

/// Where the events come from: `--events`, `--bigquery`, then the config's `events`, then its
/// `bigquery`.
fn input(ctx: &Context, args: &CrashFreeArgs, section: &CrashFreeSection) -> Result<Input> {
    let config = &ctx.config;
    if !args.events.is_empty() {
        return Ok(Input::Files(files::expand(&args.events, Path::new("."))?));
    }
    let flag = config.flag("--bigquery", args.bigquery.as_deref());
    if let Some(dataset) = flag.parse(DatasetId::parse)? {
        return Ok(Input::BigQuery(dataset));
    }
    if let Some(events) = &section.events {
        let patterns: Vec<PathBuf> = events
            .get_ref()
            .to_vec()
            .into_iter()
            .map(PathBuf::from)
            .collect();
        return Ok(Input::Files(files::expand(&patterns, &config.dir)?));
    }
    config
        .key::<str, _>("crash_free.bigquery", section.bigquery.as_ref())
        .parse(DatasetId::parse)?
        .map(Input::BigQuery)
        .ok_or_else(|| Error::Usage(
            "crash-free needs --events PATH… or --bigquery PROJECT.DATASET (or [crash_free] events/bigquery in the config)".into(),
        ))
}

/// The config's `slo` table over the defaults.
fn slo_targets(ctx: &Context, section: &CrashFreeSection) -> Result<SloTargets> {
    let mut slo = SloTargets::default();
    for (name, value) in section.slo.iter().flatten() {
        let ratio = *value.get_ref();
        let error = |message: String| -> Error {
            ctx.config
                .error_at(value, &format!("crash_free.slo.{name}"), message)
                .into()
        };
        if !(ratio > 0.0 && ratio <= 1.0) {
            return Err(error(format!(
                "{ratio} is not a ratio in (0, 1] (99.95 % is 0.9995)"
            )));
        }
        match name.as_str() {
            "IOS" => slo.ios = ratio,
            "ANDROID" => slo.android = ratio,
            _ => return Err(error("unknown platform (expected IOS or ANDROID)".into())),
        }
    }
    Ok(slo)
}

/// Folds the files' rows over `range` (and over each release window), refusing an input
/// without a single row in the range unless `releases` are all that is asked.
fn read_files(
    quiet: bool,
    paths: &[PathBuf],
    range: DayRange,
    crash: CrashKind,
    releases: Option<Vec<ReleaseWindow>>,
) -> Result<CrashCounts> {
    let progress = Progress::bytes("reading", ga4::total_bytes(paths), quiet);
    let only_releases = releases.is_some();
    let releases = releases.unwrap_or_default();
    let aggregator = ga4::aggregate(
        paths,
        crash == CrashKind::Fatal,
        &|| Aggregator::new(range, crash).with_releases(releases.clone()),
        &progress,
    )?;
    progress.finish();
    if aggregator.rows_counted() == 0 && !only_releases {
        let names = if paths.len() == 1 {
            paths[0].display().to_string()
        } else {
            format!("{} files", paths.len())
        };
        return Err(SourceError::Input(format!(
            "{names}: no mobile rows between {} and {} (the report ends on the last complete day before --now in --tz)",
            range.first(),
            range.last()
        ))
        .into());
    }
    Ok(aggregator.finish())
}

impl CrashFreePlan {
    /// The same plan over only the last `days` days of its range (the gate needs the 7-day
    /// window, and nothing else is worth reading or scanning).
    pub fn last_days(mut self, days: u32) -> CrashFreePlan {
        self.range = DayRange::ending(self.range.last(), days);
        self
    }

    /// Reads the counts over the plan's range.
    async fn counts(&self, ctx: &Context) -> Result<CrashCounts> {
        let range = self.range;
        match &self.input {
            Input::Files(paths) => {
                let (quiet, crash) = (ctx.quiet, self.crash);
                let paths = paths.clone();
                blocking(move || read_files(quiet, &paths, range, crash, None)).await
            }
            Input::BigQuery(dataset) => {
                let bq = BigQuery::connect().await?;
                let spinner = Progress::spinner("querying BigQuery", ctx.quiet);
                let counts = bigquery::crash_free::fetch(&bq, dataset, range, self.crash).await?;
                spinner.finish();
                if counts.daily.is_empty() {
                    return Err(SourceError::Input(format!(
                        "BigQuery {dataset}: no mobile rows between {} and {}",
                        range.first(),
                        range.last()
                    ))
                    .into());
                }
                Ok(counts)
            }
        }
    }

    /// Reads the data and builds the typed `crash_free` document.
    pub async fn report(&self, ctx: &Context) -> Result<CrashFreeReport> {
        let counts = self.counts(ctx).await?;
        let range = self.range;
        let report = build_report(
            &counts,
            range,
            self.slo,
            self.crash,
            self.platforms,
            ctx.now,
        );
        if report.platforms.is_empty() {
            return Err(SourceError::Input(format!(
                "--platform: the input has no rows for that platform between {} and {}",
                range.first(),
                range.last()
            ))
            .into());
        }
        Ok(report)
    }

    /// Each release window's crash-free users, one entry per platform of the plan, in the
    /// order of `windows`. Files: one pass over exactly the days the windows cover; BigQuery:
    /// one query per window, scanning its days only.
    pub async fn releases(
        &self,
        ctx: &Context,
        windows: Vec<ReleaseWindow>,
    ) -> Result<Vec<Vec<ReleaseHealth>>> {
        if windows.is_empty() {
            return Ok(Vec::new());
        }
        let counts = match &self.input {
            Input::Files(paths) => {
                let range = ReleaseWindow::covering(&windows, self.range.last());
                let (quiet, crash) = (ctx.quiet, self.crash);
                let paths = paths.clone();
                let asked = windows.clone();
                blocking(move || read_files(quiet, &paths, range, crash, Some(asked))).await?
            }
            Input::BigQuery(dataset) => {
                let bq = BigQuery::connect().await?;
                let spinner = Progress::spinner("querying BigQuery for releases", ctx.quiet);
                let mut counts = CrashCounts::default();
                for (i, window) in windows.iter().enumerate().filter(|(_, w)| !w.is_empty()) {
                    for (platform, c) in
                        bigquery::crash_free::fetch_release(&bq, dataset, window, self.crash)
                            .await?
                    {
                        counts.releases.insert((i, platform), c);
                    }
                }
                spinner.finish();
                counts
            }
        };
        Ok(windows
            .iter()
            .enumerate()
            .map(|(i, w)| release_health(&counts, i, w, self.platforms, self.slo))
            .collect())
    }
}

#[async_trait(?Send)]
impl Plan for CrashFreePlan {
    /// Reads the data and builds the report (with `--dry-run`, the query's cost instead).
    async fn execute(self: Box<Self>, ctx: &Context) -> Result<Report> {
        let plan = *self;
        if plan.dry_run {
            if let Input::BigQuery(dataset) = &plan.input {
                let bq = BigQuery::connect().await?;
                let bytes =
                    bigquery::crash_free::dry_run(&bq, dataset, plan.range, plan.crash).await?;
                return dry_run_report(ctx, dataset, plan.range, bytes);
            }
        }
        let report = plan.report(ctx).await?;
        // With --strict, a window without data is a warning that fails the run too.
        let unknown = report
            .platforms
            .iter()
            .any(|p| p.windows.days7.meets_slo.is_none() || p.windows.days30.meets_slo.is_none());
        let verdict = Verdict::violated_if(report.misses_slo() || (ctx.strict && unknown));
        let mut out = Report::new(
            Report::document(&report)?,
            views::crash_free::view(&report, ctx.tz),
            verdict,
        );
        out.charts.push(Chart::new(
            "crash-free",
            "Crash-free users per platform, daily",
            views::crash_free::chart(&report, ctx.tz.name()),
            plan.chart,
        ));
        Ok(out)
    }
}

impl Digestible for CrashFree {
    const TABLE: &'static str = "crash_free";
    const KIND: &'static str = "crash_free";
    const TITLE: &'static str = "Crash-free users";

    fn configured(config: &ConfigFile) -> bool {
        config.crash_free.is_some()
    }

    fn describe(plan: &CrashFreePlan) -> String {
        match plan.input {
            Input::BigQuery(_) => format!("BigQuery with {}", onboarding::google_credentials()),
            Input::Files(_) => "local GA4 export files".into(),
        }
    }
}

/// `--dry-run`: what the query would scan, as its own small document; nothing to post.
fn dry_run_report(
    ctx: &Context,
    dataset: &DatasetId,
    range: DayRange,
    bytes: u64,
) -> Result<Report> {
    let document = serde_json::json!({
        "kind": "bigquery_dry_run",
        "generated_at": crate::domain::rfc3339::format(&ctx.now),
        "dataset": dataset.to_string(),
        "first_day": range.first(),
        "last_day": range.last(),
        "total_bytes_processed": bytes,
    });
    let view = View::text(format!(
        "The query over {} from {} to {} would process {} ({bytes} bytes).",
        dataset.events_wildcard(),
        range.first(),
        range.last(),
        human_bytes(bytes)
    ));
    let mut report = Report::new(document, view, Verdict::Met);
    report.slack = SlackView::Nothing;
    Ok(report)
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.2} {}", UNITS[unit])
    }
}
