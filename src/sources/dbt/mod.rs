//! dbt projects as they are: the source tables `dbt source freshness` would check, with the
//! criteria and relation dbt would use, read from
//! - the compiled `target/manifest.json` (`--dbt-manifest`): the exact truth, Jinja rendered
//!   and configs merged by dbt itself ([`manifest`]);
//! - or `sources.yml` files (`--dbt-sources`, `--dbt-project`): rendered with dbt's common
//!   Jinja ([`jinja`]), the project's vars and profile target ([`project`]), then merged by
//!   dbt's rules (`domain::freshness::dbt`).
//!
//! `database` / `schema` / `identifier` are the BigQuery project / dataset / table. A table
//! with `external.location` (the dbt-external-tables convention) is checked as local files.

pub mod jinja;
pub mod manifest;
pub mod project;
mod sources_file;
mod tree;

use std::path::{Path, PathBuf};

use crate::domain::freshness::dbt::LoadedAt;
use crate::domain::freshness::Criteria;

use super::SourceError;
pub use project::{Project, ProjectOptions};

/// Where a freshness check measures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Local files: a path or glob.
    Files {
        pattern: PathBuf,
        loaded_at_field: Option<String>,
    },
    /// A BigQuery table: last-modified time, `MAX(loaded_at_field)` with a filter, or the
    /// value of `loaded_at_query`.
    BigQuery {
        project: String,
        dataset: String,
        table: String,
        loaded_at_field: Option<String>,
        loaded_at_query: Option<String>,
        filter: Option<String>,
    },
    /// A table that cannot be located (no database anywhere): a `runtime error` row.
    Unresolved { error: String },
}

/// One check, from config or from dbt.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckSpec {
    pub unique_id: String,
    pub criteria: Criteria,
    pub target: Target,
}

/// What dbt inputs to read.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// `--dbt-manifest`.
    pub manifest: Option<PathBuf>,
    /// `--dbt-sources` files (already expanded).
    pub sources: Vec<PathBuf>,
    /// `--dbt-project` and where its profile is.
    pub project: Option<ProjectOptions>,
    /// `--dbt-var KEY=VALUE` (also without a project).
    pub cli_vars: Vec<String>,
    /// The database (BigQuery project) for a source that names none and whose profile gives
    /// none: `[freshness] project`, else the credentials' project.
    pub fallback_database: Option<String>,
}

/// A source table dbt would check, before it becomes a [`CheckSpec`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Table {
    pub unique_id: String,
    pub database: Option<String>,
    pub schema: String,
    pub identifier: String,
    pub loaded_at: LoadedAt,
    pub criteria: Criteria,
    /// `external.location`, already joined to the directory it is relative to.
    pub external_location: Option<PathBuf>,
    /// The file (and field) `loaded_at_query` comes from, for its errors.
    pub origin: String,
}

/// Every check the dbt inputs declare.
pub fn checks(inputs: &Inputs) -> Result<Vec<CheckSpec>, SourceError> {
    let env: std::collections::BTreeMap<String, String> = std::env::vars().collect();
    let mut tables = Vec::new();
    if let Some(path) = &inputs.manifest {
        tables.extend(manifest::read(path)?);
    }
    let project = inputs.project.as_ref().map(project::load).transpose()?;
    // Files named on the command line are read as their turn comes; a project's were read
    // while finding them.
    let files: Vec<(PathBuf, Option<String>)> = match &project {
        Some(project) if inputs.sources.is_empty() => project
            .source_files()?
            .into_iter()
            .map(|(file, text)| (file, Some(text)))
            .collect(),
        _ => inputs.sources.iter().map(|f| (f.clone(), None)).collect(),
    };
    let cli_vars = project::parse_cli_vars(&inputs.cli_vars)?;
    for (file, text) in files {
        let text = match text {
            Some(text) => text,
            None => read_yaml(&file)?,
        };
        tables.extend(sources_file::read(
            &file,
            &text,
            project.as_ref(),
            &cli_vars,
            &env,
        )?);
    }
    tables
        .into_iter()
        .map(|t| to_check(t, inputs.fallback_database.as_deref(), &env))
        .collect()
}

/// The check for a table: its relation, with `{{ this }}` rendered in `loaded_at_query`.
fn to_check(
    table: Table,
    fallback_database: Option<&str>,
    env: &std::collections::BTreeMap<String, String>,
) -> Result<CheckSpec, SourceError> {
    let target = match (&table.external_location, table.database.as_deref().or(fallback_database)) {
        (Some(pattern), _) => Target::Files {
            pattern: pattern.clone(),
            loaded_at_field: table.loaded_at.field.clone(),
        },
        (None, None) => Target::Unresolved {
            error: format!(
                "{}: no database (BigQuery project): set `database` on the source, a profile target with one (--dbt-project), `[freshness] project`, or credentials with a project",
                table.unique_id
            ),
        },
        (None, Some(project)) => {
            let loaded_at_query = match &table.loaded_at.query {
                Some(query) => {
                    let this = format!("`{project}`.`{}`.`{}`", table.schema, table.identifier);
                    let renderer = jinja::Renderer::new(jinja::Scope {
                        env: env.clone(),
                        this: Some(this),
                        ..jinja::Scope::default()
                    });
                    let rendered = renderer.render(query).map_err(|e| {
                        SourceError::Input(format!(
                            "{}: loaded_at_query of {}: cannot render `{}`: {}",
                            table.origin, table.unique_id, e.expression, e.message
                        ))
                    })?;
                    Some(match rendered {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    })
                }
                None => None,
            };
            Target::BigQuery {
                project: project.to_string(),
                dataset: table.schema.clone(),
                table: table.identifier.clone(),
                loaded_at_field: table.loaded_at.field.clone(),
                loaded_at_query,
                filter: table.criteria.filter.clone(),
            }
        }
    };
    Ok(CheckSpec {
        unique_id: table.unique_id,
        criteria: table.criteria,
        target,
    })
}

/// A dbt YAML file's text parsed into a tree, errors naming `path` and the position.
pub(crate) fn parse_tree(path: &Path, text: &str) -> Result<tree::Node, SourceError> {
    tree::parse(text).map_err(|e| match e.at {
        Some((line, column)) => {
            SourceError::Input(format!("{}:{line}:{column}: {}", path.display(), e.message))
        }
        None => SourceError::Input(format!("{}: {}", path.display(), e.message)),
    })
}

/// A dbt YAML file's text, within the YAML size limit (see [`crate::sources::yaml`]).
pub(crate) fn read_yaml(file: &Path) -> Result<String, SourceError> {
    crate::fs::read_input(file, super::yaml::MAX_BYTES as u64)
        .map_err(|why| SourceError::Input(format!("{}: {why}", file.display())))
}

/// `FILE:LINE: FIELD: message` (the line left out when unknown).
pub(crate) fn input_error(file: &Path, line: usize, field: &str, message: &str) -> SourceError {
    if line == 0 {
        SourceError::Input(format!("{}: {field}: {message}", file.display()))
    } else {
        SourceError::Input(format!("{}:{line}: {field}: {message}", file.display()))
    }
}

/// A template that could not be rendered, at the line of the YAML value (plus the line within
/// a multi-line template).
pub(crate) fn render_error(
    file: &Path,
    line: usize,
    field: &str,
    e: &jinja::RenderError,
) -> SourceError {
    input_error(
        file,
        if line == 0 {
            0
        } else {
            line + e.line.saturating_sub(1)
        },
        field,
        &format!("cannot render `{}`: {}", e.expression, e.message),
    )
}
