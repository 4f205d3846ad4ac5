//! One dbt schema file's `sources:`, rendered value by value as dbt renders them (never
//! `description`, tests or `loaded_at_query`, which dbt renders later or not at all) and
//! merged by dbt's rules into the tables `dbt source freshness` checks.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value as Json};

use super::jinja::{Renderer, Scope};
use super::project::Project;
use super::tree::{Node, Yaml};
use super::{input_error, parse_tree, render_error, Table};
use crate::domain::freshness::dbt::{self as rules, Block, Layer, LoadedAtSettings, Rule};
use crate::domain::freshness::Period;
use crate::sources::SourceError;

/// Reading one file: where errors point, and how values render.
struct Reader<'a> {
    file: &'a Path,
    renderer: Renderer,
    /// BigQuery's `project` / `dataset` spellings of `database` / `schema`.
    bigquery_aliases: bool,
}

impl Reader<'_> {
    fn error(&self, node: &Node, field: &str, message: &str) -> SourceError {
        input_error(self.file, node.line, field, message)
    }

    /// A value with its Jinja rendered (a string that renders to a structure becomes one).
    fn rendered(&self, node: &Node, field: &str) -> Result<Node, SourceError> {
        match &node.value {
            Yaml::String(s) => {
                let value = self
                    .renderer
                    .render(s)
                    .map_err(|e| render_error(self.file, node.line, field, &e))?;
                Ok(Node::from_json(&value, node.line))
            }
            _ => Ok(node.clone()),
        }
    }

    /// A rendered optional string (`null` and absent are `None`).
    fn text(&self, node: &Node, key: &str, field: &str) -> Result<Option<String>, SourceError> {
        let Some(value) = node.get(key) else {
            return Ok(None);
        };
        let field = format!("{field}.{key}");
        let value = self.rendered(value, &field)?;
        match &value.value {
            Yaml::Null => Ok(None),
            Yaml::String(s) => Ok(Some(s.clone())),
            Yaml::Number(n) => Ok(Some(n.to_string())),
            Yaml::Bool(_) | Yaml::Seq(_) | Yaml::Map(_) => {
                Err(self.error(&value, &field, "expected a string"))
            }
        }
    }

    /// A `loaded_at_query`: never rendered here (dbt renders it when it runs, with `this`).
    fn raw_text(&self, node: &Node, key: &str, field: &str) -> Result<Option<String>, SourceError> {
        match node.get(key).map(|n| &n.value) {
            None | Some(Yaml::Null) => Ok(None),
            Some(Yaml::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.error(node, &format!("{field}.{key}"), "expected a string")),
        }
    }

    fn enabled(&self, config: Option<&Node>, field: &str) -> Result<Option<bool>, SourceError> {
        let Some(value) = config.and_then(|c| c.get("enabled")) else {
            return Ok(None);
        };
        let field = format!("{field}.config.enabled");
        let value = self.rendered(value, &field)?;
        match value.value {
            Yaml::Bool(b) => Ok(Some(b)),
            Yaml::Null => Ok(None),
            _ => Err(self.error(&value, &field, "expected true or false")),
        }
    }

    fn rule(&self, block: &Node, key: &str, field: &str) -> Result<Option<Rule>, SourceError> {
        let Some(node) = block.get(key) else {
            return Ok(Some(Rule::default()));
        };
        let field = format!("{field}.{key}");
        let node = self.rendered(node, &field)?;
        if node.is_null() {
            return Ok(None);
        }
        if !matches!(node.value, Yaml::Map(_)) {
            return Err(self.error(
                &node,
                &field,
                "expected {count: N, period: minute|hour|day}",
            ));
        }
        let count = match node.get("count") {
            None => None,
            Some(c) => {
                let f = format!("{field}.count");
                let c = self.rendered(c, &f)?;
                match &c.value {
                    Yaml::Null => None,
                    Yaml::Number(n) => Some(n.as_u64().ok_or_else(|| {
                        self.error(&c, &f, &format!("{n} is not a whole number of periods"))
                    })?),
                    _ => return Err(self.error(&c, &f, "expected a whole number")),
                }
            }
        };
        let period = match node.get("period") {
            None => None,
            Some(p) => {
                let f = format!("{field}.period");
                let p = self.rendered(p, &f)?;
                match &p.value {
                    Yaml::Null => None,
                    Yaml::String(s) => Some(period(s).ok_or_else(|| {
                        self.error(
                            &p,
                            &f,
                            &format!("unknown period {s:?} (expected minute, hour or day)"),
                        )
                    })?),
                    _ => return Err(self.error(&p, &f, "expected minute, hour or day")),
                }
            }
        };
        Ok(Some(Rule { count, period }))
    }

    /// A `freshness:` value: absent, `null`, or a block.
    fn layer(&self, parent: Option<&Node>, field: &str) -> Result<Layer, SourceError> {
        let Some(node) = parent.and_then(|p| p.get("freshness")) else {
            return Ok(Some(Block::default()));
        };
        let field = format!("{field}.freshness");
        let node = self.rendered(node, &field)?;
        match &node.value {
            Yaml::Null => Ok(None),
            Yaml::Map(_) => Ok(Some(Block {
                warn_after: self.rule(&node, "warn_after", &field)?,
                error_after: self.rule(&node, "error_after", &field)?,
                filter: self.text(&node, "filter", &field)?,
            })),
            _ => Err(self.error(
                &node,
                &field,
                "expected a mapping (warn_after, error_after, filter) or null",
            )),
        }
    }
}

