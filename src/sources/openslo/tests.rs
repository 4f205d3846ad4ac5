//! The reader on the shapes of the OpenSLO v1 specification (README sections named in each
//! test) and the Go SDK's decoder.

use super::*;
use crate::domain::slo::{BudgetingMethod, Op, Threshold, TimeWindow};

fn load_text(text: &str) -> Result<Vec<ResolvedSlo>, String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slo.yaml");
    std::fs::write(&file, text).unwrap();
    load(&[file]).map_err(|e| {
        e.to_string()
            .replace(&dir.path().display().to_string(), "DIR")
    })
}

const SPEC: &str = r#"
apiVersion: openslo/v1
kind: DataSource
metadata: {name: metrics}
spec:
  type: CSV
  connectionDetails: {}
---
apiVersion: openslo/v1
kind: SLI
metadata: {name: api-good-ratio}
spec:
  ratioMetric:
    counter: true
    good: {metricSource: {metricSourceRef: metrics, spec: {path: api.csv, column: good}}}
    total: {metricSource: {metricSourceRef: metrics, spec: {path: api.csv, column: total}}}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: api-availability, displayName: API availability}
spec:
  service: api
  indicatorRef: api-good-ratio
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar: {startTime: "2026-01-01 00:00:00", timeZone: Asia/Tokyo}
  budgetingMethod: Occurrences
  objectives:
    - displayName: three nines
      target: 0.999
"#;

#[test]
fn references_resolve_across_documents() {
    let slos = load_text(SPEC).unwrap();
    assert_eq!(slos.len(), 1);
    let slo = &slos[0];
    assert_eq!(slo.name, "api-availability");
    let o = &slo.objectives[0];
    let ResolvedIndicator::Ratio {
        counter,
        good: Some(good),
        total,
        ..
    } = &o.indicator
    else {
        panic!("{:?}", o.indicator)
    };
    assert!(counter);
    assert_eq!(good.kind, "CSV");
    assert_eq!(total.spec["column"], Value::from("total"));
    assert_eq!(o.objective.objective, "three nines");
    assert_eq!(o.objective.target, 0.999);
    let TimeWindow::Calendar(calendar) = o.objective.window else {
        panic!("{:?}", o.objective.window)
    };
    assert_eq!(calendar.tz(), chrono_tz::Asia::Tokyo);
    assert_eq!(
        spec_path(slo, good, "path").unwrap().file_name().unwrap(),
        "api.csv"
    );
}

/// General Schema: the Go SDK and `oslo` read a file that is one YAML sequence of objects.
#[test]
fn a_file_that_is_one_sequence_of_objects_reads_like_a_stream() {
    let items: String = SPEC
        .split("---")
        .map(|doc| {
            let lines: Vec<String> = doc
                .trim()
                .lines()
                .enumerate()
                .map(|(i, l)| format!("{}{l}", if i == 0 { "- " } else { "  " }))
                .collect();
            lines.join("\n") + "\n"
        })
        .collect();
    let (slos, from_stream) = (load_text(&items).unwrap(), load_text(SPEC).unwrap());
    assert_eq!(slos.len(), 1);
    assert_eq!(slos[0].objectives, from_stream[0].objectives);
    assert!(
        slos[0]
            .origin
            .ends_with("slo.yaml: document 1, item 3 (SLO api-availability)"),
        "{}",
        slos[0].origin
    );
    let err = load_text(&items.replace("target: 0.999", "target: 2")).unwrap_err();
    assert!(
        err.starts_with("DIR/slo.yaml: document 1, item 3 (SLO api-availability): spec.objectives[0].target: 2 is outside"),
        "{err}"
    );
}

