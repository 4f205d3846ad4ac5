//! The real `queries/crash_free.sql` on a real BigQuery emulator (bqemulator, installed by
//! `scripts/install-test-deps`): seeded with GA4-shaped date shards, it must give exactly the
//! JSON the local engine gives for the same rows.
//!
//! Skipped when the emulator is not installed, unless `VITALS_REQUIRE_EMULATORS=1` (set by
//! `scripts/test`, so CI never skips it silently).

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::*;

pub const PROJECT: &str = "test-project";
pub const DATASET: &str = "analytics_1";

pub fn python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("VITALS_TEST_PYTHON").map(PathBuf::from),
        std::env::var_os("VITALS_VENV").map(|v| PathBuf::from(v).join("bin/python")),
        Some(repo().join(".venv-test/bin/python")),
    ];
    candidates.into_iter().flatten().find(|p| p.exists())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A running emulator, stopped (with its process group) when dropped.
pub struct Emulator {
    child: Child,
    pub base: String,
    _home: tempfile::TempDir,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("--")
            .arg(format!("-{}", self.child.id()))
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn start(python: PathBuf) -> Emulator {
    use std::os::unix::process::CommandExt;
    let home = tempfile::tempdir().expect("home");
    let (rest, grpc) = (free_port(), free_port());
    let child = Command::new(python)
        .arg(repo().join("scripts/bqemulator.py"))
        .args([
            "start",
            "--rest-host",
            "127.0.0.1",
            "--rest-port",
            &rest.to_string(),
            "--grpc-port",
            &grpc.to_string(),
            "--project",
            PROJECT,
        ])
        .env("HOME", home.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("start bqemulator");
    let emulator = Emulator {
        child,
        base: format!("http://127.0.0.1:{rest}"),
        _home: home,
    };
    let client = reqwest::Client::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(90) {
        if let Ok(r) = client
            .get(format!("{}/healthz", emulator.base))
            .send()
            .await
        {
            if r.status().is_success() {
                return emulator;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("bqemulator did not become healthy in 90 s");
}

pub fn field(name: &str, kind: &str) -> Value {
    json!({"name": name, "type": kind, "mode": "NULLABLE"})
}

fn record(name: &str, mode: &str, fields: Vec<Value>) -> Value {
    json!({"name": name, "type": "RECORD", "mode": mode, "fields": fields})
}

/// The GA4 export schema, as far as the test rows use it.
fn ga4_schema() -> Value {
    let value = record(
        "value",
        "NULLABLE",
        vec![
            field("string_value", "STRING"),
            field("int_value", "INTEGER"),
            field("float_value", "FLOAT"),
            field("double_value", "FLOAT"),
        ],
    );
    json!({"fields": [
        field("event_date", "STRING"),
        field("event_timestamp", "INTEGER"),
        field("event_name", "STRING"),
        record("event_params", "REPEATED", vec![field("key", "STRING"), value]),
        field("user_pseudo_id", "STRING"),
        record("device", "NULLABLE", vec![field("category", "STRING"), field("operating_system", "STRING")]),
        record("app_info", "NULLABLE", vec![field("id", "STRING"), field("version", "STRING")]),
        field("platform", "STRING"),
        record("items", "REPEATED", vec![field("item_id", "STRING")]),
    ]})
}

pub async fn post(client: &reqwest::Client, url: String, body: Value) -> Value {
    let response = client
        .post(&url)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = response.status();
    let reply: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{url}: HTTP {status}: {reply}");
    reply
}

pub(crate) async fn seed(emulator: &Emulator, rows: &[Value]) {
    let client = reqwest::Client::new();
    let api = format!("{}/bigquery/v2/projects/{PROJECT}", emulator.base);
    post(
        &client,
        format!("{api}/datasets"),
        json!({"datasetReference": {"projectId": PROJECT, "datasetId": DATASET}, "location": "US"}),
    )
    .await;
    let mut shards: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for row in rows {
        shards
            .entry(row["event_date"].as_str().unwrap().to_string())
            .or_default()
            .push(row);
    }
    for (day, shard) in shards {
        let table = format!("events_{day}");
        post(&client, format!("{api}/datasets/{DATASET}/tables"), json!({"tableReference": {"projectId": PROJECT, "datasetId": DATASET, "tableId": table}, "schema": ga4_schema()})).await;
        let insert: Vec<Value> = shard
            .iter()
            .enumerate()
            .map(|(i, r)| json!({"insertId": format!("{day}-{i}"), "json": r}))
            .collect();
        let reply = post(
            &client,
            format!("{api}/datasets/{DATASET}/tables/{table}/insertAll"),
            json!({"rows": insert}),
        )
        .await;
        assert!(
            reply["insertErrors"]
                .as_array()
                .is_none_or(|e| e.is_empty()),
            "{reply}"
        );
    }
}

/// Hand-checked rows plus a deterministic month of traffic: version upgrades, crashes of both
/// kinds, users on both platforms, days without data.
pub(crate) fn test_rows() -> Vec<Value> {
    let mut rows = hand_checked_rows();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for day in 1..=21u32 {
        if day % 9 == 0 {
            continue; // a day without data
        }
        for user in 0..30u64 {
            if next() % 3 == 0 {
                continue;
            }
            let platform = if user % 3 == 0 { "IOS" } else { "ANDROID" };
            let version = if u64::from(day) > 10 + user % 5 {
                "3.1"
            } else {
                "3.0"
            };
            let date = format!("202611{day:02}");
            let id = format!("user-{user:02}");
            let (event, fatal) = match next() % 25 {
                0 => ("app_exception", Some(1)),
                1 => ("app_exception", Some(0)),
                2 => ("app_exception", None),
                _ => ("screen_view", None),
            };
            rows.push(row(&date, platform, Some(&id), version, event, fatal));
            if user == 7 {
                rows.push(row(&date, "IOS", Some(&id), "9.9", "screen_view", None));
            }
        }
    }
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sql_on_the_emulator_matches_the_local_engine() {
    let Some(python) = python() else {
        assert!(
            std::env::var("VITALS_REQUIRE_EMULATORS").is_err(),
            "bqemulator is required but not installed: run scripts/install-test-deps"
        );
        eprintln!("skipped: bqemulator not installed (scripts/install-test-deps installs it)");
        return;
    };
    let emulator = start(python).await;
    let rows = test_rows();
    seed(&emulator, &rows).await;
    let scratch = Scratch::new();
    let file = scratch.write("events.ndjson", ndjson(&rows));
    for crash in ["any", "fatal"] {
        let (base, file) = (emulator.base.clone(), file.clone());
        let (local, remote) = tokio::task::spawn_blocking(move || {
            let common = ["--crash", crash, "--format", "json"];
            let local = run_json(
                vitals()
                    .args(["crash-free", "--events"])
                    .arg(&file)
                    .args(HAND_CHECKED_ARGS)
                    .args(common),
            );
            let remote = run_json(
                vitals()
                    .env("VITALS_BIGQUERY_API_URL", format!("{base}/bigquery/v2"))
                    .env("GOOGLE_OAUTH_ACCESS_TOKEN", "emulator-does-not-check")
                    .args(["crash-free", "--bigquery", &format!("{PROJECT}.{DATASET}")])
                    .args(HAND_CHECKED_ARGS)
                    .args(common),
            );
            (local, remote)
        })
        .await
        .unwrap();
        assert_eq!(
            remote.0, local.0,
            "exit codes, --crash {crash}: {}",
            remote.2
        );
        assert_eq!(remote.1, local.1, "--crash {crash}");
        assert!(
            platform(&local.1, "ANDROID")["windows"]["30d"]["users"]
                .as_u64()
                .unwrap()
                > 10
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_slo_over_a_bigquery_query_with_window_parameters() {
    let Some(python) = python() else {
        assert!(
            std::env::var("VITALS_REQUIRE_EMULATORS").is_err(),
            "bqemulator is required but not installed"
        );
        eprintln!("skipped: bqemulator not installed");
        return;
    };
    let emulator = start(python).await;
    let client = reqwest::Client::new();
    let api = format!("{}/bigquery/v2/projects/{PROJECT}", emulator.base);
    post(
        &client,
        format!("{api}/datasets"),
        json!({"datasetReference": {"projectId": PROJECT, "datasetId": "metrics"}}),
    )
    .await;
    let schema = json!({"fields": [field("ts", "TIMESTAMP"), field("good", "INTEGER"), field("total", "INTEGER")]});
    post(&client, format!("{api}/datasets/metrics/tables"), json!({"tableReference": {"projectId": PROJECT, "datasetId": "metrics", "tableId": "requests"}, "schema": schema})).await;
    // Hourly rows on 2026-11-21, 1000 requests, 2 failing; and one row a week earlier that the
    // @start parameter must keep out of a 1-day window.
    let mut rows: Vec<Value> = (0..24).map(|h| json!({"json": {"ts": format!("2026-11-21T{h:02}:00:00Z"), "good": 998, "total": 1000}})).collect();
    rows.push(json!({"json": {"ts": "2026-11-10T00:00:00Z", "good": 0, "total": 1000}}));
    post(
        &client,
        format!("{api}/datasets/metrics/tables/requests/insertAll"),
        json!({"rows": rows}),
    )
    .await;
    let scratch = Scratch::new();
    let spec = scratch.write(
        "slo.yaml",
        format!(
            "apiVersion: openslo/v1\nkind: DataSource\nmetadata: {{name: bq}}\nspec:\n  type: BigQuery\n  connectionDetails: {{projectId: {PROJECT}}}\n---\n\
             apiVersion: openslo/v1\nkind: SLO\nmetadata: {{name: api-bq}}\nspec:\n  indicator:\n    spec:\n      ratioMetric:\n\
             \x20       good: {{metricSource: {{metricSourceRef: bq, spec: {{queryFile: requests.sql, column: good}}}}}}\n\
             \x20       total: {{metricSource: {{metricSourceRef: bq, spec: {{queryFile: requests.sql, column: total}}}}}}\n\
             \x20 timeWindow: [{{duration: 1d, isRolling: true}}]\n  budgetingMethod: Occurrences\n  objectives: [{{target: 0.99}}]\n"
        ),
    );
    scratch.write("requests.sql", format!("SELECT ts AS timestamp, good, total FROM `{PROJECT}.metrics.requests` AS r WHERE ts >= @start AND ts < @end ORDER BY ts"));
    let base = emulator.base.clone();
    let (code, doc, stderr) = tokio::task::spawn_blocking(move || {
        let mut cmd = vitals();
        cmd.args([
            "slo",
            "--now",
            "2026-11-22T00:00:00Z",
            "--format",
            "json",
            "--spec",
        ])
        .arg(spec);
        with_bigquery(&mut cmd, &base);
        run_json(&mut cmd)
    })
    .await
    .unwrap();
    let slo = &doc["slos"][0];
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(slo["total"], 24_000, "the week-old row is outside @start");
    assert_eq!(slo["good"], 23_952);
    assert_eq!(slo["status"], "ok");
}
