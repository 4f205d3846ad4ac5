//! `vitals digest`: every configured section planned first (config errors exit 2 before
//! anything runs), then run concurrently; one report, one Slack post, one step summary.

use std::io::Write;

use serde_json::{json, Value};

use crate::cli::{
    CrashFreeArgs, DigestArgs, FourKeysArgs, FreshnessArgs, Section, SimulationArgs, SloArgs,
};
use crate::commands::{autoscale, crash_free, four_keys, freshness, slo, Context, SlackMode};
use crate::domain::rfc3339;
use crate::error::{Error, ExitCode, Result};
use crate::report::chart::Panel;
use crate::report::slack::{self, Destination, SlackFile};
use crate::report::view::Tone;
use crate::report::{chart_png, markdown, views, Report};

/// One section's outcome.
pub struct SectionResult {
    pub section: Section,
    pub outcome: std::result::Result<(Report, ExitCode), Error>,
}

impl Section {
    pub fn kind(self) -> &'static str {
        match self {
            Section::CrashFree => "crash_free",
            Section::Slo => "slo",
            Section::Freshness => "freshness",
            Section::Autoscale => "autoscale_simulation",
            Section::FourKeys => "four_keys",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Section::CrashFree => "Crash-free users",
            Section::Slo => "Service level objectives",
            Section::Freshness => "Data freshness",
            Section::Autoscale => "Autoscaling",
            Section::FourKeys => "Four keys",
        }
    }
}

fn configured(ctx: &Context) -> Vec<Section> {
    let file = &ctx.config.file;
    let mut sections = Vec::new();
    if file.crash_free.is_some() {
        sections.push(Section::CrashFree);
    }
    if file.slo.is_some() {
        sections.push(Section::Slo);
    }
    if file.freshness.is_some() {
        sections.push(Section::Freshness);
    }
    if file.autoscale.is_some() {
        sections.push(Section::Autoscale);
    }
    if file.four_keys.is_some() {
        sections.push(Section::FourKeys);
    }
    sections
}