#[test]
fn errors_name_file_document_and_field_path() {
    let err = load_text(&SPEC.replace("target: 0.999", "target: 1.5")).unwrap_err();
    assert_eq!(err, "DIR/slo.yaml: document 3 (SLO api-availability): spec.objectives[0].target: 1.5 is outside (0, 1) (99.9 % is 0.999)");
    let err = load_text(&SPEC.replace(
        "budgetingMethod: Occurrences",
        "budgetingMethod: Occurrences\n  budgetMethod: x",
    ))
    .unwrap_err();
    assert!(
        err.contains(
            "document 3 (SLO api-availability): spec.budgetMethod: unknown field `budgetMethod`"
        ),
        "{err}"
    );
    let err = load_text(&SPEC.replace("target: 0.999", "target: high")).unwrap_err();
    assert!(err.contains("spec.objectives[0].target: "), "{err}");
    let err = load_text(&SPEC.replace("counter: true", "counter: true\n    bogus: 1")).unwrap_err();
    assert!(
        err.contains("document 2 (SLI api-good-ratio): spec.ratioMetric.bogus: unknown field"),
        "{err}"
    );
}

#[test]
fn unknown_kinds_versions_and_references_are_rejected() {
    assert!(load_text(&SPEC.replace("kind: SLI", "kind: Sli"))
        .unwrap_err()
        .contains("kind: unknown kind \"Sli\""));
    assert!(load_text(&SPEC.replacen("openslo/v1", "openslo/v2", 1))
        .unwrap_err()
        .contains("document 1 (DataSource metrics): apiVersion: \"openslo/v2\" is not supported"));
    assert!(
        load_text(&SPEC.replace("indicatorRef: api-good-ratio", "indicatorRef: nope"))
            .unwrap_err()
            .contains("spec.indicatorRef: no SLI named \"nope\"")
    );
    assert!(load_text(&SPEC.replace(
        "    total: {metricSource: {metricSourceRef: metrics, spec: {path: api.csv, column: total}}}\n",
        ""
    ))
    .unwrap_err()
    .contains("document 2 (SLI api-good-ratio): spec.ratioMetric.total: missing"));
    assert!(load_text("key: [unclosed")
        .unwrap_err()
        .contains("invalid YAML"));
    assert!(load_text("- 1\n- 2\n")
        .unwrap_err()
        .contains("document 1, item 1: expected an OpenSLO object"));
}

#[test]
fn a_name_given_twice_to_one_kind_is_an_error() {
    let twice = format!("{SPEC}---\n{}", SPEC.split("---").nth(1).unwrap());
    let err = load_text(&twice).unwrap_err();
    assert!(
        err.contains(
            "document 4 (SLI api-good-ratio): metadata.name: a second SLI named \"api-good-ratio\""
        ),
        "{err}"
    );
}

/// Object Types: Service, AlertPolicy (inline condition and target reference),
/// AlertCondition, AlertNotificationTarget — read, checked, never computed with.
const ALERTING: &str = r#"
apiVersion: openslo/v1
kind: Service
metadata: {name: api, displayName: Public API}
spec: {description: The public API}
---
apiVersion: openslo/v1
kind: AlertCondition
metadata: {name: fast-burn}
spec:
  description: Two per cent of the budget in an hour
  severity: page
  condition: {kind: burnrate, op: gte, threshold: 14.4, lookbackWindow: 1h, alertAfter: 0m}
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata: {name: on-call}
spec: {description: Pages the on-call engineer, target: pagerduty}
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: page-on-fast-burn}
spec:
  alertWhenBreaching: true
  alertWhenResolved: false
  conditions:
    - kind: AlertCondition
      metadata: {name: inline-burn}
      spec:
        severity: page
        condition: {kind: burnrate, op: gt, threshold: 2, lookbackWindow: 1h, alertAfter: 5m}
  notificationTargets:
    - targetRef: on-call
"#;

