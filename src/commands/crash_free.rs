//! `vitals crash-free`: GA4 export (files or BigQuery) → crash-free domain → reports.

use std::path::PathBuf;

use crate::cli::{CrashArg, CrashFreeArgs, PlatformArg};
use crate::commands::Context;
use crate::config::CrashFreeSection;
use crate::domain::crash_free::{
    build_report, last_complete_day, Aggregator, CrashCounts, CrashKind, DayRange, Platform,
    PlatformFilter, SloTargets,
};
use crate::error::{Error, ExitCode, Result};
use crate::progress::Progress;
use crate::report::{chart, views, Report};
use crate::sources::bigquery::{self, BigQuery, DatasetId};
use crate::sources::{files, ga4, SourceError};

pub const DEFAULT_DAYS: i64 = 60;
/// Ten years of days: beyond that a typo is likelier than a need.
const MAX_DAYS: i64 = 3660;

enum Input {
    Files {
        patterns: Vec<PathBuf>,
        base: PathBuf,
    },
    BigQuery(DatasetId),
}

/// The run's settings: flags first, then `[crash_free]`, then defaults.
struct Settings {
    input: Input,
    days: u32,
    crash: CrashKind,
    platforms: PlatformFilter,
    slo: SloTargets,
    chart: Option<PathBuf>,
}

fn settings(ctx: &Context, args: &CrashFreeArgs) -> Result<Settings> {
    let empty = CrashFreeSection::default();
    let section = ctx.config.file.crash_free.as_ref().unwrap_or(&empty);
    let config = &ctx.config;

    let days = match (args.days, &section.days) {
        (Some(d), _) if !(1..=MAX_DAYS).contains(&d) => {
            return Err(Error::Usage(format!(
                "--days {d}: must be between 1 and {MAX_DAYS}"
            )))
        }
        (Some(d), _) => d,
        (None, Some(d)) if !(1..=MAX_DAYS).contains(d.get_ref()) => {
            return Err(config
                .error_at(
                    d,
                    "crash_free.days",
                    format!("must be between 1 and {MAX_DAYS}"),
                )
                .into())
        }
        (None, Some(d)) => *d.get_ref(),
        (None, None) => DEFAULT_DAYS,
    } as u32;

    let bigquery = |text: &str| DatasetId::parse(text);
    let input = if !args.events.is_empty() {
        Input::Files {
            patterns: args.events.clone(),
            base: PathBuf::from("."),
        }
    } else if let Some(dataset) = &args.bigquery {
        Input::BigQuery(bigquery(dataset).map_err(|e| Error::Usage(format!("--bigquery: {e}")))?)
    } else if let Some(events) = &section.events {
        Input::Files {
            patterns: events.to_vec().into_iter().map(PathBuf::from).collect(),
            base: config.dir.clone(),
        }
    } else if let Some(dataset) = &section.bigquery {
        Input::BigQuery(
            bigquery(dataset.get_ref())
                .map_err(|e| config.error_at(dataset, "crash_free.bigquery", e))?,
        )
    } else {
        return Err(Error::Usage(
            "crash-free needs --events PATH… or --bigquery PROJECT.DATASET (or [crash_free] events/bigquery in the config)".into(),
        ));
    };

    let crash = match args.crash {
        Some(CrashArg::Any) => CrashKind::Any,
        Some(CrashArg::Fatal) => CrashKind::Fatal,
        None => section.crash.unwrap_or_default(),
    };

    let platforms = match (args.platform, &section.platform) {
        (Some(PlatformArg::Ios), _) => PlatformFilter::Only(Platform::Ios),
        (Some(PlatformArg::Android), _) => PlatformFilter::Only(Platform::Android),
        (None, Some(p)) => match p.get_ref().to_ascii_lowercase().as_str() {
            "ios" => PlatformFilter::Only(Platform::Ios),
            "android" => PlatformFilter::Only(Platform::Android),
            "both" | "all" => PlatformFilter::Both,
            _ => {
                return Err(config
                    .error_at(
                        p,
                        "crash_free.platform",
                        "expected \"ios\", \"android\" or \"both\"",
                    )
                    .into())
            }
        },
        (None, None) => PlatformFilter::Both,
    };

    let mut slo = SloTargets::default();
    for (name, value) in section.slo.iter().flatten() {
        let ratio = *value.get_ref();
        if !(ratio > 0.0 && ratio <= 1.0) {
            return Err(config
                .error_at(
                    value,
                    &format!("crash_free.slo.{name}"),
                    format!("{ratio} is not a ratio in (0, 1] (99.95 % is 0.9995)"),
                )
                .into());
        }
        match name.as_str() {
            "IOS" => slo.ios = ratio,
            "ANDROID" => slo.android = ratio,
            _ => {
                return Err(config
                    .error_at(
                        value,
                        &format!("crash_free.slo.{name}"),
                        "unknown platform (expected IOS or ANDROID)",
                    )
                    .into())
            }
        }
    }

    let chart = args
        .chart
        .clone()
        .or_else(|| section.chart.as_ref().map(|c| config.resolve(c)));
    Ok(Settings {
        input,
        days,
        crash,
        platforms,
        slo,
        chart,
    })
}

