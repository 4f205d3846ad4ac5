//! Fixtures: GA4-shaped rows, files, and the command under test.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{json, Value};

/// `vitals` with a clean environment: no Slack or Google credentials leak in from the host.
pub fn vitals() -> Command {
    let mut cmd = Command::cargo_bin("vitals").expect("vitals binary");
    for var in [
        "SLACK_WEBHOOK_URL",
        "SLACK_BOT_TOKEN",
        "SLACK_API_URL",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "GOOGLE_OAUTH_ACCESS_TOKEN",
        "VITALS_BIGQUERY_API_URL",
        "GITHUB_TOKEN",
        // A test run inside GitHub Actions must not write to the job's own summary.
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_SERVER_URL",
        "GITHUB_REPOSITORY",
        "GITHUB_RUN_ID",
        "PROMETHEUS_URL",
        "PROMETHEUS_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1")
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One GA4 export row as BigQuery's JSON export writes it (INT64 as strings).
pub fn row(
    date: &str,
    platform: &str,
    user: Option<&str>,
    version: &str,
    event: &str,
    fatal: Option<i64>,
) -> Value {
    let mut params = vec![
        json!({"key": "ga_session_id", "value": {"string_value": null, "int_value": "1763683200", "float_value": null, "double_value": null}}),
    ];
    if let Some(f) = fatal {
        params.push(json!({"key": "fatal", "value": {"string_value": null, "int_value": f.to_string(), "float_value": null, "double_value": null}}));
    }
    json!({
        "event_date": date,
        "event_timestamp": "1763683200000000",
        "event_name": event,
        "event_params": params,
        "user_pseudo_id": user,
        "device": {"category": "mobile", "operating_system": platform},
        "app_info": {"id": "com.example.app", "version": version},
        "platform": platform,
        "items": []
    })
}

/// The hand-checked data set (report ending 2026-11-21, UTC, 30 days):
///
/// | user | platform | day   | version | event                 |
/// |------|----------|-------|---------|-----------------------|
/// | u1   | IOS      | 11-20 | 1.0     | screen_view           |
/// | u1   | IOS      | 11-21 | 1.1     | app_exception fatal=1 |
/// | u2   | IOS      | 11-21 | 1.1     | screen_view           |
/// | u2   | IOS      | 11-10 | 1.0     | app_exception fatal=0 |
/// | u3   | IOS      | 11-14 | 1.0     | screen_view           |
/// | u1   | ANDROID  | 11-21 | 2.0     | screen_view           |
/// | u4   | ANDROID  | 11-21 | 2.0     | app_exception fatal=1 |
///
/// plus a WEB row, a consent-mode ping without user, and a row before the range.
pub fn hand_checked_rows() -> Vec<Value> {
    vec![
        row("20261120", "IOS", Some("u1"), "1.0", "screen_view", None),
        row(
            "20261121",
            "IOS",
            Some("u1"),
            "1.1",
            "app_exception",
            Some(1),
        ),
        row("20261121", "IOS", Some("u2"), "1.1", "screen_view", None),
        row(
            "20261110",
            "IOS",
            Some("u2"),
            "1.0",
            "app_exception",
            Some(0),
        ),
        row("20261114", "IOS", Some("u3"), "1.0", "screen_view", None),
        row(
            "20261121",
            "ANDROID",
            Some("u1"),
            "2.0",
            "screen_view",
            None,
        ),
        row(
            "20261121",
            "ANDROID",
            Some("u4"),
            "2.0",
            "app_exception",
            Some(1),
        ),
        row("20261121", "WEB", Some("w1"), "", "page_view", None),
        row("20261121", "IOS", None, "1.1", "app_exception", Some(1)),
        row(
            "20261001",
            "IOS",
            Some("u9"),
            "0.9",
            "app_exception",
            Some(1),
        ),
    ]
}

pub const HAND_CHECKED_ARGS: [&str; 6] = [
    "--now",
    "2026-11-22T00:00:00Z",
    "--tz",
    "UTC",
    "--days",
    "30",
];

pub fn ndjson(rows: &[Value]) -> String {
    rows.iter().map(|r| format!("{r}\n")).collect()
}

/// A scratch folder for input files, removed when dropped.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, content).expect("write fixture");
        path
    }

    pub fn write_gz(&self, name: &str, content: &str) -> PathBuf {
        let path = self.path(name);
        let mut gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&path).expect("create"),
            flate2::Compression::default(),
        );
        gz.write_all(content.as_bytes()).expect("gzip");
        gz.finish().expect("gzip finish");
        path
    }
}

/// Runs vitals and parses its stdout as JSON; returns (exit code, document, stderr).
pub fn run_json(cmd: &mut Command) -> (i32, Value, String) {
    let out = cmd.output().expect("run vitals");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let doc = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stdout}\nstderr:\n{stderr}"));
    (out.status.code().unwrap_or(-1), doc, stderr)
}

/// The platform entry named `name` of a crash-free document.
pub fn platform<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["platforms"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["platform"] == name))
        .unwrap_or_else(|| panic!("no platform {name} in {doc}"))
}

/// The example generator built beside the binary by `cargo test`.
pub fn generator() -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_vitals"));
    let path = bin
        .parent()
        .expect("target dir")
        .join("examples")
        .join("generate");
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo test` (which builds examples)",
        path.display()
    );
    path
}

/// Runs vitals off the async runtime (mock servers live on it): (exit code, stdout, stderr).
pub async fn run_async(mut cmd: Command) -> (i32, String, String) {
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run vitals"))
        .await
        .expect("join");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// Points vitals at a BigQuery stand-in or emulator with a throwaway token.
pub fn with_bigquery(cmd: &mut Command, base: &str) {
    cmd.env("VITALS_BIGQUERY_API_URL", format!("{base}/bigquery/v2"))
        .env("GOOGLE_OAUTH_ACCESS_TOKEN", "t0ken-for-the-stand-in");
}

/// A Slack stand-in that answers every POST as a webhook does ("ok") and records it.
pub async fn slack_webhook_ok() -> wiremock::MockServer {
    let slack = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&slack)
        .await;
    slack
}