#[test]
fn service_and_alerting_kinds_are_read_checked_and_ignored() {
    let with_policies = SPEC.replace(
        "    - displayName: three nines\n      target: 0.999\n",
        "    - displayName: three nines\n      target: 0.999\n  alertPolicies:\n    - alertPolicyRef: page-on-fast-burn\n",
    );
    let slos = load_text(&format!("{ALERTING}---\n{with_policies}")).unwrap();
    assert_eq!(slos.len(), 1);
    assert_eq!(slos[0].objectives.len(), 1);

    for (broken, want) in [
        (
            ALERTING.replace("severity: page\n  condition", "condition"),
            "document 2 (AlertCondition fast-burn): spec: missing field `severity`",
        ),
        (
            ALERTING.replace("op: gt,", "op: above,"),
            "document 4 (AlertPolicy page-on-fast-burn): spec.conditions[0].spec.condition.op: unknown op \"above\"",
        ),
        (
            ALERTING.replace("targetRef: on-call", "targetRef: on-call\n      target: x"),
            "spec.notificationTargets[0]: either {targetRef: NAME} or an inline AlertNotificationTarget",
        ),
        (
            ALERTING.replace("lookbackWindow: 1h, alertAfter: 0m", "lookbackWindow: 1hour"),
            "spec.condition.lookbackWindow: duration \"1hour\"",
        ),
    ] {
        let err = load_text(&broken).unwrap_err();
        assert!(err.contains(want), "{want}\n{err}");
    }
}

/// Composite SLOs (SLO section, Go SDK `HasCompositeObjectives`, `oslo`'s
/// slo-composite-* inputs): no spec-level indicator, each objective its own, with a weight.
const COMPOSITE: &str = r#"
apiVersion: openslo/v1
kind: SLI
metadata: {name: search-latency}
spec:
  thresholdMetric:
    metricSource: {type: CSV, spec: {path: search.csv, column: p95_ms}}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout-journey}
spec:
  service: shop
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: pages load
      target: 0.99
      compositeWeight: 2
      indicator:
        metadata: {name: page-loads}
        spec:
          ratioMetric:
            good: {metricSource: {type: CSV, spec: {path: pages.csv, column: ok}}}
            total: {metricSource: {type: CSV, spec: {path: pages.csv, column: all}}}
    - displayName: search is fast
      op: lte
      value: 300
      target: 0.95
      compositeWeight: 1
      indicatorRef: search-latency
"#;

#[test]
fn a_composite_slo_is_one_entry_per_objective_with_its_own_indicator_and_weight() {
    let slos = load_text(COMPOSITE).unwrap();
    let objectives = &slos[0].objectives;
    assert_eq!(objectives.len(), 2);
    assert!(matches!(
        objectives[0].indicator,
        ResolvedIndicator::Ratio { .. }
    ));
    assert!(matches!(
        objectives[1].indicator,
        ResolvedIndicator::Threshold(_)
    ));
    assert_eq!(objectives[0].objective.composite_weight, Some(2.0));
    assert_eq!(
        objectives[1].objective.threshold,
        Some(Threshold {
            op: Op::Lte,
            value: 300.0
        })
    );
    assert_eq!(objectives[1].objective.objective, "search is fast");
}

#[test]
fn a_composite_slo_needs_an_indicator_on_every_objective_and_none_on_the_slo() {
    let err =
        load_text(&COMPOSITE.replace("      indicatorRef: search-latency\n", "")).unwrap_err();
    assert!(
        err.contains(
            "spec.objectives[1].indicator: missing: a composite SLO gives every objective"
        ),
        "{err}"
    );
    let err = load_text(&COMPOSITE.replace(
        "  service: shop\n",
        "  service: shop\n  indicatorRef: search-latency\n",
    ))
    .unwrap_err();
    assert!(
        err.contains("spec.indicatorRef: a composite SLO sets the indicator on each objective"),
        "{err}"
    );
    let err =
        load_text(&COMPOSITE.replace("compositeWeight: 2", "compositeWeight: 0")).unwrap_err();
    assert!(
        err.contains("spec.objectives[0]: compositeWeight must be greater than 0"),
        "{err}"
    );
}

