//! `vitals slo`: hand-checked budgets and burn rates on CSV data, the example's three stories,
//! and bad specs and data.

use serde_json::Value;

use crate::support::*;

const NOW: &str = "2026-11-22T00:00:00Z";

/// 24 hourly rows ending before NOW, 1000 requests each, 1 bad, except 10 bad at 10:00.
fn hourly_csv() -> String {
    let mut text = String::from("timestamp,good,total\n");
    for h in 0..24 {
        let bad = if h == 10 { 10 } else { 1 };
        text.push_str(&format!("2026-11-21T{h:02}:00:00Z,{},1000\n", 1000 - bad));
    }
    text
}

fn spec(window: &str, objectives: &str, counter: bool) -> String {
    format!(
        "apiVersion: openslo/v1\nkind: SLO\nmetadata: {{name: api}}\nspec:\n  indicator:\n    spec:\n      ratioMetric:\n        counter: {counter}\n        good: {{metricSource: {{type: CSV, spec: {{path: data.csv, column: good}}}}}}\n        total: {{metricSource: {{type: CSV, spec: {{path: data.csv, column: total}}}}}}\n  timeWindow:\n{window}  budgetingMethod: Occurrences\n  objectives:\n{objectives}"
    )
}

const ROLLING_DAY: &str = "    - duration: 1d\n      isRolling: true\n";
const THREE_NINES: &str = "    - target: 0.999\n";

fn run_spec(scratch: &Scratch, spec_text: &str, csv: &str) -> (i32, Value, String) {
    scratch.write("data.csv", csv);
    let file = scratch.write("slo.yaml", spec_text);
    run_json(
        vitals()
            .args(["slo", "--now", NOW, "--format", "json", "--spec"])
            .arg(file),
    )
}

#[test]
fn occurrences_budget_and_burn_rates_match_the_hand_computation() {
    let scratch = Scratch::new();
    let (code, doc, stderr) = run_spec(
        &scratch,
        &spec(ROLLING_DAY, THREE_NINES, false),
        &hourly_csv(),
    );
    assert_eq!(code, 1, "violated: {stderr}");
    assert_eq!(doc["kind"], "slo");
    let slo = &doc["slos"][0];
    assert_eq!(slo["name"], "api");
    assert_eq!(slo["objective"], "0", "no displayName: the index");
    assert_eq!(slo["budgeting_method"], "Occurrences");
    assert_eq!(slo["window"]["start"], "2026-11-21T00:00:00Z");
    assert_eq!(slo["window"]["end"], NOW);
    // 23 hours × 1 bad + 10 bad = 33 bad of 24,000.
    assert_eq!(slo["good"], 23_967);
    assert_eq!(slo["total"], 24_000);
    let close = |v: &Value, want: f64| (v.as_f64().unwrap() - want).abs() < 1e-9;
    assert!(close(&slo["sli"], 23_967.0 / 24_000.0));
    assert!(close(&slo["error_budget"]["allowed_bad"], 24.0));
    assert_eq!(slo["error_budget"]["consumed_bad"], 33.0);
    assert!(
        close(&slo["error_budget"]["remaining_ratio"], 1.0 - 33.0 / 24.0),
        "negative once overspent"
    );
    assert!(close(&slo["burn_rates"]["1h"], 1.0));
    assert!(close(&slo["burn_rates"]["6h"], 1.0));
    assert!(close(&slo["burn_rates"]["1d"], 1.375));
    assert!(close(&slo["burn_rates"]["3d"], 1.375), "only a day of data");
    assert_eq!(slo["status"], "violated");
}

#[test]
fn counters_count_increases_and_resets() {
    let scratch = Scratch::new();
    // Cumulative: +100 total/+99 good, then a reset to 50/50, then +100/+100.
    let csv = "timestamp,good,total\n2026-11-21T20:00:00Z,1000,1000\n2026-11-21T21:00:00Z,1099,1100\n2026-11-21T22:00:00Z,50,50\n2026-11-21T23:00:00Z,150,150\n";
    let (_, doc, stderr) = run_spec(&scratch, &spec(ROLLING_DAY, THREE_NINES, true), csv);
    let slo = &doc["slos"][0];
    assert_eq!(slo["total"], 250, "{stderr}");
    assert_eq!(slo["good"], 249);
}

