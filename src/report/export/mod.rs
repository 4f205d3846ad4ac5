//! Exporters: a finished, typed result in, bytes (or an error) out; one format a file, in the
//! manner of hyperfine's `src/export/`. Whole reports go through [`Exporter`] (table, JSON,
//! Markdown, Slack Block Kit); the files a run writes besides its report are [`Content`],
//! each kind rendered by its own module. Nothing here writes, posts or decides where bytes go:
//! that is [`super::output`]'s job.

pub mod csv;
pub mod dbt;
pub mod json;
pub mod markdown;
pub mod slack;
pub mod table;
pub mod terraform;

use super::{OutputError, Report};
use crate::domain::autoscale::{Policy, TimelineRow, TraceRow};
use crate::domain::freshness::{AlertStore, FreshnessReport};
use crate::domain::slo::rules::{self, RuleFile};

/// Renders a whole report.
pub trait Exporter {
    fn export(&self, report: &Report) -> Result<Vec<u8>, OutputError>;
}

/// The report formats for stdout (`--format`). The report layer owns this enum; the command
/// line maps its own onto it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Table,
    Json,
    Markdown,
}

/// Whether the terminal output may use colour (a TTY, and `NO_COLOR` unset).
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn detect() -> Style {
        use std::io::IsTerminal;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: std::io::stdout().is_terminal() && !no_color,
        }
    }
}

/// The exporter for a format; adding a format means one new file and one arm here.
pub fn exporter_for(format: Format, style: Style) -> Box<dyn Exporter + Send + Sync> {
    match format {
        Format::Table => Box::new(table::TableExporter { style }),
        Format::Json => Box::new(json::JsonExporter),
        Format::Markdown => Box::new(markdown::MarkdownExporter),
    }
}

/// What a file besides the report holds, typed until it is written.
#[derive(Debug)]
pub enum Content {
    /// dbt's `sources.json` (`--write-dbt-artifact`).
    DbtSources(FreshnessReport),
    /// `terraform.tfvars.json` for the module in `terraform/` (`--emit-terraform`).
    TerraformVars(Policy),
    /// A policy file as `simulate --policy` reads it, after a comment (`show --as-policy`).
    PolicyFile { comment: String, policy: Policy },
    /// A simulation's per-minute timeline (`--timeline`).
    Timeline(Vec<TimelineRow>),
    /// A CPU trace in the contract's CSV shape (`--save-trace`).
    Trace(Vec<TraceRow>),
    /// Freshness alert state (`--state`), and the lock taken when it was read: held until the
    /// report (and so this file's write) is done.
    AlertState {
        store: AlertStore,
        lock: std::sync::Arc<crate::fs::Lock>,
    },
    /// Prometheus rule groups after a comment (`slo rules --out`).
    PrometheusRules { header: String, rules: RuleFile },
}

impl Content {
    pub fn export(&self) -> Result<Vec<u8>, OutputError> {
        match self {
            Content::DbtSources(report) => dbt::export(report),
            Content::TerraformVars(policy) => terraform::tfvars(policy),
            Content::PolicyFile { comment, policy } => terraform::policy_file(comment, policy),
            Content::Timeline(rows) => csv::timeline(rows),
            Content::Trace(rows) => csv::trace(rows),
            Content::AlertState { store, .. } => json::pretty(store),
            Content::PrometheusRules { header, rules } => rules::to_yaml(rules, header)
                .map(String::into_bytes)
                .map_err(OutputError::Write),
        }
    }
}