/// The specification's budgeting-method examples: `op` on ratio objectives without `value`,
/// `timeSliceWindow` as a number of minutes, `spec:` left empty under a metric source,
/// `alertPolicies:` with nothing under it, a calendar `startTime` without a zone.
#[test]
fn the_specifications_budgeting_examples_load() {
    let timeslices = r#"
apiVersion: openslo/v1
kind: SLO
metadata: {name: service-availability}
spec:
  service: web-availability
  indicator:
    metadata: {name: web-availability}
    spec:
      ratioMetric:
        good: {metricSource: {type: Any, spec: {query: Any}}}
        total: {metricSource: {type: Any, spec: {query: Any}}}
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar:
        startTime: 2022-01-01 12:00:00
        timeZone: America/New_York
  budgetingMethod: Timeslices
  objectives:
    - displayName: Internal objective
      op: gt
      target: 0.995
      timeSliceTarget: 0.99
      timeSliceWindow: 1m
    - displayName: SLA
      target: 0.99
      timeSliceTarget: 0.99
      timeSliceWindow: 5
  alertPolicies:
"#;
    let slos = load_text(timeslices).unwrap();
    let methods: Vec<BudgetingMethod> = slos[0]
        .objectives
        .iter()
        .map(|o| o.objective.method)
        .collect();
    let slice_target = |op| Some(Threshold { op, value: 0.99 });
    assert_eq!(
        methods,
        [
            BudgetingMethod::Timeslices {
                slice: chrono::Duration::minutes(1),
                slice_target: slice_target(Op::Gt)
            },
            BudgetingMethod::Timeslices {
                slice: chrono::Duration::minutes(5),
                slice_target: slice_target(Op::Gte)
            }
        ]
    );
    let TimeWindow::Calendar(calendar) = slos[0].objectives[0].objective.window else {
        panic!()
    };
    assert_eq!(
        calendar.anchor().to_rfc3339(),
        "2022-01-01T17:00:00+00:00",
        "noon in New York"
    );

    let occurrences = r#"
apiVersion: openslo/v1
kind: SLO
metadata: {name: search-slo}
spec:
  service: web-shop
  indicator:
    metadata: {name: search-latency}
    spec:
      thresholdMetric:
        metricSource:
          type: Any
          spec:
            # Fields needed to query service for latency data.
  timeWindow:
    - duration: 2w
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: Good experience
      op: lt
      value: 500
      target: 0.99
  alertPolicies:
"#;
    let slos = load_text(occurrences).unwrap();
    let ResolvedIndicator::Threshold(source) = &slos[0].objectives[0].indicator else {
        panic!()
    };
    assert_eq!(source.kind, "Any");
    assert!(source.spec.is_empty());

    let ratio_timeslices = timeslices
        .replace(
            "budgetingMethod: Timeslices",
            "budgetingMethod: RatioTimeslices",
        )
        .replace("      timeSliceTarget: 0.99\n", "");
    let slos = load_text(&ratio_timeslices).unwrap();
    assert_eq!(
        slos[0].objectives[0].objective.method,
        BudgetingMethod::RatioTimeslices {
            slice: chrono::Duration::minutes(1)
        },
        "op without value needs nothing more"
    );
}

#[test]
fn a_time_window_may_be_a_one_element_list_or_a_bare_mapping() {
    let bare = SPEC.replace(
        "  timeWindow:\n    - duration: 1M\n      isRolling: false\n      calendar:",
        "  timeWindow:\n    duration: 1M\n    isRolling: false\n    calendar:",
    );
    assert_eq!(
        load_text(&bare).unwrap()[0].objectives[0].objective.window,
        load_text(SPEC).unwrap()[0].objectives[0].objective.window
    );
    let two = SPEC.replace(
        "  timeWindow:\n",
        "  timeWindow:\n    - duration: 1d\n      isRolling: true\n",
    );
    assert!(load_text(&two)
        .unwrap_err()
        .contains("spec.timeWindow: exactly one time window"));
    let rolling_with_calendar = SPEC.replace("isRolling: false", "isRolling: true");
    assert!(load_text(&rolling_with_calendar)
        .unwrap_err()
        .contains("spec.timeWindow[0].calendar: not allowed with isRolling: true"));
    let implied = SPEC.replace("      isRolling: false\n", "");
    assert!(
        load_text(&implied).is_ok(),
        "isRolling omitted with a calendar is false"
    );
}

