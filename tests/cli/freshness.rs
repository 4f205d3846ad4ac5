//! `vitals freshness`: the example's pass/warn/error rows, dbt's artifact, the alert state
//! across runs, timeouts, and the BigQuery paths (emulator and REST stand-in).

use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::bigquery_emulator;
use crate::support::*;

fn statuses(doc: &Value) -> Vec<(String, String)> {
    doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["unique_id"].as_str().unwrap().into(),
                r["status"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[test]
fn the_example_shows_pass_warn_and_error_worst_first() {
    let (code, doc, _) = run_json(vitals().args([
        "freshness",
        "--config",
        "examples/vitals.toml",
        "--format",
        "json",
    ]));
    assert_eq!(code, 1, "an error row fails the run");
    assert_eq!(doc["kind"], "freshness");
    assert_eq!(
        statuses(&doc),
        [
            ("source.crm.accounts".into(), "error".into()),
            ("source.exports.payments".into(), "warn".into()),
            ("source.crm.contacts".into(), "pass".into()),
            ("source.exports.orders".into(), "pass".into()),
        ]
    );
    let accounts = &doc["results"][0];
    // Newest synced_at 2026-11-19 06:00 UTC, snapshot 2026-11-22 00:00 UTC: 66 hours.
    assert_eq!(accounts["max_loaded_at"], "2026-11-19T06:00:00Z");
    assert_eq!(accounts["max_loaded_at_time_ago_in_s"], 66.0 * 3600.0);
    assert_eq!(
        accounts["criteria"]["error_after"],
        json!({"count": 24, "period": "hour"})
    );
    assert!(
        !statuses(&doc)
            .iter()
            .any(|(id, _)| id == "source.crm.audit_log"),
        "freshness: null disables"
    );
}

fn config_with(scratch: &Scratch, checks: &str) -> std::path::PathBuf {
    scratch.write("data.csv", "id,loaded_at\n1,2026-11-21 21:00:00\n");
    scratch.write(
        "vitals.toml",
        format!("now = \"2026-11-22T00:00:00Z\"\n[slack]\nchannel = \"#data\"\n{checks}"),
    )
}

const WARN_ONLY: &str = "[[freshness.checks]]\nname = \"data.csv\"\npath = \"data.csv\"\nloaded_at_field = \"loaded_at\"\nwarn_after = \"2h\"\nerror_after = \"1d\"\n";

#[test]
fn warn_fails_the_run_only_with_strict() {
    let scratch = Scratch::new();
    let config = config_with(&scratch, WARN_ONLY);
    vitals()
        .args(["freshness", "--config"])
        .arg(&config)
        .assert()
        .code(0);
    vitals()
        .args(["freshness", "--strict", "--config"])
        .arg(&config)
        .assert()
        .code(1);
}

#[test]
fn a_glob_without_matches_is_a_runtime_error_row_not_a_crash() {
    let scratch = Scratch::new();
    let checks = format!("{WARN_ONLY}[[freshness.checks]]\nname = \"gone\"\npath = \"missing/*.csv\"\nwarn_after = \"1h\"\n");
    let (code, doc, _) = run_json(
        vitals()
            .args(["freshness", "--format", "json", "--config"])
            .arg(config_with(&scratch, &checks)),
    );
    assert_eq!(code, 1);
    let gone = &doc["results"][0];
    assert_eq!(gone["status"], "runtime error");
    assert!(gone["max_loaded_at"].is_null() && gone["max_loaded_at_time_ago_in_s"].is_null());
    assert!(gone["error"]
        .as_str()
        .unwrap()
        .contains("no file matches this pattern"));
    assert_eq!(doc["results"][1]["status"], "warn");
}

#[test]
fn writes_dbts_sources_json() {
    let scratch = Scratch::new();
    let artifact = scratch.path("target/sources.json");
    vitals()
        .args([
            "freshness",
            "--config",
            "examples/vitals.toml",
            "-q",
            "--write-dbt-artifact",
        ])
        .arg(&artifact)
        .assert()
        .code(1);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&artifact).unwrap()).unwrap();
    assert_eq!(
        doc["metadata"]["dbt_schema_version"],
        "https://schemas.getdbt.com/dbt/sources/v3.json"
    );
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(
        results[0]["criteria"]["warn_after"],
        json!({"count": 12, "period": "hour"})
    );
    assert!(results
        .iter()
        .all(|r| r["snapshotted_at"] == "2026-11-22T00:00:00Z"));
}

