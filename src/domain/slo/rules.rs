//! Prometheus rule groups for an SLO objective (`vitals slo rules`), by the contract: the
//! error ratio recorded over every burn window, and the SRE workbook's multiwindow,
//! multi-burn-rate alerts over those recordings, with the same windows and thresholds as
//! [`AlertPair`] (what `vitals slo` reports). A typed model, serialised as YAML at the end.
//!
//! The queries are PromQL templates whose window is the placeholder `{{window}}` (Sloth's
//! `{{.window}}` too): the same text `vitals slo` evaluates with its step as the window.

use std::collections::BTreeMap;

use serde::Serialize;

use super::burn::{AlertPair, BurnWindow};

/// The error ratio of an objective, as PromQL templates with the window placeholder.
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorRatio {
    /// `bad / total`: the bad query is used as it is.
    BadOverTotal { bad: String, total: String },
    /// `good / total`: the error ratio is `(total − good) / total`.
    GoodOverTotal { good: String, total: String },
    /// A query that is itself a ratio over the window: of good events (`failure` false,
    /// the error ratio is `1 − ratio`) or of bad ones.
    Raw { ratio: String, failure: bool },
}

impl ErrorRatio {
    /// The error ratio over `window` (a PromQL duration such as `5m`).
    pub fn expr(&self, window: &str) -> String {
        let q = |template: &str| with_window(template.trim(), window);
        match self {
            ErrorRatio::BadOverTotal { bad, total } => format!("({}) / ({})", q(bad), q(total)),
            ErrorRatio::GoodOverTotal { good, total } => {
                let total = q(total);
                format!("(({total}) - ({})) / ({total})", q(good))
            }
            ErrorRatio::Raw {
                ratio,
                failure: true,
            } => format!("({})", q(ratio)),
            ErrorRatio::Raw {
                ratio,
                failure: false,
            } => format!("1 - ({})", q(ratio)),
        }
    }
}

/// One objective to write rules for.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSource {
    /// The SLO's `metadata.name` (label `slo`).
    pub slo: String,
    /// The objective's name in reports (label `objective`).
    pub objective: String,
    pub target: f64,
    pub error_ratio: ErrorRatio,
}

