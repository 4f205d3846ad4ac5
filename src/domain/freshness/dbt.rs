//! dbt's rules for which source tables `dbt source freshness` checks, and with what: the
//! freshness blocks of a source, its `config:`, the table and the table's `config:` merged as
//! dbt-core 1.11's `merge_source_freshness` merges them, `dbt_project.yml`'s `+freshness` as the
//! fallback, `loaded_at_field` / `loaded_at_query` precedence and `enabled`.
//!
//! Pure: the dbt source adapter reads and renders the YAML into these values.

use super::evaluate::Criteria;
use super::threshold::{Period, Threshold};

/// A `warn_after` / `error_after` value as written: either part may be missing. Only a
/// complete rule (count and period) ever decides anything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rule {
    pub count: Option<u64>,
    pub period: Option<Period>,
}

impl Rule {
    pub fn complete(&self) -> Option<Threshold> {
        Some(Threshold {
            count: self.count?,
            period: self.period?,
        })
    }
}

/// One `freshness:` block. `None` for a rule is an explicit `null`; an absent rule or `{}` is
/// `Some(Rule::default())`, as dbt's dataclass defaults make it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub warn_after: Option<Rule>,
    pub error_after: Option<Rule>,
    pub filter: Option<String>,
}

impl Default for Block {
    fn default() -> Block {
        Block {
            warn_after: Some(Rule::default()),
            error_after: Some(Rule::default()),
            filter: None,
        }
    }
}

impl Block {
    /// dbt's `FreshnessThreshold.__bool__`: a complete warn or error rule.
    pub fn has_rule(&self) -> bool {
        let complete = |r: &Option<Rule>| r.as_ref().and_then(Rule::complete).is_some();
        complete(&self.warn_after) || complete(&self.error_after)
    }

    /// The criteria a check uses: only complete rules count.
    pub fn criteria(&self) -> Criteria {
        Criteria {
            warn_after: self.warn_after.as_ref().and_then(Rule::complete),
            error_after: self.error_after.as_ref().and_then(Rule::complete),
            filter: self.filter.clone(),
        }
    }
}

/// One layer's `freshness`: `None` is `freshness: null`, `Some(Block::default())` is absent.
pub type Layer = Option<Block>;

/// `merge_freshness_time_thresholds`: `null` unsets, a complete rule replaces, anything else
/// (absent, `{}`, `{count: 36}` alone) keeps what was inherited.
fn merge_rule(base: Option<Rule>, update: Option<Rule>) -> Option<Rule> {
    match update {
        None => None,
        Some(u) if u.complete().is_some() => Some(u),
        Some(_) => base,
    }
}

/// dbt-core's `merge_source_freshness` over the layers in order (source, source `config`,
/// table, table `config`): a `null` layer turns the result off until a later layer with a
/// complete rule starts it afresh; otherwise rules merge as [`merge_rule`] says and `filter`
/// inherits (a `null` filter does not remove it).
pub fn merge_layers(layers: &[Layer]) -> Layer {
    let mut layers = layers.iter().cloned();
    let mut current = layers.next()?;
    for update in layers {
        current = match (current, update) {
            (Some(base), Some(update)) => Some(Block {
                warn_after: merge_rule(base.warn_after, update.warn_after),
                error_after: merge_rule(base.error_after, update.error_after),
                filter: update.filter.or(base.filter),
            }),
            (None, Some(update)) if update.has_rule() => Some(update),
            _ => None,
        };
    }
    current
}

/// What `dbt_project.yml` (`sources:` `+freshness`) contributes: used only when the YAML's
/// merged block has no complete rule (and is not `null`); a YAML block with a rule replaces
/// it whole.
pub fn with_project_fallback(yaml: Layer, project: Layer) -> Layer {
    match yaml {
        Some(block) if block.has_rule() => Some(block),
        Some(_) => project,
        None => None,
    }
}

/// dbt's `has_freshness`: the criteria of a table that is checked, `None` when it is not.
pub fn checked(freshness: &Layer) -> Option<Criteria> {
    freshness
        .as_ref()
        .filter(|b| b.has_rule())
        .map(Block::criteria)
}

/// `enabled`: the table's `config`, else the source's `config`, else `dbt_project.yml`'s,
/// else enabled.
pub fn enabled(
    source_config: Option<bool>,
    table_config: Option<bool>,
    project: Option<bool>,
) -> bool {
    table_config.or(source_config).or(project).unwrap_or(true)
}

/// Where `loaded_at_field` / `loaded_at_query` may be set for one table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadedAtSettings {
    pub source_field: Option<String>,
    pub source_config_field: Option<String>,
    pub source_query: Option<String>,
    pub source_config_query: Option<String>,
    /// The table names `loaded_at_field` at its top level (even as `null`), or a non-empty
    /// one under `config:`: the source's setting then no longer applies.
    pub table_field_present: bool,
    pub table_field: Option<String>,
    pub table_config_field: Option<String>,
    pub table_query: Option<String>,
    pub table_config_query: Option<String>,
}

