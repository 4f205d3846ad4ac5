//! A dbt project as dbt loads it: `dbt_project.yml` (name, profile, model paths, `vars`, the
//! `sources:` configs) and the profile's target from `profiles.yml`, found where dbt looks:
//! `--profiles-dir`, `DBT_PROFILES_DIR`, the project directory, the working directory,
//! `~/.dbt`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use super::jinja::{Renderer, Scope};
use super::tree::{Node, Yaml};
use super::{input_error, render_error};
use crate::sources::SourceError;

/// Profile keys that hold secrets: never exposed as `target.*`.
const SECRET_KEYS: &[&str] = &[
    "password",
    "pass",
    "token",
    "keyfile_json",
    "private_key",
    "private_key_passphrase",
    "client_secret",
    "refresh_token",
    "secret",
    "access_token",
];

/// The profile target templates see as `target`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileTarget {
    pub fields: Map<String, Json>,
}

impl ProfileTarget {
    /// The database a source without `database` lives in (BigQuery: the project).
    pub fn database(&self) -> Option<String> {
        self.fields
            .get("database")
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }
}

/// Where a project's inputs come from.
#[derive(Clone, Debug, Default)]
pub struct ProjectOptions {
    pub dir: PathBuf,
    /// `--profiles-dir`.
    pub profiles_dir: Option<PathBuf>,
    /// `--dbt-var KEY=VALUE`, in order.
    pub cli_vars: Vec<String>,
    /// The process environment (`env_var()`, `DBT_PROFILES_DIR`, `DBT_TARGET`, `HOME`).
    pub env: BTreeMap<String, String>,
}

/// A loaded project.
#[derive(Clone, Debug)]
pub struct Project {
    pub name: String,
    pub dir: PathBuf,
    /// Absolute (or `dir`-joined) model paths, where sources files live.
    pub model_paths: Vec<PathBuf>,
    /// What `var()` sees in the project's schema files.
    pub vars: Map<String, Json>,
    pub target: Option<ProfileTarget>,
    /// `dbt_project.yml`'s rendered `sources:` config tree.
    pub source_configs: Json,
}

/// `--dbt-var KEY=VALUE`: the value is read as YAML, as dbt reads `--vars`.
pub fn parse_cli_vars(pairs: &[String]) -> Result<Map<String, Json>, SourceError> {
    let mut vars = Map::new();
    for pair in pairs {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| SourceError::Input(format!("--dbt-var {pair}: expected KEY=VALUE")))?;
        let value = if value.trim().is_empty() {
            Json::String(value.to_string())
        } else {
            crate::sources::yaml::from_str::<Json>(value)
                .unwrap_or_else(|_| Json::String(value.to_string()))
        };
        vars.insert(key.trim().to_string(), value);
    }
    Ok(vars)
}

fn read_tree(path: &Path) -> Result<Node, SourceError> {
    super::parse_tree(path, &super::read_yaml(path)?)
}

/// Renders every string of a subtree (the parts of `dbt_project.yml` / `profiles.yml` dbt
/// renders).
fn render_all(node: &Node, r: &Renderer, file: &Path, field: &str) -> Result<Json, SourceError> {
    Ok(match &node.value {
        Yaml::String(s) => r
            .render(s)
            .map_err(|e| render_error(file, node.line, field, &e))?,
        Yaml::Seq(items) => Json::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, n)| render_all(n, r, file, &format!("{field}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, n)| Ok((k.clone(), render_all(n, r, file, &format!("{field}.{k}"))?)))
                .collect::<Result<_, SourceError>>()?,
        ),
        _ => node.to_json(),
    })
}

fn string_at(
    node: &Node,
    key: &str,
    r: &Renderer,
    file: &Path,
) -> Result<Option<String>, SourceError> {
    let Some(value) = node.get(key) else {
        return Ok(None);
    };
    match render_all(value, r, file, key)? {
        Json::String(s) => Ok(Some(s)),
        Json::Null => Ok(None),
        other => Ok(Some(other.to_string())),
    }
}