pub(crate) fn period(text: &str) -> Option<Period> {
    match text {
        "minute" => Some(Period::Minute),
        "hour" => Some(Period::Hour),
        "day" => Some(Period::Day),
        _ => None,
    }
}

/// Python truthiness of a raw (unrendered) YAML value.
fn truthy(node: Option<&Node>) -> bool {
    match node.map(|n| &n.value) {
        None | Some(Yaml::Null) => false,
        Some(Yaml::Bool(b)) => *b,
        Some(Yaml::String(s)) => !s.is_empty(),
        Some(Yaml::Number(n)) => n.as_f64() != Some(0.0),
        Some(Yaml::Seq(items)) => !items.is_empty(),
        Some(Yaml::Map(entries)) => !entries.is_empty(),
    }
}

/// `dbt_project.yml`'s `+freshness` for one table, as a layer (absent: no rule).
fn project_layer(file: &Path, configs: &Map<String, Json>) -> Result<Layer, SourceError> {
    let Some(value) = configs.get("freshness") else {
        return Ok(Some(Block::default()));
    };
    let reader = Reader {
        file,
        renderer: Renderer::new(Scope::default()),
        bigquery_aliases: false,
    };
    let holder = Node::from_json(&serde_json::json!({ "freshness": value }), 0);
    reader.layer(Some(&holder), "sources.+")
}