/// A Prometheus rule file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleFile {
    pub groups: Vec<RuleGroup>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleGroup {
    pub name: String,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Rule {
    Recording {
        record: String,
        expr: String,
        labels: BTreeMap<String, String>,
    },
    Alerting {
        alert: String,
        expr: String,
        labels: BTreeMap<String, String>,
        annotations: BTreeMap<String, String>,
    },
}

/// The recorded error ratio over `window`, e.g. `slo:sli_error:ratio_rate5m`.
pub fn recording_name(window: BurnWindow) -> String {
    format!("slo:sli_error:ratio_rate{}", window.label())
}

/// The group of one objective: seven recordings, then the page and ticket alerts (in that
/// order, so each evaluation's alerts read that evaluation's ratios).
pub fn group(source: &RuleSource) -> RuleGroup {
    let labels = BTreeMap::from([
        ("slo".to_string(), source.slo.clone()),
        ("objective".to_string(), source.objective.clone()),
    ]);
    let mut rules: Vec<Rule> = BurnWindow::ALL
        .into_iter()
        .map(|w| Rule::Recording {
            record: recording_name(w),
            expr: source.error_ratio.expr(w.label()),
            labels: labels.clone(),
        })
        .collect();
    let budget = complement_text(source.target);
    for (severity, pairs, pace) in [
        ("page", [AlertPair::Page1h5m, AlertPair::Page6h30m], "fast"),
        (
            "ticket",
            [AlertPair::Ticket1d2h, AlertPair::Ticket3d6h],
            "steadily",
        ),
    ] {
        let conditions: Vec<String> = pairs
            .iter()
            .map(|pair| {
                let (long, short, factor) = pair.rule();
                let limit = format!("({} * {budget})", number(factor));
                format!(
                    "(\n  {} > {limit}\nand\n  {} > {limit}\n)",
                    selector(source, long, '"'),
                    selector(source, short, '"')
                )
            })
            .collect();
        let mut alert_labels = labels.clone();
        alert_labels.insert("severity".into(), severity.into());
        let rates: Vec<String> = pairs
            .iter()
            .flat_map(|p| {
                let (long, short, _) = p.rule();
                [long, short]
            })
            .map(|w| {
                format!(
                    "{} {}",
                    w.label(),
                    burn_rate_template(&selector(source, w, '\''), &budget)
                )
            })
            .collect();
        let thresholds: Vec<String> = pairs
            .iter()
            .map(|p| {
                let (long, short, factor) = p.rule();
                format!(
                    "{} and {} are above {}",
                    long.label(),
                    short.label(),
                    number(factor)
                )
            })
            .collect();
        rules.push(Rule::Alerting {
            alert: format!(
                "{}ErrorBudgetBurn{}",
                upper_camel_case(&source.slo),
                if severity == "page" { "Page" } else { "Ticket" }
            ),
            expr: conditions.join("\nor\n"),
            labels: alert_labels,
            annotations: BTreeMap::from([
                (
                    "summary".to_string(),
                    format!(
                        "SLO {} ({}) is burning its error budget {pace} ({severity})",
                        source.slo, source.objective
                    ),
                ),
                (
                    "description".to_string(),
                    format!(
                        "Burn rates (1 spends the budget exactly over the SLO window): {}. \
                         Fires when the burn rates over {}.",
                        rates.join(", "),
                        thresholds.join(", or ")
                    ),
                ),
            ]),
        });
    }
    RuleGroup {
        name: format!("slo:{}:{}", source.slo, source.objective),
        rules,
    }
}

/// The file: one group per objective, in the order given.
pub fn rule_file(sources: &[RuleSource]) -> RuleFile {
    RuleFile {
        groups: sources.iter().map(group).collect(),
    }
}

/// The file as YAML, after a comment saying where it came from.
pub fn to_yaml(file: &RuleFile, header: &str) -> Result<String, String> {
    let body = serde_saphyr::to_string(file).map_err(|e| format!("cannot write YAML: {e}"))?;
    let comment: String = header.lines().map(|l| format!("# {l}\n")).collect();
    Ok(format!("{comment}{body}"))
}

/// A burn rate in an annotation: the recording divided by the allowed error ratio, read
/// when the alert fires (Prometheus's `query` template function); `n/a` without data.
/// `selector` quotes its label values with `'`, so the template's string needs no escapes.
fn burn_rate_template(selector: &str, budget: &str) -> String {
    let query = format!("{selector} / {budget}");
    let literal = promql_string(&query, '"');
    format!("{{{{ with query {literal} }}}}{{{{ . | first | value | printf \"%.1f\" }}}}{{{{ else }}}}n/a{{{{ end }}}}")
}

/// `1 − target`, written as a person would (0.001, not 0.0010000000000000009).
fn complement_text(target: f64) -> String {
    number(((1.0 - target) * 1e12).round() / 1e12)
}

/// A float in its shortest form: `14.4`, `6`, `0.0005`.
fn number(value: f64) -> String {
    let text = format!("{value}");
    text.strip_suffix(".0").unwrap_or(&text).to_string()
}

/// A PromQL string literal in `quote`s (`"` or `'`).
fn promql_string(text: &str, quote: char) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace(quote, &format!("\\{quote}"));
    format!("{quote}{escaped}{quote}")
}

/// The recording of `window` for this objective, its label values in `quote`s.
fn selector(source: &RuleSource, window: BurnWindow, quote: char) -> String {
    format!(
        "{}{{slo={}, objective={}}}",
        recording_name(window),
        promql_string(&source.slo, quote),
        promql_string(&source.objective, quote)
    )
}

/// `api-availability` → `ApiAvailability`; a name starting with a digit gets `Slo` before it,
/// since an alert name is a metric name.
pub fn upper_camel_case(name: &str) -> String {
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Slo");
    }
    out
}

/// Seconds as a PromQL duration in the largest unit that divides them: `5m`, `1d`, `90s`.
pub fn promql_duration(seconds: i64) -> String {
    for (unit, suffix) in [(86_400, "d"), (3_600, "h"), (60, "m")] {
        if seconds % unit == 0 {
            return format!("{}{suffix}", seconds / unit);
        }
    }
    format!("{seconds}s")
}

/// Where the window placeholder starts at the beginning of `text`, its length: `{{window}}`
/// or Sloth's `{{.window}}`, inner spaces allowed.
fn placeholder_at(text: &str) -> Option<usize> {
    let rest = text.strip_prefix("{{")?;
    let trimmed = rest.trim_start();
    let name = trimmed.strip_prefix('.').unwrap_or(trimmed);
    let after = name.strip_prefix("window")?.trim_start();
    after.strip_prefix("}}")?;
    Some(text.len() - after.len() + 2)
}