#[test]
fn each_objective_is_one_entry() {
    let scratch = Scratch::new();
    let objectives = "    - displayName: two nines\n      target: 0.99\n    - displayName: three nines\n      target: 0.999\n";
    let (code, doc, _) = run_spec(
        &scratch,
        &spec(ROLLING_DAY, objectives, false),
        &hourly_csv(),
    );
    let slos = doc["slos"].as_array().unwrap();
    assert_eq!(slos.len(), 2);
    assert_eq!(
        (slos[0]["objective"].as_str(), slos[0]["status"].as_str()),
        (Some("two nines"), Some("ok"))
    );
    assert_eq!(
        (slos[1]["objective"].as_str(), slos[1]["status"].as_str()),
        (Some("three nines"), Some("violated"))
    );
    assert_eq!(code, 1);
}

#[test]
fn an_empty_window_is_no_data_and_exits_0_unless_strict() {
    let scratch = Scratch::new();
    let csv = "timestamp,good,total\n2026-10-01T00:00:00Z,1,1\n";
    let (code, doc, _) = run_spec(&scratch, &spec(ROLLING_DAY, THREE_NINES, false), csv);
    let slo = &doc["slos"][0];
    assert_eq!(slo["status"], "no_data");
    assert!(
        slo["sli"].is_null()
            && slo["error_budget"]["remaining_ratio"].is_null()
            && slo["burn_rates"]["1h"].is_null()
    );
    assert_eq!(code, 0);
    let out = vitals()
        .args(["slo", "--strict", "--now", NOW, "--spec"])
        .arg(scratch.path("slo.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn the_example_tells_three_stories() {
    let (code, doc, _) = run_json(vitals().args([
        "slo",
        "--config",
        "examples/vitals.toml",
        "--format",
        "json",
    ]));
    assert_eq!(code, 1, "one SLO is violated");
    let status = |name: &str| {
        doc["slos"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("api-availability"), "at_risk");
    assert_eq!(status("checkout-validations"), "violated");
    assert_eq!(status("search-latency"), "ok");
    assert_eq!(status("app-crash-free-users"), "ok");
    let api = doc["slos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "api-availability")
        .unwrap();
    // The calendar month in Tokyo started at 2026-11-01 00:00 +09:00.
    assert_eq!(api["window"]["start"], "2026-10-31T15:00:00Z");
    assert_eq!(api["alerts"][0], "page_1h_5m");
    let table = vitals()
        .args(["slo", "--config", "examples/vitals.toml"])
        .output()
        .unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.lines().all(|l| l.chars().count() <= 80),
        "fits 80 columns:\n{text}"
    );
    let first_row = text
        .lines()
        .find(|l| l.contains("┆"))
        .and_then(|_| text.lines().nth(5))
        .unwrap();
    assert!(
        first_row.contains("checkout-validations"),
        "violations first:\n{text}"
    );
}

#[test]
fn the_chart_draws_a_burn_down_per_objective() {
    let scratch = Scratch::new();
    let chart = scratch.path("burn.svg");
    vitals()
        .args(["slo", "--config", "examples/vitals.toml", "-q", "--chart"])
        .arg(&chart)
        .assert()
        .code(1);
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.contains("api-availability · 99.9 % of requests succeed — error budget left"));
    assert_eq!(svg.matches("error budget left</text>").count(), 4);
}

#[test]
fn bad_specs_and_data_exit_2_naming_file_document_and_field() {
    let scratch = Scratch::new();
    let good = spec(ROLLING_DAY, THREE_NINES, false);
    let cases: Vec<(String, String, &str)> = vec![
        (good.replace("target: 0.999", "target: 1.2"), hourly_csv(), "document 1 (SLO api): spec.objectives[0].target: 1.2 is outside (0, 1)"),
        (good.replace("kind: SLO", "kind: Slo"), hourly_csv(), "kind: unknown kind \"Slo\""),
        (good.replace("openslo/v1", "openslo/v1alpha"), hourly_csv(), "apiVersion: \"openslo/v1alpha\" is not supported"),
        (good.replace("isRolling: true", "isRolling: false"), hourly_csv(), "spec.timeWindow[0].calendar: required when isRolling is false"),
        (good.replace("duration: 1d\n      isRolling: true", "duration: 1M\n      isRolling: false\n      calendar: {startTime: \"2026-01-01\", timeZone: Mars/Olympus}"), hourly_csv(), "calendar.timeZone: unknown time zone \"Mars/Olympus\""),
        (good.replace("column: total", "column: totl"), hourly_csv(), "no column `totl` (columns: good, total)"),
        (good.clone(), hourly_csv().replace("999,1000", "lots,1000"), "data.csv:2: column `good`: \"lots\" is not a number"),
        (good.clone(), "timestamp,good,total\n2026-11-21T02:00:00Z,1,1\n2026-11-21T01:00:00Z,1,1\n".into(), "data.csv:3: column `timestamp`: out-of-order timestamp"),
        (good.replace("counter: false", "counter: true"), "timestamp,good,total\n2026-11-21T01:00:00Z,-5,1\n".into(), "negative value in a counter"),
        ("key: [unclosed".into(), hourly_csv(), "invalid YAML"),
    ];
    for (spec_text, csv, expected) in cases {
        scratch.write("data.csv", &csv);
        let file = scratch.write("slo.yaml", &spec_text);
        let out = vitals()
            .args(["slo", "--now", NOW, "--spec"])
            .arg(&file)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{expected}\n{err}");
        assert!(err.contains(expected), "{expected}\n{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}

// OpenSLO files of every valid shape (tests/fixtures/openslo, each citing the specification's
// sections), end to end over one hourly CSV: 24 hours of 2026-11-21, 1000 requests an hour,
// 1 bad (10 at 10:00); p95 latency 200 ms (450 ms at 10:00 and 11:00).

fn fixture(name: &str) -> String {
    format!("tests/fixtures/openslo/{name}")
}

fn slo_run(specs: &[&str]) -> (i32, Value, String) {
    let mut cmd = vitals();
    cmd.args(["slo", "--now", NOW, "--format", "json", "--spec"]);
    for s in specs {
        cmd.arg(fixture(s));
    }
    run_json(&mut cmd)
}

fn entry<'a>(doc: &'a Value, name: &str, objective: &str) -> &'a Value {
    doc["slos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name && s["objective"] == objective)
        .unwrap_or_else(|| panic!("{name} / {objective} in {doc}"))
}

fn close(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() < 1e-9)
}

#[test]
fn a_file_that_is_one_sequence_of_every_kind_computes_its_slo() {
    let (code, doc, stderr) = slo_run(&["sequence.yaml"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(doc["slos"].as_array().unwrap().len(), 1, "{doc}");
    let slo = entry(&doc, "web-availability", "99 % of requests succeed");
    assert_eq!(
        (slo["good"].as_u64(), slo["total"].as_u64()),
        (Some(23_967), Some(24_000))
    );
    assert!(close(&slo["error_budget"]["allowed_bad"], 240.0));
    assert_eq!(slo["status"], "ok");
    assert!(
        slo.get("composite_weight").is_none(),
        "only composites carry a weight"
    );
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn a_composite_slo_is_one_entry_per_objective_with_its_weight() {
    let (code, doc, stderr) = slo_run(&["composite.yaml"]);
    assert_eq!(code, 0, "{stderr}");
    let loads = entry(&doc, "checkout-journey", "pages load");
    assert_eq!(loads["composite_weight"], 2.0);
    assert_eq!(
        (loads["good"].as_u64(), loads["total"].as_u64()),
        (Some(23_967), Some(24_000))
    );
    let fast = entry(&doc, "checkout-journey", "pages are fast");
    assert_eq!(fast["composite_weight"], 1.0);
    // The threshold objective: 22 of 24 hourly rows at p95 ≤ 300 ms.
    assert_eq!(
        (fast["good"].as_u64(), fast["total"].as_u64()),
        (Some(22), Some(24))
    );
    assert!(close(&fast["error_budget"]["allowed_bad"], 2.4));
    assert!(close(
        &fast["error_budget"]["remaining_ratio"],
        1.0 - 2.0 / 2.4
    ));
    assert_eq!(fast["status"], "ok");
}

#[test]
fn ratio_objectives_take_op_without_value_and_the_calendar_reads_start_time_in_its_zone() {
    let (code, doc, stderr) = slo_run(&["timeslices.yaml"]);
    assert_eq!(code, 1, "`strictly above` is violated: {stderr}");
    // 00:00 in New York (UTC−5 in November) starts each day: 05:00Z.
    let above = entry(&doc, "api-slices", "strictly above");
    assert_eq!(above["window"]["start"], "2026-11-21T05:00:00Z");
    // 19 hourly slices from 05:00; no ratio (0.999 or 0.99) is > 0.999 …
    assert_eq!(
        (above["good"].as_u64(), above["total"].as_u64()),
        (Some(0), Some(19))
    );
    assert_eq!(above["status"], "violated");
    // … and all but 10:00 are ≥ 0.999 (no `op`: gte). The budget is 10 % of 24 slices.
    let at_least = entry(&doc, "api-slices", "at least");
    assert_eq!(
        (at_least["good"].as_u64(), at_least["total"].as_u64()),
        (Some(18), Some(19))
    );
    assert!(close(&at_least["error_budget"]["allowed_bad"], 2.4));
    assert_eq!(at_least["status"], "ok");
    // A raw failure ratio under RatioTimeslices: each slice is good by 1 − its error ratio.
    let raw = entry(&doc, "api-ratio-slices", "Good");
    assert!(close(&raw["good"], 23.0 * 0.999 + 0.99), "{raw}");
    assert_eq!(raw["total"], 24);
    assert!(close(&raw["error_budget"]["consumed_bad"], 0.033));
    assert_eq!(raw["status"], "ok");
}

#[test]
fn a_source_vitals_cannot_query_is_no_data_with_a_warning_beside_other_slos() {
    let (code, doc, stderr) = slo_run(&["sequence.yaml", "datadog.yaml"]);
    assert_eq!(code, 0, "{stderr}");
    let foo = entry(&doc, "foo-slo", "Foo Total Errors");
    assert_eq!(foo["status"], "no_data");
    assert!(foo["sli"].is_null());
    assert!(
        stderr.contains("datadog.yaml: document 1 (SLO foo-slo): spec.objectives[0]: metricSource.type \"Datadog\" cannot be queried"),
        "{stderr}"
    );
    assert_eq!(
        entry(&doc, "web-availability", "99 % of requests succeed")["status"],
        "ok"
    );
}

/// Runs `vitals slo` on `spec`, which must be bad input: exit 2, nothing on stdout, one line.
fn bad_input(spec: impl AsRef<std::ffi::OsStr>) -> String {
    let out = vitals()
        .args(["slo", "--now", NOW, "--format", "json", "--spec"])
        .arg(spec)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    stderr
}

#[test]
fn a_source_vitals_cannot_query_as_the_only_input_is_bad_input() {
    let stderr = bad_input(fixture("datadog.yaml"));
    assert!(
        stderr.contains("document 1 (SLO foo-slo): SLO \"foo-slo\" reads metricSource.type \"Datadog\", which vitals cannot query"),
        "{stderr}"
    );
}

#[test]
fn an_indicator_with_neither_ratio_nor_threshold_metric_is_bad_input() {
    let scratch = Scratch::new();
    let broken = std::fs::read_to_string(fixture("composite.yaml"))
        .unwrap()
        .replace(
            "  thresholdMetric:\n    metricSource:\n      type: CSV\n      spec: {path: metrics.csv, column: p95_ms}\n",
            "  description: the metric was forgotten\n",
        );
    let stderr = bad_input(scratch.write("composite.yaml", broken));
    assert!(
        stderr.contains("composite.yaml: document 1 (SLI page-latency): spec: an indicator needs a ratioMetric or a thresholdMetric"),
        "{stderr}"
    );
}