/// The tables of one file that dbt would check.
pub(crate) fn read(
    file: &Path,
    text: &str,
    project: Option<&Project>,
    cli_vars: &Map<String, Json>,
    env: &BTreeMap<String, String>,
) -> Result<Vec<Table>, SourceError> {
    let root = parse_tree(file, text)?;
    let Some(sources) = root.get("sources") else {
        return Err(SourceError::Input(format!(
            "{}: no `sources:` list: is this a dbt sources.yml?",
            file.display()
        )));
    };
    let Yaml::Seq(sources) = &sources.value else {
        return Err(input_error(
            file,
            sources.line,
            "sources",
            "expected a list of sources",
        ));
    };
    let target = project.and_then(|p| p.target.as_ref());
    let target_kind = target
        .and_then(|t| t.fields.get("type"))
        .and_then(Json::as_str);
    // A project's vars already end with the command line's (project::load).
    let vars = project.map_or_else(|| cli_vars.clone(), |p| p.vars.clone());
    let reader = Reader {
        file,
        renderer: Renderer::new(Scope {
            vars,
            env: env.clone(),
            target: target.map(|t| t.fields.clone()),
            project_name: project.map(|p| p.name.clone()),
            ..Scope::default()
        }),
        bigquery_aliases: target_kind.is_none_or(|k| k == "bigquery"),
    };
    let fqn_dirs = project.map(|p| p.fqn_dirs(file)).unwrap_or_default();
    let base = file.parent().unwrap_or(Path::new("."));
    let mut tables = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        let field = format!("sources[{i}]");
        if !matches!(source.value, Yaml::Map(_)) {
            return Err(reader.error(source, &field, "expected a mapping with a name"));
        }
        if source.get("overrides").is_some() {
            // A patch of a package's source: only the manifest has the merged result.
            continue;
        }
        let name = reader
            .text(source, "name", &field)?
            .ok_or_else(|| reader.error(source, &field, "a source needs a name"))?;
        let alias = |canonical: &str, alias: &str| -> Result<Option<String>, SourceError> {
            match reader.text(source, canonical, &field)? {
                Some(v) => Ok(Some(v)),
                None if reader.bigquery_aliases => reader.text(source, alias, &field),
                None => Ok(None),
            }
        };
        let database = alias("database", "project")?.filter(|d| !d.is_empty());
        let schema = alias("schema", "dataset")?
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| name.clone());
        let source_config = source.get("config");
        let source_enabled = reader.enabled(source_config, &field)?;
        let source_layers = [
            reader.layer(Some(source), &field)?,
            reader.layer(source_config, &format!("{field}.config"))?,
        ];
        let source_field = reader.text(source, "loaded_at_field", &field)?;
        let source_config_field = match source_config {
            Some(c) => reader.text(c, "loaded_at_field", &format!("{field}.config"))?,
            None => None,
        };
        let source_query = reader.raw_text(source, "loaded_at_query", &field)?;
        let source_config_query = match source_config {
            Some(c) => reader.raw_text(c, "loaded_at_query", &format!("{field}.config"))?,
            None => None,
        };
        if source_field.as_deref() == Some("") {
            return Err(reader.error(
                source,
                &format!("{field}.loaded_at_field"),
                "cannot be an empty string",
            ));
        }
        let table_nodes: &[Node] = match source.get("tables").map(|t| &t.value) {
            None | Some(Yaml::Null) => &[],
            Some(Yaml::Seq(items)) => items,
            Some(_) => {
                return Err(reader.error(
                    source,
                    &format!("{field}.tables"),
                    "expected a list of tables",
                ))
            }
        };
        for (j, table) in table_nodes.iter().enumerate() {
            let field = format!("{field}.tables[{j}]");
            if !matches!(table.value, Yaml::Map(_)) {
                return Err(reader.error(table, &field, "expected a mapping with a name"));
            }
            let table_name = reader
                .text(table, "name", &field)?
                .ok_or_else(|| reader.error(table, &field, "a table needs a name"))?;
            let config = table.get("config");
            let config_field = format!("{field}.config");
            let table_field = reader.text(table, "loaded_at_field", &field)?;
            if table_field.as_deref() == Some("") {
                return Err(reader.error(
                    table,
                    &format!("{field}.loaded_at_field"),
                    "cannot be an empty string",
                ));
            }
            let settings = LoadedAtSettings {
                source_field: source_field.clone(),
                source_config_field: source_config_field.clone(),
                source_query: source_query.clone(),
                source_config_query: source_config_query.clone(),
                table_field_present: table.get("loaded_at_field").is_some()
                    || truthy(config.and_then(|c| c.get("loaded_at_field"))),
                table_field,
                table_config_field: match config {
                    Some(c) => reader.text(c, "loaded_at_field", &config_field)?,
                    None => None,
                },
                table_query: reader.raw_text(table, "loaded_at_query", &field)?,
                table_config_query: match config {
                    Some(c) => reader.raw_text(c, "loaded_at_query", &config_field)?,
                    None => None,
                },
            };
            let loaded_at =
                rules::loaded_at(&settings).map_err(|e| reader.error(table, &field, &e))?;
            let yaml = rules::merge_layers(&[
                source_layers[0].clone(),
                source_layers[1].clone(),
                reader.layer(Some(table), &field)?,
                reader.layer(config, &config_field)?,
            ]);
            let table_enabled = reader.enabled(config, &field)?;
            let identifier = reader
                .text(table, "identifier", &field)?
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| table_name.clone());
            let external_location = match table.get("external") {
                Some(external) => {
                    reader.text(external, "location", &format!("{field}.external"))?
                }
                None => None,
            };
            let (unique_id, project_configs) = match project {
                Some(p) => {
                    let mut fqn = vec![p.name.clone()];
                    fqn.extend(fqn_dirs.iter().cloned());
                    fqn.push(name.clone());
                    fqn.push(table_name.clone());
                    (
                        format!("source.{}.{name}.{table_name}", p.name),
                        p.configs_for(&fqn),
                    )
                }
                None => (format!("source.{name}.{table_name}"), Map::new()),
            };
            let project_file = project.map(|p| p.dir.join("dbt_project.yml"));
            let project_enabled = match project_configs.get("enabled") {
                None | Some(Json::Null) => None,
                Some(Json::Bool(b)) => Some(*b),
                Some(_) => {
                    return Err(input_error(
                        project_file.as_deref().unwrap_or(file),
                        0,
                        "sources: +enabled",
                        "expected true or false",
                    ))
                }
            };
            if !rules::enabled(source_enabled, table_enabled, project_enabled) {
                continue;
            }
            let freshness = rules::with_project_fallback(
                yaml,
                project_layer(project_file.as_deref().unwrap_or(file), &project_configs)?,
            );
            let Some(criteria) = rules::checked(&freshness) else {
                continue;
            };
            tables.push(Table {
                unique_id,
                database: database
                    .clone()
                    .or_else(|| target.and_then(|t| t.database())),
                schema: schema.clone(),
                identifier,
                loaded_at,
                criteria,
                external_location: external_location.map(|l| base.join(l)),
                origin: format!("{}:{}", file.display(), table.line),
            });
        }
    }
    Ok(tables)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::freshness::Threshold;

    fn read_text(text: &str, vars: &[(&str, Json)]) -> Result<Vec<Table>, SourceError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sources.yml");
        std::fs::write(&path, text).unwrap();
        let vars: Map<String, Json> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        super::super::read_yaml(&path)
            .and_then(|text| read(&path, &text, None, &vars, &BTreeMap::new()))
            .map_err(|e| {
                SourceError::Input(e.to_string().replace(&path.display().to_string(), "s.yml"))
            })
    }

    fn hours(count: u64) -> Option<Threshold> {
        Some(Threshold {
            count,
            period: Period::Hour,
        })
    }

    const SOURCES: &str = r#"
