//! `vitals gate`: one case per blocking rule on hand-computed CSV data, the warnings that never
//! block, a check that fails to run (never "allowed"), bad config, the GitHub Actions outputs,
//! and the example's story.

use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const NOW: &str = "2026-11-22T00:00:00Z";

/// One row a minute from `from` for `minutes` (with `bad` and `total` columns), 1,000
/// requests each, `bad(minute index, time)` of them failing.
pub(crate) fn minutes_csv(from: &str, minutes: i64, bad: impl Fn(i64, &str) -> u32) -> String {
    let start = chrono::DateTime::parse_from_rfc3339(from).unwrap();
    let mut text = String::from("timestamp,bad,total\n");
    for m in 0..minutes {
        let t = (start + chrono::Duration::minutes(m))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        text.push_str(&format!("{t},{},1000\n", bad(m, &t)));
    }
    text
}

/// Eight days of minutes before NOW, `bad(minutes_ago)` of each 1,000 failing.
fn week_csv(bad: impl Fn(i64) -> u32) -> String {
    const MINUTES: i64 = 8 * 1_440;
    minutes_csv("2026-11-14T00:00:00Z", MINUTES, |m, _| bad(MINUTES - m))
}

/// `api`: 99 % of requests succeed over a rolling 7 days, from `data.csv` beside the spec
/// (over [`week_csv`]: 1 % of 10,080,000 = 100,800 bad allowed).
pub(crate) const SPEC: &str = "apiVersion: openslo/v1
kind: SLO
metadata: {name: api}
spec:
  indicator:
    spec:
      ratioMetric:
        counter: false
        bad: {metricSource: {type: CSV, spec: {path: data.csv, column: bad}}}
        total: {metricSource: {type: CSV, spec: {path: data.csv, column: total}}}
  timeWindow:
    - duration: 7d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: 99 % succeed
      target: 0.99
";

/// A config with `[slo]` over SPEC and `csv`, plus `extra` TOML.
fn config(scratch: &Scratch, csv: &str, extra: &str) -> std::path::PathBuf {
    scratch.write("data.csv", csv);
    scratch.write("api.yaml", SPEC);
    scratch.write(
        "vitals.toml",
        format!("now = \"{NOW}\"\n[slo]\nspecs = [\"api.yaml\"]\n{extra}"),
    )
}

fn gate(config: &std::path::Path, extra: &[&str]) -> (i32, Value, String) {
    run_json(
        vitals()
            .args(["gate", "--format", "json", "--config"])
            .arg(config)
            .args(extra),
    )
}

