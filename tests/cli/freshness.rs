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
    let server = slack_webhook_ok().await;
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
    // Named from the state file's folder, so a moved checkout keeps its alerts.
    let scope = format!(
        "config ../{}",
        config.file_name().unwrap().to_str().unwrap()
    );
    assert_eq!(
        saved["scopes"][&scope]["checks"]["source.data.csv"]["status"], "warn",
        "{saved}"
    );

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
    // The check's own limit ([freshness] timeout, 60 s) is longer than the run's --timeout:
    // the run's budget is what stops it.
    assert!(
        doc["results"][0]["error"]
            .as_str()
            .unwrap()
            .ends_with("gave up: the run's network time (--timeout 1 s) is spent"),
        "{doc}"
    );
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

// ---- dbt projects as they are: dbt itself is the oracle ----

/// The `dbt` of the test virtualenv (scripts/install-test-deps), required under
/// `VITALS_REQUIRE_EMULATORS` like the emulators.
fn dbt() -> Option<std::path::PathBuf> {
    let candidates = [
        std::env::var_os("VITALS_VENV").map(|v| std::path::PathBuf::from(v).join("bin/dbt")),
        Some(repo().join(".venv-test/bin/dbt")),
    ];
    let found = candidates.into_iter().flatten().find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("VITALS_REQUIRE_EMULATORS").is_err(),
            "dbt is required but not installed: run scripts/install-test-deps"
        );
        eprintln!("skipped: dbt not installed");
    }
    found
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The environment both dbt and vitals render the fixture project in.
const SHOP_ENV: &[(&str, &str)] = &[("SHOP_VIEWS_FIELD", "seen_at")];

/// `dbt parse` of a copy of the fixture project (dbt writes into it); returns the copy.
fn parsed_shop(dbt: &std::path::Path, scratch: &Scratch) -> std::path::PathBuf {
    let project = scratch.path("shop");
    copy_dir(&repo().join("tests/fixtures/dbt/shop"), &project);
    let out = std::process::Command::new(dbt)
        .args(["parse", "--no-partial-parse", "--vars", "{warn_hours: 10}"])
        .arg("--project-dir")
        .arg(&project)
        .arg("--profiles-dir")
        .arg(&project)
        .current_dir(&project)
        .env("HOME", scratch.path("home"))
        .env("DO_NOT_TRACK", "1")
        .env("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        .env_remove("DBT_PROFILES_DIR")
        .env_remove("DBT_TARGET")
        .envs(SHOP_ENV.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "dbt parse failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    project
}

/// A BigQuery stand-in that answers every query with no rows and every table lookup with
/// 404, so each check is a `runtime error` naming its relation, and the requests show what
/// vitals would measure.
async fn recording_bigquery() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex("/queries$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "bigquery#queryResponse", "jobComplete": true,
            "jobReference": {"projectId": "p", "jobId": "j"},
            "schema": {"fields": [{"name": "check_index", "type": "INTEGER"}]},
            "rows": []})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "error": {"code": 404, "message": "Not found: Table", "errors": [{"reason": "notFound"}]}})))
        .mount(&server)
        .await;
    server
}

/// Each request as `METHOD path query-part`, one line per `UNION ALL` part without its batch
/// index, sorted: what was measured, whatever the order of the checks.
fn measured(requests: &[wiremock::Request]) -> Vec<String> {
    let mut lines = Vec::new();
    for r in requests {
        let query = serde_json::from_slice::<Value>(&r.body)
            .ok()
            .and_then(|b| b["query"].as_str().map(str::to_string));
        match query {
            Some(q) => {
                for part in q.split("\nUNION ALL\n") {
                    let part = match part.split_once(" AS check_index, ") {
                        Some((_, rest)) => rest,
                        None => part,
                    };
                    lines.push(format!("{} {} {part}", r.method, r.url.path()));
                }
            }
            None => lines.push(format!("{} {}", r.method, r.url.path())),
        }
    }
    lines.sort();
    lines
}