/// `profiles.yml`'s directory, as dbt looks for it.
fn profiles_dir(options: &ProjectOptions) -> Option<PathBuf> {
    if let Some(dir) = &options.profiles_dir {
        return Some(dir.clone());
    }
    if let Some(dir) = options
        .env
        .get("DBT_PROFILES_DIR")
        .filter(|d| !d.is_empty())
    {
        return Some(PathBuf::from(dir));
    }
    let candidates = [
        Some(options.dir.clone()),
        std::env::current_dir().ok(),
        options.env.get("HOME").map(|h| Path::new(h).join(".dbt")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|d| d.join("profiles.yml").is_file())
}

/// The selected output of `profile` in `profiles.yml`, rendered, secrets left out, with the
/// adapter's aliases (BigQuery `project`/`dataset`) and DuckDB's database-from-path rule.
fn load_target(
    options: &ProjectOptions,
    profile: &str,
    cli_vars: &Map<String, Json>,
) -> Result<Option<ProfileTarget>, SourceError> {
    let explicit = options.profiles_dir.is_some() || options.env.contains_key("DBT_PROFILES_DIR");
    let Some(dir) = profiles_dir(options) else {
        return Ok(None);
    };
    let path = dir.join("profiles.yml");
    if !path.is_file() {
        return if explicit {
            Err(SourceError::Input(format!(
                "{}: no such file",
                path.display()
            )))
        } else {
            Ok(None)
        };
    }
    let root = read_tree(&path)?;
    let renderer = Renderer::new(Scope {
        vars: cli_vars.clone(),
        env: options.env.clone(),
        allow_secrets: true,
        ..Scope::default()
    });
    let entry = root.get(profile).ok_or_else(|| {
        SourceError::Input(format!(
            "{}: no profile named {profile:?} (dbt_project.yml's `profile:`)",
            path.display()
        ))
    })?;
    let target_name = match options.env.get("DBT_TARGET").filter(|t| !t.is_empty()) {
        Some(t) => t.clone(),
        None => string_at(entry, "target", &renderer, &path)?.unwrap_or_else(|| "default".into()),
    };
    let output = entry
        .get("outputs")
        .and_then(|o| o.get(&target_name))
        .ok_or_else(|| {
            input_error(
                &path,
                entry.line,
                &format!("{profile}.outputs"),
                &format!("no output named {target_name:?} (the profile's target)"),
            )
        })?;
    let mut fields = Map::new();
    if let Yaml::Map(entries) = &output.value {
        for (key, value) in entries {
            if SECRET_KEYS.contains(&key.as_str()) {
                continue;
            }
            let rendered = render_all(
                value,
                &renderer,
                &path,
                &format!("{profile}.outputs.{target_name}.{key}"),
            )?;
            fields.insert(key.clone(), rendered);
        }
    }
    let kind = fields
        .get("type")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string();
    // dbt's credentials aliases: BigQuery's project/dataset are database/schema.
    for (alias, canonical) in [("project", "database"), ("dataset", "schema")] {
        if kind == "bigquery" {
            if let Some(v) = fields.get(alias).cloned() {
                fields.entry(canonical.to_string()).or_insert(v);
            }
            if let Some(v) = fields.get(canonical).cloned() {
                fields.entry(alias.to_string()).or_insert(v);
            }
        }
    }
    if kind == "duckdb" && !fields.contains_key("database") {
        // dbt-duckdb names the database after the file: `path: data/dev.duckdb` → `dev`.
        let path = fields
            .get("path")
            .and_then(Json::as_str)
            .unwrap_or(":memory:");
        let stem = if path == ":memory:" || path.is_empty() {
            "memory".to_string()
        } else {
            Path::new(path)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "memory".into())
        };
        fields.insert("database".into(), Json::String(stem));
    }
    fields.entry("threads".to_string()).or_insert(Json::from(1));
    fields.insert("name".into(), Json::String(target_name.clone()));
    fields.insert("target_name".into(), Json::String(target_name));
    fields.insert("profile_name".into(), Json::String(profile.to_string()));
    Ok(Some(ProfileTarget { fields }))
}