fn whys(doc: &Value, list: &str) -> Vec<String> {
    doc[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["why"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_healthy_slo_allows_the_deploy() {
    let scratch = Scratch::new();
    let file = config(&scratch, &week_csv(|_| 1), "");
    let (code, doc, stderr) = gate(&file, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(doc["kind"], "gate");
    assert_eq!(doc["generated_at"], NOW);
    assert_eq!(doc["allowed"], true);
    assert_eq!(doc["reasons"], serde_json::json!([]));
    assert_eq!(doc["warnings"], serde_json::json!([]));
    assert_eq!(doc["checks"], serde_json::json!(["slo"]));
}

#[test]
fn a_violated_slo_blocks() {
    // 2 % bad all week: 201,600 bad of 100,800 allowed, −100 % left.
    let scratch = Scratch::new();
    let file = config(&scratch, &week_csv(|_| 20), "");
    let (code, doc, _) = gate(&file, &[]);
    assert_eq!(code, 1);
    assert_eq!(doc["allowed"], false);
    assert_eq!(
        doc["reasons"][0],
        serde_json::json!({"check": "slo", "name": "api", "objective": "99 % succeed",
                           "why": "violated: error budget −100.0 % left"})
    );
}

#[test]
fn a_budget_below_the_floor_blocks_from_the_flag_or_the_config() {
    // 0.9 % bad all week: 90,720 of 100,800 spent, 10 % left.
    let scratch = Scratch::new();
    let csv = week_csv(|_| 9);
    let file = config(&scratch, &csv, "");
    let (code, doc, _) = gate(&file, &[]);
    assert_eq!(
        (code, &doc["allowed"]),
        (0, &Value::Bool(true)),
        "default floor 0"
    );
    let (code, doc, _) = gate(&file, &["--min-budget", "0.2"]);
    assert_eq!(code, 1);
    assert_eq!(
        whys(&doc, "reasons"),
        ["error budget 10.0 % left, below the 20 % floor"]
    );
    let file = config(&scratch, &csv, "[gate]\nmin_budget = 0.2\n");
    let (code, doc, _) = gate(&file, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        whys(&doc, "reasons"),
        ["error budget 10.0 % left, below the 20 % floor"]
    );
    let (code, _, _) = gate(&file, &["--min-budget", "0.05"]);
    assert_eq!(code, 0, "the flag wins over the config");
}

#[test]
fn a_firing_page_pair_blocks() {
    // The last hour at 20 % bad: burn 20 over 1h and 5m (≥ 14.4); 12,000 of 100,800 spent.
    let scratch = Scratch::new();
    let file = config(
        &scratch,
        &week_csv(|ago| if ago <= 60 { 200 } else { 0 }),
        "",
    );
    let (code, doc, _) = gate(&file, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        whys(&doc, "reasons"),
        ["page alert: burn 1h 20.0×, 5m 20.0× ≥ 14.4"]
    );
}

#[test]
fn at_risk_alone_blocks_only_with_strict() {
    // The last day at 4 % bad: the ticket pairs fire (1d & 2h at 4 ≥ 3), no page pair (6h at
    // 4 < 6); 57,600 of 100,800 spent.
    let scratch = Scratch::new();
    let file = config(
        &scratch,
        &week_csv(|ago| if ago <= 1_440 { 40 } else { 0 }),
        "",
    );
    let (code, doc, _) = gate(&file, &[]);
    assert_eq!(code, 0);
    assert_eq!(doc["allowed"], true);
    assert_eq!(
        whys(&doc, "warnings"),
        ["at risk: ticket_1d_2h fires; blocks only with --strict"]
    );
    let (code, doc, _) = gate(&file, &["--strict"]);
    assert_eq!(code, 1);
    assert_eq!(
        whys(&doc, "reasons"),
        ["at risk (--strict): ticket_1d_2h fires"]
    );
}

#[test]
fn no_data_never_blocks_even_with_strict() {
    // Rows only from before the 7-day window.
    let scratch = Scratch::new();
    let csv = "timestamp,bad,total\n2026-11-01T00:00:00Z,1000,1000\n";
    let file = config(&scratch, csv, "");
    for strict in [&[][..], &["--strict"][..]] {
        let (code, doc, _) = gate(&file, strict);
        assert_eq!(code, 0);
        assert_eq!(doc["allowed"], true);
        assert_eq!(
            doc["warnings"][0],
            serde_json::json!({"check": "slo", "name": "api", "objective": "99 % succeed",
                               "why": "no data in the window: not checked"})
        );
    }
}

#[test]
fn a_crash_free_platform_below_its_7d_slo_blocks() {
    // The hand-checked rows: in the 7 days to 11-21, iOS has u1 (crashed) and u2 → 50 %
    // (u3 on 11-14 is a day before); Android u1 and u4 (crashed) → 50 %. Both below their SLOs.
    let scratch = Scratch::new();
    scratch.write("events.ndjson", ndjson(&hand_checked_rows()));
    let file = scratch.write(
        "vitals.toml",
        format!(
            "now = \"{NOW}\"\ntimezone = \"UTC\"\n[crash_free]\nevents = [\"events.ndjson\"]\n"
        ),
    );
    let (code, doc, stderr) = gate(&file, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(doc["checks"], serde_json::json!(["crash_free"]));
    assert_eq!(
        doc["reasons"],
        serde_json::json!([
            {"check": "crash_free", "name": "ANDROID",
             "why": "7-day crash-free users 50.000 % below the 99.600 % SLO"},
            {"check": "crash_free", "name": "IOS",
             "why": "7-day crash-free users 50.000 % below the 99.950 % SLO"}
        ])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_that_cannot_run_blocks_and_exits_3() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(serde_json::json!({"error": {
            "code": 403, "message": "Access Denied", "errors": [{"reason": "accessDenied"}]}})),
        )
        .mount(&server)
        .await;
    let scratch = Scratch::new();
    let file = config(
        &scratch,
        &week_csv(|_| 1),
        "[crash_free]\nbigquery = \"test-project.analytics_1\"\n",
    );
    let summary = scratch.write("summary.md", "");
    let mut cmd = vitals();
    with_bigquery(&mut cmd, &server.uri());
    cmd.args(["gate", "--format", "json", "--config"])
        .arg(&file)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary);
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(code, 3, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["allowed"], false);
    assert_eq!(doc["reasons"][0]["check"], "crash_free");
    assert!(
        doc["reasons"][0]["why"]
            .as_str()
            .unwrap()
            .starts_with("the check could not run: "),
        "{doc}"
    );
    assert!(stderr.contains("a check could not run, so the deploy is not allowed"));
    assert!(
        stderr
            .contains("::error title=vitals gate: crash_free::crash_free: the check could not run"),
        "{stderr}"
    );
    let markdown = std::fs::read_to_string(&summary).unwrap();
    assert!(
        markdown.contains("Deploy gate") && markdown.contains("**Blocked: crash_free**"),
        "{markdown}"
    );
    assert!(!stdout.contains("t0ken") && !stderr.contains("t0ken"));
}

#[test]
fn bad_config_or_input_exits_2_with_nothing_on_stdout() {
    let scratch = Scratch::new();
    let csv = week_csv(|_| 1);
    let cases: Vec<(String, Vec<&str>, &str)> = vec![
        (
            "[gate]\nmin_budget = 1.5\n".into(),
            vec![],
            "gate.min_budget: must be a ratio between 0 and 1",
        ),
        (
            "[gate]\nfloor = 0.1\n".into(),
            vec![],
            "unknown field `floor`",
        ),
        (
            String::new(),
            vec!["--min-budget", "-0.1"],
            "--min-budget -0.1: must be a ratio",
        ),
        (
            String::new(),
            vec!["--spec", "missing.yaml"],
            "missing.yaml",
        ),
    ];
    for (extra, args, want) in cases {
        let file = config(&scratch, &csv, &extra);
        let out = vitals()
            .args(["gate", "--config"])
            .arg(&file)
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{want}: {stderr}");
        assert!(stderr.contains(want), "{want}: {stderr}");
        assert!(out.stdout.is_empty(), "{want}");
    }
    // Nothing to check.
    let empty = scratch.write("empty.toml", "[slack]\nchannel = \"#x\"\n");
    let out = vitals()
        .args(["gate", "--config"])
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("gate: nothing to check"));
    // A check whose data is bad input: exit 2, nothing delivered.
    let file = config(&scratch, "timestamp,bad,total\nyesterday,1,10\n", "");
    let out = vitals()
        .args(["gate", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn the_example_is_blocked_by_the_api_incident_and_the_checkout_violation() {
    let (code, doc, stderr) = run_json(vitals().args([
        "gate",
        "--config",
        "examples/vitals.toml",
        "--format",
        "json",
    ]));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(doc["checks"], serde_json::json!(["slo", "crash_free"]));
    let reasons: Vec<(&str, &str)> = doc["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["why"].as_str().unwrap()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "api-availability",
                "page alert: burn 1h 44.4×, 5m 56.7× ≥ 14.4"
            ),
            (
                "api-availability",
                "page alert: burn 6h 9.5×, 30m 57.9× ≥ 6"
            ),
            (
                "checkout-validations",
                "violated: error budget −63.7 % left"
            ),
        ]
    );
    // The table fits 80 columns; Slack gets the verdict.
    let table = vitals()
        .args(["gate", "--config", "examples/vitals.toml"])
        .output()
        .unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    assert!(
        text.contains("Blocked: api-availability, checkout-validations"),
        "{text}"
    );
    let slack = vitals()
        .args([
            "gate",
            "--config",
            "examples/vitals.toml",
            "--slack-dry-run",
        ])
        .output()
        .unwrap();
    let payload: Value = serde_json::from_slice(&slack.stdout).unwrap();
    assert!(payload[0]["text"]
        .as_str()
        .unwrap()
        .contains("Deploy gate: Blocked: api-availability"));
}