async fn freshness_json(
    server: &MockServer,
    scratch: &Scratch,
    args: &[&std::ffi::OsStr],
) -> Value {
    let mut cmd = vitals();
    cmd.args([
        "freshness",
        "--format",
        "json",
        "--now",
        "2026-11-22T00:00:00Z",
    ])
    .args(args)
    .env("HOME", scratch.path("home"))
    .env_remove("DBT_PROFILES_DIR")
    .env_remove("DBT_TARGET")
    .env_remove("GOOGLE_CLOUD_PROJECT")
    .envs(SHOP_ENV.iter().copied());
    with_bigquery(&mut cmd, &server.uri());
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(
        code, 1,
        "every check is a runtime error against the stand-in\n{stderr}"
    );
    serde_json::from_str(&stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn sources_yml_reads_as_dbt_parse_compiles_it() {
    let Some(dbt) = dbt() else { return };
    let scratch = Scratch::new();
    let project = parsed_shop(&dbt, &scratch);
    let manifest = project.join("target/manifest.json");
    let server = recording_bigquery().await;

    let from_manifest = freshness_json(
        &server,
        &scratch,
        &["--dbt-manifest".as_ref(), manifest.as_os_str()],
    )
    .await;
    let manifest_requests = server.received_requests().await.unwrap();
    let from_yaml = freshness_json(
        &server,
        &scratch,
        &[
            "--dbt-project".as_ref(),
            project.as_os_str(),
            "--dbt-var".as_ref(),
            "warn_hours=10".as_ref(),
        ],
    )
    .await;
    let all = server.received_requests().await.unwrap();
    let yaml_requests = &all[manifest_requests.len()..];

    // dbt's own reading and vitals' reading of the YAML: same tables, criteria, relations.
    assert_eq!(from_yaml["results"], from_manifest["results"]);
    assert_eq!(measured(yaml_requests), measured(&manifest_requests));

    // And what that is, checked by hand against dbt 1.11's manifest of the fixture.
    let mut ids: Vec<String> = statuses(&from_yaml).into_iter().map(|(id, _)| id).collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "source.shop.crm.accounts",
            "source.shop.crm.contacts",
            "source.shop.crm.leads",
            "source.shop.erp.customers",
            "source.shop.erp.items",
            "source.shop.erp.notes",
            "source.shop.erp.orders",
            "source.shop.erp.payments",
            "source.shop.erp.refunds",
            "source.shop.erp.returns",
            "source.shop.erp.shipments",
            "source.shop.erp.yearly",
            "source.shop.events.clicks",
            "source.shop.events.sessions",
            "source.shop.events.views",
        ],
        "not invoices/deals (freshness: null), archive (Jinja enabled: false), legacy \
         (dbt_project.yml +enabled: false) or ads (a disabled source)"
    );
    let criteria = |id: &str| {
        from_yaml["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["unique_id"] == id)
            .unwrap()["criteria"]
            .clone()
    };
    let hour = |n: u64| json!({"count": n, "period": "hour"});
    let day = |n: u64| json!({"count": n, "period": "day"});
    let filter = "_loaded_at > current_date - 2";
    assert_eq!(
        criteria("source.shop.erp.orders"),
        json!({"warn_after": hour(10), "error_after": day(1), "filter": filter}),
        "--dbt-var beats the project's var"
    );
    assert_eq!(
        criteria("source.shop.erp.payments"),
        json!({"warn_after": hour(10), "filter": filter}),
        "error_after: null unsets"
    );
    assert_eq!(
        criteria("source.shop.erp.refunds")["warn_after"],
        hour(10),
        "{{count: 36}} alone is ignored"
    );
    assert_eq!(
        criteria("source.shop.erp.shipments")["filter"],
        filter,
        "filter: null keeps it"
    );
    assert_eq!(
        criteria("source.shop.erp.items")["warn_after"],
        hour(2),
        "the table's config block"
    );
    assert_eq!(
        criteria("source.shop.crm.accounts"),
        json!({"warn_after": day(3)}),
        "dbt_project.yml's +freshness"
    );
    assert_eq!(
        criteria("source.shop.crm.contacts"),
        json!({"error_after": day(2)}),
        "a YAML block replaces it whole"
    );
    assert_eq!(
        criteria("source.shop.crm.leads"),
        json!({"warn_after": day(3)})
    );
    assert_eq!(
        criteria("source.shop.events.clicks"),
        json!({"warn_after": hour(6), "error_after": hour(48)}),
        "after a source-level null, its config restarts"
    );
    let lines = measured(yaml_requests).join("\n");
    for expected in [
        "POST /bigquery/v2/projects/raw/queries TIMESTAMP(MAX(`_loaded_at`)) AS max_loaded_at FROM `raw.erp_v2.orders` WHERE (_loaded_at > current_date - 2)",
        "FROM `raw.erp_v2.notes_dev`",
        "FROM `raw.erp_v2.2024`",
        "GET /bigquery/v2/projects/raw/datasets/erp_v2/tables/returns",
        "POST /bigquery/v2/projects/analytics/queries TIMESTAMP(MAX(`updated_at`)) AS max_loaded_at FROM `analytics.crm.accounts`",
        "TIMESTAMP(MAX(`seen_at`)) AS max_loaded_at FROM `analytics.events_dev.views`",
        "TIMESTAMP((select max(started_at) from `analytics`.`events_dev`.`sessions`)) AS max_loaded_at",
        "GET /bigquery/v2/projects/analytics/datasets/events_dev/tables/clicks",
    ] {
        assert!(lines.contains(expected), "{expected}\nnot in:\n{lines}");
    }
    assert!(
        !lines.contains("ignored_column"),
        "dbt ignores +loaded_at_field for sources"
    );
}

#[test]
fn dbt_inputs_that_cannot_be_read_exit_2_naming_file_line_and_field() {
    let scratch = Scratch::new();
    let sources = scratch.write(
        "sources.yml",
        "version: 2\nsources:\n  - name: s\n    database: p\n    tables:\n      - name: t\n        identifier: \"{{ my_macro('x') }}\"\n",
    );
    let not_json = scratch.write("manifest.json", "{\"metadata\": ");
    let old = scratch.write(
        "old-manifest.json",
        "{\"metadata\": {\"dbt_schema_version\": \"https://schemas.getdbt.com/dbt/manifest/v4.json\"}, \"sources\": {}}",
    );
    let cases: [(&str, &std::path::Path, String); 3] = [
        ("--dbt-sources", &sources, format!("{}:7: sources[0].tables[0].identifier: cannot render `my_macro('x')`: unknown function", sources.display())),
        ("--dbt-manifest", &not_json, format!("{}: not JSON", not_json.display())),
        ("--dbt-manifest", &old, format!("{}: metadata.dbt_schema_version: \"https://schemas.getdbt.com/dbt/manifest/v4.json\" is not a manifest schema vitals reads", old.display())),
    ];
    for (flag, file, expected) in cases {
        let out = vitals()
            .args(["freshness", flag])
            .arg(file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&expected), "{expected}\nnot in: {stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_source_with_no_database_anywhere_is_one_runtime_error_per_table() {
    let scratch = Scratch::new();
    let sources = scratch.write(
        "sources.yml",
        "sources:\n  - name: s\n    freshness: {warn_after: {count: 1, period: day}}\n    tables: [{name: a}, {name: b}]\n",
    );
    let (code, doc, stderr) = run_json(
        vitals()
            .args(["freshness", "--format", "json", "--dbt-sources"])
            .arg(&sources)
            .env("HOME", scratch.path("home"))
            .env_remove("GOOGLE_CLOUD_PROJECT")
            .env_remove("GCLOUD_PROJECT"),
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        statuses(&doc),
        [
            ("source.s.a".into(), "runtime error".into()),
            ("source.s.b".into(), "runtime error".into())
        ]
    );
    assert!(doc["results"][0]["error"]
        .as_str()
        .unwrap()
        .contains("source.s.a: no database (BigQuery project)"));
}