/// Loads `DIR/dbt_project.yml` and its profile's target.
pub fn load(options: &ProjectOptions) -> Result<Project, SourceError> {
    let path = options.dir.join("dbt_project.yml");
    if !path.is_file() {
        return Err(SourceError::Input(format!(
            "{}: no such file (--dbt-project names a dbt project directory)",
            path.display()
        )));
    }
    let root = read_tree(&path)?;
    let cli_vars = parse_cli_vars(&options.cli_vars)?;
    // dbt_project.yml sees the command line's vars only (its own `vars:` are not rendered).
    let plain = Renderer::new(Scope {
        vars: cli_vars.clone(),
        env: options.env.clone(),
        ..Scope::default()
    });
    let name = string_at(&root, "name", &plain, &path)?
        .ok_or_else(|| input_error(&path, 1, "name", "missing: every dbt project has a name"))?;
    let target = match string_at(&root, "profile", &plain, &path)? {
        Some(profile) => load_target(options, &profile, &cli_vars)?,
        None => None,
    };
    let with_target = Renderer::new(Scope {
        vars: cli_vars.clone(),
        env: options.env.clone(),
        target: target.as_ref().map(|t| t.fields.clone()),
        project_name: Some(name.clone()),
        ..Scope::default()
    });
    let model_paths = match root.get("model-paths").or_else(|| root.get("source-paths")) {
        Some(node) => match render_all(node, &with_target, &path, "model-paths")? {
            Json::Array(items) => items
                .iter()
                .filter_map(Json::as_str)
                .map(|p| options.dir.join(p))
                .collect(),
            _ => {
                return Err(input_error(
                    &path,
                    node.line,
                    "model-paths",
                    "expected a list of directories",
                ))
            }
        },
        None => vec![options.dir.join("models")],
    };
    let source_configs = match root.get("sources") {
        Some(node) => render_all(node, &with_target, &path, "sources")?,
        None => Json::Null,
    };
    // `vars:` — global keys, then the project's own scope, then the command line.
    let mut vars = Map::new();
    if let Some(Json::Object(project_vars)) = root.get("vars").map(Node::to_json) {
        for (k, v) in &project_vars {
            if !(k == &name && v.is_object()) {
                vars.insert(k.clone(), v.clone());
            }
        }
        if let Some(Json::Object(scoped)) = project_vars.get(&name) {
            vars.extend(scoped.clone());
        }
    }
    vars.extend(cli_vars);
    Ok(Project {
        name,
        dir: options.dir.clone(),
        model_paths,
        vars,
        target,
        source_configs,
    })
}

impl Project {
    /// The project's schema files that declare `sources:` (`.yml` / `.yaml` under the model
    /// paths), sorted, each with its text (read once, for this and for the reading proper).
    pub fn source_files(&self) -> Result<Vec<(PathBuf, String)>, SourceError> {
        let mut files = Vec::new();
        for dir in &self.model_paths {
            walk(dir, 0, &mut files);
        }
        files.sort();
        let mut with_sources = Vec::new();
        for file in files {
            let text = super::read_yaml(&file)?;
            if text.lines().any(|l| l.starts_with("sources:")) {
                with_sources.push((file, text));
            }
        }
        Ok(with_sources)
    }

    /// The path parts dbt puts in a source's fqn: the file's directories below its model path.
    pub fn fqn_dirs(&self, file: &Path) -> Vec<String> {
        let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let file = absolute(file);
        for root in &self.model_paths {
            if let Ok(rest) = file.strip_prefix(absolute(root)) {
                let mut parts: Vec<String> = rest
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                parts.pop();
                return parts;
            }
        }
        Vec::new()
    }

    /// `dbt_project.yml`'s configs for a source table at `fqn` (root first, deeper levels
    /// overriding): `+key` entries, and plain keys whose values are not mappings.
    pub fn configs_for(&self, fqn: &[String]) -> Map<String, Json> {
        let mut result = Map::new();
        let mut level = &self.source_configs;
        let mut apply = |level: &Json| {
            if let Json::Object(entries) = level {
                for (key, value) in entries {
                    if let Some(config) = key.strip_prefix('+') {
                        result.insert(config.trim().to_string(), value.clone());
                    } else if !value.is_object() {
                        result.insert(key.clone(), value.clone());
                    }
                }
            }
        };
        apply(level);
        for part in fqn {
            match level.get(part) {
                Some(next @ Json::Object(_)) => {
                    apply(next);
                    level = next;
                }
                _ => break,
            }
        }
        result
    }
}

/// Folders below a model path that are searched: deeper ones (a symlink loop) are not.
const MAX_WALK_DEPTH: usize = 32;

/// The YAML files below `dir`; anything but a regular file (a FIFO, a device) is left out.
fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if depth < MAX_WALK_DEPTH {
                walk(&path, depth + 1, out);
            }
        } else if meta.is_file()
            && matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yml" | "yaml")
            )
        {
            out.push(path);
        }
    }
}