/// The resolved pair.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadedAt {
    pub field: Option<String>,
    pub query: Option<String>,
}

/// Python's `a or b` on optional strings: an empty string is false.
fn or(a: &Option<String>, b: &Option<String>) -> Option<String> {
    match a {
        Some(s) if !s.is_empty() => Some(s.clone()),
        _ => b.clone(),
    }
}

/// dbt-core's `calculate_loaded_at_field_query_from_raw_target`: the table's setting (top level,
/// then `config`) beats the source's; a table-level `loaded_at_field: null` clears the source's
/// field and query; a field and a query on one level is an error.
pub fn loaded_at(s: &LoadedAtSettings) -> Result<LoadedAt, String> {
    let truthy = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    if s.table_field_present && (truthy(&s.table_query) || truthy(&s.table_config_query)) {
        return Err(
            "cannot specify both loaded_at_field and loaded_at_query at table level".into(),
        );
    }
    if (truthy(&s.source_field) || truthy(&s.source_config_field))
        && (truthy(&s.source_query) || truthy(&s.source_config_query))
    {
        return Err(
            "cannot specify both loaded_at_field and loaded_at_query at source level".into(),
        );
    }
    let field =
        if s.table_field_present || s.table_field.is_some() || s.table_config_field.is_some() {
            or(&s.table_field, &s.table_config_field)
        } else {
            or(&s.source_field, &s.source_config_field)
        };
    let query = if s.table_query.is_some() || s.table_config_query.is_some() {
        or(&s.table_query, &s.table_config_query)
    } else if s.table_field_present {
        None
    } else {
        or(&s.source_query, &s.source_config_query)
    };
    Ok(LoadedAt { field, query })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(count: u64, period: Period) -> Option<Rule> {
        Some(Rule {
            count: Some(count),
            period: Some(period),
        })
    }

    fn block(warn: Option<Rule>, error: Option<Rule>, filter: Option<&str>) -> Layer {
        Some(Block {
            warn_after: warn,
            error_after: error,
            filter: filter.map(str::to_string),
        })
    }

    fn absent() -> Layer {
        Some(Block::default())
    }

    fn hours(n: u64) -> Option<Threshold> {
        Some(Threshold {
            count: n,
            period: Period::Hour,
        })
    }

    fn source_12h_1d_filtered() -> Layer {
        block(rule(12, Period::Hour), rule(1, Period::Day), Some("x > 1"))
    }

    /// The four layers dbt merges, with the table's own block varying.
    fn with_table(table: Layer) -> Option<Criteria> {
        checked(&merge_layers(&[
            source_12h_1d_filtered(),
            absent(),
            table,
            absent(),
        ]))
    }

    #[test]
    fn an_absent_table_block_inherits_the_source_block() {
        let c = with_table(absent()).unwrap();
        assert_eq!(c.warn_after, hours(12));
        assert_eq!(
            c.error_after,
            Some(Threshold {
                count: 1,
                period: Period::Day
            })
        );
        assert_eq!(c.filter.as_deref(), Some("x > 1"));
    }

    #[test]
    fn an_empty_rule_inherits() {
        let c = with_table(block(Some(Rule::default()), Some(Rule::default()), None)).unwrap();
        assert_eq!(c.warn_after, hours(12));
        assert!(c.error_after.is_some());
    }

    #[test]
    fn a_null_rule_unsets_it() {
        let c = with_table(block(Some(Rule::default()), None, None)).unwrap();
        assert_eq!(c.warn_after, hours(12));
        assert_eq!(c.error_after, None);
        let off = checked(&merge_layers(&[
            block(rule(1, Period::Hour), None, None),
            block(None, None, None),
        ]));
        assert_eq!(off, None, "both unset: not checked");
    }

    #[test]
    fn an_incomplete_rule_is_ignored_not_merged() {
        let incomplete = Some(Rule {
            count: Some(36),
            period: None,
        });
        let c = with_table(block(incomplete, Some(Rule::default()), None)).unwrap();
        assert_eq!(c.warn_after, hours(12), "not 36 hours");
        let alone = checked(&merge_layers(&[block(
            incomplete,
            Some(Rule::default()),
            None,
        )]));
        assert_eq!(alone, None, "an incomplete rule alone checks nothing");
    }

    #[test]
    fn a_complete_rule_replaces_the_inherited_one() {
        let c = with_table(block(rule(6, Period::Hour), Some(Rule::default()), None)).unwrap();
        assert_eq!(c.warn_after, hours(6));
    }

    #[test]
    fn freshness_null_turns_a_tables_check_off() {
        assert_eq!(with_table(None), None);
    }

    #[test]
    fn a_later_layer_with_a_rule_restarts_after_null() {
        let merged = merge_layers(&[
            None,
            block(rule(6, Period::Hour), Some(Rule::default()), None),
            absent(),
            absent(),
        ]);
        assert_eq!(checked(&merged).unwrap().warn_after, hours(6));
        let still_off = merge_layers(&[None, absent(), absent(), absent()]);
        assert_eq!(
            still_off, None,
            "an absent layer does not restart a null one"
        );
    }

    #[test]
    fn filter_inherits_and_null_does_not_remove_it() {
        let c = with_table(block(Some(Rule::default()), Some(Rule::default()), None)).unwrap();
        assert_eq!(c.filter.as_deref(), Some("x > 1"));
        let replaced = with_table(block(
            Some(Rule::default()),
            Some(Rule::default()),
            Some("y"),
        ))
        .unwrap();
        assert_eq!(replaced.filter.as_deref(), Some("y"));
    }

    #[test]
    fn layers_merge_in_order_source_config_table_table_config() {
        let merged = merge_layers(&[
            block(rule(1, Period::Hour), rule(1, Period::Day), None),
            block(rule(2, Period::Hour), Some(Rule::default()), None),
            block(rule(3, Period::Hour), Some(Rule::default()), None),
            block(Some(Rule::default()), rule(2, Period::Day), None),
        ]);
        let c = checked(&merged).unwrap();
        assert_eq!(c.warn_after, hours(3));
        assert_eq!(
            c.error_after,
            Some(Threshold {
                count: 2,
                period: Period::Day
            })
        );
    }

    #[test]
    fn project_freshness_applies_only_where_the_yaml_gives_no_rule() {
        let project = block(rule(3, Period::Day), Some(Rule::default()), None);
        let yaml_without_rule = block(
            Some(Rule {
                count: Some(36),
                period: None,
            }),
            Some(Rule::default()),
            Some("f"),
        );
        assert_eq!(
            with_project_fallback(yaml_without_rule, project.clone()),
            project
        );
        let yaml_rule = block(Some(Rule::default()), rule(2, Period::Day), None);
        let c = checked(&with_project_fallback(yaml_rule, project.clone())).unwrap();
        assert_eq!(
            c.warn_after, None,
            "a YAML block replaces the project's whole"
        );
        assert_eq!(
            c.error_after,
            Some(Threshold {
                count: 2,
                period: Period::Day
            })
        );
        assert_eq!(
            with_project_fallback(None, project),
            None,
            "null beats the project"
        );
    }

    #[test]
    fn a_table_is_checked_iff_it_ends_with_a_warn_or_error_rule() {
        assert!(checked(&block(rule(1, Period::Minute), None, None)).is_some());
        assert!(checked(&block(None, rule(1, Period::Minute), None)).is_some());
        assert!(checked(&block(Some(Rule::default()), None, Some("f"))).is_none());
        assert!(checked(&None).is_none());
    }

    #[test]
    fn enabled_is_table_config_then_source_config_then_project() {
        assert!(enabled(None, None, None));
        assert!(!enabled(None, None, Some(false)));
        assert!(!enabled(Some(false), None, Some(true)));
        assert!(enabled(Some(false), Some(true), None));
    }

    fn settings() -> LoadedAtSettings {
        LoadedAtSettings {
            source_field: Some("_loaded_at".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_table_inherits_the_sources_loaded_at_field() {
        assert_eq!(
            loaded_at(&settings()).unwrap().field.as_deref(),
            Some("_loaded_at")
        );
    }

    #[test]
    fn a_table_level_loaded_at_field_null_clears_the_sources() {
        let s = LoadedAtSettings {
            table_field_present: true,
            source_query: None,
            ..settings()
        };
        assert_eq!(loaded_at(&s).unwrap(), LoadedAt::default());
        let query = LoadedAtSettings {
            source_field: None,
            source_config_query: Some("select 1".into()),
            table_field_present: true,
            ..Default::default()
        };
        assert_eq!(
            loaded_at(&query).unwrap(),
            LoadedAt::default(),
            "the query too"
        );
    }

    #[test]
    fn the_tables_top_level_field_beats_its_config() {
        let s = LoadedAtSettings {
            table_field_present: true,
            table_field: Some("a".into()),
            table_config_field: Some("b".into()),
            ..settings()
        };
        assert_eq!(loaded_at(&s).unwrap().field.as_deref(), Some("a"));
    }

    #[test]
    fn a_loaded_at_query_is_inherited_unless_the_table_names_a_field() {
        let s = LoadedAtSettings {
            source_config_query: Some("select max(t) from x".into()),
            ..Default::default()
        };
        assert_eq!(
            loaded_at(&s).unwrap().query.as_deref(),
            Some("select max(t) from x")
        );
    }

    #[test]
    fn a_field_and_a_query_on_one_level_is_an_error() {
        let s = LoadedAtSettings {
            source_query: Some("select 1".into()),
            ..settings()
        };
        assert!(loaded_at(&s).unwrap_err().contains("source level"));
        let t = LoadedAtSettings {
            table_field_present: true,
            table_config_query: Some("select 1".into()),
            ..Default::default()
        };
        assert!(loaded_at(&t).unwrap_err().contains("table level"));
    }
}