version: 2
sources:
  - name: jaffle_shop
    database: raw-project
    schema: jaffle
    freshness:
      warn_after: {count: 12, period: hour}
      error_after: {count: 24, period: hour}
    loaded_at_field: _etl_loaded_at
    tables:
      - name: customers
        description: "{{ doc('never_rendered') }}"
      - name: orders
        identifier: orders_v2
        freshness:
          warn_after: {count: 6, period: hour}
          filter: "_etl_loaded_at > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 2 DAY)"
      - name: product_skus
        freshness: null
  - name: stripe
    project: stripe-project
    config:
      freshness:
        error_after: {count: 1, period: day}
    tables:
      - name: payments
        config:
          loaded_at_field: created
      - name: exports
        external:
          location: "exports/*.csv"
models:
  - name: ignored
"#;

    #[test]
    fn tables_inherit_and_merge_as_dbt_does() {
        let tables = read_text(SOURCES, &[]).unwrap();
        let ids: Vec<_> = tables.iter().map(|t| t.unique_id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "source.jaffle_shop.customers",
                "source.jaffle_shop.orders",
                "source.stripe.payments",
                "source.stripe.exports"
            ]
        );
        assert_eq!(tables[0].criteria.warn_after, hours(12));
        assert_eq!(tables[0].loaded_at.field.as_deref(), Some("_etl_loaded_at"));
        assert_eq!(tables[1].identifier, "orders_v2");
        assert_eq!(tables[1].criteria.warn_after, hours(6));
        assert_eq!(tables[1].criteria.error_after, hours(24));
        assert!(tables[1].criteria.filter.is_some());
        assert_eq!(
            tables[2].database.as_deref(),
            Some("stripe-project"),
            "BigQuery's alias"
        );
        assert_eq!(tables[2].schema, "stripe");
        assert_eq!(tables[2].loaded_at.field.as_deref(), Some("created"));
        assert!(tables[3]
            .external_location
            .as_ref()
            .unwrap()
            .ends_with("exports/*.csv"));
    }

    #[test]
    fn jinja_values_render_with_vars() {
        let text = "sources:\n  - name: s\n    database: \"{{ var('db') }}\"\n    freshness:\n      warn_after: {count: \"{{ var('n') }}\", period: hour}\n    tables:\n      - name: t\n        config:\n          enabled: \"{{ var('on') }}\"\n      - name: u\n";
        let tables = read_text(
            text,
            &[("db", "p".into()), ("n", 3.into()), ("on", false.into())],
        )
        .unwrap();
        assert_eq!(tables.len(), 1, "t is disabled");
        assert_eq!(tables[0].unique_id, "source.s.u");
        assert_eq!(tables[0].database.as_deref(), Some("p"));
        assert_eq!(tables[0].criteria.warn_after, hours(3));
    }

    #[test]
    fn a_template_that_cannot_render_names_file_line_and_expression() {
        let text = "sources:\n  - name: s\n    tables:\n      - name: t\n        identifier: \"{{ my_macro('x') }}\"\n";
        let err = read_text(text, &[]).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "s.yml:5: sources[0].tables[0].identifier: cannot render `my_macro('x')`"
            ),
            "{err}"
        );
        assert!(err.contains("unknown function"), "{err}");
    }

    #[test]
    fn bad_values_name_their_field_and_line() {
        let text = "sources:\n  - name: s\n    freshness:\n      warn_after: {count: 2, period: week}\n    tables: [{name: t}]\n";
        let err = read_text(text, &[]).unwrap_err().to_string();
        assert_eq!(err, "s.yml:4: sources[0].freshness.warn_after.period: unknown period \"week\" (expected minute, hour or day)");
        let err = read_text("models:\n  - name: x\n", &[])
            .unwrap_err()
            .to_string();
        assert_eq!(err, "s.yml: no `sources:` list: is this a dbt sources.yml?");
        let err = read_text("sources:\n  name: x\n", &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("s.yml:2: sources: expected a list"),
            "{err}"
        );
    }

    #[test]
    fn a_source_without_database_is_left_for_the_fallback() {
        let tables = read_text("sources:\n  - name: s\n    freshness: {warn_after: {count: 1, period: day}}\n    tables: [{name: t}]\n", &[]).unwrap();
        assert_eq!(tables[0].database, None);
    }
}
