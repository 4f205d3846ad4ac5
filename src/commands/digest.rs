//! `vitals digest`: every configured section planned first (config errors exit 2 before
//! anything runs), then run concurrently; one report, one Slack post, one step summary. A
//! section that fails upstream is a value in the report, not the end of the run; a section
//! whose input is bad ends it with exit 2 before anything is printed or posted.
//!
//! The sections come from [`SECTIONS`] (commands/registry.rs): adding one needs no edit here.

use futures::StreamExt;
use serde_json::{json, Value};

use crate::cli::DigestArgs;
use crate::commands::registry::SECTIONS;
use crate::commands::{Context, Entry};
use crate::domain::rfc3339;
use crate::error::{outcome_code, Error, ExitCode, Result};
use crate::report::view::Tone;
use crate::report::views::digest::SectionView;
use crate::report::{views, Annotation, AnnotationLevel, Outputs, Report, Verdict};

/// Sections executing at once. They mostly wait on services, and their CPU work runs on the
/// blocking pool, so a few at a time keep a 2-core runner busy without piling every section's
/// memory and connections up at once.
const MAX_CONCURRENT_SECTIONS: usize = 4;

/// `--only` / `--skip` name a section as its table does, with dashes (`crash-free`).
fn cli_name(entry: &dyn Entry) -> String {
    entry.table().replace('_', "-")
}

/// The configured sections, filtered by `--only` and `--skip`.
fn selected(ctx: &Context, args: &DigestArgs) -> Result<Vec<&'static dyn Entry>> {
    let name = |s: &crate::cli::Section| {
        clap::ValueEnum::to_possible_value(s)
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    };
    let mut sections: Vec<&'static dyn Entry> = SECTIONS
        .iter()
        .copied()
        .filter(|e| e.configured(&ctx.config.file))
        .collect();
    let only: Vec<String> = args.only.iter().map(name).collect();
    let skip: Vec<String> = args.skip.iter().map(name).collect();
    if !only.is_empty() {
        if let Some(missing) = only
            .iter()
            .find(|n| !sections.iter().any(|e| &cli_name(*e) == *n))
        {
            return Err(Error::Usage(format!(
                "--only: the config has no [{}] section",
                missing.replace('-', "_")
            )));
        }
        sections.retain(|e| only.contains(&cli_name(*e)));
    }
    sections.retain(|e| !skip.contains(&cli_name(*e)));
    if sections.is_empty() {
        let tables: Vec<String> = SECTIONS
            .iter()
            .map(|e| format!("[{}]", e.table()))
            .collect();
        return Err(Error::Usage(match &ctx.config.path {
            None => format!(
                "digest: no config (./{} does not exist): run `vitals init` to write one, then \
                 `vitals config check`, or pass --config PATH",
                crate::config::DEFAULT_PATH
            ),
            Some(path) if only_or_skip(args) => format!(
                "digest: --only/--skip leave no section of {} to run",
                path.display()
            ),
            Some(path) => format!(
                "digest: {} has none of {}: add one (`vitals init --path example.toml` writes \
                 a commented example)",
                path.display(),
                tables.join(", ")
            ),
        }));
    }
    Ok(sections)
}

fn only_or_skip(args: &DigestArgs) -> bool {
    !(args.only.is_empty() && args.skip.is_empty())
}

pub async fn run(ctx: &Context, mut outputs: Outputs, args: &DigestArgs) -> Result<ExitCode> {
    let sections = selected(ctx, args)?;
    if args.slack_charts {
        outputs.upload_charts("--slack-charts")?;
    }
    Context::github_flags(&mut outputs, args.github_summary, args.annotations)?;
    // Plan everything first: a config mistake anywhere stops the run before any work.
    let plans = sections
        .iter()
        .map(|s| s.plan(ctx))
        .collect::<Result<Vec<_>>>()?;
    let outcomes: Vec<Result<Report>> = futures::stream::iter(plans)
        .map(|plan| plan.execute(ctx))
        .buffered(MAX_CONCURRENT_SECTIONS)
        .collect()
        .await;
    refuse_bad_input(&sections, &outcomes)?;
    let code = outcomes
        .iter()
        .map(|o| outcome_code(o, |r| r.verdict))
        .max()
        .unwrap_or(ExitCode::Ok);
    let report = digest_report(ctx, &sections, outcomes, code);
    outputs.deliver(&report).await?;
    Ok(code)
}

/// Exit 2 means nothing was posted and nothing printed on stdout, in the digest too: a section
/// whose input turned out bad while it ran (a malformed row, a file gone) stops the whole
/// digest, each such section's error on its own stderr line. Sections that failed upstream
/// (exit 3) are shown as failed in the report instead.
fn refuse_bad_input(sections: &[&dyn Entry], outcomes: &[Result<Report>]) -> Result<()> {
    let mut bad: Vec<String> = sections
        .iter()
        .zip(outcomes)
        .filter_map(|(section, outcome)| match outcome {
            Err(e) if e.exit_code() == ExitCode::BadInput => {
                Some(format!("{}: {e}", section.title()))
            }
            _ => None,
        })
        .collect();
    let Some(last) = bad.pop() else {
        return Ok(());
    };
    for line in bad {
        eprintln!("error: {}", crate::redact::clean(&line));
    }
    Err(Error::Usage(last))
}

/// One report of the sections' reports: their documents, views, charts and files, and an
/// annotation for each that needs attention.
fn digest_report(
    ctx: &Context,
    sections: &[&dyn Entry],
    outcomes: Vec<Result<Report>>,
    code: ExitCode,
) -> Report {
    let documents: Vec<Value> = sections
        .iter()
        .zip(&outcomes)
        .map(|(s, o)| match o {
            Ok(report) => report.document.clone(),
            Err(e) => json!({"kind": s.kind(), "status": "failed", "error": crate::redact::clean(&e.to_string())}),
        })
        .collect();
    let document =
        json!({"kind": "digest", "generated_at": rfc3339::format(&ctx.now), "sections": documents});
    let views: Vec<SectionView> = sections
        .iter()
        .zip(&outcomes)
        .map(|(s, o)| SectionView {
            title: s.title(),
            outcome: o.as_ref().map(|r| &r.view).map_err(|e| e.to_string()),
            // Checked when the context was made.
            link: ctx.section_link(s.table()).ok().flatten(),
        })
        .collect();
    let view = views::digest::view(&views, ctx.now, ctx.tz);
    let annotations = sections
        .iter()
        .zip(&outcomes)
        .filter_map(|(s, o)| annotation(s.title(), o))
        .collect();
    let mut report = Report::new(document, view, Verdict::violated_if(code > ExitCode::Ok));
    report.annotations = annotations;
    for part in outcomes.into_iter().flatten() {
        report.charts.extend(part.charts);
        // Files that record a section's own Slack post have no place beside the digest's.
        report
            .artifacts
            .extend(part.artifacts.into_iter().filter(|a| !a.after_post));
    }
    report
}

/// What a section's outcome tells a GitHub Actions run: an error when it is violated or
/// failed, a warning when at risk, nothing when fine.
fn annotation(title: &str, outcome: &Result<Report>) -> Option<Annotation> {
    let (level, text) = match outcome {
        Ok(report) if report.view.tone == Tone::Bad => {
            (AnnotationLevel::Error, report.view.verdict())
        }
        Ok(report) if report.view.tone == Tone::Warn => {
            (AnnotationLevel::Warning, report.view.verdict())
        }
        Ok(_) => return None,
        Err(e) => (AnnotationLevel::Error, format!("failed: {e}")),
    };
    Some(Annotation {
        level,
        title: title.to_string(),
        text,
    })
}