pub async fn run(ctx: &Context, args: &DigestArgs) -> Result<ExitCode> {
    let mut sections = configured(ctx);
    if !args.only.is_empty() {
        for s in &args.only {
            if !sections.contains(s) {
                return Err(Error::Usage(format!(
                    "--only: the config has no [{}] section",
                    s.kind()
                )));
            }
        }
        sections.retain(|s| args.only.contains(s));
    }
    sections.retain(|s| !args.skip.contains(s));
    if sections.is_empty() {
        return Err(Error::Usage(
            "digest: no sections to run (the config has none of [crash_free], [slo], [freshness], [autoscale], [four_keys])"
                .into(),
        ));
    }
    if args.slack_charts {
        match &ctx.slack {
            SlackMode::Off => {
                return Err(Error::Usage(
                    "--slack-charts: needs --slack (or --slack-dry-run)".into(),
                ))
            }
            SlackMode::Post(Destination::Webhook { .. }) => {
                return Err(Error::Usage(slack::CHARTS_NEED_BOT.into()))
            }
            _ => {}
        }
    }
    let github = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let summary_path = if args.github_summary || github {
        match std::env::var_os("GITHUB_STEP_SUMMARY") {
            Some(p) => Some(std::path::PathBuf::from(p)),
            None if args.github_summary => {
                return Err(Error::Usage(
                    "--github-summary: GITHUB_STEP_SUMMARY is not set".into(),
                ))
            }
            None => None,
        }
    } else {
        None
    };
    // Opened now, so an unwritable summary stops the run before any work or post.
    let summary_error = |path: &std::path::Path, e: std::io::Error| {
        Error::Usage(format!(
            "GITHUB_STEP_SUMMARY {}: cannot write: {e}",
            path.display()
        ))
    };
    let mut summary = summary_path
        .as_ref()
        .map(|path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map(|file| (path, file))
                .map_err(|e| summary_error(path, e))
        })
        .transpose()?;

    // Plan everything first: a config mistake anywhere stops the run before any work.
    let crash_plan = sections
        .contains(&Section::CrashFree)
        .then(|| crash_free::plan(ctx, &CrashFreeArgs::default()))
        .transpose()?;
    let slo_plan = sections
        .contains(&Section::Slo)
        .then(|| slo::plan(ctx, &SloArgs::default()))
        .transpose()?;
    let freshness_plan = sections
        .contains(&Section::Freshness)
        .then(|| freshness::plan(ctx, &FreshnessArgs::default()))
        .transpose()?;
    let four_keys_args = FourKeysArgs::default();
    let four_keys_plan = sections
        .contains(&Section::FourKeys)
        .then(|| four_keys::plan(ctx, &four_keys_args))
        .transpose()?;
    let autoscale_plan = sections
        .contains(&Section::Autoscale)
        .then(|| autoscale::plan(ctx, &SimulationArgs::default()))
        .transpose()?;

    let crash = async {
        match &crash_plan {
            Some(plan) => Some(
                crash_free::execute_charted(ctx, plan)
                    .await
                    .and_then(|r| r.ok_or_else(|| Error::Usage("dry run".into()))),
            ),
            None => None,
        }
    };
    let slos = async {
        match &slo_plan {
            Some(plan) => Some(slo::execute_charted(ctx, plan).await),
            None => None,
        }
    };
    let fresh = async {
        match &freshness_plan {
            Some(plan) => Some(
                freshness::execute(ctx, plan)
                    .await
                    .and_then(|(r, code)| freshness::as_report(&r).map(|r| (r, code))),
            ),
            None => None,
        }
    };
    let scaling = async {
        match &autoscale_plan {
            Some(plan) => Some(
                autoscale::load(ctx, plan)
                    .await
                    .and_then(|inputs| autoscale::simulation_report(ctx, &inputs)),
            ),
            None => None,
        }
    };
    let keys = async {
        match four_keys_plan {
            Some(plan) => Some(four_keys::execute(ctx, plan).await),
            None => None,
        }
    };
    let (crash, slos, fresh, scaling, keys) = futures::join!(crash, slos, fresh, scaling, keys);
    let mut charts = Vec::new();
    let (crash, slos) = (
        split_chart(crash, Section::CrashFree, &mut charts),
        split_chart(slos, Section::Slo, &mut charts),
    );
    let results: Vec<SectionResult> = [
        (Section::CrashFree, crash),
        (Section::Slo, slos),
        (Section::Freshness, fresh),
        (Section::Autoscale, scaling),
        (Section::FourKeys, keys),
    ]
    .into_iter()
    .filter_map(|(section, outcome)| outcome.map(|outcome| SectionResult { section, outcome }))
    .collect();

    let code = results
        .iter()
        .map(|r| match &r.outcome {
            Ok((_, code)) => *code,
            Err(e) => e.exit_code(),
        })
        .max()
        .unwrap_or(ExitCode::Ok);
    let documents: Vec<Value> = results
        .iter()
        .map(|r| match &r.outcome {
            Ok((report, _)) => report.document.clone(),
            Err(e) => json!({"kind": r.section.kind(), "status": "failed", "error": crate::redact::clean(&e.to_string())}),
        })
        .collect();
    let document =
        json!({"kind": "digest", "generated_at": rfc3339::format(&ctx.now), "sections": documents});
    let view = views::digest::view(&results, ctx.now);
    let report = Report { document, view };

    if let Some((path, file)) = &mut summary {
        file.write_all(markdown::render_view(&report.view).as_bytes())
            .map_err(|e| summary_error(path, e))?;
    }
    if args.annotations || github {
        for r in &results {
            let (level, text) = match &r.outcome {
                Ok((report, _)) if report.view.tone == Tone::Bad => {
                    ("error", report.view.headline.clone())
                }
                Ok((report, _)) if report.view.tone == Tone::Warn => {
                    ("warning", report.view.headline.clone())
                }
                Ok(_) => continue,
                Err(e) => ("error", format!("failed: {e}")),
            };
            // Workflow commands: one line each; `%`, CR and LF are escaped as GitHub expects.
            let text = crate::redact::clean(&text)
                .replace('%', "%25")
                .replace('\r', "%0D")
                .replace('\n', "%0A");
            eprintln!("::{level} title=vitals {}::{text}", r.section.title());
        }
    }
    let posted = ctx.deliver_with(&report, Some(&report.view)).await?;
    if args.slack_charts {
        let files = chart_files(&charts)?;
        ctx.share_files(posted.as_ref(), &files).await?;
    }
    Ok(code)
}

/// A section's outcome without its chart, which goes to `charts` (when it has panels).
fn split_chart(
    outcome: Option<Result<(Report, ExitCode, Vec<Panel>)>>,
    section: Section,
    charts: &mut Vec<(Section, Vec<Panel>)>,
) -> Option<Result<(Report, ExitCode)>> {
    outcome.map(|r| {
        r.map(|(report, code, panels)| {
            if !panels.is_empty() {
                charts.push((section, panels));
            }
            (report, code)
        })
    })
}

/// Each section's chart as a PNG file titled by its panels (the image itself has no text).
fn chart_files(charts: &[(Section, Vec<Panel>)]) -> Result<Vec<SlackFile>> {
    charts
        .iter()
        .map(|(section, panels)| {
            let name = match section {
                Section::Slo => "slo-burn-down",
                _ => section.kind(),
            };
            let title = panels
                .iter()
                .map(|p| p.title.as_str())
                .collect::<Vec<_>>()
                .join(" · ");
            Ok(SlackFile {
                filename: format!("{}.png", name.replace('_', "-")),
                title: format!("{}: {title}", section.title()),
                bytes: chart_png::png(panels)?,
            })
        })
        .collect()
}