fn read_files(
    ctx: &Context,
    patterns: &[PathBuf],
    base: &std::path::Path,
    range: DayRange,
    crash: CrashKind,
) -> Result<CrashCounts> {
    let paths = files::expand(patterns, base)?;
    let progress = Progress::bytes("reading", ga4::total_bytes(&paths), ctx.quiet);
    let aggregator = ga4::aggregate(
        &paths,
        crash == CrashKind::Fatal,
        &|| Aggregator::new(range, crash),
        &progress,
    )?;
    progress.finish();
    if aggregator.rows_counted() == 0 {
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

/// A validated crash-free run: everything checked before any data is read.
pub struct Plan {
    settings: Settings,
    range: DayRange,
    dry_run: bool,
}

/// Validates flags and config (exit 2 before anything runs).
pub fn plan(ctx: &Context, args: &CrashFreeArgs) -> Result<Plan> {
    let settings = settings(ctx, args)?;
    let range = DayRange::ending(last_complete_day(ctx.now, ctx.tz), settings.days);
    if args.dry_run && !matches!(settings.input, Input::BigQuery(_)) {
        return Err(Error::Usage(
            "--dry-run needs a BigQuery source (--bigquery or [crash_free] bigquery)".into(),
        ));
    }
    if settings.days < 30 {
        ctx.warn(&format!(
            "--days {}: the 30d window covers only the {} days of the range",
            settings.days, settings.days
        ));
    }
    Ok(Plan {
        settings,
        range,
        dry_run: args.dry_run,
    })
}

/// Reads the data and builds the report; `None` when a dry run printed its estimate instead.
pub async fn execute(ctx: &Context, plan: &Plan) -> Result<Option<(Report, ExitCode)>> {
    Ok(execute_charted(ctx, plan)
        .await?
        .map(|(report, code, _)| (report, code)))
}

/// [`execute`], also returning the chart's panels (for `digest --slack-charts`).
pub async fn execute_charted(
    ctx: &Context,
    plan: &Plan,
) -> Result<Option<(Report, ExitCode, Vec<chart::Panel>)>> {
    let Plan {
        settings,
        range,
        dry_run,
    } = plan;
    let range = *range;
    let counts = match &settings.input {
        Input::Files { patterns, base } => read_files(ctx, patterns, base, range, settings.crash)?,
        Input::BigQuery(dataset) => {
            let bq = BigQuery::connect().await?;
            if *dry_run {
                let bytes =
                    bigquery::crash_free::dry_run(&bq, dataset, range, settings.crash).await?;
                print_dry_run(ctx, dataset, range, bytes);
                return Ok(None);
            }
            let spinner = Progress::spinner("querying BigQuery", ctx.quiet);
            let counts = bigquery::crash_free::fetch(&bq, dataset, range, settings.crash).await?;
            spinner.finish();
            if counts.daily.is_empty() {
                return Err(SourceError::Input(format!(
                    "BigQuery {dataset}: no mobile rows between {} and {}",
                    range.first(),
                    range.last()
                ))
                .into());
            }
            counts
        }
    };

    let report = build_report(
        &counts,
        range,
        settings.slo,
        settings.crash,
        settings.platforms,
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
    let panels = views::crash_free::chart(&report);
    if let Some(path) = &settings.chart {
        chart::write(path, &panels)?;
    }
    let document = Report::document(&report)?;
    // With --strict, a window without data is a warning that fails the run too.
    let unknown = report
        .platforms
        .iter()
        .any(|p| p.windows.days7.meets_slo.is_none() || p.windows.days30.meets_slo.is_none());
    let code = if report.misses_slo() || (ctx.strict && unknown) {
        ExitCode::Violated
    } else {
        ExitCode::Ok
    };
    Ok(Some((
        Report {
            document,
            view: views::crash_free::view(&report, ctx.tz.name()),
        },
        code,
        panels,
    )))
}

pub async fn run(ctx: &Context, args: &CrashFreeArgs) -> Result<ExitCode> {
    let plan = plan(ctx, args)?;
    match execute(ctx, &plan).await? {
        Some((report, code)) => {
            ctx.deliver(&report).await?;
            Ok(code)
        }
        None => Ok(ExitCode::Ok),
    }
}

fn print_dry_run(ctx: &Context, dataset: &DatasetId, range: DayRange, bytes: u64) {
    let text = match ctx.format {
        crate::cli::Format::Json => format!(
            "{}\n",
            serde_json::json!({
                "kind": "bigquery_dry_run",
                "generated_at": crate::domain::rfc3339::format(&ctx.now),
                "dataset": dataset.to_string(),
                "first_day": range.first(),
                "last_day": range.last(),
                "total_bytes_processed": bytes,
            })
        ),
        _ => format!(
            "The query over {} from {} to {} would process {} ({bytes} bytes).\n",
            dataset.events_wildcard(),
            range.first(),
            range.last(),
            human_bytes(bytes)
        ),
    };
    crate::commands::print_stdout(&text);
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
