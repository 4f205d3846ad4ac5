//! `vitals gate`: the `slo` and `crash_free` sections' own plans, run as `vitals slo` and
//! `vitals crash-free` run them (same sources, same fetching), then the gate's rules
//! ([`crate::domain::gate`]) on their typed results → allowed (exit 0) or blocked (exit 1).
//!
//! A check that fails to run blocks: the verdict says so and the run exits 3 (upstream), or
//! stops with exit 2 and posts nothing when the input itself is bad.

use async_trait::async_trait;

use crate::cli::{CrashFreeArgs, GateArgs, SloArgs};
use crate::commands::crash_free::{CrashFree, CrashFreePlan};
use crate::commands::slo::{Slo, SloPlan};
use crate::commands::{Context, Plan, Section};
use crate::config::GateSection;
use crate::domain::crash_free::RELEASE_DAYS;
use crate::domain::gate::{decide, GateRules, Outcome};
use crate::error::{Error, ExitCode, Result};
use crate::report::{views, Outputs, Report, Verdict};

/// `vitals gate`.
pub struct Gate;

/// The checks planned (their config read and validated), and the rules.
pub struct GatePlan {
    slo: Option<SloPlan>,
    crash_free: Option<CrashFreePlan>,
    rules: GateRules,
}

impl Section for Gate {
    type Args = GateArgs;
    type Plan = GatePlan;

    /// Plans `[slo]` (or `--spec`) and `[crash_free]` as their own subcommands do, with their
    /// defaults: a config mistake in either is exit 2 before anything is read.
    fn plan(ctx: &Context, args: &GateArgs) -> Result<GatePlan> {
        let file = &ctx.config.file;
        let slo = if !args.spec.is_empty() || file.slo.is_some() {
            let slo_args = SloArgs {
                spec: args.spec.clone(),
                ..SloArgs::default()
            };
            Some(Slo::plan(ctx, &slo_args)?)
        } else {
            None
        };
        // Only the 7-day window decides: nothing older is worth reading or scanning.
        let crash_free = match &file.crash_free {
            Some(_) => Some(
                CrashFree::plan(ctx, &CrashFreeArgs::default())?.last_days(RELEASE_DAYS as u32),
            ),
            None => None,
        };
        if slo.is_none() && crash_free.is_none() {
            return Err(Error::Usage(
                "gate: nothing to check: the config has no [slo] or [crash_free] section \
                 (or give --spec FILE…)"
                    .into(),
            ));
        }
        let empty = GateSection::default();
        let section = file.gate.as_ref().unwrap_or(&empty);
        let min_budget = ctx
            .config
            .flag("--min-budget", args.min_budget.as_ref())
            .or_key("gate.min_budget", section.min_budget.as_ref())
            .check(
                |r| (0.0..=1.0).contains(r),
                "must be a ratio between 0 and 1 (10 % is 0.1)",
            )?
            .copied()
            .unwrap_or(0.0);
        Ok(GatePlan {
            slo,
            crash_free,
            rules: GateRules {
                min_budget,
                strict: ctx.strict,
            },
        })
    }
}

impl GatePlan {
    /// Runs the checks at once and decides. A check's failure does not stop the other: the
    /// report says what failed, and the error comes back beside it.
    async fn decide(&self, ctx: &Context) -> Result<(Report, Option<Error>)> {
        let slo = async {
            match &self.slo {
                Some(plan) => Some(plan.report(ctx).await),
                None => None,
            }
        };
        let crash_free = async {
            match &self.crash_free {
                Some(plan) => Some(plan.report(ctx).await),
                None => None,
            }
        };
        let (slo, crash_free) = futures::join!(slo, crash_free);
        let messages: Vec<String> = [
            slo.as_ref().and_then(|r| r.as_ref().err()),
            crash_free.as_ref().and_then(|r| r.as_ref().err()),
        ]
        .map(|e| {
            e.map(|e| crate::redact::clean(&e.to_string()))
                .unwrap_or_default()
        })
        .to_vec();
        let slo_outcome = slo.as_ref().map(|r| match r {
            Ok(report) => Outcome::Ran(report.slos.as_slice()),
            Err(_) => Outcome::Failed(&messages[0]),
        });
        let crash_outcome = crash_free.as_ref().map(|r| match r {
            Ok(report) => Outcome::Ran(report),
            Err(_) => Outcome::Failed(&messages[1]),
        });
        let decision = decide(slo_outcome, crash_outcome, self.rules, ctx.now);
        let mut report = Report::new(
            Report::document(&decision)?,
            views::gate::view(&decision, ctx.tz),
            Verdict::violated_if(!decision.allowed),
        );
        report.annotations = views::gate::annotations(&decision);
        // Bad input outranks an upstream failure: exit 2 posts nothing.
        let failure = [slo.and_then(Result::err), crash_free.and_then(Result::err)]
            .into_iter()
            .flatten()
            .max_by_key(|e| u8::from(e.exit_code() == ExitCode::BadInput));
        Ok((report, failure))
    }
}

#[async_trait(?Send)]
impl Plan for GatePlan {
    /// The verdict; a check that failed to run is the run's error.
    async fn execute(self: Box<Self>, ctx: &Context) -> Result<Report> {
        match self.decide(ctx).await? {
            (_, Some(error)) => Err(error),
            (report, None) => Ok(report),
        }
    }
}

/// Plans, decides and delivers. Blocked is exit 1; a check that failed to run is exit 3
/// with the blocked verdict delivered, or exit 2 with nothing delivered when its input was
/// bad.
pub async fn run(ctx: &Context, mut outputs: Outputs, args: &GateArgs) -> Result<ExitCode> {
    Context::github_flags(&mut outputs, args.github_summary, args.annotations)?;
    let plan = Gate::plan(ctx, args)?;
    let (report, failure) = plan.decide(ctx).await?;
    match failure {
        Some(error) if error.exit_code() == ExitCode::BadInput => Err(error),
        Some(error) => {
            outputs.deliver(&report).await?;
            eprintln!(
                "error: gate: a check could not run, so the deploy is not allowed: {}",
                crate::redact::clean(&error.to_string())
            );
            Ok(error.exit_code())
        }
        None => {
            outputs.deliver(&report).await?;
            Ok(report.verdict.into())
        }
    }
}