#[test]
fn config_mistakes_exit_2_with_the_line() {
    let scratch = Scratch::new();
    let cases = [
        ("[[freshness.checks]]\nname = \"x\"\npath = \"a\"\nwarn_after = \"2w\"\n", "vitals.toml:4:14: \"2w\": unknown period \"w\""),
        ("[[freshness.checks]]\nname = \"x\"\npath = \"a\"\nwarn_after = { count = -1, period = \"hour\" }\n", "must be a positive integer"),
        ("[[freshness.checks]]\nname = \"x\"\nwarn_after = \"1h\"\n", "set exactly one of `path` (local files) or `table` (BigQuery)"),
        ("[[freshness.checks]]\nname = \"x\"\npath = \"a\"\n", "x: needs warn_after or error_after"),
        ("[[freshness.checks]]\nname = \"x\"\ntable = \"p.d.t`x\"\nwarn_after = \"1h\"\n", "is not a BigQuery identifier"),
        ("[freshness]\ntimeout = \"soon\"\n[[freshness.checks]]\nname = \"x\"\npath = \"a\"\nwarn_after = \"1h\"\n", "vitals.toml:2:11: freshness.timeout"),
    ];
    for (text, expected) in cases {
        let config = scratch.write("vitals.toml", text);
        let out = vitals()
            .args(["freshness", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}\n{err}");
        assert!(err.contains(expected), "{text}\n{err}");
    }
}

#[test]
fn error_after_shorter_than_warn_after_is_a_warning() {
    let scratch = Scratch::new();
    let config = config_with(&scratch, "[[freshness.checks]]\nname = \"d\"\npath = \"data.csv\"\nloaded_at_field = \"loaded_at\"\nwarn_after = \"1d\"\nerror_after = \"2h\"\n");
    let out = vitals()
        .args(["freshness", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "3h old is past error_after 2h");
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("warning: source.d: error_after (2h) is shorter than warn_after (1d)"));
}

#[test]
fn dbt_sources_from_the_command_line_are_read_unchanged() {
    let (code, doc, _) = run_json(vitals().args([
        "freshness",
        "--now",
        "2026-11-22T00:00:00Z",
        "--format",
        "json",
        "--dbt-sources",
        "examples/freshness/sources.yml",
    ]));
    assert_eq!(code, 1);
    assert_eq!(
        statuses(&doc),
        [
            ("source.crm.accounts".into(), "error".into()),
            ("source.crm.contacts".into(), "pass".into())
        ]
    );
    let out = vitals()
        .args(["freshness", "--dbt-sources", "examples/vitals.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "TOML is not a sources.yml");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_state_file_posts_changes_and_reminders_only() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let scratch = Scratch::new();
    let config = config_with(&scratch, WARN_ONLY);
    let state = scratch.path("state/freshness.json");
    let at = |now: &str| {
        let mut cmd = vitals();
        cmd.args([
            "freshness",
            "--slack",
            "--remind-every",
            "6h",
            "--now",
            now,
            "--config",
        ])
        .arg(&config)
        .arg("--state")
        .arg(&state)
        .env(
            "SLACK_WEBHOOK_URL",
            format!("{}/services/T/B/secret-state-test", server.uri()),
        );
        cmd
    };
    let posts = || async { server.received_requests().await.unwrap().len() };
    assert_eq!(run_async(at("2026-11-22T00:00:00Z")).await.0, 0);
    assert_eq!(posts().await, 1, "first run: the warning is news");
    let text = serde_json::to_string(
        &serde_json::from_slice::<Value>(&server.received_requests().await.unwrap()[0].body)
            .unwrap(),
    )
    .unwrap();
    assert!(text.contains("data.csv") && text.contains("warn"));
    run_async(at("2026-11-22T00:15:00Z")).await;
    assert_eq!(posts().await, 1, "unchanged: quiet");
    run_async(at("2026-11-22T06:00:00Z")).await;
    assert_eq!(posts().await, 2, "still failing after 6h: a reminder");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(saved["checks"]["source.data.csv"]["status"], "warn");

    std::fs::write(&state, "{ not json").unwrap();
    let (code, _, stderr) = run_async(at("2026-11-22T06:15:00Z")).await;
    assert_eq!(code, 0);
    assert!(
        stderr.contains("corrupt state file") && stderr.contains("replaced"),
        "{stderr}"
    );
    assert!(
        serde_json::from_str::<Value>(&std::fs::read_to_string(&state).unwrap()).is_ok(),
        "replaced with a valid file"
    );
}

/// A BigQuery stand-in: `__TABLES__` answers for a dataset, and a `slow` table that never
/// answers in time.
async fn bigquery_stand_in(tables: &[(&str, i64)]) -> MockServer {
    let server = MockServer::start().await;
    let rows: Vec<Value> = tables
        .iter()
        .map(|(t, ms)| json!({"f": [{"v": t}, {"v": ms.to_string()}]}))
        .collect();
    Mock::given(method("POST"))
        .and(path("/bigquery/v2/projects/p/queries"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "bigquery#queryResponse", "jobComplete": true,
            "jobReference": {"projectId": "p", "jobId": "j"},
            "schema": {"fields": [{"name": "table_id", "type": "STRING"}, {"name": "last_modified_time", "type": "INTEGER"}]},
            "rows": rows})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("/tables/slow$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_secs(30))
                .set_body_json(json!({"lastModifiedTime": "0"})),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn many_tables_of_one_dataset_cost_one_metadata_query() {
    // 2026-11-21T23:00:00Z and 2026-11-20T00:00:00Z in milliseconds.
    let server = bigquery_stand_in(&[
        ("orders", 1_795_302_000_000),
        ("users", 1_795_132_800_000),
        ("other", 0),
    ])
    .await;
    let scratch = Scratch::new();
    let checks = "[[freshness.checks]]\nname = \"a.orders\"\ntable = \"p.shop.orders\"\nwarn_after = \"2h\"\nerror_after = \"1d\"\n\
                  [[freshness.checks]]\nname = \"a.users\"\ntable = \"p.shop.users\"\nwarn_after = \"2h\"\nerror_after = \"1d\"\n\
                  [[freshness.checks]]\nname = \"a.gone\"\ntable = \"p.shop.gone\"\nwarn_after = \"2h\"\n";
    let mut cmd = vitals();
    cmd.args(["freshness", "--format", "json", "--config"])
        .arg(config_with(&scratch, checks));
    with_bigquery(&mut cmd, &server.uri());
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(code, 1, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "one __TABLES__ query for the dataset");
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        body["query"],
        "SELECT table_id, last_modified_time FROM `p.shop.__TABLES__`"
    );
    let by_id = |id: &str| {
        doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["unique_id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("source.a.orders")["status"], "pass");
    assert_eq!(
        by_id("source.a.orders")["max_loaded_at"],
        "2026-11-21T23:00:00Z"
    );
    assert_eq!(by_id("source.a.users")["status"], "error");
    assert_eq!(by_id("source.a.gone")["status"], "runtime error");
    assert!(by_id("source.a.gone")["error"]
        .as_str()
        .unwrap()
        .contains("Not found"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_source_times_out_alone() {
    let server = bigquery_stand_in(&[]).await;
    let scratch = Scratch::new();
    let checks = format!("{WARN_ONLY}[[freshness.checks]]\nname = \"b.slow\"\ntable = \"p.other.slow\"\nwarn_after = \"2h\"\n");
    let mut cmd = vitals();
    cmd.args([
        "freshness",
        "--format",
        "json",
        "--timeout",
        "1s",
        "--config",
    ])
    .arg(config_with(&scratch, &checks));
    with_bigquery(&mut cmd, &server.uri());
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(code, 1, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        statuses(&doc),
        [
            ("source.b.slow".into(), "runtime error".into()),
            ("source.data.csv".into(), "warn".into())
        ]
    );
    assert_eq!(doc["results"][0]["error"], "timed out after 1s");
}

#[tokio::test(flavor = "multi_thread")]
async fn last_modified_and_max_loaded_at_on_the_emulator() {
    let Some(python) = bigquery_emulator::python() else {
        assert!(
            std::env::var("VITALS_REQUIRE_EMULATORS").is_err(),
            "bqemulator is required but not installed"
        );
        eprintln!("skipped: bqemulator not installed");
        return;
    };
    let emulator = bigquery_emulator::start(python).await;
    let client = reqwest::Client::new();
    let api = format!(
        "{}/bigquery/v2/projects/{}",
        emulator.base,
        bigquery_emulator::PROJECT
    );
    let dataset = bigquery_emulator::DATASET;
    bigquery_emulator::post(&client, format!("{api}/datasets"), json!({"datasetReference": {"projectId": bigquery_emulator::PROJECT, "datasetId": dataset}})).await;
    let schema = json!({"fields": [bigquery_emulator::field("id", "INTEGER"), bigquery_emulator::field("kind", "STRING"), bigquery_emulator::field("_loaded_at", "TIMESTAMP")]});
    for table in ["loads", "snapshots"] {
        bigquery_emulator::post(&client, format!("{api}/datasets/{dataset}/tables"), json!({"tableReference": {"projectId": bigquery_emulator::PROJECT, "datasetId": dataset, "tableId": table}, "schema": schema})).await;
    }
    let rows = json!({"rows": [
        {"json": {"id": 1, "kind": "full", "_loaded_at": "2026-11-21T20:00:00Z"}},
        {"json": {"id": 2, "kind": "delta", "_loaded_at": "2026-11-21T23:30:00Z"}},
    ]});
    bigquery_emulator::post(
        &client,
        format!("{api}/datasets/{dataset}/tables/loads/insertAll"),
        rows,
    )
    .await;
    let scratch = Scratch::new();
    let project = bigquery_emulator::PROJECT;
    let checks = format!(
        "[[freshness.checks]]\nname = \"bq.loads\"\ntable = \"{project}.{dataset}.loads\"\nloaded_at_field = \"_loaded_at\"\nwarn_after = \"2h\"\n\
         [[freshness.checks]]\nname = \"bq.full_loads\"\ntable = \"{project}.{dataset}.loads\"\nloaded_at_field = \"_loaded_at\"\nfilter = \"kind = 'full'\"\nwarn_after = \"2h\"\n\
         [[freshness.checks]]\nname = \"bq.snapshots\"\ntable = \"{project}.{dataset}.snapshots\"\nwarn_after = \"1d\"\n\
         [[freshness.checks]]\nname = \"bq.empty\"\ntable = \"{project}.{dataset}.snapshots\"\nloaded_at_field = \"_loaded_at\"\nwarn_after = \"1d\"\n"
    );
    let mut cmd = vitals();
    cmd.args([
        "freshness",
        "--format",
        "json",
        "--now",
        "2026-11-22T00:00:00Z",
        "--config",
    ])
    .arg(config_with(&scratch, &checks));
    with_bigquery(&mut cmd, &emulator.base);
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(code, 1, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    let by_id = |id: &str| {
        doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["unique_id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        by_id("source.bq.loads")["max_loaded_at"],
        "2026-11-21T23:30:00Z"
    );
    assert_eq!(by_id("source.bq.loads")["status"], "pass");
    assert_eq!(
        by_id("source.bq.full_loads")["max_loaded_at"],
        "2026-11-21T20:00:00Z",
        "the filter applies"
    );
    assert_eq!(by_id("source.bq.full_loads")["status"], "warn");
    // The emulator stamps lastModifiedTime at creation: just now, so fresh.
    assert_eq!(
        by_id("source.bq.snapshots")["status"],
        "pass",
        "{}",
        by_id("source.bq.snapshots")
    );
    assert_eq!(by_id("source.bq.empty")["status"], "runtime error");
    assert!(by_id("source.bq.empty")["error"]
        .as_str()
        .unwrap()
        .contains("is NULL"));
}