/// General Schema notes: labels are `map[string]string|string[]`.
#[test]
fn metadata_labels_may_be_a_map_of_strings_or_lists_or_a_list() {
    for labels in [
        "{team: identity, tier: 1, tags: [auth, login]}",
        "[team-identity, tier-1]",
        "",
    ] {
        let text = SPEC.replace(
            "metadata: {name: api-availability, displayName: API availability}",
            &format!("metadata: {{name: api-availability, labels: {labels}}}"),
        );
        assert!(load_text(&text).is_ok(), "{labels}");
    }
    let err = load_text(&SPEC.replace(
        "metadata: {name: api-availability, displayName: API availability}",
        "metadata: {name: api-availability, labels: {team: {name: x}}}",
    ))
    .unwrap_err();
    assert!(err.contains("metadata.labels: labels are a map"), "{err}");
}

#[test]
fn threshold_metrics_need_op_and_value_and_indicators_need_a_metric() {
    let threshold = COMPOSITE.replace("      op: lte\n", "");
    assert!(load_text(&threshold)
        .unwrap_err()
        .contains("spec.objectives[1].op: missing: a threshold metric needs op and value"));
    let threshold = COMPOSITE.replace("      value: 300\n", "");
    assert!(load_text(&threshold)
        .unwrap_err()
        .contains("spec.objectives[1].value: missing"));
    // `oslo`'s slo-with-labels input: an inline indicator with metadata only.
    let empty = SPEC.replace(
        "  indicatorRef: api-good-ratio\n",
        "  indicator:\n    metadata: {name: no-name}\n",
    );
    assert!(load_text(&empty).unwrap_err().contains(
        "document 3 (SLO api-availability): spec.indicator.spec: missing: an indicator needs a ratioMetric or a thresholdMetric"
    ));
    let neither = SPEC.replace(
        "  indicatorRef: api-good-ratio\n",
        "  indicator:\n    spec: {description: nothing}\n",
    );
    assert!(load_text(&neither)
        .unwrap_err()
        .contains("spec.indicator.spec: an indicator needs a ratioMetric or a thresholdMetric"));
    let ratio_slices = SPEC.replace(
        "budgetingMethod: Occurrences",
        "budgetingMethod: Timeslices",
    );
    assert!(load_text(&ratio_slices)
        .unwrap_err()
        .contains("spec.objectives[0].timeSliceWindow: missing: budgetingMethod Timeslices"));
    let no_target =
        ratio_slices.replace("target: 0.999", "target: 0.999\n      timeSliceWindow: 5m");
    assert!(load_text(&no_target)
        .unwrap_err()
        .contains("spec.objectives[0].timeSliceTarget: missing"));
}

/// SLI section: `raw` with `rawType` instead of good/bad/total.
#[test]
fn a_raw_ratio_needs_its_raw_type_and_stands_alone() {
    let raw = SPEC.replace(
        "    good: {metricSource: {metricSourceRef: metrics, spec: {path: api.csv, column: good}}}\n    total: {metricSource: {metricSourceRef: metrics, spec: {path: api.csv, column: total}}}\n",
        "    rawType: failure\n    raw: {metricSource: {metricSourceRef: metrics, spec: {path: api.csv, column: error_ratio}}}\n",
    );
    let slos = load_text(&raw).unwrap();
    assert!(matches!(
        slos[0].objectives[0].indicator,
        ResolvedIndicator::Raw { failure: true, .. }
    ));
    assert!(load_text(&raw.replace("    rawType: failure\n", ""))
        .unwrap_err()
        .contains("spec.ratioMetric.rawType: missing"));
}

#[test]
fn a_target_percent_is_read_as_a_ratio() {
    let slos = load_text(&SPEC.replace("target: 0.999", "targetPercent: 99.9")).unwrap();
    assert!((slos[0].objectives[0].objective.target - 0.999).abs() < 1e-12);
    assert!(
        load_text(&SPEC.replace("target: 0.999", "target: 0.999\n      targetPercent: 99.9"))
            .unwrap_err()
            .contains("spec.objectives[0].targetPercent: set target or targetPercent, not both")
    );
}
