//! Hostile inputs and flaky networks (issue #13): the CLI against FIFOs, devices, endless and
//! huge files, outputs that must not be replaced, concurrent runs on one state file, and
//! servers that reset, stall, answer half, echo secrets or send garbage. Every run must end
//! within its documented worst case (a run waits on networks at most twice `--timeout`),
//! exit 2 must mean nothing printed and nothing posted, and no fragment of a secret may
//! appear anywhere.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::MockServer;

use crate::support::*;

// ---------------------------------------------------------------------------------------------
// A faulting TCP stand-in: each connection gets the next fault of a schedule (then a default),
// and `Pass` forwards it to a real server (wiremock, moto).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// Reads the request, then resets the connection (RST).
    Reset,
    /// Answers 200 with a Content-Length it never fulfils, then closes.
    Half,
    /// Reads the request and never answers.
    Stall,
    /// Answers 400 with a body quoting the start of the request's bearer token and of its
    /// path's secret part, as a careless server's error page would.
    Echo,
    /// Answers 200 with bytes that are not JSON.
    Garbage,
    /// Forwards to the real server.
    Pass,
}

struct FaultProxy {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    /// Serves `schedule` one connection at a time, then `then` for every later one.
    async fn start(upstream: Option<String>, schedule: &[Fault], then: Fault) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let connections = Arc::new(AtomicUsize::new(0));
        let schedule = Arc::new(Mutex::new(
            schedule.iter().copied().collect::<VecDeque<_>>(),
        ));
        let counter = connections.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                let fault = schedule.lock().unwrap().pop_front().unwrap_or(then);
                let upstream = upstream.clone();
                tokio::spawn(serve(client, fault, upstream));
            }
        });
        FaultProxy {
            addr,
            connections,
            task,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// The request's head (up to the blank line), read within a few seconds.
async fn read_head(client: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(5);
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 1 << 16 {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, client.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => head.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// What an echoing server quotes: the first 12 characters of the bearer token and of the
/// path's last segment.
fn echoed(head: &str) -> String {
    let token = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("authorization")
                .then(|| value.trim().trim_start_matches("Bearer ").to_string())
        })
        .unwrap_or_default();
    let path = head.split_whitespace().nth(1).unwrap_or("");
    let last = path
        .split('?')
        .next()
        .unwrap_or("")
        .rsplit('/')
        .next()
        .unwrap_or("");
    let cut = |s: &str| s.chars().take(12).collect::<String>();
    format!(
        "invalid credentials {}... for {}...",
        cut(&token),
        cut(last)
    )
}

async fn serve(mut client: TcpStream, fault: Fault, upstream: Option<String>) {
    if fault == Fault::Pass {
        let Some(upstream) = upstream else { return };
        if let Ok(mut server) = TcpStream::connect(upstream).await {
            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        }
        return;
    }
    let head = read_head(&mut client).await;
    let reply: Vec<u8> = match fault {
        Fault::Reset => {
            let _ = client.set_zero_linger();
            return;
        }
        Fault::Stall => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
        Fault::Half => b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{\"ok\": true, \"rows\": [".to_vec(),
        Fault::Echo => {
            let message = echoed(&head);
            let body = serde_json::json!({
                "ok": false,
                "message": message,
                "error": {"code": 400, "message": message, "errors": [{"reason": "invalid", "message": message}]}
            })
            .to_string();
            format!(
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        }
        Fault::Garbage => {
            let body = b"\x00\xff<html>not json \x01\x02</html>".repeat(8);
            let mut reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            reply.extend_from_slice(&body);
            reply
        }
        Fault::Pass => unreachable!(),
    };
    let _ = client.write_all(&reply).await;
    let _ = client.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/// The run's network budget in these tests.
const TIMEOUT_SECONDS: u64 = 2;

/// The documented worst case of a run: twice `--timeout` on networks, plus a generous
/// allowance for starting a debug build on a busy machine and its local work.
fn worst_case() -> Duration {
    Duration::from_secs(2 * TIMEOUT_SECONDS + 15)
}

/// Runs the command off the async runtime; (exit code, stdout, stderr, how long it took).
async fn timed(cmd: assert_cmd::Command) -> (i32, String, String, Duration) {
    let started = Instant::now();
    let (code, stdout, stderr) = run_async(cmd).await;
    (code, stdout, stderr, started.elapsed())
}

/// No run of [`redact::MIN_SECRET_LEN`] (8) characters of `secret` in `text`.
fn assert_no_fragment(secret: &str, text: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for window in chars.windows(8) {
        let fragment: String = window.iter().collect();
        assert!(
            !text.contains(&fragment),
            "a fragment {fragment:?} of a secret was printed:\n{text}"
        );
    }
}

/// The budget of a run whose faults must end it: `--timeout` of [`TIMEOUT_SECONDS`].
fn with_timeout(cmd: &mut assert_cmd::Command) {
    with_budget(cmd, TIMEOUT_SECONDS);
}

/// A run that must get through after a fault or two: a budget that a busy machine (moto
/// answering slowly, backoff with jitter) cannot spend, so only the retries are tested.
const PATIENT_SECONDS: u64 = 60;

fn with_budget(cmd: &mut assert_cmd::Command, seconds: u64) {
    cmd.args(["--timeout", &format!("{seconds}s")]);
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(status.success());
}

// ---------------------------------------------------------------------------------------------
// Network faults: Slack.

const WEBHOOK_SECRET: &str = "T0HOSTILE/B0HOSTILE/webhookSECRETvalue42";
const BOT_TOKEN: &str = "xoxb-hostile-0123456789-SECRETbotTOKEN";

fn slack_run(base: &str, bot: bool, budget: u64) -> assert_cmd::Command {
    let mut cmd = vitals();
    cmd.args(["--config", "examples/vitals.toml", "slo", "--slack", "-v"]);
    with_budget(&mut cmd, budget);
    if bot {
        cmd.env("SLACK_BOT_TOKEN", BOT_TOKEN)
            .env("SLACK_API_URL", format!("{base}/api"))
            .args(["--slack-channel", "#reliability"]);
    } else {
        // Stored with `echo`: the trailing newline must not keep it from being redacted.
        cmd.env(
            "SLACK_WEBHOOK_URL",
            format!("{base}/services/{WEBHOOK_SECRET}\n"),
        );
    }
    cmd
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_slack_connection_is_retried_and_the_report_posted_once() {
    let slack = slack_webhook_ok().await;
    let proxy = FaultProxy::start(
        Some(slack.address().to_string()),
        &[Fault::Reset, Fault::Half],
        Fault::Pass,
    )
    .await;
    let (code, _, stderr, _) = timed(slack_run(&proxy.url(), false, PATIENT_SECONDS)).await;
    assert_eq!(code, 1, "the example SLOs are violated: {stderr}");
    assert!(stderr.contains("Posted to Slack."), "{stderr}");
    assert_eq!(slack.received_requests().await.unwrap().len(), 1);
    assert!(
        proxy.connections() >= 3,
        "reset, half a reply, then through"
    );
    assert_no_fragment(WEBHOOK_SECRET, &stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn slack_faults_end_within_the_budget_as_upstream_failures_without_secrets() {
    for (fault, bot) in [
        (Fault::Reset, false),
        (Fault::Half, false),
        (Fault::Stall, false),
        (Fault::Echo, false),
        (Fault::Reset, true),
        (Fault::Stall, true),
        (Fault::Echo, true),
        (Fault::Garbage, true),
    ] {
        let proxy = FaultProxy::start(None, &[], fault).await;
        let (code, stdout, stderr, took) =
            timed(slack_run(&proxy.url(), bot, TIMEOUT_SECONDS)).await;
        let what = format!("{fault:?} (bot token: {bot}): {stderr}");
        assert_eq!(code, 3, "{what}");
        assert!(took < worst_case(), "{what}: took {took:?}");
        assert!(stderr.contains("error: Slack"), "{what}");
        for text in [&stdout, &stderr] {
            assert_no_fragment(WEBHOOK_SECRET, text);
            assert_no_fragment(BOT_TOKEN, text);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Network faults: GitHub, BigQuery, CloudWatch.

const GITHUB_TOKEN: &str = "ghp_hostileSECRETtoken0123456789abcd";
const GOOGLE_TOKEN: &str = "ya29.hostile-SECRET-access-token-0123";

fn github_run(base: &str) -> assert_cmd::Command {
    let mut cmd = vitals();
    cmd.args([
        "four-keys",
        "--github",
        "acme/shop",
        "--github-api-url",
        base,
        "--now",
        "2026-11-22T00:00:00Z",
    ])
    .env("GITHUB_TOKEN", GITHUB_TOKEN);
    with_timeout(&mut cmd);
    cmd
}

fn bigquery_run(base: &str) -> assert_cmd::Command {
    let mut cmd = vitals();
    cmd.args([
        "crash-free",
        "--bigquery",
        "p.analytics_1",
        "--now",
        "2026-11-22T00:00:00Z",
        "-v",
    ])
    .env("VITALS_BIGQUERY_API_URL", format!("{base}/bigquery/v2"))
    .env("GOOGLE_OAUTH_ACCESS_TOKEN", GOOGLE_TOKEN);
    with_timeout(&mut cmd);
    cmd
}

#[tokio::test(flavor = "multi_thread")]
async fn github_and_bigquery_faults_end_within_the_budget_without_secrets() {
    for fault in [
        Fault::Reset,
        Fault::Half,
        Fault::Stall,
        Fault::Echo,
        Fault::Garbage,
    ] {
        for (name, secret) in [("GitHub", GITHUB_TOKEN), ("BigQuery", GOOGLE_TOKEN)] {
            let proxy = FaultProxy::start(None, &[], fault).await;
            let cmd = if name == "GitHub" {
                github_run(&proxy.url())
            } else {
                bigquery_run(&proxy.url())
            };
            let (code, stdout, stderr, took) = timed(cmd).await;
            let what = format!("{name} {fault:?}: {stderr}");
            assert_eq!(code, 3, "{what}");
            assert!(stdout.is_empty(), "{what}");
            assert!(took < worst_case(), "{what}: took {took:?}");
            assert!(stderr.contains(&format!("error: {name}")), "{what}");
            let errors = stderr.lines().filter(|l| l.starts_with("error:")).count();
            assert_eq!(errors, 1, "one line: {what}");
            assert_no_fragment(secret, &stderr);
            if matches!(fault, Fault::Reset | Fault::Half) {
                assert!(proxy.connections() > 1, "{what}: retried");
            }
        }
    }
}

const CLOUDWATCH_SPEC: &str = r#"
apiVersion: openslo/v1
kind: SLO
metadata: {name: alb-availability}
spec:
  indicator:
    spec:
      ratioMetric:
        bad:
          metricSource:
            type: CloudWatch
            spec: {region: us-east-1, namespace: AWS/ApplicationELB, metricName: HTTPCode_Target_5XX_Count, stat: Sum}
        total:
          metricSource:
            type: CloudWatch
            spec: {region: us-east-1, namespace: AWS/ApplicationELB, metricName: RequestCount, stat: Sum}
  timeWindow: [{duration: 1d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
"#;

fn cloudwatch_run(base: &str, spec: &Path, home: &Path, budget: u64) -> assert_cmd::Command {
    let mut cmd = vitals();
    cmd.args([
        "slo",
        "--now",
        "2026-11-22T00:00:00Z",
        "--format",
        "json",
        "--spec",
    ])
    .arg(spec)
    .env("AWS_ENDPOINT_URL", base)
    .env("AWS_ACCESS_KEY_ID", "test")
    .env("AWS_SECRET_ACCESS_KEY", "test")
    .env("AWS_REGION", "us-east-1")
    .env("AWS_EC2_METADATA_DISABLED", "true")
    .env("HOME", home);
    with_budget(&mut cmd, budget);
    cmd
}

#[tokio::test(flavor = "multi_thread")]
async fn cloudwatch_through_resets_and_faults_within_the_budget() {
    let Some(moto) = crate::cloudwatch::start_moto().await else {
        return;
    };
    let scratch = Scratch::new();
    let spec = scratch.write("alb.yaml", CLOUDWATCH_SPEC);
    let upstream = moto.url.trim_start_matches("http://").to_string();
    // A reset and half a reply, then moto: the SDK tries again and the SLO is read (no data).
    let proxy = FaultProxy::start(Some(upstream), &[Fault::Reset, Fault::Half], Fault::Pass).await;
    let (code, stdout, stderr, _) = timed(cloudwatch_run(
        &proxy.url(),
        &spec,
        scratch.dir.path(),
        PATIENT_SECONDS,
    ))
    .await;
    assert_eq!(code, 0, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["slos"][0]["status"], "no_data", "{stdout}");
    for fault in [Fault::Reset, Fault::Stall, Fault::Garbage, Fault::Echo] {
        let proxy = FaultProxy::start(None, &[], fault).await;
        let (code, stdout, stderr, took) = timed(cloudwatch_run(
            &proxy.url(),
            &spec,
            scratch.dir.path(),
            TIMEOUT_SECONDS,
        ))
        .await;
        let what = format!("CloudWatch {fault:?}: {stderr}");
        assert_eq!(code, 3, "{what}");
        assert!(stdout.is_empty(), "{what}");
        assert!(took < worst_case(), "{what}: took {took:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs: FIFOs, devices, directories, endless and huge files.

/// A run that must be refused as bad input: exit 2 and nothing on stdout, within a minute
/// (a FIFO must not block it). Its stderr.
fn refused(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.timeout(Duration::from_secs(60)).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "exit 2 prints nothing: {stderr}");
    stderr
}

const POLICY: &str = "examples/autoscale/target-tracking.toml";
const TRACE: &str = "examples/autoscale/api-cpu.csv";

fn simulate(
    trace: impl AsRef<std::ffi::OsStr>,
    policy: impl AsRef<std::ffi::OsStr>,
) -> assert_cmd::Command {
    let mut cmd = vitals();
    cmd.args(["autoscale", "simulate", "--format", "json", "--trace"])
        .arg(trace)
        .arg("--policy")
        .arg(policy);
    cmd
}

#[test]
fn a_fifo_device_or_directory_named_as_an_input_is_exit_2_at_once() {
    let scratch = Scratch::new();
    let fifo = scratch.path("fifo");
    mkfifo(&fifo);
    let repo = "examples/four-keys/demo.git";
    for input in [fifo.as_path(), Path::new("/dev/zero"), scratch.dir.path()] {
        let input = input.to_str().unwrap();
        let runs: [&[&str]; 8] = [
            &["--config", input, "slo"],
            &["slo", "--spec", input],
            &[
                "autoscale",
                "simulate",
                "--trace",
                input,
                "--policy",
                POLICY,
            ],
            &["autoscale", "simulate", "--trace", TRACE, "--policy", input],
            &["freshness", "--dbt-manifest", input],
            &["freshness", "--dbt-sources", input],
            &["four-keys", "--git", repo, "--incidents", input],
            &["four-keys", "--git", repo, "--deployments", input],
        ];
        for args in runs {
            let stderr = refused(vitals().args(args));
            assert!(
                stderr.contains("not a regular file") || stderr.contains("is a directory"),
                "{args:?}: {stderr}"
            );
        }
    }
}

#[test]
fn a_trace_jumping_a_hundred_years_is_bad_input_not_an_allocation() {
    let scratch = Scratch::new();
    let trace = scratch.write(
        "trace.csv",
        "timestamp,cpu_utilization,running_tasks\n2026-01-01T00:00:00Z,50,2\n2126-01-01T00:00:00Z,50,2\n",
    );
    let stderr = refused(&mut simulate(&trace, POLICY));
    assert!(
        stderr.contains("trace.csv: row 2: timestamp 2126-01-01T00:00:00Z is more than 366 days after the first row's"),
        "{stderr}"
    );
}

#[test]
fn a_line_or_file_past_its_limit_is_named() {
    let scratch = Scratch::new();
    let long = "9".repeat(2 << 20);
    let trace = scratch.write(
        "trace.csv",
        format!("timestamp,cpu_utilization,running_tasks\n2026-01-01T00:00:00Z,50,2\n2026-01-01T00:01:00Z,{long},2\n"),
    );
    let stderr = refused(&mut simulate(&trace, POLICY));
    assert!(
        stderr.contains("trace.csv:3: longer than 1 MiB, the line limit"),
        "{stderr}"
    );
    let config = scratch.write("vitals.toml", format!("# {}\n", "x".repeat(5 << 20)));
    let stderr = refused(vitals().arg("--config").arg(&config).arg("slo"));
    assert!(
        stderr.contains("vitals.toml: config: larger than 4 MiB, the limit for this input"),
        "{stderr}"
    );
}

#[test]
fn a_byte_order_mark_is_accepted_in_every_text_input() {
    let scratch = Scratch::new();
    let bom = |path: &str| {
        let text = std::fs::read(repo().join(path)).unwrap();
        let name = Path::new(path).file_name().unwrap().to_str().unwrap();
        scratch.write(name, [b"\xEF\xBB\xBF".as_slice(), &text].concat())
    };
    let out = simulate(bom(TRACE), bom("examples/autoscale/with-step.toml"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = scratch.write(
        "vitals.toml",
        "\u{feff}now = \"2026-11-22T00:00:00Z\"\n[[freshness.checks]]\nname = \"d\"\npath = \"d.ndjson\"\nloaded_at_field = \"at\"\nwarn_after = \"2h\"\n",
    );
    scratch.write("d.ndjson", "\u{feff}{\"at\": \"2026-11-21T23:00:00Z\"}\n");
    let state = scratch.write("state.json", "\u{feff}{\"version\": 2, \"scopes\": {}}\n");
    let (code, doc, stderr) = run_json(
        vitals()
            .args(["freshness", "--format", "json", "--config"])
            .arg(&config)
            .arg("--state")
            .arg(&state),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("corrupt"), "{stderr}");
    assert_eq!(doc["results"][0]["status"], "pass", "{doc}");
}

#[test]
fn init_never_writes_into_a_fifo_or_device() {
    let scratch = Scratch::new();
    let fifo = scratch.path("fifo");
    mkfifo(&fifo);
    for path in [fifo.as_path(), Path::new("/dev/null")] {
        let stderr = refused(vitals().args(["init", "--force", "--path"]).arg(path));
        assert!(stderr.contains("not a regular file"), "{stderr}");
    }
}

#[test]
fn an_invalid_deploy_tag_glob_is_bad_usage() {
    let stderr = refused(vitals().args([
        "four-keys",
        "--git",
        "examples/four-keys/demo.git",
        "--deploy-tag",
        "[",
    ]));
    assert!(
        stderr.starts_with("error: --deploy-tag: \"[\": the `[` at character 1 is never closed"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// Outputs: never over a device, FIFO or directory; Slack only after every check.

#[test]
fn outputs_never_replace_a_device_fifo_or_directory() {
    let scratch = Scratch::new();
    let fifo = scratch.path("fifo");
    mkfifo(&fifo);
    for target in [Path::new("/dev/null"), fifo.as_path(), scratch.dir.path()] {
        let runs: [&[&str]; 6] = [
            &["freshness", "--state"],
            &["freshness", "--write-dbt-artifact"],
            &["autoscale", "simulate", "--timeline"],
            &["autoscale", "simulate", "--chart"],
            &["autoscale", "tune", "--emit-terraform"],
            &["slo", "--chart"],
        ];
        for args in runs {
            refused(
                vitals()
                    .args(["--config", "examples/vitals.toml"])
                    .args(args)
                    .arg(target),
            );
        }
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

/// A folder nothing can be created in, even by root: immutable where `chattr` works, else
/// read-only by permissions (which root would ignore: then `None`).
struct LockedFolder(PathBuf);

impl LockedFolder {
    fn new(path: PathBuf) -> Option<LockedFolder> {
        std::fs::create_dir_all(&path).unwrap();
        let immutable = std::process::Command::new("chattr")
            .arg("+i")
            .arg(&path)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !immutable {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o555)).unwrap();
        }
        let probe = path.join("probe");
        if std::fs::write(&probe, "").is_ok() {
            let _ = std::fs::remove_file(&probe);
            eprintln!("skipped: {} stays writable here", path.display());
            return None;
        }
        Some(LockedFolder(path))
    }
}

impl Drop for LockedFolder {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .stderr(std::process::Stdio::null())
            .status();
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_2_means_nothing_was_posted() {
    let slack = slack_webhook_ok().await;
    let scratch = Scratch::new();
    std::fs::copy(
        "examples/autoscale/api-cpu.csv",
        scratch.path("api-cpu.csv"),
    )
    .unwrap();
    std::fs::copy(
        "examples/autoscale/target-tracking.toml",
        scratch.path("policy.toml"),
    )
    .unwrap();
    let webhook = format!("{}/services/T0/B0/exit2nothingposted", slack.uri());
    for events in ["missing.ndjson", "missing/*.ndjson"] {
        let config = scratch.write(
            "vitals.toml",
            format!("now = \"2026-11-22T00:00:00Z\"\n[crash_free]\nevents = [\"{events}\"]\n[autoscale]\ntrace = \"api-cpu.csv\"\npolicy = \"policy.toml\"\n"),
        );
        let mut cmd = vitals();
        cmd.args(["digest", "--slack", "--config"])
            .arg(&config)
            .env("SLACK_WEBHOOK_URL", &webhook);
        let (code, stdout, stderr) = run_async(cmd).await;
        assert_eq!(code, 2, "{events}: {stderr}");
        assert!(stdout.is_empty(), "{events}");
        assert!(
            slack.received_requests().await.unwrap().is_empty(),
            "{events}"
        );
    }
    // A state folder that cannot take the state file: refused before anything is measured.
    if let Some(folder) = LockedFolder::new(scratch.path("locked")) {
        let mut cmd = vitals();
        cmd.args([
            "--config",
            "examples/vitals.toml",
            "freshness",
            "--slack",
            "--state",
        ])
        .arg(folder.0.join("state.json"))
        .env("SLACK_WEBHOOK_URL", &webhook);
        let (code, stdout, stderr) = run_async(cmd).await;
        assert_eq!(code, 2, "{stderr}");
        assert!(stdout.is_empty());
        assert!(stderr.contains("--state"), "{stderr}");
        assert!(slack.received_requests().await.unwrap().is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// The freshness state: one post for runs started together, configs sharing a file, a killed
// run's lock.

async fn state_run(slack: &MockServer, config: &Path, state: &Path) -> (i32, String, String) {
    let mut cmd = vitals();
    cmd.args(["freshness", "--slack", "--config"])
        .arg(config)
        .arg("--state")
        .arg(state)
        .env(
            "SLACK_WEBHOOK_URL",
            format!("{}/services/T0/B0/statelocktest", slack.uri()),
        );
    run_async(cmd).await
}

fn failing_config(scratch: &Scratch, name: &str) -> PathBuf {
    scratch.write(
        &format!("{name}.csv"),
        "id,loaded_at\n1,2026-11-20 00:00:00\n",
    );
    scratch.write(
        &format!("{name}.toml"),
        format!("now = \"2026-11-22T00:00:00Z\"\n[[freshness.checks]]\nname = \"{name}\"\npath = \"{name}.csv\"\nloaded_at_field = \"loaded_at\"\nwarn_after = \"2h\"\nerror_after = \"1d\"\n"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_started_together_on_one_state_file_post_once() {
    let slack = slack_webhook_ok().await;
    let scratch = Scratch::new();
    let config = failing_config(&scratch, "orders");
    let state = scratch.path("state/freshness.json");
    let runs: Vec<_> = (0..10)
        .map(|_| state_run(&slack, &config, &state))
        .collect();
    let outcomes = futures::future::join_all(runs).await;
    for (code, _, stderr) in &outcomes {
        assert_eq!(*code, 1, "{stderr}");
    }
    assert_eq!(slack.received_requests().await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn configs_sharing_a_state_file_keep_each_others_checks() {
    let slack = slack_webhook_ok().await;
    let scratch = Scratch::new();
    let state = scratch.path("shared.json");
    let configs: Vec<PathBuf> = (0..10)
        .map(|i| failing_config(&scratch, &format!("table{i}")))
        .collect();
    for round in 0..2 {
        for config in &configs {
            let (code, _, stderr) = state_run(&slack, config, &state).await;
            assert_eq!(code, 1, "{stderr}");
        }
        assert_eq!(
            slack.received_requests().await.unwrap().len(),
            10,
            "round {round}: each config's failure is posted once, on its first run"
        );
    }
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(saved["scopes"].as_object().unwrap().len(), 10);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lock_held_by_a_killed_process_does_not_block_the_next_run() {
    let slack = slack_webhook_ok().await;
    let scratch = Scratch::new();
    let config = failing_config(&scratch, "orders");
    let state = scratch.path("state.json");
    let lock = scratch.path("state.json.lock");
    // A process holding the lock the way a vitals run does (flock); SIGKILL leaves it no chance
    // to unlock.
    let mut holder = std::process::Command::new("python3")
        .args([
            "-c",
            "import fcntl, sys, time\nf = open(sys.argv[1], 'a')\nfcntl.flock(f, fcntl.LOCK_EX)\ntime.sleep(600)",
        ])
        .arg(&lock)
        .spawn()
        .expect("python3");
    let mut waited = 0;
    while vitals_lock_is_free(&lock) && waited < 100 {
        std::thread::sleep(Duration::from_millis(20));
        waited += 1;
    }
    holder.kill().unwrap();
    holder.wait().unwrap();
    let started = Instant::now();
    let (code, _, stderr) = state_run(&slack, &config, &state).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(slack.received_requests().await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lock_held_past_the_budget_is_an_upstream_failure_not_a_hang() {
    let scratch = Scratch::new();
    let config = failing_config(&scratch, "orders");
    let state = scratch.path("state.json");
    let lock = std::fs::File::create(scratch.path("state.json.lock")).unwrap();
    lock.lock().unwrap();
    let slack = MockServer::start().await;
    let mut cmd = vitals();
    cmd.args(["freshness", "--slack", "--config"])
        .arg(&config)
        .arg("--state")
        .arg(&state)
        .env(
            "SLACK_WEBHOOK_URL",
            format!("{}/services/T0/B0/heldlock1", slack.uri()),
        );
    with_timeout(&mut cmd);
    let (code, stdout, stderr, took) = timed(cmd).await;
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("another vitals run has held the state's lock"),
        "{stderr}"
    );
    assert!(took < worst_case(), "took {took:?}");
    assert!(slack.received_requests().await.unwrap().is_empty());
}

fn vitals_lock_is_free(lock: &Path) -> bool {
    let Ok(file) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(lock)
    else {
        return true;
    };
    match file.try_lock() {
        Ok(()) => {
            let _ = file.unlock();
            true
        }
        Err(_) => false,
    }
}
