//! Slack delivery against a local HTTP server that records what it received.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;
use wiremock::matchers::{header, method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const WEBHOOK_SECRET: &str = "Zq8webhookSECRETpart7731";
const BOT_TOKEN: &str = "xoxb-000000-test-token-SECRET";

fn webhook(server: &MockServer) -> String {
    format!("{}/services/T0000/B0000/{WEBHOOK_SECRET}", server.uri())
}

fn assert_no_secret(texts: &[&str]) {
    for text in texts {
        assert!(
            !text.contains(WEBHOOK_SECRET)
                && !text.contains(BOT_TOKEN)
                && !text.contains("/services/T0000"),
            "secret leaked:\n{text}"
        );
    }
}

/// crash-free on the hand-checked rows (whose windows miss their SLO: exit 1 once posted),
/// with the example config's `[slack]` channel.
fn example_with_slack() -> (Scratch, assert_cmd::Command) {
    let scratch = Scratch::new();
    let events = scratch.write("events.ndjson", ndjson(&hand_checked_rows()));
    let config = scratch.write("vitals.toml", "[slack]\nchannel = \"#reliability\"\n");
    let mut cmd = vitals();
    cmd.args(["crash-free", "--slack", "--config"])
        .arg(config)
        .arg("--events")
        .arg(events)
        .args(HAND_CHECKED_ARGS);
    (scratch, cmd)
}

async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("JSON body"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_posts_one_block_kit_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex("^/services/"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let (_files, mut cmd) = example_with_slack();
    cmd.env("SLACK_WEBHOOK_URL", webhook(&server));
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(code, 1, "posted, and the SLO is missed: {stderr}");
    assert!(
        stdout.contains("Crash-free users"),
        "the report still goes to stdout"
    );
    let sent = bodies(&server).await;
    assert_eq!(sent.len(), 1);
    let blocks = sent[0]["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "header");
    assert!(blocks.iter().any(|b| b["type"] == "section"));
    assert_eq!(blocks.last().unwrap()["type"], "context");
    assert!(
        sent[0].get("channel").is_none(),
        "a webhook has its own channel"
    );
    assert_no_secret(&[&stdout, &stderr]);
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_waits_for_retry_after_then_posts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .with_priority(2)
        .mount(&server)
        .await;
    let (_files, mut cmd) = example_with_slack();
    cmd.env("SLACK_WEBHOOK_URL", webhook(&server));
    let started = Instant::now();
    let (code, _, stderr) = run_async(cmd).await;
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(bodies(&server).await.len(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_are_retried_a_bounded_number_of_times_then_exit_3() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .mount(&server)
        .await;
    let (_files, mut cmd) = example_with_slack();
    cmd.env("SLACK_WEBHOOK_URL", webhook(&server));
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(code, 3);
    assert_eq!(bodies(&server).await.len(), 5);
    assert!(stderr.contains("Slack webhook: HTTP 500"), "{stderr}");
    assert_no_secret(&[&stdout, &stderr]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_webhook_exits_3_without_printing_its_url() {
    let (_files, mut cmd) = example_with_slack();
    cmd.env(
        "SLACK_WEBHOOK_URL",
        format!("http://127.0.0.1:9/services/T0000/B0000/{WEBHOOK_SECRET}"),
    )
    .arg("-v");
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("Slack webhook"), "{stderr}");
    assert_no_secret(&[&stdout, &stderr]);
}

#[tokio::test(flavor = "multi_thread")]
async fn bot_token_posts_to_chat_post_message_with_the_channel() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .and(header(
            "authorization",
            format!("Bearer {BOT_TOKEN}").as_str(),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true, "ts": "1.2"})),
        )
        .mount(&server)
        .await;
    let (_files, mut cmd) = example_with_slack();
    cmd.env("SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("SLACK_API_URL", server.uri())
        .args(["--slack-channel", "#ops"]);
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(code, 1, "{stderr}");
    let sent = bodies(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["channel"], "#ops");
    assert_no_secret(&[&stdout, &stderr]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_bot_message_exits_3_with_slacks_reason() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"ok": false, "error": "channel_not_found"})),
        )
        .mount(&server)
        .await;
    let (_files, mut cmd) = example_with_slack();
    // The channel comes from the config's [slack] section.
    cmd.env("SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("SLACK_API_URL", server.uri());
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(code, 3);
    assert!(stderr.contains("channel_not_found"), "{stderr}");
    assert_eq!(bodies(&server).await[0]["channel"], "#reliability");
    assert_no_secret(&[&stdout, &stderr]);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_posts_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let scratch = Scratch::new();
    let file = scratch.write("bad.ndjson", "{not json}\n");
    let mut cmd = vitals();
    cmd.args(["crash-free", "--slack", "--events"])
        .arg(&file)
        .args(HAND_CHECKED_ARGS)
        .env("SLACK_WEBHOOK_URL", webhook(&server));
    let (code, _, _) = run_async(cmd).await;
    assert_eq!(code, 2);
    assert!(bodies(&server).await.is_empty());
}

#[test]
fn slack_without_credentials_is_a_usage_error() {
    let (_files, mut cmd) = example_with_slack();
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "fails before any work");
    assert!(String::from_utf8_lossy(&out.stderr).contains("SLACK_WEBHOOK_URL"));
}

/// A digest long enough for two messages: 60 freshness checks with very long names.
fn long_digest(scratch: &Scratch) -> PathBuf {
    scratch.write("data.csv", "id,loaded_at\n1,2026-11-21 23:00:00\n");
    let mut config = String::from("now = \"2026-11-22T00:00:00Z\"\n[slack]\nchannel = \"#ops\"\n");
    for i in 0..60 {
        config.push_str(&format!(
            "[[freshness.checks]]\nname = \"check_{i:03}_{}\"\npath = \"data.csv\"\nwarn_after = \"2h\"\n",
            "x".repeat(1500)
        ));
    }
    scratch.write("vitals.toml", config)
}

async fn mount_post_message(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"ok": true, "channel": "C0OPS", "ts": "1700000000.000100"}),
        ))
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn slack_thread_posts_the_rest_as_replies_to_the_first_message() {
    let server = MockServer::start().await;
    mount_post_message(&server).await;
    let scratch = Scratch::new();
    let config = long_digest(&scratch);
    let mut cmd = vitals();
    cmd.args(["digest", "--slack", "--slack-thread", "--config"])
        .arg(&config)
        .env("SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("SLACK_API_URL", server.uri());
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(code, 0, "{stderr}");
    let sent = bodies(&server).await;
    assert!(sent.len() >= 3, "the verdicts, then the details in replies");
    assert!(
        sent[0].get("thread_ts").is_none(),
        "the first goes to the channel"
    );
    assert!(sent[0]["blocks"].as_array().unwrap().len() <= 12);
    assert_eq!(sent[0]["blocks"][0]["type"], "header");
    assert!(sent[1..]
        .iter()
        .all(|m| m["thread_ts"] == "1700000000.000100"));
    assert!(sent.iter().all(|m| m["channel"] == "#ops"));
    assert_no_secret(&[&stdout, &stderr]);
    let replies = sent.len();

    // Without --slack-thread: the summary alone in the channel.
    assert_eq!(post_digest(&config).await.len(), 1);

    // `[slack] detail = "full"`: every message, all in the channel.
    let full = std::fs::read_to_string(&config)
        .unwrap()
        .replace("[slack]\n", "[slack]\ndetail = \"full\"\n");
    let sent = post_digest(&scratch.write("full.toml", full)).await;
    assert_eq!(sent.len(), replies);
    assert!(sent.iter().all(|m| m.get("thread_ts").is_none()));
}

/// What `digest --slack` with a bot token sends, without a thread.
async fn post_digest(config: &std::path::Path) -> Vec<Value> {
    let server = MockServer::start().await;
    mount_post_message(&server).await;
    let mut cmd = vitals();
    cmd.args(["digest", "--slack", "--config"])
        .arg(config)
        .env("SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("SLACK_API_URL", server.uri());
    let (code, _, stderr) = run_async(cmd).await;
    assert_eq!(code, 0, "{stderr}");
    bodies(&server).await
}

#[test]
fn slack_thread_dry_run_marks_the_replies_with_a_placeholder() {
    let scratch = Scratch::new();
    let config = long_digest(&scratch);
    let out = vitals()
        .args(["digest", "--slack-dry-run", "--slack-thread", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let messages: Value = serde_json::from_slice(&out.stdout).unwrap();
    let messages = messages.as_array().unwrap();
    assert!(messages.len() >= 2);
    assert!(messages[0].get("thread_ts").is_none());
    assert!(messages[1..]
        .iter()
        .all(|m| m["thread_ts"] == "<ts of message 1>"));
}

#[tokio::test(flavor = "multi_thread")]
async fn slack_thread_with_a_webhook_exits_2_and_posts_nothing() {
    let server = slack_webhook_ok().await;
    let scratch = Scratch::new();
    let config = long_digest(&scratch);
    let mut cmd = vitals();
    cmd.args(["digest", "--slack", "--slack-thread", "--config"])
        .arg(&config)
        .env("SLACK_WEBHOOK_URL", webhook(&server));
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "fails before any work");
    assert!(stderr.contains("SLACK_BOT_TOKEN"), "{stderr}");
    assert!(bodies(&server).await.is_empty());
    assert_no_secret(&[&stdout, &stderr]);
}

/// An `application/x-www-form-urlencoded` body as name/value pairs.
fn form(body: &[u8]) -> Vec<(String, String)> {
    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).unwrap()
    }
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test(flavor = "multi_thread")]
async fn slack_charts_upload_a_png_through_the_external_upload_flow() {
    const UPLOAD_SECRET: &str = "sig=UPLOADsecret9931";
    let server = MockServer::start().await;
    mount_post_message(&server).await;
    Mock::given(method("POST"))
        .and(path("/files.getUploadURLExternal"))
        .and(header(
            "authorization",
            format!("Bearer {BOT_TOKEN}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "ok": true,
            "upload_url": format!("{}/upload/v1/F0CHART?{UPLOAD_SECRET}", server.uri()),
            "file_id": "F0CHART",
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/upload/v1/F0CHART"))
        .respond_with(ResponseTemplate::new(200).set_body_string("OK - 1234"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/files.completeUploadExternal"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"ok": true, "files": [{"id": "F0CHART"}]})),
        )
        .mount(&server)
        .await;
    let mut cmd = vitals();
    cmd.args([
        "digest",
        "--config",
        "examples/vitals.toml",
        "--only",
        "crash-free",
        "--slack",
        "--slack-charts",
        "--slack-thread",
        "--slack-channel",
        "#ops",
        "-v",
    ])
    .env("SLACK_BOT_TOKEN", BOT_TOKEN)
    .env("SLACK_API_URL", server.uri());
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(code, 0, "{stderr}");
    let requests = server.received_requests().await.unwrap();
    let paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        paths,
        [
            "/chat.postMessage",
            "/chat.postMessage",
            "/files.getUploadURLExternal",
            "/upload/v1/F0CHART",
            "/files.completeUploadExternal"
        ],
        "the verdicts, the details in the thread, then the chart"
    );
    let get = form(&requests[2].body);
    assert_eq!(field(&get, "filename"), Some("crash-free.png"));
    let png = &requests[3].body;
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG is uploaded");
    assert_eq!(field(&get, "length"), Some(png.len().to_string().as_str()));
    let complete = form(&requests[4].body);
    assert_eq!(
        field(&complete, "channel_id"),
        Some("C0OPS"),
        "the channel ID from chat.postMessage"
    );
    assert_eq!(field(&complete, "thread_ts"), Some("1700000000.000100"));
    let files: Value = serde_json::from_str(field(&complete, "files").unwrap()).unwrap();
    assert_eq!(files[0]["id"], "F0CHART");
    assert!(files[0]["title"]
        .as_str()
        .unwrap()
        .starts_with("Crash-free users"));
    assert_no_secret(&[&stdout, &stderr]);
    assert!(!stderr.contains(UPLOAD_SECRET), "{stderr}");
}

#[test]
fn slack_charts_without_a_bot_token_exit_2_before_anything_runs() {
    let out = vitals()
        .args([
            "digest",
            "--config",
            "examples/vitals.toml",
            "--slack",
            "--slack-charts",
        ])
        .env(
            "SLACK_WEBHOOK_URL",
            "http://127.0.0.1:9/services/T0000/B0000/x",
        )
        .env_remove("SLACK_BOT_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--slack-charts: file uploads need SLACK_BOT_TOKEN"));
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_logs_each_call_with_its_status_and_no_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex("^/services/"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let (_files, mut cmd) = example_with_slack();
    cmd.env("SLACK_WEBHOOK_URL", webhook(&server)).arg("-v");
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(code, 1, "{stderr}");
    let host = server.uri().trim_start_matches("http://").to_string();
    let line = stderr
        .lines()
        .find(|l| l.contains("POST "))
        .unwrap_or_else(|| panic!("no call line: {stderr}"));
    assert!(
        line.starts_with(&format!(
            "vitals: POST {host}/services/[redacted] -> 200 (attempt 1, "
        )),
        "{line}"
    );
    assert!(line.contains(" ms)"), "{line}");
    assert_no_secret(&[&stdout, &stderr]);

    // Without -v: no call lines.
    let (_files, mut cmd) = example_with_slack();
    cmd.env("SLACK_WEBHOOK_URL", webhook(&server));
    let (_, _, stderr) = run_async(cmd).await;
    assert!(
        !stderr.contains("POST") && !stderr.contains("vitals:"),
        "{stderr}"
    );
}

#[test]
fn slack_charts_dry_run_lists_the_charts_on_stderr_and_keeps_stdout_json() {
    let out = vitals()
        .args([
            "digest",
            "--config",
            "examples/vitals.toml",
            "--only",
            "crash-free",
            "--slack-dry-run",
            "--slack-charts",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Would upload crash-free.png (")
            && stderr.contains("): Crash-free users per platform, daily"),
        "{stderr}"
    );
    assert!(serde_json::from_slice::<Value>(&out.stdout).is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_chart_upload_exits_3_with_slacks_reason() {
    let server = MockServer::start().await;
    mount_post_message(&server).await;
    Mock::given(method("POST"))
        .and(path("/files.getUploadURLExternal"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"ok": false, "error": "missing_scope"})),
        )
        .mount(&server)
        .await;
    let mut cmd = vitals();
    cmd.args([
        "digest",
        "--config",
        "examples/vitals.toml",
        "--only",
        "crash-free",
        "--slack",
        "--slack-charts",
        "--slack-channel",
        "#ops",
    ])
    .env("SLACK_BOT_TOKEN", BOT_TOKEN)
    .env("SLACK_API_URL", server.uri());
    let (code, stdout, stderr) = run_async(cmd).await;
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr
            .contains("Slack files.getUploadURLExternal: Slack refused the request: missing_scope"),
        "{stderr}"
    );
    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert_eq!(paths, ["/chat.postMessage", "/files.getUploadURLExternal"]);
    assert_no_secret(&[&stdout, &stderr]);
}