/// Whether `query` holds the window placeholder.
pub fn has_window(query: &str) -> bool {
    query
        .match_indices("{{")
        .any(|(i, _)| placeholder_at(&query[i..]).is_some())
}

/// `query` with every window placeholder replaced by `window` (a PromQL duration).
pub fn with_window(query: &str, window: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        match placeholder_at(&rest[i..]) {
            Some(len) => {
                out.push_str(window);
                rest = &rest[i + len..];
            }
            None => {
                out.push_str("{{");
                rest = &rest[i + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn availability() -> RuleSource {
        RuleSource {
            slo: "api-availability".into(),
            objective: "99.9 % of requests".into(),
            target: 0.999,
            error_ratio: ErrorRatio::BadOverTotal {
                bad: r#"sum(increase(http_requests_total{code=~"5.."}[{{window}}]))"#.into(),
                total: "sum(increase(http_requests_total[{{window}}]))".into(),
            },
        }
    }

    fn recordings(group: &RuleGroup) -> Vec<(&str, &str)> {
        group
            .rules
            .iter()
            .filter_map(|r| match r {
                Rule::Recording { record, expr, .. } => Some((record.as_str(), expr.as_str())),
                Rule::Alerting { .. } => None,
            })
            .collect()
    }

    fn alert<'g>(group: &'g RuleGroup, name: &str) -> (&'g str, &'g BTreeMap<String, String>) {
        group
            .rules
            .iter()
            .find_map(|r| match r {
                Rule::Alerting {
                    alert,
                    expr,
                    labels,
                    ..
                } if alert == name => Some((expr.as_str(), labels)),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no alert {name}"))
    }

    #[test]
    fn the_error_ratio_is_recorded_over_every_burn_window_with_slo_and_objective_labels() {
        let group = group(&availability());
        let names: Vec<&str> = recordings(&group).iter().map(|r| r.0).collect();
        assert_eq!(
            names,
            [
                "slo:sli_error:ratio_rate5m",
                "slo:sli_error:ratio_rate30m",
                "slo:sli_error:ratio_rate1h",
                "slo:sli_error:ratio_rate2h",
                "slo:sli_error:ratio_rate6h",
                "slo:sli_error:ratio_rate1d",
                "slo:sli_error:ratio_rate3d"
            ]
        );
        assert_eq!(
            recordings(&group)[0].1,
            r#"(sum(increase(http_requests_total{code=~"5.."}[5m]))) / (sum(increase(http_requests_total[5m])))"#
        );
        let Rule::Recording { labels, .. } = &group.rules[6] else {
            panic!("not a recording")
        };
        assert_eq!(labels["slo"], "api-availability");
        assert_eq!(labels["objective"], "99.9 % of requests");
        assert_eq!(group.name, "slo:api-availability:99.9 % of requests");
    }

    #[test]
    fn a_good_over_total_ratio_is_recorded_as_total_minus_good_over_total() {
        let ratio = ErrorRatio::GoodOverTotal {
            good: "sum(rate(ok[{{.window}}]))".into(),
            total: "sum(rate(all[{{ window }}]))".into(),
        };
        assert_eq!(
            ratio.expr("1h"),
            "((sum(rate(all[1h]))) - (sum(rate(ok[1h])))) / (sum(rate(all[1h])))"
        );
        let raw = |failure| ErrorRatio::Raw {
            ratio: "avg(ok_ratio[{{window}}])".into(),
            failure,
        };
        assert_eq!(raw(false).expr("5m"), "1 - (avg(ok_ratio[5m]))");
        assert_eq!(raw(true).expr("5m"), "(avg(ok_ratio[5m]))");
    }

    #[test]
    fn the_page_alert_pairs_1h_with_5m_at_14_4_and_6h_with_30m_at_6() {
        let group = group(&availability());
        let (expr, labels) = alert(&group, "ApiAvailabilityErrorBudgetBurnPage");
        let s = |w: &str| {
            format!(
                r#"slo:sli_error:ratio_rate{w}{{slo="api-availability", objective="99.9 % of requests"}}"#
            )
        };
        assert_eq!(
            expr,
            format!(
                "(\n  {} > (14.4 * 0.001)\nand\n  {} > (14.4 * 0.001)\n)\nor\n(\n  {} > (6 * 0.001)\nand\n  {} > (6 * 0.001)\n)",
                s("1h"),
                s("5m"),
                s("6h"),
                s("30m")
            )
        );
        assert_eq!(labels["severity"], "page");
        assert_eq!(labels["slo"], "api-availability");
    }

    #[test]
    fn the_ticket_alert_pairs_1d_with_2h_at_3_and_3d_with_6h_at_1() {
        let group = group(&availability());
        let (expr, labels) = alert(&group, "ApiAvailabilityErrorBudgetBurnTicket");
        assert!(expr.contains("slo:sli_error:ratio_rate1d{") && expr.contains("> (3 * 0.001)"));
        assert!(expr.contains("slo:sli_error:ratio_rate2h{"));
        assert!(expr.contains("slo:sli_error:ratio_rate3d{") && expr.contains("> (1 * 0.001)"));
        assert_eq!(labels["severity"], "ticket");
        assert_eq!(group.rules.len(), 9);
    }

    #[test]
    fn annotations_carry_a_summary_and_the_burn_rates() {
        let group = group(&availability());
        let Rule::Alerting { annotations, .. } = &group.rules[7] else {
            panic!("not an alert")
        };
        assert!(annotations["summary"].contains("api-availability"));
        let description = &annotations["description"];
        assert!(description.contains(
            r#"1h {{ with query "slo:sli_error:ratio_rate1h{slo='api-availability', objective='99.9 % of requests'} / 0.001" }}{{ . | first | value | printf "%.1f" }}{{ else }}n/a{{ end }}"#
        ), "{description}");
        assert!(
            description.contains("over 1h and 5m are above 14.4, or 6h and 30m are above 6."),
            "{description}"
        );
    }

    #[test]
    fn the_allowed_error_ratio_is_written_as_a_person_would() {
        assert_eq!(complement_text(0.999), "0.001");
        assert_eq!(complement_text(0.9995), "0.0005");
        assert_eq!(complement_text(0.99), "0.01");
        assert_eq!(complement_text(0.95), "0.05");
    }

    #[test]
    fn alert_names_are_the_slo_name_in_upper_camel_case() {
        assert_eq!(upper_camel_case("api-availability"), "ApiAvailability");
        assert_eq!(
            upper_camel_case("checkout_p95.latency"),
            "CheckoutP95Latency"
        );
        assert_eq!(upper_camel_case("2fa-login"), "Slo2faLogin");
        assert_eq!(upper_camel_case("APIs"), "APIs");
    }

    #[test]
    fn the_yaml_is_a_rule_file_with_a_header() {
        let yaml = to_yaml(&rule_file(&[availability()]), "Generated by vitals").unwrap();
        assert!(
            yaml.starts_with("# Generated by vitals\ngroups:\n"),
            "{yaml}"
        );
        assert!(
            yaml.contains("record: slo:sli_error:ratio_rate5m"),
            "{yaml}"
        );
        assert!(
            yaml.contains("alert: ApiAvailabilityErrorBudgetBurnPage"),
            "{yaml}"
        );
    }

    #[test]
    fn burn_window_labels_are_their_lengths_as_promql_durations() {
        for w in BurnWindow::ALL {
            assert_eq!(w.label(), promql_duration(w.length().num_seconds()));
        }
    }

    #[test]
    fn windows_are_written_in_the_largest_whole_unit() {
        assert_eq!(promql_duration(60), "1m");
        assert_eq!(promql_duration(3_600), "1h");
        assert_eq!(promql_duration(259_200), "3d");
        assert_eq!(promql_duration(5_400), "90m");
        assert_eq!(promql_duration(90), "90s");
    }

    #[test]
    fn the_window_placeholder_is_ours_or_slothes_with_any_inner_spacing() {
        let query =
            r#"sum(increase(x{code=~"5.."}[{{window}}])) / sum(increase(x[{{ .window }}]))"#;
        assert!(has_window(query));
        assert_eq!(
            with_window(query, "5m"),
            r#"sum(increase(x{code=~"5.."}[5m])) / sum(increase(x[5m]))"#
        );
        assert!(!has_window("sum(x)"));
        assert!(!has_window("sum(x{a=\"{{other}}\"})"));
        assert_eq!(with_window("{{other}} {{", "5m"), "{{other}} {{");
    }
}
