//! `vitals slo` over CloudWatch `GetMetricData`, against a real moto server (installed by
//! `scripts/install-test-deps`): metric data is put with the AWS SDK, then read back.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_cloudwatch::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use serde_json::Value;

use crate::bigquery_emulator::python;
use crate::support::*;

pub struct Moto {
    child: Child,
    pub url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A moto server on a free port, or `None` when moto is not installed (a failure under
/// `VITALS_REQUIRE_EMULATORS`).
pub async fn start_moto() -> Option<Moto> {
    let server = python().and_then(|p| Some(p.parent()?.join("moto_server")));
    let Some(server) = server.filter(|s| s.exists()) else {
        assert!(
            std::env::var("VITALS_REQUIRE_EMULATORS").is_err(),
            "moto is required but not installed: run scripts/install-test-deps"
        );
        eprintln!("skipped: moto not installed");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .ok()?;
    let child = Command::new(server)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let moto = Moto {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if reqwest::get(&moto.url).await.is_ok() {
            return Some(moto);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("moto did not start in 30 s");
}

const SPEC: &str = r#"
apiVersion: openslo/v1
kind: DataSource
metadata: {name: cloudwatch}
spec:
  type: CloudWatch
  connectionDetails: {region: us-east-1}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: alb-availability}
spec:
  indicator:
    spec:
      ratioMetric:
        bad:
          metricSource:
            metricSourceRef: cloudwatch
            spec:
              namespace: AWS/ApplicationELB
              metricName: HTTPCode_Target_5XX_Count
              stat: Sum
              dimensions: [{name: LoadBalancer, value: app/api/123}]
        total:
          metricSource:
            metricSourceRef: cloudwatch
            spec:
              namespace: AWS/ApplicationELB
              metricName: RequestCount
              stat: Sum
              dimensions: [{name: LoadBalancer, value: app/api/123}]
  timeWindow: [{duration: 1d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
"#;

#[tokio::test(flavor = "multi_thread")]
async fn put_metric_data_then_read_it_back_through_slo() {
    let Some(moto) = start_moto().await else {
        return;
    };
    let config = aws_sdk_cloudwatch::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&moto.url)
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .build();
    let client = aws_sdk_cloudwatch::Client::from_conf(config);
    // 120 minutes ending at 2026-11-22T00:00Z: 100 requests a minute; 5xx only in the last
    // 30 minutes (3 a minute), and minutes without errors have no 5xx datapoint at all.
    let end = 1_795_305_600i64;
    let lb = Dimension::builder()
        .name("LoadBalancer")
        .value("app/api/123")
        .build();
    for minute in 0..120i64 {
        let t = DateTime::from_secs(end - (120 - minute) * 60);
        let mut data = vec![MetricDatum::builder()
            .metric_name("RequestCount")
            .dimensions(lb.clone())
            .timestamp(t)
            .value(100.0)
            .unit(StandardUnit::Count)
            .build()];
        if minute >= 90 {
            data.push(
                MetricDatum::builder()
                    .metric_name("HTTPCode_Target_5XX_Count")
                    .dimensions(lb.clone())
                    .timestamp(t)
                    .value(3.0)
                    .unit(StandardUnit::Count)
                    .build(),
            );
        }
        client
            .put_metric_data()
            .namespace("AWS/ApplicationELB")
            .set_metric_data(Some(data))
            .send()
            .await
            .expect("put metric data");
    }
    let scratch = Scratch::new();
    let spec = scratch.write("alb.yaml", SPEC);
    let mut cmd = vitals();
    cmd.args([
        "slo",
        "--now",
        "2026-11-22T00:00:00Z",
        "--format",
        "json",
        "-v",
        "--spec",
    ])
    .arg(spec)
    .env("AWS_ENDPOINT_URL", &moto.url)
    .env("AWS_ACCESS_KEY_ID", "test")
    .env("AWS_SECRET_ACCESS_KEY", "test")
    .env("AWS_REGION", "us-east-1")
    .env("AWS_EC2_METADATA_DISABLED", "true")
    .env("HOME", scratch.dir.path());
    let (code, stdout, stderr) = run_async(cmd).await;
    let doc: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
    let slo = &doc["slos"][0];
    assert_eq!(slo["total"], 12_000, "{stderr}");
    assert_eq!(slo["good"], 12_000 - 90, "30 minutes × 3 errors");
    // Last hour: 90 bad of 6,000 = 1.5 % against a 1 % budget.
    assert!((slo["burn_rates"]["1h"].as_f64().unwrap() - 1.5).abs() < 1e-9);
    // 3d and 6h burn 0.75 (90 of 12,000): below every alert pair, and the budget holds.
    assert_eq!(slo["status"], "ok");
    assert_eq!(code, 0);
    assert!(
        stderr.contains("CloudWatch GetMetricData"),
        "-v logs each call: {stderr}"
    );
}
