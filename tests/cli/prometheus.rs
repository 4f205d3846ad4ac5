//! `vitals slo` and `vitals slo rules` against a real Prometheus and promtool (Debian's
//! `prometheus` package, unpacked by `scripts/install-test-deps`): known series are backfilled
//! with `promtool tsdb create-blocks-from openmetrics`, a server is started on that TSDB, and
//! vitals' figures are checked against hand-computed ones; the generated rules are checked by
//! `promtool check rules` and `promtool test rules`, whose alerts must fire exactly where
//! `vitals slo` says the multiwindow pairs fire. Skipped when Prometheus is not installed,
//! unless `VITALS_REQUIRE_EMULATORS=1` (set by `scripts/test`). A wiremock stand-in only plays
//! what a real server cannot: a proxy's HTML page.
//!
//! Samples of per-minute data sit at :30 of their minute: Prometheus 2.x range selectors
//! include both ends, so a sample on the minute would belong to two one-minute windows.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};

use crate::support::*;

/// Where scripts/install-test-deps unpacks the package's binaries.
fn bin_dir() -> Option<PathBuf> {
    let venv = std::env::var_os("VITALS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".venv-test"));
    let dir = venv.join("prometheus/usr/bin");
    if dir.join("prometheus").exists() && dir.join("promtool").exists() {
        return Some(dir);
    }
    assert!(
        std::env::var("VITALS_REQUIRE_EMULATORS").is_err(),
        "prometheus and promtool are required but not installed: run scripts/install-test-deps"
    );
    eprintln!("skipped: prometheus not installed (scripts/install-test-deps installs it)");
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A GET on 127.0.0.1 without an HTTP client: the status line's code.
fn get_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    reply.split_whitespace().nth(1)?.parse().ok()
}

/// A Prometheus server on a free port over a TSDB backfilled with `openmetrics`; killed when
/// dropped.
pub struct Prometheus {
    child: Child,
    pub url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    pub fn start(bin: &Path, openmetrics: &str) -> Prometheus {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data.om");
        std::fs::write(&data, openmetrics).expect("write openmetrics");
        let tsdb = dir.path().join("tsdb");
        let backfill = Command::new(bin.join("promtool"))
            .args(["tsdb", "create-blocks-from", "openmetrics", "--quiet"])
            .arg(&data)
            .arg(&tsdb)
            .output()
            .expect("run promtool");
        assert!(
            backfill.status.success(),
            "promtool backfill: {}",
            String::from_utf8_lossy(&backfill.stderr)
        );
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, "global: {}\n").expect("write config");
        let port = free_port();
        let child = Command::new(bin.join("prometheus"))
            .arg("--config.file")
            .arg(&config)
            .arg("--storage.tsdb.path")
            .arg(&tsdb)
            // Backfilled data is old: keep it.
            .args(["--storage.tsdb.retention.time", "36500d"])
            .args(["--web.listen-address", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus");
        let server = Prometheus {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if get_status(port, "/-/ready") == Some(200) {
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("prometheus did not become ready in 60 s");
    }
}

/// OpenMetrics text for `create-blocks-from openmetrics`: families of series, each series's
/// samples in time order.
#[derive(Default)]
pub struct OpenMetrics {
    text: String,
}

impl OpenMetrics {
    pub fn family(&mut self, name: &str, kind: &str) -> &mut Self {
        self.text.push_str(&format!("# TYPE {name} {kind}\n"));
        self
    }

    pub fn series(
        &mut self,
        name: &str,
        labels: &str,
        samples: impl IntoIterator<Item = (DateTime<Utc>, f64)>,
    ) -> &mut Self {
        for (t, v) in samples {
            self.text
                .push_str(&format!("{name}{labels} {v} {}\n", t.timestamp()));
        }
        self
    }

    pub fn finish(&mut self) -> String {
        format!("{}# EOF\n", self.text)
    }
}

/// 2026-03-01T00:00:00Z plus `minutes`.
fn base(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(minutes)
}

/// Minute `k`'s sample: at :30, inside the minute it counts.
fn mid(k: i64) -> DateTime<Utc> {
    base(k) + chrono::Duration::seconds(30)
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A DataSource named `prometheus` (with `url` when given) and an SLI-carrying SLO.
fn spec(url: Option<&str>, slo: &str) -> String {
    let connection = url.map_or("{}".to_string(), |u| format!("{{url: \"{u}\"}}"));
    format!(
        "apiVersion: openslo/v1\nkind: DataSource\nmetadata: {{name: prometheus}}\nspec:\n  \
         type: Prometheus\n  connectionDetails: {connection}\n---\n{slo}"
    )
}

fn run(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().expect("run vitals");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// `vitals slo --format json` on `file` at `now` (the server named in the spec).
fn slo_at(file: &Path, now: DateTime<Utc>) -> (i32, Value, String) {
    run_json(
        vitals()
            .args(["slo", "--format", "json", "--now", &rfc3339(now), "--spec"])
            .arg(file),
    )
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// A threshold SLO: one query, so one call per chunk.
const LATENCY: &str = r#"apiVersion: openslo/v1
kind: SLO
metadata: {name: latency}
spec:
  indicator:
    spec:
      thresholdMetric:
        metricSource:
          metricSourceRef: prometheus
          spec: {query: 'max(p95_ms)'}
  timeWindow: [{duration: 1h, isRolling: true}]
  budgetingMethod: Timeslices
  objectives: [{op: lte, value: 300, target: 0.9, timeSliceWindow: 1m}]
"#;

const AVAILABILITY: &str = r#"apiVersion: openslo/v1
kind: SLO
metadata: {name: api-availability}
spec:
  indicator:
    spec:
      ratioMetric:
        bad:
          metricSource:
            metricSourceRef: prometheus
            spec: {query: 'sum(sum_over_time(req_bad_minute[{{window}}]))'}
        total:
          metricSource:
            metricSourceRef: prometheus
            spec: {query: 'sum_over_time(req_minute{job="api"}[{{window}}])'}
  timeWindow: [{duration: 1h, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{displayName: availability, target: 0.99}]
"#;

/// Minute k's requests on instances a and b, and its 5xx (the 5xx series starts at 60).
fn availability_minute(k: i64) -> (f64, f64, Option<f64>) {
    let bad = match k {
        70..=79 => 3.0,
        100 => 1.0,
        _ => 0.0,
    };
    (60.0, 40.0 + (k % 3) as f64, (k >= 60).then_some(bad))
}

#[test]
fn per_minute_gauges_summed_over_two_series_give_the_budget_the_same_data_gives_from_csv() {
    let Some(bin) = bin_dir() else { return };
    let minutes = 0..120;
    let mut om = OpenMetrics::default();
    om.family("req_minute", "gauge")
        .series(
            "req_minute",
            r#"{job="api",instance="a"}"#,
            minutes.clone().map(|k| (mid(k), availability_minute(k).0)),
        )
        .series(
            "req_minute",
            r#"{job="api",instance="b"}"#,
            minutes.clone().map(|k| (mid(k), availability_minute(k).1)),
        )
        .family("req_bad_minute", "gauge")
        .series(
            "req_bad_minute",
            "",
            minutes
                .clone()
                .filter_map(|k| Some((mid(k), availability_minute(k).2?))),
        );
    let server = Prometheus::start(&bin, &om.finish());
    let scratch = Scratch::new();
    // The DataSource names no server: PROMETHEUS_URL, and [slo] prometheus_url for the digest.
    let prom_spec = scratch.write("prom.yaml", spec(None, AVAILABILITY));
    let mut csv = String::from("timestamp,requests,errors\n");
    for k in minutes {
        let (a, b, bad) = availability_minute(k);
        csv.push_str(&format!(
            "{},{},{}\n",
            rfc3339(base(k)),
            a + b,
            bad.unwrap_or(0.0)
        ));
    }
    scratch.write("api.csv", csv);
    let csv_spec = scratch.write(
        "csv.yaml",
        AVAILABILITY
            .replace(
                "metricSourceRef: prometheus\n            spec: {query: 'sum(sum_over_time(req_bad_minute[{{window}}]))'}",
                "type: CSV\n            spec: {path: api.csv, column: errors}",
            )
            .replace(
                "metricSourceRef: prometheus\n            spec: {query: 'sum_over_time(req_minute{job=\"api\"}[{{window}}])'}",
                "type: CSV\n            spec: {path: api.csv, column: requests}",
            ),
    );
    let now = rfc3339(base(120));
    let (code, from_prometheus, stderr) = run_json(
        vitals()
            .env("PROMETHEUS_URL", &server.url)
            .args(["slo", "--format", "json", "--now", &now, "--spec"])
            .arg(&prom_spec),
    );
    assert_eq!(code, 0, "{stderr}");
    let slo = &from_prometheus["slos"][0];
    // Window [1:00, 2:00): 6,060 requests (100 + k mod 3 a minute), 31 of them 5xx.
    assert_eq!(slo["total"], 6060, "{slo}");
    assert_eq!(slo["good"], 6029);
    assert!(close(slo["sli"].as_f64().unwrap(), 6029.0 / 6060.0));
    assert!(close(
        slo["error_budget"]["remaining_ratio"].as_f64().unwrap(),
        1.0 - 31.0 / 60.6
    ));
    let (code, from_csv, stderr) = run_json(
        vitals()
            .args(["slo", "--format", "json", "--now", &now, "--spec"])
            .arg(&csv_spec),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(from_prometheus["slos"], from_csv["slos"]);

    // Every budgeting method and window kind gives what the CSV gives.
    let variants = [
        (
            "timeWindow: [{duration: 1h, isRolling: true}]\n  budgetingMethod: Occurrences\n  objectives: [{displayName: availability, target: 0.99}]",
            "timeWindow: [{duration: 1d, isRolling: false, calendar: {startTime: '2026-01-01 00:00:00', timeZone: Asia/Tokyo}}]\n  budgetingMethod: Timeslices\n  objectives: [{displayName: availability, target: 0.9, timeSliceTarget: 0.99, timeSliceWindow: 5m}]",
        ),
        (
            "timeWindow: [{duration: 1h, isRolling: true}]\n  budgetingMethod: Occurrences\n  objectives: [{displayName: availability, target: 0.99}]",
            "timeWindow: [{duration: 1w, isRolling: false, calendar: {startTime: '2026-01-05 00:00:00', timeZone: UTC}}]\n  budgetingMethod: RatioTimeslices\n  objectives: [{displayName: availability, target: 0.995, timeSliceWindow: 10m}]",
        ),
    ];
    for (from, to) in variants {
        let read = |file: &Path| std::fs::read_to_string(file).unwrap();
        let prom = scratch.write("prom-variant.yaml", read(&prom_spec).replace(from, to));
        let csv = scratch.write("csv-variant.yaml", read(&csv_spec).replace(from, to));
        assert!(read(&prom).contains(to) && read(&csv).contains(to));
        let (_, a, stderr) = run_json(
            vitals()
                .env("PROMETHEUS_URL", &server.url)
                .args(["slo", "--format", "json", "--now", &now, "--spec"])
                .arg(&prom),
        );
        let (_, b, _) = run_json(
            vitals()
                .args(["slo", "--format", "json", "--now", &now, "--spec"])
                .arg(&csv),
        );
        assert_eq!(a["slos"], b["slos"], "{to}\n{stderr}");
        assert!(
            a["slos"][0]["total"].as_f64().unwrap() > 0.0,
            "{}",
            a["slos"][0]
        );
    }

    // The digest runs the same section from the config, the server from [slo] prometheus_url.
    let config = scratch.write(
        "vitals.toml",
        format!(
            "[slo]\nspecs = [\"prom.yaml\"]\nprometheus_url = \"{}\"\n",
            server.url
        ),
    );
    let (code, digest, stderr) = run_json(
        vitals()
            .args(["digest", "--format", "json", "--now", &now, "--config"])
            .arg(&config),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(digest["sections"][0]["slos"], from_csv["slos"], "{digest}");
}

#[test]
fn a_raw_counter_with_a_reset_counts_each_minute_s_increase() {
    let Some(bin) = bin_dir() else { return };
    // Requests: +100 a minute, restarting at 50 in minute 30; errors: +2 a minute, restarting
    // at 1 in minute 40.
    let requests = |k: i64| match k {
        ..=29 => 1_000.0 + 100.0 * k as f64,
        _ => 50.0 + 100.0 * (k - 30) as f64,
    };
    let errors = |k: i64| match k {
        ..=39 => 10.0 + 2.0 * k as f64,
        _ => 1.0 + 2.0 * (k - 40) as f64,
    };
    let mut om = OpenMetrics::default();
    om.family("http_requests", "counter")
        .series(
            "http_requests_total",
            "",
            (0..=60).map(|k| (mid(k), requests(k))),
        )
        .family("http_errors", "counter")
        .series(
            "http_errors_total",
            "",
            (0..=60).map(|k| (mid(k), errors(k))),
        );
    let server = Prometheus::start(&bin, &om.finish());
    let scratch = Scratch::new();
    let slo = r#"apiVersion: openslo/v1
kind: SLO
metadata: {name: counters}
spec:
  indicator:
    spec:
      ratioMetric:
        counter: true
        bad: {metricSource: {metricSourceRef: prometheus, spec: {query: sum(http_errors_total)}}}
        total: {metricSource: {metricSourceRef: prometheus, spec: {query: sum(http_requests_total), step: 1m}}}
  timeWindow: [{duration: 1h, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.95}]
"#;
    let file = scratch.write("counter.yaml", spec(Some(&server.url), slo));
    let (code, doc, stderr) = slo_at(&file, base(61));
    assert_eq!(code, 0, "{stderr}");
    let slo = &doc["slos"][0];
    // Minutes 1–60: 59 × 100 + 50 (the reset) requests; 59 × 2 + 1 errors.
    assert_eq!(slo["total"], 5950, "{slo}");
    assert_eq!(slo["good"], 5950 - 119);
    assert!(close(
        slo["error_budget"]["remaining_ratio"].as_f64().unwrap(),
        1.0 - 119.0 / 297.5
    ));
}

/// A latency histogram (ms) whose p95 is 98.96 in ordinary minutes and 650 in minutes 10–14;
/// samples at :15 and :45, each adding half of the minute's requests.
fn histogram() -> String {
    let mut om = OpenMetrics::default();
    om.family("latency_ms", "histogram");
    let buckets = ["100", "300", "1000", "+Inf"];
    for (b, le) in buckets.iter().enumerate() {
        let mut value = 10_000.0;
        let mut samples = Vec::new();
        for k in 0..=60 {
            // Cumulative counts per half-minute: 48/50/50/50 fast, 25/45/50/50 slow.
            let fast = [48.0, 50.0, 50.0, 50.0];
            let slow = [25.0, 45.0, 50.0, 50.0];
            let add = if (10..=14).contains(&k) {
                slow[b]
            } else {
                fast[b]
            };
            for second in [15, 45] {
                value += add;
                samples.push((base(k) + chrono::Duration::seconds(second), value));
            }
        }
        om.series("latency_ms_bucket", &format!("{{le=\"{le}\"}}"), samples);
    }
    om.finish()
}

#[test]
fn a_p95_threshold_series_is_judged_per_time_slice() {
    let Some(bin) = bin_dir() else { return };
    let server = Prometheus::start(&bin, &histogram());
    let scratch = Scratch::new();
    let latency = LATENCY.replace(
        "max(p95_ms)",
        "histogram_quantile(0.95, sum by (le) (increase(latency_ms_bucket[{{window}}])))",
    );
    let file = scratch.write("latency.yaml", spec(Some(&server.url), &latency));
    let (code, doc, stderr) = slo_at(&file, base(61));
    assert_eq!(code, 0, "{stderr}");
    let slo = &doc["slos"][0];
    // Slices 1–60: the five slow minutes are bad; 6 bad slices allowed.
    assert_eq!(slo["total"], 60, "{slo}");
    assert_eq!(slo["good"], 55);
    assert!(close(
        slo["error_budget"]["remaining_ratio"].as_f64().unwrap(),
        1.0 / 6.0
    ));

    // Without `sum by (le)` the query returns a series per bucket: not one threshold series.
    let several = scratch.write(
        "several.yaml",
        spec(
            Some(&server.url),
            &latency
                .replace(
                    "sum by (le) (increase(latency_ms_bucket[{{window}}]))",
                    "latency_ms_bucket",
                )
                .replace(
                    "histogram_quantile(0.95, latency_ms_bucket)",
                    "latency_ms_bucket",
                ),
        ),
    );
    let (code, stdout, stderr) = run(vitals()
        .args(["slo", "--now", &rfc3339(base(61)), "--spec"])
        .arg(&several));
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("(SLO latency)")
            && stderr
                .contains("thresholdMetric.metricSource.spec.query: the query returned 4 series"),
        "{stderr}"
    );
}

#[test]
fn a_query_prometheus_rejects_is_bad_input_quoting_prometheus() {
    let Some(bin) = bin_dir() else { return };
    let server = Prometheus::start(&bin, &histogram());
    let scratch = Scratch::new();
    let slo = AVAILABILITY.replace(
        "sum(sum_over_time(req_bad_minute[{{window}}]))",
        "sum(rate(req_bad_minute[{{window}}])",
    );
    let file = scratch.write("bad.yaml", spec(Some(&server.url), &slo));
    let (code, stdout, stderr) = run(vitals()
        .args(["slo", "--now", &rfc3339(base(61)), "--spec"])
        .arg(&file));
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("(SLO api-availability)")
            && stderr
                .contains("ratioMetric.bad.metricSource.spec.query: Prometheus rejected the query")
            && stderr.contains("parse error")
            && stderr.contains("(bad_data)"),
        "{stderr}"
    );
}

#[test]
fn an_unreachable_server_is_an_upstream_failure_that_never_prints_the_token() {
    let scratch = Scratch::new();
    let url = format!("http://127.0.0.1:{}", free_port());
    let file = scratch.write("down.yaml", spec(Some(&url), AVAILABILITY));
    let token = "prom-token-4f1c9e2b7a";
    let (code, stdout, stderr) = run(vitals()
        .env("PROMETHEUS_TOKEN", token)
        .args(["-v", "slo", "--spec"])
        .arg(&file));
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.is_empty());
    assert!(!stderr.contains(token), "{stderr}");
    let error = stderr
        .lines()
        .filter(|l| !l.starts_with("vitals: "))
        .collect::<Vec<_>>();
    assert_eq!(error.len(), 1, "{stderr}");
    assert!(
        error[0].contains(&format!("Prometheus at {url}")) && error[0].contains("(tried 5 times)"),
        "{stderr}"
    );
    // `-v` logged every attempt, and the query once.
    assert!(
        stderr.contains("vitals: Prometheus query_range"),
        "{stderr}"
    );
    assert!(
        stderr.matches("/api/v1/query_range ->").count() >= 5,
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proxy_s_html_page_is_retried_then_an_upstream_failure_in_one_line() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/query_range"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/html")
                .set_body_string("<html><head><title>Sign in - Corp SSO</title></head></html>"),
        )
        .expect(5)
        .mount(&server)
        .await;
    let scratch = Scratch::new();
    let file = scratch.write("proxy.yaml", spec(Some(&server.uri()), LATENCY));
    let (code, stdout, stderr) =
        tokio::task::spawn_blocking(move || run(vitals().args(["slo", "--spec"]).arg(&file)))
            .await
            .unwrap();
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.is_empty());
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(r#"got an HTML page ("Sign in - Corp SSO") (HTTP 200) instead of Prometheus's JSON, 5 times"#),
        "{stderr}"
    );
}

/// Minute k of the rules scenario (4 days, 1,000 requests a minute): its 5xx.
fn incident_minute(k: i64) -> f64 {
    let (day, minute) = (k / 1440, k % 1440);
    match (day, minute) {
        (1, 720..=749) => 40.0, // D1 12:00–12:30: a sharp burst (page, 1h & 5m)
        (2, 0..=1199) => 4.0,   // D2 00:00–20:00: a slow burn (tickets)
        (3, 360..=449) => 30.0, // D3 06:00–07:30: a burst (page, 1h & 5m)
        (3, 840..=1199) => 8.0, // D3 14:00–20:00: a long burn (page, 6h & 30m)
        _ => 0.0,
    }
}

const MINUTES: i64 = 4 * 1440;

/// The burn rate over the `window` minutes before minute `at`, as the annotation prints it.
fn burn_text(at: i64, window: i64) -> String {
    let from = (at - window).max(0);
    let bad: f64 = (from..at).map(incident_minute).sum();
    let total = 1_000.0 * (at - from) as f64;
    format!("{:.1}", bad / total / 0.001)
}

/// An annotation as Prometheus renders it: each `{{ with query "…ratio_rate<W>…" }}…{{ end }}`
/// replaced by that window's burn rate.
fn rendered(template: &str, at: i64) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{ with query") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("{{ end }}").expect("end") + start + "{{ end }}".len();
        let action = &rest[start..end];
        let window = action
            .split("ratio_rate")
            .nth(1)
            .and_then(|s| s.split('{').next())
            .expect("window");
        let minutes = match window {
            "5m" => 5,
            "30m" => 30,
            "1h" => 60,
            "2h" => 120,
            "6h" => 360,
            "1d" => 1440,
            "3d" => 4320,
            other => panic!("window {other}"),
        };
        out.push_str(&burn_text(at, minutes));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_rules_pass_promtool_and_their_alerts_fire_exactly_where_vitals_says_the_pairs_fire() {
    let Some(bin) = bin_dir() else { return };
    let slo = r#"apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout-api}
spec:
  indicator:
    spec:
      ratioMetric:
        bad: {metricSource: {metricSourceRef: prometheus, spec: {query: 'sum(sum_over_time(req_bad[{{window}}]))'}}}
        total: {metricSource: {metricSourceRef: prometheus, spec: {query: 'sum(sum_over_time(req_total[{{ .window }}]))'}}}
  timeWindow: [{duration: 7d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{displayName: 99.9 % succeed, target: 0.999}]
"#;
    let mut om = OpenMetrics::default();
    om.family("req_bad", "gauge")
        .series(
            "req_bad",
            "",
            (0..MINUTES).map(|k| (mid(k), incident_minute(k))),
        )
        .family("req_total", "gauge")
        .series("req_total", "", (0..MINUTES).map(|k| (mid(k), 1_000.0)));
    let server = Prometheus::start(&bin, &om.finish());
    let scratch = Scratch::new();
    let file = scratch.write("checkout.yaml", spec(Some(&server.url), slo));

    let rules = scratch.path("rules.yaml");
    let (code, stdout, stderr) = run(vitals()
        .args(["slo", "rules", "--spec"])
        .arg(&file)
        .arg("--out")
        .arg(&rules));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Prometheus rules"), "{stdout}");
    let check = Command::new(bin.join("promtool"))
        .args(["check", "rules"])
        .arg(&rules)
        .output()
        .expect("promtool check rules");
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let file_yaml: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&rules).unwrap()).expect("rules YAML");
    let alert_rules: Vec<&Value> = file_yaml["groups"][0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("alert").is_some())
        .collect();

    // What vitals reports at each moment, hand-checked, then asked of the rules.
    let moments: [(i64, &[&str]); 7] = [
        (1800, &[]),                                              // D1 06:00
        (2190, &["page_1h_5m"]),                                  // D1 12:30
        (4020, &["ticket_1d_2h", "ticket_3d_6h"]),                // D2 19:00
        (4710, &["page_1h_5m", "ticket_3d_6h"]),                  // D3 06:30
        (4860, &["ticket_1d_2h", "ticket_3d_6h"]),                // D3 09:00
        (5520, &["page_6h_30m", "ticket_1d_2h", "ticket_3d_6h"]), // D3 20:00
        (5700, &["ticket_3d_6h"]),                                // D3 23:00
    ];
    let mut alert_tests = Vec::new();
    for (at, expected) in moments {
        let (code, doc, stderr) = slo_at(&file, base(at));
        // The incidents overspend the week's budget by the end: exit 1 then.
        assert!(code == 0 || code == 1, "{stderr}");
        let fired: Vec<&str> = doc["slos"][0]["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(fired, expected, "vitals at minute {at}: {}", doc["slos"][0]);
        for rule in &alert_rules {
            let severity = rule["labels"]["severity"].as_str().unwrap();
            let fires = fired.iter().any(|pair| pair.starts_with(severity));
            let annotations: serde_json::Map<String, Value> = rule["annotations"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(rendered(v.as_str().unwrap(), at))))
                .collect();
            let exp_alerts = if fires {
                json!([{"exp_labels": rule["labels"], "exp_annotations": annotations}])
            } else {
                json!([])
            };
            alert_tests.push(json!({
                "eval_time": format!("{at}m"),
                "alertname": rule["alert"],
                "exp_alerts": exp_alerts,
            }));
        }
    }
    // promtool's series start at 0; a minute's count sits at :30 of it, as in the TSDB.
    let values = |f: &dyn Fn(i64) -> f64| {
        (0..MINUTES)
            .map(|k| format!("_ {}", f(k)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let test = json!({
        "rule_files": [rules],
        "evaluation_interval": "30m",
        "tests": [{
            "interval": "30s",
            "input_series": [
                {"series": "req_bad", "values": values(&incident_minute)},
                {"series": "req_total", "values": values(&|_| 1_000.0)},
            ],
            "alert_rule_test": alert_tests,
        }]
    });
    let test_file = scratch.write("rules_test.yaml", test.to_string());
    let outcome = Command::new(bin.join("promtool"))
        .args(["test", "rules"])
        .arg(&test_file)
        .output()
        .expect("promtool test rules");
    assert!(
        outcome.status.success(),
        "{}{}",
        String::from_utf8_lossy(&outcome.stdout),
        String::from_utf8_lossy(&outcome.stderr)
    );
}

#[test]
fn rules_need_the_window_placeholder_and_skip_what_they_cannot_cover() {
    let scratch = Scratch::new();
    let counter = r#"apiVersion: openslo/v1
kind: SLO
metadata: {name: raw-counters}
spec:
  indicator:
    spec:
      ratioMetric:
        counter: true
        bad: {metricSource: {metricSourceRef: prometheus, spec: {query: sum(errors_total)}}}
        total: {metricSource: {metricSourceRef: prometheus, spec: {query: sum(requests_total)}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
"#;
    let file = scratch.write("counter.yaml", spec(Some("http://127.0.0.1:9"), counter));
    let (code, stdout, stderr) = run(vitals().args(["slo", "rules", "--spec"]).arg(&file));
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("(SLO raw-counters)")
            && stderr
                .contains("ratioMetric.bad.metricSource.spec.query: no {{window}} placeholder"),
        "{stderr}"
    );

    // A CSV SLO and a threshold metric are skipped with a warning; rules for the rest.
    let csv = [
        repo().join("examples/slo/checkout-validations.yaml"),
        repo().join("examples/slo/datasources.yaml"),
    ];
    let latency = r#"apiVersion: openslo/v1
kind: SLO
metadata: {name: latency}
spec:
  indicator:
    spec:
      thresholdMetric: {metricSource: {type: Prometheus, spec: {query: 'max(p95[{{window}}])'}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Timeslices
  objectives: [{op: lte, value: 300, target: 0.99, timeSliceWindow: 5m}]
"#;
    let threshold = scratch.write("latency.yaml", latency);
    let example = repo().join("examples/slo/prometheus/api-availability.yaml");
    let (code, stdout, stderr) = run(vitals()
        .args(["slo", "rules", "--spec"])
        .args(&csv)
        .arg(&threshold)
        .arg(&example));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("alert: ApiAvailabilityErrorBudgetBurnPage"),
        "{stdout}"
    );
    assert!(
        stderr.contains("warning: ") && stderr.contains("(SLO latency)"),
        "{stderr}"
    );
    assert!(stderr.contains("a threshold metric"), "{stderr}");

    // Nothing from Prometheus: nothing to write.
    let (code, stdout, stderr) = run(vitals().args(["slo", "rules", "--spec"]).args(&csv));
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("metricSource.type \"CSV\""), "{stderr}");
    assert!(stderr.contains("nothing to write"), "{stderr}");
}

#[test]
fn the_example_prometheus_slo_is_the_csv_one_read_from_prometheus() {
    let example = repo().join("examples/slo/prometheus/api-availability.yaml");
    let (code, stdout, stderr) = run(vitals()
        .args(["slo", "rules", "--format", "json", "--spec"])
        .arg(&example));
    assert_eq!(code, 0, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(doc["kind"], "slo_rules");
    let group = &doc["groups"][0];
    assert_eq!(group["rules"].as_array().unwrap().len(), 9);
    assert_eq!(group["rules"][0]["labels"]["slo"], "api-availability");
    assert_eq!(
        group["rules"][0]["labels"]["objective"],
        "99.9 % of requests succeed"
    );
}

#[test]
fn init_offers_prometheus_and_a_bad_prometheus_url_in_the_config_names_its_line() {
    let scratch = Scratch::new();
    let path = scratch.path("vitals.toml");
    vitals()
        .args(["init", "--path"])
        .arg(&path)
        .assert()
        .success();
    let template = std::fs::read_to_string(&path).unwrap();
    assert!(template.contains("# prometheus_url = "), "{template}");
    assert!(template.contains("vitals slo rules"), "{template}");

    let example = repo().join("examples/slo/prometheus/api-availability.yaml");
    let config = scratch.write(
        "bad.toml",
        format!(
            "[slo]\nspecs = [\"{}\"]\nprometheus_url = \"prometheus:9090\"\n",
            example.display()
        ),
    );
    let (code, stdout, stderr) = run(vitals().args(["slo", "--config"]).arg(&config));
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("bad.toml:3:") && stderr.contains("slo.prometheus_url"),
        "{stderr}"
    );
}
