//! The one shape of every subcommand:
//!
//! ```text
//! Section::plan(ctx, args) -> Plan       settings resolved (flag > config > default), every
//!                                        local input read and checked: exit 2 happens here
//! Plan::execute(ctx)       -> Report     fetch (async) and compute (off the async threads)
//! Outputs::deliver(report)               stdout, files, step summary, Slack
//! ```
//!
//! A [`Digestible`] section is one the digest runs when the config has its table; the digest
//! holds them in its registry as [`Entry`] values, so adding one is one registry line.

use async_trait::async_trait;

use super::Context;
use crate::config::ConfigFile;
use crate::error::Result;
use crate::report::Report;

/// A subcommand that plans before it runs.
pub trait Section {
    /// Its flags. The digest plans with the defaults, so only the config counts there.
    type Args: Default;
    type Plan: Plan;

    /// Resolves the settings and checks every local input, touching no service.
    fn plan(ctx: &Context, args: &Self::Args) -> Result<Self::Plan>;
}

/// A run checked and ready: `execute` fetches and computes, and returns the finished report.
/// CPU-heavy work runs on blocking threads (`commands::blocking`, rayon) so that the async
/// threads keep driving every other section's I/O and timers. The digest joins the plans'
/// futures within its own task rather than spawning them, so they need not be `Send`.
#[async_trait(?Send)]
pub trait Plan: 'static {
    async fn execute(self: Box<Self>, ctx: &Context) -> Result<Report>;
}

/// A section the digest runs.
pub trait Digestible: Section + Sync + 'static {
    /// Its table in `vitals.toml`, e.g. `crash_free` (`--only crash-free` names it too).
    const TABLE: &'static str;
    /// The `kind` of its JSON document (also of a failed entry), e.g. `crash_free`.
    const KIND: &'static str;
    /// How the digest titles it, e.g. `Crash-free users`.
    const TITLE: &'static str;

    /// Whether the config has the section's table.
    fn configured(config: &ConfigFile) -> bool;

    /// `vitals config check`'s account of the planned section: what it reads, and with
    /// which credentials.
    fn describe(plan: &Self::Plan) -> String;
}

/// A registered [`Digestible`], object-safe: what the digest and `config check` loop over.
pub trait Entry: Sync {
    fn table(&self) -> &'static str;
    fn kind(&self) -> &'static str;
    fn title(&self) -> &'static str;
    fn configured(&self, config: &ConfigFile) -> bool;
    /// Plans the section from the config alone.
    fn plan(&self, ctx: &Context) -> Result<Box<dyn Plan>>;
    /// Plans the section and describes the plan (`config check`).
    fn check(&self, ctx: &Context) -> Result<String>;
}

impl<S: Digestible> Entry for S {
    fn table(&self) -> &'static str {
        S::TABLE
    }

    fn kind(&self) -> &'static str {
        S::KIND
    }

    fn title(&self) -> &'static str {
        S::TITLE
    }

    fn configured(&self, config: &ConfigFile) -> bool {
        S::configured(config)
    }

    fn plan(&self, ctx: &Context) -> Result<Box<dyn Plan>> {
        Ok(Box::new(S::plan(ctx, &S::Args::default())?))
    }

    fn check(&self, ctx: &Context) -> Result<String> {
        let plan = S::plan(ctx, &S::Args::default())?;
        Ok(S::describe(&plan))
    }
}
